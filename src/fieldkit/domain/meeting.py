"""The district problem-solving group meeting: attendees, the agenda from the live picture."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from fieldkit.domain.vocabulary import Vocabulary, define_words


class MeetingStatus(Vocabulary):
    """Where a problem-solving group meeting stands."""

    PLANNED = "planned"
    HELD = "held"


define_words(
    MeetingStatus,
    {MeetingStatus.PLANNED: "Planned", MeetingStatus.HELD: "Held"},
    {
        MeetingStatus.PLANNED: "The agenda is built from the live picture until it is held.",
        MeetingStatus.HELD: "Attendees, decisions and actions are on record; minutes can be made.",
    },
)

#: Between an attendee's name and their agency in the stored list (neither may contain it).
ATTENDEE_SEPARATOR: Final = " | "


@dataclass(frozen=True)
class Attendee:
    """Someone at the meeting, and the agency they came for."""

    name: str
    agency: str

    @property
    def line(self) -> str:
        """The attendee as minutes name them."""
        return f"{self.name} ({self.agency})" if self.agency else self.name


def attendee_item(attendee: Attendee) -> str:
    """An attendee as the meeting record stores them: ``name | agency``.

    Raises:
        ValueError: no name, or a ``|`` in the name or the agency (the message quotes neither).
    """
    name, agency = attendee.name.strip(), attendee.agency.strip()
    if not name:
        raise ValueError("an attendee needs a name")
    if "|" in name or "|" in agency:
        raise ValueError("an attendee's name or agency may not contain |")
    return f"{name}{ATTENDEE_SEPARATOR}{agency}" if agency else name


def parse_attendee(item: str) -> Attendee:
    """An attendee from the stored ``name | agency`` (an item without an agency is a name)."""
    name, _, agency = item.partition(ATTENDEE_SEPARATOR)
    return Attendee(name.strip(), agency.strip())


class AgendaSection(Vocabulary):
    """The parts of a meeting's agenda, in the order the meeting takes them."""

    CARRIED_ACTIONS = "carried_actions"
    OVERDUE_ACTIONS = "overdue_actions"
    HIGH_RISK_CASES = "high_risk_cases"
    HOTSPOTS = "hotspots"
    EARLY_WARNING = "early_warning"
    REFERRALS = "referrals"


define_words(
    AgendaSection,
    {
        AgendaSection.CARRIED_ACTIONS: "Open actions from the last meeting",
        AgendaSection.OVERDUE_ACTIONS: "Overdue actions",
        AgendaSection.HIGH_RISK_CASES: "Open high-risk ASB cases",
        AgendaSection.HOTSPOTS: "Hotspots",
        AgendaSection.EARLY_WARNING: "Early warning: people and places",
        AgendaSection.REFERRALS: "Referrals waiting",
    },
)


@dataclass(frozen=True)
class AgendaItem:
    """One line of the agenda, and the record it is about (if any)."""

    text: str
    record_type: str = ""
    record_id: str = ""


@dataclass(frozen=True)
class Agenda:
    """A meeting's agenda: its sections in order, each with its items (empty sections kept)."""

    sections: tuple[tuple[AgendaSection, tuple[AgendaItem, ...]], ...]

    def lines(self, *, limit: int = 200) -> list[str]:
        """The agenda as the meeting record keeps it: "Section: item" lines, at most ``limit``."""
        out = [
            f"{section.label}: {item.text}" for section, items in self.sections for item in items
        ]
        return out[:limit]

    def items(self, section: AgendaSection) -> tuple[AgendaItem, ...]:
        """The items of one section (none if it is not on this agenda)."""
        return next((items for s, items in self.sections if s is section), ())

    @property
    def named(self) -> tuple[tuple[str, str], ...]:
        """Each record the agenda names, once, as (type, id): showing it is a consultation."""
        seen = dict.fromkeys(
            (i.record_type, i.record_id)
            for _, items in self.sections
            for i in items
            if i.record_type and i.record_id
        )
        return tuple(seen)


@dataclass(frozen=True)
class ActionFact:
    """An open action as the agenda needs it."""

    id: str
    what: str
    assignee: str
    agency: str
    due_on: date | None
    meeting_id: str | None
    case_reference: str


def action_line(action: ActionFact, *, today: date) -> str:
    """An action in a line: what, who, and when it is (or was) due."""
    who = " and ".join(w for w in (action.assignee, action.agency) if w) or "no one"
    due = ""
    if action.due_on is not None:
        late = (today - action.due_on).days
        due = f", due {action.due_on.isoformat()}" + (
            f" ({late} day{'s' if late != 1 else ''} overdue)" if late > 0 else ""
        )
    about = f"{action.case_reference}: " if action.case_reference else ""
    return f"{about}{action.what} — {who}{due}"


def build_agenda(
    *,
    today: date,
    carried: Sequence[ActionFact],
    overdue: Sequence[ActionFact],
    high_risk_cases: Iterable[tuple[str, str]],
    hotspots: Iterable[tuple[str, str]],
    early_warning: Iterable[tuple[str, str, str]],
    referrals: Iterable[tuple[str, str]] = (),
) -> Agenda:
    """The agenda from the district's live picture, starting from the last meeting's actions.

    An overdue action already carried from the last meeting is listed once, with the carried
    ones. Every section is kept, empty or not, so the meeting can say "nothing overdue".

    Args:
        today: the meeting's day, for how overdue an action is.
        carried: the last meeting's actions still open.
        overdue: the district's open actions past their due day.
        high_risk_cases: (case id, line) for each open high-risk case.
        hotspots: (place id, line) for each hotspot.
        early_warning: (record type, id, line) for each person or place rising.
        referrals: (referral id, line) for each referral waiting for an answer.
    """
    carried_ids = {a.id for a in carried}
    return Agenda(
        (
            (
                AgendaSection.CARRIED_ACTIONS,
                tuple(_action_item(a, today) for a in _by_due(carried)),
            ),
            (
                AgendaSection.OVERDUE_ACTIONS,
                tuple(_action_item(a, today) for a in _by_due(overdue) if a.id not in carried_ids),
            ),
            (
                AgendaSection.HIGH_RISK_CASES,
                tuple(AgendaItem(line, "asb_case", i) for i, line in high_risk_cases),
            ),
            (AgendaSection.HOTSPOTS, tuple(AgendaItem(line, "place", i) for i, line in hotspots)),
            (
                AgendaSection.EARLY_WARNING,
                tuple(AgendaItem(line, kind, i) for kind, i, line in early_warning),
            ),
            (
                AgendaSection.REFERRALS,
                tuple(AgendaItem(line, "referral", i) for i, line in referrals),
            ),
        )
    )


def _by_due(actions: Sequence[ActionFact]) -> list[ActionFact]:
    return sorted(actions, key=lambda a: (a.due_on or date.max, a.id))


def _action_item(action: ActionFact, today: date) -> AgendaItem:
    return AgendaItem(action_line(action, today=today), "asb_action", action.id)


def held_refusal(*, held_on: date, today: date, attendees: Sequence[str]) -> str | None:
    """Why a meeting may not be marked held, or None if it may.

    Args:
        held_on: the meeting's day.
        today: today where the meeting is (London).
        attendees: the attendees recorded.
    """
    if held_on > today:
        return "a meeting cannot be held before its day"
    if not attendees:
        return "record who attended before marking the meeting held"
    return None
