"""The supervisor's review queue as SQL: synced team work with no decision since it last changed.

Work is what `record_origin` says arrived by sync (records written on this laptop have no
origin row, so a supervisor never reviews their own work). A piece of work waits for review
until a live ``review`` record about it was decided after its latest version arrived
(``domain.review.awaiting_review`` is the same rule in Python).

The queue reads one table. Each `record_origin` row carries what the queue filters on — the
record's district, its own date, its categories (a warning's or signposting's through its
visit), whether it is deleted — copied when the record arrives (`described`, `complete`), and
the newest decision about it, kept current by triggers on the review table (migration 0006), so
listing and counting never join the record tables. The page is sorted by arrival, newest first,
down the ``changed_at`` index.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, TextClause, and_, func, or_, select, text

from fieldkit.domain.records import REVIEWABLE_TYPES, RecordType
from fieldkit.domain.review import Decision
from fieldkit.domain.trends import london_midnight, stored_moment
from fieldkit.domain.vocabulary import ReviewDecision
from fieldkit.store.schema import RECORD_TABLES, WAITING, record_origin
from fieldkit.store.transaction import Transaction, connection

#: The field each kind of work is dated by (what the date filter and the list show).
DATED_BY: dict[RecordType, str] = {
    RecordType.VISIT: "occurred_at",
    RecordType.WARNING: "issued_at",
    RecordType.SIGNPOSTING: "given_at",
    RecordType.TENANCY_NOTE: "written_at",
    RecordType.CLOSURE: "notice_served_at",
    RecordType.DOCUMENT: "printed_at",
}
#: Work whose categories are its visit's.
_THROUGH_VISIT = frozenset({RecordType.WARNING, RecordType.SIGNPOSTING})

#: Every kind of work the queue holds.
_ORDER = tuple(sorted(REVIEWABLE_TYPES, key=lambda t: t.value))


@dataclass(frozen=True)
class QueueFilter:
    """Which waiting work to list; empty tuples and None mean "any".

    Attributes:
        authors: the officers (usernames) whose work to show.
        districts: district ids.
        categories: visit categories; a warning or signposting matches through its visit;
            work without categories (tenancy notes, closures, documents) is left out when
            categories are chosen.
        types: record types.
        from_day, to_day: the work's own date, London calendar days, inclusive.
        arrived_after: only work that arrived or changed after this stored moment.
    """

    authors: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    types: tuple[RecordType, ...] = ()
    from_day: date | None = None
    to_day: date | None = None
    arrived_after: str | None = None


@dataclass(frozen=True)
class QueueRow:
    """One piece of waiting work, as the queue lists it before its fields are read."""

    type: RecordType
    id: str
    district: str
    dated: str | None
    author: str | None
    received_at: str
    changed_at: str


def described(
    record_type: RecordType, fields: Mapping[str, object], *, deleted: bool
) -> dict[str, object]:
    """What the queue filters on, copied from a record that arrived, for its origin row.

    A warning's or signposting's categories are its visit's: `complete` fills them in, with
    the decision that stands, once the whole page is in.
    """
    if record_type not in REVIEWABLE_TYPES:
        return dict.fromkeys(("district", "dated", "categories", "deleted", "decided_at"))
    return {
        "district": fields.get("district"),
        "dated": fields.get(DATED_BY[record_type]),
        "categories": fields.get("categories") if record_type is RecordType.VISIT else None,
        "deleted": deleted,
        "decided_at": None,
        "_visit_id": fields.get("visit_id") if record_type in _THROUGH_VISIT else None,
    }


def complete(conn: Transaction, origins: list[dict[str, Any]]) -> None:
    """Fill in a page's origin rows: categories through visits, and the decisions that stand.

    Set-based, a few statements a page: a first sync of many thousand records stays quick.
    """
    visit_ids = {str(o["_visit_id"]) for o in origins if o.get("_visit_id")}
    categories = {
        str(o["record_id"]): o["categories"]
        for o in origins
        if o["record_type"] == RecordType.VISIT.value
    }
    missing = sorted(visit_ids - categories.keys())
    visit = RECORD_TABLES[RecordType.VISIT]
    for chunk in _chunks(missing):
        for row in connection(conn).execute(
            select(visit.c.id, visit.c.categories).where(visit.c.id.in_(chunk))
        ):
            categories[row.id] = row.categories
    kinds = {t.value for t in REVIEWABLE_TYPES}
    reviewable = [str(o["record_id"]) for o in origins if o["record_type"] in kinds]
    review = RECORD_TABLES[RecordType.REVIEW]
    decided: dict[str, str] = {}
    for chunk in _chunks(reviewable):
        rows = connection(conn).execute(
            select(review.c.subject_id, func.max(review.c.decided_at))
            .where(review.c.subject_id.in_(chunk), review.c.deleted.is_(False))
            .group_by(review.c.subject_id)
        )
        decided.update({str(subject): str(at) for subject, at in rows})
    for origin in origins:
        through = origin.pop("_visit_id", None)
        if through:
            origin["categories"] = categories.get(str(through))
        if origin["record_type"] in kinds:
            origin["decided_at"] = decided.get(str(origin["record_id"]))


def _chunks(values: Sequence[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _waiting(me: str, wanted: QueueFilter) -> list[ColumnElement[bool] | TextClause]:
    """The conditions on `record_origin` for waiting work that matches the filter."""
    o = record_origin.c
    types = wanted.types or _ORDER
    conditions: list[ColumnElement[bool] | TextClause] = [
        o.record_type.in_(sorted(t.value for t in types)),
        or_(o.deleted.is_(None), o.deleted.is_(False)),
        or_(o.author.is_(None), o.author != me),
        # Word for word the partial index's condition, so that SQLite reads that index.
        text(WAITING),
    ]
    if wanted.authors:
        conditions.append(o.author.in_(sorted(wanted.authors)))
    if wanted.districts:
        conditions.append(o.district.in_(sorted(wanted.districts)))
    if wanted.categories:
        # The categories are a JSON list of fixed ids: finding '"id"' in the text is exact, and
        # far cheaper than opening the list with json_each for every row.
        conditions.append(
            or_(*(func.instr(o.categories, f'"{c}"') > 0 for c in sorted(wanted.categories)))
        )
    if wanted.from_day is not None:
        conditions.append(o.dated >= stored_moment(london_midnight(wanted.from_day)))
    if wanted.to_day is not None:
        end = london_midnight(wanted.to_day + timedelta(days=1))
        conditions.append(o.dated < stored_moment(end))
    if wanted.arrived_after is not None:
        conditions.append(func.substr(o.changed_at, 1, 19) > wanted.arrived_after[:19])
    return conditions


def waiting_work(
    conn: Transaction, *, me: str, wanted: QueueFilter, limit: int
) -> tuple[list[QueueRow], int]:
    """The newest waiting work matching the filter, and how much matches in all.

    Args:
        me: the supervisor's username (their own work is never listed).
        limit: the most rows returned.
    """
    o = record_origin.c
    conditions = _waiting(me, wanted)
    total = int(
        connection(conn)
        .execute(select(func.count()).select_from(record_origin).where(*conditions))
        .scalar_one()
    )
    rows = connection(conn).execute(
        select(
            o.record_type, o.record_id, o.district, o.dated, o.author, o.received_at, o.changed_at
        )
        .where(*conditions)
        .order_by(o.changed_at.desc(), o.record_id)
        .limit(limit)
    )
    return [
        QueueRow(
            RecordType(r.record_type),
            r.record_id,
            r.district or "",
            r.dated,
            r.author,
            r.received_at,
            r.changed_at,
        )
        for r in rows
    ], total


def decisions_about(conn: Transaction, subject_ids: Sequence[str]) -> dict[str, list[Decision]]:
    """Every live review decision about each of these records, oldest first."""
    if not subject_ids:
        return {}
    review = RECORD_TABLES[RecordType.REVIEW]
    found: dict[str, list[Decision]] = {}
    for start in range(0, len(subject_ids), 500):
        chunk = list(subject_ids[start : start + 500])
        rows = connection(conn).execute(
            select(
                review.c.subject_id,
                review.c.decision,
                review.c.decided_at,
                review.c.reviewer,
                review.c.comment,
            )
            .where(review.c.subject_id.in_(chunk), review.c.deleted.is_(False))
            .order_by(review.c.decided_at)
        )
        for r in rows:
            found.setdefault(str(r.subject_id), []).append(
                Decision(
                    ReviewDecision(r.decision), str(r.decided_at), str(r.reviewer), r.comment or ""
                )
            )
    return found


def authors(conn: Transaction, *, me: str) -> list[str]:
    """Everyone whose synced work is in this vault, for the queue's officer filter.

    A skip-scan down the author index: one seek per author, however much work each has.
    """
    rows = connection(conn).execute(
        text(
            "WITH RECURSIVE a(author) AS ("
            " SELECT min(author) FROM record_origin"
            " UNION ALL"
            " SELECT (SELECT min(author) FROM record_origin WHERE author > a.author)"
            " FROM a WHERE a.author IS NOT NULL)"
            " SELECT author FROM a WHERE author IS NOT NULL AND author != :me"
        ),
        {"me": me},
    )
    return [str(r.author) for r in rows]


@dataclass(frozen=True)
class Feedback:
    """A supervisor's decision about an officer's work, as the officer's Today shows it."""

    review_id: str
    subject_type: RecordType
    subject_id: str
    decision: Decision


def feedback_for(conn: Transaction, *, officer: str, since: str, limit: int) -> list[Feedback]:
    """Decisions about ``officer``'s work made since a stored moment, newest first.

    Only the decision that stands for each piece of work is returned.
    """
    review = RECORD_TABLES[RecordType.REVIEW]
    # The standing decision is picked in Python: a handful of rows per officer.
    rows = (
        connection(conn)
        .execute(
            select(review)
            .where(
                and_(
                    review.c.officer == officer,
                    review.c.deleted.is_(False),
                    review.c.decided_at >= since,
                )
            )
            .order_by(review.c.decided_at.desc(), review.c.id.desc())
        )
        .mappings()
    )
    seen: set[str] = set()
    out: list[Feedback] = []
    for r in rows:
        subject = str(r["subject_id"])
        if subject in seen:
            continue
        seen.add(subject)
        out.append(
            Feedback(
                str(r["id"]),
                RecordType(str(r["subject_type"])),
                subject,
                Decision(
                    ReviewDecision(r["decision"]),
                    str(r["decided_at"]),
                    str(r["reviewer"]),
                    r["comment"] or "",
                ),
            )
        )
        if len(out) >= limit:
            break
    return out


def own_work_not_countersigned(
    conn: Transaction, *, me: str, types: Sequence[RecordType], since: str
) -> list[tuple[RecordType, dict[str, Any], str]]:
    """This user's own live work of these kinds, dated since a stored moment, that no
    supervisor has countersigned yet: (type, fields with ``id``, date), newest first.

    Own work is work written on this laptop (no origin row) or that came back to a fresh
    laptop with this user as its author. The caller decides which of it needs countersigning.
    """
    review = RECORD_TABLES[RecordType.REVIEW]
    out: list[tuple[RecordType, dict[str, Any], str]] = []
    for record_type in types:
        table = RECORD_TABLES[record_type]
        dated = table.c[DATED_BY[record_type]]
        countersigned = (
            select(review.c.id)
            .where(
                review.c.subject_id == table.c.id,
                review.c.decision == ReviewDecision.COUNTERSIGNED.value,
                review.c.deleted.is_(False),
            )
            .exists()
        )
        rows = (
            connection(conn)
            .execute(
                select(table)
                .outerjoin(record_origin, record_origin.c.record_id == table.c.id)
                .where(
                    table.c.deleted.is_(False),
                    dated >= since,
                    or_(record_origin.c.record_id.is_(None), record_origin.c.author == me),
                    ~countersigned,
                )
                .order_by(dated.desc())
            )
            .mappings()
        )
        out.extend((record_type, dict(r), str(r[DATED_BY[record_type]])) for r in rows)
    return sorted(out, key=lambda item: item[2], reverse=True)
