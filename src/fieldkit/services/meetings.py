"""District problem-solving group meetings: planned from the live picture, held, minuted.

A meeting is a `meeting` record; its actions are `asb_action` records carrying its id (and the
decision they carry out), so they reach their assignees' Today the way case actions do: the
server sends an action to its assignee whatever their agency's view of the meeting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from fieldkit.documents.meeting_minutes import MinutesDecision, MinutesInput, render_minutes
from fieldkit.documents.templates import Branding
from fieldkit.domain.legal_clocks import LONDON, format_date
from fieldkit.domain.meeting import (
    ActionFact,
    Agenda,
    Attendee,
    MeetingStatus,
    attendee_item,
    build_agenda,
    held_refusal,
    parse_attendee,
)
from fieldkit.domain.records import FieldError, RecordType, ValidationError, is_restricted
from fieldkit.domain.referrals import PartnerAgency, ReferralStatus
from fieldkit.domain.trends import period_ending
from fieldkit.domain.vocabulary import ActionStatus, AsbStatus, District, Sensitivity, ServedHow
from fieldkit.services import disclosure
from fieldkit.services.documents_service import DocumentService, KeptDocument
from fieldkit.services.intelligence import IntelligenceService, Scope
from fieldkit.store import asb_cases
from fieldkit.store.asb_cases import CaseFilter
from fieldkit.store.records import RecordRepository, StoredRecord
from fieldkit.store.vault import Vault

#: How many weeks of visits the agenda's hotspots count, and how many places it lists.
HOTSPOT_WEEKS = 4
HOTSPOT_LIMIT = 5
#: The most people and places the agenda's early-warning section lists.
EARLY_WARNING_LIMIT = 10
#: Who minutes are made for, as the s62 log names the recipient.
MINUTES_RECIPIENT = "problem-solving group"


#: A referral's statuses that still wait for the partner's answer (if referrals exist).
@dataclass(frozen=True)
class NewAction:
    """An action a decision gives to a user (by user name), an agency, or both."""

    what: str
    assignee: str = ""
    agency: str = ""
    due_on: date | None = None


@dataclass(frozen=True)
class MeetingAction:
    """An action decided at the meeting, as the screen and the minutes show it."""

    id: str
    what: str
    assignee: str
    agency: str
    due_on: date | None
    status: str
    status_value: str
    decision: str

    @property
    def line(self) -> str:
        """The action in a line: what, who, by when, and where it stands if not open."""
        who = " and ".join(w for w in (self.assignee, self.agency) if w)
        due = f", by {format_date(self.due_on)}" if self.due_on else ""
        done = "" if self.status_value == ActionStatus.OPEN else f" ({self.status})"
        return f"{self.what} — {who}{due}{done}"


@dataclass(frozen=True)
class MeetingView:
    """A meeting as its screen shows it."""

    id: str
    district: str
    held_on: date
    chair: str
    attendees: tuple[Attendee, ...]
    agenda_items: tuple[str, ...]
    decisions: tuple[str, ...]
    status: MeetingStatus
    previous_meeting_id: str | None
    actions: tuple[MeetingAction, ...]
    restricted: bool

    @property
    def held(self) -> bool:
        return self.status is MeetingStatus.HELD

    @property
    def district_label(self) -> str:
        return District.label_for(self.district)

    @property
    def title(self) -> str:
        """The meeting in words: its district and day."""
        return f"{self.district_label}, {format_date(self.held_on)}"

    def actions_for(self, decision: str) -> tuple[MeetingAction, ...]:
        """The actions that carry out one decision."""
        return tuple(a for a in self.actions if a.decision == decision)


@dataclass(frozen=True)
class MeetingRow:
    """A meeting in the list."""

    id: str
    title: str
    status: str
    held: bool


class MeetingService:
    """Plans, records and minutes the district problem-solving group meetings.

    Args:
        vault: the unlocked vault.
        intelligence: the supervisor's pictures (hotspots, early warning) the agenda uses.
        documents: renders and keeps the minutes (no minutes if None).
        branding: who the minutes come from (the documents' bundled branding if None).
    """

    def __init__(
        self,
        vault: Vault,
        *,
        intelligence: IntelligenceService,
        documents: DocumentService | None = None,
        branding: Callable[[], Branding] | None = None,
    ) -> None:
        self._vault = vault
        self._intelligence = intelligence
        self._documents = documents
        self._branding = branding

    # Planning ---------------------------------------------------------------------------------

    def plan(
        self, *, district: str, held_on: date, chair: str = "", restricted: bool = False
    ) -> MeetingView:
        """Plan a meeting; its agenda then starts from the district's last meeting's actions.

        Raises:
            ValidationError: naming what is wrong (an unknown district, no chair); nothing is
                written.
        """
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            earlier = _meetings_before(repo, district=district, held_on=held_on)
            record = repo.create(
                RecordType.MEETING.value,
                {
                    "district": district,
                    "held_on": held_on.isoformat(),
                    "chair": chair.strip() or self._vault.username,
                    "status": MeetingStatus.PLANNED.value,
                    "previous_meeting_id": earlier[0].id if earlier else None,
                    "sensitivity": (
                        Sensitivity.RESTRICTED if restricted else Sensitivity.STANDARD
                    ).value,
                },
            )
        return self.meeting(record.id)

    def meetings(self) -> list[MeetingRow]:
        """Every meeting this laptop holds, the latest first."""
        with self._vault.read() as conn:
            records = self._vault.records(conn).where(
                RecordType.MEETING, "district", [d.value for d in District]
            )
        records.sort(key=lambda r: (str(r.fields["held_on"]), r.id), reverse=True)
        return [
            MeetingRow(
                r.id,
                f"{District.label_for(r.fields['district'])}, "
                f"{format_date(date.fromisoformat(str(r.fields['held_on'])))}",
                MeetingStatus.label_for(r.fields.get("status") or MeetingStatus.PLANNED.value),
                r.fields.get("status") == MeetingStatus.HELD,
            )
            for r in records
        ]

    def meeting(self, meeting_id: str) -> MeetingView:
        """One meeting with its actions.

        Raises:
            RecordNotFoundError: no such meeting.
        """
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            record = repo.require(RecordType.MEETING, meeting_id)
            actions = repo.where(RecordType.ASB_ACTION, "meeting_id", [meeting_id])
        return _view(record, actions)

    def agenda(self, *, meeting_id: str) -> Agenda:
        """The meeting's agenda from the district's live picture.

        It starts with the open actions of the district's earlier meetings, then the
        district's overdue actions, its open high-risk ASB cases, hotspots over the last
        `HOTSPOT_WEEKS` weeks, the early-warning people and places, and referrals waiting.
        Showing the early-warning people is logged as consultation (as on Intelligence).

        Raises:
            RecordNotFoundError: no such meeting.
        """
        view = self.meeting(meeting_id)
        today = self._today()
        district = view.district
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            earlier = [
                m.id
                for m in _meetings_before(repo, district=district, held_on=view.held_on)
                if m.id != meeting_id
            ]
            carried = asb_cases.open_actions(conn, district=district, meeting_ids=earlier)
            overdue = asb_cases.open_actions(conn, district=district, due_before=today.isoformat())
            cases = asb_cases.cases(
                conn, CaseFilter(district=district, high_risk=True), offset=0, limit=500
            )
            referrals = referrals_waiting(repo, district=district)
        scope = Scope(districts=(district,))
        spots = self._intelligence.hotspots(
            period=period_ending(today, HOTSPOT_WEEKS), scope=scope, limit=HOTSPOT_LIMIT
        )
        rising = self._intelligence.early_warning(scope=scope)[:EARLY_WARNING_LIMIT]
        return build_agenda(
            today=today,
            carried=[_fact(i, f) for i, _case, f in carried],
            overdue=[_fact(i, f) for i, _case, f in overdue],
            high_risk_cases=[
                (
                    c.id,
                    f"{c.reference} {c.title} ({AsbStatus.label_for(c.status)}; "
                    f"owner {c.owner or 'none'})",
                )
                for c in cases
                if c.status != AsbStatus.CLOSED
            ],
            hotspots=[
                (s.place_id, f"{s.label}: {s.current} visits ({s.change_text})") for s in spots
            ],
            early_warning=[
                (s.kind, s.id, f"{s.name} ({RecordType.label_for(s.kind)}): {s.reason}")
                for s in rising
            ],
            referrals=referrals,
        )

    # Recording --------------------------------------------------------------------------------

    def record_attendees(self, *, meeting_id: str, attendees: Sequence[Attendee]) -> MeetingView:
        """Record who attended, by name and agency (replacing the list held).

        Raises:
            ValidationError: an attendee without a name, or with ``|`` in a name or agency.
            RecordNotFoundError: no such meeting.
        """
        items: list[str] = []
        for position, attendee in enumerate(attendees, start=1):
            if not attendee.name.strip() and not attendee.agency.strip():
                continue
            try:
                items.append(attendee_item(attendee))
            except ValueError as exc:
                problem = FieldError("attendees", f"item {position}: {exc}")
                raise ValidationError([problem]) from None
        self._update(meeting_id, {"attendees": items})
        return self.meeting(meeting_id)

    def add_decision(
        self, *, meeting_id: str, decision: str, actions: Sequence[NewAction] = ()
    ) -> MeetingView:
        """Record a decision and the actions that carry it out, in one transaction.

        Each action goes to a user (by user name: it then shows on their Today after sync),
        an agency, or both, with an optional due day; it carries the meeting's district and
        sensitivity and the decision's words.

        Raises:
            ValidationError: no decision, the same decision twice, or a bad action (naming
                the action and field); nothing is written.
            RecordNotFoundError: no such meeting.
        """
        text = decision.strip()
        if not text:
            raise ValidationError([FieldError("decisions", "say what the meeting decided")])
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            meeting = repo.require(RecordType.MEETING, meeting_id)
            held = _strings(meeting.fields.get("decisions"))
            if text in held:
                raise ValidationError([FieldError("decisions", "this decision is recorded")])
            repo.update(RecordType.MEETING, meeting_id, {"decisions": [*held, text]})
            for position, action in enumerate(actions, start=1):
                try:
                    repo.create(
                        RecordType.ASB_ACTION.value,
                        {
                            "meeting_id": meeting_id,
                            "decision": text,
                            "what": action.what,
                            "assignee": action.assignee.strip().lower() or None,
                            "agency": action.agency,
                            "due_on": action.due_on.isoformat() if action.due_on else None,
                            "status": ActionStatus.OPEN.value,
                            "district": meeting.fields["district"],
                            "sensitivity": meeting.fields["sensitivity"],
                        },
                    )
                except ValidationError as exc:
                    raise ValidationError(
                        [FieldError(f"action {position} {e.field}", e.reason) for e in exc.errors]
                    ) from None
        return self.meeting(meeting_id)

    def mark_held(self, *, meeting_id: str) -> MeetingView:
        """Mark the meeting held, keeping the agenda it worked from on its record.

        Raises:
            ValidationError: its day has not come, or no one is recorded as attending.
            RecordNotFoundError: no such meeting.
        """
        view = self.meeting(meeting_id)
        refusal = held_refusal(
            held_on=view.held_on,
            today=self._today(),
            attendees=[a.name for a in view.attendees],
        )
        if refusal:
            field = "attendees" if "attended" in refusal else "held_on"
            raise ValidationError([FieldError(field, refusal)])
        lines = self.agenda(meeting_id=meeting_id).lines() if not view.held else []
        changes: dict[str, object] = {"status": MeetingStatus.HELD.value}
        if lines:
            changes["agenda_items"] = lines
        self._update(meeting_id, changes)
        return self.meeting(meeting_id)

    # Minutes ----------------------------------------------------------------------------------

    def minutes(self, *, meeting_id: str) -> KeptDocument:
        """Make the minutes PDF and keep it as a document of the meeting.

        The minutes name the attendees, the agenda, the decisions and their actions. Making
        them is logged (s62) as a disclosure of the meeting and of each action, to the group.

        Raises:
            ValidationError: the meeting is not marked held yet.
            RecordNotFoundError: no such meeting.
        """
        if self._documents is None:
            raise RuntimeError("this workspace makes no documents")
        view = self.meeting(meeting_id)
        if not view.held:
            raise ValidationError([FieldError("status", "mark the meeting held first")])
        now = self._vault.now()
        minutes = MinutesInput(
            district=view.district_label,
            held_on=view.held_on,
            chair=view.chair,
            attendees=tuple(a.line for a in view.attendees),
            agenda=view.agenda_items,
            decisions=tuple(
                MinutesDecision(d, tuple(a.line for a in view.actions_for(d)))
                for d in view.decisions
            ),
            prepared_by=self._vault.username,
            prepared_at=now.astimezone(LONDON),
        )
        branding = (
            self._branding() if self._branding else self._documents.library.bundle("en").branding
        )
        rendered = render_minutes(minutes, branding)
        what = f"{rendered.kind.value} made"
        kept = self._documents.keep_made(
            rendered,
            subject_type=RecordType.MEETING,
            subject_id=meeting_id,
            district=view.district,
            served_how=ServedHow.HANDED_OVER.value,
            about=(
                (RecordType.MEETING, meeting_id),
                *((RecordType.ASB_ACTION, a.id) for a in view.actions),
            ),
            recipient=MINUTES_RECIPIENT,
            reason=what,
        )
        disclosure.log_completion(
            self._vault, what=what, count=kept.page_count, unit="pages", recipient=MINUTES_RECIPIENT
        )
        return kept

    def _update(self, meeting_id: str, changes: dict[str, object]) -> None:
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            repo.require(RecordType.MEETING, meeting_id)
            repo.update(RecordType.MEETING, meeting_id, changes)

    def _today(self) -> date:
        return self._vault.now().astimezone(LONDON).date()


def referrals_waiting(repo: RecordRepository, *, district: str) -> list[tuple[str, str]]:
    """The agenda's "referrals waiting": (id, line) for each referral in the district that the
    partner has not yet answered, the longest-waiting first."""
    out: list[tuple[str, str, str]] = []
    for record in repo.where(RecordType.REFERRAL, "district", [district]):
        f = record.fields
        if str(f.get("status") or ReferralStatus.SENT.value) != ReferralStatus.SENT.value:
            continue
        to = PartnerAgency(str(f["to_agency"])).label if f.get("to_agency") else "a support service"
        due = str(f.get("respond_by") or "")
        line = f"Referral to {to}" + (f", answer due {due}" if due else "")
        out.append((str(f.get("sent_at") or ""), record.id, line))
    return [(rid, line) for _sent, rid, line in sorted(out)]


def _meetings_before(repo: RecordRepository, *, district: str, held_on: date) -> list[StoredRecord]:
    """The district's meetings on or before a day, the latest first."""
    found = [
        m
        for m in repo.where(RecordType.MEETING, "district", [district])
        if str(m.fields["held_on"]) <= held_on.isoformat()
    ]
    return sorted(found, key=lambda m: (str(m.fields["held_on"]), m.id), reverse=True)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def _fact(action_id: str, f: dict[str, object]) -> ActionFact:
    return ActionFact(
        id=action_id,
        what=str(f.get("what") or ""),
        assignee=str(f.get("assignee") or ""),
        agency=str(f.get("agency") or ""),
        due_on=_day(f.get("due_on")),
        meeting_id=str(f["meeting_id"]) if f.get("meeting_id") else None,
        case_reference=str(f.get("case_reference") or ""),
    )


def _view(record: StoredRecord, actions: Sequence[StoredRecord]) -> MeetingView:
    f = record.fields
    ordered = sorted(actions, key=lambda a: (_day(a.fields.get("due_on")) or date.max, a.id))
    return MeetingView(
        id=record.id,
        district=str(f["district"]),
        held_on=date.fromisoformat(str(f["held_on"])),
        chair=str(f.get("chair") or ""),
        attendees=tuple(parse_attendee(a) for a in _strings(f.get("attendees"))),
        agenda_items=tuple(_strings(f.get("agenda_items"))),
        decisions=tuple(_strings(f.get("decisions"))),
        status=MeetingStatus.parse(f.get("status")) or MeetingStatus.PLANNED,
        previous_meeting_id=str(f["previous_meeting_id"]) if f.get("previous_meeting_id") else None,
        actions=tuple(
            MeetingAction(
                id=a.id,
                what=str(a.fields.get("what") or ""),
                assignee=str(a.fields.get("assignee") or ""),
                agency=str(a.fields.get("agency") or ""),
                due_on=_day(a.fields.get("due_on")),
                status=ActionStatus.label_for(a.fields.get("status") or ActionStatus.OPEN.value),
                status_value=str(a.fields.get("status") or ActionStatus.OPEN.value),
                decision=str(a.fields.get("decision") or ""),
            )
            for a in ordered
        ),
        restricted=is_restricted(f),
    )
