"""The Community Trigger (ASB Case Review): the threshold test and the decision-due clock."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from fieldkit.domain.legal_clocks import LONDON, format_date
from fieldkit.domain.vocabulary import Category, Vocabulary, define_words
from fieldkit.domain.working_days import BankHolidays, add_working_days

THRESHOLD_FILE = "threshold.json"


class TriggerStatus(Vocabulary):
    """Where an application stands."""

    RECEIVED = "received"
    THRESHOLD_MET = "threshold_met"
    THRESHOLD_NOT_MET = "threshold_not_met"
    REVIEWED = "reviewed"
    CLOSED = "closed"


define_words(
    TriggerStatus,
    {
        TriggerStatus.RECEIVED: "Received",
        TriggerStatus.THRESHOLD_MET: "Threshold met — review due",
        TriggerStatus.THRESHOLD_NOT_MET: "Threshold not met",
        TriggerStatus.REVIEWED: "Reviewed",
        TriggerStatus.CLOSED: "Closed — applicant told",
    },
)


class ThresholdError(ValueError):
    """The partnership's threshold file is not valid; the message names what is wrong."""


@dataclass(frozen=True)
class Threshold:
    """A partnership's Community Trigger threshold and decision period (s104 ASBCPA 2014)."""

    same_problem_reports: int = 3
    window_months: int = 6
    hate_incident_alone: bool = True
    hate_categories: frozenset[str] = frozenset({Category.HATE_INCIDENT.value})
    decision_working_days: int = 10


@dataclass(frozen=True)
class Report:
    """One report the applicant relies on: when it was made and what it was about."""

    id: str
    reported_on: date
    problems: frozenset[str]


@dataclass(frozen=True)
class ThresholdResult:
    """Whether an application meets the threshold, why, and the reports that count."""

    met: bool
    reason: str
    counted: tuple[str, ...]
    window_starts: date


def window_start(received: date, months: int) -> date:
    """The first day of the look-back window: the same day ``months`` calendar months earlier.

    A day the earlier month lacks (31 August less six months) becomes its last day.
    """
    years, index = divmod(received.month - 1 - months, 12)
    year, month = received.year + years, index + 1
    for day in range(received.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, received.day)


def check_threshold(
    reports: Iterable[Report], *, received: date, threshold: Threshold
) -> ThresholdResult:
    """Whether the reports meet the partnership's threshold for a case review.

    Only reports made in the window (from ``window_months`` before the application up to the
    day it was received, both included) count. The threshold is met by ``same_problem_reports``
    reports sharing one problem, or (if the partnership says so) by one hate incident.

    Args:
        reports: the reports the application relies on.
        received: the day the application was received.
        threshold: the partnership's threshold.

    Returns:
        The result, with the ids of the reports that meet it (or of those in the window).
    """
    start = window_start(received, threshold.window_months)
    inside = sorted(
        (r for r in reports if start <= r.reported_on <= received),
        key=lambda r: (r.reported_on, r.id),
    )
    if threshold.hate_incident_alone:
        hate = [r for r in inside if r.problems & threshold.hate_categories]
        if hate:
            return ThresholdResult(
                True, "a hate incident was reported in the period", (hate[0].id,), start
            )
    counts = Counter(p for r in inside for p in r.problems)
    best = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if best and best[0][1] >= threshold.same_problem_reports:
        problem = best[0][0]
        ids = tuple(r.id for r in inside if problem in r.problems)
        return ThresholdResult(
            True,
            f"{len(ids)} reports of the same problem ({_problem_words(problem)}) since "
            f"{format_date(start)}",
            ids,
            start,
        )
    most = best[0][1] if best else 0
    found = (
        f"at most {most} report{'s' if most != 1 else ''} of one problem" if most else "no reports"
    )
    return ThresholdResult(
        False,
        f"{found} since {format_date(start)}; {threshold.same_problem_reports} are needed",
        tuple(r.id for r in inside),
        start,
    )


def decision_due(received: date, *, threshold: Threshold, holidays: BankHolidays) -> date:
    """The day by which the applicant must be told whether the threshold is met.

    Raises:
        BankHolidaysError: the period reaches a year the bank-holiday list does not cover.
    """
    return add_working_days(received, threshold.decision_working_days, holidays)


def _problem_words(problem: str) -> str:
    return problem.replace("_", " ")


def parse_threshold(data: object, *, source: str) -> Threshold:
    """Read a threshold file (``resources/community_trigger/threshold.json``).

    Raises:
        ThresholdError: naming the setting that is wrong.
    """
    if not isinstance(data, dict):
        raise ThresholdError(f"{source}: must be a JSON object")

    def whole(name: str, low: int, high: int) -> int:
        value = data.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ThresholdError(f"{source}: {name} must be a whole number from {low} to {high}")
        return value

    hate = data.get("hate_incident_alone")
    if not isinstance(hate, bool):
        raise ThresholdError(f"{source}: hate_incident_alone must be true or false")
    categories = data.get("hate_categories", [Category.HATE_INCIDENT.value])
    known = {c.value for c in Category}
    if not isinstance(categories, list) or not all(c in known for c in categories):
        raise ThresholdError(f"{source}: hate_categories must list visit categories")
    return Threshold(
        same_problem_reports=whole("same_problem_reports", 1, 20),
        window_months=whole("window_months", 1, 24),
        hate_incident_alone=hate,
        hate_categories=frozenset(str(c) for c in categories),
        decision_working_days=whole("decision_working_days", 1, 60),
    )


def load_threshold(path: Traversable | Path | None = None) -> Threshold:
    """Read the partnership's threshold (the shipped one if ``path`` is None).

    Raises:
        ThresholdError: the file is missing or not valid.
    """
    entry = (
        files("fieldkit.resources") / "community_trigger" / THRESHOLD_FILE if path is None else path
    )
    try:
        data = json.loads(entry.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ThresholdError(f"{entry.name}: cannot be read ({type(exc).__name__})") from None
    return parse_threshold(data, source=entry.name)


def reports_from_visits(visits: Sequence[tuple[str, str, Sequence[str]]]) -> list[Report]:
    """Reports from linked visits given as (id, occurred_at ISO date-time, categories).

    A visit's day is its London date: a report at 00:30 on 1 March BST was made on 1 March.
    """
    return [
        Report(
            visit_id,
            datetime.fromisoformat(occurred).astimezone(LONDON).date(),
            frozenset(categories),
        )
        for visit_id, occurred, categories in visits
    ]
