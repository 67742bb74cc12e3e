"""The governance screen's words: requests by urgency, the due list, the decision form."""

from __future__ import annotations

from datetime import date

import pytest

from fieldkit.services.governance import (
    DecisionError,
    check_decision,
    due_lines,
    request_lines,
    today_lines,
)
from fieldkit.sync.governance import DueList, DueRecord, RightsRequest

TODAY = date(2026, 12, 6)


def _request(rid: str, state: str, due: str, *, extended: bool = False) -> RightsRequest:
    return RightsRequest(
        rid, "subject_access", "p-" + rid, "2026-11-01", due, state, extended, False
    )


def test_overdue_requests_come_first_then_due_soon_then_by_deadline() -> None:
    requests = [
        _request("a", "open", "2026-12-30"),
        _request("b", "due_soon", "2026-12-10"),
        _request("c", "overdue", "2026-12-01"),
        _request("d", "answered", "2026-11-20"),
        _request("e", "open", "2026-12-20", extended=True),
    ]
    lines = request_lines(requests)
    assert [(line.id, line.state, line.tone) for line in lines] == [
        ("c", "Overdue", "problem"),
        ("b", "Due soon", "alert"),
        ("e", "Open", ""),
        ("a", "Open", ""),
        ("d", "Answered", ""),
    ]
    assert lines[0].deadline == "Answer by 1 December 2026"
    assert lines[2].deadline == "Answer by 20 December 2026 (extended)"
    assert lines[0].kind == "Subject access"
    assert [line.id for line in today_lines(requests)] == ["c", "b", "e", "a"]


def test_the_due_list_is_in_words() -> None:
    due = DueList(
        "2028-12-06",
        (
            DueRecord(
                "visit", "v1", "2027-11-20", "72 months after recorded", "anonymise", "uk_gdpr"
            ),
        ),
    )
    [line] = due_lines(due)
    assert (line.due, line.action, line.regime) == ("20 November 2027", "Anonymise", "UK GDPR")


@pytest.mark.parametrize(
    ("decision", "reason", "review_on", "expected"),
    [
        ("erase", "", "", ("erase", None, None)),
        ("anonymise", "  time   up ", "", ("anonymise", "time up", None)),
        ("keep", "open case", "2027-06-01", ("keep", "open case", date(2027, 6, 1))),
    ],
)
def test_a_decision_form_that_is_complete_is_sent(
    decision: str, reason: str, review_on: str, expected: tuple[object, ...]
) -> None:
    assert check_decision(decision=decision, reason=reason, review_on=review_on, today=TODAY) == (
        expected
    )


@pytest.mark.parametrize(
    ("decision", "reason", "review_on", "message"),
    [
        ("shred", "", "", "Choose keep, anonymise or erase."),
        ("keep", " ", "2027-06-01", "Give the reason for keeping the record."),
        ("keep", "open case", "June", "Give the review date as YYYY-MM-DD."),
        ("keep", "open case", "2026-12-06", "The review date must be after today."),
    ],
)
def test_an_incomplete_decision_form_says_what_to_fix(
    decision: str, reason: str, review_on: str, message: str
) -> None:
    with pytest.raises(DecisionError) as caught:
        check_decision(decision=decision, reason=reason, review_on=review_on, today=TODAY)
    assert str(caught.value) == message
