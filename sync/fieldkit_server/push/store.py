"""Reading a push's records under lock, and writing the batch with set-based statements."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Text, any_, bindparam, case, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from fieldkit.domain.digest import record_digest
from fieldkit.wire import json_text
from fieldkit_server.db import insert_rows, one_of
from fieldkit_server.models import (
    AuditEvent,
    Base,
    Change,
    Conflict,
    Device,
    Record,
    SyncClock,
)
from fieldkit_server.push.model import Batch, Held

_RECORDS = Base.metadata.tables[Record.__tablename__]
_CLOCK = Base.metadata.tables[SyncClock.__tablename__]
_CHANGES = Base.metadata.tables[Change.__tablename__]
_CONFLICTS = Base.metadata.tables[Conflict.__tablename__]
_AUDIT = Base.metadata.tables[AuditEvent.__tablename__]
_DEVICES = Base.metadata.tables[Device.__tablename__]


#: The stored JSON texts' encoders, made once: ``json.dumps`` and ``JSONEncoder.encode`` build a
#: new C encoder on every call, and a push writes a record's fields for every change.
_FIELDS_JSON = json_text.encoder(separators=(",", ":"), ensure_ascii=False)
_VERSIONS_JSON = json_text.encoder(separators=(",", ":"))


#: Characters JSON writes as they are inside a string (no escape, ASCII).
_PLAIN = re.compile(r"[A-Za-z0-9_.:\-]*")


def versions_text(versions: dict[str, str]) -> str:
    """A record's versions as stored: compact JSON, as ``_VERSIONS_JSON`` writes it.

    Field names and clocks need no escaping, so the text is joined directly (the encoder's
    call costs as much as a whole record's fields); anything else goes to the encoder.
    """
    if _PLAIN.fullmatch("".join((*versions, *versions.values()))):
        return "{" + ",".join(f'"{name}":"{hlc}"' for name, hlc in versions.items()) + "}"
    return _VERSIONS_JSON(versions)


def ids_in(session: Session, column: Any, ids: Collection[str]) -> Any:
    """``column IN ids`` for a push's sets of ids, sent as one text on PostgreSQL.

    ``db.one_of`` sends an array parameter, which the driver encodes item by item in Python (a
    push sends sets of 500 ids several times); ids joined by commas are one string to encode,
    split by the server. An id with a comma in it (never a valid one) goes as an array.
    """
    if session.get_bind().dialect.name != "postgresql" or any("," in i for i in ids):
        return one_of(session, column, ids)
    return column == any_(func.string_to_array(bindparam(None, ",".join(ids), type_=Text), ","))


def seen_and_node(
    session: Session, change_ids: list[str], device_id: str | None
) -> tuple[set[str], tuple[str | None] | None]:
    """Which of the change ids the server has seen, and the device's vault node (in a 1-tuple;
    None if no device pushes), in one statement on PostgreSQL."""
    seen_ids = select(_CHANGES.c.change_id).where(ids_in(session, _CHANGES.c.change_id, change_ids))
    if device_id is None or session.get_bind().dialect.name != "postgresql":
        return set(session.scalars(seen_ids)), None
    node = select(_DEVICES.c.vault_node).where(_DEVICES.c.id == device_id).scalar_subquery()
    seen = select(func.array_agg(seen_ids.subquery().c.change_id)).scalar_subquery()
    row = session.execute(select(seen, node)).one()
    return set(row[0] or ()), (row[1],)


def load(session: Session, ids: list[str]) -> dict[str, Held]:
    if not ids:
        return {}
    # Locked in id order so that two pushes touching the same records queue instead of
    # deadlocking; a push that then inserts the same new record as another is retried whole.
    rows = session.execute(
        select(_RECORDS)
        .where(ids_in(session, _RECORDS.c.id, ids))
        .order_by(_RECORDS.c.id)
        .with_for_update()
    )
    return {
        row.id: Held(
            id=row.id,
            type=row.type,
            district=row.district,
            restricted=row.restricted,
            created_by=row.created_by,
            addressee=row.addressee,
            deleted=row.deleted,
            deleted_hlc=row.deleted_hlc,
            fields=json.loads(row.fields),
            versions=json.loads(row.versions),
            created_at=row.created_at,
            stored=True,
            processing_restricted=row.processing_restricted,
            agency=row.agency,
            categories=row.categories,
            to_agency=row.to_agency,
        )
        for row in rows
    }


def record_row(state: Held, seq: int, now: datetime) -> dict[str, Any]:
    return {
        "id": state.id,
        "type": state.type,
        "district": state.district,
        "restricted": state.restricted,
        "created_by": state.created_by,
        "addressee": state.addressee,
        "deleted": state.deleted,
        "deleted_hlc": state.deleted_hlc,
        "fields": _FIELDS_JSON(state.fields),
        "versions": versions_text(state.versions),
        "digest": record_digest(
            state.type, state.id, deleted=state.deleted, versions=state.versions
        ),
        "seq": seq,
        "created_at": state.created_at,
        "updated_at": now,
        "agency": state.agency,
        "categories": state.categories,
        "to_agency": state.to_agency,
    }


def write_log(session: Session, batch: Batch) -> None:
    """Write what needs no commit position (changes seen, conflicts, audit rows so far).

    Done before the clock row is locked, so that concurrent pushes queue only for the records'
    positions; rows added to the batch after this are written by ``write``.
    """
    # In bulk through the tables: COPY on PostgreSQL, without a statement per row.
    insert_rows(session, _CHANGES, batch.changes)
    insert_rows(session, _CONFLICTS, batch.conflicts)
    insert_rows(session, _AUDIT, batch.audit)
    batch.changes, batch.conflicts, batch.audit = [], [], []


def record_rows(states: list[Held], now: datetime) -> dict[str, dict[str, Any]]:
    """The rows of records to write, built before the clock row is locked (without positions).

    Encoding the fields and computing each digest is most of a row's cost and needs no commit
    position; ``write`` only sets each row's position and restriction (which re-deriving along
    links may change under the lock, and which the digest does not cover).
    """
    return {s.id: record_row(s, 0, now) for s in states}


def take_positions(session: Session, count: int, top: str) -> tuple[list[int], str]:
    """Take ``count`` commit positions from the clock row, and raise its top clock to ``top``.

    This locks the clock row (if it is not locked already) until commit: a later push waits for
    this one to commit before it can take positions, so no puller ever sees position n+1 before
    position n. One statement does it all (the lock, the positions and the top clock), so that
    the lock costs no round trip of its own.

    Returns:
        The positions taken, and the top clock the row now holds.
    """
    held: ColumnElement[str] = _CLOCK.c.max_hlc
    if session.get_bind().dialect.name == "postgresql":
        # Clocks compare as text in code-point order, whatever the database's collation.
        held = held.collate("C")
    row = session.execute(
        update(_CLOCK)
        .where(_CLOCK.c.id == 1)
        .values(
            last_seq=_CLOCK.c.last_seq + count,
            max_hlc=case((held < top, top), else_=_CLOCK.c.max_hlc),
        )
        .returning(_CLOCK.c.last_seq, _CLOCK.c.max_hlc)
    ).one()
    return list(range(row.last_seq - count + 1, row.last_seq + 1)), str(row.max_hlc)


def write(
    session: Session,
    batch: Batch,
    dirty: list[Held],
    now: datetime,
    prepared: dict[str, dict[str, Any]] | None = None,
    taken: tuple[list[int], str] | None = None,
) -> str:
    """Write the batch; returns the highest clock the server has accepted.

    Rows in ``prepared`` (from ``record_rows``, for records whose fields have not changed since)
    are used as built; any other dirty record's row is built here. ``taken`` is what the
    caller's ``take_positions`` gave, if it took positions already; more are taken if there are
    more dirty records.
    """
    write_log(session, batch)
    if not dirty:
        return str(session.scalar(select(SyncClock.max_hlc).where(SyncClock.id == 1)) or "")
    positions, highest = taken if taken is not None else ([], "")
    if len(dirty) > len(positions):
        more, highest = take_positions(session, len(dirty) - len(positions), batch.top_hlc)
        # Which of the push's positions a record gets does not matter: they commit together.
        positions = positions + more
    prepared = prepared or {}
    new_rows: list[dict[str, Any]] = []
    old_rows: list[dict[str, Any]] = []
    for seq, state in zip(positions, dirty, strict=True):
        built = prepared.get(state.id)
        if built is None:
            built = record_row(state, seq, now)
        else:
            built["seq"], built["restricted"] = seq, state.restricted
        if state.stored:
            old_rows.append({**built, "_id": state.id})
        else:
            new_rows.append(built)
    insert_rows(session, _RECORDS, new_rows)
    if old_rows:
        session.execute(
            update(_RECORDS)
            .where(_RECORDS.c.id == bindparam("_id"))
            .values(
                {
                    name: bindparam(name)
                    for name in (
                        "district",
                        "restricted",
                        "addressee",
                        "deleted",
                        "deleted_hlc",
                        "fields",
                        "versions",
                        "digest",
                        "seq",
                        "updated_at",
                        "categories",
                        "to_agency",
                    )
                }
            ),
            old_rows,
        )
    return highest


def note_device(session: Session, device_id: str, device_seq: int | None, now: datetime) -> None:
    values: dict[str, object] = {"last_seen_at": now}
    query = update(Device).where(Device.id == device_id)
    if device_seq is not None:
        session.execute(
            query.where(Device.last_device_seq < device_seq).values(last_device_seq=device_seq)
        )
    session.execute(query.values(values))
