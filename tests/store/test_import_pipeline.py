"""An import checks batch N+1 on a worker thread while it writes batch N: same rows, or none."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from tests.conftest import SteppingClock
from tests.store.test_bulk_import import _state

from fieldkit.demo.generator import DemoSize, generate
from fieldkit.domain.records import ValidationError
from fieldkit.services import transfer
from fieldkit.services.transfer import import_records
from fieldkit.store import bulk, records
from fieldkit.store.records import CheckedRecord, NewRecord, PreparedBatch, check_record
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

TODAY = date(2026, 11, 27)
NODE = "device-0001"
BATCH = 20


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Imports go in batches of 20; the names of the threads each batch was prepared on."""
    monkeypatch.setattr(transfer, "BATCH", BATCH)
    threads: list[str] = []
    real = records.prepare_new

    def spy(batch: Sequence[NewRecord | CheckedRecord], **kwargs: Any) -> PreparedBatch:
        threads.append(threading.current_thread().name)
        return real(batch, **kwargs)

    monkeypatch.setattr(records, "prepare_new", spy)
    return threads


def _unthreaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every import runs both stages on the calling thread (the pipeline with no thread)."""
    real = bulk.write_batches

    def serial(repo: Any, batches: Any, *, threaded: bool, **kwargs: Any) -> int:
        del threaded
        return real(repo, batches, threaded=False, **kwargs)

    monkeypatch.setattr(bulk, "write_batches", serial)


def _workers_alive() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(bulk.WORKER_NAME)]


#: Values random by design: an outbox or audit id's random tail (its leading 48 bits are the
#: millisecond it was made, compared), the audit chain's hashes over those ids, and the seal
#: and chain head over them.
_ORDERED = {("change_log", "change_id"), ("audit_log", "event_id")}
_HASHES = {("audit_log", "prev_hash"), ("audit_log", "hash")}
_RANDOM_META = {"audit_head", "seal", "vault_id"}


def _tables(vault: Vault) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows in row order, random-by-design values cut to what is not random."""
    with vault.read() as tx:
        conn = connection(tx)
        tables = conn.exec_driver_sql(
            "SELECT name, sql LIKE '%WITHOUT ROWID%' FROM sqlite_master WHERE type = 'table' "
            "AND sql NOT LIKE '%VIRTUAL%' ORDER BY name"
        ).all()
        out: dict[str, list[tuple[object, ...]]] = {}
        for name, without_rowid in tables:
            order = "1" if without_rowid else "rowid"
            result = conn.exec_driver_sql(f'SELECT * FROM "{name}" ORDER BY {order}')  # noqa: S608
            columns = list(result.keys())
            rows = []
            for row in result:
                values = dict(zip(columns, row, strict=True))
                for column in columns:
                    if (name, column) in _ORDERED:
                        values[column] = str(values[column])[:13]  # the millisecond part
                    elif (name, column) in _HASHES:
                        values[column] = "(random)"
                if name == "vault_meta" and values.get("key") in _RANDOM_META:
                    values["value"] = "(random)"
                rows.append(tuple(values.values()))
            out[name] = rows
        return out


def _import_into_fresh_vault(make_vault: Callable[..., Vault], name: str) -> Vault:
    vault = make_vault(name, now=SteppingClock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC)))
    with vault.write() as tx:
        vault.set_clock_node(tx, NODE)
    import_records(vault, list(generate(DemoSize.for_visits(40), seed=7, today=TODAY)))
    return vault


def test_a_pipelined_import_writes_what_the_unthreaded_one_writes(
    make_vault: Callable[..., Vault], small_batches: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = _import_into_fresh_vault(make_vault, "piped")
    assert len(small_batches) > 2
    assert all(name.startswith(bulk.WORKER_NAME) for name in small_batches)
    small_batches.clear()
    _unthreaded(monkeypatch)
    serial = _import_into_fresh_vault(make_vault, "serial")
    assert set(small_batches) == {threading.current_thread().name}

    want, got = _tables(serial), _tables(piped)
    assert len(got["visit"]) > BATCH  # more than one batch of a type
    assert len(got["change_log"]) > 3 * BATCH
    assert got.keys() == want.keys()
    for table in want:  # table by table, so a failure names the table
        assert got[table] == want[table], table
    for vault in (piped, serial):
        with vault.read() as tx:
            assert connection(tx).exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        assert _state(vault)["audit_ok"]
        assert _state(vault)["seal_ok"]
    piped.lock()
    serial.lock()


def test_a_bad_record_in_a_late_batch_fails_as_the_serial_import_fails_and_writes_nothing(
    any_vault: Vault, small_batches: list[str]
) -> None:
    before = _state(any_vault)
    batch = list(generate(DemoSize.for_visits(60), seed=7, today=TODAY))
    bad = NewRecord("person", {"given_name": "\x00"})
    batch.insert(5 * BATCH + 3, bad)  # batch 6: prepared on the worker while 5 is written
    with pytest.raises(ValidationError) as caught:
        check_record(bad, today=TODAY)
    small_batches.clear()

    with pytest.raises(ValidationError) as raised:
        import_records(any_vault, batch)

    assert raised.value.errors == caught.value.errors
    assert small_batches[5].startswith(bulk.WORKER_NAME)
    assert _workers_alive() == []
    assert _state(any_vault) == before


def test_a_taken_id_while_the_next_batch_is_prepared_writes_nothing(
    any_vault: Vault, small_batches: list[str]
) -> None:
    first = list(generate(DemoSize.for_visits(5), seed=2, today=TODAY))
    import_records(any_vault, first)
    before = _state(any_vault)
    held = {r.id for r in first}
    batch = [r for r in generate(DemoSize.for_visits(60), seed=7, today=TODAY) if r.id not in held]
    batch.insert(3 * BATCH + 1, first[-1])  # batch 4 is refused in stage 2; batch 5 is prepared

    with pytest.raises(ValidationError, match="already in the vault"):
        import_records(any_vault, batch)

    assert _workers_alive() == []
    assert _state(any_vault) == before


def test_an_interrupted_import_stops_its_worker_and_writes_nothing(
    any_vault: Vault, small_batches: list[str]
) -> None:
    before = _state(any_vault)
    seen: list[int] = []

    def interrupt(count: int) -> None:
        seen.append(count)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_records(
            any_vault,
            list(generate(DemoSize.for_visits(60), seed=7, today=TODAY)),
            on_progress=interrupt,
        )

    assert seen == [BATCH, 2 * BATCH]
    assert _workers_alive() == []
    assert _state(any_vault) == before


def test_a_one_batch_import_prepares_on_the_calling_thread(
    vault: Vault, small_batches: list[str]
) -> None:
    count = import_records(vault, list(generate(DemoSize.for_visits(1), seed=3, today=TODAY))[:5])
    assert count == 5
    assert small_batches == [threading.current_thread().name]


def test_a_batch_prepared_before_midnight_is_checked_again_on_the_new_day(
    make_vault: Callable[..., Vault], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SteppingClock(datetime(2026, 11, 27, 23, 59, 0, tzinfo=UTC))
    vault = make_vault("midnight", now=clock)
    person = next(
        r for r in generate(DemoSize.for_visits(5), seed=3, today=TODAY) if r.type == "person"
    )
    checked_on: list[date] = []
    real = records.prepare_new

    def spy(batch: Sequence[NewRecord | CheckedRecord], **kwargs: Any) -> PreparedBatch:
        checked_on.append(kwargs["today"])
        return real(batch, **kwargs)

    monkeypatch.setattr(records, "prepare_new", spy)
    with vault.write() as tx:
        repo = vault.records(tx)
        prepared = repo.preparer([person])()
        clock.current += timedelta(minutes=2)  # past midnight before it is written
        written = repo.write_new(prepared)
    assert checked_on == [date(2026, 11, 27), date(2026, 11, 28)]
    assert [r.id for r in written] == [person.id]
    vault.lock()
