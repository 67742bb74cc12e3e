"""Printing a PDF through the operating system's spooler (CUPS ``lp``), and finding printers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

#: How long ``lp`` and ``lpstat`` may take before the print system counts as unavailable.
_TIMEOUT_SECONDS = 60
_JOB_ID = re.compile(r"request id is (\S+)")
# A job title is visible to anyone who can list the queue, so it must be generic.
_GENERIC_TITLE = re.compile(r"[A-Za-z0-9 ._()-]{1,64}")


class PrintError(RuntimeError):
    """Printing failed for a reason in the environment (the print system said no)."""


class PrinterUnavailableError(PrintError):
    """There is no print system, no such printer, or no default printer to print to."""


@dataclass(frozen=True, slots=True)
class PrintJob:
    """A job the spooler accepted."""

    job_id: str
    printer: str | None
    copies: int
    title: str


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


def print_pdf(pdf: bytes, *, printer: str | None, copies: int = 1, title: str) -> PrintJob:
    """Send a PDF to a printer through ``lp``, the PDF on standard input.

    No temporary file is written and no personal data goes on the command line: the only
    arguments are the printer name, the copy count and ``title``, which must be generic (such as
    "Fieldkit letter") because anyone who can list the print queue sees it.

    Args:
        pdf: the document.
        printer: a queue name from ``list_printers()``, or None for the default printer.
        copies: how many copies, 1 to 99.
        title: a generic job title: letters, digits, spaces and ``._()-``, at most 64 characters.

    Returns:
        The accepted job.

    Raises:
        ValueError: copies or title is not allowed (our bug).
        PrinterUnavailableError: ``lp`` is missing, the printer does not exist, or there is no
            default printer. The message can be shown to the officer as it is.
        PrintError: the print system refused the job for another reason.
    """
    if not 1 <= copies <= 99:
        raise ValueError(f"copies must be from 1 to 99, not {copies}")
    if not _GENERIC_TITLE.fullmatch(title):
        raise ValueError("a print job title must be short, generic text such as 'Fieldkit letter'")
    if printer is not None and (not printer or printer.startswith("-") or "/" in printer):
        raise PrinterUnavailableError(f"There is no printer called {printer!r}.")
    args = [_command("lp"), "-n", str(copies), "-t", title]
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
        job_id=match.group(1) if match else "", printer=printer, copies=copies, title=title
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
