"""A merge of two records of one person, on real vaults and a real server process.

An officer records a visit naming a person she entered twice. Her supervisor merges the two on
his laptop and syncs; after the officer syncs, her visit names the record kept, the duplicate
shows as merged, and opening or finding the duplicate leads to the survivor. A visit she made
offline naming the duplicate, before she heard of the merge, still shows on the survivor's
timeline.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.factories import person, visit
from tests.sync.conftest import Laptop, Server

from fieldkit.domain.records import RecordType
from fieldkit.services.people import PeopleService
from fieldkit.services.person_merge import PersonMergeService
from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncOutcome


def _synced(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert not report.refused, report.refused


def test_a_merge_on_the_supervisors_laptop_reaches_the_officers_laptop(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy", role="officer")
    sqlite_server.admin.add_user("priya", role="supervisor")
    amy = laptops("amy", "amy", sqlite_server.url)
    priya = laptops("priya", "priya", sqlite_server.url)
    _synced(priya)  # the supervisor's laptop learns its role from the server

    records = RecordService(amy.open())
    kept = records.create(record_type="person", fields=person()).id
    duplicate = records.create(
        record_type="person", fields=person(given_name="Zoe", family_name="OBrien")
    ).id
    seen = records.create(
        record_type="visit", fields=visit(person_ids=[duplicate], officer_id="amy")
    ).id
    _synced(amy)
    _synced(priya)

    plan = PersonMergeService(priya.open()).merge(
        duplicate_id=duplicate, into_id=kept, reason="entered twice on one evening"
    )
    assert plan.moves == ((RecordType.VISIT, 1),)
    _synced(priya)

    # Before hearing of the merge, the officer records another visit naming the duplicate.
    later = records.create(
        record_type="visit",
        fields=visit(
            occurred_at="2026-11-28T10:15:00+00:00", person_ids=[duplicate], officer_id="amy"
        ),
    ).id
    _synced(amy)

    held = amy.records()
    assert held[seen][1]["person_ids"] == [kept]
    assert held[duplicate][1]["merged_into"] == kept
    assert held[duplicate][1]["given_name"] == "Zoe"  # its own history is kept
    people = PeopleService(amy.open(), RecordService(amy.open()), {})
    profile = people.profile(duplicate)
    assert profile.id == kept
    assert profile.merged_from == (duplicate,)
    assert {e.record_id for e in profile.timeline} >= {seen, later}
    found = [row.id for row in people.search("Zoe OBrien")]
    assert duplicate not in found
    assert found.count(kept) == 1
