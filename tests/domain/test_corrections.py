"""Corrections rules, table-tested: when a reason is owed, editor text, versions, tombstones."""

from __future__ import annotations

import pytest

from fieldkit.domain.corrections import (
    Note,
    State,
    checked_reason,
    editable_fields,
    field_text,
    reason_required,
    text_value,
    tombstone_fields,
    versions,
)
from fieldkit.domain.records import SPECS, RecordType, ValidationError


@pytest.mark.parametrize(
    ("record_type", "changed", "required"),
    [
        (RecordType.PERSON, ["description"], True),
        (RecordType.PERSON, ["flags"], True),
        (RecordType.DOCUMENT, ["printed_at"], True),
        (RecordType.WARNING, ["status"], True),
        (RecordType.WARNING, ["conditions"], False),
        (RecordType.VISIT, ["narrative"], False),
        (RecordType.PLACE, ["label"], False),
        (RecordType.VISIT, ["sensitivity"], True),
        (RecordType.VISIT, ["categories"], True),
        (RecordType.SIGNPOSTING, ["visit_id"], True),
        (RecordType.TENANCY_NOTE, ["case_id"], True),
        (RecordType.TENANCY_CASE, ["sensitivity"], True),
        (RecordType.TENANCY_CASE, ["landlord"], False),
    ],
)
def test_a_reason_is_owed_for_rectification_withdrawal_served_documents_and_restriction(
    record_type: RecordType, changed: list[str], required: bool
) -> None:
    assert reason_required(record_type, changed) is required


@pytest.mark.parametrize(
    ("given", "required", "kept"),
    [
        ("  typo  in   name ", True, "typo in name"),
        ("", False, None),
        (None, False, None),
    ],
)
def test_a_reason_is_kept_trimmed(given: str | None, required: bool, kept: str | None) -> None:
    assert checked_reason(given, required=required) == kept


@pytest.mark.parametrize("given", ["", "   ", None, "x" * 501])
def test_a_missing_or_overlong_reason_is_refused_naming_the_reason(given: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        checked_reason(given, required=True)
    assert [e.field for e in caught.value.errors] == ["reason"]


VISIT = SPECS[RecordType.VISIT].by_name
PERSON = SPECS[RecordType.PERSON].by_name


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        (PERSON["aliases"], "Zed; Zee ;", ["Zed", "Zee"]),
        (PERSON["aliases"], "", []),
        (PERSON["date_of_birth"], " 1988-04-12 ", "1988-04-12"),
        (PERSON["description"], "", None),
        (VISIT["narrative"], "Moved on.\n", "Moved on.\n"),
    ],
)
def test_editor_text_becomes_the_fields_value(field: object, text: str, value: object) -> None:
    assert text_value(field, text) == value  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        (PERSON["aliases"], ["Zed", "Zee"], "Zed; Zee"),
        (PERSON["aliases"], None, ""),
        (PERSON["date_of_birth"], "1988-04-12", "1988-04-12"),
    ],
)
def test_a_value_shows_as_editor_text(field: object, value: object, text: str) -> None:
    assert field_text(field, value) == text  # type: ignore[arg-type]


def test_links_to_other_records_are_not_typed_in_the_editor() -> None:
    names = {f.name for f in editable_fields(RecordType.VISIT)}
    assert "narrative" in names
    assert "person_ids" not in names
    assert "place_id" not in names


def test_a_tombstone_keeps_only_its_scope() -> None:
    kept = tombstone_fields(
        RecordType.PERSON,
        {"given_name": "Zoë", "district": "huddersfield", "date_of_birth": "1988-04-12"},
    )
    assert {k: v for k, v in kept.items() if v is not None} == {"district": "huddersfield"}
    assert set(kept) == set(PERSON)


def test_versions_pair_each_state_with_its_note_oldest_first() -> None:
    states = [
        State("h1", {"narrative": "a"}),
        State("h2", {"narrative": "b"}),
        State("h2", {"narrative": "b"}),  # a pull that changed nothing visible
        State("h3", {"narrative": "c"}),
    ]
    notes = [
        Note("h3", "update", "t3", "sue", "why"),
        Note("h1", "create", "t1", "amy", None),
    ]
    found = versions(states, notes)
    assert [(v.version, v.by, v.reason, v.fields["narrative"]) for v in found] == [
        (1, "amy", None, "a"),
        (2, None, None, "b"),
        (3, "sue", "why", "c"),
    ]


def test_an_erased_record_has_one_empty_version() -> None:
    [only] = versions([State("h9", {}, deleted=True)], [Note("h9", "delete", "t", "amy", "r")])
    assert (only.deleted, only.fields, only.reason) == (True, {}, "r")
