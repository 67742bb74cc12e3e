"""Partnership-wide subject access: everything the server holds about a person, and who got it."""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fieldkit.documents.subject_access import (
    AccessEvent,
    AccessField,
    AccessRecord,
    AccessSection,
    AccessVersion,
    SubjectAccessInput,
    render_subject_access,
)
from fieldkit.documents.templates import TemplateLibrary
from fieldkit.domain.evidence import export_name
from fieldkit.domain.hlc import Hlc
from fieldkit.domain.records import RecordType, normalise_id
from fieldkit.domain.retention import RetentionRule, load_rules
from fieldkit_server import audit, blobs
from fieldkit_server.audit import PAGE_RECORDS, AuditAction
from fieldkit_server.clock import aware
from fieldkit_server.models import AuditEvent, Change, Device, Record, RecordLink, User

#: The format of the JSON export (a reader checks it before trusting the layout).
FORMAT: Final = "fieldkit-server-subject-access/1"
#: What a withheld value reads: another person's id in a record about the subject.
WITHHELD: Final = "withheld: another person"
#: The audit reason for every record disclosed by the export.
REASON: Final = "subject access request (partnership-wide)"
#: Fields that list people: in a record about the subject, everyone else is withheld.
_PEOPLE_FIELDS: Final = ("person_ids", "tenant_ids")
#: How many ids one IN (...) query takes.
_CHUNK: Final = 500
#: Audit actions that put a record in someone's hands: a pull, a print, an export.
_DISCLOSING: Final = (
    AuditAction.DISCLOSE.value,
    AuditAction.PRINT.value,
    AuditAction.EXPORT.value,
    AuditAction.SUBJECT_ACCESS.value,
)
_LONDON: Final = ZoneInfo("Europe/London")
_REGIME_WORDS: Final = {
    "dpa2018_part3": "Processed under the Data Protection Act 2018 Part 3 (law enforcement).",
    "uk_gdpr": "Processed under the UK GDPR.",
}


class SubjectAccessError(ValueError):
    """The request cannot be answered as asked; the message names no personal data."""


@dataclass(frozen=True)
class Disclosure:
    """One time a record reached someone: a device's pull, a print, an export."""

    record_id: str
    at: datetime
    action: str
    username: str | None
    device_id: str | None
    device_name: str | None
    #: What the disclosure was made under: the receiving user's role and districts (as they
    #: stand now), or the reason recorded with a print or export.
    scope: str
    recipient: str | None


@dataclass(frozen=True)
class AboutRecord:
    """A record the export holds, why it counts, and its fields with others' details withheld."""

    type: RecordType
    id: str
    why: str
    fields: Mapping[str, object]
    restricted: bool
    versions: Mapping[str, str]
    changes: tuple[Mapping[str, object], ...]
    #: The data-protection regime the record is processed under (``domain.retention``).
    regime: str


@dataclass(frozen=True)
class Gathered:
    """Everything about one person, ready to write."""

    person_id: str
    person_name: str
    records: tuple[AboutRecord, ...]
    referenced: tuple[AboutRecord, ...]
    disclosures: Mapping[str, tuple[Disclosure, ...]]


@dataclass(frozen=True)
class Written:
    """What an export wrote."""

    reference: str
    json_path: Path
    pdf_path: Path
    records: int
    disclosures: int
    #: Each attachment's bytes, beside the JSON and the PDF (those the server holds whole).
    files: tuple[Path, ...] = ()


def disclosures_of(session: Session, record_ids: Sequence[str]) -> dict[str, list[Disclosure]]:
    """Who received each record, when, and under which scope: the one query that reads them.

    Pull disclosures are read from the s62 log (a ``disclose`` event per pull page, listing the
    ids it sent, or per record for fetches and reports);
    prints and exports logged on laptops, and earlier subject access exports, count too.

    Args:
        session: the transaction.
        record_ids: the records asked about.
    """
    out: dict[str, list[Disclosure]] = {}
    columns = (
        AuditEvent.record_id,
        AuditEvent.at,
        AuditEvent.action,
        AuditEvent.actor,
        AuditEvent.reason,
        AuditEvent.recipient,
        AuditEvent.device_id,
        AuditEvent.detail,
        User.username,
        User.role,
        User.districts,
        Device.name.label("device_name"),
    )
    for chunk in _chunks(record_ids):
        wanted = set(chunk)
        per_record = select(*columns).where(
            AuditEvent.record_id.in_(chunk), AuditEvent.action.in_(_DISCLOSING)
        )
        # A pull page is one `disclose` row listing the ids it sent (audit.PAGE_RECORDS):
        # narrowed by text here, then read exactly below.
        per_page = select(*columns).where(
            AuditEvent.record_id.is_(None),
            AuditEvent.action == AuditAction.DISCLOSE.value,
            or_(*(AuditEvent.detail.contains(f'"{record_id}"') for record_id in chunk)),
        )
        for query in (per_record, per_page):
            rows = session.execute(
                query.outerjoin(User, User.id == AuditEvent.user_id)
                .outerjoin(Device, Device.id == AuditEvent.device_id)
                .order_by(AuditEvent.at, AuditEvent.id)
            )
            for row in rows:
                if row.record_id is not None:
                    about = [str(row.record_id)]
                else:
                    detail = json.loads(row.detail) if row.detail else {}
                    listed = {i for ids in detail.get(PAGE_RECORDS, {}).values() for i in ids}
                    about = sorted(listed & wanted)
                if row.role is not None:
                    districts = ", ".join(json.loads(row.districts or "[]")) or "no district"
                    scope = f"{row.role} in {districts}"
                else:
                    scope = row.reason or "not recorded"
                for record_id in about:
                    out.setdefault(record_id, []).append(
                        Disclosure(
                            record_id=record_id,
                            at=aware(row.at),
                            action=row.action,
                            username=row.username or row.actor,
                            device_id=row.device_id,
                            device_name=row.device_name,
                            scope=scope,
                            recipient=row.recipient,
                        )
                    )
    for found in out.values():
        found.sort(key=lambda d: d.at)
    return out


def gather(session: Session, person_id: str) -> Gathered:
    """Every record the server holds about a person, linked records, versions and disclosures.

    Args:
        session: the transaction.
        person_id: the person's record id.

    Raises:
        SubjectAccessError: the id is not a person the server holds.
    """
    try:
        person_id = normalise_id(person_id)
    except ValueError:
        raise SubjectAccessError("not a record id") from None
    found = records_about(session, person_id)
    person = found[person_id][0]
    records = tuple(_about(session, row, reason, person_id) for row, reason in found.values())
    referenced_ids = sorted(
        {
            str(value)
            for r in records
            for name in ("place_id",)
            if isinstance(value := r.fields.get(name), str) and value
        }
        | {
            str(s)
            for r in records
            for s in (r.fields.get("service_ids") or [])  # type: ignore[attr-defined]
        }
    )
    referenced = tuple(
        _about(session, row, "named in a record above", person_id)
        for row in _load(session, referenced_ids)
        if not row.deleted and row.type in (RecordType.PLACE.value, RecordType.SERVICE.value)
    )
    disclosed = disclosures_of(session, [r.id for r in records])
    return Gathered(
        person_id=person_id,
        person_name=_person_name(json.loads(person.fields)),
        records=records,
        referenced=referenced,
        disclosures={k: tuple(v) for k, v in disclosed.items()},
    )


def records_about(session: Session, person_id: str) -> dict[str, tuple[Record, str]]:
    """Every live record about a person, with why it counts: the person's own record first.

    Records naming the person in their fields (visits, warnings, signposting, tenancy cases,
    documents), then, following record links, notes and closures on those cases, letters about
    those records and reviews of them.

    Raises:
        SubjectAccessError: the id is not a person the server holds.
    """
    rows = {r.id: r for r in _load(session, [person_id])}
    person = rows.get(person_id)
    if person is None or person.type != RecordType.PERSON.value or person.deleted:
        raise SubjectAccessError("the server holds no person with that id")
    why: dict[str, str] = {person_id: "the person's own record"}
    # Records naming the person in their fields: the text search narrows, the fields decide.
    for row in session.execute(
        select(Record).where(Record.deleted.is_(False), Record.fields.contains(person_id))
    ).scalars():
        reason = _names_person(row.type, json.loads(row.fields), person_id)
        if reason:
            why.setdefault(row.id, reason)
            rows[row.id] = row
    # Records about those records: notes and closures on their cases, letters, reviews.
    wave = set(why)
    while wave:
        linked = set(
            session.scalars(
                select(RecordLink.record_id).where(RecordLink.target_id.in_(sorted(wave)))
            )
        )
        found = [
            r
            for r in _load(session, sorted(linked - set(why)))
            if not r.deleted and r.type in _ABOUT_LINKED
        ]
        for row in found:
            why[row.id] = _ABOUT_LINKED[row.type]
            rows[row.id] = row
        wave = {r.id for r in found}
    # Photos and files attached to any of them (their bytes go in the export folder too).
    attached = [a for a, _owner in blobs.attachments_of(session, set(why)) if a not in why]
    for row in _load(session, attached):
        why[row.id] = "a photo or file on one of these records"
        rows[row.id] = row
    return {record_id: (rows[record_id], reason) for record_id, reason in why.items()}


#: Linked types, and why they count as about the person.
_ABOUT_LINKED: Final = {
    RecordType.TENANCY_NOTE.value: "a note on the person's tenancy case",
    RecordType.CLOSURE.value: "a closure on the person's tenancy case",
    RecordType.DOCUMENT.value: "a document about the person or one of these records",
    RecordType.REVIEW.value: "a supervisor's decision about one of these records",
}


def _person_name(fields: Mapping[str, object]) -> str:
    name = " ".join(str(p) for p in (fields.get("given_name"), fields.get("family_name")) if p)
    return name or str(fields.get("description") or "Unknown person")


def _names_person(record_type: str, fields: Mapping[str, object], person_id: str) -> str | None:
    people = fields.get("person_ids")
    if record_type == RecordType.VISIT.value and isinstance(people, list) and person_id in people:
        return "a visit involving the person"
    if record_type == RecordType.WARNING.value and fields.get("person_id") == person_id:
        return "a warning given to the person"
    if record_type == RecordType.SIGNPOSTING.value and fields.get("person_id") == person_id:
        return "signposting offered to the person"
    tenants = fields.get("tenant_ids")
    if (
        record_type == RecordType.TENANCY_CASE.value
        and isinstance(tenants, list)
        and person_id in tenants
    ):
        return "a tenancy case with the person as a tenant"
    if record_type == RecordType.DOCUMENT.value and fields.get("subject_id") == person_id:
        return "a document about the person"
    return None


def _withheld(fields: Mapping[str, object], person_id: str) -> dict[str, object]:
    out = dict(fields)
    for name in _PEOPLE_FIELDS:
        value = out.get(name)
        if isinstance(value, list):
            out[name] = [v if v == person_id else WITHHELD for v in value]
    return out


def _about(session: Session, row: Record, why: str, person_id: str) -> AboutRecord:
    versions = json.loads(row.versions or "{}")
    changes = tuple(
        {
            "at": aware(c.received_at).isoformat(timespec="seconds"),
            "change": "erased" if c.op == "delete" else "created or edited",
            "by": c.username,
            "device": c.device_id,
        }
        for c in session.execute(
            select(Change.op, Change.received_at, Change.device_id, User.username)
            .outerjoin(User, User.id == Change.user_id)
            .where(Change.record_id == row.id, Change.status == "applied")
            .order_by(Change.received_at, Change.change_id)
        )
    )
    fields = json.loads(row.fields)
    return AboutRecord(
        type=RecordType(row.type),
        id=row.id,
        why=why,
        regime=_rules()[RecordType(row.type)].regime_of(fields).value,
        fields=_withheld(fields, person_id),
        restricted=row.restricted,
        versions={k: _hlc_time(v) for k, v in sorted(versions.items())},
        changes=changes,
    )


@cache
def _rules() -> dict[RecordType, RetentionRule]:
    return load_rules()


def _hlc_time(value: object) -> str:
    try:
        millis = Hlc.parse(str(value)).millis
    except ValueError:
        return str(value)
    return datetime.fromtimestamp(millis / 1000, tz=ZoneInfo("UTC")).isoformat(timespec="seconds")


def _load(session: Session, ids: Sequence[str]) -> list[Record]:
    out: list[Record] = []
    for chunk in _chunks(ids):
        out.extend(session.scalars(select(Record).where(Record.id.in_(chunk)).order_by(Record.id)))
    return out


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


# Logging and writing ---------------------------------------------------------------------------


def log_export(
    session: Session, gathered: Gathered, *, reference: str, actor: str, now: datetime
) -> None:
    """Log the export as a disclosure of each record to the data subject (before writing it)."""
    audit.append(
        session,
        [
            audit.server_event(
                at=now,
                action=AuditAction.SUBJECT_ACCESS,
                user_id=None,
                device_id=None,
                actor=actor,
                record_type=r.type.value,
                record_id=r.id,
                reason=REASON,
                detail={"reference": reference},
            )
            | {"recipient": "the data subject"}
            for r in (*gathered.records, *gathered.referenced)
        ],
    )


def new_reference() -> str:
    """A fresh export reference, printed on every page and in the file names."""
    return "SAR-P-" + secrets.token_hex(4).upper()


def render_export(
    gathered: Gathered, *, reference: str, prepared_by: str, now: datetime
) -> tuple[bytes, bytes]:
    """The export's JSON and PDF, in memory (the JSON names the PDF's SHA-256).

    Args:
        gathered: what the server holds about the person.
        reference: the export's reference, printed on every page.
        prepared_by: who prepared it.
        now: when.
    """
    rendered = render_subject_access(
        _pack(gathered, reference=reference, by=prepared_by, at=now),
        TemplateLibrary.load().bundle("en").branding,
    )
    body = _json(gathered, reference=reference, by=prepared_by, at=now, pdf_sha256=rendered.sha256)
    return body, rendered.pdf


def write_export(
    gathered: Gathered,
    *,
    folder: Path,
    reference: str,
    prepared_by: str,
    now: datetime,
    store: blobs.BlobStore | None = None,
) -> Written:
    """Write the JSON, the PDF and the attached files into a folder, owner-only, all or none.

    Each attachment's bytes (read from ``store``, checked against their SHA-256; left out
    while the server does not hold the file whole) are named by the reference, the
    attachment's id and an extension from its media type.

    Raises:
        NotADirectoryError: the folder does not exist.
        FileExistsError: a file of the same name is there already (nothing is replaced).
        OSError: the files could not be written; nothing is left behind.
    """
    if not folder.is_dir():
        raise NotADirectoryError("the output folder does not exist or is not a folder")
    json_path = folder / f"subject-access-{reference}.json"
    pdf_path = folder / f"subject-access-{reference}.pdf"
    files: list[tuple[bytes, Path]] = []
    for r in gathered.records:
        if r.type is not RecordType.ATTACHMENT or store is None:
            continue
        data = blobs.read_whole(store, str(r.fields.get("sha256") or ""))
        if data is not None:
            name = export_name(reference, r.id, str(r.fields.get("media_type") or ""))
            files.append((data, folder / name))
    for path in (json_path, pdf_path, *(final for _data, final in files)):
        if path.exists():
            raise FileExistsError(f"{path.name} is already in the output folder")
    body, pdf = render_export(gathered, reference=reference, prepared_by=prepared_by, now=now)
    placed: list[Path] = []
    try:
        for data, final in ((body, json_path), (pdf, pdf_path), *files):
            _place(folder, data, final)
            placed.append(final)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        raise
    count = sum(len(v) for v in gathered.disclosures.values())
    return Written(
        reference,
        json_path,
        pdf_path,
        len(gathered.records),
        count,
        tuple(final for _data, final in files),
    )


def _place(folder: Path, data: bytes, final: Path) -> None:
    handle, name = tempfile.mkstemp(dir=folder, prefix=".fieldkit-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.link(name, final)  # fails rather than replace a file that appeared meanwhile
    finally:
        Path(name).unlink(missing_ok=True)


def _cover(gathered: Gathered, by: str) -> tuple[str, ...]:
    return (
        f"This is everything the partnership's Fieldkit server held about "
        f"{gathered.person_name}: their own record, every record that involves them, what "
        "each record's change history shows (the server keeps when each field last changed "
        "and who changed the record, not its earlier wording: laptops keep that), and every "
        "time each record reached an officer's laptop, a printer or an export.",
        f"Prepared by {by} at the server, across every district and every officer's work.",
        "Other people named in these records are withheld (shown as “withheld: another "
        "person”); free text may still mention others: check it, and any exemption that "
        "applies (records marked Restricted hold safeguarding information), before release.",
        "A machine-readable copy of the same content is in the JSON file with the same "
        "reference. Making this export was logged: one entry per record disclosed.",
    )


def _pack(gathered: Gathered, *, reference: str, by: str, at: datetime) -> SubjectAccessInput:
    def record(r: AboutRecord, *, events: bool) -> AccessRecord:
        return AccessRecord(
            heading=f"{r.type.value.replace('_', ' ').capitalize()} {r.id[:8]}",
            reference=r.id,
            why=f"Included as {r.why}.",
            notes=(
                _REGIME_WORDS.get(r.regime, r.regime),
                *(("Restricted: holds safeguarding information.",) if r.restricted else ()),
            ),
            fields=tuple(
                AccessField(name.replace("_", " ").capitalize(), _words(value))
                for name, value in sorted(r.fields.items())
                if value not in (None, "", [])
            ),
            versions=tuple(
                AccessVersion(
                    heading=f"{c['change']} at {c['at']} by {c['by'] or 'the server'}", fields=()
                )
                for c in r.changes
            ),
            events=tuple(
                AccessEvent(
                    when=d.at.astimezone(_LONDON).strftime("%H:%M on %d %B %Y"),
                    who=d.username or "unknown",
                    what=d.action,
                    detail=f"device {d.device_name or d.device_id or '-'}; {d.scope}",
                )
                for d in gathered.disclosures.get(r.id, ())
            )
            if events
            else (),
        )

    by_type: dict[RecordType, list[AboutRecord]] = {}
    for r in gathered.records:
        by_type.setdefault(r.type, []).append(r)
    sections = [
        AccessSection(
            record_type.value.replace("_", " ").capitalize() + " records",
            tuple(record(r, events=True) for r in by_type[record_type]),
        )
        for record_type in RecordType
        if record_type in by_type
    ]
    if gathered.referenced:
        sections.append(
            AccessSection(
                "Places and support services named in these records",
                tuple(record(r, events=False) for r in gathered.referenced),
            )
        )
    disclosures = sum(len(v) for v in gathered.disclosures.values())
    return SubjectAccessInput(
        reference=reference,
        person_name=gathered.person_name,
        prepared_by=by,
        prepared_at=at.astimezone(_LONDON),
        summary=(
            f"{len(gathered.records)} records about the person",
            f"{disclosures} disclosures of those records",
        ),
        sections=tuple(sections),
        cover=_cover(gathered, by),
    )


def _words(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _json(gathered: Gathered, *, reference: str, by: str, at: datetime, pdf_sha256: str) -> bytes:
    def record(r: AboutRecord) -> dict[str, Any]:
        return {
            "type": r.type.value,
            "id": r.id,
            "why": r.why,
            "restricted": r.restricted,
            "regime": r.regime,
            "fields": dict(r.fields),
            "field_last_changed": dict(r.versions),
            "changes": [dict(c) for c in r.changes],
            "disclosures": [
                {
                    "at": d.at.isoformat(timespec="seconds"),
                    "action": d.action,
                    "user": d.username,
                    "device_id": d.device_id,
                    "device_name": d.device_name,
                    "scope": d.scope,
                    "recipient": d.recipient,
                }
                for d in gathered.disclosures.get(r.id, ())
            ],
        }

    document = {
        "format": FORMAT,
        "reference": reference,
        "person_id": gathered.person_id,
        "prepared_by": by,
        "prepared_at": at.isoformat(timespec="seconds"),
        "scope": "partnership-wide: every record the server holds, in every district",
        "withheld": WITHHELD,
        "pdf_sha256": pdf_sha256,
        "records": [record(r) for r in gathered.records],
        "referenced": [
            {"type": r.type.value, "id": r.id, "fields": dict(r.fields)}
            for r in gathered.referenced
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
