"""The escalation engine: from a person's warning history to the next step on a scheme's ladder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from fieldkit.domain.legal_clocks import LONDON, add_calendar_months, format_date, require_aware
from fieldkit.domain.schemes import Enforcement, Level, Scheme
from fieldkit.domain.trends import stored_moment
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


# The warnings pipeline -------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """The warning a person stands on under one scheme now, and until when it stands."""

    person_id: str
    scheme_id: str
    warning: WarningFact
    until: datetime


@dataclass(frozen=True)
class DueStep:
    """Someone seen again while a warning stands: the facts of their next step on the ladder."""

    person_id: str
    scheme_id: str
    #: The level they stand at now.
    stage: Level
    #: The level to give next, or None when the next step is the scheme's enforcement.
    next_level: Level | None
    #: How often they were seen after the warning they stand on was given.
    encounters: int
    #: When they were last seen (stored-datetime text, as the sightings were given).
    last_seen: str
    given_on: datetime
    stands_until: datetime


def standing_warnings(
    history: Mapping[tuple[str, str], Sequence[WarningFact]],
    schemes: Mapping[str, Scheme],
    *,
    now: datetime,
) -> list[Standing]:
    """Where each person stands under each scheme: their highest warning still standing.

    Args:
        history: Each (person id, scheme id)'s warnings (withdrawn ones already left out).
        schemes: The schemes by id; every scheme id in ``history`` is one of them.
        now: The moment the pipeline is drawn at.

    Returns:
        One entry per (person, scheme) with a warning standing at ``now``, in ``history``'s
        order; among equal levels the latest given counts.
    """
    standing: list[Standing] = []
    for (person_id, scheme_id), facts in history.items():
        scheme = schemes[scheme_id]
        live = [(scheme.rank(f.level), f) for f in facts if now < warning_stands_until(scheme, f)]
        if not live:
            continue
        _, current = max(live, key=lambda pair: (pair[0], pair[1].issued_at))
        standing.append(
            Standing(person_id, scheme_id, current, warning_stands_until(scheme, current))
        )
    return standing


def people_at_each_level(standing: Sequence[Standing]) -> dict[tuple[str, str], int]:
    """How many people stand at each (scheme id, level id)."""
    counts: dict[tuple[str, str], int] = {}
    for entry in standing:
        key = (entry.scheme_id, entry.warning.level)
        counts[key] = counts.get(key, 0) + 1
    return counts


def due_to_move_on(
    standing: Sequence[Standing],
    history: Mapping[tuple[str, str], Sequence[WarningFact]],
    schemes: Mapping[str, Scheme],
    sightings: Mapping[str, Sequence[str]],
    *,
    now: datetime,
) -> list[DueStep]:
    """Who is due to move on: seen again after the warning they stand on was given.

    Under every scheme a further breach within the window brings the next step, which is what
    `next_step` proposes for the person's whole history.

    Args:
        standing: Where people stand (`standing_warnings`).
        history: The same warning history `standing` was drawn from.
        schemes: The schemes by id.
        sightings: Each person's visit times as stored-datetime text (`trends.stored_moment`).
        now: The moment the pipeline is drawn at.

    Returns:
        The people due, most recently seen first (then by person id, descending).
    """
    due: list[DueStep] = []
    for entry in standing:
        given = stored_moment(entry.warning.issued_at)
        after = [at for at in sightings.get(entry.person_id, ()) if at > given]
        if not after:
            continue
        scheme = schemes[entry.scheme_id]
        proposal = next_step(scheme, history[(entry.person_id, entry.scheme_id)], now=now)
        due.append(
            DueStep(
                person_id=entry.person_id,
                scheme_id=entry.scheme_id,
                stage=scheme.levels[scheme.rank(entry.warning.level)],
                next_level=proposal.proposed_level,
                encounters=len(after),
                last_seen=max(after),
                given_on=entry.warning.issued_at,
                stands_until=entry.until,
            )
        )
    due.sort(key=lambda d: (d.last_seen, d.person_id), reverse=True)
    return due


def describe_due(
    *, encounters: int, stage: str, given_on: datetime, until: datetime, next_step: str
) -> str:
    """Why someone is due to move on, in words.

    Args:
        encounters: How often they were seen since the warning was given.
        stage: The name of the level they stand at.
        given_on: When that warning was given.
        until: Until when it stands.
        next_step: The name of the next step (a level, or the scheme's enforcement).

    Returns:
        One sentence, e.g. "Seen 2 times since Yellow warning was given on 1 October 2026,
        while it stands (until 1 April 2027): next step Red warning."
    """
    times = "time" if encounters == 1 else "times"
    return (
        f"Seen {encounters} {times} since {stage} was given on {format_date(given_on)}, "
        f"while it stands (until {format_date(until)}): next step {next_step}."
    )
