"""ASB case rules: references allocated offline, review and action clocks."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from fieldkit.domain.asb import (
    REFERENCE,
    action_clock,
    action_order,
    case_reference,
    device_code,
    review_overdue,
    to_discuss,
)
from fieldkit.domain.records import ValidationError, validate_fields

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("district", "year", "number", "expected"),
    [
        ("huddersfield", 2026, 1, "HUD-2026-4B7Q2M-0001"),
        ("batley_spen", 2026, 42, "BS-2026-4B7Q2M-0042"),
        ("dewsbury_mirfield", 2027, 9999, "DM-2027-4B7Q2M-9999"),
        ("rural", 2026, 12345, "RUR-2026-4B7Q2M-12345"),
    ],
)
def test_a_reference_reads_district_year_device_and_number(
    district: str, year: int, number: int, expected: str
) -> None:
    reference = case_reference(district=district, year=year, device="4B7Q2M", number=number)
    assert reference == expected
    assert REFERENCE.match(reference)


@pytest.mark.parametrize(
    ("district", "year", "number", "problem"),
    [
        ("leeds", 2026, 1, "not a valid District"),
        ("rural", 1899, 1, "year out of range"),
        ("rural", 2026, 0, "case number out of range"),
        ("rural", 2026, 100_000, "case number out of range"),
    ],
)
def test_a_reference_out_of_range_is_refused(
    district: str, year: int, number: int, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        case_reference(district=district, year=year, device="4B7Q2M", number=number)


def test_device_codes_come_from_the_vault_id_and_avoid_confusable_letters() -> None:
    vault = "21f7b3c4-0000-4000-8000-000000000000"
    assert device_code(vault) == device_code(vault)
    codes = {device_code(str(uuid.UUID(int=n << 98))) for n in range(1, 33)}
    assert len(codes) == 32
    assert not any(set(code) & set("ILOU") for code in codes)


def test_two_vaults_differing_in_their_leading_bits_never_share_a_code() -> None:
    first = device_code(str(uuid.UUID(int=1 << 98)))
    second = device_code(str(uuid.UUID(int=2 << 98)))
    assert first != second


@pytest.mark.parametrize(
    ("fields", "overdue"),
    [
        ({"status": "open", "next_review_on": "2026-03-09"}, True),
        ({"status": "monitoring", "next_review_on": "2026-03-09"}, True),
        ({"status": "open", "next_review_on": "2026-03-10"}, False),
        ({"status": "closed", "next_review_on": "2026-03-01"}, False),
        ({"status": "open", "next_review_on": None}, False),
    ],
)
def test_a_case_is_overdue_for_review_past_its_date_until_closed(
    fields: dict[str, object], overdue: bool
) -> None:
    assert review_overdue(fields, today=TODAY) is overdue


@pytest.mark.parametrize(
    ("fields", "overdue", "days", "rank"),
    [
        ({"status": "open", "due_on": "2026-03-09"}, True, -1, 0),
        ({"status": "open", "due_on": "2026-03-10"}, False, 0, 1),
        ({"status": "open", "due_on": "2026-03-20"}, False, 10, 1),
        ({"status": "open", "due_on": None}, False, None, 2),
        ({"status": "done", "due_on": "2026-03-01"}, None, None, 3),
        ({"status": "cancelled", "due_on": "2026-03-01"}, None, None, 3),
    ],
)
def test_an_open_action_runs_a_clock_and_overdue_ones_sort_first(
    fields: dict[str, object], overdue: bool | None, days: int | None, rank: int
) -> None:
    clock = action_clock(fields, today=TODAY)
    if overdue is None:
        assert clock is None
    else:
        assert clock is not None
        assert (clock.overdue, clock.days) == (overdue, days)
    assert action_order(fields, today=TODAY)[0] == rank


_CASE = {
    "reference": "HUD-2026-4B7Q2M-0001",
    "title": "Noise from flat 3",
    "category": "nuisance",
    "owner": "alex",
    "opened_on": "2026-03-01",
    "district": "huddersfield",
}


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"status": "closed", "closed_on": "2026-03-05"}, "outcome", "say how the case ended"),
        ({"status": "closed", "outcome": "Resolved."}, "closed_on", "needs the date it closed"),
        (
            {"status": "closed", "outcome": "Resolved.", "closed_on": "2026-02-01"},
            "closed_on",
            "must not be before opened_on",
        ),
        ({"category": "loud"}, "category", "must be one of"),
    ],
)
def test_a_case_that_does_not_add_up_is_refused_naming_the_field(
    changes: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_fields("asb_case", {**_CASE, **changes})
    assert any(e.field == field and reason in e.reason for e in caught.value.errors)


def test_an_action_must_be_given_to_someone() -> None:
    with pytest.raises(ValidationError, match="assign the action to a user or an agency"):
        validate_fields(
            "asb_action",
            {"case_id": str(uuid.uuid4()), "what": "Letter drop", "district": "rural"},
        )


@pytest.mark.parametrize(
    ("status", "high_risk", "overdue_actions", "review_late", "discussed"),
    [
        ("open", False, 0, False, False),
        ("open", True, 0, False, True),
        ("open", False, 2, False, True),
        ("open", False, 0, True, True),
        ("closed", True, 3, True, False),
        (None, True, 0, False, True),
    ],
    ids=["quiet", "high-risk", "behind-on-actions", "review-late", "closed", "no-status"],
)
def test_a_group_discusses_open_cases_that_are_high_risk_behind_or_late_for_review(
    status: str | None, high_risk: bool, overdue_actions: int, review_late: bool, discussed: bool
) -> None:
    assert (
        to_discuss(
            status=status,
            high_risk=high_risk,
            overdue_actions=overdue_actions,
            review_overdue=review_late,
        )
        is discussed
    )
