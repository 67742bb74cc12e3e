"""Dates of birth typed the ways officers type them, and the day/month swap."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldkit.domain.birth_dates import BirthDateQuery, parse_birth_date

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12/3/89", BirthDateQuery(date(1989, 3, 12), date(1989, 12, 3))),
        ("12.03.1989", BirthDateQuery(date(1989, 3, 12), date(1989, 12, 3))),
        ("1989-03-12", BirthDateQuery(date(1989, 3, 12), date(1989, 12, 3))),
        ("12-03-1989", BirthDateQuery(date(1989, 3, 12), date(1989, 12, 3))),
        ("25/12/1990", BirthDateQuery(date(1990, 12, 25), None)),
        ("5/5/05", BirthDateQuery(date(2005, 5, 5), None)),
        ("1/2/26", BirthDateQuery(date(2026, 2, 1), date(2026, 1, 2))),
        ("1/2/27", BirthDateQuery(date(1927, 2, 1), date(1927, 1, 2))),
    ],
)
def test_dates_of_birth_are_read_day_first_or_iso(typed: str, expected: BirthDateQuery) -> None:
    assert parse_birth_date(typed, today=TODAY) == expected


@pytest.mark.parametrize(
    "typed", ["31/02/1990", "12/13/1989", "1989-13-01", "Chaudhry", "12/3", "123"]
)
def test_text_that_is_not_a_real_date_is_not_a_date_of_birth(typed: str) -> None:
    assert parse_birth_date(typed, today=TODAY) is None


@given(st.dates(min_value=date(1927, 1, 1), max_value=TODAY))
def test_every_way_of_typing_a_date_of_birth_reads_back_the_same_day(born: date) -> None:
    typed = [
        f"{born.day}/{born.month}/{born.year}",
        f"{born.day:02}.{born.month:02}.{born.year}",
        f"{born.day}-{born.month}-{born.year}",
        born.isoformat(),
        f"{born.day}/{born.month}/{born.year % 100:02}",
    ]
    for text in typed:
        parsed = parse_birth_date(text, today=TODAY)
        assert parsed is not None, text
        assert parsed.date == born, text
        if parsed.swapped is not None:
            assert (parsed.swapped.day, parsed.swapped.month) == (born.month, born.day)
        else:
            assert born.day == born.month or born.day > 12
