"""Printing through Qt Print Support: the code the Windows build runs, against real printers.

Two real printers: a PDF file printer (QPrinter's PdfFormat) and the cups-pdf queue of
scripts/start-cups, reached through Qt's own cups plugin (no ``lp``). What came out is read
back with pypdf.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinterInfo
from pytestqt.qtbot import QtBot
from tests.cups import cups_job_file, cups_queue, job_number, wait_for_cups_pdf
from tests.documents.pdf_reading import pdf_text
from tests.factories import person

from fieldkit.documents import RenderedDocument, TemplateLibrary, render_letter
from fieldkit.documents.examples import example_letter
from fieldkit.domain.records import ValidationError
from fieldkit.domain.vocabulary import DocumentKind
from fieldkit.services.documents_service import KeptDocument
from fieldkit.services.print_port import (
    PaperTray,
    PrintError,
    PrinterUnavailableError,
    PrintOptions,
)
from fieldkit.services.settings import AppSettings, SettingsService
from fieldkit.services.warnings import WarningRequest
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store import audit
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault
from fieldkit.ui.printing import QtPrinting
from fieldkit.ui.settings_view import SettingsView
from fieldkit.ui.warning_view import WarningView
from fieldkit.ui.workers import Workers

A4_POINTS = (595.28, 841.89)
GONE = "fieldkit-patrol-printer-gone"
WAIT = 60_000

#: When the behaviour a warning is for happened (the evening before the tests' clock).
BEHAVIOUR_AT = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def red_letter() -> RenderedDocument:
    library = TemplateLibrary.load()
    letter = example_letter(DocumentKind.RED_LETTER)
    return render_letter(letter, library.letter(letter.kind, "en"))


def _unique_title() -> str:
    # Generic, as every job title must be, and unique so the test finds its own job.
    return f"Fieldkit test {secrets.token_hex(4)}"


def _assert_whole_a4_letter(pdf: bytes, *, pages: int) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == pages
    for page in reader.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=1.0)
    text = pdf_text(pdf)
    assert text.count("RED WARNING LETTER") == pages
    assert "Dear Jan Kowalski" in text
    assert "DEW-2026-0042" in text
    assert "Kirklees Housing Solutions" in text


def _page_image(pdf: bytes) -> QImage:
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    assert document.status() == QPdfDocument.Status.Ready
    page = document.render(0, QSize(600, 849))  # A4's shape, whatever rounding each has
    paper = QImage(page.size(), QImage.Format.Format_RGB32)
    paper.fill(QColor("white"))  # QtPdf leaves the background transparent
    painter = QPainter(paper)
    painter.drawImage(0, 0, page)
    painter.end()
    # Shrunk smoothly, so that how each edge of a letter is anti-aliased does not count.
    small = paper.scaled(
        100, 141, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    return small.convertToFormat(QImage.Format.Format_Grayscale8)


def _ink_difference(printed: bytes, original: bytes) -> float:
    """How far the first page's ink differs from the original's: 0 the same, 1 a blank page.

    A page drawn from an image never matches vector text pixel for pixel (a faithful print
    scores about 0.1 here); the Yellow letter, same layout, other words, scores 0.5 against
    the Red one.
    """
    a, b = _page_image(printed), _page_image(original)
    difference = ink = 0
    for y in range(b.height()):
        for x in range(b.width()):
            shade = b.pixelColor(x, y).value()
            difference += abs(a.pixelColor(x, y).value() - shade)
            ink += 255 - shade
    return difference / ink


# The PDF file printer -------------------------------------------------------------------------


def test_a_letter_printed_to_a_pdf_file_printer_has_its_pages_a4_and_text(
    qtbot: QtBot, tmp_path: Path, red_letter: RenderedDocument
) -> None:
    out = QtPrinting().print_to_file(red_letter.pdf, tmp_path, PrintOptions())

    _assert_whole_a4_letter(out.read_bytes(), pages=red_letter.page_count)
    assert _ink_difference(out.read_bytes(), red_letter.pdf) < 0.25
    assert re.fullmatch(r"fieldkit-print-[0-9a-f]{12}\.pdf", out.name)
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no part file left behind
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_copies_to_a_pdf_file_printer_repeat_the_whole_letter(
    qtbot: QtBot, tmp_path: Path, red_letter: RenderedDocument
) -> None:
    out = QtPrinting().print_to_file(red_letter.pdf, tmp_path, PrintOptions(copies=3))

    _assert_whole_a4_letter(out.read_bytes(), pages=3 * red_letter.page_count)


def test_a_document_that_is_not_a_pdf_is_refused_and_leaves_no_file(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with pytest.raises(PrintError, match="could not be read"):
        QtPrinting().print_to_file(b"%PDF-1.4 not really", tmp_path, PrintOptions())
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("title", ["Letter for Jan Kowalski <x>", "", "x" * 65])
def test_qt_printing_refuses_a_job_title_that_is_not_generic(
    qtbot: QtBot, tmp_path: Path, red_letter: RenderedDocument, title: str
) -> None:
    with pytest.raises(ValueError, match="generic"):
        QtPrinting().print_to_file(red_letter.pdf, tmp_path, PrintOptions(title=title))
    with pytest.raises(ValueError, match="generic"):
        QtPrinting().print_pdf(red_letter.pdf, PrintOptions(printer=GONE, title=title))
    assert list(tmp_path.iterdir()) == []


# A printer that has gone -----------------------------------------------------------------------


def test_printing_to_a_printer_that_has_gone_says_so_in_words(
    qtbot: QtBot, red_letter: RenderedDocument
) -> None:
    with pytest.raises(PrinterUnavailableError, match="not connected to this laptop"):
        QtPrinting().print_pdf(red_letter.pdf, PrintOptions(printer=GONE))


def _workspace(vault: Vault) -> Workspace:
    return open_workspace(vault, printing=QtPrinting())


def _issue_letter(ws: Workspace) -> KeptDocument:
    jan = ws.records.create(record_type="person", fields=person())
    issued = ws.warnings.issue(
        WarningRequest(
            person_id=jan.id,
            scheme_id="street_drinking_vagrancy",
            behaviour="Begging at the cash machine",
            conditions=("ask people for money",),
            district="huddersfield",
            place_label="Cash machine, New Street",
            occurred_at=BEHAVIOUR_AT,
        )
    )
    return issued.documents[0]


def test_a_letter_for_a_printer_that_has_gone_stays_kept_for_later(
    qtbot: QtBot, vault: Vault
) -> None:
    ws = _workspace(vault)
    letter = _issue_letter(ws)

    outcome = ws.documents.print_document(letter, printer=GONE)

    assert not outcome.printed
    assert "not connected to this laptop" in outcome.message
    assert "kept in the vault" in outcome.message
    assert ws.documents.pdf(letter.id) == letter.pdf


# Settings ------------------------------------------------------------------------------------


def test_tray_and_sides_are_kept_in_settings_and_a_tray_that_does_not_exist_is_refused(
    vault: Vault,
) -> None:
    settings = SettingsService(vault)
    saved = settings.save(AppSettings(paper_tray=PaperTray.LOWER.value, two_sided=False))
    assert (settings.load().paper_tray, settings.load().two_sided) == ("lower", False)

    with pytest.raises(ValidationError) as caught:
        settings.save(AppSettings(paper_tray="drawer under the desk"))
    assert [e.field for e in caught.value.errors] == ["paper_tray"]
    assert settings.load() == saved


def test_the_printer_last_printed_to_is_remembered_for_this_laptop(vault: Vault) -> None:
    settings = SettingsService(vault)
    settings.save(AppSettings(officer_name="Amy", paper_tray="manual"))

    settings.remember_printer("Office Laser")

    kept = settings.load()
    assert (kept.default_printer, kept.officer_name, kept.paper_tray) == (
        "Office Laser",
        "Amy",
        "manual",
    )


def test_settings_screen_keeps_the_tray_and_sides_chosen_on_it(qtbot: QtBot, vault: Vault) -> None:
    ws = _workspace(vault)
    view = SettingsView(ws.settings, ws.documents, Workers())
    qtbot.addWidget(view)
    view.refresh()  # as opening the screen does: a new laptop's defaults
    qtbot.waitUntil(view.two_sided.isChecked, timeout=WAIT)
    assert view.tray.currentData() == PaperTray.AUTO.value

    view.tray.setCurrentIndex(view.tray.findData(PaperTray.MANUAL.value))
    view.two_sided.setChecked(False)
    with qtbot.waitSignal(view.changed, timeout=WAIT):
        view.save()

    assert (ws.settings.load().paper_tray, ws.settings.load().two_sided) == ("manual", False)
    assert view.tray.currentText() == "Manual feed"


# The warning screen ----------------------------------------------------------------------------


def _warning_view(qtbot: QtBot, ws: Workspace, *, remembered: str) -> WarningView:
    ws.settings.save(AppSettings(default_printer=remembered, officer_name="Amy Officer"))
    view = WarningView(
        ws.warnings,
        ws.people,
        ws.directory,
        ws.documents,
        Workers(),
        default_printer=remembered,
        settings=ws.settings,
    )
    qtbot.addWidget(view)
    return view


def _issue_on_screen(qtbot: QtBot, view: WarningView, ws: Workspace) -> None:
    jan = ws.records.create(record_type="person", fields=person())
    view.choose_person(jan.id)
    qtbot.waitUntil(lambda: view.proposal is not None, timeout=WAIT)
    qtbot.keyClicks(view.behaviour, "Drinking from an open can, shouting at shoppers")
    qtbot.keyClicks(view.conditions, "drink alcohol in Dewsbury town centre")
    view.place_combo.setEditText("Market Place, Dewsbury")
    with qtbot.waitSignal(view.issued, timeout=WAIT):
        view.issue_button.click()


def test_warning_screen_offers_a_remembered_printer_that_has_gone_and_says_why_it_cannot_print(
    qtbot: QtBot, vault: Vault
) -> None:
    ws = _workspace(vault)
    view = _warning_view(qtbot, ws, remembered=GONE)
    qtbot.waitUntil(lambda: view.printer_combo.currentData() == GONE, timeout=WAIT)
    assert view.printer_combo.currentText() == f"{GONE} (not connected)"
    _issue_on_screen(qtbot, view, ws)

    with qtbot.waitSignal(view.printed, timeout=WAIT) as printed:
        view.print_button.click()

    assert not printed.args[0].printed
    assert "not connected to this laptop" in view.print_message.text()
    assert "kept in the vault" in view.print_message.text()
    assert ws.settings.load().default_printer == GONE


# The real CUPS queue, through Qt's cups plugin ------------------------------------------------


def test_the_cups_queue_is_in_the_printer_list_qt_gives_the_app(qtbot: QtBot) -> None:
    queue = cups_queue()
    assert queue in QtPrinting().printers()
    assert queue in QPrinterInfo.availablePrinterNames()


def test_a_letter_printed_through_qt_to_the_cups_queue_comes_out_whole(
    qtbot: QtBot, tmp_path: Path, red_letter: RenderedDocument, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = cups_queue()
    title = _unique_title()
    # No lp, lpstat or any other program to run: the Qt path must not need them (Windows has
    # none); Qt's cups plugin talks to the scheduler itself.
    monkeypatch.setenv("PATH", str(tmp_path))

    job = QtPrinting().print_pdf(
        red_letter.pdf,
        PrintOptions(printer=queue, title=title, two_sided=True, tray=PaperTray.LOWER),
    )

    assert (job.printer, job.pages, job.copies) == (queue, red_letter.page_count, 1)
    assert job.two_sided is False  # cups-pdf has no duplex unit: one-sided, not refused
    monkeypatch.undo()
    out = wait_for_cups_pdf(title)
    assert "Kowalski" not in out.name
    # What Qt handed to CUPS, as CUPS keeps it: the letter's pages, A4 and its text.
    sent = cups_job_file(f"d{job_number(out):05d}-001")
    _assert_whole_a4_letter(sent, pages=red_letter.page_count)
    # The job's attributes, as CUPS keeps them: the tray from Settings went with it.
    attributes = cups_job_file(f"c{job_number(out):05d}")
    assert b"media-source" in attributes
    assert b"bottom" in attributes
    assert b"Kowalski" not in attributes
    # What the queue printed: the same pages on A4, with the letter's ink where the letter
    # has it (cups-pdf's PostScript step re-encodes Qt's fonts, so its text is read by eye).
    printed = out.read_bytes()
    reader = PdfReader(io.BytesIO(printed))
    assert len(reader.pages) == red_letter.page_count
    size = (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height))
    assert size == pytest.approx(A4_POINTS, abs=1.0)
    assert _ink_difference(printed, red_letter.pdf) < 0.25


def test_a_letter_printed_from_the_warning_screen_through_qt_is_logged_and_remembered(
    qtbot: QtBot, vault: Vault
) -> None:
    queue = cups_queue()
    ws = _workspace(vault)
    view = _warning_view(qtbot, ws, remembered="")
    qtbot.waitUntil(lambda: view.printer_combo.findData(queue) >= 0, timeout=WAIT)
    _issue_on_screen(qtbot, view, ws)
    view.printer_combo.setCurrentIndex(view.printer_combo.findData(queue))

    with qtbot.waitSignal(view.printed, timeout=WAIT) as printed:
        view.print_button.click()

    assert printed.args[0].printed, view.print_message.text()
    qtbot.waitUntil(lambda: ws.settings.load().default_printer == queue, timeout=WAIT)
    document = view.current_document()
    assert document is not None
    with vault.read() as conn:
        prints = (
            connection(conn)
            .execute(
                AuditEntry.__table__.select().where(
                    AuditEntry.action == audit.AuditAction.PRINT.value,
                    AuditEntry.record_id == document.id,
                )
            )
            .all()
        )
    assert len(prints) == 1


def test_the_print_dialog_prints_to_the_printer_chosen_in_it(qtbot: QtBot, vault: Vault) -> None:
    queue = cups_queue()
    ws = _workspace(vault)
    view = _warning_view(qtbot, ws, remembered=queue)
    qtbot.waitUntil(lambda: view.printer_combo.currentData() == queue, timeout=WAIT)
    _issue_on_screen(qtbot, view, ws)

    dialog = view.open_print_dialog()
    assert dialog is not None
    assert dialog.printer().printerName() == queue
    with qtbot.waitSignal(view.printed, timeout=WAIT) as printed:
        dialog.accept()

    assert printed.args[0].printed, view.print_message.text()
