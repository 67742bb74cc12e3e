"""ASB case queries: the filtered case list, latest risk bands, actions by assignee, numbering."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy import case as sql_case

from fieldkit.domain.asb import review_overdue, to_discuss
from fieldkit.domain.records import RecordType
from fieldkit.domain.vocabulary import ActionStatus, AsbStatus, RiskBand
from fieldkit.store.schema import RECORD_TABLES, Meta
from fieldkit.store.transaction import Transaction, connection

_CASE = RECORD_TABLES[RecordType.ASB_CASE]
_PARTY = RECORD_TABLES[RecordType.ASB_PARTY]
_RISK = RECORD_TABLES[RecordType.ASB_RISK]
_ACTION = RECORD_TABLES[RecordType.ASB_ACTION]


def allocate_number(tx: Transaction, *, district: str, year: int) -> int:
    """The laptop's next case number for a district and year (1, 2, ...), never handed out twice.

    Kept in ``vault_meta`` in the same transaction as the case it numbers, so a case that is
    not written does not use up its number, and a number once written is never reused.
    """
    key = f"asb.next_number.{district}.{year}"
    held = connection(tx).execute(select(Meta.value).where(Meta.key == key)).scalar()
    number = int(held) if held is not None else 1
    connection(tx).execute(delete(Meta).where(Meta.key == key))
    connection(tx).execute(insert(Meta).values(key=key, value=str(number + 1)))
    return number


@dataclass(frozen=True)
class CaseFilter:
    """What the case list is narrowed to; every part optional.

    Attributes:
        owner: only cases this user owns ("mine").
        district: only this district.
        status: only this status.
        category: only this Home Office category.
        review_before: only cases not closed whose next review date is before this day (ISO).
        high_risk: only cases where someone's latest assessment is high.
    """

    owner: str | None = None
    district: str | None = None
    status: str | None = None
    category: str | None = None
    review_before: str | None = None
    high_risk: bool = False


@dataclass(frozen=True)
class CaseListing:
    """One ASB case as the list shows it (None where the case has no value)."""

    id: str
    reference: str
    title: str
    category: str | None
    status: str | None
    district: str | None
    owner: str | None
    next_review_on: str | None
    high_risk: bool


def high_risk_case_ids(tx: Transaction) -> list[str]:
    """The cases where someone's latest assessment is high.

    Only cases with a high assessment at all can be high, and the covering index
    ``ix_asb_risk_assessment_band`` finds those without reading the rows; their people's
    assessments are then read by case to see whether a later one lowered the band.
    """
    r = _RISK.c
    candidates = [
        str(row[0])
        for row in connection(tx).execute(
            select(r.case_id).where(r.band == RiskBand.HIGH.value, r.deleted.is_(False)).distinct()
        )
    ]
    if not candidates:
        return []
    later = _RISK.alias("later")
    lowered = select(
        later.c.case_id, later.c.person_id, later.c.assessed_at, later.c.updated_hlc
    ).where(
        later.c.case_id.in_(candidates),
        later.c.band != RiskBand.HIGH.value,
        later.c.deleted.is_(False),
    )
    lower: dict[tuple[str, str], tuple[str, str]] = {}
    for case_id, person_id, at, hlc in connection(tx).execute(lowered):
        key = (str(case_id), str(person_id))
        lower[key] = max(lower.get(key, ("", "")), (str(at), str(hlc)))
    highs = select(r.case_id, r.person_id, r.assessed_at, r.updated_hlc).where(
        r.band == RiskBand.HIGH.value, r.deleted.is_(False)
    )
    out: set[str] = set()
    for case_id, person_id, at, hlc in connection(tx).execute(highs):
        held = lower.get((str(case_id), str(person_id)))
        if held is None or (str(at), str(hlc)) > held:
            out.add(str(case_id))
    return sorted(out)


def cases(tx: Transaction, where: CaseFilter, *, offset: int, limit: int) -> list[CaseListing]:
    """Live cases matching the filter: open first, then monitoring, then closed; by reference.

    Whether a case is high risk is worked out for the page alone (unless the filter asks for
    high-risk cases), so a page costs the same however many cases match.

    Args:
        tx: any transaction.
        where: the filter.
        offset: how many cases to skip.
        limit: the most cases to return.
    """
    c = _CASE.c
    query = select(
        c.id, c.reference, c.title, c.category, c.status, c.district, c.owner, c.next_review_on
    ).where(c.deleted.is_(False))
    if where.owner:
        query = query.where(c.owner == where.owner)
    if where.district:
        query = query.where(c.district == where.district)
    if where.status:
        query = query.where(c.status == where.status)
    if where.category:
        query = query.where(c.category == where.category)
    if where.review_before:
        # coalesce() keeps SQLite off the review-date index: most cases fall before any given
        # day, and reading them one by one through the index is slower than one pass.
        query = query.where(
            c.status != AsbStatus.CLOSED.value,
            func.coalesce(c.next_review_on, "9999") < where.review_before,
        )
    if where.high_risk:
        query = query.where(c.id.in_(high_risk_case_ids(tx)))
    rank = sql_case(
        (c.status == AsbStatus.OPEN.value, 0),
        (c.status == AsbStatus.MONITORING.value, 1),
        else_=2,
    )
    rows = (
        connection(tx)
        .execute(query.order_by(rank, c.reference, c.id).offset(offset).limit(limit))
        .all()
    )
    ids = [str(r[0]) for r in rows]
    high = set(ids) if where.high_risk else high_risk_among(tx, ids)
    return [
        CaseListing(
            str(r[0]), str(r[1] or ""), str(r[2] or ""), r[3], r[4], r[5], r[6], r[7], r[0] in high
        )
        for r in rows
    ]


def high_risk_among(tx: Transaction, case_ids: Sequence[str]) -> set[str]:
    """Those of the cases where someone's latest assessment is high."""
    if not case_ids:
        return set()
    latest = latest_assessments(tx, case_ids)
    return {a.case_id for a in latest if a.band == RiskBand.HIGH.value}


@dataclass(frozen=True)
class LatestAssessment:
    """A person's latest risk assessment on a case."""

    id: str
    case_id: str
    person_id: str
    band: str
    score: int
    assessed_at: str
    reassess_by: str | None


def latest_assessments(tx: Transaction, case_ids: Sequence[str]) -> list[LatestAssessment]:
    """Each person's latest live assessment on each of the cases (all cases if empty)."""
    r = _RISK.c
    query = select(
        r.id, r.case_id, r.person_id, r.band, r.score, r.assessed_at, r.reassess_by
    ).where(r.deleted.is_(False))
    if case_ids:
        query = query.where(r.case_id.in_(list(case_ids)))
    latest: dict[tuple[str, str], LatestAssessment] = {}
    for row in connection(tx).execute(query.order_by(r.assessed_at, r.updated_hlc)):
        found = LatestAssessment(
            str(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            int(row[4] or 0),
            str(row[5]),
            row[6],
        )
        latest[(found.case_id, found.person_id)] = found
    return list(latest.values())


def open_actions(
    tx: Transaction,
    *,
    assignee: str | None = None,
    due_before: str | None = None,
    district: str | None = None,
    meeting_ids: Sequence[str] | None = None,
) -> list[tuple[str, str, dict[str, object]]]:
    """Open actions (id, case id or "", fields) given to ``assignee``, due before a day, in a
    district and/or decided at one of the meetings; each filter only if given."""
    a = _ACTION.c
    query = select(
        a.id,
        a.case_id,
        a.what,
        a.assignee,
        a.agency,
        a.due_on,
        a.case_reference,
        a.case_title,
        a.meeting_id,
        a.decision,
    ).where(a.deleted.is_(False), a.status == ActionStatus.OPEN.value)
    if assignee is not None:
        query = query.where(func.lower(a.assignee) == assignee.strip().lower())
    if due_before is not None:
        query = query.where(a.due_on < due_before)
    if district is not None:
        query = query.where(a.district == district)
    if meeting_ids is not None:
        query = query.where(a.meeting_id.in_(list(meeting_ids)))
    out = []
    for row in connection(tx).execute(query):
        out.append(
            (
                str(row[0]),
                str(row[1] or ""),
                {
                    "what": row[2],
                    "assignee": row[3],
                    "agency": row[4],
                    "due_on": row[5],
                    "status": ActionStatus.OPEN.value,
                    "case_reference": row[6],
                    "case_title": row[7],
                    "meeting_id": row[8],
                    "decision": row[9],
                },
            )
        )
    return out


def high_risk_open_cases(tx: Transaction, *, owner: str | None) -> list[CaseListing]:
    """Cases not closed where someone's latest assessment is high (owned by ``owner`` if given)."""
    where = CaseFilter(owner=owner, high_risk=True)
    return [c for c in cases(tx, where, offset=0, limit=500) if c.status != AsbStatus.CLOSED]


def case_ids_with_person(tx: Transaction, person_id: str) -> list[str]:
    """The cases a person is a party to, in any role."""
    p = _PARTY.c
    return [
        str(r[0])
        for r in connection(tx).execute(
            select(p.case_id).where(p.person_id == person_id, p.deleted.is_(False)).distinct()
        )
    ]


def counts_by_category_and_district(tx: Transaction) -> list[tuple[str, str, int]]:
    """Open (not closed) cases counted by Home Office category and district."""
    c = _CASE.c
    query = (
        select(c.category, c.district, func.count())
        .where(c.deleted.is_(False), or_(c.status.is_(None), c.status != AsbStatus.CLOSED.value))
        .group_by(c.category, c.district)
        .order_by(c.category, c.district)
    )
    return [(str(r[0]), str(r[1]), int(r[2])) for r in connection(tx).execute(query)]


def high_risk_victim_count(tx: Transaction, *, districts: Sequence[str] = ()) -> int:
    """How many people (victims or complainants) have a high latest assessment on an open case
    (in these districts, if any are given)."""
    latest = latest_assessments(tx, [])
    query = select(_CASE.c.id).where(
        _CASE.c.deleted.is_(False),
        and_(or_(_CASE.c.status.is_(None), _CASE.c.status != AsbStatus.CLOSED.value)),
    )
    if districts:
        query = query.where(_CASE.c.district.in_(list(districts)))
    open_ids = {str(r[0]) for r in connection(tx).execute(query)}
    return len(
        {a.person_id for a in latest if a.band == RiskBand.HIGH.value and a.case_id in open_ids}
    )


def overdue_action_count(tx: Transaction, *, today: str, districts: Sequence[str] = ()) -> int:
    """Open actions past their due date (in these districts, if any are given)."""
    a = _ACTION.c
    query = select(func.count()).where(
        a.deleted.is_(False), a.status == ActionStatus.OPEN.value, a.due_on < today
    )
    if districts:
        query = query.where(a.district.in_(list(districts)))
    return int(connection(tx).execute(query).scalar() or 0)


@dataclass(frozen=True)
class CaseToDiscuss:
    """An open case a problem-solving group should discuss, and the facts that put it there."""

    case: CaseListing
    overdue_actions: int
    review_overdue: bool


def cases_to_discuss(tx: Transaction, *, district: str, today: str) -> list[CaseToDiscuss]:
    """Open cases in a district that are high risk, overdue for review or behind on actions."""
    a = _ACTION.c
    overdue = (
        select(a.case_id, func.count().label("n"))
        .where(a.deleted.is_(False), a.status == ActionStatus.OPEN.value, a.due_on < today)
        .group_by(a.case_id)
    )
    counts = {str(r[0]): int(r[1]) for r in connection(tx).execute(overdue)}
    out: list[CaseToDiscuss] = []
    day = date.fromisoformat(today)
    for c in cases(tx, CaseFilter(district=district), offset=0, limit=100_000):
        facts = {"status": c.status, "next_review_on": c.next_review_on}
        late = review_overdue(facts, today=day)
        behind = counts.get(c.id, 0)
        if to_discuss(
            status=c.status, high_risk=c.high_risk, overdue_actions=behind, review_overdue=late
        ):
            out.append(CaseToDiscuss(c, behind, late))
    return out
