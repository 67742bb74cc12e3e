"""Before-and-after evaluation of an initiative by area: rate ratios and their intervals."""

from __future__ import annotations

import math
from datetime import date

import pytest

from fieldkit.domain.geo import rectangle
from fieldkit.domain.initiative import (
    Initiative,
    InitiativeError,
    add_months,
    compare,
    count_in_area,
    rate_ratio_interval,
    window,
)

CENTRE = rectangle(-1.79, 53.643, -1.780, 53.649)


def _initiative(**changes: object) -> Initiative:
    base: dict[str, object] = {
        "name": "Town centre retail",
        "area": (CENTRE,),
        "start": date(2026, 1, 15),
        "crime_types": ("Shoplifting",),
        "window_months": 12,
    }
    base.update(changes)
    return Initiative(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("before", "tb", "after", "ta", "ratio", "low", "high"),
    [
        # Hand-computed: se = sqrt(1/384 + 1/480) = 0.068465; 0.8 * exp(∓1.96 se).
        (480, 12, 384, 12, 0.8, 0.69953, 0.91491),
        # Equal counts: ratio 1, se = sqrt(2/100) = 0.141421; exp(±0.277181).
        (100, 6, 100, 6, 1.0, 0.75791, 1.31941),
        # Unequal windows: (30/3) / (60/12) = 2; se = sqrt(1/30 + 1/60) = 0.223607.
        (60, 12, 30, 3, 2.0, 1.29057, 3.09943),
        # A zero after the start: half added to each count; ratio 0, interval from 0.5/10.5.
        (10, 1, 0, 1, 0.0, 0.002788, 0.81326),
    ],
)
def test_rate_ratio_interval_matches_hand_computation(
    before: int, tb: int, after: int, ta: int, ratio: float, low: float, high: float
) -> None:
    got = rate_ratio_interval(before, tb, after, ta)
    assert got is not None
    assert got.ratio == pytest.approx(ratio, abs=1e-9)
    assert got.low == pytest.approx(low, rel=1e-3)
    assert got.high == pytest.approx(high, rel=1e-3)


@pytest.mark.parametrize(("before", "tb", "after", "ta"), [(0, 12, 0, 12), (5, 0, 5, 12)])
def test_nothing_to_compare_gives_no_interval(before: int, tb: int, after: int, ta: int) -> None:
    assert rate_ratio_interval(before, tb, after, ta) is None


def test_window_is_whole_months_around_the_start_month() -> None:
    months = window(_initiative(window_months=2))
    assert months == ("2025-11", "2025-12", "2026-01", "2026-02")
    assert add_months("2026-01", -1) == "2025-12"
    assert add_months("2025-12", 1) == "2026-01"


def test_shoplifting_falling_from_40_to_32_a_month_is_minus_twenty_percent() -> None:
    initiative = _initiative()
    counts = {m: (40 if m < "2026-01" else 32) for m in window(initiative)}
    result = compare(initiative, counts, label="Recorded crime")
    assert (result.before, result.after) == (480, 384)
    assert result.change_percent == pytest.approx(-20.0)
    assert result.change_text() == "-20.0% (95% interval -30.0% to -8.5%)"


def test_months_after_the_last_published_month_are_left_out_not_counted_zero() -> None:
    initiative = _initiative()
    counts = dict.fromkeys(window(initiative), 40)
    result = compare(initiative, counts, label="Recorded crime", last_month="2026-03")
    assert (result.before_months, result.after_months) == (12, 3)
    assert result.change_percent == pytest.approx(0.0)


def test_counting_in_the_area_takes_only_the_initiatives_categories_and_places() -> None:
    initiative = _initiative()
    events = [
        ("2026-02", "Shoplifting", -1.785, 53.645, 3),
        ("2026-02", "Shoplifting", -1.780, 53.645, 1),  # on the edge: in
        ("2026-02", "Shoplifting", -1.70, 53.645, 7),  # outside
        ("2026-02", "Burglary", -1.785, 53.645, 5),  # another type
        ("2026-02", "Shoplifting", None, None, 9),  # nowhere
    ]
    assert count_in_area(initiative, events, categories=initiative.crime_types) == {"2026-02": 4}


def test_a_definition_survives_its_wire_form() -> None:
    initiative = _initiative(visit_categories=("street_drinking",), wards=("E05000001",))
    assert Initiative.from_wire(initiative.wire()) == initiative


def test_a_definition_by_postcode_sector_keeps_its_sectors() -> None:
    initiative = _initiative(sectors=("HD1 1", "HD1 2"))
    assert Initiative.from_wire(initiative.wire()).sectors == ("HD1 1", "HD1 2")
    older = {k: v for k, v in initiative.wire().items() if k != "sectors"}
    assert Initiative.from_wire(older).sectors == ()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"area": ()}, "area"),
        ({"crime_types": ()}, "categories"),
        ({"window_months": 0}, "window_months"),
    ],
)
def test_an_incomplete_definition_is_refused_naming_the_field(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InitiativeError, match=field):
        Initiative.from_wire(_initiative(**changes).wire())


def test_no_change_when_nothing_before() -> None:
    result = compare(_initiative(), {"2026-02": 3}, label="Visits")
    assert result.change_percent is None
    assert "nothing counted before" in result.change_text()
    assert math.isfinite(result.after)
