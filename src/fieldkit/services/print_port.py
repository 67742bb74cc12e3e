"""The app's view of printing: one interface, implemented by Qt (the app) and by ``lp``."""

from __future__ import annotations

from typing import Protocol

from fieldkit.documents.printing import (
    JOB_TITLE,
    TRAY_LABELS,
    PaperTray,
    PrintError,
    PrinterUnavailableError,
    PrintJob,
    PrintOptions,
    SpoolerPrinting,
    check_print_options,
)

__all__ = [
    "JOB_TITLE",
    "TRAY_LABELS",
    "PaperTray",
    "PrintError",
    "PrintJob",
    "PrintOptions",
    "PrintSystem",
    "PrinterUnavailableError",
    "SpoolerPrinting",
    "check_print_options",
]


class PrintSystem(Protocol):
    """What the app needs from a print system.

    The desktop app uses ``fieldkit.ui.printing.QtPrinting`` (Qt Print Support: Windows, macOS
    and CUPS alike); the headless command line uses ``SpoolerPrinting`` (CUPS ``lp``). Both may be
    called from a worker thread. Neither puts personal data in a job title or a file name.
    """

    def printers(self) -> list[str]:
        """The names of the printers this laptop can print to now, sorted.

        Raises:
            PrinterUnavailableError: there is no print system at all.
        """

    def default_printer(self) -> str | None:
        """The system's default printer, or None when there is none."""

    def print_pdf(self, pdf: bytes, options: PrintOptions) -> PrintJob:
        """Print a PDF: A4, ``options.copies`` copies, two-sided where asked and offered.

        Raises:
            ValueError: the options are not allowed (our bug).
            PrinterUnavailableError: no such printer (gone, switched off, out of range), or no
                printer chosen and no default; the message can be shown to the officer.
            PrintError: the print system refused the job for another reason.
        """
