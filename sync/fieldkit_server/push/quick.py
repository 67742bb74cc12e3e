"""A small push's last writes, commit clock and commit sent in one round trip (PostgreSQL).

Pushes queue for the clock row's lock, which is held from taking positions until commit, so
every round trip under it (and the wait for the interpreter's lock after each one, when many
requests are in flight) is paid by every push behind it. A push that only adds new records,
and for which nothing under the lock needs deciding, sends all of it at once in psycopg's
pipeline mode: its log rows, the device's row, the positions (which lock the clock row), its
records numbered from those positions in SQL, a re-check, and ``COMMIT``. The re-check is the
ordinary path's reads under the lock (``restriction.rederive_dependents`` and ``hold_back``)
asked as one question: does any stored record link to these records, does any record they
link to now exist that was not there when read, is anyone they name under a restriction of
processing? If so it calls ``push_recheck_failed()`` (server migration ``0015``): the
transaction fails as a serialisation failure, nothing is committed, and the caller runs the
push again the ordinary way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fieldkit_server.models import AuditEvent, Base, Change, Record
from fieldkit_server.policy import link_targets
from fieldkit_server.push.lookups import Restrictions
from fieldkit_server.push.model import Batch, Held
from fieldkit_server.push.restriction import named_by

_RECORDS = Base.metadata.tables[Record.__tablename__]
_CHANGES = Base.metadata.tables[Change.__tablename__]
_AUDIT = Base.metadata.tables[AuditEvent.__tablename__]

#: Up to this many changes a push may commit in one round trip; larger ones COPY their rows.
QUICK_MAX: Final = 100

_POSITIONS: Final = (
    "UPDATE sync_clock SET last_seq = last_seq + %(count)s, "
    'max_hlc = CASE WHEN max_hlc COLLATE "C" < %(top)s THEN %(top)s ELSE max_hlc END '
    "WHERE id = 1 RETURNING last_seq, max_hlc"
)

#: Seen by the statement after the clock's: its own update of the row, under its lock.
_LAST_SEQ: Final = "(SELECT last_seq FROM sync_clock WHERE id = 1)"

_RECHECK: Final = (
    "SELECT push_recheck_failed() WHERE "
    "EXISTS (SELECT 1 FROM record_links WHERE target_id = ANY(%(written)s::text[])) "
    "OR EXISTS (SELECT 1 FROM records WHERE id = ANY(%(absent)s::text[])) "
    "OR EXISTS (SELECT 1 FROM rights_requests WHERE person_id = ANY(%(named)s::text[]) "
    "AND restricted_from IS NOT NULL AND lifted_at IS NULL) "
    "OR EXISTS (SELECT 1 FROM records WHERE id = ANY(%(others)s::text[]) "
    "AND processing_restricted)"
)


def can_finish(session: Session, states: Mapping[str, Held], batch: Batch, size: int) -> bool:
    """Whether this push may end with ``finish``: small, on PostgreSQL, adding new records only.

    Besides, no record it writes links to another record it holds (re-deriving would compare
    them in Python under the lock), and nothing it wrote is already under a restriction of
    processing; the rest of what the lock's reads decide is re-checked by ``finish``.
    """
    if size > QUICK_MAX or session.get_bind().dialect.name != "postgresql":
        return False
    dirty = [s for s in states.values() if s.dirty]
    if not dirty or batch.conflicts:
        return False
    for state in dirty:
        if state.stored or not state.touched or state.deleted or state.processing_restricted:
            return False
        if link_targets(state.type, state.fields) & states.keys():
            return False
    return True


def finish(
    session: Session,
    *,
    batch: Batch,
    states: Mapping[str, Held],
    rows: Sequence[dict[str, Any]],
    restrictions: Restrictions,
    device: tuple[str, int | None] | None,
    now: datetime,
) -> str:
    """Write the batch, take its positions and commit, in one round trip.

    Args:
        session: the push's transaction; committed here (the caller's commit finds nothing
            left to do).
        batch: the log, conflict and audit rows still to write.
        states: the records as the batch leaves them.
        rows: the new records' rows (``store.record_rows``), in the order they take positions.
        restrictions: what the push read of the records its records link to.
        device: the pushing device and the change number it sent, if a device pushes.
        now: server time.

    Returns:
        The highest clock the server has accepted.

    Raises:
        DBAPIError: as the ordinary path would raise it; a serialisation failure when the
            re-check found something to decide (run the push again without ``finish``).
    """
    import psycopg  # the PostgreSQL driver: only needed, and only installed, where it is used

    names = named_by(states)
    named = sorted(set().union(*names.values())) if names else []
    written = sorted(names)
    targets = {t for i in written for t in link_targets(states[i].type, states[i].fields)}
    recheck = {
        "written": written,
        "absent": restrictions.absent(targets),
        "named": named,
        "others": [i for i in named if i not in states],
    }
    names_in_row = _columns(_RECORDS, [n for n in rows[0] if n != "seq"])
    last = len(rows) - 1
    values = ", ".join(
        "(" + ", ".join(["%s"] * len(names_in_row)) + f", {_LAST_SEQ} - {last - k})"
        for k in range(len(rows))
    )
    # Column names are the table's own (checked), values are parameters.
    insert_records = f"INSERT INTO records ({', '.join(names_in_row)}, seq) VALUES {values}"  # noqa: S608
    record_values = [row[n] for row in rows for n in names_in_row]
    driver = session.connection().connection.driver_connection
    assert driver is not None  # a live connection, checked out for this transaction
    statement = "quick push"
    try:
        with driver.pipeline(), driver.cursor() as cursor, driver.cursor() as clock:
            statement = "INSERT INTO changes"
            _insert(cursor, _CHANGES, batch.changes)
            _insert(cursor, _AUDIT, batch.audit)
            if device is not None:
                statement = "UPDATE devices"
                device_id, device_seq = device
                cursor.execute(
                    "UPDATE devices SET last_seen_at = %(now)s, last_device_seq = CASE WHEN "
                    "%(seq)s::bigint IS NOT NULL AND last_device_seq < %(seq)s::bigint "
                    "THEN %(seq)s::bigint ELSE last_device_seq END WHERE id = %(id)s",
                    {"now": now, "seq": device_seq, "id": device_id},
                )
            statement = "UPDATE sync_clock"
            clock.execute(_POSITIONS, {"count": len(rows), "top": batch.top_hlc})
            statement = "INSERT INTO records"
            cursor.execute(insert_records, record_values)
            statement = "push re-check"
            cursor.execute(_RECHECK, recheck)
            statement = "COMMIT"
            driver.commit()
            taken = clock.fetchone()
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from None
    assert taken is not None
    batch.changes, batch.audit = [], []
    return str(taken[1])


def _columns(table: Table, names: list[str]) -> list[str]:
    for name in names:
        if name not in table.c:
            raise ValueError(f"{table.name} has no column {name}")
    return names


def _insert(cursor: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Queue one INSERT per row (the pipeline sends them together)."""
    if not rows:
        return
    names = _columns(table, list(rows[0]))
    marks = ", ".join(["%s"] * len(names))
    cursor.executemany(
        # Column names are the table's own (checked), values are parameters.
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",  # noqa: S608
        [[row[n] for n in names] for row in rows],
    )
