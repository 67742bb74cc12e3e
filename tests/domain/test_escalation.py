"""Tests for the escalation engine: windows, withdrawn warnings, age limits and enforcement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldkit.domain.escalation import Outcome, Proposal, WarningFact, age_on, next_step
from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.schemes import Scheme, load_scheme, parse_scheme
from fieldkit.domain.vocabulary import WarningStatus

ISSUED = WarningStatus.ISSUED
WITHDRAWN = WarningStatus.WITHDRAWN
SUPERSEDED = WarningStatus.SUPERSEDED

STREET = load_scheme("street_drinking_vagrancy")
COMMUNITY = load_scheme("community_protection")
ADULT = date(1990, 5, 17)


def london(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def warning(
    level: str,
    issued_at: datetime,
    status: WarningStatus = ISSUED,
    expires_at: datetime | None = None,
) -> WarningFact:
    return WarningFact(level, issued_at, status, expires_at)


def proposed(proposal: Proposal) -> str:
    """The proposal in a word: the level id, "enforcement", or the outcome."""
    if proposal.proposed_level is not None:
        return proposal.proposed_level.id
    if proposal.enforcement is not None:
        return "enforcement"
    return proposal.outcome.value


NOW = london(2026, 6, 1)


@pytest.mark.parametrize(
    ("history", "step", "stage"),
    [
        pytest.param([], "yellow", None, id="no-history-starts-at-yellow"),
        pytest.param([warning("yellow", london(2026, 3, 3))], "red", "yellow", id="yellow-live"),
        pytest.param([warning("yellow", london(2025, 3, 3))], "yellow", None, id="yellow-lapsed"),
        pytest.param(
            [warning("yellow", london(2026, 1, 5), SUPERSEDED), warning("red", london(2026, 3, 3))],
            "enforcement",
            "red",
            id="red-live-goes-to-enforcement",
        ),
        pytest.param(
            [warning("yellow", london(2025, 1, 5)), warning("red", london(2025, 3, 3))],
            "yellow",
            None,
            id="red-lapsed-starts-again-at-yellow",
        ),
        pytest.param(
            [warning("yellow", london(2026, 3, 3), WITHDRAWN)],
            "yellow",
            None,
            id="withdrawn-yellow-ignored",
        ),
        pytest.param(
            [warning("yellow", london(2026, 1, 5)), warning("red", london(2026, 3, 3), WITHDRAWN)],
            "red",
            "yellow",
            id="withdrawn-red-ignored",
        ),
        pytest.param(
            [warning("yellow", london(2026, 3, 3), SUPERSEDED)],
            "red",
            "yellow",
            id="superseded-yellow-still-counts",
        ),
        pytest.param(
            [warning("red", london(2026, 2, 1)), warning("yellow", london(2026, 4, 1))],
            "enforcement",
            "red",
            id="highest-standing-level-wins-over-latest",
        ),
        pytest.param(
            [warning("red", london(2025, 2, 1)), warning("yellow", london(2026, 4, 1))],
            "red",
            "yellow",
            id="lapsed-red-then-new-yellow",
        ),
        pytest.param(
            [warning("yellow", london(2026, 3, 3), expires_at=london(2026, 5, 3))],
            "yellow",
            None,
            id="printed-end-date-overrides-window",
        ),
        pytest.param(
            [warning("yellow", london(2025, 3, 3), expires_at=london(2026, 9, 3))],
            "red",
            "yellow",
            id="printed-end-date-beyond-window",
        ),
    ],
)
def test_street_drinking_next_step_follows_the_ladder_within_the_window(
    history: list[WarningFact], step: str, stage: str | None
) -> None:
    proposal = next_step(STREET, history, now=NOW)
    assert proposed(proposal) == step
    assert (proposal.current_stage.id if proposal.current_stage else None) == stage


def test_yellow_within_window_gives_plain_english_reason_and_window_end() -> None:
    proposal = next_step(STREET, [warning("yellow", london(2026, 3, 3, 10))], now=NOW)
    assert proposal.outcome is Outcome.ISSUE_WARNING
    assert proposal.reason == (
        "Yellow warning issued 3 March 2026 is still within the 12-month window "
        "(until 3 March 2027), so the next step is: Red warning."
    )
    assert proposal.window_ends_at == london(2027, 3, 3, 10)
    assert proposal.support_first


def test_red_within_window_proposes_enforcement_referral_and_says_which() -> None:
    history = [warning("yellow", london(2026, 1, 5)), warning("red", london(2026, 3, 3))]
    proposal = next_step(STREET, history, now=NOW)
    assert proposal.outcome is Outcome.REFER_FOR_ENFORCEMENT
    assert proposal.proposed_level is None
    assert proposal.enforcement == STREET.enforcement
    assert proposal.reason.startswith(
        "Red warning issued 3 March 2026 is still within the 12-month window "
        "(until 3 March 2027), so the next step is enforcement: Enforcement referral ("
    )
    assert "Community Protection Warning" in proposal.reason
    assert "PSPO fixed penalty" in proposal.reason


def test_lapsed_yellow_reason_says_when_it_lapsed() -> None:
    proposal = next_step(STREET, [warning("yellow", london(2025, 3, 3))], now=NOW)
    assert proposal.reason == (
        "Yellow warning issued 3 March 2025 lapsed on 3 March 2026 (the 12-month window), "
        "so they start again at: Yellow warning."
    )
    assert proposal.window_ends_at is None


def test_withdrawn_only_history_says_withdrawn_warnings_do_not_count() -> None:
    proposal = next_step(STREET, [warning("red", london(2026, 3, 3), WITHDRAWN)], now=NOW)
    assert "withdrawn warnings do not count" in proposal.reason
    assert proposed(proposal) == "yellow"


ISSUED_AT = london(2026, 3, 3, 10)
WINDOW_END = london(2027, 3, 3, 10)


@pytest.mark.parametrize(
    ("now", "step"),
    [
        pytest.param(WINDOW_END - timedelta(seconds=1), "red", id="one-second-before-window-end"),
        pytest.param(WINDOW_END, "yellow", id="exactly-at-window-end"),
        pytest.param(WINDOW_END + timedelta(days=1), "yellow", id="day-after-window-end"),
        pytest.param(ISSUED_AT, "red", id="moment-of-issue"),
    ],
)
def test_window_is_open_until_exactly_its_end(now: datetime, step: str) -> None:
    assert proposed(next_step(STREET, [warning("yellow", ISSUED_AT)], now=now)) == step


def _street_with_window(months: int) -> Scheme:
    levels = [
        {
            "id": level.id,
            "name": level.name,
            "power": level.power,
            "next_step": level.next_step,
            "support_first": level.support_first,
        }
        for level in STREET.levels
    ]
    enforcement = STREET.enforcement
    return parse_scheme(
        {
            "format": 1,
            "id": STREET.id,
            "name": STREET.name,
            "window_months": months,
            "levels": levels,
            "enforcement": {
                "name": enforcement.name,
                "power": enforcement.power,
                "options": list(enforcement.options),
                "support_first": enforcement.support_first,
            },
        },
        source="test",
    )


@pytest.mark.parametrize(
    ("window_months", "step"),
    [pytest.param(6, "yellow", id="6-month-window"), pytest.param(12, "red", id="12-month-window")],
)
def test_window_length_comes_from_the_rule_set(window_months: int, step: str) -> None:
    seven_months_ago = london(2025, 11, 1)
    scheme = _street_with_window(window_months)
    assert proposed(next_step(scheme, [warning("yellow", seven_months_ago)], now=NOW)) == step


def test_window_from_month_end_clamps_to_the_shorter_month() -> None:
    scheme = _street_with_window(3)
    history = [warning("yellow", london(2026, 11, 30, 9))]
    proposal = next_step(scheme, history, now=london(2027, 1, 1))
    assert proposal.window_ends_at == london(2027, 2, 28, 9)
    assert proposed(next_step(scheme, history, now=london(2027, 2, 28, 9))) == "yellow"


@pytest.mark.parametrize(
    ("history", "date_of_birth", "now", "outcome", "step"),
    [
        pytest.param([], ADULT, NOW, Outcome.ISSUE_WARNING, "cpw", id="cpw-must-come-first"),
        pytest.param(
            [warning("cpw", london(2026, 4, 1))],
            ADULT,
            NOW,
            Outcome.ISSUE_WARNING,
            "cpn",
            id="cpw-live-then-cpn",
        ),
        pytest.param(
            [warning("cpw", london(2026, 2, 1)), warning("cpn", london(2026, 4, 1))],
            ADULT,
            NOW,
            Outcome.REFER_FOR_ENFORCEMENT,
            "enforcement",
            id="cpn-live-then-breach-enforcement",
        ),
        pytest.param([], date(2010, 6, 2), NOW, Outcome.NOT_ELIGIBLE, "not_eligible", id="age-15"),
        pytest.param([], date(2010, 6, 1), NOW, Outcome.ISSUE_WARNING, "cpw", id="16th-birthday"),
        pytest.param(
            [],
            date(2010, 6, 5),
            datetime(2026, 6, 4, 23, 30, tzinfo=UTC),
            Outcome.ISSUE_WARNING,
            "cpw",
            id="birthday-reckoned-on-london-date",
        ),
        pytest.param(
            [], None, NOW, Outcome.NEEDS_DATE_OF_BIRTH, "needs_date_of_birth", id="no-dob"
        ),
        pytest.param(
            [warning("cpw", london(2025, 4, 1))],
            ADULT,
            NOW,
            Outcome.ISSUE_WARNING,
            "cpw",
            id="stale-cpw-starts-again",
        ),
    ],
)
def test_community_protection_needs_a_cpw_first_and_a_person_of_16_or_over(
    history: list[WarningFact],
    date_of_birth: date | None,
    now: datetime,
    outcome: Outcome,
    step: str,
) -> None:
    proposal = next_step(COMMUNITY, history, now=now, date_of_birth=date_of_birth)
    assert proposal.outcome is outcome
    assert proposed(proposal) == step


def test_under_16_is_not_eligible_and_told_when_they_turn_16() -> None:
    proposal = next_step(COMMUNITY, [], now=NOW, date_of_birth=date(2010, 9, 14))
    assert proposal.outcome is Outcome.NOT_ELIGIBLE
    assert proposal.reason == (
        "They are 15, and Community Protection Warning (CPW) can only be given to someone "
        "aged 16 or over (they turn 16 on 14 September 2026)."
    )
    assert not proposal.support_first


@pytest.mark.parametrize(
    ("on", "age"),
    [
        pytest.param(date(2025, 2, 28), 16, id="28-feb-common-year"),
        pytest.param(date(2025, 3, 1), 17, id="1-mar-common-year"),
        pytest.param(date(2028, 2, 28), 19, id="28-feb-leap-year"),
        pytest.param(date(2028, 2, 29), 20, id="29-feb-leap-year"),
    ],
)
def test_leap_day_birthday_counts_from_1_march_in_a_common_year(on: date, age: int) -> None:
    assert age_on(date(2008, 2, 29), on) == age


def test_leap_day_child_is_told_they_turn_16_on_29_february() -> None:
    born = date(2008, 2, 29)
    before = next_step(COMMUNITY, [], now=london(2024, 2, 28), date_of_birth=born)
    assert before.outcome is Outcome.NOT_ELIGIBLE
    assert before.reason.endswith("(they turn 16 on 29 February 2024).")
    on_the_day = next_step(COMMUNITY, [], now=london(2024, 2, 29), date_of_birth=born)
    assert on_the_day.outcome is Outcome.ISSUE_WARNING


def test_cpn_breach_enforcement_names_the_100_pound_fixed_penalty() -> None:
    history = [warning("cpw", london(2026, 2, 1)), warning("cpn", london(2026, 4, 1))]
    proposal = next_step(COMMUNITY, history, now=NOW, date_of_birth=ADULT)
    assert "Fixed penalty notice of £100" in proposal.reason
    assert "Prosecution" in proposal.reason
    assert proposal.enforcement is not None
    assert proposal.enforcement.fixed_penalty_pounds == 100


def test_scheme_without_an_age_limit_ignores_the_date_of_birth() -> None:
    proposal = next_step(STREET, [], now=NOW, date_of_birth=date(2014, 1, 1))
    assert proposal.outcome is Outcome.ISSUE_WARNING


def test_warning_at_a_level_the_scheme_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError, match="has no level 'amber'"):
        next_step(STREET, [warning("amber", london(2026, 3, 3))], now=NOW)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        next_step(STREET, [], now=datetime(2026, 6, 1))
    with pytest.raises(ValueError, match="issued_at must be timezone-aware"):
        WarningFact("yellow", datetime(2026, 6, 1))


def test_warning_that_expires_before_it_was_issued_is_refused() -> None:
    with pytest.raises(ValueError, match="expires_at"):
        WarningFact("yellow", london(2026, 6, 1), expires_at=london(2026, 5, 1))


facts = st.builds(
    WarningFact,
    level=st.sampled_from(["yellow", "red"]),
    issued_at=st.datetimes(
        min_value=datetime(2024, 1, 1),
        max_value=datetime(2026, 5, 31),
        timezones=st.just(LONDON),
    ),
    status=st.sampled_from(list(WarningStatus)),
)


@given(history=st.lists(facts, max_size=6), data=st.data())
def test_order_of_history_does_not_change_the_proposal(
    history: list[WarningFact], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(history))
    assert next_step(STREET, shuffled, now=NOW) == next_step(STREET, history, now=NOW)


@given(history=st.lists(facts, max_size=6), withdrawn=st.lists(facts, max_size=3))
def test_withdrawn_warnings_never_change_the_step(
    history: list[WarningFact], withdrawn: list[WarningFact]
) -> None:
    counted = [fact for fact in history if fact.status is not WITHDRAWN]
    extra = [WarningFact(fact.level, fact.issued_at, WITHDRAWN) for fact in withdrawn]
    with_extra = next_step(STREET, counted + extra, now=NOW)
    without = next_step(STREET, counted, now=NOW)
    assert (with_extra.outcome, with_extra.current_stage, with_extra.proposed_level) == (
        without.outcome,
        without.current_stage,
        without.proposed_level,
    )
