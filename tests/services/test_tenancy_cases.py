"""Tenancy cases in the app: opened, noted, taken through closure steps, and their documents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.documents.pdf_reading import pdf_text

from fieldkit.domain.closure_steps import StepDetails
from fieldkit.domain.records import ValidationError
from fieldkit.domain.vulnerability import Vulnerability, VulnerabilityCheck
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.settings import AppSettings
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store import audit, replica
from fieldkit.store.schema import AuditEntry, HistoryEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault
from fieldkit.sync.protocol import UserInfo

#: The tenant's learning disability was considered; a referral to adult social care goes too.
CONSIDERED = VulnerabilityCheck(True, frozenset({Vulnerability.LEARNING_DISABILITY}), referral=True)


@pytest.fixture
def workspace(vault: Vault) -> Workspace:
    return open_workspace(vault, documents=DocumentService(vault))


def _open(ws: Workspace) -> str:
    return ws.tenancy.open_case(
        address="Flat 3, 14 Hill Street, Huddersfield",
        postcode="HD1 3AB",
        tenants=["Dawn Pickles"],
        landlord="Kirklees Homes",
        tenancy_ref="HUD-017",
        vulnerability=["Learning disability"],
        agencies=["Adult social care", "Change Grow Live"],
        district="huddersfield",
    )


def _notice(vault: Vault, **overrides: object) -> StepDetails:
    served = vault.now() - timedelta(hours=2)
    values: dict[str, object] = {
        "at": served,
        "authorised_by": "A. Khan",
        "authorised_rank": "Inspector",
        "notice_hours": 24,
        "served_how": "fixed_and_given",
        "served_on": "The tenant",
        "notice_permits": "Support workers",
        "hearing_at": served + timedelta(hours=30),
        "court": "Kirklees Magistrates' Court",
    }
    values.update(overrides)
    return StepDetails(**values)  # type: ignore[arg-type]


def test_a_case_opened_in_the_app_holds_its_tenants_agencies_and_is_restricted(
    workspace: Workspace,
) -> None:
    case_id = _open(workspace)
    view = workspace.tenancy.case(case_id)
    assert view.tenants == ("Dawn Pickles",)
    assert view.agencies == ("Adult social care", "Change Grow Live")
    assert view.status == "Open"
    assert view.restricted
    assert "HD1 3AB" in view.place


def test_closing_a_case_needs_an_outcome_and_keeps_the_earlier_version(
    workspace: Workspace, vault: Vault
) -> None:
    case_id = _open(workspace)
    with pytest.raises(ValidationError) as caught:
        workspace.tenancy.close_case(case_id=case_id, outcome="  ")
    assert [e.field for e in caught.value.errors] == ["outcome"]
    workspace.tenancy.change_status(case_id=case_id, status="monitoring")
    workspace.tenancy.close_case(case_id=case_id, outcome="Tenancy sustained with support")
    view = workspace.tenancy.case(case_id)
    assert (view.status, view.outcome) == ("Closed", "Tenancy sustained with support")
    with vault.read() as conn:
        history = (
            connection(conn)
            .execute(
                select(HistoryEntry.fields)
                .where(HistoryEntry.record_id == case_id)
                .order_by(HistoryEntry.replaced_at)
            )
            .scalars()
        )
        statuses = [f["status"] for f in history]
    assert statuses == ["open", "monitoring"]


def test_notice_hearing_and_order_make_clocks_on_the_case_and_on_today(
    workspace: Workspace, vault: Vault
) -> None:
    case_id = _open(workspace)
    closure_id = workspace.tenancy.record_step(
        case_id=case_id, step="notice_served", details=_notice(vault), vulnerability=CONSIDERED
    )
    view = workspace.tenancy.case(case_id)
    assert view.status == "Closure in progress"
    assert [c.name for c in view.closures[0].clocks] == [
        "Closure notice ends",
        "Hearing",
        "Hearing deadline",
    ]
    assert ("Notice authorised by", "A. Khan — Inspector") in view.closures[0].facts
    today = workspace.today.legal_clocks(vault.now())
    assert {d.subject for d in today} == {"Tenancy case HUD-017"}
    workspace.tenancy.record_step(
        case_id=case_id,
        closure_id=closure_id,
        step="order_made",
        details=StepDetails(
            at=vault.now(),
            order_months=3,
            order_permits="The tenant only",
            order_areas="The whole flat and its garden",
        ),
        vulnerability=CONSIDERED,
    )
    view = workspace.tenancy.case(case_id)
    assert view.closures[0].status == "Order made"
    assert ("Order covers", "The whole flat and its garden") in view.closures[0].facts
    today = workspace.today.legal_clocks(vault.now())
    assert any("appeal" in d.what.lower() for d in today)


def test_a_step_missing_what_the_act_needs_writes_nothing(
    workspace: Workspace, vault: Vault
) -> None:
    case_id = _open(workspace)
    with pytest.raises(ValidationError) as caught:
        workspace.tenancy.record_step(
            case_id=case_id,
            step="notice_served",
            details=_notice(vault, notice_hours=48, authorised_rank="Inspector"),
            vulnerability=CONSIDERED,
        )
    assert [e.field for e in caught.value.errors] == ["authorised_rank"]
    with pytest.raises(ValidationError):
        workspace.tenancy.record_step(
            case_id=case_id, step="order_made", details=StepDetails(at=vault.now())
        )
    assert workspace.tenancy.case(case_id).closures == ()
    assert workspace.tenancy.case(case_id).status == "Open"


def test_the_closure_notice_is_made_from_the_case_kept_and_logged(
    workspace: Workspace, vault: Vault
) -> None:
    case_id = _open(workspace)
    closure_id = workspace.tenancy.record_step(
        case_id=case_id, step="notice_served", details=_notice(vault), vulnerability=CONSIDERED
    )
    kept = workspace.tenancy.closure_notice(closure_id=closure_id)
    text = pdf_text(kept.pdf)
    assert "Flat 3, 14 Hill Street, Huddersfield, HD1 3AB" in text
    assert "Kirklees Magistrates' Court" in text
    assert "A. Khan, Inspector" in text
    assert "Support workers" in text
    with vault.read() as conn:
        exported = set(
            connection(conn)
            .execute(
                select(AuditEntry.record_type).where(
                    AuditEntry.action == audit.AuditAction.EXPORT.value
                )
            )
            .scalars()
        )
    assert exported >= {"closure", "tenancy_case", "place"}


def test_a_closure_notice_without_a_hearing_is_refused_naming_it(
    workspace: Workspace, vault: Vault
) -> None:
    case_id = _open(workspace)
    closure_id = workspace.tenancy.record_step(
        case_id=case_id,
        step="notice_served",
        details=_notice(vault, hearing_at=None, court=""),
        vulnerability=CONSIDERED,
    )
    with pytest.raises(ValidationError) as caught:
        workspace.tenancy.closure_notice(closure_id=closure_id)
    assert [e.field for e in caught.value.errors] == ["hearing_at", "court"]


def _restricted_visit_by_someone_else(ws: Workspace, vault: Vault, case_id: str) -> None:
    case = ws.records.view(record_type="tenancy_case", record_id=case_id)
    place_id = str(case.fields["place_id"])
    with vault.write() as conn:
        vault.records(conn, actor="sam.officer").create(
            "visit",
            {
                "occurred_at": vault.now().isoformat(timespec="seconds"),
                "place_id": place_id,
                "district": "huddersfield",
                "kind": "welfare_check",
                "categories": ["domestic_abuse"],
                "narrative": "PLANTEDSECRET disclosure",
                "officer_id": "sam.officer",
            },
        )


def test_the_bundle_names_the_court_from_settings_and_leaves_out_restricted_visits(
    workspace: Workspace, vault: Vault
) -> None:
    case_id = _open(workspace)
    workspace.settings.save(AppSettings(court_name="Leeds Magistrates' Court"))
    _restricted_visit_by_someone_else(workspace, vault, case_id)
    workspace.tenancy.add_note(case_id=case_id, kind="incident", body="Door kicked in at 2am.")
    kept = workspace.tenancy.evidence_bundle(case_id=case_id)
    text = pdf_text(kept.pdf)
    assert "Leeds Magistrates' Court" in text
    assert "Door kicked in" in text
    assert "PLANTEDSECRET" not in text
    assert "1 restricted visit at this address was left out" in text


def test_a_supervisors_bundle_includes_the_restricted_visit(
    workspace: Workspace, vault: Vault
) -> None:
    case_id = _open(workspace)
    _restricted_visit_by_someone_else(workspace, vault, case_id)
    with vault.write() as conn:
        replica.put_state(conn, "user", {"id": "u1", "role": "supervisor"})
    text = pdf_text(workspace.tenancy.evidence_bundle(case_id=case_id).pdf)
    assert "PLANTEDSECRET" in text
    assert "left out" not in text


def test_a_safeguarding_cleared_user_named_by_the_server_gets_the_restricted_visit(
    workspace: Workspace, vault: Vault
) -> None:
    case_id = _open(workspace)
    _restricted_visit_by_someone_else(workspace, vault, case_id)
    # As sign-in stores it: the server's user document, read through the protocol.
    user = UserInfo.parse(
        {
            "id": "u7",
            "username": "amy.officer",
            "role": "housing",
            "districts": ["huddersfield"],
            "safeguarding": True,
        }
    )
    with vault.write() as conn:
        replica.put_state(conn, "user", user.wire())
    text = pdf_text(workspace.tenancy.evidence_bundle(case_id=case_id).pdf)
    assert "PLANTEDSECRET" in text


def test_serving_a_closure_notice_on_a_vulnerable_tenant_without_a_referral_needs_a_reason(
    workspace: Workspace, vault: Vault
) -> None:
    case_id = _open(workspace)
    for answer, field in (
        (None, "vulnerability_considered"),
        (
            VulnerabilityCheck(True, frozenset({Vulnerability.LEARNING_DISABILITY})),
            "no_referral_reason",
        ),
    ):
        with pytest.raises(ValidationError) as caught:
            workspace.tenancy.record_step(
                case_id=case_id, step="notice_served", details=_notice(vault), vulnerability=answer
            )
        assert [e.field for e in caught.value.errors] == [field]
    assert workspace.tenancy.case(case_id).closures == ()
    reason = "Adult social care already lead on her support plan"
    closure_id = workspace.tenancy.record_step(
        case_id=case_id,
        step="notice_served",
        details=_notice(vault),
        vulnerability=VulnerabilityCheck(
            True, frozenset({Vulnerability.LEARNING_DISABILITY}), reason=reason
        ),
    )
    stored = workspace.records.view(record_type="closure", record_id=closure_id).fields
    assert stored["vulnerabilities"] == ["learning_disability"]
    assert stored["no_referral_reason"] == reason
