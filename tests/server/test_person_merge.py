"""Merging two records of one person at the server: only a supervisor merges, and a
supervisor repoints other officers' records only from a merged duplicate to its survivor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from tests.factories import person, visit
from tests.server.conftest import Laptop, Team

from fieldkit_server.db import make_engine, session_factory
from fieldkit_server.models import AuditEvent


def _two_people_and_a_visit(amy: Laptop) -> tuple[str, str, str]:
    duplicate = amy.upsert("person", person(given_name="Zoe"))
    survivor = amy.upsert("person", person())
    seen = amy.upsert("visit", visit(person_ids=[duplicate["id"]], officer_id="amy"))
    results = amy.push(duplicate, survivor, seen)["results"]
    assert [r["status"] for r in results] == ["applied"] * 3, results
    return duplicate["id"], survivor["id"], seen["id"]


def _relink(laptop: Laptop, visit_id: str, people: list[str]) -> dict[str, Any]:
    # A later stamp than the visit's, so that the edit wins whatever the devices' ids.
    return laptop.upsert(
        "visit", {"person_ids": people}, record_id=visit_id, hlc=laptop.hlc(counter=5)
    )


def _merge(laptop: Laptop, duplicate: str, survivor: str) -> dict[str, Any]:
    return laptop.upsert(
        "person", {"merged_into": survivor}, record_id=duplicate, hlc=laptop.hlc(counter=5)
    )


def test_officer_cannot_repoint_another_officers_visit(team: Team) -> None:
    team.add_user("amy")
    team.add_user("ben")
    amy, ben = team.login("amy"), team.login("ben")
    _duplicate, survivor, seen = _two_people_and_a_visit(amy)
    result = ben.push_one(_relink(ben, seen, [survivor]))
    assert result["status"] == "rejected"
    assert result["reason"] == "you may edit only records you created"


def test_officer_cannot_mark_a_person_merged(team: Team) -> None:
    team.add_user("amy")
    amy = team.login("amy")
    duplicate, survivor, _ = _two_people_and_a_visit(amy)
    result = amy.push_one(_merge(amy, duplicate, survivor))
    assert result["status"] == "rejected"
    assert result["reason"] == "only a supervisor merges people"


def test_supervisor_cannot_repoint_another_officers_visit_without_a_merge(team: Team) -> None:
    team.add_user("amy")
    team.add_user("sue", role="supervisor")
    amy, sue = team.login("amy"), team.login("sue")
    _duplicate, survivor, seen = _two_people_and_a_visit(amy)
    result = sue.push_one(_relink(sue, seen, [survivor]))
    assert result["status"] == "rejected"
    assert "merge" in result["reason"]


def test_supervisor_repoints_another_officers_visit_in_a_merge_and_it_is_audited(
    team: Team,
) -> None:
    team.add_user("amy")
    team.add_user("sue", role="supervisor")
    amy, sue = team.login("amy"), team.login("sue")
    duplicate, survivor, seen = _two_people_and_a_visit(amy)
    results = sue.push(_merge(sue, duplicate, survivor), _relink(sue, seen, [survivor]))["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    amy.sync()
    assert amy.records[seen]["fields"]["person_ids"] == [survivor]
    assert amy.records[duplicate]["fields"]["merged_into"] == survivor
    engine = make_engine(team.settings.db_url)
    try:
        with session_factory(engine)() as s:
            merged = s.scalars(
                select(AuditEvent.record_id).where(AuditEvent.action == "merge_people")
            ).all()
    finally:
        engine.dispose()
    assert sorted(merged) == sorted([duplicate, seen])


def test_a_merge_may_not_carry_other_changes_to_another_officers_record(team: Team) -> None:
    team.add_user("amy")
    team.add_user("sue", role="supervisor")
    amy, sue = team.login("amy"), team.login("sue")
    duplicate, survivor, seen = _two_people_and_a_visit(amy)
    assert sue.push_one(_merge(sue, duplicate, survivor))["status"] == "applied"
    sneaky = sue.upsert(
        "visit",
        {"person_ids": [survivor], "narrative": "rewritten"},
        record_id=seen,
        hlc=sue.hlc(counter=6),
    )
    result = sue.push_one(sneaky)
    assert result["status"] == "rejected"
    assert result["reason"] == "a merge changes only the fields that name a person"
    elsewhere = sue.upsert("person", person(given_name="Someone"))
    assert sue.push_one(elsewhere)["status"] == "applied"
    wrong = sue.push_one(_relink(sue, seen, [elsewhere["id"]]))
    assert wrong["status"] == "rejected"


def test_a_person_cannot_be_merged_into_their_own_record(team: Team) -> None:
    team.add_user("amy")
    team.add_user("sue", role="supervisor")
    amy, sue = team.login("amy"), team.login("sue")
    duplicate, _, _ = _two_people_and_a_visit(amy)
    result = sue.push_one(_merge(sue, duplicate, duplicate))
    assert result["status"] == "rejected"
