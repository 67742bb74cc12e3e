"""Record validation: every bad field is named with a reason, and good input is normalised."""

from __future__ import annotations

import json
import math
import uuid
from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tests.extreme_values import VALID, hostile_records, to_json

from fieldkit.domain.postcode import normalise_postcode
from fieldkit.domain.records import (
    SPECS,
    FieldKind,
    FieldSpec,
    RecordType,
    ValidationError,
    normalise_id,
    validate_fields,
)

NUMERIC = (FieldKind.INT, FieldKind.FLOAT)
DATED = (FieldKind.DATE, FieldKind.DATETIME)

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


PLACE = {"label": "x", "district": "rural"}
CLOSURE = {"case_id": "8d7c5b6e-7f4e-4b0e-9a53-0b7f1c2d3e4f", "district": "rural"}


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
        (["visit"], {}, "type", "unknown record type"),  # a JSON value no type name could be
        ("place", {**PLACE, "lat": 10**400, "lon": 0}, "lat", "between -90 and 90"),
        ("place", {**PLACE, "lat": 0, "lon": -(10**400)}, "lon", "between -180 and 180"),
        ("place", {**PLACE, "lat": 1e308, "lon": 0}, "lat", "between"),
        ("place", {**PLACE, "lat": float("nan"), "lon": 0}, "lat", "finite"),
        ("place", {**PLACE, "lat": 0, "lon": float("-inf")}, "lon", "finite"),
        ("closure", {**CLOSURE, "order_months": 10**400}, "order_months", "between 1 and 3"),
        ("closure", {**CLOSURE, "order_months": 1e308}, "order_months", "between 1 and 3"),
        ("closure", {**CLOSURE, "order_months": 2.5}, "order_months", "whole number"),
        ("closure", {**CLOSURE, "order_months": float("nan")}, "order_months", "finite"),
        ("closure", {**CLOSURE, "notice_hours": -(10**4000)}, "notice_hours", "between 24"),
        (
            "visit",
            {**BASE_VISIT, "occurred_at": "0001-01-01T00:00:00+01:00"},
            "occurred_at",
            "1900",
        ),
        (
            "visit",
            {**BASE_VISIT, "occurred_at": "9999-12-31T23:59:59-01:00"},
            "occurred_at",
            "2200",
        ),
        (
            "visit",
            {**BASE_VISIT, "occurred_at": "1899-12-31T23:00:00-00:30"},
            "occurred_at",
            "1900",
        ),
        ("visit", {**BASE_VISIT, "occurred_at": "2026-06-30T23:59:60+00:00"}, "occurred_at", "ISO"),
        ("visit", {**BASE_VISIT, "follow_up_due": "9999-12-31"}, "follow_up_due", "2200"),
        ("visit", {**BASE_VISIT, "follow_up_due": "0001-01-01"}, "follow_up_due", "1900"),
        (
            "visit",
            {**BASE_VISIT, "follow_up_due": "\u0662\u0660\u0662\u0666-01-01"},
            "follow_up_due",
            "YYYY",
        ),
        (
            "person",
            {"district": "rural", "given_name": "A", "date_of_birth": "1899-12-31"},
            "date_of_birth",
            "1900",
        ),
        ("visit", {**BASE_VISIT, "narrative": "lone \ud800 half"}, "narrative", "surrogate"),
        ("visit", {**BASE_VISIT, "narrative": "nul\x00byte"}, "narrative", "control characters"),
        ("visit", {**BASE_VISIT, "actions": ["ok", "\udfff"]}, "actions", "item 2"),
        (
            "service",
            {"name": "Food bank", "website": "https://x.org/\ud800"},
            "website",
            "surrogate",
        ),
        ("visit", {**BASE_VISIT, "Jane Doe, 4 Hidden Lane": 1}, "fields", "field name"),
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


@pytest.mark.parametrize(
    ("record_type", "fields", "field", "normal"),
    [
        ("visit", {**BASE_VISIT, "occurred_at": "1900-01-01T00:00:00+00:00"}, "occurred_at", None),
        ("visit", {**BASE_VISIT, "occurred_at": "2200-12-31T23:59:59+00:00"}, "occurred_at", None),
        (
            "visit",
            {**BASE_VISIT, "occurred_at": "2026-11-27T00:30:00+23:59"},
            "occurred_at",
            "2026-11-26T00:31:00+00:00",
        ),
        ("visit", {**BASE_VISIT, "follow_up_due": "2200-12-31"}, "follow_up_due", "2200-12-31"),
        ("place", {**PLACE, "lat": -0.0, "lon": 180}, "lat", 0.0),
        ("place", {**PLACE, "lat": 90, "lon": -180}, "lon", -180.0),
        ("closure", {**CLOSURE, "order_months": 3.0}, "order_months", 3),
        (
            "visit",
            {**BASE_VISIT, "narrative": "\U0001f600 paired"},
            "narrative",
            "\U0001f600 paired",
        ),
    ],
)
def test_values_at_the_edges_of_their_ranges_are_accepted(
    record_type: str, fields: dict[str, object], field: str, normal: object
) -> None:
    value = validate_fields(record_type, fields)[field]
    assert value == (fields[field] if normal is None else normal)
    assert type(value) is type(fields[field] if normal is None else normal)


def test_every_number_field_declares_its_range() -> None:
    numbers = [f for spec in SPECS.values() for f in spec.fields if f.kind in NUMERIC]
    assert numbers
    assert all(f.low is not None and f.high is not None for f in numbers)
    with pytest.raises(TypeError, match="bounds"):
        FieldSpec("count", FieldKind.INT)


@settings(max_examples=300, deadline=None)
@given(hostile_records())
def test_hostile_values_in_any_field_of_any_record_are_named_never_crash_or_echo(
    case: tuple[RecordType, str, dict[str, object]],
) -> None:
    record_type, field, fields = case
    try:
        fields = json.loads(to_json(fields))
    except ValueError:
        assume(False)  # a literal Python will not read: the readers refuse it before this point
    try:
        normal = validate_fields(record_type, fields)
    except ValidationError as exc:
        errors, shown = exc.errors, str(exc)
    else:
        errors, shown = (), ""
    if errors:
        assert all(e.field in SPECS[record_type].by_name for e in errors)
        value = fields[field]
        if isinstance(value, str) and len(value.strip()) > 3:
            assert value.strip() not in shown
        assert "\x00" not in shown
        assert not any("\ud800" <= c <= "\udfff" for c in shown)
        return
    # Accepted: then it is within what the field means, and survives a round trip.
    value = normal[field]
    if isinstance(value, float):
        assert math.isfinite(value)
    if isinstance(value, str) and SPECS[record_type].by_name[field].kind in DATED:
        assert "1900" <= value[:4] <= "2200"
    assert json.loads(json.dumps(normal, allow_nan=False)) == normal


@pytest.mark.parametrize("record_type", sorted(SPECS))
def test_the_bad_input_tests_start_from_a_valid_record_of_every_type(
    record_type: RecordType,
) -> None:
    assert validate_fields(record_type, VALID[record_type])


@pytest.mark.parametrize(
    "typed",
    [
        "7a1f0c1e-0000-4000-8000-000000000001",
        "7A1F0C1E-0000-4000-8000-000000000001",
        "{7a1f0c1e-0000-4000-8000-000000000001}",
        "urn:uuid:7a1f0c1e-0000-4000-8000-000000000001",
        "7a1f0c1e000040008000000000000001",
    ],
)
def test_an_id_is_made_canonical_whichever_way_it_was_spelt(typed: str) -> None:
    assert normalise_id(typed) == str(uuid.UUID(typed)) == "7a1f0c1e-0000-4000-8000-000000000001"


@pytest.mark.parametrize(
    "typed",
    [
        "7a1f0c1e-0000-4000-8000-00000000000",
        "7a1f0c1e-0000-4000-8000-0000000000012",
        "7a1f0c1e-0000-4000-8000-00000000000g",
        "7a1f0c1e-0000-4000-8000-000000000001\n",
        "",
    ],
)
def test_an_id_that_is_not_a_uuid_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="must be a UUID"):
        normalise_id(typed)
