"""The vault as a sync replica: its outbox, applying pulled records, purging, and sync state."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text, update

from fieldkit.domain.merge import merge_record
from fieldkit.domain.records import SPECS, RecordType, ValidationError, validate_fields
from fieldkit.store import search
from fieldkit.store.records import pack_versions, unpack_versions
from fieldkit.store.schema import (
    RECORD_TABLES,
    AuditEntry,
    Change,
    DocumentFile,
    HistoryEntry,
    Meta,
    visit_person,
)


@dataclass(frozen=True)
class OutgoingChange:
    """A change waiting in the outbox, in the protocol's shape (plus its local number)."""

    seq: int
    change_id: str
    type: str
    id: str
    op: str
    hlc: str
    fields: dict[str, Any]
    base: dict[str, str]

    def wire(self) -> dict[str, Any]:
        return {
            "change_id": self.change_id,
            "type": self.type,
            "id": self.id,
            "op": self.op,
            "hlc": self.hlc,
            "fields": self.fields,
            "base": self.base,
        }


@dataclass(frozen=True)
class PulledRecord:
    """A record as the server sends it."""

    type: str
    id: str
    deleted: bool
    fields: Mapping[str, object]
    versions: Mapping[str, str]


class ApplyOutcome:
    """What applying a page did, for progress and tests."""

    def __init__(self) -> None:
        self.inserted = 0
        self.updated = 0
        self.unchanged = 0
        self.skipped: list[tuple[str, str]] = []


def pending_changes(conn: Connection, *, limit: int) -> list[OutgoingChange]:
    """The oldest changes not yet accepted by the server, in the order they were made."""
    rows = conn.execute(
        select(Change.__table__).where(Change.pushed_at.is_(None)).order_by(Change.seq).limit(limit)
    ).mappings()
    return [
        OutgoingChange(
            r["seq"],
            r["change_id"],
            r["record_type"],
            r["record_id"],
            r["op"],
            r["hlc"],
            dict(r["fields"]),
            dict(r["base"]),
        )
        for r in rows
    ]


def pending_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).where(Change.pushed_at.is_(None))).scalar_one())


def mark_pushed(conn: Connection, change_ids: Sequence[str], *, at: str) -> None:
    """Mark changes as settled by the server (applied, duplicate, or rejected with a reason)."""
    for start in range(0, len(change_ids), 500):
        conn.execute(
            update(Change)
            .where(Change.change_id.in_(list(change_ids[start : start + 500])))
            .values(pushed_at=at)
        )


def apply_pulled(conn: Connection, records: Sequence[PulledRecord], *, at: str) -> ApplyOutcome:
    """Merge pulled records into the vault, in the caller's transaction.

    A field the laptop changed later than the server's version (not yet pushed) keeps the local
    value. A record whose merged state is invalid is skipped (and reported), never half-stored.
    Records new to the laptop (all of them on a first sync) are written in bulk, per type.
    """
    outcome = ApplyOutcome()
    by_type: dict[RecordType, dict[str, PulledRecord]] = {}
    for pulled in records:
        # A page holds each record's latest state; should one appear twice, the later wins.
        by_type.setdefault(RecordType(pulled.type), {})[pulled.id] = pulled
    for record_type, group in by_type.items():
        _apply_group(conn, record_type, list(group.values()), at, outcome)
    return outcome


def _apply_group(
    conn: Connection,
    record_type: RecordType,
    group: Sequence[PulledRecord],
    at: str,
    outcome: ApplyOutcome,
) -> None:
    table = RECORD_TABLES[record_type]
    names = SPECS[record_type].by_name
    held = {
        row["id"]: row
        for row in conn.execute(
            select(table).where(table.c.id.in_([p.id for p in group]))
        ).mappings()
    }
    new_rows: list[dict[str, Any]] = []
    new_links: list[dict[str, str]] = []
    new_index: list[tuple[str, str]] = []
    for pulled in group:
        row = held.get(pulled.id)
        incoming = {k: v for k, v in pulled.fields.items() if k in names}
        merged = merge_record(
            {k: row[k] for k in names} if row is not None else {},
            unpack_versions(row["versions"], names) if row is not None else {},
            incoming_fields=incoming,
            incoming_versions=pulled.versions,
        )
        deleted = pulled.deleted or bool(row is not None and row["deleted"])
        if row is not None and not merged.changed and deleted == bool(row["deleted"]):
            outcome.unchanged += 1
            continue
        try:
            fields = (
                validate_fields(record_type.value, merged.fields)
                if not deleted
                else {k: merged.fields.get(k) for k in names}
            )
        except ValidationError:
            outcome.skipped.append((pulled.type, pulled.id))
            continue
        top = max([*merged.versions.values(), row["updated_hlc"] if row is not None else ""])
        values = {
            **fields,
            "versions": pack_versions(merged.versions, names),
            "deleted": deleted,
            "updated_hlc": top,
        }
        people = [] if deleted else list(fields.get("person_ids") or [])  # type: ignore[call-overload]
        if row is None:
            new_rows.append({"id": pulled.id, **values})
            new_links.extend({"visit_id": pulled.id, "person_id": p} for p in people)
            if not deleted:
                new_index.append((pulled.id, search.index_text(record_type, fields)))
            outcome.inserted += 1
            continue
        conn.execute(
            insert(HistoryEntry).values(
                record_type=record_type.value,
                record_id=pulled.id,
                change_id="pulled",
                replaced_at=at,
                hlc=row["updated_hlc"],
                op="delete" if deleted else "upsert",
                fields={k: row[k] for k in names},
                versions=dict(row["versions"]),
            )
        )
        conn.execute(update(table).where(table.c.id == pulled.id).values(**values))
        outcome.updated += 1
        if record_type is RecordType.VISIT:
            conn.execute(delete(visit_person).where(visit_person.c.visit_id == pulled.id))
            if people:
                conn.execute(
                    insert(visit_person), [{"visit_id": pulled.id, "person_id": p} for p in people]
                )
        if record_type in search.SEARCHABLE_TYPES:
            if deleted:
                search.remove(conn, pulled.id)
            else:
                search.upsert(conn, record_type, pulled.id, search.index_text(record_type, fields))
    if new_rows:
        conn.execute(insert(table), new_rows)
    if new_links and record_type is RecordType.VISIT:
        conn.execute(insert(visit_person), new_links)
    if new_index and record_type in search.SEARCHABLE_TYPES:
        search.insert_new(conn, record_type, new_index)


def purge(conn: Connection, items: Sequence[tuple[str, str]]) -> int:
    """Remove records that left this user's scope, with their history and pending changes.

    This is not an erasure of the partnership's record (the server keeps it); the laptop only
    stops holding what its user may no longer see.
    """
    removed = 0
    for record_type_name, record_id in items:
        try:
            record_type = RecordType(record_type_name)
        except ValueError:
            continue
        table = RECORD_TABLES[record_type]
        if record_type is RecordType.VISIT:
            conn.execute(delete(visit_person).where(visit_person.c.visit_id == record_id))
        search.remove(conn, record_id)
        if record_type is RecordType.DOCUMENT:
            conn.execute(delete(DocumentFile).where(DocumentFile.document_id == record_id))
        removed += conn.execute(delete(table).where(table.c.id == record_id)).rowcount
        conn.execute(delete(HistoryEntry).where(HistoryEntry.record_id == record_id))
        conn.execute(delete(Change).where(Change.record_id == record_id))
    return removed


# Sync state, kept inside the encrypted vault (the device token included) -------------------


def get_state(conn: Connection, key: str) -> Any:
    value = conn.execute(select(Meta.value).where(Meta.key == f"sync.{key}")).scalar()
    return json.loads(value) if value is not None else None


def put_state(conn: Connection, key: str, value: Any) -> None:
    conn.execute(delete(Meta).where(Meta.key == f"sync.{key}"))
    if value is not None:
        conn.execute(insert(Meta).values(key=f"sync.{key}", value=json.dumps(value)))


def highest_change_seq(conn: Connection) -> int:
    """The highest local change number ever issued, even if that change was since purged."""
    # AUTOINCREMENT keeps the high-water mark in sqlite_sequence; max(seq) could fall after a purge.
    value = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")).scalar()
    return int(value or 0)


def raise_change_seq(conn: Connection, at_least: int) -> None:
    """Number later local changes above `at_least` (a restored vault catching up with the server).

    The server remembers the highest change number it saw from this device; a vault restored
    from an older copy would otherwise reuse numbers the server has already seen.
    """
    if highest_change_seq(conn) >= at_least:
        return
    updated = conn.execute(
        text("UPDATE sqlite_sequence SET seq = :n WHERE name = 'change_log'"), {"n": at_least}
    ).rowcount
    if not updated:
        conn.execute(
            text("INSERT INTO sqlite_sequence (name, seq) VALUES ('change_log', :n)"),
            {"n": at_least},
        )


# Additions for the client sync engine (issue 4) ---------------------------------------------


def restamp(conn: Connection, record_type: str, record_id: str, *, old: str, new: str) -> None:
    """Replace a clock value the server clamped, so the laptop holds what the server holds.

    The server bounds a change stamped too far ahead of its own time (a fast laptop clock) and
    says which clock it stored instead. Fields still carrying the old stamp take the new one;
    otherwise a later edit from another laptop, stamped between the two, would win on the server
    and lose here.
    """
    try:
        table = RECORD_TABLES[RecordType(record_type)]
    except ValueError:
        return
    row = conn.execute(select(table).where(table.c.id == record_id)).mappings().first()
    if row is None:
        return
    versions = {k: (new if v == old else v) for k, v in dict(row["versions"]).items()}
    updated = new if row["updated_hlc"] == old else row["updated_hlc"]
    conn.execute(
        update(table).where(table.c.id == record_id).values(versions=versions, updated_hlc=updated)
    )


def pending_audit_events(conn: Connection, *, limit: int) -> list[dict[str, Any]]:
    """The oldest audit-log entries not yet sent to the server, as plain dicts."""
    table = AuditEntry.__table__
    rows = conn.execute(
        select(table).where(table.c.synced_at.is_(None)).order_by(table.c.seq).limit(limit)
    ).mappings()
    names = ("event_id", "at", "actor", "action", "record_type", "record_id", "reason")
    return [{**{n: r[n] for n in names}, "recipient": r["recipient"]} for r in rows]


def pending_audit_count(conn: Connection) -> int:
    return int(
        conn.execute(select(func.count()).where(AuditEntry.synced_at.is_(None))).scalar_one()
    )


def mark_audit_synced(conn: Connection, event_ids: Sequence[str], *, at: str) -> None:
    """Mark audit entries as stored by the server (``synced_at`` is outside the hash chain)."""
    for start in range(0, len(event_ids), 500):
        conn.execute(
            update(AuditEntry)
            .where(AuditEntry.event_id.in_(list(event_ids[start : start + 500])))
            .values(synced_at=at)
        )
