"""An import's bulk writes store exactly the rows the ordinary insert path would, seal and all."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import Table, delete, insert, select
from tests.factories import person

from fieldkit.demo.generator import DemoSize, generate
from fieldkit.domain.records import RecordType, ValidationError
from fieldkit.services.transfer import import_records
from fieldkit.store import audit, seal
from fieldkit.store.records import CheckedRecord, NewRecord, check_record
from fieldkit.store.schema import (
    RECORD_TABLES,
    AuditEntry,
    Change,
    person_name_key,
    search_doc,
    visit_person,
)
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

#: What an import writes besides the record tables.
JOURNALS: tuple[Table, ...] = (
    Change.__table__,  # type: ignore[attr-defined]
    AuditEntry.__table__,  # type: ignore[attr-defined]
    search_doc,
    visit_person,
    person_name_key,
)


def _typed(rows: list[tuple[object, ...]]) -> list[tuple[tuple[str, object], ...]]:
    # 1 and 1.0, or "1" and 1, compare equal in Python but are different stored values.
    return [tuple((type(v).__name__, v) for v in row) for row in rows]


def test_imported_rows_are_byte_for_byte_what_the_orm_insert_stores(any_vault: Vault) -> None:
    records = list(generate(DemoSize.for_visits(60), seed=7, today=date(2026, 11, 27)))
    import_records(any_vault, records)
    types = {RecordType(r.type) for r in records}
    assert {RecordType.PERSON, RecordType.PLACE, RecordType.VISIT} <= types
    with any_vault.write() as tx:
        conn = connection(tx)
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # links are checked at commit
        for table in [*(RECORD_TABLES[t] for t in sorted(types)), *JOURNALS]:
            raw = f'SELECT * FROM "{table.name}" ORDER BY 1, 2'  # noqa: S608 - names from the schema
            written = conn.exec_driver_sql(raw).all()
            assert written, table.name
            # Read back through SQLAlchemy's column types, then written again through them.
            decoded = [dict(row) for row in conn.execute(select(table)).mappings()]
            conn.execute(delete(table))
            conn.execute(insert(table), decoded)
            assert _typed(conn.exec_driver_sql(raw).all()) == _typed(written), table.name
        # The seal triggers ran for the bulk rows as for these: the seal still adds up.
        assert seal.verify(conn).ok


def test_an_import_leaves_the_seal_and_the_audit_chain_whole(any_vault: Vault) -> None:
    records = list(generate(DemoSize.for_visits(30), seed=3, today=date(2026, 11, 27)))
    count = import_records(any_vault, records)
    with any_vault.read() as tx:
        report = seal.verify(connection(tx))
        assert report.ok
        assert report.rows == count
        assert audit.verify(tx).ok
        created = connection(tx).execute(select(AuditEntry.record_id)).scalars().all()
        repo = any_vault.records(tx)
        stored = {r.id: r for t in {RecordType(r.type) for r in records} for r in repo.iter_all(t)}
    assert sorted(created) == sorted(r.id for r in records)
    assert stored.keys() == {r.id for r in records}  # every one live, none a tombstone
    for record in records:
        got = stored[record.id]
        assert got.fields == check_record(record, today=date(2026, 11, 27)).fields
        assert got.versions == dict.fromkeys(got.fields, got.updated_hlc)


def test_a_checked_record_is_made_only_by_checking() -> None:
    with pytest.raises(TypeError, match="check_record"):
        CheckedRecord(RecordType.PERSON, person(), None, date(2026, 11, 27))
    checked = check_record(NewRecord("person", person()), today=date(2026, 11, 27))
    with pytest.raises(TypeError, match="check_record"):  # a copy with other fields is not
        dataclasses.replace(checked, fields=person(given_name="\x00"))


def test_checking_refuses_what_the_store_would_refuse() -> None:
    with pytest.raises(ValidationError, match="type"):
        check_record(NewRecord("spaceship", {}), today=date(2026, 11, 27))
    with pytest.raises(ValidationError, match="id"):
        check_record(NewRecord("person", person(), "not-a-uuid"), today=date(2026, 11, 27))
    with pytest.raises(ValidationError, match="date_of_birth"):
        check_record(
            NewRecord("person", person(date_of_birth="2026-11-28")), today=date(2026, 11, 27)
        )


def test_a_record_checked_against_another_day_is_checked_again(any_vault: Vault) -> None:
    # Checked as if on New Year's Eve, stored on 27 November: born tomorrow is in the future.
    checked = check_record(
        NewRecord("person", person(date_of_birth="2026-11-28")), today=date(2026, 12, 31)
    )
    with pytest.raises(ValidationError, match="date_of_birth"), any_vault.write() as tx:
        any_vault.records(tx).create_many([checked])
    with any_vault.read() as tx:
        assert list(any_vault.records(tx).iter_all(RecordType.PERSON)) == []


def test_a_checked_record_is_stored_as_it_was_checked(any_vault: Vault) -> None:
    checked = check_record(
        NewRecord("person", person(given_name="  Zoë  ")), today=date(2026, 11, 27)
    )
    with any_vault.write() as tx:
        (stored,) = any_vault.records(tx).create_many([checked])
    with any_vault.read() as tx:
        again = any_vault.records(tx).require(RecordType.PERSON, stored.id)
    assert again.fields == checked.fields
    assert again.fields["given_name"] == "Zoë"


def test_creating_no_records_writes_nothing(any_vault: Vault) -> None:
    with any_vault.write() as tx:
        assert any_vault.records(tx).create_many([]) == []
    with any_vault.read() as tx:
        conn = connection(tx)
        for table in (Change.__table__, AuditEntry.__table__):  # type: ignore[attr-defined]
            assert conn.execute(select(table)).first() is None
