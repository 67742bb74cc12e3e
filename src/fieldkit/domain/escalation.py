"""The escalation engine: from a person's warning history to the next step on a scheme's ladder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from fieldkit.domain.legal_clocks import LONDON, add_calendar_months, format_date, require_aware
from fieldkit.domain.schemes import Enforcement, Level, Scheme
from fieldkit.domain.vocabulary import WarningStatus


class Outcome(StrEnum):
    """What the engine proposes."""

    #: Give the person a warning at ``Proposal.proposed_level``.
    ISSUE_WARNING = "issue_warning"
    #: The person is at the top of the ladder: refer for ``Proposal.enforcement``.
    REFER_FOR_ENFORCEMENT = "refer_for_enforcement"
    #: The scheme may not be used with this person (e.g. under 16 for a CPW).
    NOT_ELIGIBLE = "not_eligible"
    #: The scheme has an age limit and the person's date of birth is not recorded.
    NEEDS_DATE_OF_BIRTH = "needs_date_of_birth"


@dataclass(frozen=True)
class WarningFact:
    """One warning a person was given under a scheme, as the engine needs it.

    Raises:
        ValueError: If a time is naive, or the warning expires before it was issued.
    """

    level: str
    issued_at: datetime
    status: WarningStatus = WarningStatus.ISSUED
    #: The end printed on the warning itself, if any; it takes precedence over the scheme's
    #: window, because it is what the person was told.
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        require_aware(self.issued_at, "issued_at")
        if self.expires_at is not None:
            require_aware(self.expires_at, "expires_at")
            if self.expires_at <= self.issued_at:
                raise ValueError("expires_at must be after issued_at")


@dataclass(frozen=True)
class Proposal:
    """The engine's answer: where the person stands, what to do next, and why."""

    outcome: Outcome
    #: Why, in plain English, naming the warning and dates it rests on.
    reason: str
    #: The level the person stands at now, or None if no warning stands.
    current_stage: Level | None
    #: Until when the current stage stands (exclusive), or None if no warning stands.
    window_ends_at: datetime | None
    #: The level to issue, when the outcome is ISSUE_WARNING.
    proposed_level: Level | None = None
    #: The enforcement to refer for, when the outcome is REFER_FOR_ENFORCEMENT.
    enforcement: Enforcement | None = None

    @property
    def support_first(self) -> bool:
        """Whether support must be offered before (or with) the proposed step."""
        if self.proposed_level is not None:
            return self.proposed_level.support_first
        if self.enforcement is not None:
            return self.enforcement.support_first
        return False


def warning_stands_until(scheme: Scheme, warning: WarningFact) -> datetime:
    """Until when a warning stands: its own printed end, else the scheme's window from issue.

    Args:
        scheme: The scheme the warning was given under.
        warning: The warning.

    Returns:
        The first moment at which the warning no longer stands, in Europe/London.
    """
    if warning.expires_at is not None:
        return warning.expires_at.astimezone(LONDON)
    return add_calendar_months(warning.issued_at, scheme.window_months)


def next_step(
    scheme: Scheme,
    history: Sequence[WarningFact],
    *,
    now: datetime,
    date_of_birth: date | None = None,
) -> Proposal:
    """Propose the next step for a person under a scheme, from their warning history.

    Withdrawn warnings do not count. Superseded ones do: the person was at that level. The
    current stage is the highest level among the warnings that still stand at ``now`` (a warning
    stands from issue until the end of its window, exclusive); the next step is the level above
    it, or enforcement above the top. If no warning stands, the person starts at the first level.

    Args:
        scheme: The scheme's rule set.
        history: The person's warnings under this scheme, in any order.
        now: The moment of the proposal (aware).
        date_of_birth: The person's date of birth, needed when the scheme has an age limit.

    Returns:
        The proposal.

    Raises:
        ValueError: If ``now`` is naive or a warning names a level the scheme does not have.
    """
    require_aware(now, "now")
    counted = [warning for warning in history if warning.status is not WarningStatus.WITHDRAWN]
    ranked = [(scheme.rank(warning.level), warning) for warning in counted]
    standing = [(rank, w) for rank, w in ranked if now < warning_stands_until(scheme, w)]
    rank, current = max(standing, key=lambda pair: (pair[0], pair[1].issued_at), default=(0, None))
    current_stage = None if current is None else scheme.levels[rank]
    window_ends_at = None if current is None else warning_stands_until(scheme, current)

    if scheme.min_age is not None:
        refusal = _age_refusal(scheme, scheme.min_age, now=now, date_of_birth=date_of_birth)
        if refusal is not None:
            outcome, reason = refusal
            return Proposal(outcome, reason, current_stage, window_ends_at)

    if current is None or current_stage is None or window_ends_at is None:
        first = scheme.levels[0]
        reason = _fresh_start_reason(scheme, counted, had_withdrawn=len(counted) < len(history))
        return Proposal(Outcome.ISSUE_WARNING, reason, None, None, proposed_level=first)

    standing_for = (
        f"still within the {scheme.window_months}-month window"
        if current.expires_at is None
        else "still in force"
    )
    because = (
        f"{current_stage.name} issued {format_date(current.issued_at)} is {standing_for} "
        f"(until {format_date(window_ends_at)}), so the next step is"
    )
    if rank + 1 < len(scheme.levels):
        following = scheme.levels[rank + 1]
        return Proposal(
            Outcome.ISSUE_WARNING,
            f"{because}: {following.name}.",
            current_stage,
            window_ends_at,
            proposed_level=following,
        )
    enforcement = scheme.enforcement
    return Proposal(
        Outcome.REFER_FOR_ENFORCEMENT,
        f"{because} enforcement: {enforcement.name} ({_either(enforcement.options)}).",
        current_stage,
        window_ends_at,
        enforcement=enforcement,
    )


def age_on(date_of_birth: date, day: date) -> int:
    """A person's age in whole years on a day.

    Someone born on 29 February turns a year older on 1 March in a common year.

    Args:
        date_of_birth: When the person was born.
        day: The day to reckon on.

    Returns:
        Completed years.
    """
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def _birthday(date_of_birth: date, age: int) -> date:
    year = date_of_birth.year + age
    if (date_of_birth.month, date_of_birth.day) == (2, 29):
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 3, 1)
    return date_of_birth.replace(year=year)


def _age_refusal(
    scheme: Scheme, min_age: int, *, now: datetime, date_of_birth: date | None
) -> tuple[Outcome, str] | None:
    first = scheme.levels[0].name
    if date_of_birth is None:
        return (
            Outcome.NEEDS_DATE_OF_BIRTH,
            f"{first} can only be given to someone aged {min_age} or over, and their date of "
            "birth is not recorded: record it first.",
        )
    age = age_on(date_of_birth, now.astimezone(LONDON).date())
    if age >= min_age:
        return None
    turns = format_date(_birthday(date_of_birth, min_age))
    return (
        Outcome.NOT_ELIGIBLE,
        f"They are {age}, and {first} can only be given to someone aged {min_age} or over "
        f"(they turn {min_age} on {turns}).",
    )


def _fresh_start_reason(scheme: Scheme, counted: list[WarningFact], *, had_withdrawn: bool) -> str:
    first = scheme.levels[0].name
    if not counted:
        ignored = " (withdrawn warnings do not count)" if had_withdrawn else ""
        return f"No warnings on record under {scheme.name}{ignored}, so the first step is: {first}."
    last = max(counted, key=lambda w: (warning_stands_until(scheme, w), scheme.rank(w.level)))
    ended = warning_stands_until(scheme, last)
    how_long = (
        f"the {scheme.window_months}-month window" if last.expires_at is None else "its end date"
    )
    return (
        f"{scheme.levels[scheme.rank(last.level)].name} issued {format_date(last.issued_at)} "
        f"lapsed on {format_date(ended)} ({how_long}), so they start again at: {first}."
    )


def _either(options: Sequence[str]) -> str:
    if len(options) == 1:
        return options[0]
    return f"{', '.join(options[:-1])} or {options[-1]}"
