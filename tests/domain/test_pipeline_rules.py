"""The warnings pipeline's rules: who stands where, how many at each level, who is due next."""

from __future__ import annotations

from datetime import datetime

import pytest

from fieldkit.domain.escalation import (
    Standing,
    WarningFact,
    describe_due,
    due_to_move_on,
    people_at_each_level,
    standing_warnings,
)
from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.schemes import load_scheme
from fieldkit.domain.trends import stored_moment
from fieldkit.domain.vocabulary import WarningStatus, subject_name

STREET = load_scheme("street_drinking_vagrancy")  # yellow, red, then enforcement; 12 months
SCHEMES = {STREET.id: STREET}
NOW = datetime(2026, 11, 30, 12, tzinfo=LONDON)


def on(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=LONDON)


def given(level: str, when: datetime, status: WarningStatus = WarningStatus.ISSUED) -> WarningFact:
    return WarningFact(level, when, status)


def seen(*moments: datetime) -> list[str]:
    return [stored_moment(m) for m in moments]


@pytest.mark.parametrize(
    ("warnings", "stands_at"),
    [
        ([], None),
        ([given("yellow", on(2026, 10, 1))], "yellow"),
        ([given("yellow", on(2025, 10, 1))], None),  # lapsed: the window is 12 months
        ([given("yellow", on(2026, 6, 1)), given("red", on(2026, 9, 1))], "red"),
        ([given("red", on(2026, 1, 5)), given("yellow", on(2026, 10, 1))], "red"),
        ([given("red", on(2025, 9, 1)), given("yellow", on(2026, 10, 1))], "yellow"),
    ],
    ids=["none", "one-yellow", "lapsed", "climbed", "higher-wins", "higher-lapsed"],
)
def test_a_person_stands_on_their_highest_warning_still_standing(
    warnings: list[WarningFact], stands_at: str | None
) -> None:
    found = standing_warnings({("p1", STREET.id): warnings}, SCHEMES, now=NOW)
    assert [s.warning.level for s in found] == ([stands_at] if stands_at else [])


def test_of_two_warnings_at_one_level_the_later_one_counts_and_sets_the_window() -> None:
    warnings = [given("yellow", on(2026, 2, 1)), given("yellow", on(2026, 8, 1))]
    (standing,) = standing_warnings({("p1", STREET.id): warnings}, SCHEMES, now=NOW)
    assert standing.warning.issued_at == on(2026, 8, 1)
    assert standing.until == on(2027, 8, 1)


@pytest.mark.parametrize(
    ("levels", "counts"),
    [
        ([], {}),
        (["yellow"], {(STREET.id, "yellow"): 1}),
        (["yellow", "yellow", "red"], {(STREET.id, "yellow"): 2, (STREET.id, "red"): 1}),
    ],
)
def test_people_are_counted_once_at_the_level_they_stand_at(
    levels: list[str], counts: dict[tuple[str, str], int]
) -> None:
    standing = [
        Standing(f"p{n}", STREET.id, given(level, on(2026, 10, 1)), on(2027, 10, 1))
        for n, level in enumerate(levels)
    ]
    assert people_at_each_level(standing) == counts


@pytest.mark.parametrize(
    ("warnings", "sightings", "due"),
    [
        ([given("yellow", on(2026, 10, 1))], [], None),
        ([given("yellow", on(2026, 10, 1))], seen(on(2026, 9, 20)), None),  # before it was given
        ([given("yellow", on(2026, 10, 1))], seen(on(2026, 11, 2), on(2026, 11, 3)), ("red", 2)),
        ([given("red", on(2026, 10, 1))], seen(on(2026, 11, 2)), (None, 1)),  # enforcement next
        (
            [given("yellow", on(2026, 6, 1)), given("red", on(2026, 9, 1))],
            seen(on(2026, 8, 1), on(2026, 9, 5)),  # only sightings after the red one count
            (None, 1),
        ),
    ],
    ids=["unseen", "seen-before", "seen-after-yellow", "seen-after-red", "after-the-top-one"],
)
def test_someone_seen_after_the_warning_they_stand_on_is_due_the_next_step(
    warnings: list[WarningFact],
    sightings: list[str],
    due: tuple[str | None, int] | None,
) -> None:
    history = {("p1", STREET.id): warnings}
    standing = standing_warnings(history, SCHEMES, now=NOW)
    found = due_to_move_on(standing, history, SCHEMES, {"p1": sightings}, now=NOW)
    if due is None:
        assert found == []
        return
    (step,) = found
    next_level = step.next_level.id if step.next_level is not None else None
    assert (next_level, step.encounters) == due
    assert step.last_seen == max(sightings)
    assert step.stage.id == standing[0].warning.level


def test_those_due_are_listed_most_recently_seen_first() -> None:
    history = {
        ("early", STREET.id): [given("yellow", on(2026, 10, 1))],
        ("late", STREET.id): [given("yellow", on(2026, 10, 1))],
    }
    standing = standing_warnings(history, SCHEMES, now=NOW)
    sightings = {"early": seen(on(2026, 11, 1)), "late": seen(on(2026, 11, 20))}
    found = due_to_move_on(standing, history, SCHEMES, sightings, now=NOW)
    assert [d.person_id for d in found] == ["late", "early"]


@pytest.mark.parametrize(
    ("encounters", "words"),
    [
        (
            1,
            "Seen 1 time since Yellow warning was given on 1 October 2026, while it stands "
            "(until 1 October 2027): next step Red warning.",
        ),
        (
            3,
            "Seen 3 times since Yellow warning was given on 1 October 2026, while it stands "
            "(until 1 October 2027): next step Red warning.",
        ),
    ],
)
def test_why_someone_is_due_reads_as_one_sentence(encounters: int, words: str) -> None:
    assert (
        describe_due(
            encounters=encounters,
            stage="Yellow warning",
            given_on=on(2026, 10, 1),
            until=on(2027, 10, 1),
            next_step="Red warning",
        )
        == words
    )


@pytest.mark.parametrize(
    ("kind", "known", "shown"),
    [
        ("person", "Ann Smith", "Ann Smith"),
        ("person", None, "Unknown person"),
        ("person", "", "Unknown person"),
        ("place", None, "Unknown place"),
        ("place", "Bus station, WF13 1AB", "Bus station, WF13 1AB"),
    ],
)
def test_a_subject_not_held_here_reads_as_unknown(kind: str, known: str | None, shown: str) -> None:
    assert subject_name(kind, known) == shown
