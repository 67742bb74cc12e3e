"""What the vault holds, as anti-entropy digests: per record, from the rows as stored now."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from fieldkit.domain.digest import bucket_of, record_digest
from fieldkit.domain.records import SPECS, RecordType
from fieldkit.store.records import unpack_versions
from fieldkit.store.schema import RECORD_TABLES, Change, record_origin
from fieldkit.store.transaction import Transaction, connection


def record_digests(
    tx: Transaction, record_type: RecordType, *, bucket: str | None = None
) -> dict[str, int]:
    """The digest of every record of one type the vault holds (tombstones included).

    Read from the record table itself, never from a cache, so that a row put back to an older
    state (a page of the file copied over from an old copy) shows as the older version it is.

    Args:
        conn: a read connection.
        record_type: which table.
        bucket: only records whose id starts with these hex digits (None: all of them).

    Returns:
        Record id (lower case) to its 62-bit digest, as `fieldkit.domain.digest` computes it.
    """
    conn = connection(tx)
    table = RECORD_TABLES[record_type]
    names = SPECS[record_type].by_name
    query = select(table.c.id, table.c.deleted, table.c.versions)
    if bucket is not None:
        # A range on the primary key (LIKE is case-blind in SQLite and cannot use the index).
        following = f"{int(bucket, 16) + 1:0{len(bucket)}x}"
        query = query.where(table.c.id >= bucket)
        if len(following) == len(bucket):
            query = query.where(table.c.id < following)
    found: dict[str, int] = {}
    for record_id, deleted, versions in conn.execute(query):
        key = str(record_id).lower()
        if bucket is not None and bucket_of(key) != bucket:
            continue
        found[key] = record_digest(
            record_type.value,
            key,
            deleted=bool(deleted),
            versions=unpack_versions(versions or {}, names),
        )
    return found


def pending_record_ids(tx: Transaction) -> set[str]:
    """Ids of records with local changes the server has not yet settled (never overwritten)."""
    conn = connection(tx)
    rows = conn.execute(select(Change.record_id).where(Change.pushed_at.is_(None)).distinct())
    return {str(r[0]).lower() for r in rows}


def arrived_by_sync(tx: Transaction, record_ids: Iterable[str]) -> set[str]:
    """Which of these records reached the vault by sync (those written here have no origin)."""
    conn = connection(tx)
    ids = sorted(set(record_ids))
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            select(record_origin.c.record_id).where(record_origin.c.record_id.in_(chunk))
        )
        found.update(str(r[0]) for r in rows)
    return found
