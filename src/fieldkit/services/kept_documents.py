"""The document list: every document kept in the vault, filtered, opened and reprinted."""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.documents.inputs import DocumentInputError
from fieldkit.documents.reprint import mark_reprint
from fieldkit.domain.legal_clocks import LONDON, format_datetime
from fieldkit.domain.records import FieldError, RecordType, ValidationError
from fieldkit.domain.vocabulary import DocumentKind, ServedHow
from fieldkit.services.documents_service import (
    DocumentService,
    KeptDocument,
    PrintOutcome,
    document_title,
)
from fieldkit.services.people import parse_moment, person_name
from fieldkit.store import audit, document_files
from fieldkit.store.records import RecordRepository, StoredRecord
from fieldkit.store.vault import Vault

#: The most documents one listing returns (newest first).
LIST_LIMIT = 500


@dataclass(frozen=True)
class DocumentRow:
    """A kept document as the document list shows it."""

    id: str
    kind: str
    title: str
    #: Who or what it is about: a person's name, "Tenancy case REF".
    subject: str
    subject_type: str
    subject_id: str
    printed_at: str
    served_how: str
    #: Whether this laptop holds the PDF (a document printed on another laptop may not be).
    kept_here: bool


def _label(enum: type[ServedHow] | type[DocumentKind], value: object) -> str:
    try:
        return enum(str(value)).label
    except ValueError:
        return str(value)


class KeptDocumentService:
    """Lists the vault's documents and reprints them.

    Args:
        vault: the unlocked vault.
        documents: prints (and logs the printing of) kept documents.
    """

    def __init__(self, vault: Vault, documents: DocumentService) -> None:
        self._vault = vault
        self._documents = documents

    def documents(
        self,
        *,
        text: str = "",
        kind: str = "",
        subject_type: str = "",
        subject_ids: tuple[str, ...] = (),
    ) -> list[DocumentRow]:
        """Kept documents, newest first, filtered by kind, subject and words in the row.

        Args:
            text: words the document's title, subject or how it was served must contain.
            kind: one document kind, or "" for any.
            subject_type: only documents about this type of record ("" for any).
            subject_ids: only documents about these records (a case and its closures).
        """
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            if subject_ids:
                records = repo.where(RecordType.DOCUMENT, "subject_id", list(subject_ids))
            else:
                records = list(repo.iter_all(RecordType.DOCUMENT))
            records = [
                r
                for r in records
                if (not kind or r.fields.get("kind") == kind)
                and (not subject_type or r.fields.get("subject_type") == subject_type)
            ]
            subjects = _subjects(repo, records)
            held = document_files.held(conn)
        records.sort(key=lambda r: parse_moment(r.fields["printed_at"]), reverse=True)
        rows = [
            _row(r, subjects.get(str(r.fields["subject_id"]), ""), r.id in held) for r in records
        ]
        words = text.casefold().split()
        rows = [
            row
            for row in rows
            if all(w in f"{row.title} {row.subject} {row.served_how}".casefold() for w in words)
        ]
        return rows[:LIST_LIMIT]

    def open(self, document_id: str) -> bytes | None:
        """A kept document's PDF to preview (None if not held here); logged as a view (s62).

        Raises:
            RecordNotFoundError: no such document.
        """
        with self._vault.write() as conn:
            self._vault.records(conn).require(RecordType.DOCUMENT, document_id)
            audit.append(
                conn,
                [
                    audit.new_event(
                        at=self._vault.now().isoformat(timespec="milliseconds"),
                        actor=self._vault.username,
                        action=audit.AuditAction.VIEW,
                        record_type=RecordType.DOCUMENT.value,
                        record_id=document_id,
                        reason="document list",
                    )
                ],
            )
            return document_files.load(conn, document_id)

    def for_case(self, case_id: str) -> list[DocumentRow]:
        """The documents of a tenancy case and of its closures (notices, bundles)."""
        with self._vault.read() as conn:
            closures = self._vault.records(conn).where(RecordType.CLOSURE, "case_id", [case_id])
        return self.documents(subject_ids=(case_id, *(c.id for c in closures)))

    def reprint(
        self, document_id: str, *, printer: str | None, recipient: str
    ) -> tuple[KeptDocument, PrintOutcome]:
        """Reprint a kept document for someone: marked as a reprint on every page, logged (s62).

        The kept PDF is printed as it was first made, with "REPRINT <when>" across the top of
        each page; the print is logged against the document with its recipient.

        Raises:
            RecordNotFoundError: no such document.
            ValidationError: no recipient given, or this laptop does not hold the PDF.
        """
        who = recipient.strip()
        if not who:
            raise ValidationError([FieldError("recipient", "say who the reprint is for")])
        with self._vault.read() as conn:
            record = self._vault.records(conn).require(RecordType.DOCUMENT, document_id)
            pdf = document_files.load(conn, document_id)
        if pdf is None:
            raise ValidationError(
                [FieldError("document", "is not kept on this laptop: reprint it where it was made")]
            )
        now = self._vault.now().astimezone(LONDON)
        try:
            marked = mark_reprint(pdf, f"REPRINT {now:%d %b %Y %H:%M}")
        except DocumentInputError:
            raise ValidationError(
                [FieldError("document", "the kept copy cannot be read; it cannot be reprinted")]
            ) from None
        kind = str(record.fields["kind"])
        kept = KeptDocument(
            record.id,
            kind,
            document_title(kind),
            marked,
            0,
            str(record.fields["sha256"]),
        )
        outcome = self._documents.print_document(kept, printer=printer, recipient=who, reprint=True)
        return kept, outcome


def _subjects(repo: RecordRepository, documents: list[StoredRecord]) -> dict[str, str]:
    """Each document subject's words: a person's name, a case's reference."""
    by_type: dict[str, list[str]] = {}
    for d in documents:
        by_type.setdefault(str(d.fields["subject_type"]), []).append(str(d.fields["subject_id"]))
    out: dict[str, str] = {}
    for person in repo.get_many(RecordType.PERSON, by_type.get("person", [])):
        out[person.id] = person_name(person.fields)
    warnings = repo.get_many(RecordType.WARNING, by_type.get("warning", []))
    people = {
        p.id: person_name(p.fields)
        for p in repo.get_many(RecordType.PERSON, [str(w.fields["person_id"]) for w in warnings])
    }
    for w in warnings:
        out[w.id] = people.get(str(w.fields["person_id"]), "")
    closures = repo.get_many(RecordType.CLOSURE, by_type.get("closure", []))
    case_ids = [*by_type.get("tenancy_case", []), *(str(c.fields["case_id"]) for c in closures)]
    refs = {
        c.id: f"Tenancy case {c.fields.get('tenancy_ref') or c.id[:8]}"
        for c in repo.get_many(RecordType.TENANCY_CASE, case_ids)
    }
    out.update(refs)
    for c in closures:
        out[c.id] = refs.get(str(c.fields["case_id"]), "Tenancy case")
    return out


def _row(record: StoredRecord, subject: str, kept_here: bool) -> DocumentRow:
    f = record.fields
    return DocumentRow(
        id=record.id,
        kind=str(f["kind"]),
        title=_label(DocumentKind, f["kind"]),
        subject=subject,
        subject_type=str(f["subject_type"]),
        subject_id=str(f["subject_id"]),
        printed_at=format_datetime(parse_moment(f["printed_at"])),
        served_how=_label(ServedHow, f["served_how"]),
        kept_here=kept_here,
    )
