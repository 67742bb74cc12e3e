"""Referrals on one laptop: made from a visit, refused without consent or an exception, on Today."""

from __future__ import annotations

import pytest
from tests.documents.pdf_reading import pdf_text
from tests.factories import person, visit

from fieldkit.domain.records import RecordType, ValidationError
from fieldkit.domain.referrals import ReferralStatus
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store import replica
from fieldkit.store.vault import Vault


@pytest.fixture
def workspace(vault: Vault) -> Workspace:
    with vault.write() as conn:
        replica.put_state(conn, "user", {"id": "u1", "role": "officer", "agency": "council"})
    return open_workspace(vault, documents=DocumentService(vault))


def _visit_with_person(ws: Workspace) -> tuple[str, str]:
    someone = ws.records.create(record_type="person", fields=person())
    seen = ws.records.create(
        record_type="visit", fields=visit(person_ids=[someone.id], officer_id=ws.username)
    )
    return seen.id, someone.id


def test_refused_consent_without_a_lawful_exception_writes_nothing(workspace: Workspace) -> None:
    assert workspace.referrals is not None
    visit_id, person_id = _visit_with_person(workspace)
    with pytest.raises(ValidationError) as caught:
        workspace.referrals.refer(
            source_type="visit",
            source_id=visit_id,
            person_id=person_id,
            to_agency="voluntary",
            reason="Needs help with debts",
            consent="refused",
        )
    assert [e.field for e in caught.value.errors] == ["lawful_exception"]
    assert workspace.referrals.all() == []


def test_a_referral_from_an_unknown_piece_of_work_is_refused(workspace: Workspace) -> None:
    assert workspace.referrals is not None
    _visit_id, person_id = _visit_with_person(workspace)
    with pytest.raises(ValidationError):
        workspace.referrals.refer(
            source_type="asb_case",
            source_id="0b6f3b43-6f0e-4c39-9d3c-2f7a1f9f8c11",
            person_id=person_id,
            to_agency="voluntary",
            reason="r",
            consent="given",
        )


def test_the_referrer_sees_the_answer_on_today(workspace: Workspace, vault: Vault) -> None:
    assert workspace.referrals is not None
    visit_id, person_id = _visit_with_person(workspace)
    made = workspace.referrals.refer(
        source_type="visit",
        source_id=visit_id,
        person_id=person_id,
        to_agency="voluntary",
        reason="Lonely; agreed to a befriender",
        consent="given",
    )
    assert made.respond_by is not None
    assert made.status is ReferralStatus.SENT
    assert not made.incoming
    assert workspace.today.referral_lines(vault.now()) == []
    # The partner's answer, as it arrives by sync.
    with vault.write() as conn:
        vault.records(conn).update(RecordType.REFERRAL, made.id, {"status": "accepted"})
    [line] = workspace.today.referral_lines(vault.now())
    assert line.what == "Referral to Voluntary sector: accepted"
    assert line.subject_type == "referral"


def test_the_referral_form_says_who_why_and_the_exception_and_is_kept(
    workspace: Workspace, vault: Vault
) -> None:
    assert workspace.referrals is not None
    visit_id, person_id = _visit_with_person(workspace)
    made = workspace.referrals.refer(
        source_type="visit",
        source_id=visit_id,
        person_id=person_id,
        to_agency="fire",
        reason="Hoarding blocks the stairs; a home fire-safety check is needed",
        consent="refused",
        lawful_exception="vital_interests",
    )
    kept = workspace.referrals.referral_form(referral_id=made.id)
    text = " ".join(pdf_text(kept.pdf).split())
    assert "Referral" in text
    assert "Fire and rescue" in text
    assert "a home fire-safety check is needed" in text
    assert "Protecting someone's life (vital interests)" in text
    assert f"REF-{made.id[:8].upper()}" in text
    with vault.read() as conn:
        document = vault.records(conn).require(RecordType.DOCUMENT, kept.id)
    assert document.fields["kind"] == "referral_form"
    assert document.fields["subject_id"] == made.id
