"""A first sync fetches the next page while it applies one, and still commits page by page."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests.factories import place
from tests.sync.conftest import Laptop, Server

from fieldkit.domain.records import RecordType
from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncHooks, SyncOutcome
from fieldkit.store import replica
from fieldkit.sync.protocol import PullPage

#: Bounds every wait below; a correct engine never comes near it.
WAIT_S = 20.0


class _Stop(Exception):
    pass


def _made_places(laptop: Laptop, count: int) -> set[str]:
    service = RecordService(laptop.open())
    return {
        service.create(record_type="place", fields=place(label=f"P{i}")).id for i in range(count)
    }


def test_the_next_page_is_fetched_while_a_page_is_being_applied(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy")
    sqlite_server.admin.add_user("sue", role="supervisor")
    sue = laptops("sue", "sue", sqlite_server.url)
    made = _made_places(sue, 9)
    assert sue.sync().outcome is SyncOutcome.OK
    fetched: list[threading.Event] = [threading.Event() for _ in range(4)]
    overlapped: list[int] = []

    def page_applying(number: int) -> None:
        # Inside page 1's transaction, before it commits: page 2 is already on its way.
        if number <= 2 and fetched[number].wait(WAIT_S):
            overlapped.append(number)

    amy = laptops("amy", "amy", sqlite_server.url, pull_limit=4)
    amy.hooks = SyncHooks(before_page_commit=page_applying)
    engine = amy.engine()
    transport = amy.transport
    assert transport is not None
    pull = transport.pull
    calls = 0

    def counting_pull(*, since: str | None, limit: int) -> PullPage:
        nonlocal calls
        calls += 1
        number = calls
        page = pull(since=since, limit=limit)
        if number <= len(fetched):
            fetched[number - 1].set()
        return page

    transport.pull = counting_pull  # type: ignore[method-assign]
    assert engine.run().outcome is SyncOutcome.OK
    assert overlapped == [1, 2]
    assert calls == 3  # 4 + 4 + 1: nothing is fetched after the last page
    assert made <= set(amy.records())


def test_a_page_fetched_ahead_of_a_failure_is_not_kept_and_the_next_sync_gets_it(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy")
    sqlite_server.admin.add_user("sue", role="supervisor")
    sue = laptops("sue", "sue", sqlite_server.url)
    made = _made_places(sue, 12)
    assert sue.sync().outcome is SyncOutcome.OK

    def stop_at_page_two(number: int) -> None:
        if number == 2:
            raise _Stop

    amy = laptops("amy", "amy", sqlite_server.url, pull_limit=4)
    amy.hooks = SyncHooks(before_page_commit=stop_at_page_two)
    try:
        amy.sync()
    except _Stop:
        pass
    else:
        raise AssertionError("the hook did not stop the sync")
    vault = amy.open()
    with vault.read() as conn:
        held = len(list(vault.records(conn).iter_all(RecordType.PLACE)))
        first_cursor = replica.get_state(conn, "cursor")
    # Page 1 committed; page 2 rolled back; page 3, fetched ahead, was dropped.
    assert held == 4
    assert first_cursor is not None
    amy.hooks = None
    amy.close()
    assert amy.sync().outcome is SyncOutcome.OK
    assert made <= set(amy.records())
    assert amy.open().check().ok
