"""Retention rules: parsing, every start event, records changed after the clock started."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date

import pytest

from fieldkit.domain.records import RecordType, validate_fields
from fieldkit.domain.retention import (
    EndAction,
    HeldRecord,
    RetentionRule,
    RetentionRulesError,
    StartEvent,
    add_months,
    anonymised_fields,
    clock_start,
    default_rules_folder,
    due_items,
    due_on,
    gather_events,
    load_rules,
    parse_rules,
)
from fieldkit.domain.vocabulary import Regime

CREATED = date(2020, 1, 10)
UPDATED = date(2021, 3, 5)
PERSON = "00000000-0000-4000-8000-000000000001"
PLACE = "00000000-0000-4000-8000-000000000002"
CASE = "00000000-0000-4000-8000-000000000003"


def held(
    record_type: RecordType, fields: Mapping[str, object], *, record_id: str = "r1"
) -> HeldRecord:
    return HeldRecord(record_type, record_id, fields, CREATED, UPDATED)


def rule(record_type: RecordType, start: StartEvent, months: int = 12) -> RetentionRule:
    return RetentionRule(record_type, Regime.LAW_ENFORCEMENT, months, start, EndAction.REVIEW)


def visit(day: str, *, people: list[str], place: str | None = None, vid: str = "v") -> HeldRecord:
    fields: dict[str, object] = {"occurred_at": f"{day}T10:00:00+00:00", "person_ids": people}
    if place:
        fields["place_id"] = place
    return held(RecordType.VISIT, fields, record_id=vid)


def case(status: str, closed_at: str | None = None) -> HeldRecord:
    fields: dict[str, object] = {"status": status}
    if closed_at:
        fields["closed_at"] = f"{closed_at}T09:00:00+00:00"
    return held(RecordType.TENANCY_CASE, fields, record_id=CASE)


@pytest.mark.parametrize(
    ("record", "start", "others", "expected"),
    [
        # recorded: the record's own date, else the day it was stored.
        (
            held(RecordType.VISIT, {"occurred_at": "2022-05-01T23:30:00+00:00"}),
            StartEvent.RECORDED,
            [],
            date(2022, 5, 1),
        ),
        (held(RecordType.VISIT, {}), StartEvent.RECORDED, [], CREATED),
        (held(RecordType.PLACE, {}), StartEvent.RECORDED, [], CREATED),
        (
            held(RecordType.TENANCY_NOTE, {"written_at": "2023-02-03T08:00:00+00:00"}),
            StartEvent.RECORDED,
            [],
            date(2023, 2, 3),
        ),
        # last_changed: the record's last change.
        (held(RecordType.SERVICE, {}), StartEvent.LAST_CHANGED, [], UPDATED),
        # last_visit: the latest visit naming the person.
        (
            held(RecordType.PERSON, {}, record_id=PERSON),
            StartEvent.LAST_VISIT,
            [visit("2022-01-01", people=[PERSON]), visit("2023-06-30", people=[PERSON], vid="w")],
            date(2023, 6, 30),
        ),
        # ... or at the place.
        (
            held(RecordType.PLACE, {}, record_id=PLACE),
            StartEvent.LAST_VISIT,
            [visit("2022-04-04", people=[], place=PLACE)],
            date(2022, 4, 4),
        ),
        # Never visited: from the day the person was recorded.
        (held(RecordType.PERSON, {}, record_id=PERSON), StartEvent.LAST_VISIT, [], CREATED),
        # A visit to someone else does not move the clock.
        (
            held(RecordType.PERSON, {}, record_id=PERSON),
            StartEvent.LAST_VISIT,
            [visit("2024-01-01", people=["someone-else"])],
            CREATED,
        ),
        # warning_ended: withdrawal, else expiry, else period end, else issue.
        (
            held(
                RecordType.WARNING,
                {
                    "status": "withdrawn",
                    "withdrawn_at": "2022-02-02T10:00:00+00:00",
                    "expires_at": "2023-01-01T00:00:00+00:00",
                },
            ),
            StartEvent.WARNING_ENDED,
            [],
            date(2022, 2, 2),
        ),
        (
            held(
                RecordType.WARNING,
                {
                    "status": "issued",
                    "issued_at": "2021-01-01T10:00:00+00:00",
                    "expires_at": "2022-01-01T10:00:00+00:00",
                },
            ),
            StartEvent.WARNING_ENDED,
            [],
            date(2022, 1, 1),
        ),
        (
            held(
                RecordType.WARNING,
                {
                    "status": "issued",
                    "issued_at": "2021-01-01T10:00:00+00:00",
                    "period_ends": "2021-07-01",
                },
            ),
            StartEvent.WARNING_ENDED,
            [],
            date(2021, 7, 1),
        ),
        (
            held(
                RecordType.WARNING, {"status": "issued", "issued_at": "2021-01-01T10:00:00+00:00"}
            ),
            StartEvent.WARNING_ENDED,
            [],
            date(2021, 1, 1),
        ),
        # case_closed: the case's own closure; not started while open.
        (case("closed", "2023-03-03"), StartEvent.CASE_CLOSED, [], date(2023, 3, 3)),
        (case("closed"), StartEvent.CASE_CLOSED, [], UPDATED),
        (case("open"), StartEvent.CASE_CLOSED, [], None),
        # A note's clock is its case's.
        (
            held(RecordType.TENANCY_NOTE, {"case_id": CASE, "written_at": "2020-02-02T00:00:00Z"}),
            StartEvent.CASE_CLOSED,
            [case("closed", "2024-04-04")],
            date(2024, 4, 4),
        ),
        (
            held(RecordType.CLOSURE, {"case_id": CASE}),
            StartEvent.CASE_CLOSED,
            [case("monitoring")],
            None,
        ),
        # A note whose case is not held starts from its own date.
        (
            held(RecordType.TENANCY_NOTE, {"case_id": CASE, "written_at": "2020-02-02T00:00:00Z"}),
            StartEvent.CASE_CLOSED,
            [],
            date(2020, 2, 2),
        ),
    ],
)
def test_each_start_event_starts_the_clock_on_its_day(
    record: HeldRecord, start: StartEvent, others: list[HeldRecord], expected: date | None
) -> None:
    events = gather_events([record, *others])
    assert clock_start(rule(record.type, start), record, events) == expected


@pytest.mark.parametrize(
    ("before", "after", "due_before", "due_after"),
    [
        # A new visit after the clock started restarts a person's clock.
        (
            [visit("2021-01-01", people=[PERSON])],
            [visit("2021-01-01", people=[PERSON]), visit("2022-06-01", people=[PERSON], vid="w")],
            date(2022, 1, 1),
            date(2023, 6, 1),
        ),
        # The visit that named them was corrected to leave them out: back to the earlier one.
        (
            [visit("2021-01-01", people=[PERSON]), visit("2022-06-01", people=[PERSON], vid="w")],
            [visit("2021-01-01", people=[PERSON]), visit("2022-06-01", people=[], vid="w")],
            date(2023, 6, 1),
            date(2022, 1, 1),
        ),
    ],
)
def test_a_person_changed_after_the_clock_started_is_due_from_the_new_start(
    before: list[HeldRecord], after: list[HeldRecord], due_before: date, due_after: date
) -> None:
    person = held(RecordType.PERSON, {}, record_id=PERSON)
    person_rule = rule(RecordType.PERSON, StartEvent.LAST_VISIT)
    assert due_on(person_rule, person, gather_events([person, *before])) == due_before
    assert due_on(person_rule, person, gather_events([person, *after])) == due_after


def test_a_reopened_case_stops_its_clock_and_its_notes_clocks() -> None:
    note = held(RecordType.TENANCY_NOTE, {"case_id": CASE}, record_id="n")
    closed = gather_events([case("closed", "2022-01-01"), note])
    reopened = gather_events([case("open"), note])
    note_rule = rule(RecordType.TENANCY_NOTE, StartEvent.CASE_CLOSED)
    assert due_on(note_rule, note, closed) == date(2023, 1, 1)
    assert due_on(note_rule, note, reopened) is None


def test_a_warning_extended_after_expiry_is_due_from_the_new_expiry() -> None:
    warning_rule = rule(RecordType.WARNING, StartEvent.WARNING_ENDED)
    first = held(RecordType.WARNING, {"expires_at": "2022-01-01T00:00:00+00:00"})
    extended = held(RecordType.WARNING, {"expires_at": "2023-01-01T00:00:00+00:00"})
    events = gather_events([])
    assert due_on(warning_rule, first, events) == date(2023, 1, 1)
    assert due_on(warning_rule, extended, events) == date(2024, 1, 1)


def test_a_kept_record_is_due_again_at_its_review_date_or_later_if_its_clock_moved() -> None:
    visit_rule = rule(RecordType.VISIT, StartEvent.RECORDED)
    record = visit("2020-01-01", people=[])
    events = gather_events([record])
    assert due_on(visit_rule, record, events) == date(2021, 1, 1)
    assert due_on(visit_rule, record, events, kept_until=date(2022, 5, 5)) == date(2022, 5, 5)
    assert due_on(visit_rule, record, events, kept_until=date(2020, 6, 6)) == date(2021, 1, 1)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2020, 1, 31), 1, date(2020, 2, 29)),
        (date(2021, 1, 31), 1, date(2021, 2, 28)),
        (date(2020, 3, 15), 72, date(2026, 3, 15)),
        (date(2020, 12, 1), 1, date(2021, 1, 1)),
        (date(2020, 2, 29), 12, date(2021, 2, 28)),
    ],
)
def test_months_are_added_calendar_wise(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_due_items_lists_only_what_is_due_by_the_day_earliest_first() -> None:
    rules = load_rules()
    old = held(RecordType.SIGNPOSTING, {"given_at": "2020-01-01T00:00:00+00:00"}, record_id="s1")
    older = held(RecordType.SIGNPOSTING, {"given_at": "2019-06-01T00:00:00+00:00"}, record_id="s0")
    recent = held(RecordType.SIGNPOSTING, {"given_at": "2024-01-01T00:00:00+00:00"}, record_id="s2")
    items = due_items([old, recent, older], rules, today=date(2021, 1, 1), kept_until={})
    assert [(i.id, i.due) for i in items] == [("s0", date(2020, 6, 1)), ("s1", date(2021, 1, 1))]
    assert items[0].rule.action is EndAction.DELETE
    kept = due_items([old], rules, today=date(2021, 1, 1), kept_until={"s1": date(2021, 6, 1)})
    assert kept == []


def test_the_shipped_rules_cover_every_type_with_its_regime() -> None:
    rules = load_rules()
    assert set(rules) == set(RecordType)
    assert rules[RecordType.TENANCY_CASE].regime is Regime.UK_GDPR
    assert rules[RecordType.VISIT].regime is Regime.LAW_ENFORCEMENT


def _rules_with(**change: object) -> bytes:
    document = json.loads((default_rules_folder() / "rules.json").read_bytes())
    document["rules"][0].update(change)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "not JSON"),
        (b'{"version": 2, "rules": []}', "version 1"),
        (b'{"version": 1, "rules": []}', "no rule for"),
        (_rules_with(months=0), "rule 1: months"),
        (_rules_with(months=True), "rule 1: months"),
        (_rules_with(start="birthday"), "rule 1: type, regime, start and action"),
        (_rules_with(colour="red"), "rule 1: unknown key 'colour'"),
        (_rules_with(anonymise_keeps=["shoe_size"]), "rule 1: person has no field 'shoe_size'"),
        (_rules_with(action="anonymise"), "rule 1: anonymising needs anonymise_keeps"),
        (_rules_with(anonymise_keeps=["flags"]), "rule 1: anonymise_keeps must keep required"),
    ],
)
def test_a_bad_rules_file_is_refused_naming_the_rule(data: bytes, message: str) -> None:
    with pytest.raises(RetentionRulesError, match=message):
        parse_rules(data)


def test_an_anonymised_visit_keeps_only_the_kept_fields_and_stays_valid() -> None:
    rules = load_rules()
    fields = validate_fields(
        "visit",
        {
            "occurred_at": "2020-01-01T13:45:00+00:00",
            "district": "huddersfield",
            "kind": "patrol",
            "officer_id": "PC 1234",
            "narrative": "Spoke to Zebedee about the bins",
            "person_ids": [PERSON],
        },
    )
    kept = anonymised_fields(rules[RecordType.VISIT], fields)
    assert "narrative" not in kept
    assert "person_ids" not in kept
    assert kept["occurred_at"] == "2020-01-01T00:00:00+00:00"
    assert kept["officer_id"] == "anonymised"
    validate_fields("visit", kept)
    with pytest.raises(ValueError, match="cannot be anonymised"):
        anonymised_fields(rules[RecordType.PERSON], {})


@pytest.mark.parametrize(
    ("kind", "regime"),
    [
        ("patrol", Regime.LAW_ENFORCEMENT),
        ("joint_visit", Regime.LAW_ENFORCEMENT),
        ("tenancy_visit", Regime.UK_GDPR),
    ],
)
def test_a_visits_regime_is_its_own_where_the_type_spans_both(kind: str, regime: Regime) -> None:
    rules = load_rules()
    assert rules[RecordType.VISIT].regime_of({"kind": kind}) is regime
    visit_on = held(RecordType.VISIT, {"kind": kind, "occurred_at": "2019-01-01T00:00:00Z"})
    [item] = due_items([visit_on], rules, today=date(2030, 1, 1), kept_until={})
    assert item.regime is regime


@pytest.mark.parametrize(
    ("regime_by", "message"),
    [
        ("kind", "regime_by must be an object"),
        ({"field": "shoe", "values": {}}, "regime_by names no field"),
        ({"field": "district", "values": {"rural": "martian"}}, "must be known regimes"),
    ],
)
def test_a_bad_regime_by_is_refused(regime_by: object, message: str) -> None:
    with pytest.raises(RetentionRulesError, match=message):
        parse_rules(_rules_with(regime_by=regime_by))
