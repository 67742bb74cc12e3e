"""Correcting and erasing records: every version kept with who, when and why; erasure total."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.factories import person, visit

from fieldkit.domain.records import RecordType, ValidationError
from fieldkit.services.corrections import CorrectionService
from fieldkit.services.records import RecordService
from fieldkit.store import search
from fieldkit.store.errors import RecordNotFoundError
from fieldkit.store.vault import DB_NAME, Vault

PLANTED = "Quillonbrackwater"


def test_an_edit_is_a_new_version_and_the_history_keeps_who_when_and_why(
    any_vault: Vault,
) -> None:
    created = RecordService(any_vault).create(record_type="person", fields=person())
    service = CorrectionService(any_vault, actor="bob.supervisor")
    service.edit(
        record_type="person",
        record_id=created.id,
        changes={"date_of_birth": "1988-04-21"},
        reason="date of birth was mistyped (rectification request)",
    )
    versions = service.history(record_type="person", record_id=created.id)
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].fields["date_of_birth"] == "1988-04-12"
    assert versions[0].by == "amy.officer"
    assert versions[0].reason is None
    assert versions[1].fields["date_of_birth"] == "1988-04-21"
    assert versions[1].by == "bob.supervisor"
    assert versions[1].reason == "date of birth was mistyped (rectification request)"
    assert versions[0].at is not None
    assert versions[1].at is not None
    assert versions[0].at < versions[1].at


def test_rectifying_a_person_without_a_reason_is_refused_and_changes_nothing(
    any_vault: Vault,
) -> None:
    created = RecordService(any_vault).create(record_type="person", fields=person())
    service = CorrectionService(any_vault)
    with pytest.raises(ValidationError) as caught:
        service.edit(
            record_type="person", record_id=created.id, changes={"family_name": "X"}, reason=" "
        )
    assert [e.field for e in caught.value.errors] == ["reason"]
    assert len(service.history(record_type="person", record_id=created.id)) == 1


def test_an_unknown_field_is_refused_by_name_and_changes_nothing(any_vault: Vault) -> None:
    created = RecordService(any_vault).create(record_type="visit", fields=visit())
    service = CorrectionService(any_vault)
    with pytest.raises(ValidationError) as caught:
        service.edit(
            record_type="visit", record_id=created.id, changes={"colour": "red"}, reason=None
        )
    assert [e.field for e in caught.value.errors] == ["colour"]
    assert len(service.history(record_type="visit", record_id=created.id)) == 1


def test_editing_an_unknown_record_is_refused(any_vault: Vault) -> None:
    with pytest.raises(RecordNotFoundError):
        CorrectionService(any_vault).edit(
            record_type="visit",
            record_id="00000000-0000-4000-8000-000000000000",
            changes={"narrative": "x"},
            reason="x",
        )


def test_erasure_needs_a_reason(any_vault: Vault) -> None:
    created = RecordService(any_vault).create(record_type="person", fields=person())
    with pytest.raises(ValidationError):
        CorrectionService(any_vault).erase(record_type="person", record_id=created.id, reason="")
    with any_vault.read() as conn:
        assert not any_vault.records(conn).require(RecordType.PERSON, created.id).deleted


def test_an_erased_person_leaves_no_trace_of_their_content_in_the_database_file(
    make_vault: Callable[..., Vault],
) -> None:
    # The plain baseline store: its file can be searched as it lies on disk, free pages and
    # write-ahead log included (the encrypted vault holds the same pages, encrypted).
    vault = make_vault(encrypted=False)
    records = RecordService(vault)
    kept = records.create(record_type="person", fields=person(family_name="Keepsake"))
    doomed = records.create(
        record_type="person",
        fields=person(description=f"Tall, {PLANTED} tattoo on the left hand", aliases=[PLANTED]),
    )
    service = CorrectionService(vault)
    service.edit(
        record_type="person",
        record_id=doomed.id,
        changes={"description": f"Tall; {PLANTED} tattoo, right hand"},
        reason="description corrected",
    )
    service.erase(record_type="person", record_id=doomed.id, reason="erasure request granted")
    with vault.read() as conn:
        assert search.find(conn, PLANTED) == []
        assert [h.record_id for h in search.find(conn, "Keepsake")] == [kept.id]
    [tombstone] = service.history(record_type="person", record_id=doomed.id)
    assert tombstone.deleted
    assert tombstone.fields == {}
    assert tombstone.reason == "erasure request granted"
    files = [p for p in vault.folder.iterdir() if p.name.startswith(DB_NAME)]
    assert any(p.name == DB_NAME for p in files)
    for path in files:
        raw = path.read_bytes()
        assert PLANTED.encode() not in raw, path.name
        assert PLANTED.lower().encode() not in raw, path.name
    vault.lock()
