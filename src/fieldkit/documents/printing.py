"""What a print job asks for, and printing a PDF through CUPS's ``lp`` (the headless way)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

#: How long ``lp`` and ``lpstat`` may take before the print system counts as unavailable.
_TIMEOUT_SECONDS = 60
_JOB_ID = re.compile(r"request id is (\S+)")
# A job title is visible to anyone who can list the queue, so it must be generic.
_GENERIC_TITLE = re.compile(r"[A-Za-z0-9 ._()-]{1,64}")


#: The job title every Fieldkit print carries: generic, because anyone who lists a queue sees it.
JOB_TITLE = "Fieldkit document"


class PrintError(RuntimeError):
    """Printing failed for a reason in the environment (the print system said no)."""


class PrinterUnavailableError(PrintError):
    """There is no print system, no such printer, or no default printer to print to."""


class PaperTray(StrEnum):
    """Which paper tray a letter is printed from (a per-laptop setting)."""

    AUTO = "auto"
    UPPER = "upper"
    LOWER = "lower"
    MIDDLE = "middle"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        """The tray in words, for Settings."""
        return TRAY_LABELS[self]


TRAY_LABELS: dict[PaperTray, str] = {
    PaperTray.AUTO: "The printer's choice",
    PaperTray.UPPER: "Upper tray",
    PaperTray.LOWER: "Lower tray",
    PaperTray.MIDDLE: "Middle tray",
    PaperTray.MANUAL: "Manual feed",
}
# The IPP ``media-source`` keyword CUPS understands for each tray (PWG 5100.7).
_IPP_MEDIA_SOURCE = {
    PaperTray.UPPER: "top",
    PaperTray.LOWER: "bottom",
    PaperTray.MIDDLE: "middle",
    PaperTray.MANUAL: "manual",
}


@dataclass(frozen=True, slots=True)
class PrintOptions:
    """What one print asks of the printer. Letters are always A4, portrait.

    Attributes:
        printer: the printer's name as the print system lists it, or None for the default.
        copies: how many copies, 1 to 99.
        two_sided: print on both sides (long edge) where the printer can; one side otherwise.
        tray: the paper tray, where the printer has it.
        title: the job title: generic, because anyone who can list the queue sees it.
    """

    printer: str | None = None
    copies: int = 1
    two_sided: bool = False
    tray: PaperTray = PaperTray.AUTO
    title: str = JOB_TITLE


def check_print_options(options: PrintOptions) -> None:
    """Refuse options no print should carry, before anything is sent.

    Raises:
        ValueError: copies or title is not allowed (our bug).
        PrinterUnavailableError: the printer name cannot be a printer (it is empty, looks
            like a command-line option, or is a path).
    """
    if not 1 <= options.copies <= 99:
        raise ValueError(f"copies must be from 1 to 99, not {options.copies}")
    if not _GENERIC_TITLE.fullmatch(options.title):
        raise ValueError("a print job title must be short, generic text such as 'Fieldkit letter'")
    name = options.printer
    if name is not None and (not name.strip() or name.startswith("-") or "/" in name):
        raise PrinterUnavailableError(f"There is no printer called {name!r}.")


@dataclass(frozen=True, slots=True)
class PrintJob:
    """A job the print system accepted.

    Attributes:
        job_id: the spooler's id (CUPS says it; Qt does not, so it is empty there).
        printer: the printer it went to, None for the default through ``lp``.
        copies: how many copies were asked for.
        title: the job title.
        two_sided: whether it was sent two-sided (False where the printer cannot).
        pages: pages sent per copy (0 when the print system does not say).
    """

    job_id: str
    printer: str | None
    copies: int
    title: str
    two_sided: bool = False
    pages: int = 0


def _env() -> dict[str, str]:
    # The messages are parsed, so they must be CUPS's own English ones.
    return {**os.environ, "LC_ALL": "C", "LANG": "C"}


def _command(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise PrinterUnavailableError(
            f"Printing is not available on this computer: the '{name}' command of the print "
            "system (CUPS) is not installed. The document has been kept and can be printed later."
        )
    return path


def print_pdf(
    pdf: bytes,
    *,
    printer: str | None,
    copies: int = 1,
    title: str,
    two_sided: bool = False,
    tray: PaperTray = PaperTray.AUTO,
) -> PrintJob:
    """Send a PDF to a printer through ``lp``, the PDF on standard input, on A4.

    No temporary file is written and no personal data goes on the command line: the only
    arguments are the printer name, the copy count, the paper, sides and tray, and ``title``,
    which must be generic (such as "Fieldkit letter") because anyone who can list the print
    queue sees it.

    Args:
        pdf: the document.
        printer: a queue name from ``list_printers()``, or None for the default printer.
        copies: how many copies, 1 to 99.
        title: a generic job title: letters, digits, spaces and ``._()-``, at most 64 characters.
        two_sided: ask for two-sided (long edge); CUPS prints one-sided where it cannot.
        tray: the paper tray (IPP ``media-source``); ``AUTO`` leaves it to the printer.

    Returns:
        The accepted job.

    Raises:
        ValueError: copies or title is not allowed (our bug).
        PrinterUnavailableError: ``lp`` is missing, the printer does not exist, or there is no
            default printer. The message can be shown to the officer as it is.
        PrintError: the print system refused the job for another reason.
    """
    check_print_options(
        PrintOptions(printer=printer, copies=copies, two_sided=two_sided, tray=tray, title=title)
    )
    args = [_command("lp"), "-n", str(copies), "-t", title, "-o", "media=A4"]
    args += ["-o", "sides=two-sided-long-edge" if two_sided else "sides=one-sided"]
    if tray in _IPP_MEDIA_SOURCE:
        args += ["-o", f"media-source={_IPP_MEDIA_SOURCE[tray]}"]
    if printer is not None:
        args += ["-d", printer]
    try:
        result = subprocess.run(
            args, input=pdf, capture_output=True, timeout=_TIMEOUT_SECONDS, env=_env(), check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise PrintError("The print system did not answer within a minute.") from exc
    message = result.stderr.decode("utf-8", "replace").strip()
    if result.returncode != 0:
        lowered = message.lower()
        missing = "does not exist" in lowered or "not found" in lowered
        if missing or (printer is not None and printer not in list_printers()):
            raise PrinterUnavailableError(
                f"There is no printer called {printer!r}. Choose another printer."
            )
        if "no default destination" in lowered:
            raise PrinterUnavailableError(
                "No printer has been chosen and this computer has no default printer. "
                "Choose a printer, or keep the document and print it later."
            )
        if "scheduler is not running" in lowered or "connect" in lowered:
            raise PrinterUnavailableError(
                "The print service (CUPS) is not running on this computer."
            )
        raise PrintError(f"The printer refused the document: {message or 'no reason given'}")
    match = _JOB_ID.search(result.stdout.decode("utf-8", "replace"))
    return PrintJob(
        job_id=match.group(1) if match else "",
        printer=printer,
        copies=copies,
        title=title,
        two_sided=two_sided,
    )


def _lpstat(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [_command("lpstat"), *args],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECONDS,
            env=_env(),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PrinterUnavailableError("The print service did not answer within a minute.") from exc


def list_printers() -> list[str]:
    """The names of the printers (CUPS destinations) this computer can print to, sorted.

    Returns:
        The names; empty when none are set up or the print service is not running.

    Raises:
        PrinterUnavailableError: the print system (``lpstat``) is not installed.
    """
    result = _lpstat("-e")
    if result.returncode != 0:
        return []
    return sorted({line.strip() for line in result.stdout.splitlines() if line.strip()})


def default_printer() -> str | None:
    """The default printer's name, or None when there is none.

    Raises:
        PrinterUnavailableError: the print system (``lpstat``) is not installed.
    """
    result = _lpstat("-d")
    match = re.search(r"system default destination:\s*(\S+)", result.stdout)
    return match.group(1) if match else None


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


class SpoolerPrinting:
    """The print system through CUPS's ``lp`` and ``lpstat``: for the headless command line.

    The desktop app prints through Qt instead (``fieldkit.ui.printing.QtPrinting``), on every
    platform; this one needs CUPS, so it works only on Linux and macOS.
    """

    def printers(self) -> list[str]:
        """The CUPS destinations, sorted (see ``list_printers``)."""
        return list_printers()

    def default_printer(self) -> str | None:
        """The CUPS default destination, or None."""
        return default_printer()

    def print_pdf(self, pdf: bytes, options: PrintOptions) -> PrintJob:
        """Send the PDF through ``lp`` (see ``print_pdf`` for what it raises)."""
        return print_pdf(
            pdf,
            printer=options.printer,
            copies=options.copies,
            title=options.title,
            two_sided=options.two_sided,
            tray=options.tray,
        )
