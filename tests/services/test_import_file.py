"""Importing a JSON Lines file: each line checked once, then stored, searchable, sealed, audited."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select
from tests.factories import person, place, visit

from fieldkit.domain import records as domain_records
from fieldkit.services.records import RecordService
from fieldkit.services.transfer import ImportRejected, LineError, import_file
from fieldkit.store import audit, seal
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

PLACE_ID = "0e6c5a56-2a4f-4a36-9d8e-3b6a2d1f7c01"
PERSON_ID = "5b0c1d2e-3f40-4152-8a63-74859607a8b9"


def _file(*docs: dict[str, object]) -> io.BytesIO:
    return io.BytesIO(b"".join(json.dumps(d).encode() + b"\n" for d in docs))


def _good_file() -> io.BytesIO:
    return _file(
        {"type": "visit", "fields": visit(place_id=PLACE_ID, person_ids=[PERSON_ID])},
        {"type": "person", "id": PERSON_ID, "fields": person(given_name="Quillon")},
        {"type": "place", "id": PLACE_ID, "fields": place()},
    )


def test_each_imported_line_is_validated_once(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[str] = []
    spec_of = domain_records.record_spec

    def counting(record_type: str) -> domain_records.RecordSpec:
        looked_up.append(record_type)
        return spec_of(record_type)

    # validate_fields starts by looking up the type's spec: one look-up per validation.
    monkeypatch.setattr(domain_records, "record_spec", counting)
    assert import_file(vault, _good_file()) == 3
    assert sorted(looked_up) == ["person", "place", "visit"]


def test_imported_records_are_found_sealed_and_audited(vault: Vault) -> None:
    assert import_file(vault, _good_file()) == 3
    (hit,) = RecordService(vault).search(text="Quillon", limit=5)
    assert hit.id == PERSON_ID
    with vault.read() as tx:
        assert seal.verify(connection(tx)).ok
        assert audit.verify(tx).ok
        (visit_id,) = vault.records(tx).visit_ids_with_person(PERSON_ID)  # linked
        logged = connection(tx).execute(select(AuditEntry.action, AuditEntry.record_id)).all()
    assert sorted(logged) == sorted(("create", i) for i in (PERSON_ID, PLACE_ID, visit_id))


def test_a_person_born_after_today_is_refused_naming_its_line(vault: Vault) -> None:
    # The vault's clock says 27 November 2026.
    bad = _file(
        {"type": "place", "fields": place()},
        {"type": "person", "fields": person(date_of_birth="2026-11-28")},
    )
    with pytest.raises(ImportRejected) as caught:
        import_file(vault, bad)
    assert caught.value.errors == [LineError(2, "date_of_birth", "is in the future")]
    assert "Zoë" not in str(caught.value)
    with vault.read() as tx:
        assert seal.verify(connection(tx)).rows == 0
