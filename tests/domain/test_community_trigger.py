"""The Community Trigger threshold and its decision-due clock, as the partnership sets them."""

from __future__ import annotations

from datetime import date

import pytest

from fieldkit.domain.community_trigger import (
    Report,
    Threshold,
    ThresholdError,
    check_threshold,
    decision_due,
    load_threshold,
    parse_threshold,
    reports_from_visits,
    window_start,
)
from fieldkit.domain.working_days import shipped_bank_holidays

DEFAULT = Threshold()
RECEIVED = date(2026, 11, 30)


def _r(n: int, day: date, *problems: str) -> Report:
    return Report(f"r{n}", day, frozenset(problems))


@pytest.mark.parametrize(
    ("reports", "met", "counted"),
    [
        # Three reports of the same problem inside six months: met.
        (
            [
                _r(1, date(2026, 6, 1), "noise"),
                _r(2, date(2026, 8, 1), "noise"),
                _r(3, date(2026, 11, 30), "noise"),
            ],
            True,
            ("r1", "r2", "r3"),
        ),
        # Three reports, but of different problems: not met.
        (
            [
                _r(1, date(2026, 9, 1), "noise"),
                _r(2, date(2026, 10, 1), "asb_youth"),
                _r(3, date(2026, 11, 1), "drugs"),
            ],
            False,
            ("r1", "r2", "r3"),
        ),
        # The oldest falls a day outside the window (it opens on 30 May): not met.
        (
            [
                _r(1, date(2026, 5, 29), "noise"),
                _r(2, date(2026, 8, 1), "noise"),
                _r(3, date(2026, 11, 1), "noise"),
            ],
            False,
            ("r2", "r3"),
        ),
        # On the window's first day it counts.
        (
            [
                _r(1, date(2026, 5, 30), "noise"),
                _r(2, date(2026, 8, 1), "noise"),
                _r(3, date(2026, 11, 1), "noise"),
            ],
            True,
            ("r1", "r2", "r3"),
        ),
        # A report dated after the application does not count.
        (
            [
                _r(1, date(2026, 9, 1), "noise"),
                _r(2, date(2026, 10, 1), "noise"),
                _r(3, date(2026, 12, 1), "noise"),
            ],
            False,
            ("r1", "r2"),
        ),
        # One hate incident is enough on its own.
        ([_r(1, date(2026, 10, 1), "hate_incident")], True, ("r1",)),
        # ... but not one from before the window.
        ([_r(1, date(2026, 1, 1), "hate_incident")], False, ()),
        # A report about two problems counts for each.
        (
            [
                _r(1, date(2026, 9, 1), "noise", "asb_neighbour"),
                _r(2, date(2026, 10, 1), "asb_neighbour"),
                _r(3, date(2026, 11, 1), "asb_neighbour"),
            ],
            True,
            ("r1", "r2", "r3"),
        ),
        ([], False, ()),
    ],
)
def test_threshold_is_three_reports_of_one_problem_or_one_hate_incident(
    reports: list[Report], met: bool, counted: tuple[str, ...]
) -> None:
    result = check_threshold(reports, received=RECEIVED, threshold=DEFAULT)
    assert (result.met, result.counted) == (met, counted)


def test_a_partnership_can_lower_the_number_and_drop_the_hate_rule() -> None:
    own = Threshold(same_problem_reports=2, hate_incident_alone=False)
    hate = [_r(1, date(2026, 10, 1), "hate_incident")]
    assert not check_threshold(hate, received=RECEIVED, threshold=own).met
    two = [_r(1, date(2026, 10, 1), "noise"), _r(2, date(2026, 10, 2), "noise")]
    assert check_threshold(two, received=RECEIVED, threshold=own).met


def test_the_reason_says_what_met_it_or_what_was_missing() -> None:
    three = [_r(n, date(2026, 10, n), "noise") for n in (1, 2, 3)]
    assert check_threshold(three, received=RECEIVED, threshold=DEFAULT).reason == (
        "3 reports of the same problem (noise) since 30 May 2026"
    )
    two = three[:2]
    assert check_threshold(two, received=RECEIVED, threshold=DEFAULT).reason == (
        "at most 2 reports of one problem since 30 May 2026; 3 are needed"
    )
    assert check_threshold([], received=RECEIVED, threshold=DEFAULT).reason == (
        "no reports since 30 May 2026; 3 are needed"
    )


@pytest.mark.parametrize(
    ("received", "months", "start"),
    [
        (date(2026, 11, 30), 6, date(2026, 5, 30)),
        (date(2026, 8, 31), 6, date(2026, 2, 28)),
        (date(2028, 8, 31), 6, date(2028, 2, 29)),
        (date(2027, 3, 15), 6, date(2026, 9, 15)),
        (date(2027, 1, 1), 12, date(2026, 1, 1)),
    ],
)
def test_window_opens_the_same_day_months_before(received: date, months: int, start: date) -> None:
    assert window_start(received, months) == start


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 12, 21), date(2027, 1, 7)),  # over Christmas and New Year
        (date(2027, 3, 22), date(2027, 4, 7)),  # over Easter
        (date(2026, 6, 1), date(2026, 6, 15)),
    ],
)
def test_decision_is_due_ten_working_days_after_receipt(received: date, due: date) -> None:
    holidays = shipped_bank_holidays()
    assert decision_due(received, threshold=DEFAULT, holidays=holidays) == due


def test_the_shipped_threshold_is_three_in_six_months_or_one_hate_incident() -> None:
    shipped = load_threshold()
    assert shipped == Threshold()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"same_problem_reports": 0}, "same_problem_reports must be a whole number"),
        ({"window_months": True}, "window_months must be a whole number"),
        ({"hate_incident_alone": "yes"}, "hate_incident_alone must be true or false"),
        ({"hate_categories": ["racism"]}, "hate_categories must list visit categories"),
        ({"decision_working_days": 61}, "decision_working_days must be a whole number"),
    ],
)
def test_a_bad_threshold_names_the_setting(change: dict[str, object], problem: str) -> None:
    data: dict[str, object] = {
        "same_problem_reports": 3,
        "window_months": 6,
        "hate_incident_alone": True,
        "decision_working_days": 10,
        **change,
    }
    with pytest.raises(ThresholdError, match=problem):
        parse_threshold(data, source="threshold.json")


def test_a_visit_just_after_midnight_in_summer_counts_on_its_london_day() -> None:
    (report,) = reports_from_visits([("v1", "2026-05-29T23:30:00+00:00", ["noise"])])
    assert report.reported_on == date(2026, 5, 30)
