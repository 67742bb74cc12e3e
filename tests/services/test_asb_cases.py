"""ASB cases in the app: opened from a visit or a person, parties, risk, actions and timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from fieldkit.domain.asb import REFERENCE
from fieldkit.domain.records import RecordType, ValidationError
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store.asb_cases import CaseFilter
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

HIGH = {
    "repeat": "yes",
    "targeted": "yes",
    "hate": "no",
    "disability": "yes",
    "isolated": "yes",
    "children": "no",
    "health": "yes",
    "daily_life": "yes",
    "fear_home": "yes",
    "moving": "yes",
    "property": "no",
    "violence": "no",
    "harm_self": "no",
    "frequency": "daily",
    "duration": "months",
    "reported_before": "no",
}
STANDARD = dict.fromkeys(HIGH, "no") | {
    "frequency": "rarely",
    "duration": "under_month",
}


@pytest.fixture
def workspace(vault: Vault) -> Workspace:
    return open_workspace(vault, documents=DocumentService(vault))


def _visit(vault: Vault, *, categories: list[str] | None = None) -> str:
    with vault.write() as conn:
        repo = vault.records(conn)
        place = repo.create("place", {"label": "14 Hill Street", "district": "huddersfield"}).id
        return repo.create(
            "visit",
            {
                "occurred_at": "2026-11-26T21:00:00+00:00",
                "place_id": place,
                "district": "huddersfield",
                "kind": "patrol",
                "categories": categories or ["noise"],
                "narrative": "Loud music from flat 3 until 2am, third night running.",
                "officer_id": "amy.officer",
            },
        ).id


def _person(ws: Workspace, given: str = "Dawn", family: str = "Pickles") -> str:
    return ws.records.create(
        record_type="person",
        fields={"given_name": given, "family_name": family, "district": "huddersfield"},
    ).id


def test_a_case_opened_from_a_visit_takes_its_district_place_categories_and_link(
    workspace: Workspace, vault: Vault
) -> None:
    visit = _visit(vault)
    case_id = workspace.asb.open_case(
        title="Noise from flat 3", category="nuisance", from_visit=visit
    )
    view = workspace.asb.case(case_id)
    assert REFERENCE.match(view.reference)
    assert view.reference.startswith("HUD-2026-")
    assert view.district == "Huddersfield"
    assert view.local_categories == ("noise",)
    assert view.owner == "amy.officer"
    assert [(e.kind, e.record_id) for e in view.timeline] == [("Visit", visit)]
    assert not view.restricted


def test_a_case_opened_from_a_safeguarding_visit_is_restricted(
    workspace: Workspace, vault: Vault
) -> None:
    visit = _visit(vault, categories=["hate_incident"])
    case_id = workspace.asb.open_case(
        title="Abuse shouted at family", category="personal", from_visit=visit
    )
    assert workspace.asb.case(case_id).restricted


def test_references_are_numbered_on_the_laptop_and_never_repeat(workspace: Workspace) -> None:
    first = workspace.asb.case(
        workspace.asb.open_case(title="A", category="nuisance", district="rural")
    )
    second = workspace.asb.case(
        workspace.asb.open_case(title="B", category="nuisance", district="rural")
    )
    other = workspace.asb.case(
        workspace.asb.open_case(title="C", category="nuisance", district="huddersfield")
    )
    assert first.reference.endswith("-0001")
    assert second.reference.endswith("-0002")
    assert other.reference.endswith("-0001")
    assert first.reference.split("-")[2] == second.reference.split("-")[2]


def test_a_bad_case_writes_nothing_and_does_not_use_up_a_number(workspace: Workspace) -> None:
    with pytest.raises(ValidationError, match="category"):
        workspace.asb.open_case(title="A", category="loud", district="rural")
    assert workspace.asb.cases() == []
    case_id = workspace.asb.open_case(title="A", category="nuisance", district="rural")
    assert workspace.asb.case(case_id).reference.endswith("-0001")


def test_a_person_is_in_several_cases_in_different_roles(workspace: Workspace) -> None:
    dawn = _person(workspace)
    one = workspace.asb.open_case(title="Noise", category="nuisance", person_id=dawn, role="victim")
    two = workspace.asb.open_case(title="Fly-tipping", category="environmental", district="rural")
    workspace.asb.add_party(
        case_id=two, person_id=dawn, role="witness", agency_contacts=["PC 1234 Shaw"]
    )
    assert sorted(workspace.asb.cases_of_person(dawn)) == sorted(
        [(one, "Victim"), (two, "Witness")]
    )
    party = workspace.asb.case(two).parties[0]
    assert (party.name, party.role, party.agency_contacts) == (
        "Dawn Pickles",
        "Witness",
        ("PC 1234 Shaw",),
    )


def test_a_high_risk_assessment_marks_the_case_and_person_and_starts_the_clock(
    workspace: Workspace, vault: Vault
) -> None:
    dawn = _person(workspace)
    case_id = workspace.asb.open_case(
        title="Noise", category="nuisance", person_id=dawn, role="victim"
    )
    result = workspace.asb.assess_risk(case_id=case_id, person_id=dawn, answers=HIGH)
    assert result.band == "high"
    today = vault.now().date()
    assert result.reassess_by == today + timedelta(days=7)
    view = workspace.asb.case(case_id)
    assert view.risk_band == "High risk"
    assert view.parties[0].band == "High risk"
    assert [c.id for c in workspace.asb.high_risk_cases()] == [case_id]
    assert [c.id for c in workspace.today.summary(unsynced=0).high_risk_cases] == [case_id]
    assert [c.id for c in workspace.asb.cases(CaseFilter(high_risk=True))] == [case_id]


def test_a_later_lower_assessment_takes_the_case_off_the_high_risk_list(
    workspace: Workspace,
) -> None:
    dawn = _person(workspace)
    case_id = workspace.asb.open_case(
        title="Noise", category="nuisance", person_id=dawn, role="complainant"
    )
    workspace.asb.assess_risk(case_id=case_id, person_id=dawn, answers=HIGH)
    workspace.asb.assess_risk(case_id=case_id, person_id=dawn, answers=STANDARD)
    assert workspace.asb.case(case_id).risk_band == "Standard risk"
    assert workspace.asb.cases(CaseFilter(high_risk=True)) == []
    assert [e.kind for e in workspace.asb.case(case_id).timeline] == ["Risk assessment"] * 2


def test_only_victims_and_complainants_are_assessed(workspace: Workspace) -> None:
    dawn = _person(workspace)
    case_id = workspace.asb.open_case(
        title="Noise", category="nuisance", person_id=dawn, role="alleged_perpetrator"
    )
    with pytest.raises(ValidationError, match="assess a victim or complainant"):
        workspace.asb.assess_risk(case_id=case_id, person_id=dawn, answers=HIGH)


def test_answers_missing_a_question_are_refused_naming_it(workspace: Workspace) -> None:
    dawn = _person(workspace)
    case_id = workspace.asb.open_case(
        title="Noise", category="nuisance", person_id=dawn, role="victim"
    )
    partial = {k: v for k, v in HIGH.items() if k != "harm_self"}
    with pytest.raises(ValidationError, match="harm_self"):
        workspace.asb.assess_risk(case_id=case_id, person_id=dawn, answers=partial)


def test_my_actions_list_overdue_first_and_leave_when_done(
    workspace: Workspace, vault: Vault
) -> None:
    case_id = workspace.asb.open_case(title="Noise", category="nuisance", district="rural")
    today = vault.now().date()
    later = workspace.asb.add_action(
        case_id=case_id, what="Letter drop", assignee="amy.officer", due_on=today + timedelta(3)
    )
    overdue = workspace.asb.add_action(
        case_id=case_id, what="Diary sheets", assignee="Amy.Officer", due_on=today - timedelta(2)
    )
    workspace.asb.add_action(case_id=case_id, what="Mediation", agency="Kirklees Mediation")
    mine = workspace.asb.my_actions()
    assert [(a.id, a.overdue) for a in mine] == [(overdue, True), (later, False)]
    assert mine[0].case_title == "Noise"
    assert [a.id for a in workspace.today.summary(unsynced=0).my_actions] == [overdue, later]
    workspace.asb.finish_action(action_id=overdue, outcome="Diary sheets delivered.")
    assert [a.id for a in workspace.asb.my_actions()] == [later]


def test_an_action_needs_someone_and_finishing_needs_an_outcome(workspace: Workspace) -> None:
    case_id = workspace.asb.open_case(title="Noise", category="nuisance", district="rural")
    with pytest.raises(ValidationError, match="assign the action"):
        workspace.asb.add_action(case_id=case_id, what="Letter drop")
    action = workspace.asb.add_action(case_id=case_id, what="Letter drop", assignee="sam")
    with pytest.raises(ValidationError, match="say what came of the action"):
        workspace.asb.finish_action(action_id=action, outcome=" ")


def test_the_timeline_shows_linked_work_in_order(workspace: Workspace, vault: Vault) -> None:
    case_id = workspace.asb.open_case(title="Noise", category="nuisance", district="huddersfield")
    visit = _visit(vault)
    dawn = _person(workspace)
    workspace.asb.add_party(case_id=case_id, person_id=dawn, role="victim")
    workspace.asb.link(case_id=case_id, record_type="visit", record_id=visit)
    workspace.asb.link(case_id=case_id, record_type="visit", record_id=visit)
    workspace.asb.assess_risk(case_id=case_id, person_id=dawn, answers=STANDARD)
    timeline = workspace.asb.case(case_id).timeline
    assert [e.kind for e in timeline] == ["Visit", "Risk assessment"]
    with pytest.raises(ValidationError, match="link a visit"):
        workspace.asb.link(case_id=case_id, record_type="person", record_id=dawn)


def test_closing_a_case_needs_an_outcome_and_the_list_puts_open_cases_first(
    workspace: Workspace,
) -> None:
    closed = workspace.asb.open_case(title="Old", category="nuisance", district="rural")
    open_ = workspace.asb.open_case(title="New", category="personal", district="rural")
    with pytest.raises(ValidationError, match="outcome"):
        workspace.asb.close_case(case_id=closed, outcome="")
    workspace.asb.close_case(case_id=closed, outcome="Tenant moved out.")
    assert [c.id for c in workspace.asb.cases()] == [open_, closed]
    assert [c.id for c in workspace.asb.cases(CaseFilter(status="closed"))] == [closed]
    assert [c.id for c in workspace.asb.cases(CaseFilter(category="personal"))] == [open_]


def test_a_case_past_its_review_date_is_on_the_overdue_review_filter(
    workspace: Workspace, vault: Vault
) -> None:
    today = vault.now().date()
    late = workspace.asb.open_case(
        title="Late", category="nuisance", district="rural", next_review_on=today - timedelta(1)
    )
    workspace.asb.open_case(
        title="Fine", category="nuisance", district="rural", next_review_on=today + timedelta(1)
    )
    rows = workspace.asb.cases(workspace.asb.overdue_review_filter())
    assert [(r.id, r.review_overdue) for r in rows] == [(late, True)]


def test_opening_a_case_is_logged_as_a_consultation(workspace: Workspace, vault: Vault) -> None:
    case_id = workspace.asb.open_case(title="Noise", category="nuisance", district="rural")
    workspace.asb.case(case_id)
    with vault.read() as conn:
        logged = (
            connection(conn)
            .execute(select(AuditEntry.action).where(AuditEntry.record_id == case_id))
            .scalars()
        )
        assert "view" in list(logged)


def test_the_supervisor_sees_the_teams_overdue_actions_on_today(
    supervisor: Vault, make_vault: Callable[..., Vault]
) -> None:
    ws = open_workspace(supervisor, documents=DocumentService(supervisor))
    case_id = ws.asb.open_case(title="Noise", category="nuisance", district="rural")
    today: date = supervisor.now().date()
    late = ws.asb.add_action(
        case_id=case_id, what="Visit", assignee="sam", due_on=today - timedelta(1)
    )
    ws.asb.add_action(case_id=case_id, what="Call", assignee="sam", due_on=today + timedelta(1))
    summary = ws.today.summary(unsynced=0)
    assert [a.id for a in summary.team_overdue_actions] == [late]
    officer = make_vault("officer", username="sam")
    officer_ws = open_workspace(officer, documents=DocumentService(officer))
    assert officer_ws.today.summary(unsynced=0).team_overdue_actions == ()


def test_every_new_record_type_is_sealed(workspace: Workspace, vault: Vault) -> None:
    dawn = _person(workspace)
    case_id = workspace.asb.open_case(
        title="Noise", category="nuisance", person_id=dawn, role="victim"
    )
    workspace.asb.assess_risk(case_id=case_id, person_id=dawn, answers=HIGH)
    workspace.asb.add_action(case_id=case_id, what="Visit", assignee="sam")
    assert vault.verify_seal().ok
    assert {t.value for t in RecordType if t.value.startswith("asb")} <= {
        "asb_case",
        "asb_party",
        "asb_risk_assessment",
        "asb_action",
    }


def test_intelligence_counts_open_cases_overdue_actions_and_high_risk_victims_without_names(
    supervisor: Vault,
) -> None:
    ws = open_workspace(supervisor, documents=DocumentService(supervisor))
    dawn = _person(ws)
    high = ws.asb.open_case(title="Noise", category="nuisance", person_id=dawn, role="victim")
    ws.asb.assess_risk(case_id=high, person_id=dawn, answers=HIGH)
    ws.asb.open_case(title="Litter", category="environmental", district="rural")
    closed = ws.asb.open_case(title="Old", category="nuisance", district="huddersfield")
    ws.asb.close_case(case_id=closed, outcome="Resolved.")
    yesterday = supervisor.now().date() - timedelta(1)
    ws.asb.add_action(case_id=high, what="Visit", assignee="sam", due_on=yesterday)
    picture = ws.intelligence.asb_picture()
    assert picture.open_by_category_and_district == (
        ("Environmental", "Rural (Kirklees Rural)", 1),
        ("Nuisance", "Huddersfield", 1),
    )
    assert (picture.overdue_actions, picture.high_risk_victims) == (1, 1)
    assert "Dawn" not in repr(picture)
    assert ws.intelligence.asb_picture(districts=("rural",)).high_risk_victims == 0


def test_the_meeting_pack_lists_the_cases_the_district_group_should_discuss(
    supervisor: Vault,
) -> None:
    from fieldkit.domain.trends import period_ending

    ws = open_workspace(supervisor, documents=DocumentService(supervisor))
    dawn = _person(ws)
    high = ws.asb.open_case(title="Noise", category="nuisance", person_id=dawn, role="victim")
    ws.asb.assess_risk(case_id=high, person_id=dawn, answers=HIGH)
    quiet = ws.asb.open_case(title="Quiet", category="nuisance", district="huddersfield")
    late = ws.asb.open_case(
        title="Late",
        category="personal",
        district="huddersfield",
        next_review_on=supervisor.now().date() - timedelta(3),
    )
    pack = ws.intelligence.meeting_pack_input(
        district="huddersfield", period=period_ending(supervisor.now().date(), 4)
    )
    [table] = [t for t in pack.tables if t.title.startswith("ASB cases to discuss")]
    references = {ws.asb.case(i).reference: i for i in (high, quiet, late)}
    listed = {row[0]: row[4] for row in table.rows}
    assert set(listed) == {r for r, i in references.items() if i in (high, late)}
    assert sorted(listed.values()) == ["high risk", "review overdue"]
