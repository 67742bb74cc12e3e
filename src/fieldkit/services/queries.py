"""Read queries the screens need that the store does not offer yet (debt: see docs/app.md)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from fieldkit.domain.records import RecordType
from fieldkit.store.records import RecordRepository, StoredRecord
from fieldkit.store.schema import RECORD_TABLES


def live_ids_where(
    conn: Connection, record_type: RecordType, column: str, values: Sequence[str]
) -> list[str]:
    """Ids of live records whose ``column`` is one of ``values``."""
    table = RECORD_TABLES[record_type]
    query = (
        select(table.c.id)
        .where(table.c[column].in_(list(values)))
        .where(table.c.deleted.is_(False))
    )
    return [row[0] for row in conn.execute(query)]


def records_where(
    conn: Connection,
    repo: RecordRepository,
    record_type: RecordType,
    column: str,
    values: Sequence[str],
) -> list[StoredRecord]:
    """Live records whose ``column`` is one of ``values``."""
    return repo.get_many(record_type, live_ids_where(conn, record_type, column, values))
