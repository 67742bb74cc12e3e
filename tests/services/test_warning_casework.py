"""Warnings carried on: where and when, how served, comply-by, withdrawal and risk markers."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from tests.factories import PASSPHRASE, person, place, visit
from tests.kdf import TEST_KDF

from fieldkit.cli import Exit, main
from fieldkit.domain.records import RecordType, ValidationError, new_id
from fieldkit.domain.vocabulary import RiskMarker
from fieldkit.domain.vulnerability import VulnerabilityCheck
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.warnings import WarningRequest
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store import audit, replica
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

SCHEME = "street_drinking_vagrancy"
EVENING = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)


@pytest.fixture
def workspace(vault: Vault) -> Workspace:
    return open_workspace(vault, documents=DocumentService(vault))


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _request(person_id: str, **overrides: object) -> WarningRequest:
    fields: dict[str, object] = {
        "person_id": person_id,
        "scheme_id": SCHEME,
        "behaviour": "Drinking from an open can and shouting at shoppers",
        "conditions": ("drink alcohol in the town centre",),
        "district": "huddersfield",
        "place_label": "Market Place, Dewsbury",
        "occurred_at": EVENING,
        # Asked before a Red warning or CPN: considered, none found (ignored for lower steps).
        "vulnerability": VulnerabilityCheck(True),
    }
    fields.update(overrides)
    return WarningRequest(**fields)  # type: ignore[arg-type]


def _warning(ws: Workspace, warning_id: str) -> dict[str, object]:
    return dict(ws.records.view(record_type="warning", record_id=warning_id).fields)


def test_a_warning_from_a_visit_takes_its_place_time_and_the_places_district(
    workspace: Workspace,
) -> None:
    jan = workspace.records.create(record_type="person", fields=person())
    market = workspace.records.create(
        record_type="place",
        fields=place(label="Dewsbury Market", district="dewsbury_mirfield"),
    )
    seen = workspace.records.create(
        record_type="visit",
        fields=visit(
            occurred_at="2026-11-26T20:40:00+00:00", place_id=market.id, person_ids=[jan.id]
        ),
    )
    issued = workspace.warnings.issue(
        _request(
            jan.id,
            place_label="",
            occurred_at=None,
            visit_id=seen.id,
            served_how="left_at_address",
        )
    )
    stored = _warning(workspace, issued.warning_id)
    assert stored["place_id"] == market.id
    assert stored["visit_id"] == seen.id
    assert stored["district"] == "dewsbury_mirfield"  # the place's, not the officer's setting
    assert stored["occurred_at"] == "2026-11-26T20:40:00+00:00"
    assert stored["served_how"] == "left_at_address"
    text = _text(issued.documents[0].pdf)
    assert "Dewsbury Market" in text
    assert "Kirklees" not in text.split("Where", 1)[-1].splitlines()[0]
    assert "20:40" in text


def test_a_warning_with_no_place_or_time_is_refused_and_nothing_is_written(
    workspace: Workspace, vault: Vault
) -> None:
    jan = workspace.records.create(record_type="person", fields=person())
    with pytest.raises(ValidationError) as nowhere:
        workspace.warnings.issue(_request(jan.id, place_label=" "))
    assert [e.field for e in nowhere.value.errors] == ["place"]
    with pytest.raises(ValidationError) as never:
        workspace.warnings.issue(_request(jan.id, occurred_at=None))
    assert [e.field for e in never.value.errors] == ["occurred_at"]
    with pytest.raises(ValidationError) as later:
        workspace.warnings.issue(_request(jan.id, occurred_at=datetime(2027, 1, 1, tzinfo=UTC)))
    assert [e.field for e in later.value.errors] == ["occurred_at"]
    with pytest.raises(ValidationError) as exported:
        workspace.warnings.issue(_request(jan.id, served_how="exported"))
    assert [e.field for e in exported.value.errors] == ["served_how"]
    with vault.read() as conn:
        assert vault.records(conn).where(RecordType.WARNING, "person_id", [jan.id]) == []


def test_withdrawn_warning_stops_counting_and_the_proposal_goes_back_to_yellow(
    workspace: Workspace, vault: Vault
) -> None:
    jan = workspace.records.create(record_type="person", fields=person())
    yellow = workspace.warnings.issue(_request(jan.id))
    assert workspace.warnings.propose(person_id=jan.id, scheme_id=SCHEME).level_id == "red"
    withdrawn = workspace.warnings.withdraw(
        warning_id=yellow.warning_id, reason="Issued to the wrong person"
    )
    assert withdrawn.proposal.level_id == "yellow"
    stored = _warning(workspace, yellow.warning_id)
    assert stored["status"] == "withdrawn"
    assert stored["withdrawn_by"] == "amy.officer"
    assert stored["withdrawal_reason"] == "Issued to the wrong person"
    timeline = workspace.people.profile(jan.id).timeline
    assert [e.detail for e in timeline if e.kind == "Warning withdrawn"] == [
        "Issued to the wrong person"
    ]
    with vault.read() as conn:
        updates = (
            connection(conn)
            .execute(
                AuditEntry.__table__.select().where(
                    AuditEntry.action == audit.AuditAction.UPDATE.value,
                    AuditEntry.record_id == yellow.warning_id,
                )
            )
            .all()
        )
    assert len(updates) == 1


def test_withdrawing_needs_a_reason_and_happens_once(workspace: Workspace) -> None:
    jan = workspace.records.create(record_type="person", fields=person())
    yellow = workspace.warnings.issue(_request(jan.id))
    with pytest.raises(ValidationError) as blank:
        workspace.warnings.withdraw(warning_id=yellow.warning_id, reason="   ")
    assert [e.field for e in blank.value.errors] == ["reason"]
    assert _warning(workspace, yellow.warning_id)["status"] == "issued"
    workspace.warnings.withdraw(warning_id=yellow.warning_id, reason="Wrong person")
    with pytest.raises(ValidationError) as again:
        workspace.warnings.withdraw(warning_id=yellow.warning_id, reason="Wrong person")
    assert [e.field for e in again.value.errors] == ["status"]


def test_a_cpw_keeps_its_comply_by_date(workspace: Workspace) -> None:
    jan = workspace.records.create(record_type="person", fields=person())
    yellow = workspace.warnings.issue(_request(jan.id))
    cpw = workspace.warnings.issue(_request(jan.id, scheme_id="community_protection"))
    assert cpw.level_name == "Community Protection Warning (CPW)"
    assert _warning(workspace, yellow.warning_id)["comply_by"] is None
    assert _warning(workspace, cpw.warning_id)["comply_by"] == "2026-12-11"
    assert "11 December 2026" in _text(cpw.documents[0].pdf)


def test_a_letter_with_no_signposting_lists_the_districts_general_services(
    workspace: Workspace,
) -> None:
    workspace.records.create(
        record_type="service",
        fields={
            "name": "Huddersfield Wellbeing Hub",
            "categories": ["mental_health"],
            "phone": "01484 000 111",
            "districts": ["huddersfield"],
        },
    )
    workspace.records.create(
        record_type="service",
        fields={
            "name": "Batley Food Bank",
            "categories": ["food"],
            "phone": "01924 000 222",
            "districts": ["batley_spen"],
        },
    )
    jan = workspace.records.create(record_type="person", fields=person())
    issued = workspace.warnings.issue(_request(jan.id, place_label="Huddersfield bus station"))
    text = _text(issued.documents[0].pdf)
    assert "Huddersfield Wellbeing Hub" in text
    assert "Batley Food Bank" not in text


def test_risk_markers_show_on_the_profile_by_their_labels(workspace: Workspace) -> None:
    jan = workspace.records.create(
        record_type="person",
        fields=person(
            risk_markers=[RiskMarker.WEAPONS.value, RiskMarker.LONE_VISIT_RISK.value],
            risk_notes="Kept a knife in his bag (2025)",
        ),
    )
    profile = workspace.people.profile(jan.id)
    assert profile.risk_markers == (
        "Weapons",
        "Do not visit alone",
        "Kept a knife in his bag (2025)",
    )
    with pytest.raises(ValidationError) as unknown:
        workspace.records.create(record_type="person", fields=person(risk_markers=["grumpy"]))
    assert [e.field for e in unknown.value.errors] == ["risk_markers"]


def _cli(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(args, stdin=io.StringIO(PASSPHRASE + "\n"), stdout=out)
    return code, out.getvalue()


def test_fieldkit_warning_withdraw_withdraws_and_refuses_unknown_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "vault"
    vault = Vault.create(folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF)
    ws = open_workspace(vault, documents=DocumentService(vault))
    jan = ws.records.create(record_type="person", fields=person())
    yellow = ws.warnings.issue(_request(jan.id, occurred_at=datetime(2020, 1, 1, tzinfo=UTC)))
    vault.lock()
    common = ["--vault", str(folder), "--passphrase-stdin"]

    code, _ = _cli(["warning", "withdraw", "no-such-id", "--reason", "Wrong person", *common])
    assert code == Exit.INVALID_INPUT
    code, _ = _cli(["warning", "withdraw", yellow.warning_id, "--reason", " ", *common])
    assert code == Exit.INVALID_INPUT
    assert "reason" in capsys.readouterr().err
    code, said = _cli(["warning", "withdraw", yellow.warning_id, "--reason", "Wrong", *common])
    assert code == Exit.OK
    assert "Yellow" in said

    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    with vault.read() as conn:
        stored = vault.records(conn).require(RecordType.WARNING, yellow.warning_id)
    vault.lock()
    assert (stored.fields["status"], stored.fields["withdrawal_reason"]) == ("withdrawn", "Wrong")


def _review_fields(ws: Workspace, warning_id: str, reviewer: str) -> dict[str, object]:
    return {
        "subject_type": "warning",
        "subject_id": warning_id,
        "decision": "countersigned",
        "decided_at": "2026-11-27T09:30:00+00:00",
        "reviewer": reviewer,
        "officer": "amy.officer",
        "district": _warning(ws, warning_id)["district"],
    }


def _countersign(ws: Workspace, vault: Vault, warning_id: str) -> None:
    """A supervisor's countersignature, as it arrives on the officer's laptop by sync."""
    fields = _review_fields(ws, warning_id, "sam.supervisor")
    pulled = replica.PulledRecord(
        "review",
        new_id(),
        False,
        fields,
        dict.fromkeys(fields, "001764000000000:0000:srv"),
        author="sam.supervisor",
    )
    with vault.write() as conn:
        replica.apply_pulled(conn, [pulled], at="2026-11-27T09:31:00+00:00")


def test_a_cpw_comply_by_clock_is_on_today_until_the_next_step(workspace: Workspace) -> None:
    jan = workspace.records.create(record_type="person", fields=person())
    workspace.warnings.issue(_request(jan.id, scheme_id="community_protection"))
    clocks = workspace.today.summary(unsynced=0).legal_clocks
    assert [(c.what, c.subject, c.when.date().isoformat()) for c in clocks] == [
        ("Check compliance with the CPW by this date", "Zoë O'Brien", "2026-12-11")
    ]


def test_a_cpn_is_held_for_countersignature_then_served_with_its_appeal_clock(
    workspace: Workspace, vault: Vault
) -> None:
    jan = workspace.records.create(record_type="person", fields=person())
    workspace.warnings.issue(_request(jan.id, scheme_id="community_protection"))
    cpn = workspace.warnings.issue(
        _request(jan.id, scheme_id="community_protection", conditions=("stop drinking",))
    )
    assert cpn.awaiting_countersignature
    assert cpn.documents == ()
    assert _warning(workspace, cpn.warning_id)["status"] == "awaiting_countersignature"
    feedback = workspace.review.feedback()
    assert [i.decision for i in feedback if i.subject_id == cpn.warning_id] == [
        "Awaiting countersignature"
    ]
    with pytest.raises(ValidationError) as early:
        workspace.warnings.serve(warning_id=cpn.warning_id, served_how="handed_over")
    assert [e.field for e in early.value.errors] == ["countersignature"]
    assert _warning(workspace, cpn.warning_id)["status"] == "awaiting_countersignature"

    _countersign(workspace, vault, cpn.warning_id)
    served = workspace.warnings.serve(warning_id=cpn.warning_id, served_how="handed_over")
    assert [d.kind for d in served.documents] == ["cpn_notice"]
    text = _text(served.documents[0].pdf)
    assert "COMMUNITY PROTECTION NOTICE" in text
    assert "within 21 days" in text
    assert "27 November 2027" in text  # the requirements' period (twelve months)
    stored = _warning(workspace, cpn.warning_id)
    assert (stored["status"], stored["served_how"]) == ("issued", "handed_over")
    clocks = [c.what for c in workspace.today.summary(unsynced=0).legal_clocks]
    assert "CPN appeal period ends" in clocks
    assert "Check compliance with the CPW by this date" not in clocks  # the next step is taken


def test_a_countersignature_written_on_the_officers_own_laptop_does_not_serve_a_cpn(
    workspace: Workspace,
) -> None:
    jan = workspace.records.create(record_type="person", fields=person())
    workspace.warnings.issue(_request(jan.id, scheme_id="community_protection"))
    cpn = workspace.warnings.issue(_request(jan.id, scheme_id="community_protection"))
    # Typed in (or imported) on this laptop, naming a supervisor: it never came from the server.
    workspace.records.create(
        record_type="review", fields=_review_fields(workspace, cpn.warning_id, "sam.supervisor")
    )
    with pytest.raises(ValidationError) as forged:
        workspace.warnings.serve(warning_id=cpn.warning_id, served_how="handed_over")
    assert [e.field for e in forged.value.errors] == ["countersignature"]
    assert _warning(workspace, cpn.warning_id)["status"] == "awaiting_countersignature"


def test_a_cpn_template_without_the_right_of_appeal_is_refused_at_load(tmp_path: Path) -> None:
    import json

    from fieldkit.documents.templates import (
        TemplateError,
        bundled_templates_dir,
        load_template_file,
    )

    shipped = bundled_templates_dir() / "cpn_notice.en.v1.json"
    load_template_file(shipped)
    data = json.loads(shipped.read_text(encoding="utf-8"))
    data["sections"] = [s for s in data["sections"] if s["id"] != "appeal"]
    broken = tmp_path / "cpn_notice.en.v2.json"
    broken.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TemplateError, match="right to appeal"):
        load_template_file(broken)


def test_a_letter_reprinted_from_the_profile_is_marked_and_its_print_logged(
    workspace: Workspace, vault: Vault
) -> None:
    jan = workspace.records.create(record_type="person", fields=person())
    yellow = workspace.warnings.issue(_request(jan.id))
    with pytest.raises(ValidationError) as nobody:
        workspace.printouts.reprint_letter(yellow.warning_id, printer=None, recipient=" ")
    assert [e.field for e in nobody.value.errors] == ["recipient"]
    kept, _outcome = workspace.printouts.reprint_letter(
        yellow.warning_id, printer=None, recipient="Jan (copy asked for at the hub)"
    )
    text = _text(kept.pdf)
    assert "REPRINT" in text
    assert "REPRINT" not in _text(yellow.documents[0].pdf)
    assert "Market Place, Dewsbury" in text  # the stored place, not a default
    assert "21:30" in text  # the behaviour's time, not the time of printing
    with vault.read() as conn:
        printed = (
            connection(conn)
            .execute(
                AuditEntry.__table__.select().where(
                    AuditEntry.action == audit.AuditAction.PRINT.value,
                    AuditEntry.record_id == kept.id,
                )
            )
            .all()
        )
    assert [p.recipient for p in printed] == ["Jan (copy asked for at the hub)"]
