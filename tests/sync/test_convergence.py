"""Three laptops with offline work, synced in every order, end equal to the server's view."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

from tests.factories import person, place, visit
from tests.sync.conftest import Laptop, Server

from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncOutcome

ORDERS = list(itertools.permutations(range(3)))


def sync_ok(laptop: Laptop) -> Any:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    return report


def settle(laptops: Sequence[Laptop], order: Sequence[int] = (0, 1, 2)) -> None:
    """Sync in the given order, twice, so every laptop has seen every other's work."""
    for _round in range(2):
        for index in order:
            sync_ok(laptops[index])


def assert_converged(server: Server, laptops: Sequence[Laptop]) -> dict[str, Any]:
    views = {laptop.username: server.view(laptop.username) for laptop in laptops}
    for laptop in laptops:
        assert laptop.records() == views[laptop.username], laptop.folder.name
        report = laptop.open().check()
        assert report.ok, report.problems
    return views[laptops[0].username]


def team(server: Server, laptops: Callable[..., Laptop]) -> list[Laptop]:
    server.admin.add_user("amy", role="officer")
    server.admin.add_user("sue", role="supervisor")
    return [
        laptops("amy-1", "amy", server.url),
        laptops("amy-2", "amy", server.url),
        laptops("sue-1", "sue", server.url),
    ]


def test_offline_work_synced_in_every_order_converges_with_conflicts_recorded(
    server: Server, laptops: Callable[..., Laptop]
) -> None:
    crew = team(server, laptops)
    amy1, amy2, sue = crew
    settle(crew)
    for round_no, order in enumerate(ORDERS):
        # Shared records everyone holds before going offline.
        shared = RecordService(amy1.open()).create(record_type="person", fields=person())
        doomed = RecordService(amy1.open()).create(
            record_type="visit", fields=visit(officer_id="amy")
        )
        settle(crew)
        conflicts_before = len(server.conflicts("sue"))

        # Offline work: new records; different fields of one record; the same field; a delete
        # racing an edit.
        a1 = RecordService(amy1.open())
        a2 = RecordService(amy2.open())
        s = RecordService(sue.open())
        new_by_amy1 = a1.create(record_type="place", fields=place(label=f"Library {round_no}"))
        new_by_amy2 = a2.create(record_type="person", fields=person(given_name=f"Pat {round_no}"))
        new_by_sue = s.create(
            record_type="visit", fields=visit(narrative=f"Round {round_no}", officer_id="sue")
        )
        a1.update(record_type="person", record_id=shared.id, changes={"given_name": "Amy-one"})
        a2.update(record_type="person", record_id=shared.id, changes={"family_name": "Two"})
        s.update(record_type="person", record_id=shared.id, changes={"given_name": "Sue-set"})
        s.update(record_type="visit", record_id=doomed.id, changes={"narrative": "Edited"})
        a2.delete(record_type="visit", record_id=doomed.id)

        settle(crew, order)
        seen = assert_converged(server, crew)

        assert {new_by_amy1.id, new_by_amy2.id, new_by_sue.id} <= set(seen)
        _kind, fields = seen[shared.id]
        assert fields["family_name"] == "Two"
        assert fields["given_name"] in {"Amy-one", "Sue-set"}
        assert doomed.id not in seen
        conflicts = server.conflicts("sue")[conflicts_before:]
        assert any(c["record_id"] == shared.id and c["field"] == "given_name" for c in conflicts), (
            order,
            conflicts,
        )
        for laptop in crew:
            assert laptop.engine().unsynced_count() == 0
