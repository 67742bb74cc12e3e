"""Dates of birth as officers type them: 12/3/89, 12.03.1989, 1989-03-12, and day/month swaps."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})")


@dataclass(frozen=True)
class BirthDateQuery:
    """A typed date of birth and, when day and month could be the other way round, the swap.

    Attributes:
        date: the date as a UK officer means it (day first).
        swapped: the same digits with day and month exchanged, if that is another real date.
    """

    date: dt.date
    swapped: dt.date | None


def parse_birth_date(text: str, *, today: dt.date) -> BirthDateQuery | None:
    """Read a date of birth typed day first, or in ISO form.

    A two-digit year is the latest year ending in those digits that is not after today
    ("12/3/89" is 1989; "1/2/05" is 2005).

    Args:
        text: one word of what was typed.
        today: today's date, to place two-digit years.

    Returns:
        The date and its day/month swap, or None when the text is not a real date.
    """
    text = text.strip()
    iso = _ISO.fullmatch(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    else:
        uk = _UK.fullmatch(text)
        if not uk:
            return None
        day, month = int(uk.group(1)), int(uk.group(2))
        year = int(uk.group(3))
        if len(uk.group(3)) == 2:
            year += 2000 if 2000 + year <= today.year else 1900
    try:
        typed = dt.date(year, month, day)
    except ValueError:
        return None
    # Both are at most 12 here, so the swap is always a real date.
    swapped = dt.date(year, day, month) if day != month and day <= 12 else None
    return BirthDateQuery(typed, swapped)
