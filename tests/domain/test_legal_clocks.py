"""Tests for the legal clocks: Christmas Day, DST, month ends, and the closure tracker's clocks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldkit.domain.legal_clocks import (
    LONDON,
    Clock,
    ClockName,
    ClosureFacts,
    acceptable_behaviour_contract_term,
    add_calendar_months,
    appeal_deadline,
    christmas_day,
    closure_clocks,
    closure_notice_ends_at,
    closure_order_ends_at,
    closure_order_extension_limit,
    dispersal_direction_ends_at,
    hearing_deadline,
    latest_adjourned_hearing,
    pspo_ends_at,
)
from fieldkit.domain.vocabulary import ClosureStatus


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def same_instant(left: datetime, right: datetime) -> bool:
    # Aware datetimes sharing one tzinfo compare by wall time; compare in UTC to be exact.
    return left.astimezone(UTC) == right.astimezone(UTC)


@pytest.mark.parametrize(
    ("served", "deadline"),
    [
        pytest.param(london(2026, 6, 10, 10), london(2026, 6, 12, 10), id="ordinary-48-hours"),
        pytest.param(london(2026, 12, 24, 10), london(2026, 12, 27, 10), id="christmas-eve-10am"),
        pytest.param(london(2026, 12, 23, 10), london(2026, 12, 26, 10), id="runs-into-christmas"),
        pytest.param(
            london(2026, 12, 23, 0), london(2026, 12, 25, 0), id="ends-as-christmas-starts"
        ),
        pytest.param(
            london(2026, 12, 22, 23), london(2026, 12, 24, 23), id="ends-before-christmas"
        ),
        pytest.param(
            london(2026, 12, 25, 15), london(2026, 12, 28, 0), id="served-on-christmas-day"
        ),
        pytest.param(
            london(2026, 12, 26, 0), london(2026, 12, 28, 0), id="served-as-christmas-ends"
        ),
        pytest.param(london(2026, 12, 31, 9), london(2027, 1, 2, 9), id="over-new-year"),
        pytest.param(
            london(2026, 3, 28, 12), london(2026, 3, 30, 13), id="across-march-clock-change"
        ),
        pytest.param(
            london(2026, 10, 24, 12), london(2026, 10, 26, 11), id="across-october-change"
        ),
    ],
)
def test_hearing_deadline_is_48_real_hours_after_service_not_counting_christmas_day(
    served: datetime, deadline: datetime
) -> None:
    assert same_instant(hearing_deadline(served), deadline)


@pytest.mark.parametrize(
    ("served", "notice_hours", "ends"),
    [
        pytest.param(london(2026, 6, 10, 10), 24, london(2026, 6, 11, 10), id="24h-ordinary"),
        pytest.param(london(2026, 6, 10, 10), 48, london(2026, 6, 12, 10), id="48h-ordinary"),
        pytest.param(london(2026, 12, 24, 10), 24, london(2026, 12, 25, 10), id="24h-counts-xmas"),
        pytest.param(london(2026, 12, 24, 10), 48, london(2026, 12, 27, 10), id="48h-skips-xmas"),
        pytest.param(london(2026, 3, 28, 20), 24, london(2026, 3, 29, 21), id="24h-across-march"),
    ],
)
def test_closure_notice_ends_after_its_hours_with_christmas_left_out_of_48_only(
    served: datetime, notice_hours: int, ends: datetime
) -> None:
    assert same_instant(closure_notice_ends_at(served, notice_hours=notice_hours), ends)


@pytest.mark.parametrize("notice_hours", [0, 12, 36, 72], ids=lambda hours: f"{hours}h")
def test_closure_notice_of_other_than_24_or_48_hours_is_refused(notice_hours: int) -> None:
    with pytest.raises(ValueError, match="notice_hours"):
        closure_notice_ends_at(london(2026, 6, 10, 10), notice_hours=notice_hours)


@pytest.mark.parametrize(
    ("made", "months", "ends"),
    [
        pytest.param(london(2026, 11, 30, 14), 3, london(2027, 2, 28, 14), id="30-nov-plus-3"),
        pytest.param(london(2027, 11, 30, 14), 3, london(2028, 2, 29, 14), id="into-leap-feb"),
        pytest.param(london(2026, 1, 31, 9), 1, london(2026, 2, 28, 9), id="31-jan-plus-1"),
        pytest.param(london(2026, 5, 31, 9), 1, london(2026, 6, 30, 9), id="31-may-plus-1"),
        pytest.param(
            london(2026, 3, 15, 10), 1, london(2026, 4, 15, 10), id="keeps-wall-time-in-bst"
        ),
        pytest.param(london(2026, 10, 2, 10), 3, london(2027, 1, 2, 10), id="over-year-end"),
    ],
)
def test_closure_order_ends_whole_calendar_months_later_clamped_to_month_end(
    made: datetime, months: int, ends: datetime
) -> None:
    assert same_instant(closure_order_ends_at(made, order_months=months), ends)


@pytest.mark.parametrize("months", [0, 4, 6], ids=lambda months: f"{months}-months")
def test_closure_order_longer_than_3_months_is_refused(months: int) -> None:
    with pytest.raises(ValueError, match="order_months"):
        closure_order_ends_at(london(2026, 6, 1), order_months=months)


@pytest.mark.parametrize(
    ("made", "limit"),
    [
        pytest.param(london(2026, 6, 1, 12), london(2026, 12, 1, 12), id="ordinary"),
        pytest.param(london(2026, 8, 31, 12), london(2027, 2, 28, 12), id="31-aug-to-feb-end"),
    ],
)
def test_closure_order_can_be_extended_to_6_months_in_total(
    made: datetime, limit: datetime
) -> None:
    assert same_instant(closure_order_extension_limit(made), limit)


@pytest.mark.parametrize(
    ("decided", "closes"),
    [
        pytest.param(london(2026, 3, 1, 15), london(2026, 3, 22), id="last-day-is-21-march"),
        pytest.param(
            london(2026, 3, 10, 23, 30), london(2026, 3, 31), id="late-evening-across-dst"
        ),
        pytest.param(datetime(2026, 6, 4, 23, 30, tzinfo=UTC), london(2026, 6, 26), id="utc-input"),
        pytest.param(london(2026, 12, 20, 10), london(2027, 1, 10), id="christmas-counts"),
    ],
)
def test_appeal_period_is_21_days_beginning_with_the_decision_day(
    decided: datetime, closes: datetime
) -> None:
    assert same_instant(appeal_deadline(decided), closes)


def test_adjourned_hearing_may_be_any_time_on_the_14th_day_after_the_first() -> None:
    assert same_instant(latest_adjourned_hearing(london(2026, 6, 12, 14)), london(2026, 6, 27))


@pytest.mark.parametrize(
    ("given_at", "hours", "ends"),
    [
        pytest.param(london(2026, 7, 4, 18), 48, london(2026, 7, 6, 18), id="48h"),
        pytest.param(london(2026, 10, 24, 22), 48, london(2026, 10, 26, 21), id="48h-across-oct"),
        pytest.param(london(2026, 7, 4, 18), 6, london(2026, 7, 5, 0), id="6h"),
    ],
)
def test_dispersal_direction_lasts_the_real_hours_it_states(
    given_at: datetime, hours: int, ends: datetime
) -> None:
    assert same_instant(dispersal_direction_ends_at(given_at, hours=hours), ends)


def test_dispersal_direction_longer_than_48_hours_is_refused() -> None:
    with pytest.raises(ValueError, match="hours"):
        dispersal_direction_ends_at(london(2026, 7, 4, 18), hours=49)


def test_pspo_lasts_up_to_3_years_and_no_longer() -> None:
    assert same_instant(pspo_ends_at(london(2024, 2, 29, 9)), london(2027, 2, 28, 9))
    with pytest.raises(ValueError, match="months"):
        pspo_ends_at(london(2024, 2, 29, 9), months=37)


def test_abc_is_reviewed_at_3_months_and_ends_at_6_by_default() -> None:
    term = acceptable_behaviour_contract_term(london(2026, 8, 31, 11))
    assert same_instant(term.review_due_at, london(2026, 11, 30, 11))
    assert same_instant(term.ends_at, london(2027, 2, 28, 11))


def test_abc_review_must_fall_before_its_end() -> None:
    with pytest.raises(ValueError, match="review_after_months"):
        acceptable_behaviour_contract_term(london(2026, 8, 31), months=3, review_after_months=3)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda naive: hearing_deadline(naive), id="hearing_deadline"),
        pytest.param(
            lambda naive: closure_notice_ends_at(naive, notice_hours=24), id="closure_notice"
        ),
        pytest.param(lambda naive: appeal_deadline(naive), id="appeal_deadline"),
        pytest.param(
            lambda naive: ClosureFacts(ClosureStatus.NOTICE_SERVED, notice_served_at=naive),
            id="closure_facts",
        ),
    ],
)
def test_naive_times_are_refused(call: Callable[[datetime], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 6, 10, 10))


SERVED = london(2026, 6, 10, 10)
MADE = london(2026, 6, 12, 11)


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        pytest.param(
            {"status": ClosureStatus.NOTICE_SERVED, "notice_served_at": SERVED, "notice_hours": 36},
            "notice_hours",
            id="notice-hours-36",
        ),
        pytest.param(
            {"status": ClosureStatus.ORDER_MADE, "order_made_at": MADE, "order_months": 4},
            "order_months",
            id="order-months-4",
        ),
        pytest.param(
            {
                "status": ClosureStatus.EXTENDED,
                "order_made_at": MADE,
                "order_months": 3,
                "extended_until": date(2026, 12, 13),
            },
            "extended_until",
            id="extension-beyond-6-months",
        ),
        pytest.param(
            {
                "status": ClosureStatus.EXTENDED,
                "order_made_at": MADE,
                "order_months": 3,
                "extended_until": date(2026, 9, 12),
            },
            "extended_until",
            id="extension-not-beyond-original",
        ),
        pytest.param(
            {"status": ClosureStatus.EXTENDED, "order_made_at": MADE, "order_months": 3},
            "extended_until",
            id="extended-without-date",
        ),
        pytest.param(
            {"status": ClosureStatus.ORDER_MADE, "order_months": 3},
            "order_made_at",
            id="order-made-without-date",
        ),
        pytest.param(
            {"status": ClosureStatus.NOTICE_SERVED},
            "notice_served_at",
            id="notice-served-without-time",
        ),
        pytest.param(
            {
                "status": ClosureStatus.NOTICE_SERVED,
                "notice_served_at": SERVED,
                "hearing_at": SERVED - timedelta(hours=1),
            },
            "hearing_at",
            id="hearing-before-notice",
        ),
        pytest.param(
            {
                "status": ClosureStatus.ADJOURNED,
                "notice_served_at": SERVED,
                "hearing_at": london(2026, 6, 27),
            },
            "hearing_at",
            id="adjourned-beyond-14-days",
        ),
    ],
)
def test_impossible_closure_facts_are_refused_naming_the_field(
    facts: dict[str, object], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        ClosureFacts(**facts)  # type: ignore[arg-type]


def test_adjourned_hearing_on_the_14th_day_after_the_latest_first_hearing_is_accepted() -> None:
    facts = ClosureFacts(
        ClosureStatus.ADJOURNED, notice_served_at=SERVED, hearing_at=london(2026, 6, 26, 16)
    )
    [clock] = closure_clocks(facts)
    assert clock.name is ClockName.HEARING
    assert "Adjourned hearing" in clock.due


def test_served_notice_runs_notice_and_hearing_clocks_soonest_first() -> None:
    facts = ClosureFacts(
        ClosureStatus.NOTICE_SERVED,
        notice_served_at=SERVED,
        notice_hours=24,
        hearing_at=london(2026, 6, 11, 14),
    )
    clocks = closure_clocks(facts)
    assert [clock.name for clock in clocks] == [
        ClockName.CLOSURE_NOTICE_ENDS,
        ClockName.HEARING,
        ClockName.HEARING_DEADLINE,
    ]
    assert clocks[0].due == "The 24-hour closure notice ends at 10:00 on Thursday 11 June 2026."
    assert clocks[2].due == (
        "The magistrates' court must hear the closure order application by "
        "10:00 on Friday 12 June 2026: 48 hours after the notice was served."
    )


def test_notice_served_on_christmas_eve_says_christmas_day_is_not_counted() -> None:
    facts = ClosureFacts(
        ClosureStatus.NOTICE_SERVED, notice_served_at=london(2026, 12, 24, 10), notice_hours=48
    )
    by_name = {clock.name: clock for clock in closure_clocks(facts)}
    hearing = by_name[ClockName.HEARING_DEADLINE]
    assert same_instant(hearing.deadline, london(2026, 12, 27, 10))
    assert "10:00 on Sunday 27 December 2026" in hearing.due
    assert "Christmas Day not counted" in hearing.due
    assert same_instant(by_name[ClockName.CLOSURE_NOTICE_ENDS].deadline, london(2026, 12, 27, 10))


def test_hearing_listed_after_the_48_hour_deadline_is_flagged() -> None:
    facts = ClosureFacts(
        ClosureStatus.NOTICE_SERVED, notice_served_at=SERVED, hearing_at=london(2026, 6, 12, 14)
    )
    hearing = next(clock for clock in closure_clocks(facts) if clock.name is ClockName.HEARING)
    assert "later than the 48-hour limit allows" in hearing.due


def test_order_made_runs_appeal_then_order_end_with_the_extension_limit() -> None:
    facts = ClosureFacts(ClosureStatus.ORDER_MADE, order_made_at=MADE, order_months=3)
    assert closure_clocks(facts) == [
        Clock(
            ClockName.APPEAL_DEADLINE,
            london(2026, 7, 3),
            "An appeal against the closure order to the Crown Court must be made by the end of "
            "2 July 2026 (21 days beginning with the order date).",
        ),
        Clock(
            ClockName.ORDER_ENDS,
            london(2026, 9, 12, 11),
            "The closure order ends at 11:00 on Saturday 12 September 2026. To keep the premises "
            "closed, apply to the magistrates' court to extend it before then; it cannot run past "
            "11:00 on Saturday 12 December 2026 (6 months in total).",
        ),
    ]


def test_order_extended_to_6_months_says_it_cannot_be_extended_again() -> None:
    facts = ClosureFacts(
        ClosureStatus.EXTENDED,
        order_made_at=MADE,
        order_months=3,
        extended_until=date(2026, 12, 12),
    )
    [order_ends] = closure_clocks(facts, now=london(2026, 10, 1))
    assert order_ends.name is ClockName.ORDER_ENDS
    assert same_instant(order_ends.deadline, london(2026, 12, 12, 11))
    assert order_ends.due.endswith("cannot be extended again.")


def test_clocks_whose_deadline_has_passed_are_left_out() -> None:
    facts = ClosureFacts(ClosureStatus.ORDER_MADE, order_made_at=MADE, order_months=3)
    assert [clock.name for clock in closure_clocks(facts, now=london(2026, 7, 3))] == [
        ClockName.ORDER_ENDS
    ]
    assert closure_clocks(facts, now=london(2026, 9, 12, 11)) == []


def test_refused_order_runs_the_appeal_clock_from_the_hearing_day() -> None:
    facts = ClosureFacts(ClosureStatus.REFUSED, notice_served_at=SERVED, hearing_at=MADE)
    [appeal] = closure_clocks(facts)
    assert appeal.name is ClockName.APPEAL_DEADLINE
    assert same_instant(appeal.deadline, london(2026, 7, 3))
    assert "refused" in appeal.due


@pytest.mark.parametrize(
    "status",
    [ClosureStatus.PLANNED, ClosureStatus.DISCHARGED, ClosureStatus.EXPIRED],
    ids=str,
)
def test_closure_with_nothing_pending_runs_no_clocks(status: ClosureStatus) -> None:
    facts = ClosureFacts(status, notice_served_at=SERVED, order_made_at=MADE, order_months=3)
    assert closure_clocks(facts) == []


moments = st.datetimes(
    min_value=datetime(2000, 1, 1),  # hypothesis wants naive bounds
    max_value=datetime(2090, 12, 31),
    timezones=st.just(UTC),
)


def _christmas_overlap(start: datetime, end: datetime) -> timedelta:
    overlap = timedelta()
    for year in {start.astimezone(LONDON).year, end.astimezone(LONDON).year}:
        xmas_start, xmas_end = christmas_day(year)
        overlap += max(timedelta(), min(end, xmas_end) - max(start, xmas_start))
    return overlap


@given(served=moments)
def test_hearing_deadline_is_between_48_and_72_hours_after_service(served: datetime) -> None:
    elapsed = hearing_deadline(served).astimezone(UTC) - served
    assert timedelta(hours=48) <= elapsed <= timedelta(hours=72)


@given(served=moments)
def test_hearing_deadline_leaves_exactly_48_hours_outside_christmas_day(served: datetime) -> None:
    deadline = hearing_deadline(served)
    counted = deadline.astimezone(UTC) - served - _christmas_overlap(served, deadline)
    assert counted == timedelta(hours=48)


@given(made=moments, months=st.integers(min_value=1, max_value=3))
def test_closure_order_never_outlasts_its_extension_limit(made: datetime, months: int) -> None:
    ends = closure_order_ends_at(made, order_months=months)
    assert made < ends < closure_order_extension_limit(made)


@given(moment=moments, months=st.integers(min_value=-120, max_value=120))
def test_adding_months_keeps_the_day_or_clamps_it_to_the_month_end(
    moment: datetime, months: int
) -> None:
    start = moment.astimezone(LONDON)
    result = add_calendar_months(moment, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    last_day_of_month = (result.date() + timedelta(days=1)).day == 1
    assert result.day == start.day or (result.day < start.day and last_day_of_month)


def test_closure_facts_are_read_from_stored_record_fields() -> None:
    from fieldkit.domain.legal_clocks import closure_facts

    facts = closure_facts(
        {
            "status": "order_made",
            "notice_served_at": "2026-11-02T10:00:00+00:00",
            "notice_hours": 48,
            "hearing_at": "2026-11-04T09:30:00+00:00",
            "order_made_at": "2026-11-04T11:00:00+00:00",
            "order_months": 3,
            "extended_until": None,
        }
    )
    assert facts.status is ClosureStatus.ORDER_MADE
    assert facts.notice_hours == 48
    assert facts.order_made_at is not None
    assert facts.order_made_at.utcoffset() is not None


def test_closure_facts_with_a_malformed_date_say_so() -> None:
    from fieldkit.domain.legal_clocks import closure_facts

    with pytest.raises(ValueError, match="isoformat"):
        closure_facts({"status": "notice_served", "notice_served_at": "last Tuesday"})
