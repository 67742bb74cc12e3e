"""The problem-solving group meeting's rules: attendees, the agenda, when a meeting is held."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldkit.domain.meeting import (
    ActionFact,
    AgendaSection,
    Attendee,
    action_line,
    attendee_item,
    build_agenda,
    held_refusal,
    parse_attendee,
)
from fieldkit.domain.records import ValidationError, validate_fields

DAY = date(2026, 12, 3)
_ID = "0b4ef1c2-5d0a-4c7e-9f51-3a2b1c0d9e8f"


def _action(action_id: str, due: date | None, *, meeting: str | None = None) -> ActionFact:
    return ActionFact(action_id, "Letter drop", "sam", "", due, meeting, "")


_NAMES = (
    st.text(
        alphabet=st.characters(blacklist_characters="|", blacklist_categories=("Cc", "Cs")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@given(name=_NAMES, agency=_NAMES | st.just(""))
def test_an_attendee_reads_back_as_written(name: str, agency: str) -> None:
    assert parse_attendee(attendee_item(Attendee(name, agency))) == Attendee(name, agency)


@pytest.mark.parametrize(
    ("attendee", "problem"),
    [
        (Attendee(" ", "Police"), "needs a name"),
        (Attendee("Jo | Bloggs", "Police"), "may not contain"),
        (Attendee("Jo Bloggs", "Police | Fire"), "may not contain"),
    ],
)
def test_an_attendee_without_a_name_or_with_the_separator_is_refused(
    attendee: Attendee, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem) as refused:
        attendee_item(attendee)
    assert "Bloggs" not in str(refused.value)


@pytest.mark.parametrize(
    ("action", "line"),
    [
        (
            ActionFact("a", "Diary sheets", "sam", "Police", date(2026, 11, 30), None, "HUD-1"),
            "HUD-1: Diary sheets — sam and Police, due 2026-11-30 (3 days overdue)",
        ),
        (
            ActionFact("a", "Letter drop", "", "Council", date(2026, 12, 2), "m", ""),
            "Letter drop — Council, due 2026-12-02 (1 day overdue)",
        ),
        (ActionFact("a", "Mediation", "sam", "", DAY, "m", ""), "Mediation — sam, due 2026-12-03"),
        (ActionFact("a", "Mediation", "", "", None, "m", ""), "Mediation — no one"),
    ],
)
def test_an_action_reads_as_what_who_and_how_late(action: ActionFact, line: str) -> None:
    assert action_line(action, today=DAY) == line


def test_the_agenda_starts_from_carried_actions_and_lists_an_overdue_one_once() -> None:
    carried = [_action("b", date(2026, 12, 20), meeting="m1"), _action("a", date(2026, 11, 1))]
    overdue = [_action("a", date(2026, 11, 1)), _action("c", date(2026, 11, 20))]
    agenda = build_agenda(
        today=DAY,
        carried=carried,
        overdue=overdue,
        high_risk_cases=[("case-1", "HUD-1 Noise")],
        hotspots=[("place-1", "Greenhead Park: 9 visits")],
        early_warning=[("person", "p-1", "Sam Example (Person): rising")],
    )
    assert [s for s, _ in agenda.sections] == list(AgendaSection)
    assert [i.record_id for i in agenda.items(AgendaSection.CARRIED_ACTIONS)] == ["a", "b"]
    assert [i.record_id for i in agenda.items(AgendaSection.OVERDUE_ACTIONS)] == ["c"]
    assert agenda.items(AgendaSection.REFERRALS) == ()
    assert agenda.lines()[0].startswith("Open actions from the last meeting: Letter drop")
    assert ("person", "p-1") in agenda.named


@pytest.mark.parametrize(
    ("held_on", "attendees", "refusal"),
    [
        (date(2026, 12, 4), ["Priya"], "before its day"),
        (DAY, [], "who attended"),
        (DAY, ["Priya"], None),
        (date(2026, 11, 26), ["Priya"], None),
    ],
)
def test_a_meeting_is_held_on_or_after_its_day_with_attendees(
    held_on: date, attendees: list[str], refusal: str | None
) -> None:
    found = held_refusal(held_on=held_on, today=DAY, attendees=attendees)
    assert (found is None) if refusal is None else (found is not None and refusal in found)


@pytest.mark.parametrize(
    ("record_type", "fields", "problem"),
    [
        ("asb_action", {"what": "Patrol", "assignee": "dan", "district": "rural"}, "case_id"),
        ("meeting", {"district": "rural", "held_on": "2026-12-03", "chair": "sue",
                     "status": "held"}, "attendees"),
    ],
)  # fmt: skip
def test_an_action_needs_a_case_or_meeting_and_a_held_meeting_its_attendees(
    record_type: str, fields: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_fields(record_type, fields)
    assert [e.field for e in refused.value.errors] == [problem]


def test_an_action_decided_at_a_meeting_needs_no_case() -> None:
    fields = validate_fields(
        "asb_action",
        {"what": "Patrol", "assignee": "dan", "district": "rural", "meeting_id": _ID},
    )
    assert fields["case_id"] is None
    assert fields["meeting_id"] == _ID
