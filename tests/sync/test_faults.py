"""Network faults at every step of a sync, a server killed mid-push, a client killed mid-page."""

from __future__ import annotations

import dataclasses
import os
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.factories import PASSPHRASE, person, place
from tests.sync.conftest import PASSWORD, Laptop, Server
from tests.sync.faultproxy import Direction, Fault, FaultKind, FaultProxy

from fieldkit.domain.records import RecordType
from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.store import replica

HERE = Path(__file__).parent


@pytest.fixture
def proxy(request: pytest.FixtureRequest) -> Iterator[Callable[[Server], FaultProxy]]:
    made: list[FaultProxy] = []

    def make(server: Server) -> FaultProxy:
        made.append(FaultProxy(server.process.port))
        return made[-1]

    yield make
    for p in made:
        p.close()


def offline_work(laptop: Laptop, tag: str, *, count: int = 4) -> set[str]:
    service = RecordService(laptop.open())
    made = {
        service.create(record_type="person", fields=person(given_name=f"{tag} {i}")).id
        for i in range(count)
    }
    first = sorted(made)[0]
    service.update(record_type="person", record_id=first, changes={"family_name": f"Ed {tag}"})
    return made


def assert_all_there(server: Server, laptop: Laptop, expected: set[str]) -> None:
    view = server.view(laptop.username)
    held = laptop.records()
    assert held == view
    assert expected <= set(view)
    # No record twice over, no record invented: the server holds exactly what was made.
    assert len(view) == len(expected)
    assert laptop.engine().unsynced_count() == 0
    report = laptop.open().check()
    assert report.ok, report.problems


FAULTS = [
    (kind, direction)
    for kind in (FaultKind.RESET, FaultKind.TRUNCATE, FaultKind.BLACKHOLE)
    for direction in Direction
]


def test_a_fault_at_every_point_of_a_sync_loses_and_duplicates_nothing(
    sqlite_server: Server, laptops: Callable[..., Laptop], proxy: Callable[[Server], FaultProxy]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    faulty = proxy(server)
    # Small batches and pages, so that one sync makes many requests for the faults to land in.
    amy = laptops("amy", "amy", faulty.url, read_timeout=0.5, push_batch=2, pull_limit=3)
    expected = offline_work(amy, "warm-up")
    faulty.arm(None)
    assert amy.sync().outcome is SyncOutcome.OK
    expected |= offline_work(amy, "measure")
    faulty.arm(None)
    assert amy.sync().outcome is SyncOutcome.OK
    span_up, span_down = faulty.bytes_up, faulty.bytes_down
    assert span_up > 0
    assert span_down > 0
    outcomes: set[SyncOutcome] = set()
    points = 4
    for number, (kind, direction) in enumerate(FAULTS):
        span = span_up if direction is Direction.UP else span_down
        for step in range(points):
            tag = f"{kind}-{direction}-{step}"
            expected |= offline_work(amy, tag)
            # Alternate: with retries the sync rides the fault out; without, it stops and the
            # next sync resumes from the saved cursor and the outbox.
            assert amy.transport is not None
            # A short read timeout lets a black-holed request end quickly; the sync after the
            # fault has a generous one, so that a loaded machine's slow reply is not a failure.
            amy.transport.config = dataclasses.replace(
                amy.transport.config, max_attempts=1 + (step % 2) * 3, read_timeout=0.5
            )
            faulty.arm(Fault(kind, direction, at_byte=span * step // points + number))
            outcomes.add(amy.sync().outcome)
            assert faulty.fired, tag
            faulty.fired.clear()
            faulty.arm(None)
            amy.transport.config = dataclasses.replace(amy.transport.config, read_timeout=10.0)
            report = amy.sync()
            assert report.outcome is SyncOutcome.OK, (tag, report.message)
    assert outcomes <= {SyncOutcome.OK, SyncOutcome.OFFLINE}
    assert SyncOutcome.OFFLINE in outcomes
    assert_all_there(server, amy, expected)


def test_a_stalled_reply_times_out_and_the_next_sync_completes(
    sqlite_server: Server, laptops: Callable[..., Laptop], proxy: Callable[[Server], FaultProxy]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    faulty = proxy(server)
    amy = laptops("amy", "amy", faulty.url, read_timeout=0.3)
    assert amy.sync().outcome is SyncOutcome.OK  # signed in (a sign-in is never repeated)
    expected = offline_work(amy, "one")
    faulty.arm(Fault(FaultKind.DELAY, Direction.DOWN, at_byte=10, delay=1.0))
    first = amy.sync()
    assert first.outcome in {SyncOutcome.OK, SyncOutcome.OFFLINE}
    assert amy.transport is not None
    assert amy.transport.stats.retries >= 1
    assert amy.sync().outcome is SyncOutcome.OK
    assert_all_there(server, amy, expected)


def test_a_push_whose_reply_is_lost_is_replayed_as_duplicates(
    server: Server, laptops: Callable[..., Laptop], proxy: Callable[[Server], FaultProxy]
) -> None:
    server.admin.add_user("amy")
    faulty = proxy(server)
    amy = laptops("amy", "amy", faulty.url)
    expected = offline_work(amy, "lost-reply")
    faulty.drop_response_to(b"POST /v1/sync/push")
    report = amy.sync()
    assert faulty.fired == ["dropped response"]
    assert report.outcome is SyncOutcome.OK, report.message
    assert report.pushed == 5
    assert_all_there(server, amy, expected)


def test_the_server_killed_after_committing_a_push_loses_nothing_after_restart(
    server: Server, laptops: Callable[..., Laptop], proxy: Callable[[Server], FaultProxy]
) -> None:
    server.admin.add_user("amy")
    faulty = proxy(server)
    amy = laptops("amy", "amy", faulty.url)
    assert amy.sync().outcome is SyncOutcome.OK
    expected = offline_work(amy, "killed")
    faulty.drop_response_to(b"POST /v1/sync/push", then=server.process.kill)
    report = amy.sync()
    assert report.outcome is SyncOutcome.OFFLINE, report.message
    assert amy.engine().unsynced_count() == 5  # the laptop never heard the server accept them
    server.process.start()
    assert amy.sync().outcome is SyncOutcome.OK
    assert_all_there(server, amy, expected)


def test_a_client_killed_while_applying_a_page_resumes_from_the_last_saved_page(
    server: Server, laptops: Callable[..., Laptop]
) -> None:
    server.admin.add_user("amy")
    server.admin.add_user("sue", role="supervisor")
    sue = laptops("sue", "sue", server.url)
    made = {
        RecordService(sue.open()).create(record_type="place", fields=place(label=f"P{i}")).id
        for i in range(12)
    }
    assert sue.sync().outcome is SyncOutcome.OK
    amy = laptops("amy", "amy", server.url)
    amy.close()  # the child process has the vault to itself
    child = subprocess.Popen(
        [sys.executable, str(HERE / "crash_client.py"), str(amy.folder), server.url, "amy"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(_child_path())},
    )
    try:
        assert child.stdin is not None
        assert child.stdout is not None
        child.stdin.write(f"{PASSPHRASE}\n{PASSWORD}\n".encode())
        child.stdin.flush()
        ready, _, _ = select.select([child.stdout], [], [], 60)
        assert ready, "the child never reached page 3"
        line = child.stdout.readline()
        assert line.strip() == b"applying page 3", (line, child.stderr.read() if not line else "")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
    vault = amy.open()
    assert vault.check().ok
    with vault.read() as conn:
        held = len(list(vault.records(conn).iter_all(RecordType.PLACE)))
        cursor = replica.get_state(conn, "cursor")
    assert cursor is not None  # pages 1 and 2 were kept
    assert held == 2 * 4  # page 3 never committed
    assert amy.sync().outcome is SyncOutcome.OK
    assert made <= set(amy.records())
    assert_all_there(server, amy, made)


def _child_path() -> list[str]:
    """The repository root, then whatever path this test run was given (a worktree's src)."""
    inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return [str(HERE.parent.parent), *inherited]
