"""Working days in England: weekends and the shipped bank holidays counted out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

#: The file of bank holidays that ships with Fieldkit (``resources/calendar``).
BANK_HOLIDAYS_FILE = "bank_holidays_england.json"


class BankHolidaysError(ValueError):
    """The bank-holiday list cannot answer: a bad file, or a date past the years it covers."""


@dataclass(frozen=True)
class BankHolidays:
    """England's bank holidays for the years the list covers (``first_year``..``last_year``)."""

    first_year: int
    last_year: int
    days: frozenset[date]

    def covers(self, day: date) -> bool:
        """Whether the list can say if ``day`` is a bank holiday."""
        return self.first_year <= day.year <= self.last_year

    def is_holiday(self, day: date) -> bool:
        """Whether ``day`` is a bank holiday.

        Raises:
            BankHolidaysError: ``day`` is outside the years the list covers.
        """
        if not self.covers(day):
            raise BankHolidaysError(
                f"the bank-holiday list covers {self.first_year} to {self.last_year} only; "
                f"add {day.year}'s bank holidays to resources/calendar/{BANK_HOLIDAYS_FILE}"
            )
        return day in self.days


def is_working_day(day: date, holidays: BankHolidays) -> bool:
    """Monday to Friday and not a bank holiday.

    Raises:
        BankHolidaysError: ``day`` is outside the years the list covers.
    """
    return day.weekday() < 5 and not holidays.is_holiday(day)


def add_working_days(start: date, days: int, holidays: BankHolidays) -> date:
    """The day that is ``days`` working days after ``start`` (``start`` itself not counted).

    Ten working days from a Friday is the Friday a fortnight later; a bank holiday or a
    weekend in between moves it on a day. Zero days is ``start`` itself.

    Args:
        start: the day the period runs from (an application's receipt).
        days: how many working days (0 to 366).
        holidays: the bank holidays.

    Returns:
        The last day of the period.

    Raises:
        ValueError: ``days`` is negative or more than a year's worth.
        BankHolidaysError: the period reaches a year the list does not cover.
    """
    if not 0 <= days <= 366:
        raise ValueError("working days must be between 0 and 366")
    if not holidays.covers(start):
        holidays.is_holiday(start)  # raises, naming the years covered
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day


def working_days_between(start: date, end: date, holidays: BankHolidays) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier).

    Raises:
        BankHolidaysError: the span reaches a year the list does not cover.
    """
    low, high, sign = (start, end, 1) if start <= end else (end, start, -1)
    if (high - low).days > 3660:
        raise ValueError("the span is longer than ten years")
    count, day = 0, low
    while day < high:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return sign * count


def parse_bank_holidays(data: object, *, source: str) -> BankHolidays:
    """Read a bank-holiday list as shipped in ``resources/calendar``.

    Raises:
        BankHolidaysError: naming what in the file is wrong.
    """
    if not isinstance(data, dict):
        raise BankHolidaysError(f"{source}: must be a JSON object")
    first, last, rows = data.get("first_year"), data.get("last_year"), data.get("holidays")
    if not isinstance(first, int) or not isinstance(last, int) or not 1900 <= first <= last <= 2200:
        raise BankHolidaysError(f"{source}: first_year and last_year must be years, in order")
    if not isinstance(rows, list):
        raise BankHolidaysError(f"{source}: holidays must be a list")
    days: set[date] = set()
    for position, row in enumerate(rows, start=1):
        raw = row.get("date") if isinstance(row, dict) else None
        try:
            day = date.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            day = None
        if day is None:
            raise BankHolidaysError(f"{source}: holiday {position} has no date as YYYY-MM-DD")
        if not first <= day.year <= last:
            raise BankHolidaysError(f"{source}: holiday {position} is outside the years covered")
        if day.weekday() >= 5:
            raise BankHolidaysError(f"{source}: holiday {position} falls on a weekend")
        days.add(day)
    missing = sorted(set(range(first, last + 1)) - {d.year for d in days})
    if missing:
        raise BankHolidaysError(f"{source}: no bank holidays listed for {missing[0]}")
    return BankHolidays(first, last, frozenset(days))


def load_bank_holidays(path: Traversable | Path | None = None) -> BankHolidays:
    """Read the bank-holiday list (the shipped one if ``path`` is None).

    Raises:
        BankHolidaysError: the file is missing or not a valid list.
    """
    entry = files("fieldkit.resources") / "calendar" / BANK_HOLIDAYS_FILE if path is None else path
    try:
        data = json.loads(entry.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BankHolidaysError(f"{entry.name}: cannot be read ({type(exc).__name__})") from None
    return parse_bank_holidays(data, source=entry.name)


@cache
def shipped_bank_holidays() -> BankHolidays:
    """The shipped list, read once per process."""
    return load_bank_holidays()
