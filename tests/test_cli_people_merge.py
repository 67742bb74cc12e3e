"""`fieldkit people merge`, run as a real process: exit 0 merged, 5 bad input with nothing
changed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.factories import PASSPHRASE, person, place, visit
from tests.kdf import TEST_KDF
from tests.test_cli import run

from fieldkit.domain.records import RecordType
from fieldkit.services.records import RecordService
from fieldkit.store import replica
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault


def _vault(tmp_path: Path, *, role: str = "supervisor") -> tuple[Path, dict[str, str]]:
    folder = tmp_path / "vault"
    vault = Vault.create(folder, username="sue", passphrase=PASSPHRASE, kdf=TEST_KDF)
    try:
        with vault.write() as conn:
            replica.put_state(conn, "user", {"id": "u-sue", "role": role})
        records = RecordService(vault)
        dup = records.create(record_type="person", fields=person(given_name="Zoe")).id
        keep = records.create(record_type="person", fields=person()).id
        where = records.create(record_type="place", fields=place()).id
        seen = records.create(
            record_type="visit", fields=visit(person_ids=[dup], officer_id="sue")
        ).id
        warned = records.create(
            record_type="warning",
            fields={
                "person_id": dup,
                "scheme": "kirklees",
                "level": "yellow",
                "issued_at": "2026-11-27T10:20:00+00:00",
                "behaviour": "Drinking in the bus station",
                "district": "huddersfield",
            },
        ).id
    finally:
        vault.lock()
    return folder, {"dup": dup, "keep": keep, "place": where, "visit": seen, "warning": warned}


def _merge(
    folder: Path, dup: str, keep: str, reason: str = "same person, two spellings"
) -> subprocess.CompletedProcess[str]:
    return run(
        "people", "merge", dup, keep, "--reason", reason,
        "--vault", str(folder), "--passphrase-stdin",
    )  # fmt: skip


def test_people_merge_repoints_links_keeps_both_records_and_logs_it(tmp_path: Path) -> None:
    folder, ids = _vault(tmp_path)
    done = _merge(folder, ids["dup"], ids["keep"])
    assert done.returncode == 0, done.stderr
    assert "Zoe" not in done.stdout + done.stderr
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        with vault.read() as conn:
            repo = vault.records(conn)
            seen = repo.require(RecordType.VISIT, ids["visit"])
            assert seen.fields["person_ids"] == [ids["keep"]]
            warned = repo.require(RecordType.WARNING, ids["warning"])
            assert warned.fields["person_id"] == ids["keep"]
            duplicate = repo.require(RecordType.PERSON, ids["dup"])
            assert duplicate.fields["merged_into"] == ids["keep"]
            assert duplicate.fields["given_name"] == "Zoe"
            logged = (
                connection(conn)
                .execute(
                    select(AuditEntry.record_id).where(
                        AuditEntry.reason.startswith("Merge of two records of one person")
                    )
                )
                .scalars()
            )
            assert set(logged) == {ids["dup"], ids["visit"], ids["warning"]}
    finally:
        vault.lock()


def _pending(folder: Path) -> int:
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        with vault.read() as conn:
            return replica.pending_count(conn)
    finally:
        vault.lock()


@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("unknown", "no such person"),
        ("same", "cannot be merged into itself"),
        ("place", "not a person"),
        ("already", "already merged"),
    ],
)
def test_people_merge_refuses_bad_input_and_changes_nothing(
    tmp_path: Path, which: str, expected: str
) -> None:
    folder, ids = _vault(tmp_path)
    dup, keep = ids["dup"], ids["keep"]
    if which == "unknown":
        dup = "00000000-0000-4000-8000-000000000000"
    elif which == "same":
        keep = dup
    elif which == "place":
        keep = ids["place"]
    else:
        assert _merge(folder, dup, keep).returncode == 0
        keep, dup = dup, keep
    pending = _pending(folder)
    refused = _merge(folder, dup, keep)
    assert refused.returncode == 5, refused.stderr
    assert expected in refused.stderr
    assert _pending(folder) == pending


def test_an_officer_cannot_merge_people(tmp_path: Path) -> None:
    folder, ids = _vault(tmp_path, role="officer")
    refused = _merge(folder, ids["dup"], ids["keep"])
    assert refused.returncode == 5
    assert "only a supervisor merges people" in refused.stderr
