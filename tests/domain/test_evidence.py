"""Evidence rules: which files are kept (by content), chunking, limits and exhibit references."""

from __future__ import annotations

import io
import zipfile

import pytest

from fieldkit.domain.evidence import (
    MediaType,
    chunk_count,
    chunks,
    exhibit_reference,
    number_exhibits,
    officer_initials,
    size_refusal,
    sniff,
)


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe1rest", MediaType.JPEG),
        (b"\x89PNG\r\n\x1a\nrest", MediaType.PNG),
        (b"GIF89a...", MediaType.GIF),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", MediaType.WEBP),
        (b"II*\x00rest", MediaType.TIFF),
        (b"%PDF-1.7\n", MediaType.PDF),
        (b"ID3\x04\x00rest", MediaType.MP3),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", MediaType.WAV),
        (b"OggS\x00rest", MediaType.OGG),
        (b"\x00\x00\x00\x20ftypM4A \x00", MediaType.M4A),
        (b"fLaC\x00rest", MediaType.FLAC),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", MediaType.OLE),
        (b"{\\rtf1\\ansi", MediaType.RTF),
        (_zip({"[Content_Types].xml": b"x", "word/document.xml": b"x"}), MediaType.DOCX),
        (_zip({"[Content_Types].xml": b"x", "xl/workbook.xml": b"x"}), MediaType.XLSX),
        (_zip({"[Content_Types].xml": b"x", "ppt/presentation.xml": b"x"}), MediaType.PPTX),
        (_zip({"mimetype": MediaType.ODT.value.encode()}), MediaType.ODT),
        (_zip({"mimetype": MediaType.ODS.value.encode()}), MediaType.ODS),
        (_zip({"payload.exe": b"MZ"}), None),
        (b"PK\x03\x04 not really a zip", None),
        (b"MZ\x90\x00", None),
        (b"#!/bin/sh\nrm -rf /", None),
        (b"<html><script>", None),
        (b"", None),
    ],
    ids=lambda v: v.name if isinstance(v, MediaType) else None,
)
def test_a_file_is_recognised_by_its_content(head: bytes, kind: MediaType | None) -> None:
    assert sniff(head) == kind


@pytest.mark.parametrize(
    ("size", "limit", "refused"),
    [(1, 10, False), (10, 10, False), (11, 10, True), (0, 10, True)],
)
def test_a_file_must_be_neither_empty_nor_over_the_limit(
    size: int, limit: int, refused: bool
) -> None:
    assert (size_refusal(size, limit) is not None) == refused


@pytest.mark.parametrize(
    ("size", "count"), [(0, 1), (1, 1), (256 * 1024, 1), (256 * 1024 + 1, 2), (4 * 1024**2, 16)]
)
def test_a_file_is_kept_in_chunks_of_256_kib(size: int, count: int) -> None:
    assert chunk_count(size) == count
    data = bytes(size)
    assert b"".join(chunks(data)) == data
    assert len(chunks(data)) == count


@pytest.mark.parametrize(
    ("name", "fallback", "initials"),
    [
        ("Jo Smith", "jo.smith", "JS"),
        ("Amy O'Brien-Okafor", "amy", "AO"),
        ("zoë ward", "z", "ZW"),
        ("", "amy.officer", "AO"),
        ("", "", "EX"),
        ("PC 4471", "x", "P"),
    ],
)
def test_an_officers_initials_come_from_their_name(name: str, fallback: str, initials: str) -> None:
    assert officer_initials(name, fallback=fallback) == initials


def test_exhibits_are_numbered_per_officer_in_capture_order() -> None:
    items: list[dict[str, object]] = [
        {"id": "c", "captured_by": "jo", "captured_at": "2026-11-03T10:00:00+00:00"},
        {"id": "a", "captured_by": "jo", "captured_at": "2026-11-01T10:00:00+00:00"},
        {"id": "b", "captured_by": "amy", "captured_at": "2026-11-02T10:00:00+00:00"},
    ]
    exhibits = number_exhibits(items, initials_of={"jo": "JS", "amy": "AO"})
    assert [(e.attachment_id, e.reference) for e in exhibits] == [
        ("a", "JS/1"), ("b", "AO/1"), ("c", "JS/2")
    ]  # fmt: skip
    assert exhibit_reference("JS", 3) == "JS/3"
