"""The referral rules: consent, a partner's answer, and the response clock."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fieldkit.domain.records import ValidationError, validate_fields
from fieldkit.domain.referrals import (
    DEFAULT_RESPONSE_DAYS,
    ReferralSettingsError,
    is_overdue,
    load_response_days,
    parse_response_days,
    referral_problems,
    respond_by,
)
from fieldkit.domain.working_days import BankHolidays

_SOME_ID = "0b6f3b43-6f0e-4c39-9d3c-2f7a1f9f8c11"
HOLIDAYS = BankHolidays(2026, 2027, frozenset({date(2026, 12, 25), date(2026, 12, 28)}))


def _referral(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "source_type": "visit",
        "source_id": _SOME_ID,
        "person_id": _SOME_ID,
        "district": "huddersfield",
        "to_agency": "voluntary",
        "reason": "Would welcome a befriender",
        "consent": "given",
        "referred_by": "olive",
        "sent_at": "2026-12-01T10:00:00+00:00",
    }
    fields.update(overrides)
    return fields


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({}, None),
        ({"consent": "refused"}, "lawful_exception"),
        ({"consent": "refused", "lawful_exception": "safeguarding"}, None),
        ({"consent": "not_asked"}, None),
        ({"to_agency": None}, "to_agency"),
        ({"to_agency": None, "to_service_id": _SOME_ID}, None),
        ({"status": "declined"}, "decline_reason"),
        ({"status": "declined", "decline_reason": "No capacity this month"}, None),
        ({"status": "outcome_recorded"}, "outcome"),
        ({"status": "accepted"}, None),
    ],
)
def test_a_referral_is_refused_until_consent_or_an_exception_and_its_answer_add_up(
    overrides: dict[str, Any], problem: str | None
) -> None:
    fields = _referral(**overrides)
    assert [name for name, _ in referral_problems(fields)] == ([problem] if problem else [])
    if problem is None:
        validate_fields("referral", fields)
    else:
        with pytest.raises(ValidationError) as caught:
            validate_fields("referral", fields)
        assert [e.field for e in caught.value.errors] == [problem]
        assert "befriender" not in str(caught.value)


@pytest.mark.parametrize(
    ("sent", "days", "due"),
    [
        (date(2026, 12, 1), 5, date(2026, 12, 8)),  # Tuesday to the next Tuesday
        (date(2026, 12, 18), 5, date(2026, 12, 29)),  # over Christmas Day and the substitute day
        (date(2026, 12, 4), 0, date(2026, 12, 4)),
        (date(2026, 12, 4), 1, date(2026, 12, 7)),  # Friday: the next working day is Monday
    ],
)
def test_a_partner_has_working_days_to_answer(sent: date, days: int, due: date) -> None:
    assert respond_by(sent, HOLIDAYS, days) == due


@pytest.mark.parametrize(
    ("status", "due", "today", "overdue"),
    [
        ("sent", "2026-12-08", date(2026, 12, 8), False),
        ("sent", "2026-12-08", date(2026, 12, 9), True),
        ("accepted", "2026-12-08", date(2026, 12, 9), False),
        ("sent", None, date(2026, 12, 9), False),
    ],
)
def test_only_an_unanswered_referral_past_its_day_is_overdue(
    status: str, due: str | None, today: date, overdue: bool
) -> None:
    assert is_overdue(status, due, today) is overdue


@pytest.mark.parametrize(
    ("data", "days"),
    [
        ({"response_working_days": 5}, 5),
        ({"response_working_days": 10}, 10),
        ({"response_working_days": 1}, 1),
        ({"response_working_days": 60}, 60),
        ({}, DEFAULT_RESPONSE_DAYS),
    ],
)
def test_the_partnership_sets_the_response_clock_in_working_days(
    data: dict[str, Any], days: int
) -> None:
    assert parse_response_days(data, source="settings.json") == days


@pytest.mark.parametrize(
    "data",
    [
        {"response_working_days": 0},
        {"response_working_days": 61},
        {"response_working_days": "5"},
        {"response_working_days": 2.5},
        {"response_working_days": True},
        [5],
    ],
)
def test_a_bad_response_clock_setting_is_named(data: object) -> None:
    with pytest.raises(ReferralSettingsError, match=r"settings.json"):
        parse_response_days(data, source="settings.json")


def test_the_shipped_response_clock_is_five_working_days_and_a_file_can_change_it(
    tmp_path: Path,
) -> None:
    assert load_response_days() == 5
    assert load_response_days(tmp_path / "absent.json") == DEFAULT_RESPONSE_DAYS
    setting = tmp_path / "settings.json"
    setting.write_text('{"response_working_days": 10}', encoding="utf-8")
    assert load_response_days(setting) == 10
    setting.write_text("{not json", encoding="utf-8")
    with pytest.raises(ReferralSettingsError, match="cannot be read"):
        load_response_days(setting)
