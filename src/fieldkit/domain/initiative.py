"""An initiative measured by area: its definition, and before-and-after counts with an interval."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fieldkit.domain.geo import LonLat, Polygon, bounds_of, in_polygon

#: The normal quantile for a two-sided 95% interval.
Z_95 = 1.959963984540054
#: Longest window either side of the start, in months.
MAX_WINDOW_MONTHS = 36


class InitiativeError(ValueError):
    """An initiative's definition is incomplete or malformed (the message names the field)."""


@dataclass(frozen=True)
class Initiative:
    """The partnership's definition of an initiative: what, where and from when.

    Not personal data: it names an area and some categories, never a person.
    """

    name: str
    #: The area, as one or more polygons in WGS84 (drawn, or the outlines of chosen wards).
    area: tuple[Polygon, ...]
    start: date
    #: Police crime types counted (``CrimeType`` values).
    crime_types: tuple[str, ...] = ()
    #: Visit categories counted (``Category`` values).
    visit_categories: tuple[str, ...] = ()
    #: Whole months counted before the start and from it.
    window_months: int = 12
    #: Ward codes the area was made from, if it was (shown with the definition).
    wards: tuple[str, ...] = field(default=())
    #: Postcode sectors (``HD1 1``) the area was made from, if it was: each sector's polygon is
    #: the convex hull of the gazetteer's addresses in it, fixed when the definition is saved.
    sectors: tuple[str, ...] = field(default=())

    def holds(self, point: LonLat) -> bool:
        """Whether a point is in the initiative's area (its edge included)."""
        return any(in_polygon(point, p) for p in self.area)

    def wire(self) -> dict[str, Any]:
        """The definition as JSON-ready data (kept in the vault's settings, put in packs)."""
        return {
            "name": self.name,
            "start": self.start.isoformat(),
            "crime_types": list(self.crime_types),
            "visit_categories": list(self.visit_categories),
            "window_months": self.window_months,
            "wards": list(self.wards),
            "sectors": list(self.sectors),
            "area": [
                [[list(p) for p in poly.outer], *[[list(p) for p in h] for h in poly.holes]]
                for poly in self.area
            ],
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Initiative:
        """Read a definition written by :meth:`wire`.

        Raises:
            InitiativeError: naming the field that is missing or wrong.
        """
        try:
            name = str(data["name"]).strip()
            start = date.fromisoformat(str(data["start"]))
            window = int(data.get("window_months", 12))
            area = tuple(
                Polygon(
                    tuple((float(x), float(y)) for x, y in rings[0]),
                    tuple(tuple((float(x), float(y)) for x, y in r) for r in rings[1:]),
                )
                for rings in data["area"]
            )
            crime_types = tuple(str(c) for c in data.get("crime_types", ()))
            visit_categories = tuple(str(c) for c in data.get("visit_categories", ()))
            wards = tuple(str(w) for w in data.get("wards", ()))
            sectors = tuple(str(w) for w in data.get("sectors", ()))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise InitiativeError(
                f"initiative definition is malformed ({type(exc).__name__})"
            ) from None
        made = cls(name, area, start, crime_types, visit_categories, window, wards, sectors)
        made.check()
        return made

    def check(self) -> None:
        """Raise InitiativeError unless the definition can be evaluated."""
        if not self.name:
            raise InitiativeError("name: give the initiative a name")
        if not self.area or any(len(p.outer) < 4 for p in self.area):
            raise InitiativeError("area: draw an area or choose wards")
        if not self.crime_types and not self.visit_categories:
            raise InitiativeError("categories: choose crime types or visit categories")
        if not 1 <= self.window_months <= MAX_WINDOW_MONTHS:
            raise InitiativeError(f"window_months: between 1 and {MAX_WINDOW_MONTHS}")


@dataclass(frozen=True)
class RateInterval:
    """A 95% interval for the ratio of the after-rate to the before-rate."""

    ratio: float
    low: float
    high: float


def rate_ratio_interval(
    before: int, before_months: float, after: int, after_months: float, *, z: float = Z_95
) -> RateInterval | None:
    """The ratio of two Poisson rates with a Wald interval on the log scale.

    ``ratio = (after / after_months) / (before / before_months)``; the standard error of its
    logarithm is ``sqrt(1/after + 1/before)``; the interval is ``exp(log ratio ± z·se)``. Where a
    count is zero, half is added to both counts (Haldane's correction) so an interval still shows.

    Args:
        before: the count in the before window.
        before_months: that window's length.
        after: the count in the after window.
        after_months: that window's length.
        z: the normal quantile (1.96 for 95%).

    Returns:
        None when there is nothing to compare (both counts zero, or a window of no length).
    """
    if before < 0 or after < 0:
        raise ValueError("counts cannot be negative")
    if before_months <= 0 or after_months <= 0 or (before == 0 and after == 0):
        return None
    a, b = float(after), float(before)
    if a == 0 or b == 0:
        a, b = a + 0.5, b + 0.5
    ratio = (a / after_months) / (b / before_months)
    se = math.sqrt(1 / a + 1 / b)
    log_ratio = math.log(ratio)
    exact = (after / after_months) / (before / before_months) if before else ratio
    return RateInterval(exact, math.exp(log_ratio - z * se), math.exp(log_ratio + z * se))


@dataclass(frozen=True)
class Comparison:
    """Counts before and after an initiative's start, monthly, with the change and its interval."""

    label: str
    months: tuple[str, ...]
    monthly: tuple[int, ...]
    #: Index into ``months`` of the start month.
    split: int

    @property
    def before(self) -> int:
        """The count in the months before the start."""
        return sum(self.monthly[: self.split])

    @property
    def after(self) -> int:
        """The count from the start month on."""
        return sum(self.monthly[self.split :])

    @property
    def before_months(self) -> int:
        """How many months the before window has."""
        return self.split

    @property
    def after_months(self) -> int:
        """How many months the after window has."""
        return len(self.monthly) - self.split

    @property
    def interval(self) -> RateInterval | None:
        """The rate ratio (after over before, per month) and its 95% interval."""
        return rate_ratio_interval(self.before, self.before_months, self.after, self.after_months)

    @property
    def change_percent(self) -> float | None:
        """The change in the monthly rate, in percent (None when there is nothing before)."""
        if self.before == 0 or self.before_months == 0 or self.after_months == 0:
            return None
        return 100.0 * (self.interval.ratio - 1.0) if self.interval else None

    def change_text(self) -> str:
        """``-20.0% (95% interval -30.0% to -8.5%)``, or why there is no figure."""
        interval = self.interval
        change = self.change_percent
        if interval is None or change is None:
            return "no change can be measured: nothing counted before the start"
        low, high = 100.0 * (interval.low - 1.0), 100.0 * (interval.high - 1.0)
        return f"{change:+.1f}% (95% interval {low:+.1f}% to {high:+.1f}%)"


def month_key(day: date) -> str:
    """``YYYY-MM`` of a day."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(month: str, count: int) -> str:
    """A ``YYYY-MM`` month moved by ``count`` months."""
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def window(initiative: Initiative) -> tuple[str, ...]:
    """The months counted: ``window_months`` before the start month, and as many from it."""
    first = add_months(month_key(initiative.start), -initiative.window_months)
    return tuple(add_months(first, i) for i in range(2 * initiative.window_months))


def compare(
    initiative: Initiative, counts: Mapping[str, int], *, label: str, last_month: str | None = None
) -> Comparison:
    """Monthly counts arranged before and after the start.

    Args:
        initiative: the definition.
        counts: a count per ``YYYY-MM`` month (months missing count zero).
        label: what was counted (``Recorded crime``, ``Visits``).
        last_month: the last month that has data; later months of the after window are left
            out rather than counted as zero (police data arrives a month or two late).
    """
    months = window(initiative)
    if last_month is not None:
        months = tuple(m for m in months if m <= last_month)
    split = sum(1 for m in months if m < month_key(initiative.start))
    return Comparison(label, months, tuple(int(counts.get(m, 0)) for m in months), split)


def count_in_area(
    initiative: Initiative,
    events: Iterable[tuple[str, str, float | None, float | None, int]],
    *,
    categories: Iterable[str],
) -> dict[str, int]:
    """Count events by month where category and place fall within an initiative.

    Args:
        initiative: the definition.
        events: ``(month, category, lon, lat, count)``; events without a position are left out,
            as they cannot be placed in or out of the area.
        categories: the categories counted (the initiative's crime types, or its visit
            categories).
    """
    wanted = set(categories)
    # A box around the area first: most events are nowhere near it.
    west, south, east, north = bounds_of(p for poly in initiative.area for p in poly.outer)
    out: dict[str, int] = {}
    for month, category, lon, lat, n in events:
        if category not in wanted or lon is None or lat is None:
            continue
        if west <= lon <= east and south <= lat <= north and initiative.holds((lon, lat)):
            out[month] = out.get(month, 0) + n
    return out
