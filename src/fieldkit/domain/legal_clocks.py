"""Legal clocks of the Anti-social Behaviour, Crime and Policing Act 2014, in Europe/London time."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fieldkit.domain.vocabulary import ClosureStatus, Vocabulary, define_words

#: Every clock is reckoned in local time where the law counts days, months or Christmas Day.
LONDON = ZoneInfo("Europe/London")

CLOSURE_NOTICE_HOURS = (24, 48)
HEARING_HOURS = 48
ADJOURNMENT_DAYS = 14
CLOSURE_ORDER_MAX_MONTHS = 3
CLOSURE_ORDER_MAX_TOTAL_MONTHS = 6
APPEAL_DAYS = 21
DISPERSAL_MAX_HOURS = 48
PSPO_MAX_MONTHS = 36

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def require_aware(value: datetime, field: str) -> None:
    """Reject a naive datetime, naming the field it came from.

    Args:
        value: The datetime to check.
        field: The name of the field or argument, for the message.

    Raises:
        ValueError: If ``value`` has no time zone.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware, not naive ({value.isoformat()})")


def format_date(moment: datetime | date) -> str:
    """Write a day as people in the UK read it, e.g. ``3 March 2026`` (London local date).

    Args:
        moment: An aware datetime (shown as its London date) or a plain date.

    Returns:
        The day, month name and year.
    """
    day = moment.astimezone(LONDON).date() if isinstance(moment, datetime) else moment
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_stamp(moment: datetime) -> str:
    """Write when a document was made, e.g. ``27 November 2026, 14:05`` (London time).

    Args:
        moment: An aware datetime (a naive one is taken as London time already).
    """
    local = moment.astimezone(LONDON) if moment.tzinfo is not None else moment
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


def format_datetime(moment: datetime) -> str:
    """Write a moment in London time, e.g. ``10:00 on Sunday 27 December 2026``.

    Args:
        moment: An aware datetime.

    Returns:
        The 24-hour time, weekday and date.
    """
    local = moment.astimezone(LONDON)
    return f"{local:%H:%M} on {_WEEKDAYS[local.weekday()]} {format_date(local)}"


def add_calendar_months(moment: datetime, months: int) -> datetime:
    """Add calendar months at the same London wall-clock time, clamping to the month's end.

    30 November plus 3 months is 28 February (29 in a leap year), not 2 March.

    Args:
        moment: An aware datetime.
        months: How many months to add (may be negative).

    Returns:
        The aware datetime in Europe/London.
    """
    local = moment.astimezone(LONDON)
    years, month_index = divmod(local.month - 1 + months, 12)
    year, month = local.year + years, month_index + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    # Round-trip through UTC so that a wall time in the spring-forward gap comes out real.
    return local.replace(year=year, month=month, day=day, fold=0).astimezone(UTC).astimezone(LONDON)


def _elapsed(moment: datetime, delta: timedelta) -> datetime:
    # Aware arithmetic within one tzinfo is wall-clock arithmetic; the Act counts real hours.
    return (moment.astimezone(UTC) + delta).astimezone(LONDON)


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LONDON).astimezone(UTC).astimezone(LONDON)


def christmas_day(year: int) -> tuple[datetime, datetime]:
    """Christmas Day in London as a half-open interval ``[start, end)``.

    Args:
        year: The year.

    Returns:
        Midnight at the start of 25 December and midnight at the start of 26 December.
    """
    return _start_of_day(date(year, 12, 25)), _start_of_day(date(year, 12, 26))


def add_hours_disregarding_christmas(start: datetime, hours: int) -> datetime:
    """Count real hours from ``start``, leaving out any time that falls on Christmas Day.

    This is how ss77(3) and 80(4) count their 48 hours: when the period overlaps Christmas Day,
    it ends later by the overlap.

    Args:
        start: An aware datetime.
        hours: How many hours to count.

    Returns:
        When the period ends, in Europe/London.

    Raises:
        ValueError: If ``start`` is naive or ``hours`` is negative.
    """
    require_aware(start, "start")
    if hours < 0:
        raise ValueError(f"hours must not be negative, not {hours}")
    cursor = start.astimezone(UTC)
    remaining = timedelta(hours=hours)
    while True:
        xmas_start, xmas_end = christmas_day(cursor.astimezone(LONDON).year)
        if cursor >= xmas_end:
            xmas_start, xmas_end = christmas_day(cursor.astimezone(LONDON).year + 1)
        if cursor >= xmas_start:
            cursor = xmas_end.astimezone(UTC)
            continue
        if cursor + remaining <= xmas_start:
            return (cursor + remaining).astimezone(LONDON)
        remaining -= xmas_start - cursor
        cursor = xmas_end.astimezone(UTC)


def closure_notice_ends_at(notice_served_at: datetime, *, notice_hours: int) -> datetime:
    """When a closure notice stops having effect (s77).

    A 24-hour notice runs 24 real hours. A 48-hour notice (superintendent, or the council's chief
    executive or designate) runs 48 hours with Christmas Day not counted (s77(3)); the Act says
    this of the 48-hour period only.

    Args:
        notice_served_at: When the notice was served (aware).
        notice_hours: 24, or 48 if authorised at senior level.

    Returns:
        When the notice ends, in Europe/London.

    Raises:
        ValueError: If ``notice_hours`` is not 24 or 48, or the time is naive.
    """
    require_aware(notice_served_at, "notice_served_at")
    if notice_hours not in CLOSURE_NOTICE_HOURS:
        raise ValueError(f"notice_hours must be 24 or 48, not {notice_hours}")
    if notice_hours == 24:
        return _elapsed(notice_served_at, timedelta(hours=24))
    return add_hours_disregarding_christmas(notice_served_at, notice_hours)


def hearing_deadline(notice_served_at: datetime) -> datetime:
    """The latest time the magistrates' court may hear the closure order application (s80(3)-(4)).

    48 hours after service of the closure notice, Christmas Day not counted.

    Args:
        notice_served_at: When the closure notice was served (aware).

    Returns:
        The deadline, in Europe/London.

    Raises:
        ValueError: If the time is naive.
    """
    require_aware(notice_served_at, "notice_served_at")
    return add_hours_disregarding_christmas(notice_served_at, HEARING_HOURS)


def latest_adjourned_hearing(first_hearing_at: datetime) -> datetime:
    """The end of the longest adjournment the court may grant (s81(3): not more than 14 days).

    Courts list by the day, so the adjourned hearing may be at any time on the 14th day.

    Args:
        first_hearing_at: When the application was first heard (aware).

    Returns:
        Midnight at the end of the 14th day after the first hearing, in Europe/London.

    Raises:
        ValueError: If the time is naive.
    """
    require_aware(first_hearing_at, "first_hearing_at")
    first_day = first_hearing_at.astimezone(LONDON).date()
    return _start_of_day(first_day + timedelta(days=ADJOURNMENT_DAYS + 1))


def closure_order_ends_at(order_made_at: datetime, *, order_months: int) -> datetime:
    """When a closure order ends (s80(6): the period may not exceed 3 months).

    Args:
        order_made_at: When the court made the order (aware).
        order_months: The order's length in months, 1 to 3.

    Returns:
        The same London wall-clock time ``order_months`` later, clamped to the month's end.

    Raises:
        ValueError: If ``order_months`` is outside 1 to 3, or the time is naive.
    """
    require_aware(order_made_at, "order_made_at")
    if not 1 <= order_months <= CLOSURE_ORDER_MAX_MONTHS:
        raise ValueError(f"order_months must be from 1 to 3, not {order_months}")
    return add_calendar_months(order_made_at, order_months)


def closure_order_extension_limit(order_made_at: datetime) -> datetime:
    """The furthest an extended closure order can run (s82: 6 months in total).

    Args:
        order_made_at: When the court made the original order (aware).

    Returns:
        Six calendar months after the order, in Europe/London.

    Raises:
        ValueError: If the time is naive.
    """
    require_aware(order_made_at, "order_made_at")
    return add_calendar_months(order_made_at, CLOSURE_ORDER_MAX_TOTAL_MONTHS)


def appeal_deadline(decided_at: datetime) -> datetime:
    """When the 21-day appeal period closes.

    Both a closure order decision (s84(5)) and a Community Protection Notice (s46(1)) may be
    appealed "within the period of 21 days beginning with" the day of the decision or notice, so
    that day is day 1 and the last day to appeal is 20 days after it.

    Args:
        decided_at: When the order was made or refused, or the CPN issued (aware).

    Returns:
        Midnight at the end of the last day to appeal, in Europe/London.

    Raises:
        ValueError: If the time is naive.
    """
    require_aware(decided_at, "decided_at")
    return _start_of_day(decided_at.astimezone(LONDON).date() + timedelta(days=APPEAL_DAYS))


def dispersal_direction_ends_at(
    given_at: datetime, *, hours: int = DISPERSAL_MAX_HOURS
) -> datetime:
    """When a dispersal direction stops having effect (s35: up to 48 hours).

    Args:
        given_at: When the direction was given (aware).
        hours: The period the direction states, 1 to 48.

    Returns:
        ``hours`` real hours later, in Europe/London.

    Raises:
        ValueError: If ``hours`` is outside 1 to 48, or the time is naive.
    """
    require_aware(given_at, "given_at")
    if not 1 <= hours <= DISPERSAL_MAX_HOURS:
        raise ValueError(f"hours must be from 1 to 48, not {hours}")
    return _elapsed(given_at, timedelta(hours=hours))


def pspo_ends_at(made_at: datetime, *, months: int = PSPO_MAX_MONTHS) -> datetime:
    """When a Public Spaces Protection Order lapses unless extended (s60: up to 3 years).

    Args:
        made_at: When the order took effect (aware).
        months: The order's length in months, 1 to 36.

    Returns:
        ``months`` calendar months later, in Europe/London.

    Raises:
        ValueError: If ``months`` is outside 1 to 36, or the time is naive.
    """
    require_aware(made_at, "made_at")
    if not 1 <= months <= PSPO_MAX_MONTHS:
        raise ValueError(f"months must be from 1 to 36, not {months}")
    return add_calendar_months(made_at, months)


@dataclass(frozen=True)
class AbcTerm:
    """The dates of an Acceptable Behaviour Contract."""

    review_due_at: datetime
    ends_at: datetime


def acceptable_behaviour_contract_term(
    signed_at: datetime, *, months: int = 6, review_after_months: int = 3
) -> AbcTerm:
    """When an Acceptable Behaviour Contract is reviewed and when it ends (usually 3 and 6 months).

    An ABC is voluntary, so these are custom and practice rather than statute.

    Args:
        signed_at: When the contract was signed (aware).
        months: How long the contract runs.
        review_after_months: When it is reviewed; must fall before the end.

    Returns:
        The review date and the end date, in Europe/London.

    Raises:
        ValueError: If the lengths are not positive, the review is not before the end, or the time
            is naive.
    """
    require_aware(signed_at, "signed_at")
    if months < 1:
        raise ValueError(f"months must be at least 1, not {months}")
    if not 1 <= review_after_months < months:
        raise ValueError(
            f"review_after_months must be at least 1 and less than months ({months}), "
            f"not {review_after_months}"
        )
    return AbcTerm(
        review_due_at=add_calendar_months(signed_at, review_after_months),
        ends_at=add_calendar_months(signed_at, months),
    )


class ClockName(Vocabulary):
    """The clocks that can run on a closure."""

    CLOSURE_NOTICE_ENDS = "closure_notice_ends"
    HEARING_DEADLINE = "hearing_deadline"
    HEARING = "hearing"
    ORDER_ENDS = "order_ends"
    APPEAL_DEADLINE = "appeal_deadline"


define_words(
    ClockName,
    {
        ClockName.CLOSURE_NOTICE_ENDS: "Closure notice ends",
        ClockName.HEARING_DEADLINE: "Hearing deadline",
        ClockName.HEARING: "Hearing",
        ClockName.ORDER_ENDS: "Order ends",
        ClockName.APPEAL_DEADLINE: "Appeal deadline",
    },
)


@dataclass(frozen=True)
class Clock:
    """One running legal clock: what it is, when it runs out, and what is due before then."""

    name: ClockName
    deadline: datetime
    due: str


@dataclass(frozen=True)
class ClosureFacts:
    """What is recorded about one closure; impossible combinations are refused on construction.

    ``hearing_at`` is the hearing currently listed: the first one, or for an adjourned
    application the adjourned one. ``extended_until`` is the day an extended order runs to.

    Raises:
        ValueError: Naming the field, for a naive time, ``notice_hours`` other than 24 or 48,
            ``order_months`` outside 1 to 3, an extension beyond 6 months in total or not beyond
            the original order, events out of order, or a field the status needs left empty.
    """

    status: ClosureStatus
    notice_served_at: datetime | None = None
    notice_hours: int = 24
    hearing_at: datetime | None = None
    order_made_at: datetime | None = None
    order_months: int | None = None
    extended_until: date | None = None

    def __post_init__(self) -> None:
        for field in ("notice_served_at", "hearing_at", "order_made_at"):
            value = getattr(self, field)
            if value is not None:
                require_aware(value, field)
        if self.notice_hours not in CLOSURE_NOTICE_HOURS:
            raise ValueError(f"notice_hours must be 24 or 48, not {self.notice_hours}")
        if self.order_months is not None and not 1 <= self.order_months <= 3:
            raise ValueError(f"order_months must be from 1 to 3, not {self.order_months}")
        self._check_required_for_status()
        self._check_order_of_events()
        if self.extended_until is not None:
            self._check_extension()

    def _check_required_for_status(self) -> None:
        needs: dict[ClosureStatus, tuple[str, ...]] = {
            ClosureStatus.NOTICE_SERVED: ("notice_served_at",),
            ClosureStatus.ADJOURNED: ("notice_served_at", "hearing_at"),
            ClosureStatus.REFUSED: ("hearing_at",),
            ClosureStatus.ORDER_MADE: ("order_made_at", "order_months"),
            ClosureStatus.EXTENDED: ("order_made_at", "order_months", "extended_until"),
        }
        for field in needs.get(self.status, ()):
            if getattr(self, field) is None:
                raise ValueError(f"{field} is required when the closure is {self.status}")

    def _check_order_of_events(self) -> None:
        served = self.notice_served_at
        if served is not None and self.hearing_at is not None and self.hearing_at < served:
            raise ValueError("hearing_at is before notice_served_at")
        if served is not None and self.order_made_at is not None and self.order_made_at < served:
            raise ValueError("order_made_at is before notice_served_at")
        if (
            self.status is ClosureStatus.ADJOURNED
            and served is not None
            and self.hearing_at is not None
            and self.hearing_at >= latest_adjourned_hearing(hearing_deadline(served))
        ):
            raise ValueError(
                "hearing_at is more than 14 days after the latest lawful first hearing "
                f"({format_datetime(hearing_deadline(served))}), so no adjournment could reach it"
            )

    def _check_extension(self) -> None:
        assert self.extended_until is not None
        if self.order_made_at is None or self.order_months is None:
            raise ValueError("extended_until needs order_made_at and order_months")
        original_end = closure_order_ends_at(self.order_made_at, order_months=self.order_months)
        limit = closure_order_extension_limit(self.order_made_at)
        if self.extended_until <= original_end.date():
            raise ValueError(
                f"extended_until ({format_date(self.extended_until)}) must be after the order's "
                f"original end ({format_date(original_end)})"
            )
        if self.extended_until > limit.date():
            raise ValueError(
                f"extended_until ({format_date(self.extended_until)}) is beyond 6 months in total "
                f"from the order ({format_date(limit)} at the latest)"
            )

    @property
    def order_ends_at(self) -> datetime | None:
        """When the order ends, taking any extension into account; None if no order was made."""
        if self.order_made_at is None or self.order_months is None:
            return None
        if self.extended_until is None:
            return closure_order_ends_at(self.order_made_at, order_months=self.order_months)
        wall_time = self.order_made_at.astimezone(LONDON).time()
        moment = datetime.combine(self.extended_until, wall_time, tzinfo=LONDON)
        return moment.astimezone(UTC).astimezone(LONDON)


def closure_facts(fields: Mapping[str, object]) -> ClosureFacts:
    """A closure record's fields (as stored or sent: ISO 8601 text) as `ClosureFacts`.

    Raises:
        ValueError: a date is malformed or the facts are inconsistent (naming the field).
    """

    def moment(name: str) -> datetime | None:
        value = fields.get(name)
        return datetime.fromisoformat(str(value)) if value else None

    extended = fields.get("extended_until")
    months = fields.get("order_months")
    return ClosureFacts(
        status=ClosureStatus(str(fields.get("status") or "planned")),
        notice_served_at=moment("notice_served_at"),
        notice_hours=int(str(fields.get("notice_hours") or 24)),
        hearing_at=moment("hearing_at"),
        order_made_at=moment("order_made_at"),
        order_months=int(str(months)) if months is not None else None,
        extended_until=date.fromisoformat(str(extended)) if extended else None,
    )


def closure_clocks(facts: ClosureFacts, *, now: datetime | None = None) -> list[Clock]:
    """The legal clocks running on a closure, soonest first, each saying what is due next.

    Args:
        facts: What is recorded about the closure.
        now: If given, clocks whose deadline is at or before it are left out.

    Returns:
        The clocks, ordered by deadline.

    Raises:
        ValueError: If ``now`` is naive.
    """
    if now is not None:
        require_aware(now, "now")
    clocks = _clocks_for_status(facts)
    running = [clock for clock in clocks if now is None or clock.deadline > now]
    return sorted(running, key=lambda clock: clock.deadline)


def _clocks_for_status(facts: ClosureFacts) -> list[Clock]:
    match facts.status:
        case ClosureStatus.NOTICE_SERVED:
            return _notice_clocks(facts)
        case ClosureStatus.ADJOURNED:
            assert facts.hearing_at is not None
            return [
                Clock(
                    ClockName.HEARING,
                    facts.hearing_at,
                    "Adjourned hearing of the closure order application at "
                    f"{format_datetime(facts.hearing_at)}.",
                )
            ]
        case ClosureStatus.ORDER_MADE | ClosureStatus.EXTENDED:
            return _order_clocks(facts)
        case ClosureStatus.REFUSED:
            assert facts.hearing_at is not None
            deadline = appeal_deadline(facts.hearing_at)
            return [
                Clock(
                    ClockName.APPEAL_DEADLINE,
                    deadline,
                    "The court refused the closure order; an appeal to the Crown Court must be "
                    f"made by the end of {_last_day(deadline)} (21 days beginning with the "
                    "decision).",
                )
            ]
        case _:
            return []


def _notice_clocks(facts: ClosureFacts) -> list[Clock]:
    served = facts.notice_served_at
    assert served is not None
    deadline = hearing_deadline(served)
    christmas = " (Christmas Day not counted)" if deadline - served > timedelta(hours=48) else ""
    notice_ends = closure_notice_ends_at(served, notice_hours=facts.notice_hours)
    clocks = [
        Clock(
            ClockName.CLOSURE_NOTICE_ENDS,
            notice_ends,
            f"The {facts.notice_hours}-hour closure notice ends at {format_datetime(notice_ends)}.",
        ),
        Clock(
            ClockName.HEARING_DEADLINE,
            deadline,
            "The magistrates' court must hear the closure order application by "
            f"{format_datetime(deadline)}: 48 hours after the notice was served{christmas}.",
        ),
    ]
    if facts.hearing_at is not None:
        late = facts.hearing_at > deadline
        clocks.append(
            Clock(
                ClockName.HEARING,
                facts.hearing_at,
                f"Closure order hearing at {format_datetime(facts.hearing_at)}."
                + (" This is later than the 48-hour limit allows." if late else ""),
            )
        )
    return clocks


def _order_clocks(facts: ClosureFacts) -> list[Clock]:
    made, ends = facts.order_made_at, facts.order_ends_at
    assert made is not None
    assert ends is not None
    limit = closure_order_extension_limit(made)
    if ends < limit:
        next_step = (
            "To keep the premises closed, apply to the magistrates' court to extend it before "
            f"then; it cannot run past {format_datetime(limit)} (6 months in total)."
        )
    else:
        next_step = "It has reached the 6-month limit and cannot be extended again."
    appeal = appeal_deadline(made)
    return [
        Clock(
            ClockName.ORDER_ENDS,
            ends,
            f"The closure order ends at {format_datetime(ends)}. {next_step}",
        ),
        Clock(
            ClockName.APPEAL_DEADLINE,
            appeal,
            "An appeal against the closure order to the Crown Court must be made by the end of "
            f"{_last_day(appeal)} (21 days beginning with the order date).",
        ),
    ]


def _last_day(period_end: datetime) -> str:
    # period_end is midnight at the end of the last day.
    return format_date(period_end.astimezone(LONDON).date() - timedelta(days=1))
