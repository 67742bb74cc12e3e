"""The supervisor's review queue as SQL: synced team work with no decision since it last changed.

Work is what `record_origin` says arrived by sync (records written on this laptop have no
origin row, so a supervisor never reviews their own work). A piece of work waits for review
until a live ``review`` record about it was decided after its latest version arrived
(``domain.review.awaiting_review`` is the same rule in Python). Every filter is pushed into the
query; the page is sorted by arrival, newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)

from fieldkit.domain.records import REVIEWABLE_TYPES, RecordType
from fieldkit.domain.review import Decision
from fieldkit.domain.trends import london_midnight, stored_moment
from fieldkit.domain.vocabulary import ReviewDecision
from fieldkit.store.schema import RECORD_TABLES, record_origin
from fieldkit.store.transaction import Transaction

#: The column each kind of work is dated by (what the date filter and the list show).
DATE_COLUMN: dict[RecordType, str] = {
    RecordType.VISIT: "occurred_at",
    RecordType.WARNING: "issued_at",
    RecordType.SIGNPOSTING: "given_at",
    RecordType.TENANCY_NOTE: "written_at",
    RecordType.CLOSURE: "notice_served_at",
    RecordType.DOCUMENT: "printed_at",
}
#: Work listed in this order when arrival times tie.
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


def _categories_match(record_type: RecordType, categories: Sequence[str]) -> ColumnElement[bool]:
    visit = RECORD_TABLES[RecordType.VISIT]
    table = RECORD_TABLES[record_type]
    chosen = sorted(categories)

    def any_of(column: ColumnElement[object]) -> ColumnElement[bool]:
        each = func.json_each(column).table_valued("value")
        return exists(select(each.c.value).where(each.c.value.in_(chosen)))

    if record_type is RecordType.VISIT:
        return any_of(table.c.categories)
    if record_type in (RecordType.WARNING, RecordType.SIGNPOSTING):
        linked = visit.alias("linked_visit")
        each = func.json_each(linked.c.categories).table_valued("value")
        return exists(
            select(linked.c.id)
            .where(linked.c.id == table.c.visit_id)
            .where(exists(select(each.c.value).where(each.c.value.in_(chosen))))
        )
    return false()


def _waiting(record_type: RecordType, me: str, wanted: QueueFilter) -> Select[tuple[object, ...]]:
    table = RECORD_TABLES[record_type]
    review = RECORD_TABLES[RecordType.REVIEW]
    origin = record_origin
    dated = table.c[DATE_COLUMN[record_type]]
    decided_since_change = exists(
        select(review.c.id).where(
            review.c.subject_id == table.c.id,
            review.c.deleted.is_(False),
            # Both are UTC ISO 8601 text, one to the second and one to the millisecond:
            # compare to the second (a decision in the same second as an arrival follows it).
            func.substr(review.c.decided_at, 1, 19) >= func.substr(origin.c.changed_at, 1, 19),
        )
    )
    query = (
        select(
            literal(record_type.value).label("type"),
            table.c.id,
            table.c.district,
            dated.label("dated"),
            origin.c.author,
            origin.c.received_at,
            origin.c.changed_at,
        )
        .join(origin, origin.c.record_id == table.c.id)
        .where(table.c.deleted.is_(False))
        .where(or_(origin.c.author.is_(None), origin.c.author != me))
        .where(~decided_since_change)
    )
    if wanted.authors:
        query = query.where(origin.c.author.in_(sorted(wanted.authors)))
    if wanted.districts:
        query = query.where(table.c.district.in_(sorted(wanted.districts)))
    if wanted.categories:
        query = query.where(_categories_match(record_type, wanted.categories))
    if wanted.from_day is not None:
        query = query.where(dated >= stored_moment(london_midnight(wanted.from_day)))
    if wanted.to_day is not None:
        end = london_midnight(wanted.to_day + timedelta(days=1))
        query = query.where(dated < stored_moment(end))
    if wanted.arrived_after is not None:
        query = query.where(func.substr(origin.c.changed_at, 1, 19) > wanted.arrived_after[:19])
    return query


def _types(wanted: QueueFilter) -> tuple[RecordType, ...]:
    if not wanted.types:
        return _ORDER
    return tuple(t for t in _ORDER if t in wanted.types)


def waiting_work(
    conn: Transaction, *, me: str, wanted: QueueFilter, limit: int
) -> tuple[list[QueueRow], int]:
    """The newest waiting work matching the filter, and how much matches in all.

    Args:
        me: the supervisor's username (their own work is never listed).
        limit: the most rows returned.
    """
    parts = [_waiting(t, me, wanted) for t in _types(wanted)]
    if not parts:
        return [], 0
    everything = union_all(*parts).subquery("waiting")
    total = int(conn.execute(select(func.count()).select_from(everything)).scalar_one())
    rows = conn.execute(
        select(everything)
        .order_by(
            func.substr(everything.c.changed_at, 1, 19).desc(),
            everything.c.dated.desc(),
            everything.c.type,
            everything.c.id,
        )
        .limit(limit)
    ).mappings()
    return [
        QueueRow(
            RecordType(str(r["type"])),
            str(r["id"]),
            str(r["district"]),
            None if r["dated"] is None else str(r["dated"]),
            None if r["author"] is None else str(r["author"]),
            str(r["received_at"]),
            str(r["changed_at"]),
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
        rows = conn.execute(
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


def author_of(conn: Transaction, record_id: str) -> str | None:
    """Who wrote a synced record (None for work written on this laptop or of unknown origin)."""
    value = conn.execute(
        select(record_origin.c.author).where(record_origin.c.record_id == record_id)
    ).scalar()
    return None if value is None else str(value)


def authors(conn: Transaction, *, me: str) -> list[str]:
    """Everyone whose synced work is in this vault, for the queue's officer filter."""
    rows = conn.execute(
        select(record_origin.c.author)
        .where(record_origin.c.author.is_not(None), record_origin.c.author != me)
        .where(record_origin.c.record_type.in_(sorted(t.value for t in REVIEWABLE_TYPES)))
        .distinct()
        .order_by(record_origin.c.author)
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
    rows = conn.execute(
        select(review)
        .where(
            and_(
                review.c.officer == officer,
                review.c.deleted.is_(False),
                review.c.decided_at >= since,
            )
        )
        .order_by(review.c.decided_at.desc(), review.c.id.desc())
    ).mappings()
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
