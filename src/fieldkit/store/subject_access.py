"""Finding everything the vault holds about one person, for a subject access request.

A record is about the person when it names them now (a visit through ``visit_person`` or its
``person_ids``, a warning or signposting by ``person_id``, a tenancy case by ``tenant_ids``), when
an earlier version of it named them, when it belongs to one of their tenancy cases (notes and
closures), or when it is a document made about any of those. Deleted records are included: a
tombstone still holds its last fields. Read-only; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, cast, select

from fieldkit.domain.records import RecordType
from fieldkit.store.errors import RecordNotFoundError
from fieldkit.store.records import StoredRecord, to_record
from fieldkit.store.schema import RECORD_TABLES, AuditEntry, HistoryEntry, visit_person
from fieldkit.store.transaction import Transaction, connection

#: Ids per ``IN (...)`` list, well under SQLite's bound-parameter limit.
_CHUNK = 500

#: The fields through which a record of each type names a person.
PERSON_LINKS: Mapping[RecordType, str] = {
    RecordType.VISIT: "person_ids",
    RecordType.WARNING: "person_id",
    RecordType.SIGNPOSTING: "person_id",
    RecordType.TENANCY_CASE: "tenant_ids",
    RecordType.ASB_PARTY: "person_id",
    RecordType.ASB_RISK: "person_id",
}


@dataclass(frozen=True)
class HeldRecord:
    """A record held about the person, and why it counts as about them."""

    record: StoredRecord
    why: str


@dataclass(frozen=True)
class EarlierVersion:
    """A record's fields before one change (``op`` is ``upsert`` for an edit, else ``delete``)."""

    record_id: str
    replaced_at: str
    op: str
    fields: Mapping[str, object]


@dataclass(frozen=True)
class LoggedEvent:
    """One audit-log entry about a record: who did what to it, when, why and for whom."""

    event_id: str
    record_id: str
    at: str
    actor: str
    action: str
    reason: str | None
    recipient: str | None


@dataclass(frozen=True)
class HeldAboutPerson:
    """Everything held about one person.

    Attributes:
        person: the person's own record (possibly deleted).
        records: the person's record first, then every record about them, by type then id.
        history: each record's earlier versions, oldest first, by record id.
        audit: each record's audit entries, oldest first, by record id.
        referenced: places and support services the records refer to (context, not about
            the person in themselves), by type then id.
    """

    person: StoredRecord
    records: tuple[HeldRecord, ...]
    history: Mapping[str, tuple[EarlierVersion, ...]]
    audit: Mapping[str, tuple[LoggedEvent, ...]]
    referenced: tuple[StoredRecord, ...]


def held_about(tx: Transaction, person_id: str) -> HeldAboutPerson:
    """Gather every record about a person, with each one's history and audit entries.

    Args:
        conn: a connection inside a read (or write) transaction.
        person_id: the person's record id.

    Raises:
        RecordNotFoundError: the vault has no record of that person, live or deleted.
    """
    conn = connection(tx)
    found = _load(conn, RecordType.PERSON, [person_id])
    if not found:
        raise RecordNotFoundError(RecordType.PERSON.value)
    person = found[0]
    why: dict[str, tuple[RecordType, str]] = {
        person_id: (RecordType.PERSON, "the person's own record")
    }

    def note(record_type: RecordType, ids: Iterable[str], reason: str) -> None:
        for record_id in ids:
            why.setdefault(record_id, (record_type, reason))

    note(RecordType.VISIT, _visit_ids(conn, person_id), "a visit involving the person")
    for record_type, words in (
        (RecordType.WARNING, "a warning given to the person"),
        (RecordType.SIGNPOSTING, "signposting offered to the person"),
        (RecordType.ASB_PARTY, "the person's part in an ASB case"),
        (RecordType.ASB_RISK, "a risk assessment of the person"),
    ):
        table = RECORD_TABLES[record_type]
        rows = conn.execute(select(table.c.id).where(table.c.person_id == person_id))
        note(record_type, (r[0] for r in rows), words)
    note(
        RecordType.TENANCY_CASE,
        _listed_in(conn, RecordType.TENANCY_CASE, "tenant_ids", person_id),
        "a tenancy case with the person as a tenant",
    )
    for record_type, record_id in _named_in_history(conn, person_id):
        note(record_type, [record_id], "an earlier version named the person")

    case_ids = [i for i, (t, _) in why.items() if t is RecordType.TENANCY_CASE]
    for record_type, words in (
        (RecordType.TENANCY_NOTE, "a note on the person's tenancy case"),
        (RecordType.CLOSURE, "a closure on the person's tenancy case"),
    ):
        table = RECORD_TABLES[record_type]
        note(record_type, _ids_where(conn, table, "case_id", case_ids), words)

    asb_case_ids = sorted(
        {
            str(r.fields["case_id"])
            for t in (RecordType.ASB_PARTY, RecordType.ASB_RISK)
            for r in _load(conn, t, [i for i, (kind, _) in why.items() if kind is t])
        }
    )
    note(RecordType.ASB_CASE, asb_case_ids, "an ASB case the person is a party to")

    table = RECORD_TABLES[RecordType.DOCUMENT]
    documents = _ids_where(conn, table, "subject_id", list(why))
    note(RecordType.DOCUMENT, documents, "a document about the person or one of these records")

    table = RECORD_TABLES[RecordType.REVIEW]
    reviews = _ids_where(conn, table, "subject_id", list(why))
    note(RecordType.REVIEW, reviews, "a supervisor's decision about one of these records")

    table = RECORD_TABLES[RecordType.ATTACHMENT]
    attachments = _ids_where(conn, table, "owner_id", list(why))
    note(RecordType.ATTACHMENT, attachments, "a photo or file on one of these records")

    by_type: dict[RecordType, list[str]] = {}
    for record_id, (record_type, _) in why.items():
        by_type.setdefault(record_type, []).append(record_id)
    records = [HeldRecord(person, why[person_id][1])]
    for record_type in RecordType:
        if record_type is RecordType.PERSON or record_type not in by_type:
            continue
        loaded = _load(conn, record_type, sorted(by_type[record_type]))
        records.extend(HeldRecord(r, why[r.id][1]) for r in loaded)
    ids = [h.record.id for h in records]
    return HeldAboutPerson(
        person=person,
        records=tuple(records),
        history=_history(conn, ids),
        audit=_audit(conn, ids),
        referenced=_referenced(conn, [h.record for h in records]),
    )


def _visit_ids(conn: Connection, person_id: str) -> list[str]:
    # Live visits are linked in visit_person; a deleted visit loses its links but keeps its
    # person_ids, so tombstones are searched as well.
    linked = conn.execute(
        select(visit_person.c.visit_id).where(visit_person.c.person_id == person_id)
    )
    ids = [r[0] for r in linked]
    ids += _listed_in(conn, RecordType.VISIT, "person_ids", person_id, deleted_only=True)
    return ids


def _listed_in(
    conn: Connection,
    record_type: RecordType,
    column: str,
    person_id: str,
    *,
    deleted_only: bool = False,
) -> list[str]:
    """Ids of records whose list column holds the person's id."""
    table = RECORD_TABLES[record_type]
    # A UUID holds no LIKE wildcards; the match is checked exactly below, so text that merely
    # contains the id cannot bring in a record.
    query = select(table.c.id, table.c[column]).where(
        cast(table.c[column], String).like(f'%"{person_id}"%')
    )
    if deleted_only:
        query = query.where(table.c.deleted.is_(True))
    return [row[0] for row in conn.execute(query) if person_id in (row[1] or [])]


def _named_in_history(conn: Connection, person_id: str) -> list[tuple[RecordType, str]]:
    """Records whose earlier versions named the person through one of their person links."""
    query = (
        select(HistoryEntry.record_type, HistoryEntry.record_id, HistoryEntry.fields)
        .where(HistoryEntry.record_type.in_([t.value for t in PERSON_LINKS]))
        .where(cast(HistoryEntry.fields, String).like(f'%"{person_id}"%'))
        .order_by(HistoryEntry.seq)
    )
    found: list[tuple[RecordType, str]] = []
    for record_type, record_id, fields in conn.execute(query):
        kind = RecordType(record_type)
        value = fields.get(PERSON_LINKS[kind])
        if value == person_id or (isinstance(value, list) and person_id in value):
            found.append((kind, record_id))
    return found


def _ids_where(conn: Connection, table: Any, column: str, values: Sequence[str]) -> list[str]:
    ids: list[str] = []
    for chunk in _chunks(values):
        ids += [r[0] for r in conn.execute(select(table.c.id).where(table.c[column].in_(chunk)))]
    return ids


def _load(conn: Connection, record_type: RecordType, ids: Sequence[str]) -> list[StoredRecord]:
    """Records by id, live or deleted, in the order asked for."""
    table = RECORD_TABLES[record_type]
    by_id: dict[str, StoredRecord] = {}
    for chunk in _chunks(ids):
        for row in conn.execute(select(table).where(table.c.id.in_(chunk))).mappings():
            by_id[row["id"]] = to_record(record_type, row)
    return [by_id[i] for i in ids if i in by_id]


def _history(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[EarlierVersion, ...]]:
    out: dict[str, list[EarlierVersion]] = {}
    for chunk in _chunks(ids):
        query = (
            select(
                HistoryEntry.record_id,
                HistoryEntry.replaced_at,
                HistoryEntry.op,
                HistoryEntry.fields,
            )
            .where(HistoryEntry.record_id.in_(chunk))
            .order_by(HistoryEntry.seq)
        )
        for record_id, replaced_at, op, fields in conn.execute(query):
            out.setdefault(record_id, []).append(
                EarlierVersion(record_id, replaced_at, op, dict(fields))
            )
    return {k: tuple(v) for k, v in out.items()}


def _audit(conn: Connection, ids: Sequence[str]) -> dict[str, tuple[LoggedEvent, ...]]:
    out: dict[str, list[tuple[int, LoggedEvent]]] = {}
    for chunk in _chunks(ids):
        query = select(
            AuditEntry.seq,
            AuditEntry.event_id,
            AuditEntry.record_id,
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.reason,
            AuditEntry.recipient,
        ).where(AuditEntry.record_id.in_(chunk))
        for seq, event_id, record_id, at, actor, action, reason, recipient in conn.execute(query):
            event = LoggedEvent(event_id, str(record_id), at, actor, action, reason, recipient)
            out.setdefault(str(record_id), []).append((seq, event))
    return {k: tuple(e for _, e in sorted(v, key=lambda p: p[0])) for k, v in out.items()}


def _referenced(conn: Connection, records: Sequence[StoredRecord]) -> tuple[StoredRecord, ...]:
    places: list[str] = []
    services: list[str] = []
    for record in records:
        place_id = record.fields.get("place_id")
        if isinstance(place_id, str) and place_id not in places:
            places.append(place_id)
        for service_id in record.fields.get("service_ids") or []:  # type: ignore[attr-defined]
            if service_id not in services:
                services.append(str(service_id))
    return (
        *_load(conn, RecordType.PLACE, sorted(places)),
        *_load(conn, RecordType.SERVICE, sorted(services)),
    )


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])
