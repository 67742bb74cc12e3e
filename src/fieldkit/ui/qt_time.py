"""Python dates and moments as the values Qt's date editors show."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, QTime


def qdate(day: date) -> QDate:
    """A calendar day as Qt's."""
    return QDate(day.year, day.month, day.day)


def qdatetime(moment: datetime) -> QDateTime:
    """A moment as the officer's wall-clock time (an aware one is first put in local time).

    Args:
        moment: aware, or naive and already local.
    """
    local = moment.astimezone() if moment.tzinfo is not None else moment
    return QDateTime(
        qdate(local),
        QTime(local.hour, local.minute, local.second, local.microsecond // 1000),
    )
