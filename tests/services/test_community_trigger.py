"""Community Trigger applications: threshold tested on linked visits, clock on Today, outcome."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from tests.documents.pdf_reading import pdf_text
from tests.factories import person, visit

from fieldkit.domain.community_trigger import TriggerStatus
from fieldkit.domain.records import RecordType, ValidationError, new_id
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.transfer import export_records, import_records
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store import replica
from fieldkit.store.records import NewRecord
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

RECEIVED = date(2026, 11, 27)  # a Friday: ten working days on is Friday 11 December


@pytest.fixture
def workspace(vault: Vault) -> Workspace:
    return open_workspace(vault, documents=DocumentService(vault))


def _people_and_visits(vault: Vault, *categories: list[str]) -> tuple[str, list[str]]:
    with vault.write() as conn:
        repo = vault.records(conn)
        applicant = repo.create("person", person(given_name="Margaret", family_name="Hirst")).id
        ids = [
            repo.create(
                "visit",
                visit(
                    occurred_at=f"2026-{9 + n % 3:02d}-1{n}T19:00:00+00:00",
                    categories=cats,
                    person_ids=[applicant],
                ),
            ).id
            for n, cats in enumerate(categories)
        ]
    return applicant, ids


def _apply(ws: Workspace, applicant: str, visits: list[str], **extra: object) -> str:
    return ws.triggers.record_application(
        applicant_id=applicant,
        received_on=RECEIVED,
        account="Loud music from the flat above most nights since August; reported three times.",
        visit_ids=visits,
        district="huddersfield",
        **extra,  # type: ignore[arg-type]
    ).id


def test_three_reports_of_one_problem_meet_the_threshold_and_the_clock_shows_on_today(
    workspace: Workspace, vault: Vault
) -> None:
    applicant, visits = _people_and_visits(vault, ["noise"], ["noise"], ["noise", "drugs"])
    trigger_id = _apply(workspace, applicant, visits)
    view = workspace.triggers.application(trigger_id)
    assert view.threshold_met
    assert view.status is TriggerStatus.THRESHOLD_MET
    assert view.decision_due == date(2026, 12, 11)
    assert view.applicant == "Margaret Hirst"
    assert not view.restricted
    clocks = workspace.today.summary(unsynced=0).legal_clocks
    mine = [c for c in clocks if c.subject_id == trigger_id]
    assert [(c.subject, c.what) for c in mine] == [
        ("Margaret Hirst", "Community Trigger decision due (threshold met)")
    ]
    assert mine[0].when_text.startswith("11 December 2026")


def test_reports_of_different_problems_do_not_meet_the_threshold_but_still_need_an_answer(
    workspace: Workspace, vault: Vault
) -> None:
    applicant, visits = _people_and_visits(vault, ["noise"], ["asb_youth"], ["drugs"])
    view = workspace.triggers.application(_apply(workspace, applicant, visits))
    assert not view.threshold_met
    assert "3 are needed" in view.threshold_reason
    assert any(c.subject_id == view.id for c in workspace.today.summary(unsynced=0).legal_clocks)


def test_an_application_relying_on_a_hate_incident_meets_it_and_is_restricted(
    workspace: Workspace, vault: Vault
) -> None:
    applicant, visits = _people_and_visits(vault, ["hate_incident"])
    view = workspace.triggers.application(_apply(workspace, applicant, visits))
    assert view.threshold_met
    assert view.restricted


def test_an_unknown_report_or_a_missing_account_is_refused_and_nothing_is_written(
    workspace: Workspace, vault: Vault
) -> None:
    applicant, visits = _people_and_visits(vault, ["noise"])
    with pytest.raises(ValidationError) as caught:
        _apply(workspace, applicant, [*visits, new_id()])
    assert [e.field for e in caught.value.errors] == ["visit_ids"]
    with pytest.raises(ValidationError) as caught:
        workspace.triggers.record_application(
            applicant_id=applicant,
            received_on=RECEIVED + timedelta(days=3),
            account=" ",
            visit_ids=visits,
            district="huddersfield",
        )
    assert {e.field for e in caught.value.errors} == {"received_on", "account"}
    with vault.read() as conn:
        assert list(vault.records(conn).iter_all(RecordType.COMMUNITY_TRIGGER)) == []


def test_the_meeting_and_outcome_are_recorded_and_the_clock_stops(
    workspace: Workspace, vault: Vault
) -> None:
    applicant, visits = _people_and_visits(vault, ["noise"], ["noise"], ["noise"])
    trigger_id = _apply(workspace, applicant, visits)
    with pytest.raises(ValidationError):
        workspace.triggers.record_meeting(
            trigger_id=trigger_id, meeting_at=vault.now(), attendees=[], recommendations=[" "]
        )
    view = workspace.triggers.record_meeting(
        trigger_id=trigger_id,
        meeting_at=vault.now() - timedelta(hours=1),
        attendees=["Council ASB team", "Police neighbourhood team"],
        recommendations=["Noise monitoring equipment installed", "Mediation offered"],
    )
    assert view.status is TriggerStatus.REVIEWED
    view = workspace.triggers.record_outcome(
        trigger_id=trigger_id, outcome="The review recommends noise monitoring and mediation."
    )
    assert view.status is TriggerStatus.CLOSED
    assert view.outcome_sent_at is not None
    assert not [
        c for c in workspace.today.summary(unsynced=0).legal_clocks if c.subject_id == trigger_id
    ]


def test_another_owners_application_is_on_a_supervisors_today_but_not_an_officers(
    workspace: Workspace, vault: Vault
) -> None:
    applicant, visits = _people_and_visits(vault, ["noise"])
    trigger_id = _apply(workspace, applicant, visits, owner="sam.owner")
    assert not [
        c for c in workspace.today.summary(unsynced=0).legal_clocks if c.subject_id == trigger_id
    ]
    with vault.write() as conn:
        replica.put_state(
            conn,
            "user",
            {"id": "u1", "username": "amy.officer", "role": "supervisor", "districts": []},
        )
    assert [c.subject_id for c in workspace.today.summary(unsynced=0).legal_clocks] == [trigger_id]


def test_the_outcome_letter_tells_the_applicant_the_threshold_review_and_outcome(
    workspace: Workspace, vault: Vault
) -> None:
    applicant, visits = _people_and_visits(vault, ["noise"], ["noise"], ["noise"])
    trigger_id = _apply(workspace, applicant, visits)
    with pytest.raises(ValidationError) as caught:
        workspace.triggers.outcome_letter(trigger_id=trigger_id)
    assert {e.field for e in caught.value.errors} == {"recommendations", "outcome"}
    workspace.triggers.record_meeting(
        trigger_id=trigger_id,
        meeting_at=vault.now() - timedelta(hours=1),
        attendees=["Council ASB team"],
        recommendations=["Noise monitoring equipment installed"],
    )
    workspace.triggers.record_outcome(trigger_id=trigger_id, outcome="Mediation will be offered.")
    kept = workspace.triggers.outcome_letter(trigger_id=trigger_id)
    text = " ".join(pdf_text(kept.pdf).split())
    assert "Dear Margaret Hirst" in text
    assert "received on 27 November 2026" in text
    assert "the threshold was met (3 reports of the same problem (noise)" in text
    assert "Noise monitoring equipment installed" in text
    assert "Mediation will be offered." in text
    assert "If you are not satisfied" in text
    with vault.read() as conn:
        documents = vault.records(conn).where(RecordType.DOCUMENT, "subject_id", [trigger_id])
        logged = (
            connection(conn)
            .execute(select(AuditEntry.record_id).where(AuditEntry.action == "export"))
            .scalars()
            .all()
        )
    assert [d.fields["kind"] for d in documents] == ["community_trigger_outcome"]
    assert {trigger_id, applicant} <= set(logged)


def test_applications_travel_through_export_and_import(
    workspace: Workspace, vault: Vault, make_vault: Callable[..., Vault]
) -> None:
    applicant, visits = _people_and_visits(vault, ["noise"], ["noise"], ["noise"])
    trigger_id = _apply(workspace, applicant, visits)
    out = io.StringIO()
    export_records(vault, out, reason="test")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {"community_trigger"} <= {line["type"] for line in lines}
    other = make_vault("other")
    # Written in dependency order whatever order the file has: the application comes last here.
    shuffled = sorted(lines, key=lambda line: line["type"] != "community_trigger")
    import_records(other, [NewRecord(x["type"], x["fields"], x["id"]) for x in shuffled])
    with other.read() as conn:
        copied = other.records(conn).require(RecordType.COMMUNITY_TRIGGER, trigger_id)
    assert copied.fields["decision_due"] == "2026-12-11"
