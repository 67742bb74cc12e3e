"""Working days in England: weekends and bank holidays counted out, and a list that ends."""

from __future__ import annotations

from datetime import date

import pytest

from fieldkit.domain.working_days import (
    BankHolidays,
    BankHolidaysError,
    add_working_days,
    is_working_day,
    load_bank_holidays,
    parse_bank_holidays,
    shipped_bank_holidays,
    working_days_between,
)

HOLIDAYS = shipped_bank_holidays()


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # An ordinary fortnight: Monday + 10 working days is the Monday two weeks on.
        (date(2026, 6, 1), 10, date(2026, 6, 15)),
        # Friday start: the weekend is not counted.
        (date(2026, 6, 5), 1, date(2026, 6, 8)),
        # Christmas 2026: 25th (Fri) and the Boxing Day substitute (Mon 28th) are out;
        # New Year's Day (Fri 1 Jan 2027) too.
        (date(2026, 12, 21), 10, date(2027, 1, 7)),
        (date(2026, 12, 24), 1, date(2026, 12, 29)),
        # Christmas 2027 falls on a weekend: the substitute days Mon 27 and Tue 28 are out.
        (date(2027, 12, 24), 1, date(2027, 12, 29)),
        # New Year 2028 is a Saturday: Monday 3 January is its substitute.
        (date(2027, 12, 31), 1, date(2028, 1, 4)),
        # Easter 2027: Good Friday 26 March and Easter Monday 29 March.
        (date(2027, 3, 25), 1, date(2027, 3, 30)),
        (date(2027, 3, 22), 10, date(2027, 4, 7)),
        # Easter 2026: Good Friday 3 April, Easter Monday 6 April.
        (date(2026, 4, 2), 2, date(2026, 4, 8)),
        # Received on a bank holiday: counting starts the next working day.
        (date(2026, 12, 25), 1, date(2026, 12, 29)),
        # Received on a Saturday.
        (date(2026, 6, 6), 1, date(2026, 6, 8)),
        (date(2026, 6, 1), 0, date(2026, 6, 1)),
    ],
)
def test_working_days_skip_weekends_and_bank_holidays(start: date, days: int, due: date) -> None:
    assert add_working_days(start, days, HOLIDAYS) == due


def test_bank_holidays_and_weekends_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 12, 28), HOLIDAYS)  # Boxing Day substitute
    assert not is_working_day(date(2026, 12, 26), HOLIDAYS)  # a Saturday
    assert is_working_day(date(2026, 12, 29), HOLIDAYS)


def test_working_days_between_counts_from_the_day_after() -> None:
    assert working_days_between(date(2026, 12, 21), date(2027, 1, 7), HOLIDAYS) == 10
    assert working_days_between(date(2027, 1, 7), date(2026, 12, 21), HOLIDAYS) == -10


def test_a_period_past_the_last_listed_year_is_a_clear_error() -> None:
    last = HOLIDAYS.last_year
    with pytest.raises(BankHolidaysError, match=f"covers {HOLIDAYS.first_year} to {last}"):
        add_working_days(date(last, 12, 20), 10, HOLIDAYS)


def test_a_start_before_the_first_listed_year_is_a_clear_error() -> None:
    with pytest.raises(BankHolidaysError, match=r"bank_holidays_england\.json"):
        add_working_days(date(HOLIDAYS.first_year - 1, 6, 1), 1, HOLIDAYS)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 366"):
        add_working_days(date(2026, 6, 1), -1, HOLIDAYS)


def test_the_shipped_list_has_every_year_it_claims() -> None:
    years = {d.year for d in HOLIDAYS.days}
    assert years == set(range(HOLIDAYS.first_year, HOLIDAYS.last_year + 1))
    assert all(len([d for d in HOLIDAYS.days if d.year == y]) == 8 for y in years)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([], "must be a JSON object"),
        ({"first_year": 2027, "last_year": 2026, "holidays": []}, "in order"),
        ({"first_year": 2026, "last_year": 2026, "holidays": {}}, "must be a list"),
        (
            {"first_year": 2026, "last_year": 2026, "holidays": [{"date": "2026-13-01"}]},
            "holiday 1 has no date",
        ),
        (
            {"first_year": 2026, "last_year": 2026, "holidays": [{"date": "2026-12-26"}]},
            "falls on a weekend",
        ),
        (
            {"first_year": 2026, "last_year": 2027, "holidays": [{"date": "2026-12-25"}]},
            "no bank holidays listed for 2027",
        ),
        (
            {"first_year": 2026, "last_year": 2026, "holidays": [{"date": "2025-12-25"}]},
            "outside the years covered",
        ),
    ],
)
def test_a_bad_bank_holiday_list_names_what_is_wrong(data: object, problem: str) -> None:
    with pytest.raises(BankHolidaysError, match=problem):
        parse_bank_holidays(data, source="test.json")


def test_an_unreadable_list_file_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "holidays.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(BankHolidaysError, match=r"holidays\.json: cannot be read"):
        load_bank_holidays(path)


def test_a_partnership_list_can_replace_the_shipped_one() -> None:
    own = BankHolidays(2026, 2026, frozenset({date(2026, 6, 2)}))
    assert add_working_days(date(2026, 6, 1), 1, own) == date(2026, 6, 3)
