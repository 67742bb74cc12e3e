"""The pure rules behind the intelligence pictures, table by table."""

from __future__ import annotations

from datetime import date

import pytest

from fieldkit.domain.trends import (
    Period,
    RisingRule,
    describe_change,
    is_rising,
    percent_change,
    period_ending,
    rising_reason,
    split_before_after,
    weekly_series,
)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (40, 32, -20.0),
        (10, 15, 50.0),
        (3, 3, 0.0),
        (7, 0, -100.0),
        (3, 1, -200 / 3),
        (0, 5, None),
        (0, 0, None),
    ],
)
def test_percent_change_is_exact_and_none_from_nothing(
    before: int, after: int, expected: float | None
) -> None:
    assert percent_change(before, after) == expected


@pytest.mark.parametrize(
    ("before", "after", "words"),
    [
        (40, 32, "down 20%"),
        (20, 31, "up 55%"),
        (3, 4, "up 33.3%"),
        (5, 5, "no change"),
        (0, 4, "new (none before)"),
        (0, 0, "no change (none before)"),
    ],
)
def test_a_change_is_described_in_words(before: int, after: int, words: str) -> None:
    assert describe_change(before, after) == words


@pytest.mark.parametrize(
    ("recent", "before", "min_recent", "rising"),
    [
        (4, 1, 3, True),  # above the threshold and up
        (3, 0, 3, True),  # exactly the threshold
        (3, 3, 3, False),  # steady
        (5, 6, 3, False),  # falling, however many
        (2, 0, 3, False),  # up, but below the threshold
        (2, 0, 2, True),  # the threshold is a setting
    ],
)
def test_rising_needs_the_threshold_and_more_than_before(
    recent: int, before: int, min_recent: int, rising: bool
) -> None:
    assert is_rising(recent, before, RisingRule(min_recent=min_recent)) is rising


@pytest.mark.parametrize(
    ("recent", "before", "reason"),
    [
        (4, 1, "Seen 4 times in the last 14 days (threshold 3), up from 1 in the 14 days before."),
        (
            3,
            0,
            "Seen 3 times in the last 14 days (threshold 3), up from none in the 14 days before.",
        ),
    ],
)
def test_the_rising_reason_names_the_counts_and_the_threshold(
    recent: int, before: int, reason: str
) -> None:
    assert rising_reason(recent, before, RisingRule()) == reason


@pytest.mark.parametrize(("min_recent", "window_days"), [(0, 14), (3, 0), (-1, -1)])
def test_a_rising_rule_refuses_thresholds_below_one(min_recent: int, window_days: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RisingRule(min_recent=min_recent, window_days=window_days)


def test_a_period_has_whole_weeks_and_a_previous_period_just_before() -> None:
    period = Period(date(2026, 9, 7), 4)
    assert period.end == date(2026, 10, 5)
    assert period.previous == Period(date(2026, 8, 10), 4)
    assert period.week_starts()[-1] == date(2026, 9, 28)
    assert period.describe() == "7 September 2026 to 4 October 2026 (4 weeks)"


@pytest.mark.parametrize(
    ("start", "first_bound"),
    [
        (date(2026, 1, 5), ("2026-01-05T00:00:00+00:00", "2026-01-12T00:00:00+00:00")),
        # British Summer Time: London midnight is 23:00 UTC the day before.
        (date(2026, 7, 6), ("2026-07-05T23:00:00+00:00", "2026-07-12T23:00:00+00:00")),
        # The week the clocks go back is 169 hours long.
        (date(2026, 10, 19), ("2026-10-18T23:00:00+00:00", "2026-10-26T00:00:00+00:00")),
    ],
)
def test_week_bounds_are_london_midnights_in_stored_text(
    start: date, first_bound: tuple[str, str]
) -> None:
    assert Period(start, 2).week_bounds()[0] == first_bound


def test_a_period_ending_on_a_day_includes_that_day() -> None:
    period = period_ending(date(2026, 11, 27), 2)
    assert period.start == date(2026, 11, 14)
    assert period.end == date(2026, 11, 28)


def test_a_period_of_no_weeks_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one week"):
        Period(date(2026, 1, 1), 0)


@pytest.mark.parametrize(
    ("counts", "weeks", "series"),
    [({}, 3, (0, 0, 0)), ({0: 2, 2: 5}, 3, (2, 0, 5)), ({1: 4, 7: 9}, 2, (0, 4))],
)
def test_weekly_series_fill_empty_weeks_with_zero(
    counts: dict[int, int], weeks: int, series: tuple[int, ...]
) -> None:
    assert weekly_series(counts, weeks) == series


def test_before_and_after_split_a_series_at_the_window() -> None:
    assert split_before_after([10, 10, 8, 8], 2) == (20, 16)
