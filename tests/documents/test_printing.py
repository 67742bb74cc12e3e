"""Printing through the OS spooler: a real CUPS print, and plain errors when there is no printer."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from tests.cups import cups_job_file
from tests.documents.pdf_reading import pdf_text

from fieldkit.documents import (
    JOB_TITLE,
    PaperTray,
    PrinterUnavailableError,
    PrintOptions,
    SpoolerPrinting,
    TemplateLibrary,
    default_printer,
    list_printers,
    print_pdf,
    render_letter,
)
from fieldkit.documents.examples import example_letter
from fieldkit.domain.vocabulary import DocumentKind

PDF = b"%PDF-1.4\n%%EOF\n"


def test_printing_to_a_queue_that_does_not_exist_says_so_plainly() -> None:
    with pytest.raises(PrinterUnavailableError, match="no printer called 'fieldkit-no-such-queue'"):
        print_pdf(PDF, printer="fieldkit-no-such-queue", title="Fieldkit letter")


def test_printer_name_that_looks_like_an_option_is_refused() -> None:
    with pytest.raises(PrinterUnavailableError):
        print_pdf(PDF, printer="-oevil", title="Fieldkit letter")


def test_printing_without_lp_installed_says_printing_is_not_available(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no lp, no lpstat
    with pytest.raises(PrinterUnavailableError, match=r"'lp' command .* is not installed"):
        print_pdf(PDF, printer=None, title="Fieldkit letter")
    with pytest.raises(PrinterUnavailableError, match="'lpstat'"):
        list_printers()


@pytest.mark.parametrize("title", ["Letter for Jan Kowalski <x>", "", "x" * 65, "Zażółć"])
def test_job_title_must_be_short_and_generic(title: str) -> None:
    with pytest.raises(ValueError, match="generic"):
        print_pdf(PDF, printer="fieldkit-no-such-queue", title=title)


@pytest.mark.parametrize("copies", [0, 100])
def test_copies_must_be_from_one_to_ninety_nine(copies: int) -> None:
    with pytest.raises(ValueError, match="copies"):
        print_pdf(PDF, printer=None, copies=copies, title="Fieldkit letter")


def _cups_queue() -> str:
    queue = os.environ.get("FIELDKIT_TEST_CUPS_QUEUE", "")
    if not queue:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but FIELDKIT_TEST_CUPS_QUEUE is unset: run scripts/start-cups")
        pytest.skip("no CUPS queue: run scripts/start-cups and export FIELDKIT_TEST_CUPS_QUEUE")
    if shutil.which("lp") is None:
        pytest.fail(f"FIELDKIT_TEST_CUPS_QUEUE={queue} is set but 'lp' is not installed")
    return queue


def test_cups_pdf_queue_is_listed_as_a_printer() -> None:
    queue = _cups_queue()
    assert queue in list_printers()
    assert default_printer() in (None, *list_printers())


def test_letter_printed_through_cups_comes_out_as_the_same_letter(
    library: TemplateLibrary,
) -> None:
    queue = _cups_queue()
    out_dir = Path(os.environ.get("FIELDKIT_TEST_CUPS_OUT", "/var/spool/cups-pdf/fieldkit"))
    letter = example_letter(DocumentKind.RED_LETTER)
    doc = render_letter(letter, library.letter(letter.kind, "en"))

    job = print_pdf(doc.pdf, printer=queue, copies=1, title="Fieldkit letter")

    assert job.job_id.startswith(f"{queue}-")
    number = job.job_id.rsplit("-", 1)[1]
    # cups-pdf (Label 2, set by scripts/start-cups) ends the file name with job_<number>.pdf.
    # CUPS converts the job in other processes, so wait for the file, bounded.
    deadline = time.monotonic() + 60
    found: list[Path] = []
    while time.monotonic() < deadline:
        found = [p for p in out_dir.glob(f"*job_{number}.pdf") if p.stat().st_size > 0]
        if found and _complete(found[0]):
            break
        time.sleep(0.2)
    assert found, f"cups-pdf wrote no *job_{number}.pdf in {out_dir} within 60 s"
    text = pdf_text(found[0].read_bytes())
    assert "RED WARNING LETTER" in text
    assert "Jan Kowalski" in text
    assert letter.reference in text
    assert "Kowalski" not in found[0].name  # the generic title, not personal data


def test_lp_asks_for_a4_both_sides_and_the_tray_from_settings() -> None:
    queue = _cups_queue()
    job = SpoolerPrinting().print_pdf(
        PDF, PrintOptions(printer=queue, two_sided=True, tray=PaperTray.LOWER)
    )

    assert (job.printer, job.title, job.two_sided) == (queue, JOB_TITLE, True)
    attributes = cups_job_file(f"c{int(job.job_id.rsplit('-', 1)[1]):05d}")
    for name, value in [
        (b"sides", b"two-sided-long-edge"),
        (b"media-source", b"bottom"),
        (b"media", b"A4"),
    ]:
        assert name in attributes
        assert value in attributes


def _complete(path: Path) -> bool:
    return path.read_bytes().rstrip().endswith(b"%%EOF")
