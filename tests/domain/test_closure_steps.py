"""Closure steps record what the Act needs of them, or are refused naming what is missing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fieldkit.domain.closure_steps import (
    ClosureStepKind,
    StepDetails,
    is_senior_rank,
    step_changes,
)
from fieldkit.domain.records import ValidationError

SERVED = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
NOTICE = StepDetails(
    at=SERVED,
    authorised_by="A. Khan",
    authorised_rank="Inspector",
    notice_hours=24,
    served_how="fixed_and_given",
    served_on="The tenant and two visitors",
)
SERVED_FIELDS: dict[str, object] = {
    "status": "notice_served",
    "notice_served_at": SERVED.isoformat(),
    "notice_hours": 24,
}
HEARD_FIELDS = {**SERVED_FIELDS, "hearing_at": (SERVED + timedelta(hours=40)).isoformat()}
ORDER_FIELDS = {
    **HEARD_FIELDS,
    "status": "order_made",
    "order_made_at": (SERVED + timedelta(hours=41)).isoformat(),
    "order_months": 3,
}


@pytest.mark.parametrize(
    ("step", "details", "current", "fields"),
    [
        (
            ClosureStepKind.NOTICE_SERVED,
            StepDetails(at=SERVED),
            {},
            ["authorised_by", "authorised_rank", "notice_served_how", "notice_served_on"],
        ),
        (
            ClosureStepKind.NOTICE_SERVED,
            StepDetails(),
            {},
            [
                "notice_served_at",
                "authorised_by",
                "authorised_rank",
                "notice_served_how",
                "notice_served_on",
            ],
        ),
        (
            ClosureStepKind.NOTICE_SERVED,
            StepDetails(**{**NOTICE.__dict__, "notice_hours": 48}),
            {},
            ["authorised_rank"],
        ),
        (
            ClosureStepKind.NOTICE_SERVED,
            StepDetails(**{**NOTICE.__dict__, "at": SERVED.replace(tzinfo=None)}),
            {},
            ["notice_served_at"],
        ),
        (
            ClosureStepKind.HEARING_LISTED,
            StepDetails(hearing_at=SERVED),
            {},
            ["notice_served_at", "court"],
        ),
        (ClosureStepKind.ADJOURNED, StepDetails(), SERVED_FIELDS, ["hearing_at", "hearing_at"]),
        (
            ClosureStepKind.ORDER_MADE,
            StepDetails(at=SERVED + timedelta(days=1), order_months=4),
            HEARD_FIELDS,
            ["order_months", "order_permits", "order_areas"],
        ),
        (ClosureStepKind.EXTENDED, StepDetails(), HEARD_FIELDS, ["status", "extended_until"]),
        (ClosureStepKind.DISCHARGED, StepDetails(at=SERVED), HEARD_FIELDS, ["status"]),
        (ClosureStepKind.APPEALED, StepDetails(at=SERVED), SERVED_FIELDS, ["status"]),
        (ClosureStepKind.REFUSED, StepDetails(), SERVED_FIELDS, ["hearing_at"]),
        # The facts must still add up: a hearing before the notice was served is refused.
        (
            ClosureStepKind.HEARING_LISTED,
            StepDetails(hearing_at=SERVED - timedelta(hours=1), court="Kirklees MC"),
            SERVED_FIELDS,
            ["closure"],
        ),
        # An extension past 6 months in total is refused.
        (
            ClosureStepKind.EXTENDED,
            StepDetails(extended_until=date(2027, 6, 1)),
            ORDER_FIELDS,
            ["closure"],
        ),
    ],
)
def test_a_step_missing_what_the_act_needs_is_refused_naming_the_fields(
    step: ClosureStepKind, details: StepDetails, current: dict[str, object], fields: list[str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        step_changes(step, details, current)
    assert [e.field for e in caught.value.errors] == fields
    assert "Khan" not in str(caught.value)
    assert "tenant" not in str(caught.value)


def test_a_served_notice_records_who_authorised_it_and_how_it_was_served() -> None:
    changes = step_changes(ClosureStepKind.NOTICE_SERVED, NOTICE, {})
    assert changes["status"] == "notice_served"
    assert changes["authorised_rank"] == "Inspector"
    assert changes["notice_served_how"] == "fixed_and_given"
    assert changes["notice_served_at"] == SERVED.isoformat()


def test_an_order_made_records_its_terms_and_an_adjournment_keeps_the_first_hearing() -> None:
    adjourned = step_changes(
        ClosureStepKind.ADJOURNED,
        StepDetails(hearing_at=SERVED + timedelta(days=7)),
        HEARD_FIELDS,
    )
    assert adjourned["first_hearing_at"] == HEARD_FIELDS["hearing_at"]
    assert adjourned["status"] == "adjourned"
    made = step_changes(
        ClosureStepKind.ORDER_MADE,
        StepDetails(
            at=SERVED + timedelta(days=7, hours=1),
            order_months=3,
            order_permits="The tenant; support workers by appointment",
            order_areas="The whole flat",
        ),
        {**HEARD_FIELDS, **adjourned},
    )
    assert made["status"] == "order_made"
    assert made["order_areas"] == "The whole flat"


@pytest.mark.parametrize(
    ("rank", "senior"),
    [
        ("Superintendent", True),
        ("Chief Superintendent", True),
        ("chief  executive's designate", True),
        ("Inspector", False),
        ("Chief Inspector", False),
        ("Head of Housing", False),
    ],
)
def test_only_senior_ranks_may_authorise_a_48_hour_notice(rank: str, senior: bool) -> None:
    assert is_senior_rank(rank) is senior
