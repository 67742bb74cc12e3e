"""Anti-entropy end to end: a record put back by an old page of the vault file comes back."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text
from tests.factories import person
from tests.sync.conftest import PASSWORD, Laptop, Server

from fieldkit.domain.records import RecordType
from fieldkit.services import anti_entropy
from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncEngine, SyncOutcome, SyncReport
from fieldkit.store import replica
from fieldkit.store.schema import RECORD_TABLES
from fieldkit.store.transaction import connection
from fieldkit_server.models import Holding, HoldingRange, RecordScope

VIOLENT = ["VIOLENT - DO NOT VISIT ALONE"]


def ok(laptop: Laptop) -> SyncReport:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    return report


def sync_comparing(laptop: Laptop) -> SyncReport:
    """A sync that compares the vault with the server whenever it runs (interval zero)."""
    laptop.engine()  # makes the laptop's transport
    assert laptop.transport is not None
    engine = SyncEngine(
        laptop.open(),
        laptop.transport,
        username=laptop.username,
        password=lambda: PASSWORD,
        device_name=laptop.folder.name,
        anti_entropy_every=timedelta(0),
    )
    report = engine.run()
    assert report.outcome is SyncOutcome.OK, report.message
    return report


def vault_file(laptop: Laptop) -> Path:
    return laptop.folder / "vault.db"


def snapshot(laptop: Laptop, to: Path) -> None:
    """A copy of the vault file as it is now (locked first, so the WAL is folded in)."""
    laptop.close()
    assert (
        not (laptop.folder / "vault.db-wal").exists()
        or (laptop.folder / "vault.db-wal").stat().st_size == 0
    )
    shutil.copyfile(vault_file(laptop), to)


def splice_table_page(laptop: Laptop, old_copy: Path, table: str) -> None:
    """Copy the page holding `table`'s rows from an old copy of the file over the current one.

    What an attacker with the laptop but not the passphrase can do: an old encrypted page is a
    valid page at the same position. The table holds few rows, so its root page is its only
    (leaf) page; where it is and how big pages are is read with the vault open, as the
    attacker would learn it by comparing two copies.
    """
    vault = laptop.open()
    with vault.read() as conn:
        root = (
            connection(conn)
            .execute(
                text("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = :n"),
                {"n": table},
            )
            .scalar_one()
        )
        size = connection(conn).execute(text("PRAGMA page_size")).scalar_one()
    snapshot(laptop, laptop.folder.parent / f"{laptop.folder.name}-now.db")
    offset = (int(root) - 1) * int(size)
    old = old_copy.read_bytes()[offset : offset + int(size)]
    with vault_file(laptop).open("r+b") as current:
        current.seek(offset)
        assert current.read(int(size)) != old, "the page did not change: nothing to splice"
        current.seek(offset)
        current.write(old)


def row(laptop: Laptop, record_type: RecordType, record_id: str) -> dict[str, Any]:
    table = RECORD_TABLES[record_type]
    with laptop.open().read() as conn:
        found = (
            connection(conn).execute(select(table).where(table.c.id == record_id)).mappings().one()
        )
    return dict(found)


def test_a_record_reverted_by_an_old_page_is_restored_by_the_next_sync(
    server: Server, laptops: Callable[..., Laptop], tmp_path: Path
) -> None:
    """The revert is a real page splice: the encrypted page holding the person table's rows is
    copied from a copy of vault.db taken before the risk flag arrived over the file after."""
    server.admin.add_user("amy")
    desk = laptops("desk", "amy", server.url)
    field = laptops("field", "amy", server.url)
    subject = RecordService(desk.open()).create(record_type="person", fields=person())
    ok(desk)
    ok(field)
    ok(field)
    old_copy = tmp_path / "field-before.db"
    snapshot(field, old_copy)
    RecordService(desk.open()).update(
        record_type="person", record_id=subject.id, changes={"flags": VIOLENT}
    )
    ok(desk)
    ok(field)
    assert field.records()[subject.id][1]["flags"] == VIOLENT

    splice_table_page(field, old_copy, "person")
    assert field.records()[subject.id][1]["flags"] == []
    # The pull alone does not repair it: the cursor says the laptop has that version.
    assert ok(field).repaired == 0
    assert field.records()[subject.id][1]["flags"] == []

    report = sync_comparing(field)
    assert report.drift_checked
    assert report.repaired == 1
    assert "1 record(s)" in report.message
    assert field.records()[subject.id][1]["flags"] == VIOLENT
    assert field.records() == server.view("amy")
    # Repaired once, it stays repaired: the next comparison finds nothing.
    assert sync_comparing(field).repaired == 0


def test_a_record_deleted_on_the_server_comes_back_as_a_tombstone(
    server: Server, laptops: Callable[..., Laptop], tmp_path: Path
) -> None:
    """A page splice (as above) puts back the live row the server's delete had made a tombstone."""
    server.admin.add_user("amy")
    desk = laptops("desk", "amy", server.url)
    field = laptops("field", "amy", server.url)
    # No date of birth: an erased record's tombstone clears its indexed fields, so splicing
    # back the page of someone with one leaves the date-of-birth index disagreeing with the
    # row, which SQLite reports as damage. The repair of the row itself is what is tested here.
    subject = RecordService(desk.open()).create(
        record_type="person", fields=person(date_of_birth=None)
    )
    ok(desk)
    ok(field)
    old_copy = tmp_path / "field-before.db"
    snapshot(field, old_copy)
    RecordService(desk.open()).delete(record_type="person", record_id=subject.id)
    ok(desk)
    ok(field)
    assert subject.id not in field.records()

    splice_table_page(field, old_copy, "person")
    assert subject.id in field.records()

    report = sync_comparing(field)
    assert report.repaired == 1
    assert subject.id not in field.records()
    assert row(field, RecordType.PERSON, subject.id)["deleted"]


def test_a_record_the_server_no_longer_shows_is_purged_even_when_the_pull_cannot_say(
    server: Server, laptops: Callable[..., Laptop]
) -> None:
    server.admin.add_user("amy")
    server.admin.add_user("sue", role="supervisor", districts=("huddersfield", "rural"))
    sue = laptops("sue", "sue", server.url)
    moved = RecordService(sue.open()).create(record_type="person", fields=person())
    stays = RecordService(sue.open()).create(record_type="person", fields=person())
    ok(sue)
    amy = laptops("amy", "amy", server.url)
    ok(amy)
    ok(amy)
    assert moved.id in amy.records()
    RecordService(sue.open()).update(
        record_type="person", record_id=moved.id, changes={"district": "rural"}
    )
    ok(sue)
    # The server lost track of what amy's laptop holds and of where the record was before
    # (restored from a backup, say), so a pull cannot list the record for purge.
    server.admin._run(
        lambda s: [s.execute(delete(t)) for t in (Holding, HoldingRange, RecordScope)]
    )
    assert ok(amy).purged == 0
    assert moved.id in amy.records()

    report = sync_comparing(amy)
    assert report.purged == 1
    assert moved.id not in amy.records()
    assert stays.id in amy.records()
    assert amy.records() == server.view("amy")


def test_a_reverted_record_with_a_local_change_is_left_for_the_push(
    sqlite_server: Server, laptops: Callable[..., Laptop], tmp_path: Path
) -> None:
    """A page splice (as above), then an edit on the laptop before it syncs again."""
    server = sqlite_server
    server.admin.add_user("amy")
    desk = laptops("desk", "amy", server.url)
    field = laptops("field", "amy", server.url)
    subject = RecordService(desk.open()).create(record_type="person", fields=person())
    ok(desk)
    ok(field)
    old_copy = tmp_path / "field-before.db"
    snapshot(field, old_copy)
    RecordService(desk.open()).update(
        record_type="person", record_id=subject.id, changes={"flags": VIOLENT}
    )
    ok(desk)
    ok(field)
    splice_table_page(field, old_copy, "person")
    RecordService(field.open()).update(
        record_type="person", record_id=subject.id, changes={"family_name": "Local"}
    )
    field.engine()
    assert field.transport is not None
    with field.open().read() as conn:
        field.transport.token = replica.get_state(conn, "token")
    found = anti_entropy.repair_drift(vault=field.open(), transport=field.transport, at="t")
    assert (found.kept_local, found.fetched, found.repaired) == (1, 0, 0)
    assert field.records()[subject.id][1]["family_name"] == "Local"

    sync_comparing(field)
    held = field.records()[subject.id][1]
    assert (held["family_name"], held["flags"]) == ("Local", VIOLENT)
    assert field.records() == server.view("amy")


def test_a_record_written_here_that_the_server_refused_is_never_purged(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    # Amy has no rural district: the server refuses the record, and it stays on her laptop.
    refused = RecordService(amy.open()).create(
        record_type="person", fields=person(district="rural")
    )
    assert ok(amy).refused
    report = sync_comparing(amy)
    assert report.drift_checked
    assert report.purged == 0
    assert refused.id in amy.records()


def test_the_comparison_runs_on_the_first_sync_and_then_once_an_interval(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    RecordService(amy.open()).create(record_type="person", fields=person())
    assert ok(amy).drift_checked
    assert not ok(amy).drift_checked
    assert sync_comparing(amy).drift_checked
