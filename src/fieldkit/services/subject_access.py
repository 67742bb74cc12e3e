"""Subject access: everything the vault holds about one person, as JSON and a readable PDF.

The export is a disclosure under s62: each record written out gets one audit ``export`` event
(reason "subject access request"), and the PDF is kept in the vault as a ``document`` record of
kind ``subject_access``, served "exported". Each record disclosed is logged first;
then both files are written owner-only under neutral temporary names in the chosen folder and
renamed into place, and a ``complete`` entry counts the records. A failure after the log removes
what was written and completes with none: the log over-reports, never under.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from fieldkit.documents import (
    AccessEvent,
    AccessField,
    AccessRecord,
    AccessSection,
    AccessVersion,
    RenderedDocument,
    SubjectAccessInput,
    TemplateLibrary,
    render_subject_access,
    scope_statement,
)
from fieldkit.documents.templates import Branding
from fieldkit.domain.evidence import export_name
from fieldkit.domain.legal_clocks import LONDON, format_date, format_datetime
from fieldkit.domain.records import (
    SPECS,
    FieldKind,
    RecordType,
    field_label,
    is_restricted,
    normalise_id,
    value_label,
)
from fieldkit.domain.retention import load_rules, record_regime
from fieldkit.domain.schemes import Scheme
from fieldkit.domain.vocabulary import DocumentKind, ServedHow
from fieldkit.services import disclosure
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.people import person_name
from fieldkit.store import audit, blobs
from fieldkit.store.errors import RecordNotFoundError
from fieldkit.store.records import StoredRecord
from fieldkit.store.subject_access import EarlierVersion, HeldAboutPerson, LoggedEvent, held_about
from fieldkit.store.vault import Vault

__all__ = ["REASON", "SubjectAccessExport", "SubjectAccessService"]

#: The reason every export event of a subject access export gives.
REASON = "subject access request"
#: The JSON file's format name; a reader checks it before trusting the layout.
FORMAT = "fieldkit.subject_access/1"

#: Sections of the export, in order: (record type, section title, one, many).
_SECTIONS: tuple[tuple[RecordType, str, str, str], ...] = (
    (RecordType.PERSON, "The person's record", "person record", "person records"),
    (RecordType.VISIT, "Visits", "visit", "visits"),
    (RecordType.WARNING, "Warnings", "warning", "warnings"),
    (RecordType.SIGNPOSTING, "Signposting", "signposting record", "signposting records"),
    (RecordType.TENANCY_CASE, "Tenancy cases", "tenancy case", "tenancy cases"),
    (RecordType.TENANCY_NOTE, "Tenancy notes", "tenancy note", "tenancy notes"),
    (RecordType.CLOSURE, "Closures", "closure", "closures"),
    (RecordType.DOCUMENT, "Documents", "document", "documents"),
    (RecordType.REVIEW, "Supervisors' decisions", "review decision", "review decisions"),
    (RecordType.ASB_CASE, "ASB cases", "ASB case", "ASB cases"),
    (RecordType.ASB_PARTY, "Parts in ASB cases", "part in an ASB case", "parts in ASB cases"),
    (RecordType.ASB_RISK, "Risk assessments", "risk assessment", "risk assessments"),
)
_RECORD_WORDS = {
    RecordType.PERSON: "Person record",
    RecordType.VISIT: "Visit",
    RecordType.WARNING: "Warning",
    RecordType.SIGNPOSTING: "Signposting",
    RecordType.TENANCY_CASE: "Tenancy case",
    RecordType.TENANCY_NOTE: "Tenancy note",
    RecordType.CLOSURE: "Closure",
    RecordType.DOCUMENT: "Document",
    RecordType.REVIEW: "Supervisor's decision",
    RecordType.PLACE: "Place",
    RecordType.SERVICE: "Support service",
    RecordType.ASB_CASE: "ASB case",
    RecordType.ASB_PARTY: "Part in an ASB case",
    RecordType.ASB_RISK: "Risk assessment",
    RecordType.ASB_ACTION: "ASB case action",
}
#: The field that dates each kind of record (the first one set is used).
_DATED_BY: Mapping[RecordType, tuple[str, ...]] = {
    RecordType.VISIT: ("occurred_at",),
    RecordType.WARNING: ("issued_at",),
    RecordType.SIGNPOSTING: ("given_at",),
    RecordType.TENANCY_NOTE: ("written_at",),
    RecordType.CLOSURE: ("notice_served_at", "hearing_at", "order_made_at"),
    RecordType.DOCUMENT: ("printed_at",),
    RecordType.REVIEW: ("decided_at",),
    RecordType.ASB_RISK: ("assessed_at",),
}
#: Sorts records without a date (a person, a tenancy case) first.
_UNDATED = datetime.min.replace(tzinfo=UTC)
_FIELD_WORDS = {
    "person_ids": "People",
    "person_id": "Person",
    "tenant_ids": "Tenants",
    "place_id": "Place",
    "service_ids": "Services",
    "officer_id": "Officer",
    "visit_id": "Visit",
    "signposting_id": "Signposting",
    "case_id": "Tenancy case",
    "subject_id": "About record",
    "subject_type": "About",
    "tenancy_ref": "Tenancy reference",
    "sha256": "SHA-256",
    "uprn": "UPRN",
    "lat": "Latitude",
    "lon": "Longitude",
}
_ACTION_WORDS = {
    "view": "Viewed",
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "print": "Printed",
    "export": "Exported",
    "erase": "Erased",
}


@dataclass(frozen=True)
class SubjectAccessExport:
    """What an export wrote and recorded.

    Attributes:
        reference: the export's reference (in both file names and on every page).
        json_path: the machine-readable export.
        pdf_path: the readable export.
        document_id: the ``document`` record that keeps the PDF in the vault.
        records: how many records about the person were disclosed (the person's included).
        referenced: how many places and support services named in them were disclosed too.
        pages: the PDF's page count.
        files: the photos and files attached to those records, one file each named by the
            export's reference, the attachment's id and its extension.

    Each of the ``records + referenced`` records disclosed is logged once.
    """

    reference: str
    json_path: Path
    pdf_path: Path
    document_id: str
    records: int
    referenced: int
    pages: int
    #: Each attachment's bytes, written beside the JSON and PDF (those this laptop holds whole).
    files: tuple[Path, ...] = ()


class SubjectAccessService:
    """Answer a subject access request from this laptop's vault.

    Args:
        vault: the unlocked vault.
        documents: keeps the PDF in the vault with its document record.
        branding: who the PDF comes from (the bundled templates' branding if None).
        replace_file: moves a finished temporary file into place (``os.replace``; tests
            pass one that fails, to show that a failure leaves no files behind).
    """

    def __init__(
        self,
        vault: Vault,
        *,
        documents: DocumentService,
        branding: Callable[[], Branding] | None = None,
        replace_file: Callable[[Path, Path], None] = os.replace,
        schemes: Mapping[str, Scheme] | None = None,
    ) -> None:
        self._vault = vault
        #: Scheme and level names, so a warning says "Street drinking and vagrancy", not its id.
        self._scheme_words: dict[str, str] = {}
        for scheme in (schemes or {}).values():
            self._scheme_words[scheme.id] = scheme.name
            for level in scheme.levels:
                self._scheme_words.setdefault(level.id, level.name)
        self._documents = documents
        self._branding = branding or (lambda: TemplateLibrary.load().bundle("en").branding)
        self._replace = replace_file

    def export(
        self, person_id: str, *, folder: Path, recipient: str | None = None
    ) -> SubjectAccessExport:
        """Write everything held about a person to a folder as JSON and PDF, and log it.

        Args:
            person_id: the person's record id.
            folder: an existing folder to write the two files into.
            recipient: who the export is for, recorded with each export event.

        Returns:
            What was written and recorded.

        Raises:
            RecordNotFoundError: the vault holds no record of that person.
            FileNotFoundError, NotADirectoryError: the folder does not exist.
            FileExistsError: a file of the same name is already there (nothing is replaced).
            OSError: the files could not be written; nothing is left, and the log's
                ``complete`` entry says no record was delivered.
        """
        try:
            person_id = normalise_id(person_id)
        except ValueError:
            raise RecordNotFoundError(RecordType.PERSON.value) from None
        folder = Path(folder)
        if not folder.is_dir():
            raise NotADirectoryError("the chosen folder does not exist or is not a folder")
        now = self._vault.now()
        reference = "SAR-" + secrets.token_hex(4).upper()
        with self._vault.read() as conn:
            held = held_about(conn, person_id)
            attached = _attached_files(
                blobs.attachment_files(
                    conn,
                    [
                        h.record.fields
                        for h in held.records
                        if h.record.type is RecordType.ATTACHMENT
                    ],
                    [h.record.id for h in held.records if h.record.type is RecordType.ATTACHMENT],
                ),
                reference,
            )
        pack = _pack(
            held,
            reference=reference,
            by=self._vault.username,
            at=now,
            scheme_words=self._scheme_words,
        )
        rendered = render_subject_access(pack, self._branding())
        body = _json(held, reference=reference, by=self._vault.username, at=now, pdf=rendered)
        json_path = folder / f"subject-access-{reference}.json"
        pdf_path = folder / f"subject-access-{reference}.pdf"
        file_paths = [folder / name for name, _data in attached]
        for path in (json_path, pdf_path, *file_paths):
            if path.exists():
                raise FileExistsError(f"{path.name} is already in the chosen folder")

        # Logged (committed) with the document record before a byte of it is written outside
        # the vault, so that no process, however it ends, leaves an unlogged copy behind.
        disclosed = [h.record for h in held.records] + list(held.referenced)
        with self._vault.write() as conn:
            kept = self._documents.keep(
                conn,
                self._vault.records(conn),
                rendered,
                subject_type=RecordType.PERSON.value,
                subject_id=held.person.id,
                district=str(held.person.fields["district"]),
                served_how=ServedHow.EXPORTED.value,
            )
            at = self._vault.now().isoformat(timespec="milliseconds")
            audit.append(
                conn,
                [
                    audit.new_event(
                        at=at,
                        actor=self._vault.username,
                        action=audit.AuditAction.EXPORT,
                        record_type=r.type.value,
                        record_id=r.id,
                        reason=REASON,
                        recipient=recipient,
                    )
                    for r in disclosed
                ],
            )
        temporary: list[Path] = []
        placed: list[Path] = []
        try:
            json_tmp = _write_temporary(folder, body, temporary)
            pdf_tmp = _write_temporary(folder, rendered.pdf, temporary)
            moves = [(json_tmp, json_path), (pdf_tmp, pdf_path)]
            for (_name, data), final in zip(attached, file_paths, strict=True):
                moves.append((_write_temporary(folder, data, temporary), final))
            for tmp, final in moves:
                self._replace(tmp, final)
                temporary.remove(tmp)
                placed.append(final)
            disclosure.sync_folder(folder)
        except BaseException:
            for path in placed:
                path.unlink(missing_ok=True)
            # The entries above over-report; this says that nothing was delivered.
            disclosure.log_completion(self._vault, what=REASON, count=0, recipient=recipient)
            raise
        finally:
            for path in temporary:
                path.unlink(missing_ok=True)
        disclosure.log_completion(
            self._vault, what=REASON, count=len(disclosed), recipient=recipient
        )
        return SubjectAccessExport(
            reference,
            json_path,
            pdf_path,
            kept.id,
            len(held.records),
            len(held.referenced),
            rendered.page_count,
            tuple(file_paths),
        )


# Writing files ---------------------------------------------------------------------------------


def _attached_files(
    files: Sequence[tuple[str, str, bytes]], reference: str
) -> list[tuple[str, bytes]]:
    """Each attachment's bytes under the name it is exported with."""
    return [(export_name(reference, record_id, media), data) for record_id, media, data in files]


def _write_temporary(folder: Path, data: bytes, made: list[Path]) -> Path:
    """Write bytes to a new, neutrally named owner-only file in the folder, fsynced."""
    path = disclosure.write_private_temporary(folder, data)
    made.append(path)
    return path


# The JSON --------------------------------------------------------------------------------------


def _json(
    held: HeldAboutPerson,
    *,
    reference: str,
    by: str,
    at: datetime,
    pdf: RenderedDocument,
) -> bytes:
    rules = load_rules()
    document = {
        "format": FORMAT,
        "reference": reference,
        "person_id": held.person.id,
        "prepared_by": by,
        "prepared_at": at.isoformat(timespec="seconds"),
        "scope": scope_statement(by),
        "pdf_sha256": pdf.sha256,
        "records": [
            {
                "type": h.record.type.value,
                "id": h.record.id,
                "why": h.why,
                "deleted": h.record.deleted,
                # The regime the record is processed under (DPA 2018 Part 3 or UK GDPR).
                "regime": rules[h.record.type].regime_of(h.record.fields).value,
                "fields": dict(h.record.fields),
                "history": [
                    {
                        "replaced_at": v.replaced_at,
                        "change": "deleted" if v.op == "delete" else "edited",
                        "fields": dict(v.fields),
                    }
                    for v in held.history.get(h.record.id, ())
                ],
                "audit": [
                    {
                        "at": e.at,
                        "actor": e.actor,
                        "action": e.action,
                        "reason": e.reason,
                        "recipient": e.recipient,
                    }
                    for e in held.audit.get(h.record.id, ())
                ],
            }
            for h in held.records
        ],
        "referenced": [
            {"type": r.type.value, "id": r.id, "deleted": r.deleted, "fields": dict(r.fields)}
            for r in held.referenced
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# The PDF's words -------------------------------------------------------------------------------


def _pack(
    held: HeldAboutPerson,
    *,
    reference: str,
    by: str,
    at: datetime,
    scheme_words: Mapping[str, str] | None = None,
) -> SubjectAccessInput:
    words = _Words(held, scheme_words or {})
    sections: list[AccessSection] = []
    summary: list[str] = []
    for record_type, title, one, many in _SECTIONS:
        group = [h for h in held.records if h.record.type is record_type]
        group.sort(key=lambda h: (_dated(h.record) or _UNDATED, h.record.id))
        summary.append(f"{len(group)} {one if len(group) == 1 else many}")
        sections.append(
            AccessSection(
                title,
                tuple(
                    AccessRecord(
                        heading=_heading(h.record),
                        reference=h.record.id,
                        why=f"Included as {h.why}.",
                        notes=_notes(h.record),
                        fields=words.fields(h.record.type, h.record.fields),
                        versions=words.versions(h.record, held.history.get(h.record.id, ())),
                        events=tuple(_event(e) for e in held.audit.get(h.record.id, ())),
                    )
                    for h in group
                ),
            )
        )
    versions = sum(len(v) for v in held.history.values())
    events = sum(len(e) for e in held.audit.values())
    summary.append(f"{versions} earlier version{'' if versions == 1 else 's'} of these records")
    summary.append(f"{events} log entr{'y' if events == 1 else 'ies'} about these records")
    if held.referenced:
        summary.append(f"{len(held.referenced)} places and support services named in them")
        sections.append(
            AccessSection(
                "Places and support services named in these records",
                tuple(
                    AccessRecord(
                        heading=f"{_RECORD_WORDS[r.type]} — {words.label_of(r)}",
                        reference=r.id,
                        why="Named in a record above; shown so the records can be read.",
                        notes=_notes(r),
                        fields=words.fields(r.type, r.fields),
                    )
                    for r in held.referenced
                ),
            )
        )
    return SubjectAccessInput(
        reference=reference,
        person_name=person_name(held.person.fields),
        prepared_by=by,
        prepared_at=at.astimezone(LONDON),
        summary=tuple(summary),
        sections=tuple(sections),
    )


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _dated(record: StoredRecord) -> datetime | None:
    for name in _DATED_BY.get(record.type, ()):
        moment = _moment(record.fields.get(name))
        if moment is not None:
            return moment
    return None


#: A document kind's wire name inside an audit reason.
_WIRE_NAME = re.compile(r"\b(?:" + "|".join(k.value for k in DocumentKind) + r")\b")


def _heading(record: StoredRecord) -> str:
    words = _RECORD_WORDS.get(record.type) or RecordType.label_for(record.type)
    f = record.fields
    if record.type is RecordType.PERSON:
        return f"{words}: {person_name(f)}"
    if record.type is RecordType.TENANCY_CASE and f.get("tenancy_ref"):
        return f"{words} {f['tenancy_ref']}"
    if record.type is RecordType.DOCUMENT:
        words = DocumentKind.label_for(f.get("kind") or "document")
    moment = _dated(record)
    return f"{words} — {format_datetime(moment)}" if moment else words


def _notes(record: StoredRecord) -> tuple[str, ...]:
    # The record's own regime (a tenancy visit is UK GDPR, a patrol Part 3), as in the JSON.
    regime = record_regime(RecordType(record.type), record.fields)
    notes: list[str] = [f"Processed under: {regime.label}."]
    if record.deleted:
        notes.append("Deleted: the vault keeps its last contents, shown here.")
    if is_restricted(record.fields):
        notes.append("Restricted: holds safeguarding information.")
    return tuple(notes)


def _logged_words(text: str) -> str:
    """An audit reason in words: the log keeps wire names ("yellow_letter made"); the person
    reads "Yellow warning letter made"."""
    return _WIRE_NAME.sub(lambda m: DocumentKind.label_for(m.group(0)), text)


def _event(event: LoggedEvent) -> AccessEvent:
    moment = _moment(event.at)
    detail = [_logged_words(event.reason or "")]
    if event.recipient and ServedHow.parse(event.recipient) is not None:
        detail.append(ServedHow.label_for(event.recipient))  # how it was served, not to whom
    elif event.recipient:
        detail.append(f"to {event.recipient}")
    return AccessEvent(
        when=format_datetime(moment) if moment else event.at,
        who=event.actor,
        what=_ACTION_WORDS.get(event.action, event.action),
        detail="; ".join(d for d in detail if d),
    )


class _Words:
    """Field values in words, naming places and services from the records they refer to."""

    def __init__(self, held: HeldAboutPerson, scheme_words: Mapping[str, str]) -> None:
        self._person_id = held.person.id
        self._labels = {r.id: self.label_of(r) for r in held.referenced}
        self._scheme_words = scheme_words

    @staticmethod
    def label_of(record: StoredRecord) -> str:
        f = record.fields
        return str(f.get("label") or f.get("name") or record.id)

    def fields(
        self, record_type: RecordType, fields: Mapping[str, object]
    ) -> tuple[AccessField, ...]:
        out: list[AccessField] = []
        for spec in SPECS[record_type].fields:
            text = self.value(spec.name, spec.kind, fields.get(spec.name), record_type=record_type)
            if text:
                out.append(AccessField(_label(spec.name), text))
        return tuple(out)

    def versions(
        self, record: StoredRecord, earlier: Sequence[EarlierVersion]
    ) -> tuple[AccessVersion, ...]:
        """Each earlier version as the fields that differed from the version after it."""
        out: list[AccessVersion] = []
        if not earlier:
            return ()
        later = [*(v.fields for v in earlier[1:]), record.fields]
        for version, after in zip(earlier, later, strict=True):
            moment = _moment(version.replaced_at)
            when = format_datetime(moment) if moment else version.replaced_at
            changed = {k: v for k, v in version.fields.items() if k in after and after.get(k) != v}
            fields = self.fields(record.type, changed)
            if version.op == "delete":
                out.append(AccessVersion(f"Deleted at {when}", fields, _DELETED_NOTE))
            else:
                note = "" if fields else "Only empty fields differed."
                out.append(AccessVersion(f"Changed at {when}; before that it said:", fields, note))
        return tuple(out)

    def value(self, name: str, kind: FieldKind, value: object, *, record_type: str = "") -> str:
        if value is None or value == "" or value == []:
            return ""
        if isinstance(value, list):
            if name in ("person_ids", "tenant_ids"):
                return self._people(value)
            return ", ".join(self.value(name, kind, v, record_type=record_type) for v in value)
        if name == "person_id":
            return self._people([value])
        if name in ("scheme", "level"):
            return self._scheme_words.get(str(value), str(value))
        if name in ("place_id", "service_ids"):
            return self._labels.get(str(value), str(value))
        if name == "template_id":
            # "kirklees.yellow_letter": the partnership's template of a kind of document.
            owner, _dot, template_kind = str(value).rpartition(".")
            if DocumentKind.parse(template_kind) is not None:
                words = DocumentKind.label_for(template_kind)
                return f"{words} ({owner} template)" if owner else f"{words} template"
        if kind is FieldKind.DATETIME:
            moment = _moment(value)
            return format_datetime(moment) if moment else str(value)
        if kind is FieldKind.DATE:
            try:
                return format_date(date.fromisoformat(str(value)))
            except ValueError:
                return str(value)
        if kind is FieldKind.BOOL:
            return "Yes" if value else "No"
        if kind is FieldKind.CHOICE or kind is FieldKind.CHOICE_LIST:
            return value_label(record_type, name, value)
        return str(value)

    def _people(self, ids: Sequence[object]) -> str:
        others = sum(1 for i in ids if i != self._person_id)
        bits = ["this person"] if self._person_id in ids else []
        if others:
            bits.append(f"{others} other {'person' if others == 1 else 'people'} (not named here)")
        return " and ".join(bits).capitalize()


_DELETED_NOTE = "The record was deleted then; its last contents are shown above."


def _label(name: str) -> str:
    return _FIELD_WORDS.get(name) or field_label(name)
