"""Data leaving the vault: logged before it goes, completed after it went, files owner-only."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from fieldkit.store import audit
from fieldkit.store.vault import Vault

#: A record named by a disclosure: (record type, record id).
Disclosed = tuple[str, str]

#: The mode of every file Fieldkit writes: its owner reads and writes it, nobody else.
PRIVATE_MODE = 0o600


def log_disclosure(
    vault: Vault,
    *,
    action: audit.AuditAction,
    records: Sequence[Disclosed],
    reason: str,
    recipient: str | None = None,
) -> None:
    """Commit one s62 entry per record about to leave the vault, before any of it leaves.

    A disclosure that names no record (a table of counts) is one entry without a record.

    Args:
        vault: the unlocked vault.
        action: ``print`` or ``export``.
        records: the records about to be disclosed.
        reason: what the disclosure is (never a person's details).
        recipient: who it is for, if known.
    """
    at = vault.now().isoformat(timespec="milliseconds")
    named: Sequence[tuple[str | None, str | None]] = records or [(None, None)]
    with vault.write() as conn:
        audit.append(
            conn,
            [
                audit.new_event(
                    at=at,
                    actor=vault.username,
                    action=action,
                    record_type=record_type,
                    record_id=record_id,
                    reason=reason,
                    recipient=recipient,
                )
                for record_type, record_id in named
            ],
        )


def completion_reason(what: str, count: int, unit: str) -> str:
    """The reason of a completion entry, e.g. ``command-line export: 1200 records``.

    Args:
        what: the disclosure, as its entries' reason names it.
        count: how many went.
        unit: what is counted, plural (``records``); singular for one.
    """
    if count == 1 and unit.endswith("s"):
        unit = unit[:-1]
    return f"{what}: {count} {unit}"


def log_completion(
    vault: Vault,
    *,
    what: str,
    count: int,
    unit: str = "records",
    recipient: str | None = None,
) -> None:
    """Commit the ``complete`` entry that closes a disclosure logged by `log_disclosure`.

    Its absence says the print or export never finished: the entries before it may then
    over-report (by at most one batch), never under-report.

    Args:
        vault: the unlocked vault.
        what: the disclosure, as its entries' reason names it.
        count: how many went (records, rows or pages, as ``unit`` says); 0 if none did.
        unit: what ``count`` counts.
        recipient: who it was for, if known.
    """
    with vault.write() as conn:
        audit.append(
            conn,
            [
                audit.new_event(
                    at=vault.now().isoformat(timespec="milliseconds"),
                    actor=vault.username,
                    action=audit.AuditAction.COMPLETE,
                    reason=completion_reason(what, count, unit),
                    recipient=recipient,
                )
            ],
        )


def write_private_temporary(folder: Path, data: bytes) -> Path:
    """Write bytes to a new, neutrally named ``.part`` file in a folder, mode 0600, fsynced.

    The file is created owner-only (``mkstemp``: ``O_EXCL``, mode 0600), never made
    readable first and narrowed after.

    Raises:
        OSError: it could not be written; nothing is left behind.
    """
    handle, name = tempfile.mkstemp(dir=folder, prefix=".fieldkit-", suffix=".part")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk, so that a rename into it survives a power cut."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible on every platform
    try:
        with contextlib.suppress(OSError):
            os.fsync(handle)
    finally:
        os.close(handle)


def write_private_file(path: Path, data: bytes) -> None:
    """Write a whole file atomically and owner-only (0600): a temporary file, then a rename.

    A reader sees the old file or the new one, never half of one; a failure leaves no
    temporary file behind.

    Raises:
        OSError: it could not be written (the folder is missing, the disk is full, ...).
    """
    tmp = write_private_temporary(path.parent, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)
