"""Pure rules for the intelligence pictures: periods in whole weeks, change in per cent, rising."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from fieldkit.domain.legal_clocks import LONDON, format_date

WEEK = timedelta(days=7)


def london_midnight(day: date) -> datetime:
    """The first moment of a London calendar day, as an aware UTC datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=LONDON).astimezone(UTC)


def stored_moment(moment: datetime) -> str:
    """A moment as the vault stores datetimes (UTC ISO 8601, seconds), so text compares in order."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Period:
    """Whole weeks of London calendar days, from ``start`` (inclusive).

    Raises:
        ValueError: If ``weeks`` is not at least 1.
    """

    start: date
    weeks: int

    def __post_init__(self) -> None:
        if self.weeks < 1:
            raise ValueError(f"a period is at least one week, not {self.weeks}")

    @property
    def end(self) -> date:
        """The first day after the period."""
        return self.start + self.weeks * WEEK

    @property
    def previous(self) -> Period:
        """The same number of weeks just before this period, for comparison."""
        return Period(self.start - self.weeks * WEEK, self.weeks)

    def week_starts(self) -> tuple[date, ...]:
        """The first day of each week in the period."""
        return tuple(self.start + n * WEEK for n in range(self.weeks))

    def week_bounds(self) -> tuple[tuple[str, str], ...]:
        """Each week as ``[from, to)`` in stored-datetime text (London midnights, so DST-safe)."""
        starts = [*self.week_starts(), self.end]
        return tuple(
            (stored_moment(london_midnight(a)), stored_moment(london_midnight(b)))
            for a, b in itertools.pairwise(starts)
        )

    def describe(self) -> str:
        """The period in words, e.g. ``2 March 2026 to 29 March 2026 (4 weeks)``."""
        last = self.end - timedelta(days=1)
        plural = "s" if self.weeks != 1 else ""
        return f"{format_date(self.start)} to {format_date(last)} ({self.weeks} week{plural})"


def period_ending(day: date, weeks: int) -> Period:
    """The ``weeks`` whole weeks that end with ``day`` (inclusive)."""
    return Period(day + timedelta(days=1) - weeks * WEEK, weeks)


def percent_change(before: int, after: int) -> float | None:
    """The change from ``before`` to ``after`` in per cent; None when there was nothing before.

    Computed as ``(after - before) * 100 / before`` so that whole-number answers are exact
    (40 to 32 is -20.0, not -20.000000000000004).
    """
    if before == 0:
        return None
    return (after - before) * 100 / before


def describe_change(before: int, after: int) -> str:
    """A change in words: ``down 20%``, ``up 5.5%``, ``no change``, ``new (none before)``."""
    change = percent_change(before, after)
    if change is None:
        return "no change (none before)" if after == 0 else "new (none before)"
    if change == 0:
        return "no change"
    shown = f"{abs(change):.1f}".removesuffix(".0")
    return f"{'up' if change > 0 else 'down'} {shown}%"


@dataclass(frozen=True)
class RisingRule:
    """When encounters count as rising: at least ``min_recent`` in the last ``window_days``,
    and more than in the ``window_days`` before that.

    Raises:
        ValueError: If a threshold is not at least 1.
    """

    min_recent: int = 3
    window_days: int = 14

    def __post_init__(self) -> None:
        if self.min_recent < 1 or self.window_days < 1:
            raise ValueError("rising thresholds must be at least 1")

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.window_days)


def is_rising(recent: int, before: int, rule: RisingRule) -> bool:
    """Whether encounters are rising under the rule."""
    return recent >= rule.min_recent and recent > before


def rising_reason(recent: int, before: int, rule: RisingRule) -> str:
    """Why someone or somewhere is on the early-warning list, in words."""
    days = rule.window_days
    times = "time" if recent == 1 else "times"
    earlier = "none" if before == 0 else str(before)
    return (
        f"Seen {recent} {times} in the last {days} days (threshold {rule.min_recent}), "
        f"up from {earlier} in the {days} days before."
    )


def weekly_series(counts: dict[int, int], weeks: int) -> tuple[int, ...]:
    """Counts by week index as a series with zeros for the empty weeks."""
    return tuple(counts.get(n, 0) for n in range(weeks))


def split_before_after(series: Sequence[int], window_weeks: int) -> tuple[int, int]:
    """Totals of the first ``window_weeks`` weeks and of the rest."""
    return sum(series[:window_weeks]), sum(series[window_weeks:])
