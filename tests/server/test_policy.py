"""The access policy on push and pull: roles, districts, restricted records, purges."""

from __future__ import annotations

import dataclasses
import itertools
import json
import uuid
from typing import Any, cast

import pytest
from sqlalchemy import insert, not_, select
from tests.server.conftest import START

from fieldkit.domain.records import SPECS, RecordSpec, RecordType, record_spec
from fieldkit_server.db import make_engine, run_in_transaction, session_factory
from fieldkit_server.models import Record
from fieldkit_server.policy import Principal, Role, Scope, can_see, write_refusal
from fieldkit_server.pull import visible

ME = "u-me"
HUDD = frozenset({"huddersfield"})


def _scope(
    record_type: str,
    *,
    restricted: bool = False,
    by: str = "u-other",
    district: str = "huddersfield",
    to: str | None = None,
) -> Scope:
    return Scope.of(record_type, [district], restricted=restricted, created_by=by, addressee=to)


@pytest.mark.parametrize(
    ("role", "safeguarding", "scope", "sees"),
    [
        (Role.OFFICER, False, _scope("visit"), True),
        (Role.OFFICER, False, _scope("visit", restricted=True), False),
        (Role.OFFICER, False, _scope("visit", restricted=True, by=ME), True),
        (Role.OFFICER, True, _scope("visit", restricted=True), True),
        (Role.OFFICER, False, _scope("tenancy_case"), False),
        (Role.HOUSING, False, _scope("tenancy_case"), True),
        (Role.HOUSING, False, _scope("closure", restricted=True), False),
        (Role.SUPERVISOR, False, _scope("closure", restricted=True), True),
        (Role.ADMIN, False, _scope("visit"), False),
        (Role.ADMIN, False, Scope.of("service", [], restricted=False, created_by=None), True),
        # Review decisions: the team reads them in its districts; administrators do not.
        (Role.OFFICER, False, _scope("review"), True),
        (Role.HOUSING, False, _scope("review"), True),
        (Role.SUPERVISOR, False, _scope("review"), True),
        (Role.ADMIN, False, _scope("review"), False),
        (Role.OFFICER, False, _scope("review", by=ME, district="rural"), False),
        (Role.OFFICER, False, _scope("review", restricted=True), False),
        (Role.OFFICER, True, _scope("review", restricted=True), True),
        (Role.HOUSING, False, _scope("review", restricted=True, by=ME), True),
        # A restricted record addressed to the user: seen as if they had written it.
        (Role.OFFICER, False, _scope("review", restricted=True, to=ME), True),
        (Role.HOUSING, False, _scope("review", restricted=True, to=ME), True),
        (Role.OFFICER, False, _scope("review", restricted=True, to="u-third"), False),
        (Role.OFFICER, False, _scope("review", to="u-third"), True),
        (Role.OFFICER, False, _scope("review", restricted=True, to=ME, district="rural"), False),
        (Role.OFFICER, False, _scope("tenancy_note", restricted=True, to=ME), False),
        (Role.ADMIN, False, _scope("review", restricted=True, to=ME), False),
        (Role.SUPERVISOR, False, _scope("review", restricted=True, to="u-third"), True),
    ],
)
def test_who_sees_what(role: Role, safeguarding: bool, scope: Scope, sees: bool) -> None:
    assert can_see(Principal(ME, role, HUDD, safeguarding), scope) is sees


def test_nobody_sees_records_outside_their_districts() -> None:
    rural = Scope.of("visit", ["rural"], restricted=False, created_by=ME)
    assert not can_see(Principal(ME, Role.SUPERVISOR, HUDD, True), rural)


@pytest.mark.parametrize(
    ("role", "before", "after", "allowed"),
    [
        (Role.OFFICER, None, _scope("visit", by=ME), True),
        (Role.OFFICER, _scope("person"), _scope("person"), False),
        (Role.OFFICER, _scope("person", by=ME), _scope("person", by=ME), True),
        (Role.OFFICER, None, _scope("tenancy_note", by=ME), False),
        (Role.HOUSING, None, _scope("tenancy_note", by=ME), True),
        (Role.SUPERVISOR, _scope("person"), _scope("person"), True),
        (Role.ADMIN, None, _scope("visit", by=ME), False),
        (Role.ADMIN, None, Scope.of("service", ["rural"], restricted=False, created_by=ME), True),
        (Role.OFFICER, None, Scope.of("service", [], restricted=False, created_by=ME), False),
        # Only supervisors write review decisions, and only in their districts.
        (Role.SUPERVISOR, None, _scope("review", by=ME), True),
        (Role.SUPERVISOR, None, _scope("review", by=ME, district="rural"), False),
        (Role.OFFICER, None, _scope("review", by=ME), False),
        (Role.OFFICER, _scope("review", by=ME), _scope("review", by=ME), False),
        (Role.HOUSING, None, _scope("review", by=ME), False),
        (Role.ADMIN, None, _scope("review", by=ME), False),
        # Being addressed lets a user see a record, never write it.
        (Role.OFFICER, _scope("review", to=ME), _scope("review", to=ME), False),
        (Role.OFFICER, _scope("visit", to=ME), _scope("visit", to=ME), False),
    ],
)
def test_who_writes_what(role: Role, before: Scope | None, after: Scope, allowed: bool) -> None:
    refusal = write_refusal(Principal(ME, role, HUDD, False), before=before, after=after)
    assert (refusal is None) is allowed


@pytest.mark.parametrize("role", [Role.OFFICER, Role.HOUSING])
def test_a_team_member_writing_a_review_is_told_only_supervisors_do(role: Role) -> None:
    refusal = write_refusal(
        Principal(ME, role, HUDD, True), before=None, after=_scope("review", by=ME)
    )
    assert refusal == "only supervisors record review decisions"


def test_every_case_type_is_in_some_role() -> None:
    principal = Principal(ME, Role.SUPERVISOR, HUDD, False)
    for record_type in RecordType:
        assert can_see(principal, _scope(record_type.value))


def test_officer_write_outside_district_is_rejected_and_logged(team: Any, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    result = laptop.push_one(laptop.upsert("visit", make_visit(district="rural")))
    assert result["status"] == "rejected"
    assert "rural" in result["reason"]
    laptop.sync()
    assert laptop.records == {}


def test_officer_may_not_edit_a_colleagues_record(team: Any, make_person: Any) -> None:
    olive = team.laptop("olive")
    oscar = team.laptop("oscar")
    create = olive.upsert("person", make_person())
    olive.push(create)
    edit = oscar.upsert("person", {"description": "edited"}, record_id=create["id"])
    result = oscar.push_one(edit)
    assert result["status"] == "rejected"
    assert "own" in result["reason"] or "created" in result["reason"]


def test_a_refused_change_never_partly_applies(team: Any, make_person: Any) -> None:
    olive = team.laptop("olive", districts=("huddersfield", "rural"))
    create = olive.upsert("person", make_person())
    olive.push(create)
    team.add_user("oscar")
    oscar = team.login("oscar")
    # Oscar tries to move Olive's record and rename it at once: neither field changes.
    move = oscar.upsert(
        "person", {"district": "rural", "given_name": "Changed"}, record_id=create["id"]
    )
    assert oscar.push_one(move)["status"] == "rejected"
    olive.sync()
    assert olive.records[create["id"]]["fields"]["given_name"] == "Sam"
    assert olive.records[create["id"]]["fields"]["district"] == "huddersfield"


def test_officer_sees_restricted_records_only_if_they_wrote_them(
    team: Any, make_visit: Any
) -> None:
    olive = team.laptop("olive")
    oscar = team.laptop("oscar")
    sue = team.laptop("sue", role="supervisor")
    mine = olive.upsert("visit", make_visit(categories=["domestic_abuse"]))
    plain = olive.upsert("visit", make_visit())
    olive.push(mine, plain)
    olive.sync()
    oscar.sync()
    sue.sync()
    assert olive.records[mine["id"]]["fields"]["sensitivity"] == "restricted"
    assert set(oscar.records) == {plain["id"]}
    assert set(sue.records) == {mine["id"], plain["id"]}


def test_officers_do_not_see_tenancy_records_but_housing_staff_do(team: Any) -> None:
    hana = team.laptop("hana", role="housing", agency="housing")
    olive = team.laptop("olive")
    case = hana.upsert(
        "tenancy_case",
        {"place_id": "0b7d1a4e-1111-4000-8000-000000000001", "district": "huddersfield"},
    )
    assert hana.push_one(case)["status"] == "applied"
    hana.sync()
    olive.sync()
    assert case["id"] in hana.records
    assert case["id"] not in olive.records


def test_admins_see_no_case_data(team: Any, make_visit: Any) -> None:
    olive = team.laptop("olive")
    olive.push(olive.upsert("visit", make_visit()))
    admin = team.laptop("ada", role="admin", districts=())
    admin.sync()
    assert admin.records == {}
    result = admin.push_one(admin.upsert("visit", make_visit()))
    assert result["status"] == "rejected"


def test_a_record_that_becomes_restricted_is_purged_from_those_who_may_no_longer_see_it(
    team: Any, make_visit: Any
) -> None:
    sue = team.laptop("sue", role="supervisor")
    oscar = team.laptop("oscar")
    record = sue.upsert("visit", make_visit())
    sue.push(record)
    oscar.sync()
    assert record["id"] in oscar.records
    sue.clock.advance(seconds=1)
    sue.push(
        sue.upsert(
            "visit",
            {"categories": ["hate_incident"]},
            record_id=record["id"],
            base={"categories": record["hlc"]},
        )
    )
    purged = oscar.sync()
    assert {"type": "visit", "id": record["id"]} in purged
    assert record["id"] not in oscar.records


def test_a_user_who_loses_a_district_is_told_to_purge_its_records(
    team: Any, make_visit: Any
) -> None:
    from fieldkit_server import accounts
    from fieldkit_server.db import make_engine, run_in_transaction, session_factory

    olive = team.laptop("olive", districts=("huddersfield", "rural"))
    hudd = olive.upsert("visit", make_visit())
    rural = olive.upsert("visit", make_visit(district="rural"))
    olive.push(hudd, rural)
    olive.sync()
    assert set(olive.records) == {hudd["id"], rural["id"]}
    engine = make_engine(team.settings.db_url)
    run_in_transaction(
        session_factory(engine),
        lambda s: accounts.set_user_districts(s, username="olive", districts=["huddersfield"]),
    )
    engine.dispose()
    purged = olive.sync()
    assert purged == [{"type": "visit", "id": rural["id"]}]
    assert set(olive.records) == {hudd["id"]}


def test_a_user_who_gains_a_district_receives_its_older_records(team: Any, make_visit: Any) -> None:
    from fieldkit_server import accounts
    from fieldkit_server.db import make_engine, run_in_transaction, session_factory

    sue = team.laptop("sue", role="supervisor", districts=("rural",))
    old = sue.upsert("visit", make_visit(district="rural"))
    sue.push(old)
    olive = team.laptop("olive")
    olive.sync()
    assert olive.records == {}
    engine = make_engine(team.settings.db_url)
    run_in_transaction(
        session_factory(engine),
        lambda s: accounts.set_user_districts(
            s, username="olive", districts=["huddersfield", "rural"]
        ),
    )
    engine.dispose()
    olive.sync()
    assert set(olive.records) == {old["id"]}


def test_the_pull_filter_in_sql_agrees_with_can_see_for_every_kind_of_record(db_url: str) -> None:
    """``pull.visible`` must list exactly what ``can_see`` allows, and NOT of it the rest."""
    other = "u-other"
    rows: list[dict[str, Any]] = []
    scopes: dict[str, Scope] = {}
    kinds = itertools.product(
        RecordType,
        ("huddersfield", "rural", None),
        (False, True),
        (ME, other, None),
        (ME, other, None),
        (False, True),
    )
    for seq, (record_type, district, restricted, created_by, addressee, held) in enumerate(
        kinds, start=1
    ):
        record_id = str(uuid.uuid4())
        districts = [district] if district else []
        scopes[record_id] = Scope.of(
            record_type.value,
            districts,
            restricted=restricted,
            created_by=created_by,
            addressee=addressee,
            processing_restricted=held,
        )
        rows.append(
            {
                "id": record_id,
                "type": record_type.value,
                "district": district,
                "restricted": restricted,
                "created_by": created_by,
                "addressee": addressee,
                "processing_restricted": held,
                "deleted": False,
                "deleted_hlc": None,
                "fields": json.dumps({}),
                "versions": json.dumps({}),
                "seq": seq,
                "created_at": START,
                "updated_at": START,
            }
        )
    principals = [
        Principal(ME, role, frozenset(districts), safeguarding)
        for role, districts, safeguarding in itertools.product(
            Role, ((), ("huddersfield",), ("huddersfield", "rural")), (False, True)
        )
    ]
    engine = make_engine(db_url)
    try:
        sessions = session_factory(engine)
        run_in_transaction(sessions, lambda s: s.execute(insert(Record), rows))
        with sessions() as session:
            for principal in principals:
                rule = visible(principal)
                seen = set(session.scalars(select(Record.id).where(rule)))
                unseen = set(session.scalars(select(Record.id).where(not_(rule))))
                expected = {rid for rid, scope in scopes.items() if can_see(principal, scope)}
                assert seen == expected, principal
                assert unseen == set(scopes) - expected, principal
    finally:
        engine.dispose()


def _review(district: str = "huddersfield", **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "subject_type": "visit",
        "subject_id": str(uuid.uuid4()),
        "decision": "returned",
        "comment": "Please add who was present.",
        "decided_at": "2026-11-27T11:00:00+00:00",
        "reviewer": "Sue",
        "officer": "Olive",
        "district": district,
    }
    fields.update(overrides)
    return fields


def test_a_supervisors_review_reaches_the_team_in_its_district_and_no_one_else(
    team: Any,
) -> None:
    sue = team.laptop("sue", role="supervisor", districts=("huddersfield", "rural"))
    olive = team.laptop("olive")
    hana = team.laptop("hana", role="housing", agency="housing")
    rory = team.laptop("rory", districts=("rural",))
    ada = team.laptop("ada", role="admin", districts=())
    review = sue.upsert("review", _review())
    assert sue.push_one(review)["status"] == "applied"
    for laptop in (olive, hana, rory, ada):
        laptop.sync()
    assert olive.records[review["id"]]["fields"]["decision"] == "returned"
    assert olive.records[review["id"]]["author"] == "sue"
    assert review["id"] in hana.records
    assert rory.records == {}
    assert ada.records == {}


def test_an_officer_may_not_write_or_alter_a_review(team: Any) -> None:
    sue = team.laptop("sue", role="supervisor")
    olive = team.laptop("olive")
    mine = olive.upsert("review", _review(decision="approved"))
    result = olive.push_one(mine)
    assert result == {
        "change_id": mine["change_id"],
        "status": "rejected",
        "reason": "only supervisors record review decisions",
    }
    theirs = sue.upsert("review", _review())
    sue.push(theirs)
    olive.clock.advance(seconds=1)
    edit = olive.upsert("review", {"comment": "done"}, record_id=theirs["id"])
    erase = olive.delete("review", theirs["id"])
    for change in (edit, erase):
        outcome = olive.push_one(change)
        assert outcome["status"] == "rejected"
        assert outcome["reason"] == "only supervisors record review decisions"
    olive.sync()
    assert olive.records[theirs["id"]]["fields"]["comment"] == "Please add who was present."
    assert mine["id"] not in olive.records


@pytest.fixture
def reviews_carry_sensitivity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reviews with a ``sensitivity`` field, as the laptop is about to send them.

    A no-op once the domain's review spec has the field; until then the spec is given it here.
    """
    spec = record_spec(RecordType.REVIEW)
    if not spec.has_sensitivity:
        sensitivity = record_spec(RecordType.VISIT).by_name["sensitivity"]
        monkeypatch.setitem(
            cast(dict[RecordType, RecordSpec], SPECS),
            RecordType.REVIEW,
            dataclasses.replace(spec, fields=(*spec.fields, sensitivity)),
        )


@pytest.mark.usefixtures("reviews_carry_sensitivity")
def test_a_restricted_review_reaches_the_officer_it_names_and_no_other(team: Any) -> None:
    sue = team.laptop("sue", role="supervisor")
    amy = team.laptop("amy")
    ben = team.laptop("ben")
    hidden = sue.upsert("review", _review(officer="amy", sensitivity="restricted"))
    unknown = sue.upsert("review", _review(officer="nobody", sensitivity="restricted"))
    plain = sue.upsert("review", _review(officer="amy"))
    for change in (hidden, unknown, plain):
        assert sue.push_one(change)["status"] == "applied"
    for laptop in (sue, amy, ben):
        laptop.sync()
    assert set(amy.records) == {hidden["id"], plain["id"]}
    assert set(ben.records) == {plain["id"]}
    assert set(sue.records) == {hidden["id"], unknown["id"], plain["id"]}
    received = amy.records[hidden["id"]]
    assert received["fields"]["sensitivity"] == "restricted"
    assert received["fields"]["comment"] == "Please add who was present."
    # Whom a record is addressed to stays on the server.
    assert "addressee" not in received
    assert "addressee" not in received["fields"]


@pytest.mark.usefixtures("reviews_carry_sensitivity")
def test_the_officer_a_review_names_is_matched_as_at_sign_in(team: Any) -> None:
    sue = team.laptop("sue", role="supervisor")
    amy = team.laptop("amy")
    review = sue.upsert("review", _review(officer=" Amy ", sensitivity="restricted"))
    assert sue.push_one(review)["status"] == "applied"
    amy.sync()
    assert set(amy.records) == {review["id"]}


@pytest.mark.usefixtures("reviews_carry_sensitivity")
def test_a_restricted_review_names_no_one_outside_the_officers_districts(team: Any) -> None:
    sue = team.laptop("sue", role="supervisor", districts=("huddersfield", "rural"))
    rory = team.laptop("rory", districts=("rural",))
    review = sue.upsert("review", _review(officer="rory", sensitivity="restricted"))
    assert sue.push_one(review)["status"] == "applied"
    rory.sync()
    assert rory.records == {}


@pytest.mark.usefixtures("reviews_carry_sensitivity")
def test_naming_another_officer_moves_a_restricted_review_to_them(team: Any) -> None:
    sue = team.laptop("sue", role="supervisor")
    amy = team.laptop("amy")
    ben = team.laptop("ben")
    review = sue.upsert("review", _review(officer="amy", sensitivity="restricted"))
    sue.push(review)
    amy.sync()
    ben.sync()
    assert set(amy.records) == {review["id"]}
    sue.clock.advance(seconds=1)
    sue.push(
        sue.upsert(
            "review", {"officer": "ben"}, record_id=review["id"], base={"officer": review["hlc"]}
        )
    )
    assert amy.sync() == [{"type": "review", "id": review["id"]}]
    assert amy.records == {}
    ben.sync()
    assert ben.records[review["id"]]["fields"]["officer"] == "ben"


@pytest.mark.usefixtures("reviews_carry_sensitivity")
def test_a_review_naming_an_officer_before_they_have_an_account_reaches_them_on_its_next_change(
    team: Any,
) -> None:
    sue = team.laptop("sue", role="supervisor")
    review = sue.upsert("review", _review(officer="amy", sensitivity="restricted"))
    sue.push(review)
    amy = team.laptop("amy")
    amy.sync()
    assert amy.records == {}
    sue.clock.advance(seconds=1)
    sue.push(
        sue.upsert(
            "review",
            {"comment": "Please add who was present, and when."},
            record_id=review["id"],
            base={"comment": review["hlc"]},
        )
    )
    amy.sync()
    assert set(amy.records) == {review["id"]}


@pytest.mark.usefixtures("reviews_carry_sensitivity")
def test_the_officer_a_deleted_review_named_is_sent_its_tombstone(team: Any) -> None:
    sue = team.laptop("sue", role="supervisor")
    amy = team.laptop("amy")
    review = sue.upsert("review", _review(officer="amy", sensitivity="restricted"))
    sue.push(review)
    amy.sync()
    sue.clock.advance(seconds=1)
    sue.push(sue.delete("review", review["id"]))
    amy.sync()
    assert amy.records[review["id"]]["deleted"] is True


def test_the_apps_role_vocabulary_names_every_server_role() -> None:
    from fieldkit.domain.vocabulary import USER_ROLE_LABELS, UserRole

    assert {r.value for r in UserRole} == {r.value for r in Role}
    assert set(USER_ROLE_LABELS) == set(UserRole)


def _trigger(owner: str, district: str = "huddersfield", **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "applicant_id": str(uuid.uuid4()),
        "received_on": "2026-11-27",
        "account": "Reported the noise three times since the summer.",
        "district": district,
        "owner": owner,
    }
    fields.update(overrides)
    return fields


def test_a_restricted_community_trigger_reaches_its_owner_and_supervisors_only(team: Any) -> None:
    sue = team.laptop("sue", role="supervisor")
    amy = team.laptop("amy")
    ben = team.laptop("ben")
    hana = team.laptop("hana", role="housing", agency="housing")
    restricted = sue.upsert("community_trigger", _trigger("amy", sensitivity="restricted"))
    plain = sue.upsert("community_trigger", _trigger("ben"))
    for change in (restricted, plain):
        assert sue.push_one(change)["status"] == "applied"
    for laptop in (amy, ben, hana):
        laptop.sync()
    assert set(amy.records) == {restricted["id"], plain["id"]}
    assert set(ben.records) == {plain["id"]}
    assert set(hana.records) == {plain["id"]}


def test_an_officer_records_a_community_trigger_only_in_their_districts(team: Any) -> None:
    olive = team.laptop("olive")
    inside = olive.upsert("community_trigger", _trigger("olive"))
    outside = olive.upsert("community_trigger", _trigger("olive", district="rural"))
    assert olive.push_one(inside)["status"] == "applied"
    refused = olive.push_one(outside)
    assert refused["status"] == "rejected"
    assert refused["reason"] == "district rural is not one of yours"


def _meeting(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "district": "huddersfield",
        "held_on": "2026-11-26",
        "chair": "sue",
        "attendees": ["Sue Supervisor | Kirklees Council", "PC Dan Shaw | Police"],
        "decisions": ["Evening patrols at the park"],
    }
    fields.update(overrides)
    return fields


def _meeting_action(meeting_id: str, assignee: str, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "meeting_id": meeting_id,
        "decision": "Evening patrols at the park",
        "what": "Patrol the park after dark for four weeks",
        "assignee": assignee,
        "agency": "Police",
        "due_on": "2026-12-24",
        "district": "huddersfield",
    }
    fields.update(overrides)
    return fields


def test_a_restricted_meetings_action_reaches_its_police_assignee_but_not_the_meeting(
    team: Any,
) -> None:
    sue = team.laptop("sue", role="supervisor")
    dan = team.laptop("dan", agency="police")
    ben = team.laptop("ben")
    meeting = sue.upsert("meeting", _meeting(sensitivity="restricted"))
    action = sue.upsert("asb_action", _meeting_action(meeting["id"], "dan"))
    other = sue.upsert("asb_action", _meeting_action(meeting["id"], "", agency="Fire"))
    for change in (meeting, action, other):
        assert sue.push_one(change)["status"] == "applied"
    for laptop in (dan, ben):
        laptop.sync()
    # The action inherits the meeting's restriction through its link, yet its assignee sees it;
    # no officer receives the meeting itself (its attendees and every decision).
    assert set(dan.records) == {action["id"]}
    assert set(ben.records) == set()


def test_officers_neither_write_meetings_nor_an_action_without_a_case_or_meeting(
    team: Any,
) -> None:
    dan = team.laptop("dan", agency="police")
    refused = dan.push_one(dan.upsert("meeting", _meeting(chair="dan")))
    assert refused["status"] == "rejected"
    assert refused["reason"] == "a officer may not write meeting records"
    orphan = _meeting_action(str(uuid.uuid4()), "dan")
    del orphan["meeting_id"]
    refused = dan.push_one(dan.upsert("asb_action", orphan))
    assert refused["status"] == "rejected"
    assert "an action belongs to a case or a meeting" in refused["reason"]
