"""Record validation: every bad field is named with a reason, and good input is normalised."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldkit.domain.postcode import normalise_postcode
from fieldkit.domain.records import ValidationError, validate_fields

BASE_VISIT = {
    "occurred_at": "2026-11-27T10:15:00+00:00",
    "district": "dewsbury_mirfield",
    "kind": "patrol",
    "officer_id": "amy",
}


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("hd1 2jn", "HD1 2JN"),
        ("HD12JN", "HD1 2JN"),
        ("  wf13   1aa ", "WF13 1AA"),
        ("BD19 3RH", "BD19 3RH"),
        ("ec1a 1bb", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("gir 0aa", "GIR 0AA"),
    ],
)
def test_postcodes_are_normalised(typed: str, normal: str) -> None:
    assert normalise_postcode(typed) == normal


@pytest.mark.parametrize("bad", ["", "HD1", "12345", "HD1 2J", "HDD1 2JN", "GIR 1AA", "HD1-2JN!"])
def test_non_postcodes_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="not a UK postcode"):
        normalise_postcode(bad)


@pytest.mark.parametrize(
    ("record_type", "fields", "field", "reason"),
    [
        ("visit", {**BASE_VISIT, "kind": "stroll"}, "kind", "must be one of"),
        ("visit", {**BASE_VISIT, "occurred_at": "2026-11-27T10:15"}, "occurred_at", "UTC offset"),
        ("visit", {**BASE_VISIT, "occurred_at": "yesterday"}, "occurred_at", "ISO 8601"),
        ("visit", {**BASE_VISIT, "district": "leeds"}, "district", "must be one of"),
        ("visit", {**BASE_VISIT, "categories": ["loitering"]}, "categories", "item 1"),
        ("visit", {**BASE_VISIT, "person_ids": ["nope"]}, "person_ids", "UUID"),
        ("visit", {**BASE_VISIT, "categories": "street_drinking"}, "categories", "must be a list"),
        ("visit", {**BASE_VISIT, "follow_up_due": "2026-02-30"}, "follow_up_due", "real date"),
        ("visit", {**BASE_VISIT, "narrative": "x" * 20_001}, "narrative", "longer than"),
        ("visit", {**BASE_VISIT, "narrative": "bell\x07"}, "narrative", "control characters"),
        ("visit", {**BASE_VISIT, "colour": "red"}, "colour", "unknown field"),
        ("visit", {k: v for k, v in BASE_VISIT.items() if k != "kind"}, "kind", "is required"),
        ("person", {"district": "rural"}, "given_name", "name or a description"),
        ("place", {"label": "x", "district": "rural", "postcode": "nowhere"}, "postcode", "UK"),
        ("place", {"label": "x", "district": "rural", "lat": 53.6}, "lon", "go together"),
        ("place", {"label": "x", "district": "rural", "lat": 91, "lon": 0}, "lat", "between"),
        ("place", {"label": "x", "district": "rural", "uprn": "12a"}, "uprn", "digits"),
        (
            "closure",
            {
                "case_id": "8d7c5b6e-7f4e-4b0e-9a53-0b7f1c2d3e4f",
                "district": "rural",
                "notice_hours": 36,
            },
            "notice_hours",
            "24 or 48",
        ),
        ("service", {"name": "Food bank", "website": "javascript:alert(1)"}, "website", "http"),
        (
            "signposting",
            {
                "person_id": "8d7c5b6e-7f4e-4b0e-9a53-0b7f1c2d3e4f",
                "given_at": "2026-11-27T10:00:00Z",
                "method": "leaflet",
                "district": "rural",
                "consent_to_referral": "yes",
            },
            "consent_to_referral",
            "true or false",
        ),
        ("gizmo", {}, "type", "unknown record type"),
    ],
)
def test_invalid_fields_are_named_with_a_reason(
    record_type: str, fields: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_fields(record_type, fields)
    assert any(e.field == field and reason in e.reason for e in caught.value.errors), (
        caught.value.errors
    )


def test_date_of_birth_after_the_callers_today_is_refused() -> None:
    fields = {"given_name": "A", "district": "rural", "date_of_birth": "2026-11-28"}
    with pytest.raises(ValidationError, match="future"):
        validate_fields("person", fields, today=date(2026, 11, 27))
    assert validate_fields("person", fields, today=date(2026, 11, 28))["date_of_birth"]


def test_every_bad_field_is_reported_not_just_the_first() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_fields("visit", {"kind": "stroll", "district": "leeds"})
    assert {e.field for e in caught.value.errors} >= {"kind", "district", "occurred_at"}


def test_error_messages_never_echo_the_offending_value() -> None:
    secret = "Jane Secretname lives at 4 Hidden Lane"
    with pytest.raises(ValidationError) as caught:
        validate_fields("place", {"label": "x", "district": "rural", "postcode": secret})
    assert "Secretname" not in str(caught.value)


@pytest.mark.parametrize("category", ["domestic_abuse", "hate_incident", "cse_concern"])
def test_visit_with_a_safeguarding_category_is_restricted(category: str) -> None:
    fields = validate_fields("visit", {**BASE_VISIT, "categories": ["noise", category]})
    assert fields["sensitivity"] == "restricted"


def test_ordinary_visit_is_standard_and_can_be_restricted_by_hand() -> None:
    assert validate_fields("visit", BASE_VISIT)["sensitivity"] == "standard"
    marked = validate_fields("visit", {**BASE_VISIT, "sensitivity": "restricted"})
    assert marked["sensitivity"] == "restricted"


def test_valid_visit_is_normalised() -> None:
    fields = validate_fields(
        "visit",
        {
            **BASE_VISIT,
            "occurred_at": "2026-07-01T23:30:00+01:00",
            "narrative": "  spoken to  ",
            "categories": ["noise", "noise", "asb_youth"],
            "person_ids": ["8D7C5B6E-7F4E-4B0E-9A53-0B7F1C2D3E4F"],
        },
    )
    assert fields["occurred_at"] == "2026-07-01T22:30:00+00:00"
    assert fields["narrative"] == "spoken to"
    assert fields["categories"] == ["noise", "asb_youth"]
    assert fields["person_ids"] == ["8d7c5b6e-7f4e-4b0e-9a53-0b7f1c2d3e4f"]
    assert fields["actions"] == []
    assert fields["follow_up_due"] is None


@given(
    st.dictionaries(
        st.text(max_size=12), st.none() | st.text() | st.integers() | st.lists(st.text())
    )
)
def test_validation_never_fails_with_anything_but_a_validation_error(
    fields: dict[str, object],
) -> None:
    try:
        validate_fields("visit", fields)
    except ValidationError as exc:
        errors = exc.errors
    else:
        errors = ()
    # Random dictionaries never make a whole visit, so every one is refused with reasons.
    assert errors
