"""The real CUPS queue for print tests (scripts/start-cups): its name, and waiting for its PDF."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest


def cups_queue() -> str:
    """The cups-pdf queue's name; skips without one, but fails under CI=true."""
    queue = os.environ.get("FIELDKIT_TEST_CUPS_QUEUE", "")
    if not queue:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but FIELDKIT_TEST_CUPS_QUEUE is unset: run scripts/start-cups")
        pytest.skip("no CUPS queue: run scripts/start-cups and export FIELDKIT_TEST_CUPS_QUEUE")
    return queue


def cups_pdf_folder() -> Path:
    """Where cups-pdf writes every job (scripts/start-cups sets it)."""
    return Path(os.environ.get("FIELDKIT_TEST_CUPS_OUT", "/var/spool/cups-pdf/fieldkit"))


def cups_spool_folder() -> Path:
    """Where CUPS keeps each job's document as it was sent (d<job>-001, PreserveJobFiles)."""
    return Path(os.environ.get("FIELDKIT_TEST_CUPS_SPOOL", "/var/spool/cups"))


def wait_for_cups_pdf(title: str, *, seconds: float = 60) -> Path:
    """The PDF cups-pdf wrote for the job titled ``title``, once it is complete.

    cups-pdf names the file after the job title (spaces as underscores) and ends it with
    ``job_<id>.pdf`` (``Label 2``). CUPS converts the job in other processes, so this polls,
    bounded.
    """
    pattern = f"{title.replace(' ', '_')}*job_*.pdf"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in cups_pdf_folder().glob(pattern):
            data = path.read_bytes()
            if data.rstrip().endswith(b"%%EOF"):
                return path
        time.sleep(0.2)
    pytest.fail(f"cups-pdf wrote no {pattern} in {cups_pdf_folder()} within {seconds:.0f} s")


def cups_job_file(name: str, *, seconds: float = 60) -> bytes:
    """A file CUPS keeps for a job (``d<job>-001`` the document, ``c<job>`` its attributes).

    cupsd writes the attributes file a moment after it accepts the job, so this waits, bounded.
    Reading it needs root, as CI runs the tests.
    """
    path = cups_spool_folder() / name
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    if not os.access(path, os.R_OK):
        pytest.fail(f"cannot read the CUPS job file {path}: run the tests as root, as CI does")
    return path.read_bytes()


def job_number(cups_pdf: Path) -> int:
    """The CUPS job number in a cups-pdf file name (``..._job_<id>.pdf``)."""
    return int(cups_pdf.stem.rsplit("job_", 1)[1])
