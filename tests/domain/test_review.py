"""Review rules: countersignature per scheme and closure step, fitting decisions, what stands."""

from __future__ import annotations

import pytest

from fieldkit.domain.records import RecordType
from fieldkit.domain.review import (
    Decision,
    awaiting_review,
    decision_refusal,
    decisions_for,
    latest,
    needs_countersignature,
    review_sensitivity,
)
from fieldkit.domain.schemes import load_schemes
from fieldkit.domain.vocabulary import ReviewDecision

SCHEMES = load_schemes()


@pytest.mark.parametrize(
    ("record_type", "fields", "needed"),
    [
        (RecordType.WARNING, {"scheme": "street_drinking_vagrancy", "level": "yellow"}, False),
        (RecordType.WARNING, {"scheme": "street_drinking_vagrancy", "level": "red"}, True),
        (RecordType.WARNING, {"scheme": "community_protection", "level": "cpw"}, False),
        (RecordType.WARNING, {"scheme": "community_protection", "level": "cpn"}, True),
        (RecordType.WARNING, {"scheme": "acceptable_behaviour_contract", "level": "abc"}, False),
        (RecordType.WARNING, {"scheme": "no_such_scheme", "level": "red"}, False),
        (RecordType.CLOSURE, {"status": "planned"}, False),
        (RecordType.CLOSURE, {"status": "notice_served"}, True),
        (RecordType.CLOSURE, {"status": "order_made"}, True),
        (RecordType.CLOSURE, {"status": "extended"}, True),
        (RecordType.CLOSURE, {"status": "discharged"}, False),
        (RecordType.VISIT, {"status": "order_made"}, False),
    ],
)
def test_countersignature_follows_the_scheme_level_and_the_closure_step(
    record_type: RecordType, fields: dict[str, str], needed: bool
) -> None:
    assert needs_countersignature(record_type, fields, SCHEMES) is needed


def test_countersigning_takes_the_place_of_approval() -> None:
    assert decisions_for(countersign=True) == (
        ReviewDecision.COUNTERSIGNED,
        ReviewDecision.RETURNED,
    )
    assert decisions_for(countersign=False) == (ReviewDecision.APPROVED, ReviewDecision.RETURNED)


@pytest.mark.parametrize(
    ("decision", "countersign", "comment", "refused"),
    [
        (ReviewDecision.APPROVED, False, "", False),
        (ReviewDecision.APPROVED, True, "", True),
        (ReviewDecision.COUNTERSIGNED, True, "", False),
        (ReviewDecision.COUNTERSIGNED, False, "", True),
        (ReviewDecision.RETURNED, False, "   ", True),
        (ReviewDecision.RETURNED, True, "Add the time you left.", False),
    ],
)
def test_a_decision_is_refused_when_it_does_not_fit(
    decision: ReviewDecision, countersign: bool, comment: str, refused: bool
) -> None:
    reason = decision_refusal(decision, countersign=countersign, comment=comment)
    assert (reason is not None) is refused


def _d(decision: ReviewDecision, at: str) -> Decision:
    return Decision(decision, at, "priya")


def test_the_last_decision_stands() -> None:
    returned = _d(ReviewDecision.RETURNED, "2026-11-02T10:00:00+00:00")
    approved = _d(ReviewDecision.APPROVED, "2026-11-03T09:00:00+00:00")
    assert latest([approved, returned]) == approved
    assert latest([]) is None


@pytest.mark.parametrize(
    ("changed_at", "decided", "waiting"),
    [
        ("2026-11-01T08:00:00+00:00", [], True),
        ("2026-11-01T08:00:00+00:00", [("approved", "2026-11-01T09:00:00+00:00")], False),
        # Returned, then amended by the officer: back in the queue.
        ("2026-11-02T08:00:00+00:00", [("returned", "2026-11-01T09:00:00+00:00")], True),
        # Returned, amended, then approved.
        (
            "2026-11-02T08:00:00+00:00",
            [("returned", "2026-11-01T09:00:00+00:00"), ("approved", "2026-11-02T09:00:00+00:00")],
            False,
        ),
    ],
)
def test_work_awaits_review_until_a_decision_follows_its_latest_version(
    changed_at: str, decided: list[tuple[str, str]], waiting: bool
) -> None:
    decisions = [_d(ReviewDecision(d), at) for d, at in decided]
    assert awaiting_review(changed_at, decisions) is waiting


@pytest.mark.parametrize(
    ("record_type", "fields", "expected"),
    [
        (RecordType.VISIT, {"sensitivity": "standard"}, "standard"),
        (RecordType.VISIT, {"sensitivity": "restricted"}, "restricted"),
        (RecordType.WARNING, {}, "standard"),
        (RecordType.TENANCY_NOTE, {"sensitivity": "standard"}, "restricted"),
        (RecordType.CLOSURE, {}, "restricted"),
    ],
)
def test_a_decision_is_as_restricted_as_the_work_it_is_about(
    record_type: RecordType, fields: dict[str, str], expected: str
) -> None:
    assert review_sensitivity(record_type, fields) == expected
