"""The visit lists the screens page through: newest first, and the places lately visited."""

from __future__ import annotations

from sqlalchemy import and_, or_, select

from fieldkit.domain.records import RecordType
from fieldkit.store.records import StoredRecord, to_record
from fieldkit.store.schema import RECORD_TABLES
from fieldkit.store.transaction import Transaction, connection

#: Where the next page of a visit list starts: the last row's (occurred_at, id).
VisitCursor = tuple[str, str]


def visits_newest_first(
    tx: Transaction, *, officer_id: str | None = None, after: VisitCursor | None = None, limit: int
) -> list[StoredRecord]:
    """A page of live visits, newest first, ties broken by id (keyset paging).

    Args:
        tx: the read transaction.
        officer_id: only this officer's visits; None for everyone's.
        after: the (occurred_at, id) of the last visit on the page before; None for page one.
        limit: the most visits to return.
    """
    table = RECORD_TABLES[RecordType.VISIT]
    query = select(table).where(table.c.deleted.is_(False))
    if officer_id is not None:
        query = query.where(table.c.officer_id == officer_id)
    if after is not None:
        at, last_id = after
        query = query.where(
            or_(table.c.occurred_at < at, and_(table.c.occurred_at == at, table.c.id < last_id))
        )
    query = query.order_by(table.c.occurred_at.desc(), table.c.id.desc()).limit(limit)
    rows = connection(tx).execute(query).mappings()
    return [to_record(RecordType.VISIT, r) for r in rows]


def latest_visited_place_ids(
    tx: Transaction, *, officer_id: str | None = None, limit: int
) -> list[str]:
    """Distinct places of the latest live visits, most recent first.

    Only the latest ``limit * 10`` visits with a place are looked at, so a vault where one
    place dominates may give fewer than ``limit``.

    Args:
        tx: the read transaction.
        officer_id: only this officer's visits; None for everyone's.
        limit: the most place ids to return.
    """
    table = RECORD_TABLES[RecordType.VISIT]
    query = (
        select(table.c.place_id)
        .where(table.c.place_id.is_not(None))
        .where(table.c.deleted.is_(False))
        .order_by(table.c.occurred_at.desc())
        .limit(limit * 10)
    )
    if officer_id is not None:
        query = query.where(table.c.officer_id == officer_id)
    ids: list[str] = []
    for (place_id,) in connection(tx).execute(query):
        if place_id not in ids:
            ids.append(place_id)
        if len(ids) >= limit:
            break
    return ids
