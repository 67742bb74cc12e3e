"""Problem-solving group meetings: the agenda from the live picture, decisions, actions, minutes."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from tests.documents.pdf_reading import pdf_text
from tests.factories import person, visit
from tests.services.test_asb_cases import HIGH

from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.meeting import AgendaSection, Attendee, MeetingStatus
from fieldkit.domain.records import RecordType, ValidationError
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.meetings import MeetingService, NewAction, referrals_waiting
from fieldkit.services.transfer import export_records
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

DISTRICT = "huddersfield"


@pytest.fixture
def workspace(vault: Vault) -> Workspace:
    return open_workspace(vault, documents=DocumentService(vault))


@pytest.fixture
def meetings(workspace: Workspace) -> MeetingService:
    assert workspace.meetings is not None
    return workspace.meetings


def _today(vault: Vault) -> date:
    return vault.now().astimezone(LONDON).date()


def _high_risk_case(ws: Workspace, title: str, district: str = DISTRICT) -> str:
    person = ws.records.create(
        record_type="person",
        fields={"given_name": "Dawn", "family_name": "Pickles", "district": district},
    ).id
    case_id = ws.asb.open_case(
        title=title, category="nuisance", person_id=person, role="victim", district=district
    )
    ws.asb.assess_risk(case_id=case_id, person_id=person, answers=HIGH)
    return case_id


def _texts(agenda_items: tuple[object, ...]) -> list[str]:
    return [getattr(i, "text", "") for i in agenda_items]


def test_the_agenda_lists_the_districts_open_high_risk_cases_and_overdue_actions(
    workspace: Workspace, meetings: MeetingService, vault: Vault
) -> None:
    today = _today(vault)
    case_id = _high_risk_case(workspace, "Noise from flat 3")
    _high_risk_case(workspace, "Fly-tipping at the lay-by", district="rural")
    workspace.asb.open_case(title="Quiet case", category="nuisance", district=DISTRICT)
    overdue = workspace.asb.add_action(
        case_id=case_id, what="Diary sheets", assignee="sam", due_on=today - timedelta(days=3)
    )
    workspace.asb.add_action(
        case_id=case_id, what="Letter drop", assignee="sam", due_on=today + timedelta(days=3)
    )
    meeting = meetings.plan(district=DISTRICT, held_on=today)
    agenda = meetings.agenda(meeting_id=meeting.id)

    cases = agenda.items(AgendaSection.HIGH_RISK_CASES)
    assert [i.record_id for i in cases] == [case_id]
    assert "Noise from flat 3" in cases[0].text
    late = agenda.items(AgendaSection.OVERDUE_ACTIONS)
    assert [i.record_id for i in late] == [overdue]
    assert "Diary sheets" in late[0].text
    assert "3 days overdue" in late[0].text
    assert agenda.items(AgendaSection.REFERRALS) == ()
    assert next(s for s, _ in agenda.sections) is AgendaSection.CARRIED_ACTIONS


def test_the_next_meeting_starts_from_the_last_ones_open_actions(
    meetings: MeetingService, workspace: Workspace, vault: Vault
) -> None:
    today = _today(vault)
    first = meetings.plan(district=DISTRICT, held_on=today - timedelta(days=28))
    first = meetings.add_decision(
        meeting_id=first.id,
        decision="Target patrols at the park after dark",
        actions=[
            NewAction("Evening patrols for four weeks", assignee="PC.Shaw", agency="Police"),
            NewAction("Fix the park lights", agency="Council parks"),
        ],
    )
    done = next(a for a in first.actions if a.what.startswith("Fix"))
    workspace.asb.finish_action(action_id=done.id, outcome="Lights fixed.")

    second = meetings.plan(district=DISTRICT, held_on=today)
    assert second.previous_meeting_id == first.id
    carried = meetings.agenda(meeting_id=second.id).items(AgendaSection.CARRIED_ACTIONS)
    assert [i.text.split(" — ")[0] for i in carried] == ["Evening patrols for four weeks"]
    assert "pc.shaw and Police" in carried[0].text


def test_a_decision_with_actions_is_written_whole_or_not_at_all(
    meetings: MeetingService, vault: Vault
) -> None:
    meeting = meetings.plan(district=DISTRICT, held_on=_today(vault))
    with pytest.raises(ValidationError, match="action 2 assignee"):
        meetings.add_decision(
            meeting_id=meeting.id,
            decision="Mediation for the neighbours",
            actions=[NewAction("Book mediation", agency="Kirklees Mediation"), NewAction("Chase")],
        )
    held = meetings.meeting(meeting.id)
    assert held.decisions == ()
    assert held.actions == ()
    with vault.read() as conn:
        assert vault.records(conn).where(RecordType.ASB_ACTION, "meeting_id", [meeting.id]) == []


def test_a_meeting_is_held_only_on_or_after_its_day_and_with_attendees(
    meetings: MeetingService, vault: Vault
) -> None:
    future = meetings.plan(district=DISTRICT, held_on=_today(vault) + timedelta(days=7))
    future = meetings.record_attendees(
        meeting_id=future.id, attendees=[Attendee("Priya Shah", "Kirklees Council")]
    )
    with pytest.raises(ValidationError, match="before its day"):
        meetings.mark_held(meeting_id=future.id)
    today = meetings.plan(district=DISTRICT, held_on=_today(vault))
    with pytest.raises(ValidationError, match="who attended"):
        meetings.mark_held(meeting_id=today.id)
    assert meetings.meeting(today.id).status is MeetingStatus.PLANNED


def test_an_attendee_with_a_bar_in_their_name_is_refused_without_repeating_it(
    meetings: MeetingService, vault: Vault
) -> None:
    meeting = meetings.plan(district=DISTRICT, held_on=_today(vault))
    with pytest.raises(ValidationError) as refused:
        meetings.record_attendees(
            meeting_id=meeting.id,
            attendees=[Attendee("Priya Shah", "Council"), Attendee("Jo | Secret", "Police")],
        )
    assert "item 2" in str(refused.value)
    assert "Secret" not in str(refused.value)
    assert meetings.meeting(meeting.id).attendees == ()


def test_minutes_name_attendees_decisions_and_actions_and_are_kept_and_logged(
    meetings: MeetingService, workspace: Workspace, vault: Vault
) -> None:
    today = _today(vault)
    _high_risk_case(workspace, "Noise from flat 3")
    meeting = meetings.plan(district=DISTRICT, held_on=today, chair="Priya Shah")
    meetings.record_attendees(
        meeting_id=meeting.id,
        attendees=[
            Attendee("Priya Shah", "Kirklees Council"),
            Attendee("PC Dan Shaw", "West Yorkshire Police"),
        ],
    )
    meetings.add_decision(
        meeting_id=meeting.id,
        decision="Joint visit to flat 3 this week",
        actions=[NewAction("Visit with the housing officer", "dan.shaw", "Police", today)],
    )
    with pytest.raises(ValidationError, match="mark the meeting held first"):
        meetings.minutes(meeting_id=meeting.id)
    held = meetings.mark_held(meeting_id=meeting.id)
    assert held.held
    assert any("Noise from flat 3" in line for line in held.agenda_items)

    kept = meetings.minutes(meeting_id=meeting.id)
    text = pdf_text(kept.pdf)
    for words in (
        "Priya Shah (Kirklees Council)",
        "PC Dan Shaw (West Yorkshire Police)",
        "Joint visit to flat 3 this week",
        "Visit with the housing officer",
        "Noise from flat 3",
    ):
        assert words in text
    with vault.read() as conn:
        repo = vault.records(conn)
        documents = repo.where(RecordType.DOCUMENT, "subject_id", [meeting.id])
        assert [(d.fields["kind"], d.fields["subject_type"]) for d in documents] == [
            ("meeting_minutes", "meeting")
        ]
        logged = (
            connection(conn)
            .execute(
                select(AuditEntry.record_type, AuditEntry.reason).where(
                    AuditEntry.action == "export"
                )
            )
            .all()
        )
    assert ("meeting", "meeting_minutes made") in logged
    assert ("asb_action", "meeting_minutes made") in logged


def test_an_action_assigned_at_a_meeting_shows_on_its_assignees_today(
    meetings: MeetingService, workspace: Workspace, vault: Vault
) -> None:
    meeting = meetings.plan(district=DISTRICT, held_on=_today(vault))
    meetings.add_decision(
        meeting_id=meeting.id,
        decision="Youth diversion at the rec",
        actions=[NewAction("Refer the group to youth services", assignee="Amy.Officer")],
    )
    mine = workspace.today.summary(unsynced=0).my_actions
    assert [(a.what, a.case_id, a.about) for a in mine] == [
        (
            "Refer the group to youth services",
            "",
            "Problem-solving group: Youth diversion at the rec",
        )
    ]


def test_the_agenda_lists_referrals_the_partner_has_not_answered(
    workspace: Workspace, vault: Vault
) -> None:
    assert workspace.referrals is not None
    someone = workspace.records.create(record_type="person", fields=person())
    seen = workspace.records.create(
        record_type="visit", fields=visit(person_ids=[someone.id], officer_id=workspace.username)
    )

    def refer(to_agency: str) -> str:
        assert workspace.referrals is not None
        return workspace.referrals.refer(
            source_type="visit",
            source_id=seen.id,
            person_id=someone.id,
            to_agency=to_agency,
            reason="Agreed to support",
            consent="given",
        ).id

    waiting, answered = refer("voluntary"), refer("housing")
    with vault.write() as conn:
        vault.records(conn).update(RecordType.REFERRAL, answered, {"status": "accepted"})
    with vault.read() as conn:
        listed = referrals_waiting(vault.records(conn), district=DISTRICT)
    assert [rid for rid, _line in listed] == [waiting]
    assert listed[0][1].startswith("Referral to Voluntary")
    with vault.read() as conn:
        assert referrals_waiting(vault.records(conn), district="rural") == []


def test_an_export_carries_the_meeting_before_its_actions(
    meetings: MeetingService, vault: Vault
) -> None:
    meeting = meetings.plan(district=DISTRICT, held_on=_today(vault))
    meetings.add_decision(
        meeting_id=meeting.id,
        decision="Mediation for the neighbours",
        actions=[NewAction("Book mediation", agency="Kirklees Mediation")],
    )
    out = io.StringIO()
    export_records(vault, out)
    kinds = [json.loads(line)["type"] for line in out.getvalue().splitlines()]
    assert kinds.index("meeting") < kinds.index("asb_action")
