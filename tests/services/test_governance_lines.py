"""The governance screen's words: requests by urgency, the due list, the decision form."""

from __future__ import annotations

from datetime import date

import pytest

from fieldkit.services.governance import (
    DecisionError,
    RequestFormError,
    check_answer,
    check_decision,
    check_extension,
    check_new_request,
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


SUBJECT = "0b5e9d0c-3f4e-4a44-9d1e-6f0b8f1b2c3d"


@pytest.mark.parametrize(
    ("kind", "person_id", "received", "detail", "expected"),
    [
        ("subject_access", SUBJECT, "", "", ("subject_access", SUBJECT, TODAY, None)),
        ("restriction", f" {SUBJECT.upper()} ", "2026-11-30", " who: Mr H ", (
            "restriction", SUBJECT, date(2026, 11, 30), "who: Mr H",
        )),
        ("rectification", SUBJECT, "2026-12-06", "disputes the date of birth", (
            "rectification", SUBJECT, TODAY, "disputes the date of birth",
        )),
    ],
)  # fmt: skip
def test_a_request_form_gives_a_checked_request(
    kind: str, person_id: str, received: str, detail: str, expected: tuple[object, ...]
) -> None:
    new = check_new_request(
        kind=kind, person_id=person_id, received=received, detail=detail, today=TODAY
    )
    assert (new.kind, new.person_id, new.received, new.detail) == expected


@pytest.mark.parametrize(
    ("kind", "person_id", "received", "detail", "words"),
    [
        ("erasure", SUBJECT, "", "", "Choose the kind of request"),
        ("subject_access", "Mr Holroyd", "", "", "Give the person's record id"),
        ("subject_access", SUBJECT, "6/12/2026", "", "as YYYY-MM-DD"),
        ("subject_access", SUBJECT, "2026-12-07", "", "cannot be in the future"),
        ("rectification", SUBJECT, "", "   ", "Give who asked and what they dispute."),
        ("restriction", SUBJECT, "", "x" * 4001, "at most 4000 characters"),
    ],
)
def test_a_request_form_with_a_mistake_says_what_to_fix_without_quoting_it(
    kind: str, person_id: str, received: str, detail: str, words: str
) -> None:
    with pytest.raises(RequestFormError) as caught:
        check_new_request(
            kind=kind, person_id=person_id, received=received, detail=detail, today=TODAY
        )
    assert words in str(caught.value)
    assert "Holroyd" not in str(caught.value)


def test_extending_and_answering_need_their_words() -> None:
    assert check_extension("  complex:  three agencies ") == "complex:  three agencies"
    assert check_answer("Sent the export.") == "Sent the export."
    with pytest.raises(RequestFormError, match=r"Give the reason for extending\."):
        check_extension(" ")
    with pytest.raises(RequestFormError, match=r"Give the decision\."):
        check_answer("")
