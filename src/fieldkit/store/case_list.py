"""The tenancy case list: every live case with its place's label, open cases first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from fieldkit.domain.records import RecordType
from fieldkit.domain.vocabulary import TenancyStatus
from fieldkit.store.schema import RECORD_TABLES
from fieldkit.store.transaction import Transaction, connection


@dataclass(frozen=True)
class CaseListing:
    """One tenancy case as the list shows it (None where the case or place has no value)."""

    id: str
    tenancy_ref: str | None
    status: str | None
    district: str | None
    place_label: str | None


def cases(tx: Transaction, *, offset: int, limit: int) -> list[CaseListing]:
    """Live cases, open ones before closed ones, then by reference and id.

    Args:
        tx: any transaction.
        offset: how many cases to skip.
        limit: the most cases to return.
    """
    case = RECORD_TABLES[RecordType.TENANCY_CASE]
    place = RECORD_TABLES[RecordType.PLACE]
    query = (
        select(case.c.id, case.c.tenancy_ref, case.c.status, case.c.district, place.c.label)
        .join(place, place.c.id == case.c.place_id, isouter=True)
        .where(case.c.deleted.is_(False))
        .order_by((case.c.status == TenancyStatus.CLOSED.value), case.c.tenancy_ref, case.c.id)
        .offset(offset)
        .limit(limit)
    )
    return [CaseListing(str(r[0]), r[1], r[2], r[3], r[4]) for r in connection(tx).execute(query)]
