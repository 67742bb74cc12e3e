"""The vault as a sync replica: its outbox, applying pulled records, purging, and sync state."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TypedDict

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from fieldkit.domain.corrections import tombstone_fields
from fieldkit.domain.merge import merge_record
from fieldkit.domain.names import NameRules, shipped_name_rules
from fieldkit.domain.records import SPECS, RecordType, ValidationError, validate_fields
from fieldkit.store import blobs, name_index, review_queue, search
from fieldkit.store.records import forget, pack_versions, unpack_versions
from fieldkit.store.schema import (
    CREATED,
    RECORD_TABLES,
    AuditEntry,
    Change,
    DocumentFile,
    HistoryEntry,
    Meta,
    VersionNote,
    record_origin,
    visit_person,
)
from fieldkit.store.transaction import Transaction, connection


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
    #: Why the change was made, where the writer gave a reason (the server needs one to lower a
    #: record's restriction); never sent when there is none.
    reason: str | None = None

    def wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "change_id": self.change_id,
            "type": self.type,
            "id": self.id,
            "op": self.op,
            "hlc": self.hlc,
            "fields": self.fields,
            "base": self.base,
        }
        if self.reason:
            wire["reason"] = self.reason
        return wire


@dataclass(frozen=True)
class PulledRecord:
    """A record as the server sends it.

    Attributes:
        author: the user name of its writer as the server knows it (None: not said).
    """

    type: str
    id: str
    deleted: bool
    fields: Mapping[str, object]
    versions: Mapping[str, str]
    author: str | None = None


@dataclass(frozen=True)
class RecordOrigin:
    """Who wrote a record that arrived by sync, and when it arrived (see `record_origin`).

    Attributes:
        author: the writer's user name, or None if the server never said.
        received_at: when the record first arrived on this laptop.
        changed_at: when the latest version applied here arrived.
    """

    record_id: str
    record_type: str
    author: str | None
    received_at: str
    changed_at: str


class ApplyOutcome:
    """What applying a page did, for progress and tests."""

    def __init__(self) -> None:
        self.inserted = 0
        self.updated = 0
        self.unchanged = 0
        self.skipped: list[tuple[str, str]] = []
        #: Records erased here because the server erased them (the vault should be compacted).
        self.erased = 0


def pending_changes(tx: Transaction, *, limit: int) -> list[OutgoingChange]:
    """The oldest changes not yet accepted by the server, in the order they were made."""
    conn = connection(tx)
    changes = Change.__table__
    notes = VersionNote.__table__
    # The version note written with an edit holds its reason, keyed by the version it made.
    reason = (
        select(notes.c.reason)
        .where(notes.c.record_type == changes.c.record_type)
        .where(notes.c.record_id == changes.c.record_id)
        .where(notes.c.hlc == changes.c.hlc)
        .order_by(notes.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(changes, reason.label("reason"))
        .where(changes.c.pushed_at.is_(None))
        .order_by(changes.c.seq)
        .limit(limit)
    ).all()
    created = [_Created(r.seq, r.record_type, r.record_id, r.hlc) for r in rows if r.op == CREATED]
    first = _first_versions(conn, created) if created else {}
    return [
        OutgoingChange(
            r.seq,
            r.change_id,
            r.record_type,
            r.record_id,
            "upsert",
            r.hlc,
            first[r.seq],
            {},
            r.reason,
        )
        if r.op == CREATED
        else OutgoingChange(
            r.seq,
            r.change_id,
            r.record_type,
            r.record_id,
            r.op,
            r.hlc,
            dict(r.fields),
            dict(r.base),
            r.reason,
        )
        for r in rows
    ]


class _Created(NamedTuple):
    """A `CREATED` outbox entry: its local number, and the record and clock it names."""

    seq: int
    type: str
    id: str
    hlc: str


def _first_versions(conn: Connection, created: Sequence[_Created]) -> dict[int, dict[str, Any]]:
    """The fields each `CREATED` outbox entry stands for, by its local number.

    That is the record's first version: the record row while the record is unchanged since
    (its clock is still the creation's), else the state its history kept under that clock,
    which every change to a record writes first (an edit here, a pulled version). Erasing or
    purging a record removes its outbox entries with its history, so one of the two is there;
    should neither be (a vault altered by hand), the record's present state stands in, a
    whole valid record the server merges field by field as any other.
    """
    held: dict[str, tuple[str, dict[str, Any]]] = {}  # record id -> (its clock, its fields)
    by_type: dict[str, list[str]] = {}
    for change in created:
        by_type.setdefault(change.type, []).append(change.id)
    for type_name, ids in by_type.items():
        table = RECORD_TABLES[RecordType(type_name)]
        names = list(SPECS[RecordType(type_name)].by_name)
        # The fields and the clock only: a push never needs the versions.
        columns = [table.c.id, table.c.updated_hlc, *(table.c[n] for n in names)]
        for start in range(0, len(ids), 500):
            for row in conn.execute(
                select(*columns).where(table.c.id.in_(ids[start : start + 500]))
            ):
                held[row[0]] = (row[1], dict(zip(names, row[2:], strict=True)))
    found: dict[int, dict[str, Any]] = {}
    changed: list[_Created] = []
    for change in created:
        clock, fields = held.get(change.id, ("", {}))
        if clock == change.hlc:
            found[change.seq] = fields
        else:
            changed.append(change)
    if changed:
        kept: dict[tuple[str, str], dict[str, Any]] = {}
        ids = sorted({c.id for c in changed})
        for start in range(0, len(ids), 500):
            for record_id, hlc, fields in conn.execute(
                select(HistoryEntry.record_id, HistoryEntry.hlc, HistoryEntry.fields)
                .where(HistoryEntry.record_id.in_(ids[start : start + 500]))
                .order_by(HistoryEntry.seq)
            ):
                kept.setdefault((record_id, hlc), dict(fields))
        for change in changed:
            found[change.seq] = kept.get((change.id, change.hlc), held.get(change.id, ("", {}))[1])
    return found


def pending_count(tx: Transaction) -> int:
    conn = connection(tx)
    return int(conn.execute(select(func.count()).where(Change.pushed_at.is_(None))).scalar_one())


def mark_pushed(tx: Transaction, change_ids: Sequence[str], *, at: str) -> None:
    """Mark changes as settled by the server (applied, duplicate, or rejected with a reason)."""
    conn = connection(tx)
    for start in range(0, len(change_ids), 500):
        conn.execute(
            update(Change)
            .where(Change.change_id.in_(list(change_ids[start : start + 500])))
            .values(pushed_at=at)
        )


def apply_pulled(
    tx: Transaction,
    records: Sequence[PulledRecord],
    *,
    at: str,
    name_rules: NameRules | None = None,
) -> ApplyOutcome:
    """Merge pulled records into the vault, in the caller's transaction.

    A field the laptop changed later than the server's version (not yet pushed) keeps the local
    value. A record whose merged state is invalid is skipped (and reported), never half-stored.
    Records are written in bulk, a few statements per type per page: new ones (all of them on
    a first sync) and changed ones alike; only erasures are handled one by one.

    Every record applied (inserted or changed, tombstones included) gets its origin noted in
    `record_origin`, in one statement for the page: the first arrival sets ``received_at`` and
    ``changed_at`` to `at`; a later applied version moves ``changed_at`` to `at` and takes the
    pulled author when the server gave one. A record pulled unchanged (a page applied twice, or
    the laptop's own change coming back) leaves its origin as it was.

    People's name keys are made with `name_rules` (the shipped rules if None).
    """
    conn = connection(tx)
    outcome = ApplyOutcome()
    by_type: dict[RecordType, dict[str, PulledRecord]] = {}
    for pulled in records:
        # A page holds each record's latest state; should one appear twice, the later wins.
        by_type.setdefault(RecordType(pulled.type), {})[pulled.id] = pulled
    origins: list[dict[str, Any]] = []
    for record_type, group in by_type.items():
        _apply_group(conn, record_type, list(group.values()), at, outcome, origins)
        if record_type is RecordType.PERSON:
            _key_names(conn, list(group.values()), name_rules or shipped_name_rules())
    review_queue.complete(tx, origins)
    _note_origins(conn, origins)
    return outcome


def _key_names(conn: Connection, pulled: Sequence[PulledRecord], rules: NameRules) -> None:
    """Remake the name keys of pulled people from what the vault now holds for them."""
    table = RECORD_TABLES[RecordType.PERSON]
    names = ("given_name", "family_name", "aliases")
    for start in range(0, len(pulled), 500):
        ids = [p.id for p in pulled[start : start + 500]]
        rows = conn.execute(
            select(table.c.id, table.c.deleted, *(table.c[n] for n in names)).where(
                table.c.id.in_(ids)
            )
        ).all()
        for row in rows:
            if row[1]:
                name_index.remove(conn, row[0])
        name_index.put(
            conn,
            rules,
            [(row[0], dict(zip(names, row[2:], strict=True))) for row in rows if not row[1]],
        )


def _note_origins(conn: Connection, origins: Sequence[Mapping[str, Any]]) -> None:
    if not origins:
        return
    statement = sqlite_insert(record_origin)
    statement = statement.on_conflict_do_update(
        index_elements=[record_origin.c.record_id],
        set_={
            "record_type": statement.excluded.record_type,
            "author": func.coalesce(statement.excluded.author, record_origin.c.author),
            "changed_at": statement.excluded.changed_at,
            **{
                name: statement.excluded[name]
                for name in ("district", "dated", "categories", "deleted", "decided_at")
            },
        },
    )
    conn.execute(statement, list(origins))


def origin_of(tx: Transaction, record_id: str) -> RecordOrigin | None:
    """Where a record came from, or None if it never arrived by sync (written here)."""
    conn = connection(tx)
    row = (
        conn.execute(select(record_origin).where(record_origin.c.record_id == record_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return RecordOrigin(
        row["record_id"], row["record_type"], row["author"], row["received_at"], row["changed_at"]
    )


def _apply_group(
    conn: Connection,
    record_type: RecordType,
    group: Sequence[PulledRecord],
    at: str,
    outcome: ApplyOutcome,
    origins: list[dict[str, Any]],
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
    notes: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    changed_links: list[dict[str, str]] = []
    changed_index: list[tuple[str, str]] = []
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
                else tombstone_fields(record_type, merged.fields)
            )
        except ValidationError:
            outcome.skipped.append((pulled.type, pulled.id))
            continue
        top = max(
            [
                *merged.versions.values(),
                row["updated_hlc"] if row is not None else "",
            ]
        )
        values = {
            **fields,
            # An erased record keeps no versions: the server clears them too.
            "versions": pack_versions(merged.versions, names) if not deleted else {},
            "deleted": deleted,
            "updated_hlc": top,
        }
        people = [] if deleted else list(fields.get("person_ids") or [])  # type: ignore[call-overload]
        origins.append(
            {
                "record_id": pulled.id,
                "record_type": record_type.value,
                "author": pulled.author,
                "received_at": at,
                "changed_at": at,
                **review_queue.described(record_type, fields, deleted=deleted),
            }
        )
        if row is not None:
            notes.append(
                {
                    "record_type": record_type.value,
                    "record_id": pulled.id,
                    "hlc": top,
                    "op": "delete" if deleted else "update",
                    "at": at,
                    "actor": pulled.author,
                    "reason": None,
                }
            )
        if row is None:
            new_rows.append({"id": pulled.id, **values})
            new_links.extend({"visit_id": pulled.id, "person_id": p} for p in people)
            if not deleted:
                new_index.append((pulled.id, search.index_text(record_type, fields)))
            outcome.inserted += 1
            continue
        if deleted:
            # Erased on the server: its earlier versions go from this laptop too.
            forget(conn, record_type, pulled.id)
            conn.execute(update(table).where(table.c.id == pulled.id).values(**values))
            outcome.updated += 1
            outcome.erased += 1
            continue
        history.append(
            {
                "record_type": record_type.value,
                "record_id": pulled.id,
                "change_id": "pulled",
                "replaced_at": at,
                "hlc": row["updated_hlc"],
                "op": "upsert",
                "fields": {k: row[k] for k in names},
                "versions": dict(row["versions"]),
            }
        )
        changed.append({"id": pulled.id, **values})
        changed_links.extend({"visit_id": pulled.id, "person_id": p} for p in people)
        if record_type in search.SEARCHABLE_TYPES:
            changed_index.append((pulled.id, search.index_text(record_type, fields)))
        outcome.updated += 1
    # Records already held and changed: one statement per table for the page, as for new ones.
    if history:
        conn.execute(insert(HistoryEntry), history)
    _update_rows(conn, table, changed)
    if changed and record_type is RecordType.VISIT:
        ids = [c["id"] for c in changed]
        for start in range(0, len(ids), 500):
            conn.execute(
                delete(visit_person).where(visit_person.c.visit_id.in_(ids[start : start + 500]))
            )
        if changed_links:
            conn.execute(insert(visit_person), changed_links)
    if changed_index:
        search.replace_many(conn, record_type, changed_index)
    if notes:
        conn.execute(insert(VersionNote), notes)
    if new_rows:
        conn.execute(insert(table), new_rows)
    if new_links and record_type is RecordType.VISIT:
        conn.execute(insert(visit_person), new_links)
    if new_index and record_type in search.SEARCHABLE_TYPES:
        search.insert_new(conn, record_type, new_index)


def _update_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Update held rows by id in one executemany per set of columns (usually one)."""
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        columns = tuple(sorted(k for k in row if k != "id"))
        by_columns.setdefault(columns, []).append(
            {"_id": row["id"], **{f"_v_{k}": row[k] for k in columns}}
        )
    for columns, params in by_columns.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({k: bindparam(f"_v_{k}", type_=table.c[k].type) for k in columns})
        )
        conn.execute(statement, params)


def purge(tx: Transaction, items: Sequence[tuple[str, str]]) -> int:
    """Remove records that left this user's scope, with their history and pending changes.

    This is not an erasure of the partnership's record (the server keeps it); the laptop only
    stops holding what its user may no longer see.
    """
    conn = connection(tx)
    removed = 0
    # A photo or file leaves with the record it belongs to.
    named = {record_id for _type, record_id in items}
    extra = [
        (RecordType.ATTACHMENT.value, a)
        for a in blobs.attachments_of(conn, sorted(named))
        if a not in named
    ]
    for record_type_name, record_id in [*items, *extra]:
        try:
            record_type = RecordType(record_type_name)
        except ValueError:
            continue
        table = RECORD_TABLES[record_type]
        if record_type is RecordType.VISIT:
            conn.execute(delete(visit_person).where(visit_person.c.visit_id == record_id))
        search.remove(conn, record_id)
        name_index.remove(conn, record_id)
        if record_type is RecordType.DOCUMENT:
            conn.execute(delete(DocumentFile).where(DocumentFile.document_id == record_id))
        if record_type is RecordType.ATTACHMENT:
            blobs.release(conn, record_id)
        removed += conn.execute(delete(table).where(table.c.id == record_id)).rowcount
        conn.execute(delete(HistoryEntry).where(HistoryEntry.record_id == record_id))
        conn.execute(delete(Change).where(Change.record_id == record_id))
        conn.execute(delete(record_origin).where(record_origin.c.record_id == record_id))
    return removed


# Sync state, kept inside the encrypted vault (the device token included) -------------------


def get_state(tx: Transaction, key: str) -> Any:
    conn = connection(tx)
    value = conn.execute(select(Meta.value).where(Meta.key == f"sync.{key}")).scalar()
    return json.loads(value) if value is not None else None


def put_state(tx: Transaction, key: str, value: Any) -> None:
    conn = connection(tx)
    conn.execute(delete(Meta).where(Meta.key == f"sync.{key}"))
    if value is not None:
        conn.execute(insert(Meta).values(key=f"sync.{key}", value=json.dumps(value)))


def highest_change_seq(tx: Transaction) -> int:
    """The highest local change number ever issued, even if that change was since purged."""
    conn = connection(tx)
    # AUTOINCREMENT keeps the high-water mark in sqlite_sequence; max(seq) could fall after a purge.
    value = conn.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")).scalar()
    return int(value or 0)


def raise_change_seq(tx: Transaction, at_least: int) -> None:
    """Number later local changes above `at_least` (a restored vault catching up with the server).

    The server remembers the highest change number it saw from this device; a vault restored
    from an older copy would otherwise reuse numbers the server has already seen.
    """
    conn = connection(tx)
    if highest_change_seq(tx) >= at_least:
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


def restamp(tx: Transaction, record_type: str, record_id: str, *, old: str, new: str) -> None:
    """Replace a clock value the server clamped, so the laptop holds what the server holds.

    The server bounds a change stamped too far ahead of its own time (a fast laptop clock) and
    says which clock it stored instead. Fields still carrying the old stamp take the new one;
    otherwise a later edit from another laptop, stamped between the two, would win on the server
    and lose here.
    """
    conn = connection(tx)
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


def pending_audit_events(tx: Transaction, *, limit: int) -> list[dict[str, Any]]:
    """The oldest audit-log entries not yet sent to the server, as plain dicts."""
    conn = connection(tx)
    table = AuditEntry.__table__
    rows = conn.execute(
        select(table).where(table.c.synced_at.is_(None)).order_by(table.c.seq).limit(limit)
    ).mappings()
    names = ("event_id", "at", "actor", "action", "record_type", "record_id", "reason")
    return [{**{n: r[n] for n in names}, "recipient": r["recipient"]} for r in rows]


def pending_audit_count(tx: Transaction) -> int:
    conn = connection(tx)
    return int(
        conn.execute(select(func.count()).where(AuditEntry.synced_at.is_(None))).scalar_one()
    )


def mark_audit_synced(tx: Transaction, event_ids: Sequence[str], *, at: str) -> None:
    """Mark audit entries as stored by the server (``synced_at`` is outside the hash chain)."""
    conn = connection(tx)
    for start in range(0, len(event_ids), 500):
        conn.execute(
            update(AuditEntry)
            .where(AuditEntry.event_id.in_(list(event_ids[start : start + 500])))
            .values(synced_at=at)
        )


# Supervisor review of conflicts: resolutions waiting to be sent, and the open ones fetched ----


class CachedConflict(TypedDict):
    """An open conflict as the last sync fetched it (JSON-ready; see `cache_conflicts`).

    Keys: ``id`` (the server's number), ``type``, ``record_id``, ``field``; ``kept_value``,
    ``kept_hlc``, ``kept_by`` (the value the record holds, its version, its writer's user name
    or None); ``other_value``, ``other_hlc``, ``other_by`` (the value that lost, likewise);
    ``detected_at`` (ISO 8601) and ``district`` (None when the server does not say).
    """

    id: int
    type: str
    record_id: str
    field: str
    kept_value: Any
    kept_hlc: str
    kept_by: str | None
    other_value: Any
    other_hlc: str
    other_by: str | None
    detected_at: str
    district: str | None


def pending_conflict_resolutions(tx: Transaction) -> list[int]:
    """Conflict ids the supervisor has resolved here and the server has not yet been told of.

    Oldest first. The sync engine sends them after pushing the outbox (so any correction the
    supervisor made reaches the server first) and removes each once the server answered.
    """
    return [int(i) for i in get_state(tx, "conflict_resolutions") or []]


def queue_conflict_resolution(tx: Transaction, conflict_id: int) -> None:
    """Note that the supervisor resolved a conflict; the next sync tells the server.

    Make any correction (an ordinary record edit) before queueing, in the same or an earlier
    transaction: the next sync pushes it before it sends the resolution. Queueing an id twice
    queues it once.

    Raises:
        ValueError: `conflict_id` is not a conflict number (a positive integer).
    """
    if not _valid_conflict_id(conflict_id):
        raise ValueError("a conflict id is a positive integer")
    queued = pending_conflict_resolutions(tx)
    if conflict_id not in queued:
        put_state(tx, "conflict_resolutions", [*queued, conflict_id])


def settle_conflict_resolution(tx: Transaction, conflict_id: int) -> None:
    """The server answered for a queued resolution: drop it from the queue and the cache."""
    queued = pending_conflict_resolutions(tx)
    if conflict_id in queued:
        remaining = [i for i in queued if i != conflict_id]
        put_state(tx, "conflict_resolutions", remaining or None)
    held = get_state(tx, "conflicts")
    if held is not None:
        put_state(tx, "conflicts", [c for c in held if c.get("id") != conflict_id])


def cached_conflicts(tx: Transaction) -> list[CachedConflict]:
    """The open conflicts in the supervisor's districts as the last sync fetched them.

    Oldest first; empty before the first fetch and for users who are not supervisors. A
    conflict resolved here stays listed until the server has been told (check
    `pending_conflict_resolutions` to show it as waiting).
    """
    held: list[CachedConflict] = get_state(tx, "conflicts") or []
    return held


def conflicts_fetched_at(tx: Transaction) -> str | None:
    """When `cached_conflicts` was last fetched from the server (ISO 8601), or None."""
    value = get_state(tx, "conflicts_fetched_at")
    return str(value) if value is not None else None


def cache_conflicts(tx: Transaction, items: Sequence[CachedConflict], *, at: str) -> None:
    """Replace the cached open conflicts with what the server just listed, fetched at `at`."""
    put_state(tx, "conflicts", [dict(item) for item in items])
    put_state(tx, "conflicts_fetched_at", at)


def forget_conflicts(tx: Transaction) -> None:
    """Drop the cached conflicts (the user is no longer a supervisor); the queue is kept."""
    put_state(tx, "conflicts", None)
    put_state(tx, "conflicts_fetched_at", None)


def _valid_conflict_id(value: object) -> bool:
    """A conflict number as the server issues them (1 to 2**62)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 2**62
