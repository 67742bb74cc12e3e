"""The document list: kept documents filtered by words and kind, reprinted marked and logged."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from tests.factories import person

from fieldkit.documents.reprint import mark_reprint
from fieldkit.domain.records import ValidationError
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.warnings import WarningRequest
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store import audit
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault


@pytest.fixture
def workspace(vault: Vault) -> Workspace:
    return open_workspace(vault, documents=DocumentService(vault))


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _yellow(ws: Workspace, given_name: str) -> str:
    someone = ws.records.create(record_type="person", fields=person(given_name=given_name))
    issued = ws.warnings.issue(
        WarningRequest(
            person_id=someone.id,
            scheme_id="street_drinking_vagrancy",
            behaviour="Drinking from an open can",
            conditions=("drink alcohol in the town centre",),
            district="huddersfield",
            place_label="Market Place, Huddersfield",
            occurred_at=datetime(2026, 11, 26, 21, 30, tzinfo=UTC),
        )
    )
    return issued.documents[0].id


def test_the_document_list_filters_by_words_and_kind(workspace: Workspace) -> None:
    jan = _yellow(workspace, "Jan")
    _yellow(workspace, "Ola")
    every = workspace.kept_documents.documents()
    assert len(every) == 2
    assert {row.title for row in every} == {"Yellow warning letter"}
    only_jan = workspace.kept_documents.documents(text="jan o'brien")
    assert [row.id for row in only_jan] == [jan]
    assert only_jan[0].subject == "Jan O'Brien"
    assert only_jan[0].served_how == "Handed over"
    assert only_jan[0].kept_here
    assert workspace.kept_documents.documents(kind="red_letter") == []


def test_a_kept_document_reprinted_from_the_list_is_marked_and_its_print_logged(
    workspace: Workspace, vault: Vault
) -> None:
    document_id = _yellow(workspace, "Jan")
    with pytest.raises(ValidationError) as nobody:
        workspace.kept_documents.reprint(document_id, printer=None, recipient="  ")
    assert [e.field for e in nobody.value.errors] == ["recipient"]
    original = workspace.kept_documents.open(document_id)
    assert original is not None
    kept, outcome = workspace.kept_documents.reprint(
        document_id, printer=None, recipient="Jan's support worker"
    )
    assert not outcome.printed  # no printer here; the attempt is still logged
    before, after = _pages(original), _pages(kept.pdf)
    assert len(before) == len(after)
    for first, again in zip(before, after, strict=True):
        assert "REPRINT" not in first
        assert "REPRINT" in again
        assert first.strip() in again  # the served wording, untouched
    with vault.read() as conn:
        printed = (
            connection(conn)
            .execute(
                AuditEntry.__table__.select().where(
                    AuditEntry.action == audit.AuditAction.PRINT.value,
                    AuditEntry.record_id == document_id,
                )
            )
            .all()
        )
        viewed = (
            connection(conn)
            .execute(
                AuditEntry.__table__.select().where(
                    AuditEntry.action == audit.AuditAction.VIEW.value,
                    AuditEntry.record_id == document_id,
                )
            )
            .all()
        )
    assert [(p.recipient, p.reason) for p in printed] == [
        ("Jan's support worker", "yellow_letter reprinted")
    ]
    assert [v.reason for v in viewed] == ["document list"]


def test_a_reprint_of_bytes_that_are_not_a_pdf_is_refused() -> None:
    from fieldkit.documents.inputs import DocumentInputError

    with pytest.raises(DocumentInputError):
        mark_reprint(b"not a pdf", "REPRINT")
