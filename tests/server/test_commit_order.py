"""No missed change: pulls page in commit order and never skip a concurrently committing push.

These run on real PostgreSQL, where positions handed out before commit could otherwise become
visible out of order.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from fieldkit.domain.hlc import Hlc
from fieldkit.domain.records import RecordType
from fieldkit_server.db import make_engine, run_in_transaction, session_factory
from fieldkit_server.policy import Principal, Role
from fieldkit_server.pull import Cursor, Reader, pull_page
from fieldkit_server.push import IncomingChange, Op, Writer, push_changes

pytestmark = pytest.mark.postgres

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


class Server:
    """The push and pull services over one engine, as several request threads would use them."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = session_factory(self.engine)

    def push(
        self,
        changes: list[IncomingChange],
        *,
        device: str,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        run_in_transaction(
            self.sessions,
            lambda s: push_changes(
                s,
                writer=Writer(SUPERVISOR, device),
                changes=changes,
                device_seq=None,
                now=NOW,
                hlc_tolerance_millis=300_000,
                before_commit=before_commit,
            ),
        )

    def pull(self, device: str, since: str | None, limit: int) -> Any:
        cursor = Cursor.decode(since) if since else None
        return run_in_transaction(
            self.sessions,
            lambda s: pull_page(
                s, reader=Reader(SUPERVISOR, device), since=cursor, limit=limit, now=NOW
            ),
            isolation="REPEATABLE READ",
        )

    def pull_all(self, device: str, since: str | None, limit: int) -> tuple[dict[str, int], str]:
        seen: dict[str, int] = {}
        while True:
            page = self.pull(device, since, limit)
            seen.update({r.id: r.seq for r in page.records})
            since = page.next
            if not page.more:
                return seen, since


def test_concurrent_pushers_and_pullers_each_end_with_every_record(pg_url: str) -> None:
    server = Server(pg_url)
    pushers, batches, per_batch, pullers = 5, 12, 15, 3
    shared = [str(uuid.uuid4()) for _ in range(5)]
    pushed: set[str] = set()
    pushed_lock = threading.Lock()
    done = threading.Event()
    errors: list[BaseException] = []

    def jitter() -> None:
        # Widen the window between taking positions and committing, where a design that hands
        # out positions early would let a later position become visible first.
        time.sleep(random.uniform(0, 0.004))

    def pusher(n: int) -> None:
        try:
            device = f"dev-{n}"
            for b in range(batches):
                changes = [_person(device, b * per_batch + i) for i in range(per_batch)]
                changes.append(_person(device, 9000 + b, record_id=random.choice(shared)))
                server.push(changes, device=device, before_commit=jitter)
                with pushed_lock:
                    pushed.update(c.id for c in changes)
        except BaseException as exc:
            errors.append(exc)

    results: dict[int, dict[str, int]] = {}

    def puller(n: int) -> None:
        try:
            device, since, held = f"puller-{n}", None, {}
            while not done.is_set():
                page = server.pull(device, since, limit=7)
                held.update({r.id: r.seq for r in page.records})
                since = page.next
            rest, _ = server.pull_all(device, since, limit=50)
            held.update(rest)
            results[n] = held
        except BaseException as exc:
            errors.append(exc)

    push_threads = [threading.Thread(target=pusher, args=(n,)) for n in range(pushers)]
    pull_threads = [threading.Thread(target=puller, args=(n,)) for n in range(pullers)]
    for thread in pull_threads + push_threads:
        thread.start()
    for thread in push_threads:
        thread.join(timeout=120)
    done.set()
    for thread in pull_threads:
        thread.join(timeout=120)
    server.engine.dispose()
    assert not errors, errors
    assert len(pushed) == pushers * batches * per_batch + len(shared)
    final, _ = Server(pg_url).pull_all("fresh", None, limit=1000)
    assert set(final) == pushed
    for n in range(pullers):
        assert set(results[n]) == pushed, f"puller {n} missed records"
        # Every puller ends with each record at its latest position.
        assert results[n] == final


def test_a_push_committing_later_can_never_take_an_earlier_position(pg_url: str) -> None:
    server = Server(pg_url)
    first, second = _person("dev-a", 1), _person("dev-b", 2)
    paused, release = threading.Event(), threading.Event()

    def hold_open() -> None:
        paused.set()
        release.wait(timeout=30)

    a = threading.Thread(
        target=server.push, args=([first],), kwargs={"device": "dev-a", "before_commit": hold_open}
    )
    a.start()
    assert paused.wait(timeout=30)
    b = threading.Thread(target=server.push, args=([second],), kwargs={"device": "dev-b"})
    b.start()
    # B queues behind A's lock on the commit clock (taken to derive restriction, then to take
    # positions) instead of committing a later position first.
    waiting = 0
    with server.engine.connect() as conn:
        for _ in range(200):
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND query LIKE '%sync_clock%'"
                )
            ).scalar_one()
            if waiting:
                break
            conn.rollback()
            time.sleep(0.01)
    assert waiting == 1
    assert server.pull("watcher", None, limit=10).records == []
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)
    seqs, _ = server.pull_all("watcher2", None, limit=10)
    assert seqs[first.id] < seqs[second.id]
    server.engine.dispose()
