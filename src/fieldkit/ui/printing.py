"""Printing through Qt Print Support: the kept PDF drawn page by page (QtPdf) onto a QPrinter.

This is the app's print system on every platform — Windows's own printers, macOS, and CUPS on
Linux through Qt's cups plugin — so the code the tests run is the code a council's Windows
laptop runs; there is no ``lp`` here. Qt cannot draw a PDF as vectors, so each page is rendered
by QtPdf at the printer's resolution (at most ``MAX_DPI``), in bands so that a page never needs
half a gigabyte, and drawn over a white copy of the page's text in the same place: paper shows
the image, while a printer that makes a file (PDF printers, cups-pdf) keeps the text searchable.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QPointF, QRect, QRectF, QSize
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QPrintEngine, QPrinter, QPrinterInfo

from fieldkit.services.print_port import (
    PaperTray,
    PrintError,
    PrinterUnavailableError,
    PrintJob,
    PrintOptions,
    check_print_options,
)

#: Finer than any office printer; a 1200 dpi A4 page would be 560 MB as one image.
MAX_DPI = 600
#: Pixels rendered at once: one band of a page, about 32 MB.
_BAND_BYTES = 32 * 1024 * 1024
_LINE = re.compile(r"[^\r\n]+")
_TRAYS = {
    PaperTray.AUTO: QPrinter.PaperSource.Auto,
    PaperTray.UPPER: QPrinter.PaperSource.OnlyOne,  # Qt's "Upper" is an alias of OnlyOne
    PaperTray.LOWER: QPrinter.PaperSource.Lower,
    PaperTray.MIDDLE: QPrinter.PaperSource.Middle,
    PaperTray.MANUAL: QPrinter.PaperSource.Manual,
}
# Qt's CUPS engine ignores the paper source; it passes this property's name/value pairs to
# cupsPrintFile (PPK_CupsOptions in qtbase's qcups_p.h), so the tray goes as IPP media-source.
_PPK_CUPS_OPTIONS = QPrintEngine.PrintEnginePropertyKey(0xFE00)
_IPP_MEDIA_SOURCE = {
    PaperTray.UPPER: "top",
    PaperTray.LOWER: "bottom",
    PaperTray.MIDDLE: "middle",
    PaperTray.MANUAL: "manual",
}


class QtPrinting:
    """The app's print system: the platform's printers through Qt Print Support.

    Safe to call from a worker thread (Qt paints on a QPrinter off the GUI thread); needs a
    ``QGuiApplication``. Implements ``fieldkit.services.print_port.PrintSystem``.

    Args:
        max_dpi: the finest resolution a page is rendered at.
    """

    def __init__(self, *, max_dpi: int = MAX_DPI) -> None:
        self._max_dpi = max_dpi

    def printers(self) -> list[str]:
        """The printers the platform lists (Windows's installed printers, CUPS queues), sorted."""
        return sorted(QPrinterInfo.availablePrinterNames())

    def default_printer(self) -> str | None:
        """The platform's default printer, or None."""
        return QPrinterInfo.defaultPrinterName() or None

    def print_pdf(self, pdf: bytes, options: PrintOptions) -> PrintJob:
        """Print a PDF on A4 to a listed printer (see ``PrintSystem.print_pdf``).

        Raises:
            ValueError: the options are not allowed (our bug).
            PrinterUnavailableError: the printer is not listed (gone, unplugged, out of range),
                reports a fault, or none was chosen and there is no default.
            PrintError: the document cannot be read, or the printer would not take the job.
        """
        check_print_options(options)
        info = _printer_info(options.printer)
        printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
        two_sided = options.two_sided and bool(
            {QPrinter.DuplexMode.DuplexLongSide, QPrinter.DuplexMode.DuplexAuto}
            & set(info.supportedDuplexModes())
        )
        self._set_up(printer, options, two_sided=two_sided)
        if sys.platform != "win32" and options.tray in _IPP_MEDIA_SOURCE:
            engine = printer.printEngine()
            if engine is not None:
                engine.setProperty(
                    _PPK_CUPS_OPTIONS, ["media-source", _IPP_MEDIA_SOURCE[options.tray]]
                )
        passes = 1 if printer.supportsMultipleCopies() else options.copies
        pages = _draw(printer, pdf, passes=passes)
        return PrintJob("", info.printerName(), options.copies, options.title, two_sided, pages)

    def print_to_file(self, pdf: bytes, folder: Path, options: PrintOptions) -> Path:
        """The PDF file printer: the same drawing, into a new owner-only PDF in ``folder``.

        The file is named ``fieldkit-print-<random>.pdf`` (nothing personal), is readable by
        its owner only, and appears whole or not at all. ``options.printer`` is ignored.

        Returns:
            The new file.

        Raises:
            ValueError: the options are not allowed (our bug).
            PrintError: the document cannot be read, or the file cannot be written.
        """
        check_print_options(options)
        name = f"fieldkit-print-{secrets.token_hex(6)}.pdf"
        final = folder / name
        part = folder / f".{name}.part"
        try:
            os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            raise PrintError("The PDF could not be written in that folder.") from exc
        try:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(part))
            self._set_up(printer, options, two_sided=False)
            _draw(printer, pdf, passes=options.copies)
            os.replace(part, final)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return final

    def _set_up(self, printer: QPrinter, options: PrintOptions, *, two_sided: bool) -> None:
        printer.setDocName(options.title)
        printer.setCreator("Fieldkit")
        printer.setFullPage(True)  # the PDF carries its own margins
        printer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                _NO_MARGINS,
            )
        )
        printer.setResolution(min(printer.resolution(), self._max_dpi))
        printer.setCopyCount(options.copies)
        printer.setCollateCopies(True)
        printer.setDuplex(
            QPrinter.DuplexMode.DuplexLongSide if two_sided else QPrinter.DuplexMode.DuplexNone
        )
        printer.setPaperSource(_TRAYS[options.tray])


_NO_MARGINS = QPageLayout().margins()


def _printer_info(name: str | None) -> QPrinterInfo:
    if name is None:
        info = QPrinterInfo.defaultPrinter()
        if info.isNull():
            raise PrinterUnavailableError(
                "No printer has been chosen and this computer has no default printer. "
                "Choose a printer, or keep the document and print it later."
            )
    else:
        info = QPrinterInfo.printerInfo(name)
        if info.isNull():
            raise PrinterUnavailableError(
                f"The printer {name!r} is not connected to this laptop: a Bluetooth or USB "
                "printer may be switched off, out of range or unplugged. Connect it, or choose "
                "another printer."
            )
    if info.state() == QPrinter.PrinterState.Error:
        raise PrinterUnavailableError(
            f"The printer {info.printerName()!r} reports a fault: it may be offline, out of "
            "paper or jammed. Check it, or choose another printer."
        )
    return info


def _load(pdf: bytes) -> tuple[QPdfDocument, QBuffer]:
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        raise PrintError("The document could not be read for printing.")
    return document, buffer


def _draw(printer: QPrinter, pdf: bytes, *, passes: int) -> int:
    """Draw every page of ``pdf``, ``passes`` times, onto ``printer``; the page count."""
    document, _buffer = _load(pdf)
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError("The printer would not start the job.")
    # Where Qt makes a PDF (CUPS, file printers) it would otherwise JPEG the pages: blurred
    # small print.
    painter.setRenderHint(QPainter.RenderHint.LosslessImageRendering)
    try:
        for number in range(passes * document.pageCount()):
            if number and not printer.newPage():
                printer.abort()
                raise PrintError("The printer stopped taking pages part way through.")
            _draw_page(painter, printer, document, number % document.pageCount())
    finally:
        painter.end()
    if printer.printerState() in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
        raise PrintError("The printer did not take the job.")
    return document.pageCount()


def _draw_page(painter: QPainter, printer: QPrinter, document: QPdfDocument, page: int) -> None:
    paper = printer.pageLayout().fullRectPixels(printer.resolution())
    points = document.pagePointSize(page)
    scale = min(paper.width() / points.width(), paper.height() / points.height())
    width, height = round(points.width() * scale), round(points.height() * scale)
    _draw_text(painter, document, page, scale)
    band = max(1, _BAND_BYTES // (4 * width))
    options = QPdfDocumentRenderOptions()
    options.setScaledSize(QSize(width, height))
    for top in range(0, height, band):
        rows = min(band, height - top)
        options.setScaledClipRect(QRect(0, top, width, rows))
        image = document.render(page, QSize(width, rows), options)
        if image.isNull():
            raise PrintError("A page of the document could not be drawn for printing.")
        painter.fillRect(QRect(0, top, width, rows), QColor("white"))
        painter.drawImage(QPoint(0, top), image)


def _draw_text(painter: QPainter, document: QPdfDocument, page: int, scale: float) -> None:
    """The page's text in white, line by line where QtPdf found it; the image covers it."""
    text = document.getAllText(page).text()
    painter.save()
    painter.setPen(QColor("white"))
    for line in _LINE.finditer(text):
        words = line.group()
        if not words.strip():
            continue
        box = QRectF()
        for polygon in document.getSelectionAtIndex(page, line.start(), len(words)).bounds():
            box = box.united(polygon.boundingRect())
        if box.isEmpty():
            continue
        font = QFont()
        font.setPixelSize(max(1, round(box.height() * scale * 0.8)))
        # Unshaped, so "fi" stays two letters to a reader of the text (no ligature glyph).
        font.setStyleStrategy(QFont.StyleStrategy.PreferNoShaping)
        metrics = QFontMetricsF(font)
        advance = metrics.horizontalAdvance(words)
        if advance <= 0:
            continue
        painter.setFont(font)
        painter.save()
        painter.translate(QPointF(box.left() * scale, box.bottom() * scale - metrics.descent()))
        painter.scale(box.width() * scale / advance, 1.0)
        painter.drawText(QPointF(0, 0), words)
        painter.restore()
    painter.restore()
