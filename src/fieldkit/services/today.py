"""The Today screen's summary: recent visits, follow-ups, legal clocks and warning windows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from fieldkit.domain.escalation import warning_stands_until
from fieldkit.domain.legal_clocks import (
    LONDON,
    ClosureFacts,
    closure_clocks,
    format_date,
    format_datetime,
)
from fieldkit.domain.records import RecordType
from fieldkit.domain.schemes import Scheme
from fieldkit.domain.vocabulary import ClosureStatus
from fieldkit.services.people import parse_moment, person_name, warning_facts
from fieldkit.services.visits import VisitRow, VisitService
from fieldkit.store.schema import RECORD_TABLES
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


@dataclass(frozen=True)
class TodaySummary:
    """Everything on the Today screen."""

    recent_visits: tuple[VisitRow, ...]
    recent_are_mine: bool
    follow_ups: tuple[Deadline, ...]
    legal_clocks: tuple[Deadline, ...]
    warning_windows: tuple[Deadline, ...]
    unsynced: int


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
    """

    def __init__(self, vault: Vault, visits: VisitService, schemes: Mapping[str, Scheme]) -> None:
        self._vault = vault
        self._visits = visits
        self._schemes = schemes

    def summary(self, *, unsynced: int, recent: int = 15) -> TodaySummary:
        """The officer's day at a glance."""
        now = self._vault.now()
        mine = self._visits.visits_page(limit=recent, mine_only=True)
        rows = mine or self._visits.visits_page(limit=recent, mine_only=False)
        return TodaySummary(
            recent_visits=tuple(rows),
            recent_are_mine=bool(mine),
            follow_ups=tuple(self.follow_ups(now)),
            legal_clocks=tuple(self.legal_clocks(now)),
            warning_windows=tuple(self.warning_windows(now)),
            unsynced=unsynced,
        )

    def follow_ups(self, now: datetime, *, limit: int = 20) -> list[Deadline]:
        """The officer's visits with a follow-up due soon or recently missed."""
        table = RECORD_TABLES[RecordType.VISIT]
        today = now.astimezone(LONDON).date()
        query = (
            select(table.c.id, table.c.follow_up_due, table.c.narrative, table.c.categories)
            .where(table.c.follow_up_due >= (today - FOLLOW_UP_LOOKBACK).isoformat())
            .where(table.c.follow_up_due <= (today + timedelta(days=7)).isoformat())
            .where(table.c.officer_id == self._vault.username, table.c.deleted.is_(False))
            .order_by(table.c.follow_up_due)
            .limit(limit)
        )
        out: list[Deadline] = []
        with self._vault.read() as conn:
            for visit_id, due, narrative, _cats in conn.execute(query):
                when = datetime.combine(date.fromisoformat(due), datetime.min.time(), LONDON)
                out.append(
                    Deadline(
                        when,
                        f"{format_date(when)} ({_relative(when, now)})",
                        "Follow-up due",
                        str(narrative or "")[:90],
                        "visit",
                        visit_id,
                        when.date() <= today,
                    )
                )
        return out

    def legal_clocks(self, now: datetime) -> list[Deadline]:
        """Closure clocks that run out within the horizon, soonest first."""
        closures = RECORD_TABLES[RecordType.CLOSURE]
        cases = RECORD_TABLES[RecordType.TENANCY_CASE]
        out: list[Deadline] = []
        with self._vault.read() as conn:
            rows = conn.execute(
                select(closures, cases.c.tenancy_ref)
                .join(cases, cases.c.id == closures.c.case_id)
                .where(closures.c.status.in_([s.value for s in _RUNNING]))
                .where(closures.c.deleted.is_(False))
            ).mappings()
            for row in rows:
                try:
                    facts = ClosureFacts(
                        status=ClosureStatus(row["status"]),
                        notice_served_at=_moment(row["notice_served_at"]),
                        notice_hours=int(row["notice_hours"] or 24),
                        hearing_at=_moment(row["hearing_at"]),
                        order_made_at=_moment(row["order_made_at"]),
                        order_months=row["order_months"],
                        extended_until=(
                            date.fromisoformat(row["extended_until"])
                            if row["extended_until"]
                            else None
                        ),
                    )
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
                            f"Tenancy case {row['tenancy_ref'] or ''}".strip(),
                            "tenancy_case",
                            str(row["case_id"]),
                            clock.deadline - now < timedelta(days=2),
                        )
                    )
        return sorted(out, key=lambda d: d.when)

    def warning_windows(self, now: datetime, *, limit: int = 30) -> list[Deadline]:
        """Warnings whose window closes within the horizon: a breach before then escalates."""
        table = RECORD_TABLES[RecordType.WARNING]
        out: list[Deadline] = []
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            ids = [
                r[0]
                for r in conn.execute(
                    select(table.c.id)
                    .where(table.c.status == "issued", table.c.deleted.is_(False))
                    .where(table.c.issued_at >= (now - timedelta(days=3 * 365)).isoformat())
                )
            ]
            warnings = repo.get_many(RecordType.WARNING, ids)
            people = {
                p.id: person_name(p.fields)
                for p in repo.get_many(
                    RecordType.PERSON, list({str(w.fields["person_id"]) for w in warnings})
                )
            }
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


def _moment(value: object) -> datetime | None:
    return parse_moment(value) if value else None
