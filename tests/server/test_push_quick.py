"""A small push of new records commits with its last writes; anything else as before.

On PostgreSQL a push of up to ``quick.QUICK_MAX`` changes that only adds records sends its
writes, the commit clock and ``COMMIT`` in one pipeline, and re-checks under the clock's lock
what the ordinary path would read there; when that finds something the transaction fails as a
serialisation failure and the push runs again the ordinary way.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fieldkit.domain.hlc import Hlc
from fieldkit.domain.records import RecordType
from fieldkit_server.db import make_engine, run_in_transaction, session_factory
from fieldkit_server.models import Change, Device, Record
from fieldkit_server.policy import Principal, Role
from fieldkit_server.pull import Cursor, Reader, pull_page
from fieldkit_server.push import IncomingChange, Op, PushOutcome, Writer, push_changes, quick
from fieldkit_server.push.quick import QUICK_MAX

from .conftest import Team, visit

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SUPERVISOR = Principal("u-sue", Role.SUPERVISOR, frozenset({"huddersfield"}), False)


def _person(device: str, counter: int, record_id: str | None = None) -> IncomingChange:
    return IncomingChange(
        change_id=str(uuid.uuid4()),
        type=RecordType.PERSON,
        id=record_id or str(uuid.uuid4()),
        op=Op.UPSERT,
        hlc=str(Hlc(int(NOW.timestamp() * 1000), counter, device)),
        fields={"given_name": f"P{counter}", "district": "huddersfield"},
        base={},
    )


def _signposting(device: str, counter: int, visit_id: str) -> IncomingChange:
    """A signposting given at a visit: it links to the visit (and is restricted with it)."""
    return IncomingChange(
        change_id=str(uuid.uuid4()),
        type=RecordType.SIGNPOSTING,
        id=str(uuid.uuid4()),
        op=Op.UPSERT,
        hlc=str(Hlc(int(NOW.timestamp() * 1000), counter, device)),
        fields={
            "person_id": str(uuid.uuid4()),
            "service_ids": [],
            "given_at": "2026-11-27T10:00:00+00:00",
            "method": "leaflet",
            "visit_id": visit_id,
            "district": "huddersfield",
        },
        base={},
    )


def _restricted_visit(device: str, counter: int, visit_id: str) -> IncomingChange:
    return IncomingChange(
        change_id=str(uuid.uuid4()),
        type=RecordType.VISIT,
        id=visit_id,
        op=Op.UPSERT,
        hlc=str(Hlc(int(NOW.timestamp() * 1000), counter, device)),
        fields=visit(categories=["domestic_abuse"], officer_id="sue"),
        base={},
    )


def _push(
    engine: Engine,
    changes: list[IncomingChange],
    *,
    may_commit: bool,
    device: str = "dev-a",
    inside: Callable[[], None] | None = None,
    before_commit: Callable[[], None] | None = None,
) -> PushOutcome:
    """Push as the API does: the first attempt may commit itself, a retry goes the ordinary way."""
    attempts = 0

    def work(session: Session) -> PushOutcome:
        nonlocal attempts
        attempts += 1
        outcome = push_changes(
            session,
            writer=Writer(SUPERVISOR, device),
            changes=changes,
            device_seq=None,
            now=NOW,
            hlc_tolerance_millis=300_000,
            before_commit=before_commit,
            may_commit=may_commit and attempts == 1,
        )
        if inside is not None:
            inside()
        return outcome

    return run_in_transaction(session_factory(engine), work)


def _committed_ids(url: str) -> set[str]:
    """The record ids another connection sees committed."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(select(Record.id)))
    finally:
        engine.dispose()


def test_a_small_push_of_new_records_is_committed_with_its_last_writes(pg_url: str) -> None:
    engine = make_engine(pg_url)
    changes = [_person("dev-a", n) for n in range(5)]
    seen_before_caller_commits: set[str] = set()
    outcome = _push(
        engine,
        changes,
        may_commit=True,
        inside=lambda: seen_before_caller_commits.update(_committed_ids(pg_url)),
    )
    assert {r.status.value for r in outcome.results} == {"applied"}
    # Committed by the push itself, before the caller's commit (which then has nothing to do).
    assert seen_before_caller_commits == {c.id for c in changes}
    with engine.connect() as conn:
        seqs = sorted(conn.scalars(select(Record.seq)))
        logged = set(conn.scalars(select(Change.change_id)))
        last_seq = conn.execute(text("SELECT last_seq FROM sync_clock")).scalar_one()
    assert seqs == list(range(last_seq - 4, last_seq + 1))
    assert logged == {c.change_id for c in changes}
    assert outcome.server_hlc >= max(c.hlc for c in changes)
    engine.dispose()


def test_a_push_over_the_quick_size_is_committed_by_its_caller(pg_url: str) -> None:
    engine = make_engine(pg_url)
    changes = [_person("dev-a", n) for n in range(QUICK_MAX + 1)]
    seen_before_caller_commits: set[str] = set()
    outcome = _push(
        engine,
        changes,
        may_commit=True,
        inside=lambda: seen_before_caller_commits.update(_committed_ids(pg_url)),
    )
    assert {r.status.value for r in outcome.results} == {"applied"}
    assert seen_before_caller_commits == set()
    assert _committed_ids(pg_url) == {c.id for c in changes}
    engine.dispose()


def test_a_push_of_exactly_the_quick_size_commits_with_its_last_writes(pg_url: str) -> None:
    engine = make_engine(pg_url)
    changes = [_person("dev-a", n) for n in range(QUICK_MAX)]
    seen_before_caller_commits: set[str] = set()
    _push(
        engine,
        changes,
        may_commit=True,
        inside=lambda: seen_before_caller_commits.update(_committed_ids(pg_url)),
    )
    assert seen_before_caller_commits == {c.id for c in changes}
    engine.dispose()


def test_a_quick_push_of_a_record_others_link_to_fails_whole_and_then_restricts_them(
    pg_url: str,
) -> None:
    engine = make_engine(pg_url)
    visit_id = str(uuid.uuid4())
    # A signposting given at a visit the server does not hold yet.
    dependent = _signposting("dev-a", 1, visit_id)
    assert _push(engine, [dependent], may_commit=False).results[0].status.value == "applied"
    arriving = _restricted_visit("dev-b", 2, visit_id)
    # The re-check under the clock's lock finds the stored link: nothing is committed.
    with pytest.raises(DBAPIError) as failure:
        run_in_transaction(
            session_factory(engine),
            lambda s: push_changes(
                s,
                writer=Writer(SUPERVISOR, "dev-b"),
                changes=[arriving],
                device_seq=None,
                now=NOW,
                hlc_tolerance_millis=300_000,
                may_commit=True,
            ),
            attempts=1,
        )
    assert getattr(failure.value.orig, "sqlstate", None) == "40001"
    assert visit_id not in _committed_ids(pg_url)
    with engine.connect() as conn:
        assert conn.scalar(select(Change.change_id).where(Change.record_id == visit_id)) is None
    # Run again the ordinary way: the signposting given at the restricted visit is restricted.
    outcome = _push(engine, [arriving], may_commit=True, device="dev-b")
    assert [r.status.value for r in outcome.results] == ["applied"]
    with engine.connect() as conn:
        restricted = dict(conn.execute(select(Record.id, Record.restricted)).all())
    assert restricted == {visit_id: True, dependent.id: True}
    engine.dispose()


def test_a_quick_push_naming_a_record_that_arrived_after_it_was_read_runs_the_ordinary_way(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(pg_url)
    visit_id = str(uuid.uuid4())
    dependent = _signposting("dev-a", 1, visit_id)
    restricted_visit = _restricted_visit("dev-b", 2, visit_id)
    finish = quick.finish
    arrivals: list[str] = []

    def person_arrives_first(*args: Any, **kwargs: Any) -> str:
        # After the signposting's push read that its visit is not there, before it takes the
        # clock, another push brings the visit (restricted) and commits.
        if not arrivals:
            arrivals.append(visit_id)
            _push(engine, [restricted_visit], may_commit=False, device="dev-b")
        return finish(*args, **kwargs)

    monkeypatch.setattr(quick, "finish", person_arrives_first)
    outcome = _push(engine, [dependent], may_commit=True)
    assert arrivals == [visit_id]
    assert [r.status.value for r in outcome.results] == ["applied"]
    with engine.connect() as conn:
        restricted = dict(conn.execute(select(Record.id, Record.restricted)).all())
        logged = conn.scalar(
            select(text("count(*)")).select_from(Change).where(Change.record_id == dependent.id)
        )
    assert restricted == {visit_id: True, dependent.id: True}
    assert logged == 1
    engine.dispose()


def test_quick_and_ordinary_pushes_at_once_leave_no_puller_behind(pg_url: str) -> None:
    engine = make_engine(pg_url)
    sessions = session_factory(engine)
    pushers, batches = 4, 8
    shared = [str(uuid.uuid4()) for _ in range(3)]
    pushed: set[str] = set()
    lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def pusher(n: int) -> None:
        try:
            device = f"dev-{n}"
            for b in range(batches):
                changes = [_person(device, b * 10 + i) for i in range(5)]
                if n == 0:
                    # Edits of shared records go the ordinary way, between the quick ones.
                    changes.append(_person(device, 900 + b, record_id=shared[b % len(shared)]))
                _push(engine, changes, may_commit=True, device=device)
                with lock:
                    pushed.update(c.id for c in changes)
        except BaseException as exc:
            errors.append(exc)

    results: dict[int, set[str]] = {}

    def pull(device: str, since: str | None, limit: int) -> Any:
        cursor = Cursor.decode(since) if since else None
        return run_in_transaction(
            sessions,
            lambda s: pull_page(
                s, reader=Reader(SUPERVISOR, device), since=cursor, limit=limit, now=NOW
            ),
            isolation="REPEATABLE READ",
        )

    def puller(n: int) -> None:
        try:
            device, since, held = f"puller-{n}", None, set()
            while True:
                finished = done.is_set()
                page = pull(device, since, 7)
                held.update(r.id for r in page.records)
                since = page.next
                if finished and not page.more:
                    break
            results[n] = held
        except BaseException as exc:
            errors.append(exc)

    push_threads = [threading.Thread(target=pusher, args=(n,)) for n in range(pushers)]
    pull_threads = [threading.Thread(target=puller, args=(n,)) for n in range(2)]
    for thread in pull_threads + push_threads:
        thread.start()
    for thread in push_threads:
        thread.join(timeout=120)
    done.set()
    for thread in pull_threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(pushed) == pushers * batches * 5 + len(shared)
    for n in range(2):
        assert results[n] == pushed, f"puller {n} missed records"
    engine.dispose()


def test_a_small_push_replayed_is_answered_from_the_log_and_writes_nothing(
    team: Team, db_url: str
) -> None:
    laptop = team.laptop("olive")
    batch = [laptop.upsert("visit", visit()) for _ in range(5)]
    first = laptop.push(*batch, device_seq=5)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        before = dict(conn.execute(select(Record.id, Record.seq)).all())
    again = laptop.push(*batch, device_seq=5)
    with engine.connect() as conn:
        after = dict(conn.execute(select(Record.id, Record.seq)).all())
        changes = conn.scalar(text("SELECT count(*) FROM changes"))
        device_seq = conn.scalar(
            select(Device.last_device_seq).where(Device.id == laptop.device_id)
        )
    engine.dispose()
    assert [r["status"] for r in first["results"]] == ["applied"] * 5
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 5
    assert after == before
    assert set(before) == {c["id"] for c in batch}
    assert changes == 5
    assert device_seq == 5


def test_a_small_push_keeps_the_device_numbers_highest_change(team: Team, db_url: str) -> None:
    laptop = team.laptop("olive")
    laptop.push(laptop.upsert("visit", visit()), device_seq=9)
    laptop.push(laptop.upsert("visit", visit()), device_seq=4)
    laptop.push(laptop.upsert("visit", visit()))
    engine = make_engine(db_url)
    with engine.connect() as conn:
        device_seq = conn.scalar(
            select(Device.last_device_seq).where(Device.id == laptop.device_id)
        )
    engine.dispose()
    assert device_seq == 9
