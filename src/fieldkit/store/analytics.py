"""Partnership intelligence as SQL aggregates over the vault's indexed columns.

Every function reads inside the caller's transaction and returns frozen data. Visits are counted
once per week bucket; buckets are London calendar weeks given to SQLite as ``[from, to)`` pairs of
stored-datetime text, so each bucket is a range scan of ``ix_visit_occurred_at``. Lists that name
people (repeat people, early warning) leave restricted (safeguarding) visits out; counts of visits
include them, because a count says nothing about anyone.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, text

from fieldkit.domain.escalation import (
    WarningFact,
    describe_due,
    due_to_move_on,
    people_at_each_level,
    standing_warnings,
)
from fieldkit.domain.legal_clocks import (
    ClockName,
    add_calendar_months,
    closure_clocks,
    closure_facts,
    format_date,
)
from fieldkit.domain.records import RecordType
from fieldkit.domain.schemes import MAX_WINDOW_MONTHS, Scheme
from fieldkit.domain.trends import (
    Period,
    RisingRule,
    describe_change,
    is_rising,
    london_midnight,
    percent_change,
    rising_reason,
    stored_moment,
    weekly_series,
)
from fieldkit.domain.vocabulary import ClosureStatus, WarningStatus, subject_name
from fieldkit.store.schema import RECORD_TABLES
from fieldkit.store.transaction import Transaction, connection

_NOT_RESTRICTED = "coalesce(v.sensitivity, 'standard') != 'restricted'"
_RUNNING_CLOSURES = (
    ClosureStatus.NOTICE_SERVED,
    ClosureStatus.ADJOURNED,
    ClosureStatus.ORDER_MADE,
    ClosureStatus.EXTENDED,
    ClosureStatus.REFUSED,
)


@dataclass(frozen=True)
class Scope:
    """Which visits a picture counts; an empty tuple means all of them."""

    districts: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    place_ids: tuple[str, ...] = ()


#: Every visit: no district, category or place chosen.
EVERYTHING = Scope()


# Results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendLine:
    """Weekly visits with one category in one district, this period and the one before."""

    category: str
    district: str
    current: tuple[int, ...]
    previous: tuple[int, ...]

    @property
    def current_total(self) -> int:
        return sum(self.current)

    @property
    def previous_total(self) -> int:
        return sum(self.previous)

    @property
    def change_percent(self) -> float | None:
        return percent_change(self.previous_total, self.current_total)


@dataclass(frozen=True)
class Trends:
    """Weekly counts by category and district, with the previous period for comparison.

    ``all_current``/``all_previous`` count each visit once (a visit can have two categories).
    """

    period: Period
    week_starts: tuple[date, ...]
    lines: tuple[TrendLine, ...]
    all_current: tuple[int, ...]
    all_previous: tuple[int, ...]


@dataclass(frozen=True)
class Hotspot:
    """A place by its visits in the period, against the period before."""

    place_id: str
    #: The place's label and postcode as recorded, or None if its record is not held here.
    known_label: str | None
    district: str
    current: int
    previous: int

    @property
    def label(self) -> str:
        return subject_name("place", self.known_label)

    @property
    def change_percent(self) -> float | None:
        return percent_change(self.previous, self.current)

    @property
    def change_text(self) -> str:
        return describe_change(self.previous, self.current)


@dataclass(frozen=True)
class RepeatSubject:
    """A person or place seen again and again in the period."""

    kind: str
    id: str
    #: The name as recorded, or None if the record is not held here.
    known_name: str | None
    district: str
    visits: int
    first_at: str
    last_at: str

    @property
    def name(self) -> str:
        return subject_name(self.kind, self.known_name)


@dataclass(frozen=True)
class RisingSubject:
    """A person or place on the early-warning list, and why."""

    kind: str
    id: str
    #: The name as recorded, or None if the record is not held here.
    known_name: str | None
    district: str
    recent: int
    before: int
    rule: RisingRule

    @property
    def name(self) -> str:
        return subject_name(self.kind, self.known_name)

    @property
    def reason(self) -> str:
        return rising_reason(self.recent, self.before, self.rule)


@dataclass(frozen=True)
class PipelineStep:
    """How many people stand at one level of one scheme now."""

    scheme_id: str
    scheme_name: str
    position: int
    level_id: str
    level_name: str
    people: int


@dataclass(frozen=True)
class DueToMoveOn:
    """Someone seen again while a warning stands: the next step on the ladder is due."""

    person_id: str
    #: The person's name as recorded, or None if the record is not held here.
    known_name: str | None
    district: str
    scheme_name: str
    stage: str
    next_step: str
    encounters_since: int
    last_seen: str
    given_on: datetime
    stands_until: datetime

    @property
    def name(self) -> str:
        return subject_name("person", self.known_name)

    @property
    def window_ends(self) -> str:
        return format_date(self.stands_until)

    @property
    def reason(self) -> str:
        return describe_due(
            encounters=self.encounters_since,
            stage=self.stage,
            given_on=self.given_on,
            until=self.stands_until,
            next_step=self.next_step,
        )


@dataclass(frozen=True)
class Pipeline:
    steps: tuple[PipelineStep, ...]
    due: tuple[DueToMoveOn, ...]


@dataclass(frozen=True)
class ClosureClock:
    """One legal clock running on a closure."""

    deadline: datetime
    clock_name: ClockName
    due: str
    closure_id: str
    case_id: str
    case_reference: str
    place: str
    district: str
    #: The closure's stored status value.
    status_value: str

    @property
    def clock(self) -> str:
        return self.clock_name.label

    @property
    def status(self) -> str:
        return ClosureStatus.label_for(self.status_value).lower()


@dataclass(frozen=True)
class Evaluation:
    """An initiative's before and after: equal windows either side of its start."""

    scope: Scope
    start: date
    window_weeks: int
    week_starts: tuple[date, ...]
    weekly: tuple[int, ...]

    @property
    def before(self) -> int:
        return sum(self.weekly[: self.window_weeks])

    @property
    def after(self) -> int:
        return sum(self.weekly[self.window_weeks :])

    @property
    def change_percent(self) -> float | None:
        return percent_change(self.before, self.after)

    @property
    def change_text(self) -> str:
        return describe_change(self.before, self.after)


# Queries ---------------------------------------------------------------------------------------


class _Sql:
    """A statement built from parts, with the expanding (IN list) parameters it needs."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self._expanding: list[str] = []

    def visit_filter(self, scope: Scope, *, categories: bool = True) -> str:
        parts = ["v.deleted = 0"]
        if scope.districts:
            # Unary + keeps the planner on the date index: ix_visit_district would have it
            # walk a whole district's visits once per week.
            parts.append("+v.district IN :districts")
            self._in("districts", scope.districts)
        if scope.place_ids:
            parts.append("+v.place_id IN :place_ids")
            self._in("place_ids", scope.place_ids)
        if categories and scope.categories:
            parts.append(
                "EXISTS (SELECT 1 FROM json_each(v.categories) AS f WHERE f.value IN :categories)"
            )
            self._in("categories", scope.categories)
        return " AND ".join(parts)

    def _in(self, name: str, values: Sequence[str]) -> None:
        self.params[name] = list(values)
        if name not in self._expanding:
            self._expanding.append(name)

    def run(self, tx: Transaction, sql: str) -> Any:
        statement = text(sql).bindparams(*(bindparam(n, expanding=True) for n in self._expanding))
        return connection(tx).execute(statement, self.params)


#: The week buckets, from a JSON list of [from, to) pairs bound as :bounds.
_WEEKS = (
    "WITH week(k, lo, hi) AS (SELECT CAST(key AS INTEGER), json_extract(value, '$[0]'), "
    "json_extract(value, '$[1]') FROM json_each(:bounds)) "
)


def weekly_visits(tx: Transaction, *, period: Period, scope: Scope) -> tuple[int, ...]:
    """Visits in scope in each week of a period, each visit counted once."""
    sql = _Sql()
    sql.params["bounds"] = json.dumps(period.week_bounds())
    # Constant fragments only: every value is a bound parameter.
    statement = (
        f"{_WEEKS}SELECT "  # noqa: S608
        f"week.k, count(*) FROM week CROSS JOIN visit AS v "
        "ON v.occurred_at >= week.lo AND v.occurred_at < week.hi "
        f"WHERE {sql.visit_filter(scope)} GROUP BY week.k"
    )
    counts = {int(k): int(n) for k, n in sql.run(tx, statement)}
    return weekly_series(counts, period.weeks)


def trends(tx: Transaction, *, period: Period, scope: Scope = Scope()) -> Trends:
    """Weekly counts by category and district for a period and the period before it.

    Args:
        tx: any transaction.
        period: the weeks to count.
        scope: districts, categories or places to count (all if empty).
    """
    previous = period.previous
    sql = _Sql()
    sql.params["bounds"] = json.dumps([*previous.week_bounds(), *period.week_bounds()])
    # One scan of both periods, grouped by the visit's whole category list: each group is then
    # counted once in the totals and once under each of its categories.
    # Constant fragments only: every value is a bound parameter.
    statement = (
        f"{_WEEKS}SELECT "  # noqa: S608
        f"week.k, v.district, v.categories, count(*) FROM week CROSS JOIN visit AS v "
        "ON v.occurred_at >= week.lo AND v.occurred_at < week.hi "
        f"WHERE {sql.visit_filter(scope)} GROUP BY week.k, v.district, v.categories"
    )
    chosen = set(scope.categories)
    cells: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[int, int] = defaultdict(int)
    parsed: dict[str, list[str]] = {}
    for k, district, categories, n in sql.run(tx, statement):
        week, count = int(k), int(n)
        totals[week] += count
        text_value = str(categories or "[]")
        if text_value not in parsed:
            parsed[text_value] = list(dict.fromkeys(str(c) for c in json.loads(text_value)))
        for category in parsed[text_value]:
            if not chosen or category in chosen:
                cells[(category, str(district or ""))][week] += count
    weeks = period.weeks
    lines = []
    for (category, district), by_week in cells.items():
        series = weekly_series(by_week, 2 * weeks)
        lines.append(TrendLine(category, district, series[weeks:], series[:weeks]))
    lines.sort(key=lambda line: (-line.current_total, line.category, line.district))
    both = weekly_series(totals, 2 * weeks)
    return Trends(
        period=period,
        week_starts=period.week_starts(),
        lines=tuple(lines),
        all_current=both[weeks:],
        all_previous=both[:weeks],
    )


def _span(period: Period) -> dict[str, str]:
    """Stored-text bounds: the previous period's start, the period's start and its end."""
    return {
        "lo": stored_moment(london_midnight(period.previous.start)),
        "mid": stored_moment(london_midnight(period.start)),
        "hi": stored_moment(london_midnight(period.end)),
    }


def hotspots(
    tx: Transaction, *, period: Period, scope: Scope = Scope(), limit: int = 20
) -> tuple[Hotspot, ...]:
    """The places with the most visits in a period, with their count in the period before.

    Ties are broken by the smaller previous count (a newer problem first), then by place id.
    """
    sql = _Sql()
    sql.params.update(_span(period), limit=limit)
    # Constant fragments only: every value is a bound parameter.
    statement = (
        "SELECT "  # noqa: S608
        "v.place_id, sum(v.occurred_at >= :mid) AS cur, sum(v.occurred_at < :mid) AS prev "
        "FROM visit AS v WHERE v.occurred_at >= :lo AND v.occurred_at < :hi "
        f"AND v.place_id IS NOT NULL AND {sql.visit_filter(scope)} "
        "GROUP BY v.place_id HAVING cur > 0 ORDER BY cur DESC, prev ASC, v.place_id LIMIT :limit"
    )
    rows = [(str(p), int(c), int(b)) for p, c, b in sql.run(tx, statement)]
    places = _places(tx, [p for p, _, _ in rows])
    return tuple(Hotspot(p, *places.get(p, (None, "")), c, b) for p, c, b in rows)


def repeat_people(
    tx: Transaction, *, period: Period, scope: Scope = Scope(), min_visits: int = 3, limit: int = 50
) -> tuple[RepeatSubject, ...]:
    """People seen at least ``min_visits`` times in a period, most seen first."""
    sql = _Sql()
    span = _span(period)
    sql.params.update(lo=span["mid"], hi=span["hi"])
    # Constant fragments only: every value is a bound parameter.
    statement = (
        "SELECT "  # noqa: S608
        "v.person_ids, v.occurred_at FROM visit AS v "
        f"WHERE v.occurred_at >= :lo AND v.occurred_at < :hi AND {_NOT_RESTRICTED} "
        f"AND v.person_ids != '[]' AND {sql.visit_filter(scope)}"
    )
    seen = _tally((str(i), str(at)) for ids, at in sql.run(tx, statement) for i in json.loads(ids))
    ranked = _ranked(seen, min_visits, limit)
    people = _people(tx, [i for i, _ in ranked])
    return tuple(
        RepeatSubject("person", i, *people.get(i, (None, "")), n, first, last)
        for i, (n, first, last) in ranked
    )


def repeat_places(
    tx: Transaction, *, period: Period, scope: Scope = Scope(), min_visits: int = 3, limit: int = 50
) -> tuple[RepeatSubject, ...]:
    """Places visited at least ``min_visits`` times in a period, most visited first."""
    sql = _Sql()
    span = _span(period)
    sql.params.update(lo=span["mid"], hi=span["hi"])
    # Constant fragments only: every value is a bound parameter.
    statement = (
        "SELECT "  # noqa: S608
        "v.place_id, v.occurred_at FROM visit AS v WHERE v.occurred_at >= :lo "
        f"AND v.occurred_at < :hi AND v.place_id IS NOT NULL AND {sql.visit_filter(scope)}"
    )
    ranked = _ranked(
        _tally((str(i), str(at)) for i, at in sql.run(tx, statement)), min_visits, limit
    )
    places = _places(tx, [i for i, _ in ranked])
    return tuple(
        RepeatSubject("place", i, *places.get(i, (None, "")), n, first, last)
        for i, (n, first, last) in ranked
    )


def _tally(sightings: Iterable[tuple[str, str]]) -> dict[str, list[Any]]:
    """Count, first and last sighting per id.

    The repeat lists count in Python what SQL selects from the covering index: with SQLCipher's
    memory security on, every row a GROUP BY sorts costs an allocation that is wiped and locked,
    and once the process's locked-memory limit is reached each one costs a failed system call
    (about 40 µs a row here; the plain scan is under 1 µs a row).
    """
    seen: dict[str, list[Any]] = {}
    for key, at in sightings:
        entry = seen.get(key)
        if entry is None:
            seen[key] = [1, at, at]
        else:
            entry[0] += 1
            entry[1] = min(entry[1], at)
            entry[2] = max(entry[2], at)
    return seen


def _ranked(
    seen: Mapping[str, list[Any]], min_visits: int, limit: int
) -> list[tuple[str, tuple[int, str, str]]]:
    kept = [(key, (int(n), a, b)) for key, (n, a, b) in seen.items() if n >= min_visits]
    kept.sort(key=lambda item: (-item[1][0], item[0]))
    return kept[:limit]


def early_warning(
    tx: Transaction,
    *,
    now: datetime,
    rule: RisingRule | None = None,
    scope: Scope = Scope(),
    limit: int = 100,
) -> tuple[RisingSubject, ...]:
    """People and places whose encounters are rising, each with the reason in words.

    The last ``rule.window_days`` before ``now`` are compared with the same number of days
    before them; see ``domain.trends.is_rising``. People first, then places; within each, the
    most recent encounters first.
    """
    rule = rule or RisingRule()
    found: list[RisingSubject] = []
    for kind in ("person", "place"):
        sql = _Sql()
        sql.params.update(
            lo=stored_moment(now - 2 * rule.window),
            mid=stored_moment(now - rule.window),
            hi=stored_moment(now),
            min=rule.min_recent,
            limit=limit,
        )
        if kind == "person":
            key, joins, extra = "vp.value", ", json_each(v.person_ids) AS vp", ""
        else:
            key, joins, extra = "v.place_id", "", " AND v.place_id IS NOT NULL"
        # Constant fragments only: every value is a bound parameter.
        statement = (
            f"SELECT "  # noqa: S608
            f"{key}, sum(v.occurred_at >= :mid) AS recent, sum(v.occurred_at < :mid) "
            f"FROM visit AS v {joins} WHERE v.occurred_at >= :lo AND v.occurred_at < :hi{extra} "
            f"AND {_NOT_RESTRICTED} AND {sql.visit_filter(scope)} "
            f"GROUP BY {key} HAVING recent >= :min "
            f"ORDER BY recent DESC, recent - sum(v.occurred_at < :mid) DESC, {key} LIMIT :limit"
        )
        rows = [(str(i), int(r), int(b)) for i, r, b in sql.run(tx, statement)]
        rows = [row for row in rows if is_rising(row[1], row[2], rule)]
        ids = [i for i, _, _ in rows]
        names = _people(tx, ids) if kind == "person" else _places(tx, ids)
        for i, recent, before in rows:
            name, district = names.get(i, (None, ""))
            found.append(RisingSubject(kind, i, name, district, recent, before, rule))
    return tuple(found)


def warning_pipeline(
    tx: Transaction,
    *,
    now: datetime,
    schemes: Mapping[str, Scheme],
    districts: tuple[str, ...] = (),
) -> Pipeline:
    """How many people stand at each level of each scheme, and who is due to move on.

    A person stands at the level the escalation engine says (``domain.escalation``). They are
    due to move on when they have been seen again since the warning they stand on was given:
    under every scheme, a further breach within the window brings the next step.
    """
    table = RECORD_TABLES[RecordType.WARNING]
    since = stored_moment(add_calendar_months(now, -MAX_WINDOW_MONTHS))
    query = (
        select(
            table.c.person_id,
            table.c.scheme,
            table.c.level,
            table.c.issued_at,
            table.c.status,
            table.c.expires_at,
        )
        .where(table.c.deleted.is_(False), table.c.issued_at >= since)
        .where(table.c.status != WarningStatus.WITHDRAWN.value)
        .where(table.c.scheme.in_(list(schemes)))
    )
    if districts:
        query = query.where(table.c.district.in_(list(districts)))
    history: dict[tuple[str, str], list[WarningFact]] = defaultdict(list)
    for person_id, scheme_id, level, issued_at, status, expires_at in connection(tx).execute(query):
        scheme = schemes[str(scheme_id)]
        try:
            scheme.rank(str(level))
            fact = WarningFact(
                level=str(level),
                issued_at=datetime.fromisoformat(str(issued_at)),
                status=WarningStatus(str(status or "issued")),
                expires_at=datetime.fromisoformat(str(expires_at)) if expires_at else None,
            )
        except ValueError:
            continue  # a level the scheme lost, or inconsistent dates: not countable
        history[(str(person_id), str(scheme_id))].append(fact)

    standing = standing_warnings(history, schemes, now=now)
    counts = people_at_each_level(standing)
    steps = tuple(
        PipelineStep(s.id, s.name, n, level.id, level.name, counts.get((s.id, level.id), 0))
        for s in schemes.values()
        for n, level in enumerate(s.levels)
    )
    earliest: dict[str, str] = {}
    for entry in standing:
        at = stored_moment(entry.warning.issued_at)
        earliest[entry.person_id] = min(earliest.get(entry.person_id, at), at)
    seen = _encounters_after(tx, earliest, now)
    steps_due = due_to_move_on(standing, history, schemes, seen, now=now)
    people = _people(tx, sorted({d.person_id for d in steps_due}))
    due = tuple(
        DueToMoveOn(
            person_id=d.person_id,
            known_name=people.get(d.person_id, (None, ""))[0],
            district=people.get(d.person_id, (None, ""))[1],
            scheme_name=schemes[d.scheme_id].name,
            stage=d.stage.name,
            next_step=(
                d.next_level.name
                if d.next_level is not None
                else schemes[d.scheme_id].enforcement.name
            ),
            encounters_since=d.encounters,
            last_seen=d.last_seen,
            given_on=d.given_on,
            stands_until=d.stands_until,
        )
        for d in steps_due
    )
    return Pipeline(steps, due)


def _encounters_after(
    tx: Transaction, after: Mapping[str, str], now: datetime
) -> dict[str, list[str]]:
    """Each person's visit times after a moment of their own and before now (one query)."""
    if not after:
        return {}
    since = min(after.values())
    statement = text(
        "WITH w(person_id, after) AS (SELECT key, value FROM json_each(:after)) "
        "SELECT w.person_id, v.occurred_at FROM w "
        "JOIN visit_person AS vp ON vp.person_id = w.person_id "
        "JOIN visit AS v ON v.id = vp.visit_id "
        "WHERE v.occurred_at > :since AND v.occurred_at > w.after AND v.occurred_at < :now "
        "AND v.deleted = 0"
    )
    params = {"after": json.dumps(dict(after)), "since": since, "now": stored_moment(now)}
    found: dict[str, list[str]] = defaultdict(list)
    for person_id, at in connection(tx).execute(statement, params):
        found[str(person_id)].append(str(at))
    return found


def closure_clocks_running(
    tx: Transaction, *, now: datetime, districts: tuple[str, ...] = ()
) -> tuple[ClosureClock, ...]:
    """Every legal clock running on a live closure, soonest first.

    A closure whose recorded facts are inconsistent is left out (the case screen explains it).
    """
    closure = RECORD_TABLES[RecordType.CLOSURE]
    case = RECORD_TABLES[RecordType.TENANCY_CASE]
    place = RECORD_TABLES[RecordType.PLACE]
    query = (
        select(closure, case.c.tenancy_ref, place.c.label)
        .join(case, case.c.id == closure.c.case_id, isouter=True)
        .join(place, place.c.id == case.c.place_id, isouter=True)
        .where(closure.c.deleted.is_(False))
        .where(closure.c.status.in_([s.value for s in _RUNNING_CLOSURES]))
    )
    if districts:
        query = query.where(closure.c.district.in_(list(districts)))
    out: list[ClosureClock] = []
    for row in connection(tx).execute(query).mappings():
        try:
            facts = closure_facts(dict(row))
        except ValueError:
            continue
        for clock in closure_clocks(facts, now=now):
            out.append(
                ClosureClock(
                    deadline=clock.deadline,
                    clock_name=clock.name,
                    due=clock.due,
                    closure_id=str(row["id"]),
                    case_id=str(row["case_id"]),
                    case_reference=str(row["tenancy_ref"] or "—"),
                    place=str(row["label"] or ""),
                    district=str(row["district"] or ""),
                    status_value=str(row["status"]),
                )
            )
    out.sort(key=lambda c: (c.deadline, c.closure_id))
    return tuple(out)


def evaluate_initiative(
    tx: Transaction, *, scope: Scope, start: date, window_weeks: int
) -> Evaluation:
    """Visits in scope in the ``window_weeks`` before an initiative's start and the same after.

    Args:
        tx: any transaction.
        scope: the categories, districts and places the initiative aimed at.
        start: the first day of the initiative (London).
        window_weeks: weeks counted on each side.
    """
    span = Period(start - timedelta(weeks=window_weeks), 2 * window_weeks)
    return Evaluation(
        scope=scope,
        start=start,
        window_weeks=window_weeks,
        week_starts=span.week_starts(),
        weekly=weekly_visits(tx, period=span, scope=scope),
    )


# Names -----------------------------------------------------------------------------------------


def _people(tx: Transaction, ids: Sequence[str]) -> dict[str, tuple[str | None, str]]:
    """Each held person's recorded name (None if it has none) and district."""
    if not ids:
        return {}
    t = RECORD_TABLES[RecordType.PERSON]
    query = select(t.c.id, t.c.given_name, t.c.family_name, t.c.description, t.c.district).where(
        t.c.id.in_(list(ids))
    )
    out: dict[str, tuple[str | None, str]] = {}
    for i, given, family, description, district in connection(tx).execute(query):
        name = " ".join(str(p) for p in (given, family) if p) or str(description or "")
        out[str(i)] = (name or None, str(district or ""))
    return out


def _places(tx: Transaction, ids: Sequence[str]) -> dict[str, tuple[str | None, str]]:
    """Each held place's label and postcode (None if it has neither) and district."""
    if not ids:
        return {}
    t = RECORD_TABLES[RecordType.PLACE]
    query = select(t.c.id, t.c.label, t.c.postcode, t.c.district).where(t.c.id.in_(list(ids)))
    out: dict[str, tuple[str | None, str]] = {}
    for i, label, postcode, district in connection(tx).execute(query):
        name = ", ".join(str(p) for p in (label, postcode) if p)
        out[str(i)] = (name or None, str(district or ""))
    return out
