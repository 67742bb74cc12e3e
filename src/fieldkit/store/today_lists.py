"""What Today reads: an officer's follow-ups falling due, and the warnings still standing."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from fieldkit.domain.records import RecordType
from fieldkit.domain.vocabulary import WarningStatus
from fieldkit.store.records import StoredRecord, to_record
from fieldkit.store.schema import RECORD_TABLES
from fieldkit.store.transaction import Transaction, connection


def follow_ups_due(
    tx: Transaction, *, officer_id: str, from_day: date, to_day: date, limit: int
) -> list[StoredRecord]:
    """An officer's live visits with a follow-up due from one day to another, soonest first."""
    table = RECORD_TABLES[RecordType.VISIT]
    query = (
        select(table)
        .where(table.c.follow_up_due >= from_day.isoformat())
        .where(table.c.follow_up_due <= to_day.isoformat())
        .where(table.c.officer_id == officer_id, table.c.deleted.is_(False))
        .order_by(table.c.follow_up_due)
        .limit(limit)
    )
    rows = connection(tx).execute(query).mappings()
    return [to_record(RecordType.VISIT, r) for r in rows]


def issued_warnings_since(tx: Transaction, since: datetime) -> list[StoredRecord]:
    """Live warnings still in the issued state that were issued at or after ``since``."""
    table = RECORD_TABLES[RecordType.WARNING]
    query = (
        select(table)
        .where(table.c.status == WarningStatus.ISSUED.value, table.c.deleted.is_(False))
        .where(table.c.issued_at >= since.isoformat())
    )
    rows = connection(tx).execute(query).mappings()
    return [to_record(RecordType.WARNING, r) for r in rows]
