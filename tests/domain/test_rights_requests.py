"""Rights requests: the one-month deadline, its two-month extension, and where a request stands."""

from __future__ import annotations

from datetime import date

import pytest

from fieldkit.domain.rights_requests import Deadline, RequestState, request_state


@pytest.mark.parametrize(
    ("received", "extended", "due"),
    [
        (date(2026, 1, 15), False, date(2026, 2, 15)),
        (date(2026, 1, 31), False, date(2026, 2, 28)),
        (date(2026, 1, 31), True, date(2026, 4, 30)),
        (date(2026, 12, 10), True, date(2027, 3, 10)),
    ],
)
def test_a_request_is_due_a_month_after_receipt_or_three_when_extended(
    received: date, extended: bool, due: date
) -> None:
    assert Deadline(received, extended).due_on == due


@pytest.mark.parametrize(
    ("today", "answered", "extended", "state"),
    [
        (date(2026, 1, 20), False, False, RequestState.OPEN),
        (date(2026, 2, 8), False, False, RequestState.DUE_SOON),
        (date(2026, 2, 15), False, False, RequestState.DUE_SOON),
        (date(2026, 2, 16), False, False, RequestState.OVERDUE),
        (date(2026, 2, 16), False, True, RequestState.OPEN),
        (date(2026, 9, 1), True, False, RequestState.ANSWERED),
    ],
)
def test_where_a_request_stands(
    today: date, answered: bool, extended: bool, state: RequestState
) -> None:
    deadline = Deadline(date(2026, 1, 15), extended)
    assert request_state(deadline, answered=answered, today=today) is state
