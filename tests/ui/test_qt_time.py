"""Dates and moments reach Qt's editors as the officer's wall-clock time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QDate, QDateTime, QTime

from fieldkit.ui.qt_time import qdate, qdatetime


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 7, 1, 23, 30, 15, 250_000, tzinfo=UTC),
        datetime(2026, 1, 15, 8, 0, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2024, 2, 29, 0, 0, 1, tzinfo=timezone(timedelta(hours=9, minutes=30))),
    ],
)
def test_an_aware_moment_shows_as_the_same_instant_in_local_time(moment: datetime) -> None:
    shown = qdatetime(moment)
    assert shown.toMSecsSinceEpoch() == round(moment.timestamp() * 1000)
    assert shown == QDateTime.fromMSecsSinceEpoch(round(moment.timestamp() * 1000))


def test_a_naive_moment_is_taken_as_already_local() -> None:
    shown = qdatetime(datetime(2026, 3, 9, 14, 5, 7, 999_999))
    assert shown.date() == QDate(2026, 3, 9)
    assert shown.time() == QTime(14, 5, 7, 999)


@pytest.mark.parametrize("day", [date(2026, 12, 6), date(2024, 2, 29), date(1900, 1, 1)])
def test_a_day_keeps_its_year_month_and_day(day: date) -> None:
    assert qdate(day).toPython() == day
