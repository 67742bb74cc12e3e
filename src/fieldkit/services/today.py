"""The Today screen's summary: recent visits, follow-ups, legal clocks and warning windows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from fieldkit.domain.escalation import warning_stands_until
from fieldkit.domain.legal_clocks import (
    LONDON,
    closure_clocks,
    closure_facts,
    format_date,
    format_datetime,
)
from fieldkit.domain.records import RecordType
from fieldkit.domain.referrals import ReferralStatus
from fieldkit.domain.schemes import Scheme
from fieldkit.domain.vocabulary import ClosureStatus
from fieldkit.services.asb_cases import ActionEntry, AsbCaseService, CaseRow
from fieldkit.services.community_trigger import CommunityTriggerService
from fieldkit.services.people import person_name, warning_facts
from fieldkit.services.referrals import ReferralService
from fieldkit.services.visits import VisitRow, VisitService
from fieldkit.store.records import StoredRecord
from fieldkit.store.today_lists import follow_ups_due, issued_warnings_since
from fieldkit.store.vault import Vault

#: How far ahead the Today screen looks for deadlines.
HORIZON = timedelta(days=30)
FOLLOW_UP_LOOKBACK = timedelta(days=30)
_RUNNING = (
    ClosureStatus.NOTICE_SERVED,
    ClosureStatus.ADJOURNED,
    ClosureStatus.ORDER_MADE,
    ClosureStatus.EXTENDED,
    ClosureStatus.REFUSED,
)


@dataclass(frozen=True)
class Deadline:
    """Something with a date the officer must act by."""

    when: datetime
    when_text: str
    what: str
    subject: str
    subject_type: str
    subject_id: str
    urgent: bool


#: The fields a person's name on screen is made of (`person_name`).
_NAMED_BY = ("given_name", "family_name", "description")


@dataclass(frozen=True)
class _Issued:
    """Warnings still issued, and the on-screen names of their people, read once a summary."""

    warnings: list[StoredRecord]
    people: dict[str, str]


@dataclass(frozen=True)
class TodaySummary:
    """Everything on the Today screen."""

    recent_visits: tuple[VisitRow, ...]
    recent_are_mine: bool
    follow_ups: tuple[Deadline, ...]
    legal_clocks: tuple[Deadline, ...]
    warning_windows: tuple[Deadline, ...]
    unsynced: int
    #: ASB actions given to the user, overdue first.
    my_actions: tuple[ActionEntry, ...] = ()
    #: Open high-risk ASB cases: the user's own, or (for a supervisor) all they hold.
    high_risk_cases: tuple[CaseRow, ...] = ()
    #: For a supervisor: the team's ASB actions past their due date.
    team_overdue_actions: tuple[ActionEntry, ...] = ()


def _relative(moment: datetime, now: datetime) -> str:
    days = (moment.astimezone(LONDON).date() - now.astimezone(LONDON).date()).days
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} overdue"
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


class TodayService:
    """Builds the Today summary in one read.

    Args:
        vault: the unlocked vault.
        visits: the visit lists.
        schemes: warning schemes by id, for their windows.
        asb: ASB cases, for the user's actions and high-risk cases (none shown if None).
        triggers: Community Trigger applications, for their decision-due days (none if None).
        referrals: referrals to answer, unanswered, and answered (none if None).
    """

    def __init__(
        self,
        vault: Vault,
        visits: VisitService,
        schemes: Mapping[str, Scheme],
        *,
        asb: AsbCaseService | None = None,
        triggers: CommunityTriggerService | None = None,
        referrals: ReferralService | None = None,
    ) -> None:
        self._referrals = referrals
        self._vault = vault
        self._visits = visits
        self._schemes = schemes
        self._asb = asb
        self._triggers = triggers

    def summary(self, *, unsynced: int, recent: int = 15) -> TodaySummary:
        """The officer's day at a glance."""
        now = self._vault.now()
        mine = self._visits.visits_page(limit=recent, mine_only=True)
        rows = mine or self._visits.visits_page(limit=recent, mine_only=False)
        # Both warning lists start from the same warnings and names: read them once.
        issued = self._issued(now)
        return TodaySummary(
            recent_visits=tuple(rows),
            recent_are_mine=bool(mine),
            follow_ups=tuple(self.follow_ups(now)),
            legal_clocks=tuple(self._legal_clocks(now, issued)),
            warning_windows=tuple(self._warning_windows(now, issued)),
            unsynced=unsynced,
            my_actions=tuple(self._asb.my_actions()) if self._asb else (),
            high_risk_cases=tuple(self._asb.high_risk_cases()) if self._asb else (),
            team_overdue_actions=(
                tuple(self._asb.team_overdue_actions())
                if self._asb and self._asb.is_supervisor()
                else ()
            ),
        )

    def _issued(self, now: datetime) -> _Issued:
        """Warnings still issued from the last three years, with their people's names."""
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            warnings = issued_warnings_since(conn, now - timedelta(days=3 * 365))
            ids = list(dict.fromkeys(str(w.fields["person_id"]) for w in warnings))
            people = {
                person_id: person_name(fields)
                for person_id, fields in repo.fields_of(RecordType.PERSON, ids, _NAMED_BY).items()
            }
        return _Issued(warnings, people)

    def follow_ups(self, now: datetime, *, limit: int = 20) -> list[Deadline]:
        """The officer's visits with a follow-up due soon or recently missed."""
        today = now.astimezone(LONDON).date()
        with self._vault.read() as conn:
            visits = follow_ups_due(
                conn,
                officer_id=self._vault.username,
                from_day=today - FOLLOW_UP_LOOKBACK,
                to_day=today + timedelta(days=7),
                limit=limit,
            )
        out: list[Deadline] = []
        for visit in visits:
            due = str(visit.fields["follow_up_due"])
            when = datetime.combine(date.fromisoformat(due), datetime.min.time(), LONDON)
            out.append(
                Deadline(
                    when,
                    f"{format_date(when)} ({_relative(when, now)})",
                    "Follow-up due",
                    str(visit.fields["narrative"] or "")[:90],
                    "visit",
                    visit.id,
                    when.date() <= today,
                )
            )
        return out

    def legal_clocks(self, now: datetime) -> list[Deadline]:
        """Closure clocks that run out within the horizon, soonest first."""
        return self._legal_clocks(now, self._issued(now))

    def _legal_clocks(self, now: datetime, issued: _Issued) -> list[Deadline]:
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            closures = repo.where(RecordType.CLOSURE, "status", [s.value for s in _RUNNING])
            case_ids = list(dict.fromkeys(str(c.fields["case_id"]) for c in closures))
            # get_many, like a join, also finds deleted cases; a closure without one is skipped.
            refs = {
                c.id: c.fields["tenancy_ref"]
                for c in repo.get_many(RecordType.TENANCY_CASE, case_ids)
            }
        out: list[Deadline] = []
        for closure in closures:
            row: Mapping[str, Any] = closure.fields
            case_id = str(row["case_id"])
            if case_id not in refs:
                continue
            try:
                facts = closure_facts(row)
            except ValueError:
                continue  # inconsistent facts: the case view explains; Today skips it
            for clock in closure_clocks(facts, now=now):
                if clock.deadline - now > HORIZON:
                    continue
                out.append(
                    Deadline(
                        clock.deadline,
                        f"{format_datetime(clock.deadline)} ({_relative(clock.deadline, now)})",
                        clock.due,
                        f"Tenancy case {refs[case_id] or ''}".strip(),
                        "tenancy_case",
                        case_id,
                        clock.deadline - now < timedelta(days=2),
                    )
                )
        return sorted(
            [
                *out,
                *self._warning_clocks(now, issued),
                *self.trigger_clocks(now),
                *self.referral_lines(now),
            ],
            key=lambda d: d.when,
        )

    def referral_lines(self, now: datetime) -> list[Deadline]:
        """Referrals waiting for this user's agency's answer, the user's referrals nobody has
        answered by their day, and the answers to the user's referrals since they were sent."""
        if self._referrals is None:
            return []
        out: list[Deadline] = []
        for view in self._referrals.all():
            mine = view.referred_by == self._vault.username
            waiting = view.status is ReferralStatus.SENT
            if view.incoming and waiting:
                what = "Referral to answer"
            elif mine and waiting and view.overdue:
                what = f"Referral to {view.to} not answered"
            elif mine and not waiting:
                what = f"Referral to {view.to}: {view.status_text.lower()}"
            else:
                continue
            day = view.respond_by or now.astimezone(LONDON).date()
            when = datetime.combine(day, datetime.min.time(), LONDON)
            out.append(
                Deadline(
                    when,
                    f"{format_date(when)} ({_relative(when, now)})" if waiting else "",
                    what,
                    view.person,
                    "referral",
                    view.id,
                    waiting and view.overdue,
                )
            )
        return out

    def trigger_clocks(self, now: datetime) -> list[Deadline]:
        """Open Community Trigger applications' decision-due days (owner's, or a supervisor's).

        They stay on Today, overdue if need be, until the applicant has been sent the outcome.
        """
        if self._triggers is None:
            return []
        out: list[Deadline] = []
        for clock in self._triggers.clocks():
            when = datetime.combine(clock.due, datetime.min.time(), LONDON)
            if when - now > HORIZON:
                continue
            met = "threshold met" if clock.threshold_met else "threshold not met"
            out.append(
                Deadline(
                    when,
                    f"{format_date(when)} ({_relative(when, now)})",
                    f"Community Trigger decision due ({met})",
                    clock.applicant,
                    "community_trigger",
                    clock.trigger_id,
                    when - now < timedelta(days=2),
                )
            )
        return out

    def warning_clocks(self, now: datetime) -> list[Deadline]:
        """A CPW's comply-by date, an ABC's review date and a served CPN's appeal deadline.

        A comply-by clock stays (overdue, if need be) until a later warning under the same
        scheme is issued to the person or the warning is withdrawn: checking compliance is the
        officer's next step. A review clock stays (overdue, if need be) until the review is
        recorded. An appeal clock shows until its day has passed.
        """
        return self._warning_clocks(now, self._issued(now))

    def _warning_clocks(self, now: datetime, issued: _Issued) -> list[Deadline]:
        warnings, people = issued.warnings, issued.people
        # The step a person has reached under each scheme: a lower step's clock has been acted on.
        reached: dict[tuple[str, str], int] = {}
        for w in warnings:
            key = (str(w.fields["person_id"]), str(w.fields["scheme"]))
            reached[key] = max(reached.get(key, -1), _rank(self._schemes, w.fields))
        out: list[Deadline] = []
        for w in warnings:
            f = w.fields
            person_id = str(f["person_id"])
            superseded = reached[(person_id, str(f["scheme"]))] > _rank(self._schemes, f)
            clock = warning_clock(f, self._schemes.get(str(f["scheme"])))
            if clock is None or (superseded and clock[1] == "comply"):
                continue
            when, kind = clock
            if when - now > HORIZON or (kind == "appeal" and when < now):
                continue
            what = _CLOCK_WORDS[kind]
            out.append(
                Deadline(
                    when,
                    f"{format_date(when)} ({_relative(when, now)})",
                    what,
                    people.get(person_id, "Unknown person"),
                    "person",
                    person_id,
                    when - now < timedelta(days=2),
                )
            )
        return out

    def warning_windows(self, now: datetime, *, limit: int = 30) -> list[Deadline]:
        """Warnings whose window closes within the horizon: a breach before then escalates."""
        return self._warning_windows(now, self._issued(now), limit=limit)

    def _warning_windows(
        self, now: datetime, issued: _Issued, *, limit: int = 30
    ) -> list[Deadline]:
        out: list[Deadline] = []
        warnings, people = issued.warnings, issued.people
        for w in warnings:
            scheme = self._schemes.get(str(w.fields["scheme"]))
            if scheme is None:
                continue
            facts = warning_facts([w], scheme.id)
            if not facts:
                continue
            ends = warning_stands_until(scheme, facts[0])
            if not now < ends <= now + HORIZON:
                continue
            level = scheme.levels[scheme.rank(facts[0].level)].name
            person_id = str(w.fields["person_id"])
            out.append(
                Deadline(
                    ends,
                    f"{format_date(ends)} ({_relative(ends, now)})",
                    f"{level} window closes",
                    people.get(person_id, "Unknown person"),
                    "person",
                    person_id,
                    ends - now < timedelta(days=7),
                )
            )
        return sorted(out, key=lambda d: d.when)[:limit]


def warning_clock(fields: Mapping[str, Any], scheme: Scheme | None) -> tuple[datetime, str] | None:
    """The clock a warning runs, as (end of its last day, "comply", "review" or "appeal").

    A warning with a comply-by date (a CPW) runs a comply clock; an Acceptable Behaviour
    Contract runs a review clock until its review is recorded; a served level whose scheme
    gives appeal days (a CPN) runs an appeal clock from the day it was served.
    """
    if fields.get("comply_by"):
        return _end_of(date.fromisoformat(str(fields["comply_by"]))), "comply"
    if fields.get("review_due"):
        if fields.get("reviewed_at"):
            return None
        return _end_of(date.fromisoformat(str(fields["review_due"]))), "review"
    if scheme is None or not fields.get("served_at"):
        return None
    level = next((lv for lv in scheme.levels if lv.id == fields.get("level")), None)
    if level is None or not level.appeal_days:
        return None
    served = datetime.fromisoformat(str(fields["served_at"])).astimezone(LONDON).date()
    return _end_of(served + timedelta(days=level.appeal_days)), "appeal"


_CLOCK_WORDS = {
    "comply": "Check compliance with the CPW by this date",
    "review": "Review the Acceptable Behaviour Contract by this date",
    "appeal": "CPN appeal period ends",
}


def _end_of(day: date) -> datetime:
    return datetime.combine(day, datetime.max.time().replace(microsecond=0), LONDON)


def _rank(schemes: Mapping[str, Scheme], fields: Mapping[str, Any]) -> int:
    scheme = schemes.get(str(fields["scheme"]))
    if scheme is None or not any(lv.id == fields.get("level") for lv in scheme.levels):
        return -1
    return scheme.rank(str(fields["level"]))
