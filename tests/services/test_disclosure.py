"""Data leaving the vault: logged first, completed after, and files written owner-only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldkit.services.disclosure import (
    log_completion,
    log_disclosure,
    write_private_file,
    write_private_temporary,
)
from fieldkit.store import audit
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The usual desktop umask (022), under which a plain open() makes a 0644 file."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _log(vault: Vault) -> list[tuple[str, str | None, str | None, str | None]]:
    with vault.read() as conn:
        rows = connection(conn).execute(
            select(
                AuditEntry.action, AuditEntry.record_id, AuditEntry.reason, AuditEntry.recipient
            ).order_by(AuditEntry.seq)
        )
        return [(str(a), i, r, p) for a, i, r, p in rows]


def test_a_written_file_is_readable_by_its_owner_only(
    tmp_path: Path, permissive_umask: None
) -> None:
    out = tmp_path / "letter.pdf"
    write_private_file(out, b"%PDF-1.4 letter")
    assert out.read_bytes() == b"%PDF-1.4 letter"
    assert _mode(out) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["letter.pdf"]


def test_replacing_a_world_readable_file_leaves_an_owner_only_one(
    tmp_path: Path, permissive_umask: None
) -> None:
    out = tmp_path / "table.csv"
    out.write_text("old")
    out.chmod(0o644)
    write_private_file(out, b"new")
    assert (out.read_bytes(), _mode(out)) == (b"new", 0o600)


def test_a_temporary_file_is_owner_only_from_the_start(
    tmp_path: Path, permissive_umask: None
) -> None:
    made = write_private_temporary(tmp_path, b"part")
    assert made.name.startswith(".fieldkit-")
    assert made.name.endswith(".part")
    assert _mode(made) == 0o600


def test_a_file_that_cannot_be_placed_leaves_nothing_behind(tmp_path: Path) -> None:
    taken = tmp_path / "report.csv"
    taken.mkdir()
    with pytest.raises(IsADirectoryError):
        write_private_file(taken, b"rows")
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]
    assert taken.is_dir()


def test_a_disclosure_is_one_entry_per_record_then_a_completion_with_the_count(
    vault: Vault,
) -> None:
    log_disclosure(
        vault,
        action=audit.AuditAction.EXPORT,
        records=[("person", "p1"), ("place", "q1")],
        reason="CSV export: Repeats",
        recipient="PSG",
    )
    log_completion(vault, what="CSV export: Repeats", count=2, unit="rows", recipient="PSG")
    assert _log(vault) == [
        ("export", "p1", "CSV export: Repeats", "PSG"),
        ("export", "q1", "CSV export: Repeats", "PSG"),
        ("complete", None, "CSV export: Repeats: 2 rows", "PSG"),
    ]


def test_a_disclosure_that_names_no_record_is_still_one_entry(vault: Vault) -> None:
    log_disclosure(vault, action=audit.AuditAction.EXPORT, records=[], reason="CSV export: Trends")
    assert _log(vault) == [("export", None, "CSV export: Trends", None)]
