"""The access policy for ASB cases, parties, risk assessments and actions: roles, districts,
sensitivity, and the owner's and assignee's rights."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from tests.server.conftest import Team

from fieldkit.domain.records import ASB_TYPES
from fieldkit_server.policy import Principal, Role, Scope, can_see, write_refusal

ME = "u-me"
OTHER = "u-other"
HUDD = frozenset({"huddersfield"})
ASB = sorted(t.value for t in ASB_TYPES)


def _scope(
    record_type: str,
    *,
    district: str = "huddersfield",
    restricted: bool = False,
    by: str = OTHER,
    to: str | None = None,
) -> Scope:
    return Scope.of(record_type, [district], restricted=restricted, created_by=by, addressee=to)


def _expected_sight(role: Role, safeguarding: bool, district: str, restricted: bool) -> bool:
    # Administrators hold no case work; information governance sees only records under a
    # restriction of processing (none here).
    if role in (Role.ADMIN, Role.GOVERNANCE, Role.ANALYST) or district != "huddersfield":
        return False
    return not restricted or role is Role.SUPERVISOR or safeguarding


@pytest.mark.parametrize("record_type", ASB)
@pytest.mark.parametrize(
    ("role", "safeguarding", "district", "restricted"),
    list(itertools.product(list(Role), [False, True], ["huddersfield", "rural"], [False, True])),
)
def test_every_role_sees_asb_records_in_its_districts_by_sensitivity(
    record_type: str, role: Role, safeguarding: bool, district: str, restricted: bool
) -> None:
    me = Principal(ME, role, HUDD, safeguarding)
    scope = _scope(record_type, district=district, restricted=restricted)
    assert can_see(me, scope) is _expected_sight(role, safeguarding, district, restricted)


@pytest.mark.parametrize("record_type", ASB)
@pytest.mark.parametrize(
    ("role", "district"), list(itertools.product(list(Role), ["huddersfield", "rural"]))
)
def test_every_case_working_role_opens_asb_work_only_in_its_districts(
    record_type: str, role: Role, district: str
) -> None:
    me = Principal(ME, role, HUDD, False)
    refusal = write_refusal(me, before=None, after=_scope(record_type, district=district, by=ME))
    allowed = role not in (Role.ADMIN, Role.GOVERNANCE, Role.ANALYST) and district == "huddersfield"
    assert (refusal is None) is allowed


@pytest.mark.parametrize("record_type", ["asb_case", "asb_action"])
def test_the_addressee_sees_restricted_asb_work_given_to_them(record_type: str) -> None:
    me = Principal(ME, Role.OFFICER, HUDD, False)
    assert can_see(me, _scope(record_type, restricted=True, to=ME))
    assert not can_see(me, _scope(record_type, restricted=True, to="u-third"))
    assert not can_see(me, _scope(record_type, restricted=True, to=ME, district="rural"))


@pytest.mark.parametrize("record_type", ["asb_case", "asb_action"])
def test_the_addressee_may_update_work_given_to_them_but_not_hand_it_on(record_type: str) -> None:
    me = Principal(ME, Role.OFFICER, HUDD, False)
    held = _scope(record_type, to=ME)
    assert write_refusal(me, before=held, after=held) is None
    handed_on = _scope(record_type, to="u-third")
    assert write_refusal(me, before=held, after=handed_on) == (
        "you may not hand over work that was given to you"
    )


def test_an_officer_may_not_edit_a_party_or_assessment_someone_else_wrote() -> None:
    me = Principal(ME, Role.OFFICER, HUDD, False)
    for record_type in ("asb_party", "asb_risk_assessment"):
        held = _scope(record_type)
        assert write_refusal(me, before=held, after=held) == (
            "you may edit only records you created"
        )


def test_an_officer_may_not_edit_an_action_given_to_someone_else() -> None:
    me = Principal(ME, Role.OFFICER, HUDD, False)
    held = _scope("asb_action", to="u-third")
    assert write_refusal(me, before=held, after=held) == "you may edit only records you created"


# --- through the server -----------------------------------------------------------------------

NOW = "2026-11-27T10:00:00+00:00"


def _case(owner: str, *, restricted: bool) -> dict[str, Any]:
    return {
        "reference": "HUD-2026-4B7Q2M-0001",
        "title": "Noise from the flat above",
        "category": "nuisance",
        "owner": owner,
        "opened_on": "2026-11-01",
        "district": "huddersfield",
        "sensitivity": "restricted" if restricted else "standard",
    }


def _action(case_id: str, assignee: str, **extra: Any) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "what": "Visit the victim and fit a door camera.",
        "assignee": assignee,
        "due_on": "2026-11-30",
        "case_reference": "HUD-2026-4B7Q2M-0001",
        "case_title": "Noise from the flat above",
        "district": "huddersfield",
        **extra,
    }


def test_an_action_on_a_restricted_case_reaches_its_assignee_and_no_other_officer(
    team: Team,
) -> None:
    olive = team.laptop("olive")
    oscar = team.laptop("oscar")
    otto = team.laptop("otto")
    case = olive.upsert("asb_case", _case("olive", restricted=True))
    action = olive.upsert("asb_action", _action(case["id"], "oscar"))
    assert {r["status"] for r in olive.push(case, action)["results"]} == {"applied"}
    oscar.sync()
    otto.sync()
    assert action["id"] in oscar.records
    assert oscar.records[action["id"]]["fields"]["case_title"] == "Noise from the flat above"
    assert action["id"] not in otto.records
    assert case["id"] not in otto.records


def test_the_assignee_records_the_outcome_of_an_action_given_to_them(team: Team) -> None:
    olive = team.laptop("olive")
    oscar = team.laptop("oscar")
    otto = team.laptop("otto")
    case = olive.upsert("asb_case", _case("olive", restricted=False))
    action = olive.upsert("asb_action", _action(case["id"], "oscar"))
    olive.push(case, action)
    oscar.clock.advance(seconds=1)
    done = {"status": "done", "outcome": "Camera fitted."}
    by_otto = otto.upsert("asb_action", done, record_id=action["id"], base=_bases(action, done))
    assert otto.push_one(by_otto)["status"] == "rejected"
    handed = {"assignee": "otto"}
    by_oscar = oscar.upsert(
        "asb_action", handed, record_id=action["id"], base=_bases(action, handed)
    )
    assert oscar.push_one(by_oscar)["status"] == "rejected"
    by_oscar = oscar.upsert("asb_action", done, record_id=action["id"], base=_bases(action, done))
    assert oscar.push_one(by_oscar)["status"] == "applied"


def test_the_owner_a_supervisor_named_may_update_the_case(team: Team) -> None:
    sue = team.laptop("sue", role="supervisor")
    olive = team.laptop("olive")
    case = sue.upsert("asb_case", _case("olive", restricted=True))
    assert sue.push_one(case)["status"] == "applied"
    olive.sync()
    assert case["id"] in olive.records
    olive.clock.advance(seconds=1)
    review = {"next_review_on": "2026-12-14"}
    change = olive.upsert("asb_case", review, record_id=case["id"], base=_bases(case, review))
    assert olive.push_one(change)["status"] == "applied"


def _bases(change: dict[str, Any], fields: dict[str, Any]) -> dict[str, str]:
    return dict.fromkeys(fields, change["hlc"])
