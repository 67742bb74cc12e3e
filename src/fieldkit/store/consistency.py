"""Cheap cross-checks between the vault's counters, run at every unlock to catch a spliced page.

Each counter lives on a different page from what it counts, so an old copy of either page
leaves the two disagreeing. Each check reads a handful of rows through an index.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

_HLC_ORDER = 20  # "millis:counter" of an HLC's text form; the node does not order local time


def quick_problems(conn: Connection) -> list[str]:
    """What does not add up between the counters, in words that quote no record data."""
    return [*_audit_head(conn), *_sequences(conn), *_clock(conn)]


def _meta(conn: Connection, key: str) -> str | None:
    value = conn.execute(text("SELECT value FROM vault_meta WHERE key = :k"), {"k": key}).scalar()
    return None if value is None else str(value)


def _audit_head(conn: Connection) -> list[str]:
    head = _meta(conn, "audit_head")
    last = conn.execute(text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")).first()
    if head is None and last is None:
        return []
    if head is None or last is None:
        return ["the audit log and its recorded head disagree"]
    count, digest = head.split(":", 1)
    # Entries are only ever appended, numbered from 1, so the newest is number `count`.
    if str(last[0]) != count or last[1] != digest:
        return ["the audit log and its recorded head disagree"]
    return []


def _sequences(conn: Connection) -> list[str]:
    problems = []
    for table in ("change_log", "audit_log"):
        issued = conn.execute(
            text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}
        ).scalar()
        newest = conn.execute(text(f"SELECT max(seq) FROM {table}")).scalar()  # noqa: S608 - fixed names
        if newest is not None and (issued is None or int(issued) < int(newest)):
            problems.append(f"the {table.replace('_', ' ')} holds numbers never issued")
    return problems


def _clock(conn: Connection) -> list[str]:
    last = _meta(conn, "hlc_last")
    newest = conn.execute(text("SELECT hlc FROM change_log ORDER BY seq DESC LIMIT 1")).scalar()
    if newest is None:
        return []
    # Every local change is stamped by the clock, which is saved with the same transaction.
    if last is None or last[:_HLC_ORDER] < str(newest)[:_HLC_ORDER]:
        return ["the vault's clock is behind its newest change"]
    return []
