"""The s62 audit log: who viewed, changed, printed, exported or erased what, hash-chained."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, select, text

from fieldkit.domain.records import new_ordered_id, new_ordered_ids
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import Transaction, connection
from fieldkit.wire import json_text

GENESIS = "0" * 64
_HEAD_KEY = "audit_head"


class AuditAction(StrEnum):
    """The kinds of processing Data Protection Act 2018 s62 requires to be logged."""

    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    PRINT = "print"
    EXPORT = "export"
    ERASE = "erase"
    #: A print or export whose per-record entries were committed before the data left has
    #: finished; the reason says what went and how many. No entry: it never finished.
    COMPLETE = "complete"


#: The canonical form's encoder, made once (json.dumps with options makes one per call).
_CANONICAL = json_text.encoder(separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class AuditEvent:
    """One logged event. An erase event names the record but never holds its content."""

    event_id: str
    at: str
    actor: str
    action: AuditAction
    record_type: str | None = None
    record_id: str | None = None
    reason: str | None = None
    recipient: str | None = None

    def canonical(self) -> bytes:
        return _CANONICAL(
            [
                self.event_id,
                self.at,
                self.actor,
                self.action.value,
                self.record_type,
                self.record_id,
                self.reason,
                self.recipient,
            ]
        ).encode()


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    """The entry's hash: SHA-256 over the previous hash and the entry's canonical form."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + event.canonical()).hexdigest()


#: Set one ``vault_meta`` value (statements built once: every save runs them).
PUT_META = text(
    "INSERT INTO vault_meta (key, value) VALUES (:key, :value) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
_GET_META = text("SELECT value FROM vault_meta WHERE key = :key")


def _head(conn: Connection) -> tuple[int, str]:
    value = conn.execute(_GET_META, {"key": _HEAD_KEY}).scalar()
    if value is None:
        return 0, GENESIS
    seq, digest = value.split(":", 1)
    return int(seq), digest


#: One audit entry, as the driver takes it (built once; an import appends thousands).
_INSERT_ENTRY = (
    "INSERT INTO audit_log (event_id, at, actor, action, record_type, record_id, reason, "
    "recipient, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def append(tx: Transaction, events: list[AuditEvent]) -> None:
    """Append events to the chain, in the caller's (write) transaction."""
    conn = connection(tx)
    if not events:
        return
    count, prev = _head(conn)
    rows = []
    for event in events:
        digest = chain_hash(prev, event)
        rows.append(
            (
                event.event_id,
                event.at,
                event.actor,
                event.action.value,
                event.record_type,
                event.record_id,
                event.reason,
                event.recipient,
                prev,
                digest,
            )
        )
        prev = digest
    conn.exec_driver_sql(_INSERT_ENTRY, rows)
    conn.execute(PUT_META, {"key": _HEAD_KEY, "value": f"{count + len(events)}:{prev}"})


def new_event(
    *,
    at: str,
    actor: str,
    action: AuditAction,
    record_type: str | None = None,
    record_id: str | None = None,
    reason: str | None = None,
    recipient: str | None = None,
) -> AuditEvent:
    return AuditEvent(
        new_ordered_id(_millis(at)), at, actor, action, record_type, record_id, reason, recipient
    )


def append_records(
    tx: Transaction,
    *,
    at: str,
    actor: str,
    action: AuditAction,
    records: Sequence[tuple[str, str]],
    reason: str | None = None,
) -> None:
    """Append one event per (record type, record id), all at one time, to the chain.

    `append` of an `AuditEvent` for each, in one pass: an import logs one per record, so the
    events' canonical forms are made straight from their values, not from event objects.
    """
    if not records:
        return
    conn = connection(tx)
    count, prev = _head(conn)
    ids = new_ordered_ids([_millis(at)] * len(records))
    verb = action.value
    rows = []
    for event_id, (record_type, record_id) in zip(ids, records, strict=True):
        canonical = _CANONICAL([event_id, at, actor, verb, record_type, record_id, reason, None])
        digest = hashlib.sha256(f"{prev}\n{canonical}".encode()).hexdigest()
        rows.append((event_id, at, actor, verb, record_type, record_id, reason, None, prev, digest))
        prev = digest
    conn.exec_driver_sql(_INSERT_ENTRY, rows)
    conn.execute(PUT_META, {"key": _HEAD_KEY, "value": f"{count + len(records)}:{prev}"})


@functools.lru_cache(maxsize=64)
def _millis(at: str) -> int:
    try:
        return int(datetime.fromisoformat(at).timestamp() * 1000)
    except ValueError:
        return 0


@dataclass(frozen=True)
class ChainReport:
    """The result of checking the chain: ok, or the first entry where it breaks."""

    entries: int
    broken_at: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(tx: Transaction) -> ChainReport:
    """Walk the chain and say where, if anywhere, an entry was altered, removed or added."""
    conn = connection(tx)
    prev = GENESIS
    count = 0
    result = conn.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq))
    for row in result.mappings():
        count += 1
        event = AuditEvent(
            row["event_id"],
            row["at"],
            row["actor"],
            AuditAction(row["action"]),
            row["record_type"],
            row["record_id"],
            row["reason"],
            row["recipient"],
        )
        if row["prev_hash"] != prev:
            return ChainReport(count, row["seq"], "an entry before this one was removed or altered")
        if chain_hash(prev, event) != row["hash"]:
            return ChainReport(count, row["seq"], "this entry was altered")
        prev = row["hash"]
    head_count, head_hash = _head(conn)
    if (head_count, head_hash) != (count, prev):
        return ChainReport(count, count + 1, "entries at the end of the log were removed")
    return ChainReport(count, None, None)
