"""Anti-entropy: digests of the records a user may see, and those records fetched by id.

A laptop compares these digests with its own copy to find records that differ (a page of its
database copied back from an old file, say) and fetches them again; the pull cursor alone would
never resend a record the laptop is believed to hold. Visibility is the pull's (`pull.visible`);
fetched records are noted as held by the device and their disclosure is logged, as a pull does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal_column, select
from sqlalchemy.orm import Session

from fieldkit.domain.digest import BUCKET_WIDTH, HALF, SetDigest, digest_text
from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.clock import server_hlc
from fieldkit_server.models import Base, Record, SyncClock, User
from fieldkit_server.policy import Principal, Scope, sharing_basis
from fieldkit_server.pull import Reader, _hold, basis_of, visible

_RECORDS = Base.metadata.tables[Record.__tablename__]


def _sums() -> tuple[Any, ...]:
    digest = func.coalesce(_RECORDS.c.digest, 0)
    # `/` on two integers is integer division on both PostgreSQL and SQLite; SQLAlchemy's own
    # `/` would turn it into a true division.
    return (
        func.count(),
        func.sum(digest.op("/")(literal_column(str(HALF)))),
        func.sum(digest % HALF),
    )


def _summary(count: Any, high: Any, low: Any) -> dict[str, Any]:
    # PostgreSQL sums BIGINT as NUMERIC (a Decimal here): exact, so int() is safe.
    found = SetDigest(int(count), int(high or 0), int(low or 0))
    return {"count": found.count, "digest": found.text()}


def type_digests(session: Session, *, principal: Principal) -> list[dict[str, Any]]:
    """For each record type the user may see any of: how many, and their digest."""
    c = _RECORDS.c
    rows = session.execute(
        select(c.type, *_sums()).where(visible(principal)).group_by(c.type).order_by(c.type)
    )
    return [{"type": row[0], **_summary(*row[1:])} for row in rows]


def bucket_digests(
    session: Session, *, principal: Principal, record_type: str
) -> list[dict[str, Any]]:
    """Within one record type, the digest of each non-empty bucket (leading hex digits of ids)."""
    c = _RECORDS.c
    bucket = func.substr(c.id, 1, BUCKET_WIDTH)
    rows = session.execute(
        select(bucket, *_sums())
        .where(visible(principal), c.type == record_type)
        .group_by(bucket)
        .order_by(bucket)
    )
    return [{"bucket": row[0], **_summary(*row[1:])} for row in rows]


def _in_bucket(bucket: str) -> ColumnElement[bool]:
    # A range on the primary key rather than substr(), so the look-up uses its index.
    c = _RECORDS.c
    following = f"{int(bucket, 16) + 1:0{BUCKET_WIDTH}x}"
    if len(following) > BUCKET_WIDTH:
        return c.id >= bucket
    return and_(c.id >= bucket, c.id < following)


def bucket_records(
    session: Session, *, principal: Principal, record_type: str, bucket: str
) -> list[dict[str, str]]:
    """The id and digest of every record of one type in one bucket that the user may see."""
    c = _RECORDS.c
    rows = session.execute(
        select(c.id, func.coalesce(c.digest, 0))
        .where(visible(principal), c.type == record_type, _in_bucket(bucket))
        .order_by(c.id)
    )
    return [{"id": row[0], "digest": digest_text(int(row[1]))} for row in rows]


@dataclass(frozen=True)
class Fetched:
    """Records fetched by id, ready to render in the pull's ``Record`` shape."""

    records: list[Any]
    server_hlc: str

    def render(self) -> bytes:
        """The reply as JSON; records' fields go out as stored, as in a pull."""
        parts = [
            '{{"type":"{}","id":"{}","deleted":{},"fields":{},"versions":{},"author":{}{}}}'.format(
                r.type,
                r.id,
                "true" if r.deleted else "false",
                r.fields,
                r.versions,
                json.dumps(r.author),
                f',"deleted_hlc":{json.dumps(r.deleted_hlc)}' if r.deleted else "",
            )
            for r in self.records
        ]
        tail = json.dumps({"server_hlc": self.server_hlc})
        return ('{"records":[' + ",".join(parts) + "]," + tail[1:]).encode()


def fetch_records(
    session: Session, *, reader: Reader, items: Sequence[tuple[str, str]], now: datetime
) -> Fetched:
    """The records named by (type, id) that the user may see, at their current state.

    A record the user may not see, or that does not exist, is left out without saying which:
    the reply never tells a user that a record they may not see exists. Each record sent is
    noted as held by the device (so a later pull can list it for purge) and, unless it is a
    tombstone, logged as disclosed; each one left out is logged as ``refused``, naming the
    agreement the user's agency held for it (None when none shares it, or it does not exist).
    """
    c = _RECORDS.c
    wanted = {record_id: record_type for record_type, record_id in items}
    if not wanted:
        max_hlc = session.scalar(select(SyncClock.max_hlc))
        return Fetched([], server_hlc(now, str(max_hlc or "")))
    rows = list(
        session.execute(
            select(
                c.id,
                c.type,
                c.deleted,
                c.deleted_hlc,
                c.fields,
                c.versions,
                c.agency,
                c.categories,
                c.to_agency,
                c.addressee,
                User.username.label("author"),
            )
            .outerjoin(User, User.id == c.created_by)
            .where(visible(reader.principal), c.id.in_(sorted(wanted)))
            .order_by(c.id)
        )
    )
    # An id asked for under another type is not that record: leave it out.
    rows = [r for r in rows if wanted[r.id] == r.type]
    _hold(session, reader.device_id, [r.id for r in rows])
    sent = {r.id for r in rows}
    audit.append(
        session,
        _denials(session, reader, {i: t for i, t in wanted.items() if i not in sent}, now)
        + [
            audit.server_event(
                at=now,
                action=AuditAction.DISCLOSE,
                user_id=reader.principal.user_id,
                device_id=reader.device_id,
                record_type=r.type,
                record_id=r.id,
                detail={"agreement": basis_of(reader.principal, r)},
            )
            for r in rows
            if not r.deleted
        ],
    )
    max_hlc = session.scalar(select(SyncClock.max_hlc))
    return Fetched(rows, server_hlc(now, str(max_hlc or "")))


#: The reason a withheld fetch is logged with (the user is not told).
FETCH_DENIED = "fetch of a record the user may not see, or that the server does not hold"


def _denials(
    session: Session, reader: Reader, withheld: dict[str, str], now: datetime
) -> list[dict[str, Any]]:
    """One ``refused`` row per record asked for and left out, as a refused push is logged."""
    if not withheld:
        return []
    c = _RECORDS.c
    held = {
        r.id: r
        for r in session.execute(
            select(c.id, c.type, c.agency, c.categories, c.to_agency, c.addressee).where(
                c.id.in_(sorted(withheld))
            )
        )
    }
    events = []
    for record_id, record_type in sorted(withheld.items()):
        row = held.get(record_id)
        basis = None
        if row is not None and row.type == record_type:
            basis = sharing_basis(
                reader.principal,
                Scope.of(
                    row.type,
                    [],
                    restricted=False,
                    created_by=None,
                    addressee=row.addressee,
                    agency=row.agency,
                    categories=[x for x in (row.categories or "").split(",") if x],
                    to_agency=row.to_agency,
                ),
            )
        events.append(
            audit.server_event(
                at=now,
                action=AuditAction.REFUSED,
                user_id=reader.principal.user_id,
                device_id=reader.device_id,
                record_type=record_type,
                record_id=record_id,
                reason=FETCH_DENIED,
                detail={"endpoint": "fetch", "agreement": basis},
            )
        )
    return events
