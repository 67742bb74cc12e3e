"""Requests under data subjects' rights: access, rectification, restriction, and their deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from fieldkit.domain.retention import add_months
from fieldkit.domain.vocabulary import Vocabulary, define_words

#: A request is answered within one month of receipt (UK GDPR art. 12(3); DPA 2018 s45, s54).
ANSWER_MONTHS: Final = 1
#: ... extendable by two further months where the request is complex, giving the reason.
EXTENSION_MONTHS: Final = 2


class RequestKind(Vocabulary):
    """Which right the person exercises."""

    SUBJECT_ACCESS = "subject_access"
    RECTIFICATION = "rectification"
    RESTRICTION = "restriction"


class RequestState(Vocabulary):
    """Where a request stands on a given day."""

    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ANSWERED = "answered"


define_words(
    RequestKind,
    {
        RequestKind.SUBJECT_ACCESS: "Subject access",
        RequestKind.RECTIFICATION: "Rectification",
        RequestKind.RESTRICTION: "Restriction of processing",
    },
)
define_words(
    RequestState,
    {
        RequestState.OPEN: "Open",
        RequestState.DUE_SOON: "Due soon",
        RequestState.OVERDUE: "Overdue",
        RequestState.ANSWERED: "Answered",
    },
)

#: Days before the deadline from which an open request shows as due soon.
DUE_SOON_DAYS: Final = 7


@dataclass(frozen=True)
class Deadline:
    """A request's deadline: one month from receipt, or three when extended with a reason."""

    received_on: date
    extended: bool = False

    @property
    def due_on(self) -> date:
        months = ANSWER_MONTHS + (EXTENSION_MONTHS if self.extended else 0)
        return add_months(self.received_on, months)


def request_state(deadline: Deadline, *, answered: bool, today: date) -> RequestState:
    """Where a request stands today.

    Args:
        deadline: its deadline.
        answered: whether it has been answered.
        today: the day asked about.
    """
    if answered:
        return RequestState.ANSWERED
    if today > deadline.due_on:
        return RequestState.OVERDUE
    if (deadline.due_on - today).days <= DUE_SOON_DAYS:
        return RequestState.DUE_SOON
    return RequestState.OPEN
