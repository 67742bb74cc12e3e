"""A large import builds its tables' indexes after the rows: same schema, all or nothing."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Connection

from fieldkit.demo.generator import DemoSize, generate
from fieldkit.domain.records import ValidationError
from fieldkit.services import transfer
from fieldkit.services.transfer import import_records
from fieldkit.store import audit, bulk, seal
from fieldkit.store.records import NewRecord
from fieldkit.store.transaction import Transaction, connection
from fieldkit.store.vault import Vault

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("adding", "holding", "after"),
    [
        (0, 0, False),
        (bulk.MIN_ROWS - 1, 0, False),  # small: kept up row by row
        (bulk.MIN_ROWS, 0, True),  # into an empty table
        (bulk.MIN_ROWS, bulk.MIN_ROWS, True),  # doubles it
        (bulk.MIN_ROWS, bulk.MIN_ROWS + 1, False),  # less than doubles it
        (100_000, 20_000, True),
        (20_000, 100_000, False),  # a top-up of a full vault
    ],
)
def test_indexes_are_built_after_only_a_large_import_into_a_small_table(
    adding: int, holding: int, after: bool
) -> None:
    assert bulk.builds_indexes_after(adding=adding, holding=holding) is after


def test_rows_added_counts_each_table_an_import_writes() -> None:
    people = ["0b5b6b5e-7d1c-4b7e-9a0e-1d2c3b4a5f60", "1b5b6b5e-7d1c-4b7e-9a0e-1d2c3b4a5f61"]
    records = [
        NewRecord("person", {"given_name": "A"}),
        NewRecord("visit", {"person_ids": people}),
        NewRecord("visit", {"person_ids": None}),
        NewRecord("spaceship", {}),  # refused by validation; counts for nothing
    ]
    assert bulk.rows_added(records) == {
        "person": 1,
        "visit": 2,
        "visit_person": 2,
        "change_log": 3,
        "audit_log": 3,
    }


def _schema(conn: Connection) -> list[tuple[Any, ...]]:
    # Everything but where each object's pages start (a re-created index has new ones).
    return sorted(
        conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master").all(),
        key=repr,
    )


def _state(vault: Vault) -> dict[str, object]:
    with vault.read() as tx:
        conn = connection(tx)
        tables = [
            str(name)
            for (name,) in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        counts = {
            t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one()  # noqa: S608
            for t in tables
        }
        integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar_one()
        report = seal.verify(conn)
        return {
            "schema": _schema(conn),
            "counts": counts,
            "seal": seal.held(conn),
            "seal_ok": report.ok,
            "audit_ok": audit.verify(tx).ok,
            "integrity": integrity,
        }


@pytest.fixture
def bulk_at_ten(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """A small import takes the large-import path (batches of 20); the tables it chose."""
    monkeypatch.setattr(bulk, "MIN_ROWS", 10)
    monkeypatch.setattr(transfer, "BATCH", 20)
    chosen: list[list[str]] = []
    real = bulk.large_import

    @contextlib.contextmanager
    def spy(tx: Transaction, added: Mapping[str, int]) -> Iterator[list[str]]:
        with real(tx, added) as tables:
            chosen.append(tables)
            yield tables

    monkeypatch.setattr(bulk, "large_import", spy)
    return chosen


def test_the_schema_after_a_bulk_import_is_the_schema_before(
    any_vault: Vault, bulk_at_ten: list[list[str]]
) -> None:
    before = _state(any_vault)
    records = list(generate(DemoSize.for_visits(60), seed=7, today=TODAY))
    count = import_records(any_vault, records)
    assert {"visit", "person", "change_log", "audit_log", "visit_person"} <= set(bulk_at_ten[0])
    after = _state(any_vault)
    assert after["schema"] == before["schema"]
    assert after["integrity"] == "ok"
    assert after["seal_ok"]
    assert after["audit_ok"]
    assert after["counts"]["visit"] > 0  # type: ignore[index]
    assert after["counts"]["change_log"] == count  # type: ignore[index]


def test_the_rebuilt_indexes_serve_the_queries_they_served(
    any_vault: Vault, bulk_at_ten: list[list[str]]
) -> None:
    import_records(any_vault, list(generate(DemoSize.for_visits(60), seed=7, today=TODAY)))
    with any_vault.read() as tx:
        conn = connection(tx)
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM visit WHERE officer_id = ? ORDER BY occurred_at",
            ("amy.officer",),
        ).all()
        assert any("ix_visit_officer_occurred" in str(row[-1]) for row in plan)
        indexed = "SELECT count(*) FROM visit INDEXED BY ix_visit_district WHERE district > ''"
        scanned = "SELECT count(*) FROM visit NOT INDEXED WHERE district > ''"
        assert conn.exec_driver_sql(indexed).scalar_one() == (
            conn.exec_driver_sql(scanned).scalar_one()
        )


def test_a_bad_record_mid_way_through_a_bulk_import_leaves_the_vault_as_it_was(
    any_vault: Vault, bulk_at_ten: list[list[str]]
) -> None:
    import_records(any_vault, list(generate(DemoSize.for_visits(5), seed=2, today=TODAY)))
    before = _state(any_vault)
    records = list(generate(DemoSize.for_visits(60), seed=7, today=TODAY))
    # Well after the first batches have gone in (and the indexes were dropped).
    records.insert(70, NewRecord("person", {"given_name": "\x00"}))
    with pytest.raises(ValidationError):
        import_records(any_vault, records)
    assert bulk_at_ten[-1]  # it took the bulk path
    assert _state(any_vault) == before


def test_a_small_import_into_a_full_table_keeps_its_indexes_up(any_vault: Vault) -> None:
    with any_vault.write() as tx, bulk.large_import(tx, {"visit": bulk.MIN_ROWS - 1}) as chosen:
        assert chosen == []
        assert (
            connection(tx)
            .exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE name = 'ix_visit_district'")
            .scalar_one()
            == 1
        )
