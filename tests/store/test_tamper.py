"""Splicing an old page into the vault file: every reverted record is caught by the record seal."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.conftest import SteppingClock
from tests.factories import PASSPHRASE, person, place, visit
from tests.kdf import TEST_KDF

from fieldkit.domain.records import RecordType
from fieldkit.store import replica, seal
from fieldkit.store.errors import VaultDamagedError
from fieldkit.store.records import StoredRecord
from fieldkit.store.transaction import connection
from fieldkit.store.vault import DB_NAME, Vault

VIOLENT = "VIOLENT - DO NOT VISIT ALONE"
PAGE = 4096
SERVER_HLC = "001764000000000:0000:server"

Snapshot = dict[tuple[RecordType, str], StoredRecord]


def _warning(person_id: str, n: int) -> dict[str, object]:
    return {
        "person_id": person_id,
        "scheme": "street_drinking_vagrancy",
        "level": "yellow",
        "issued_at": f"2026-10-{1 + n % 28:02d}T10:00:00+00:00",
        "district": "huddersfield",
        "behaviour": f"Drinking in the precinct, occasion {n}",
    }


def _pulled(n: int, *, family: str, hlc: str = SERVER_HLC) -> replica.PulledRecord:
    fields = person(family_name=family)
    return replica.PulledRecord(
        "person", str(uuid.UUID(int=n + 1)), False, fields, dict.fromkeys(fields, hlc)
    )


def _snapshot(vault: Vault) -> Snapshot:
    with vault.read() as conn:
        repo = vault.records(conn)
        return {(t, r.id): r for t in RecordType for r in repo.iter_all(t, include_deleted=True)}


def _close(vault: Vault) -> None:
    vault.lock()
    # The last connection to close checkpoints the WAL into vault.db and removes it.
    assert not (vault.folder / (DB_NAME + "-wal")).exists()


def _first_state(folder: Path, clock: SteppingClock) -> dict[str, str]:
    vault = Vault.create(
        folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF, now=clock
    )
    ids: dict[str, str] = {}
    with vault.write() as conn:
        repo = vault.records(conn)
        people = [repo.create("person", person(family_name=f"Family {i}")) for i in range(120)]
        places = [repo.create("place", place(label=f"Place {i}")) for i in range(40)]
        for i in range(150):
            repo.create(
                "visit",
                visit(
                    person_ids=[people[i % 120].id],
                    place_id=places[i % 40].id,
                    narrative=f"Visit {i}: advice given and the group moved on.",
                ),
            )
        for i in range(40):
            repo.create("warning", _warning(people[i].id, i))
        repo.update(RecordType.PERSON, people[1].id, {"description": "Tall, red coat"})
        repo.delete(RecordType.PERSON, people[2].id, reason="entered twice")
    with vault.write() as conn:
        replica.apply_pulled(
            conn, [_pulled(n, family=f"Pulled {n}") for n in range(30)], at="2026-11-27T09:30Z"
        )
        replica.purge(conn, [("person", str(uuid.UUID(int=30)))])
    ids["target"] = people[0].id
    ids["edited"] = people[5].id
    ids["doomed"] = people[6].id
    ids["visit"] = next(
        r.id for (t, _), r in _snapshot(vault).items() if t is RecordType.VISIT and not r.deleted
    )
    _close(vault)
    return ids


def _second_state(folder: Path, clock: SteppingClock, ids: dict[str, str]) -> Snapshot:
    vault = Vault.unlock(folder, passphrase=PASSPHRASE, now=clock)
    with vault.write() as conn:
        repo = vault.records(conn)
        repo.update(RecordType.PERSON, ids["target"], {"flags": [VIOLENT]})
        repo.update(RecordType.PERSON, ids["edited"], {"description": "Now walks with a stick"})
        repo.update(RecordType.VISIT, ids["visit"], {"narrative": "Corrected: no advice given."})
        repo.delete(RecordType.PERSON, ids["doomed"], reason="left the area")
        repo.create("person", person(family_name="Newcomer"))
    with vault.write() as conn:
        later = "001765000000000:0000:server"
        replica.apply_pulled(
            conn,
            [_pulled(n, family=f"Pulled again {n}", hlc=later) for n in range(0, 30, 3)],
            at="2026-11-28T09:30Z",
        )
    snapshot = _snapshot(vault)
    _close(vault)
    return snapshot


def _outcome(folder: Path, new: Snapshot) -> tuple[bool, bool]:
    """(caught, reverted): did unlock or check object, and does any record read differently?"""
    try:
        vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    except VaultDamagedError:
        return True, False
    try:
        report = vault.check()
        try:
            reverted = _snapshot(vault) != new
        except VaultDamagedError:
            return True, False
        return not report.ok, reverted
    finally:
        vault.lock()


def test_every_old_page_spliced_into_the_vault_that_reverts_a_record_is_caught(
    tmp_path: Path, clock: SteppingClock
) -> None:
    folder = tmp_path / "vault"
    ids = _first_state(folder, clock)
    db = folder / DB_NAME
    old = db.read_bytes()
    new_records = _second_state(folder, clock, ids)
    assert new_records[RecordType.PERSON, ids["target"]].fields["flags"] == [VIOLENT]
    new = db.read_bytes()
    assert len(old) % PAGE == 0
    assert len(new) % PAGE == 0
    differing = [
        n
        for n in range(min(len(old), len(new)) // PAGE)
        if old[n * PAGE : (n + 1) * PAGE] != new[n * PAGE : (n + 1) * PAGE]
    ]
    assert differing
    reverting = caught_reverting = 0
    for n in differing:
        spliced = bytearray(new)
        spliced[n * PAGE : (n + 1) * PAGE] = old[n * PAGE : (n + 1) * PAGE]
        db.write_bytes(bytes(spliced))
        caught, reverted = _outcome(folder, new_records)
        if reverted:
            reverting += 1
            caught_reverting += caught
    db.write_bytes(new)
    assert reverting >= 1, "no splice reverted a record: the test proves nothing"
    assert caught_reverting == reverting


def test_the_vault_as_written_passes_every_check(tmp_path: Path, clock: SteppingClock) -> None:
    folder = tmp_path / "vault"
    ids = _first_state(folder, clock)
    _second_state(folder, clock, ids)
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        assert vault.check().problems == ()
        assert vault.verify_seal().ok
    finally:
        vault.lock()


def test_a_record_changed_behind_the_seals_back_is_reported(vault: Vault) -> None:
    with vault.write() as conn:
        vault.records(conn).create("person", person(flags=[VIOLENT]))
    with vault.write() as conn:
        # What a spliced page amounts to: the row changes but the seal does not.
        connection(conn).execute(text("DROP TRIGGER seal_person_update"))
        connection(conn).execute(text("UPDATE person SET flags = '[]'"))
        restored = seal.trigger_sql("person", seal.columns(connection(conn), "person"))[
            "seal_person_update"
        ]
        connection(conn).exec_driver_sql(restored)
    assert not vault.verify_seal().ok
    problems = vault.check().problems
    assert len(problems) == 1
    assert "do not match the record seal" in problems[0]


def test_a_missing_seal_trigger_is_reported_at_check_and_unlock(vault: Vault) -> None:
    with vault.write() as conn:
        connection(conn).execute(text("DROP TRIGGER seal_person_update"))
    assert any("seal triggers" in p for p in vault.check().problems)
    folder = vault.folder
    vault.lock()
    with pytest.raises(VaultDamagedError, match="seal triggers"):
        Vault.unlock(folder, passphrase=PASSPHRASE)


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        # An older page of the audit log: its newest entries gone, the head still names them.
        ("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)", "audit log"),
        # An older page of sqlite_sequence: the outbox holds change numbers never issued.
        ("UPDATE sqlite_sequence SET seq = 1 WHERE name = 'change_log'", "change log"),
        # An older vault_meta page: the saved clock is behind changes it stamped.
        (
            "UPDATE vault_meta SET value = '000000000000001:0000:node' WHERE key = 'hlc_last'",
            "clock",
        ),
    ],
)
def test_unlock_refuses_counters_that_disagree_with_what_they_count(
    vault: Vault, statement: str, problem: str
) -> None:
    with vault.write() as conn:
        vault.records(conn).create("person", person())
        vault.records(conn).create("person", person())
    # Outside `write()`, which would save the clock again on commit.
    with vault.read() as conn:
        connection(conn).execute(text(statement))
    folder = vault.folder
    vault.lock()
    with pytest.raises(VaultDamagedError, match=problem):
        Vault.unlock(folder, passphrase=PASSPHRASE)
