"""Evidence files: which kinds Fieldkit keeps, how they are recognised, chunked and exhibited."""

from __future__ import annotations

import hashlib
import io
import math
import re
import zipfile
from dataclasses import dataclass
from typing import Final

from fieldkit.domain.vocabulary import Vocabulary, define_words


class MediaType(Vocabulary):
    """The kinds of file an attachment may hold, told apart by their content (never the name)."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    GIF = "image/gif"
    WEBP = "image/webp"
    TIFF = "image/tiff"
    PDF = "application/pdf"
    MP3 = "audio/mpeg"
    WAV = "audio/wav"
    OGG = "audio/ogg"
    M4A = "audio/mp4"
    FLAC = "audio/flac"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ODT = "application/vnd.oasis.opendocument.text"
    ODS = "application/vnd.oasis.opendocument.spreadsheet"
    OLE = "application/x-ole-storage"
    RTF = "application/rtf"


define_words(
    MediaType,
    {
        MediaType.JPEG: "JPEG photo",
        MediaType.PNG: "PNG image",
        MediaType.GIF: "GIF image",
        MediaType.WEBP: "WebP image",
        MediaType.TIFF: "TIFF image",
        MediaType.PDF: "PDF document",
        MediaType.MP3: "MP3 recording",
        MediaType.WAV: "WAV recording",
        MediaType.OGG: "Ogg recording",
        MediaType.M4A: "M4A recording",
        MediaType.FLAC: "FLAC recording",
        MediaType.DOCX: "Word document",
        MediaType.XLSX: "Excel spreadsheet",
        MediaType.PPTX: "PowerPoint presentation",
        MediaType.ODT: "OpenDocument text",
        MediaType.ODS: "OpenDocument spreadsheet",
        MediaType.OLE: "Office document (older format)",
        MediaType.RTF: "Rich text document",
    },
)

#: The file name extension each kind of file is written out with (exports name files by id).
EXTENSIONS: Final[dict[MediaType, str]] = {
    MediaType.JPEG: "jpg",
    MediaType.PNG: "png",
    MediaType.GIF: "gif",
    MediaType.WEBP: "webp",
    MediaType.TIFF: "tif",
    MediaType.PDF: "pdf",
    MediaType.MP3: "mp3",
    MediaType.WAV: "wav",
    MediaType.OGG: "ogg",
    MediaType.M4A: "m4a",
    MediaType.FLAC: "flac",
    MediaType.DOCX: "docx",
    MediaType.XLSX: "xlsx",
    MediaType.PPTX: "pptx",
    MediaType.ODT: "odt",
    MediaType.ODS: "ods",
    MediaType.OLE: "doc",
    MediaType.RTF: "rtf",
}


def export_name(reference: str, attachment_id: str, media_type: str) -> str:
    """The name an attachment's bytes are exported under: the export, the id, the extension.

    Args:
        reference: the export's reference (``SAR-...``).
        attachment_id: the attachment record's id.
        media_type: its ``media_type`` field (an unknown one gives ``.bin``).
    """
    try:
        extension = EXTENSIONS[MediaType(media_type)]
    except ValueError:
        extension = "bin"
    return f"subject-access-{reference}-{attachment_id}.{extension}"


#: Images Fieldkit re-encodes at capture (location and device data stripped, turned upright).
IMAGE_TYPES: Final = frozenset(
    {MediaType.JPEG, MediaType.PNG, MediaType.GIF, MediaType.WEBP, MediaType.TIFF}
)


class FetchPolicy(Vocabulary):
    """Which evidence files a laptop downloads after its records (Settings)."""

    ALL = "all"
    THUMBNAILS = "thumbnails"
    NONE_METERED = "none_metered"


define_words(
    FetchPolicy,
    {
        FetchPolicy.ALL: "Every file",
        FetchPolicy.THUMBNAILS: "Thumbnails only",
        FetchPolicy.NONE_METERED: "Nothing over metered connections",
    },
    {
        FetchPolicy.ALL: "Photos and files arrive with the records they belong to.",
        FetchPolicy.THUMBNAILS: "Only small previews arrive; open a file to fetch it.",
        FetchPolicy.NONE_METERED: "Every file, except while the connection is metered.",
    },
)

#: The largest file accepted when the server has not said otherwise (bytes).
DEFAULT_SIZE_LIMIT: Final = 25 * 1024 * 1024
#: Files are stored and sent in pieces this size, so a cut connection resumes per piece.
CHUNK_SIZE: Final = 256 * 1024
#: The most chunks one file request carries (4 MiB: under the server's 5 MiB body limit, and
#: little to send again after a cut).
CHUNKS_PER_REQUEST: Final = 16
#: The longest edge of a thumbnail, in pixels.
THUMBNAIL_EDGE: Final = 320
#: Images larger than this many pixels are refused (a decompression bomb, not a photo).
MAX_PIXELS: Final = 80_000_000


def _riff(head: bytes, kind: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == kind


def _ftyp(head: bytes) -> bytes:
    return head[8:12] if head[4:8] == b"ftyp" else b""


def _office(data: bytes) -> MediaType | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return (
                    MediaType.parse(declared)
                    if declared in (MediaType.ODT, MediaType.ODS)
                    else None
                )
            if "[Content_Types].xml" not in names:
                return None
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, EOFError):
        return None
    for prefix, kind in (
        ("word/", MediaType.DOCX),
        ("xl/", MediaType.XLSX),
        ("ppt/", MediaType.PPTX),
    ):
        if any(n.startswith(prefix) for n in names):
            return kind
    return None


def sniff(data: bytes) -> MediaType | None:
    """The kind of file the bytes are, by their content; None if Fieldkit does not keep it.

    Args:
        data: the whole file (office documents are recognised by their archive's contents).
    """
    head = data[:64]
    checks: tuple[tuple[bool, MediaType], ...] = (
        (head[:3] == b"\xff\xd8\xff", MediaType.JPEG),
        (head[:8] == b"\x89PNG\r\n\x1a\n", MediaType.PNG),
        (head[:6] in (b"GIF87a", b"GIF89a"), MediaType.GIF),
        (_riff(head, b"WEBP"), MediaType.WEBP),
        (head[:4] in (b"II*\x00", b"MM\x00*"), MediaType.TIFF),
        (head[:5] == b"%PDF-", MediaType.PDF),
        (
            head[:3] == b"ID3"
            or (head[:1] == b"\xff" and head[1:2] in (b"\xfb", b"\xf3", b"\xf2")),
            MediaType.MP3,
        ),
        (_riff(head, b"WAVE"), MediaType.WAV),
        (head[:4] == b"OggS", MediaType.OGG),
        (_ftyp(head) in (b"M4A ", b"M4B "), MediaType.M4A),
        (head[:4] == b"fLaC", MediaType.FLAC),
        (head[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", MediaType.OLE),
        (head[:5] == b"{\\rtf", MediaType.RTF),
    )
    for matched, kind in checks:
        if matched:
            return kind
    if head[:4] == b"PK\x03\x04":
        return _office(data)
    return None


def chunk_count(size: int, chunk_size: int = CHUNK_SIZE) -> int:
    """How many chunks a file of ``size`` bytes is kept in (an empty file is one empty chunk)."""
    return max(1, math.ceil(size / chunk_size))


def chunks(data: bytes, chunk_size: int = CHUNK_SIZE) -> list[bytes]:
    """A file cut into its chunks, in order."""
    return [
        data[i * chunk_size : (i + 1) * chunk_size]
        for i in range(chunk_count(len(data), chunk_size))
    ]


def sha256(data: bytes) -> str:
    """The lower-case hexadecimal SHA-256 of bytes: an evidence file's name everywhere."""
    return hashlib.sha256(data).hexdigest()


def size_refusal(size: int, limit: int) -> str | None:
    """Why a file of ``size`` bytes may not be attached under ``limit``, or None if it may."""
    if size <= 0:
        return "the file is empty"
    if size > limit:
        return f"the file is larger than the limit of {limit // (1024 * 1024)} MB"
    return None


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def officer_initials(name: str, *, fallback: str) -> str:
    """An officer's initials as exhibit references use them ("Jo Smith" -> "JS").

    Args:
        name: the officer's display name (may be empty).
        fallback: used when the name has no letters (the user name, say).
    """
    words = _WORD.findall(name) or _WORD.findall(fallback)
    initials = "".join(w[0] for w in words).upper()
    return initials[:4] or "EX"


def exhibit_reference(initials: str, number: int) -> str:
    """An exhibit's reference as courts expect it: the producer's initials and a number (JS/3)."""
    return f"{initials}/{number}"


@dataclass(frozen=True)
class Exhibit:
    """One attachment as an exhibit in a bundle: its reference, and what the index says of it."""

    reference: str
    attachment_id: str
    caption: str
    media_type: str
    size: int
    captured_by: str
    captured_at: str
    sha256: str


def number_exhibits(
    attachments: list[dict[str, object]], *, initials_of: dict[str, str]
) -> list[Exhibit]:
    """Number attachments as exhibits, per producing officer, in capture order.

    Args:
        attachments: each with ``id`` and the attachment's fields.
        initials_of: each capturing user's initials (a user not listed gets "EX").
    """
    ordered = sorted(attachments, key=lambda a: (str(a.get("captured_at") or ""), str(a["id"])))
    counters: dict[str, int] = {}
    out: list[Exhibit] = []
    for item in ordered:
        who = str(item.get("captured_by") or "")
        initials = initials_of.get(who, "EX")
        counters[initials] = counters.get(initials, 0) + 1
        out.append(
            Exhibit(
                reference=exhibit_reference(initials, counters[initials]),
                attachment_id=str(item["id"]),
                caption=str(item.get("caption") or ""),
                media_type=str(item.get("media_type") or ""),
                size=int(str(item.get("bytes") or 0)),
                captured_by=who,
                captured_at=str(item.get("captured_at") or ""),
                sha256=str(item.get("sha256") or ""),
            )
        )
    return out
