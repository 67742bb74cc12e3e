"""The vault's evidence for the server: its audit chain head, change counter, and renumbering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict

from sqlalchemy import Connection, delete, func, insert, select

from fieldkit.domain.attestation import GENESIS, Head, Shown
from fieldkit.store import replica
from fieldkit.store.schema import AuditEntry, Change
from fieldkit.store.transaction import Transaction, connection


class CachedDeviceAlert(TypedDict):
    """A device alert as the last sync fetched it (supervisors; JSON-ready).

    Keys: ``id``, ``kind`` (``rollback``, ``audit_gap``, ``audit_fork``), ``username``,
    ``device_name`` (or None), ``detected_at`` (ISO 8601), and ``acknowledged`` / ``shown``
    (``audit_count``, ``audit_hash``, ``change_seq``, any of them None).
    """

    id: int
    kind: str
    username: str
    device_name: str | None
    detected_at: str
    acknowledged: dict[str, Any]
    shown: dict[str, Any]


def _positions() -> Any:
    """Every audit entry with its position in the chain (1 for the first), as a subquery."""
    table = AuditEntry.__table__
    return select(
        table,
        func.row_number().over(order_by=table.c.seq).label("position"),
    ).subquery()


def hash_at(tx: Transaction, position: int) -> str | None:
    """The hash of the audit entry at a chain position; `GENESIS` at 0; None past the end."""
    conn = connection(tx)
    if position <= 0:
        return GENESIS
    table = AuditEntry.__table__
    found = conn.execute(
        select(table.c.hash).order_by(table.c.seq).offset(position - 1).limit(1)
    ).scalar()
    return str(found) if found is not None else None


def current_head(tx: Transaction) -> Head:
    """The vault's head now: every audit entry, and the highest change number issued."""
    conn = connection(tx)
    table = AuditEntry.__table__
    count = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    return Head(count, hash_at(tx, count) or GENESIS, replica.highest_change_seq(tx))


def shown(tx: Transaction, acknowledged: Head) -> Shown:
    """What the vault shows the server against the head it acknowledged last time."""
    return Shown(current_head(tx), hash_at(tx, acknowledged.audit_count))


def sent_head(tx: Transaction) -> Head:
    """The head the server can acknowledge: the audit entries up to the first one not yet sent
    (the server holds those), and the change counter."""
    conn = connection(tx)
    table = AuditEntry.__table__
    first_unsent = conn.execute(
        select(func.min(table.c.seq)).where(table.c.synced_at.is_(None))
    ).scalar()
    query = select(func.count()).select_from(table)
    if first_unsent is not None:
        query = query.where(table.c.seq < first_unsent)
    count = int(conn.execute(query).scalar_one())
    return Head(count, hash_at(tx, count) or GENESIS, replica.highest_change_seq(tx))


def pending_numbered_events(tx: Transaction, *, limit: int) -> list[dict[str, Any]]:
    """The oldest audit entries not yet sent, as `replica.pending_audit_events` gives them,
    each with its chain ``position``, ``prev_hash`` and ``hash``, so the server sees any gap."""
    conn = connection(tx)
    numbered = _positions()
    query = select(numbered).where(numbered.c.synced_at.is_(None))
    return _numbered(conn, query.order_by(numbered.c.seq).limit(limit))


def numbered_event_at(tx: Transaction, position: int) -> dict[str, Any] | None:
    """The audit entry at a chain position, numbered as `pending_numbered_events` gives them
    (sent or not); None past the end."""
    conn = connection(tx)
    numbered = _positions()
    found = _numbered(conn, select(numbered).where(numbered.c.position == position))
    return found[0] if found else None


def _numbered(conn: Connection, query: Any) -> list[dict[str, Any]]:
    rows = conn.execute(query).mappings()
    names = ("event_id", "at", "actor", "action", "record_type", "record_id", "reason")
    return [
        {
            **{n: r[n] for n in names},
            "recipient": r["recipient"],
            "position": int(r["position"]),
            "prev_hash": r["prev_hash"],
            "hash": r["hash"],
        }
        for r in rows
    ]


def renumber_outbox(tx: Transaction, *, above: int) -> int:
    """Give unsent changes numbered at or below `above` new numbers above it, in their order.

    A vault restored from an older copy would otherwise push numbers the server has already
    seen from the copy it lost. Each change keeps its id: ids are random, so the restored
    vault never issues one the lost copy used, and a change both copies hold (made before the
    copy was taken) is rightly answered ``duplicate`` when the lost copy had pushed it.

    Returns:
        How many changes were renumbered.
    """
    conn = connection(tx)
    replica.raise_change_seq(tx, above)
    table = Change.__table__
    rows = list(
        conn.execute(
            select(table)
            .where(table.c.pushed_at.is_(None), table.c.seq <= above)
            .order_by(table.c.seq)
        ).mappings()
    )
    if not rows:
        return 0
    conn.execute(delete(Change).where(Change.seq.in_([r["seq"] for r in rows])))
    conn.execute(insert(Change), [{k: v for k, v in r.items() if k != "seq"} for r in rows])
    return len(rows)


# Supervisors: the device alerts the last sync fetched, kept for offline review --------------


def cache_device_alerts(tx: Transaction, items: Sequence[CachedDeviceAlert], *, at: str) -> None:
    """Replace the cached device alerts with what the server just listed, fetched at `at`."""
    replica.put_state(tx, "device_alerts", [dict(item) for item in items])
    replica.put_state(tx, "device_alerts_fetched_at", at)


def cached_device_alerts(tx: Transaction) -> list[CachedDeviceAlert]:
    """The device alerts as the last sync fetched them, newest first (empty if none held)."""
    held: list[CachedDeviceAlert] = replica.get_state(tx, "device_alerts") or []
    return held


def forget_device_alerts(tx: Transaction) -> None:
    """Drop the cached device alerts (the user is no longer a supervisor)."""
    replica.put_state(tx, "device_alerts", None)
    replica.put_state(tx, "device_alerts_fetched_at", None)
