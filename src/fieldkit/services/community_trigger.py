"""Community Trigger applications: recorded, threshold tested, clocked, reviewed and answered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from fieldkit.documents.trigger_outcome import (
    OutcomeInput,
    render_outcome_letter,
    shipped_outcome_template,
)
from fieldkit.domain.community_trigger import (
    Threshold,
    TriggerStatus,
    check_threshold,
    decision_due,
    reports_from_visits,
)
from fieldkit.domain.legal_clocks import LONDON, format_date
from fieldkit.domain.records import FieldError, RecordType, ValidationError, is_restricted
from fieldkit.domain.vocabulary import District, Sensitivity, ServedHow
from fieldkit.domain.working_days import BankHolidays, BankHolidaysError
from fieldkit.services import disclosure
from fieldkit.services.documents_service import DocumentService, KeptDocument
from fieldkit.services.people import person_name
from fieldkit.store import replica
from fieldkit.store.records import StoredRecord
from fieldkit.store.vault import Vault

#: Statuses whose decision clock still runs (the applicant has not been sent the outcome).
OPEN_STATUSES = frozenset(
    {
        TriggerStatus.RECEIVED,
        TriggerStatus.THRESHOLD_MET,
        TriggerStatus.THRESHOLD_NOT_MET,
        TriggerStatus.REVIEWED,
    }
)


@dataclass(frozen=True)
class TriggerView:
    """An application as its screen shows it."""

    id: str
    applicant_id: str
    applicant: str
    received_on: date
    account: str
    visit_ids: tuple[str, ...]
    case_id: str | None
    district: str
    owner: str
    status: TriggerStatus
    threshold_met: bool
    threshold_reason: str
    decision_due: date
    meeting_at: datetime | None
    attendees: tuple[str, ...]
    recommendations: tuple[str, ...]
    outcome: str
    outcome_sent_at: datetime | None
    restricted: bool

    @property
    def due_text(self) -> str:
        """The decision-due day in words."""
        return format_date(self.decision_due)

    @property
    def status_text(self) -> str:
        return self.status.label


@dataclass(frozen=True)
class TriggerClock:
    """An open application's decision-due day, for Today."""

    trigger_id: str
    applicant: str
    due: date
    threshold_met: bool


@dataclass(frozen=True)
class ReportChoice:
    """A visit the applicant was at, offered as a report the application relies on."""

    id: str
    line: str


class CommunityTriggerService:
    """Records and answers Community Trigger (ASB Case Review) applications.

    Args:
        vault: the unlocked vault.
        threshold: the partnership's threshold and decision period.
        holidays: England's bank holidays.
        documents: renders and keeps the outcome letter (no letters if None).
    """

    def __init__(
        self,
        vault: Vault,
        *,
        threshold: Threshold,
        holidays: BankHolidays,
        documents: DocumentService | None = None,
    ) -> None:
        self._vault = vault
        self._threshold = threshold
        self._holidays = holidays
        self._documents = documents

    def record_application(
        self,
        *,
        applicant_id: str,
        received_on: date,
        account: str,
        visit_ids: Sequence[str],
        district: str,
        case_id: str | None = None,
        owner: str | None = None,
    ) -> TriggerView:
        """Record an application, test it against the threshold and start its decision clock.

        The threshold is tested on the linked visits' days and categories; an application that
        relies on a restricted visit is restricted too.

        Raises:
            ValidationError: naming what is wrong (an unknown visit, a future date, no account,
                a decision day past the bank-holiday list).
            RecordNotFoundError: no such applicant.
        """
        today = self._vault.now().astimezone(LONDON).date()
        problems: list[FieldError] = []
        if received_on > today:
            problems.append(FieldError("received_on", "is in the future"))
        if not account.strip():
            problems.append(FieldError("account", "say what the applicant reported and when"))
        try:
            due = decision_due(received_on, threshold=self._threshold, holidays=self._holidays)
        except BankHolidaysError as exc:
            problems.append(FieldError("received_on", str(exc)))
        if problems:
            raise ValidationError(problems)
        wanted = list(dict.fromkeys(visit_ids))
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            repo.require(RecordType.PERSON, applicant_id)
            visits = [v for v in repo.get_many(RecordType.VISIT, wanted) if not v.deleted]
            if len(visits) != len(wanted):
                raise ValidationError([FieldError("visit_ids", "a linked report is not known")])
            result = check_threshold(
                reports_from_visits(
                    [
                        (v.id, str(v.fields["occurred_at"]), _strings(v.fields["categories"]))
                        for v in visits
                    ]
                ),
                received=received_on,
                threshold=self._threshold,
            )
            restricted = any(is_restricted(v.fields) for v in visits)
            record = repo.create(
                RecordType.COMMUNITY_TRIGGER.value,
                {
                    "applicant_id": applicant_id,
                    "received_on": received_on.isoformat(),
                    "account": account,
                    "visit_ids": wanted,
                    "case_id": case_id,
                    "district": district,
                    "owner": owner or self._vault.username,
                    "status": (
                        TriggerStatus.THRESHOLD_MET
                        if result.met
                        else TriggerStatus.THRESHOLD_NOT_MET
                    ).value,
                    "threshold_met": result.met,
                    "threshold_reason": result.reason,
                    "decision_due": due.isoformat(),
                    "decided_on": today.isoformat(),
                    "sensitivity": (
                        Sensitivity.RESTRICTED if restricted else Sensitivity.STANDARD
                    ).value,
                },
            )
        return self.application(record.id)

    def reports_for(self, *, person_id: str, limit: int = 100) -> list[ReportChoice]:
        """The visits a person was at, newest first: the reports an application may rely on.

        A listing, not a consultation (nothing is opened).
        """
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            ids = repo.visit_ids_with_person(person_id)[-limit:]
            visits = [v for v in repo.get_many(RecordType.VISIT, ids) if not v.deleted]
        visits.sort(key=lambda v: str(v.fields["occurred_at"]), reverse=True)
        return [
            ReportChoice(
                v.id,
                f"{format_date(datetime.fromisoformat(str(v.fields['occurred_at'])))} — "
                + (
                    ", ".join(c.replace("_", " ") for c in _strings(v.fields["categories"]))
                    or "no category"
                ),
            )
            for v in visits
        ]

    def application(self, trigger_id: str) -> TriggerView:
        """One application as its screen shows it.

        Raises:
            RecordNotFoundError: no such application.
        """
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            record = repo.require(RecordType.COMMUNITY_TRIGGER, trigger_id)
            people = repo.get_many(RecordType.PERSON, [str(record.fields["applicant_id"])])
        name = person_name(people[0].fields) if people else "Unknown person"
        return _view(record, name)

    def applications(self) -> list[TriggerView]:
        """Every application this laptop holds, the soonest decision first."""
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            records = [
                r
                for r in repo.where(RecordType.COMMUNITY_TRIGGER, "district", _districts())
                if not r.deleted
            ]
            people = {
                p.id: person_name(p.fields)
                for p in repo.get_many(
                    RecordType.PERSON, list({str(r.fields["applicant_id"]) for r in records})
                )
            }
        views = [
            _view(r, people.get(str(r.fields["applicant_id"]), "Unknown person")) for r in records
        ]
        return sorted(views, key=lambda v: (v.decision_due, v.id))

    def record_meeting(
        self,
        *,
        trigger_id: str,
        meeting_at: datetime,
        attendees: Sequence[str],
        recommendations: Sequence[str],
    ) -> TriggerView:
        """Record the case review meeting and what it recommends.

        Raises:
            ValidationError: no recommendation, or a meeting in the future or before receipt.
        """
        current = self.application(trigger_id)
        problems: list[FieldError] = []
        if meeting_at.tzinfo is None or meeting_at > self._vault.now():
            problems.append(FieldError("meeting_at", "must be a past, time-zoned moment"))
        elif meeting_at.astimezone(LONDON).date() < current.received_on:
            problems.append(FieldError("meeting_at", "is before the application was received"))
        if not any(r.strip() for r in recommendations):
            problems.append(FieldError("recommendations", "record at least one recommendation"))
        if problems:
            raise ValidationError(problems)
        self._update(
            trigger_id,
            {
                "meeting_at": meeting_at.isoformat(timespec="seconds"),
                "attendees": [a.strip() for a in attendees if a.strip()],
                "recommendations": [r.strip() for r in recommendations if r.strip()],
                "status": TriggerStatus.REVIEWED.value,
            },
        )
        return self.application(trigger_id)

    def record_outcome(self, *, trigger_id: str, outcome: str) -> TriggerView:
        """Record what the applicant is told; the clock stops.

        Raises:
            ValidationError: no outcome written.
        """
        if not outcome.strip():
            raise ValidationError([FieldError("outcome", "say what the applicant is told")])
        self._update(
            trigger_id,
            {
                "outcome": outcome,
                "outcome_sent_at": self._vault.now().isoformat(timespec="seconds"),
                "status": TriggerStatus.CLOSED.value,
            },
        )
        return self.application(trigger_id)

    def outcome_letter(self, *, trigger_id: str) -> KeptDocument:
        """Make the outcome letter to the applicant and keep it as a document of the application.

        The letter is checked at template load for what it must say; making it is logged as a
        disclosure of the application and the applicant (s62).

        Raises:
            ValidationError: the meeting or the outcome is not recorded yet.
            RecordNotFoundError: no such application.
        """
        if self._documents is None:
            raise RuntimeError("this workspace makes no documents")
        view = self.application(trigger_id)
        missing = [
            FieldError(name, why)
            for name, why, present in (
                ("recommendations", "record the review meeting first", view.recommendations),
                ("outcome", "record what the applicant is told first", view.outcome.strip()),
            )
            if not present
        ]
        if missing:
            raise ValidationError(missing)
        now = self._vault.now()
        letter = OutcomeInput(
            reference=f"CT-{trigger_id[:8].upper()}",
            applicant=view.applicant,
            received_on=view.received_on,
            threshold=(
                f"the threshold was met ({view.threshold_reason})"
                if view.threshold_met
                else f"the threshold was not met ({view.threshold_reason})"
            ),
            meeting_on=view.meeting_at.astimezone(LONDON).date() if view.meeting_at else None,
            recommendations=view.recommendations,
            outcome=view.outcome,
            written_on=now.astimezone(LONDON).date(),
        )
        branding = self._documents.library.bundle("en").branding
        rendered = render_outcome_letter(letter, shipped_outcome_template("en"), branding)
        kept = self._documents.keep_made(
            rendered,
            subject_type=RecordType.COMMUNITY_TRIGGER,
            subject_id=trigger_id,
            district=view.district,
            served_how=ServedHow.POSTED.value,
            about=(
                (RecordType.COMMUNITY_TRIGGER, trigger_id),
                (RecordType.PERSON, view.applicant_id),
            ),
            recipient="applicant",
            reason="community_trigger_outcome made",
        )
        disclosure.log_completion(
            self._vault,
            what="community_trigger_outcome made",
            count=1,
            unit="files",
            recipient="applicant",
        )
        return kept

    def clocks(self) -> list[TriggerClock]:
        """Open applications' decision days for Today: the owner's, or every one for a supervisor.

        A supervisor is who the server last said the user is (as the review queue reads it).
        """
        me = self._vault.username
        with self._vault.read() as conn:
            user = replica.get_state(conn, "user")
        supervisor = isinstance(user, dict) and user.get("role") == "supervisor"
        return [
            TriggerClock(v.id, v.applicant, v.decision_due, v.threshold_met)
            for v in self.applications()
            if v.status in OPEN_STATUSES and (supervisor or v.owner.lower() == me.lower())
        ]

    def _update(self, trigger_id: str, changes: dict[str, object]) -> None:
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            record = repo.require(RecordType.COMMUNITY_TRIGGER, trigger_id)
            repo.update(RecordType.COMMUNITY_TRIGGER, record.id, changes)


def _districts() -> list[str]:
    return [d.value for d in District]


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _view(record: StoredRecord, applicant: str) -> TriggerView:
    f = record.fields
    return TriggerView(
        id=record.id,
        applicant_id=str(f["applicant_id"]),
        applicant=applicant,
        received_on=date.fromisoformat(str(f["received_on"])),
        account=str(f["account"] or ""),
        visit_ids=tuple(_strings(f["visit_ids"])),
        case_id=str(f["case_id"]) if f.get("case_id") else None,
        district=str(f["district"]),
        owner=str(f["owner"] or ""),
        status=TriggerStatus(str(f["status"] or TriggerStatus.RECEIVED.value)),
        threshold_met=bool(f.get("threshold_met")),
        threshold_reason=str(f.get("threshold_reason") or ""),
        decision_due=date.fromisoformat(str(f["decision_due"])),
        meeting_at=datetime.fromisoformat(str(f["meeting_at"])) if f.get("meeting_at") else None,
        attendees=tuple(_strings(f.get("attendees"))),
        recommendations=tuple(_strings(f.get("recommendations"))),
        outcome=str(f.get("outcome") or ""),
        outcome_sent_at=(
            datetime.fromisoformat(str(f["outcome_sent_at"])) if f.get("outcome_sent_at") else None
        ),
        restricted=is_restricted(f),
    )
