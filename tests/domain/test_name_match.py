"""The name matcher: what it matches, how it ranks, and the reason it gives."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fieldkit.domain.name_match import (
    MatchReason,
    NameQuery,
    PersonNames,
    WordMatch,
    blocking_keys,
    close_spellings,
    duplicate_pairs,
    match_person,
    parse_query,
    rank,
    same_person,
    word_match,
)
from fieldkit.domain.names import NameRules, load_name_rules

TODAY = date(2026, 12, 6)
R = MatchReason


@pytest.fixture(scope="module")
def rules() -> NameRules:
    return load_name_rules(Path(__file__).parents[2] / "resources" / "names")


def q(text: str) -> NameQuery:
    return parse_query(text, today=TODAY)


HAMZA = PersonNames("hamza", "Hamza", "Chaudhry", (), date(1989, 3, 12))


@pytest.mark.parametrize(
    ("typed", "word", "how"),
    [
        ("chaudhry", "chaudhry", WordMatch.EXACT),
        ("chau", "chaudhry", WordMatch.PREFIX),
        ("mohd", "muhammad", WordMatch.GROUP),
        ("chaudry", "chaudhry", WordMatch.VARIANT),
        ("chaudr", "chaudhry", WordMatch.VARIANT),
        ("levandov", "lewandowski", WordMatch.VARIANT_PREFIX),
        ("kane", "khan", WordMatch.SOUND),
        ("stephanie", "stefani", WordMatch.VARIANT),
        ("chaudhty", "chaudhry", WordMatch.TYPO),
        ("hinchcliffe", "hinchliffe", WordMatch.TYPO),
        ("lewandowksi", "lewandowski", WordMatch.TYPO),
        ("armitahe", "armitage", WordMatch.TYPO),
    ],
)
def test_each_way_a_typed_word_meets_a_name(
    rules: NameRules, typed: str, word: str, how: WordMatch
) -> None:
    assert word_match(typed, word, rules) is how


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("ali", "ally"),  # too short for sound or typing errors
        ("smith", "patel"),
        ("khan", "kaur"),
        ("nowak", "newman"),
        ("hirst", "hurst"[::-1]),
        ("patel", "petal"[::-1]),
        ("taylor", "tyler"[::-1]),
        ("senior", "sykes"),
    ],
)
def test_unrelated_words_do_not_meet(rules: NameRules, typed: str, word: str) -> None:
    assert word_match(typed, word, rules) is None


@pytest.mark.parametrize(
    ("typed", "reasons"),
    [
        ("Hamza Chaudhry", (R.EXACT_NAME,)),
        ("Chaudhry Hamza", (R.EXACT_NAME,)),
        ("Chaudry", (R.SPELLING_VARIANT,)),
        ("hamzah choudhury", (R.SPELLING_VARIANT,)),
        ("Hamza Chaudhty", (R.EXACT_NAME, R.TYPING_ERROR)[1:]),
        ("Hamza 12/3/89", (R.EXACT_NAME, R.BORN_SAME_DAY)),
        ("Hamza 3/12/89", (R.EXACT_NAME, R.DAY_MONTH_SWAPPED)),
        ("1989-03-12", (R.BORN_SAME_DAY,)),
        ("12.03.1989 chaud", (R.STARTS_WITH, R.BORN_SAME_DAY)),
    ],
)
def test_a_match_says_why(rules: NameRules, typed: str, reasons: tuple[MatchReason, ...]) -> None:
    match = match_person(q(typed), HAMZA, rules)
    assert match is not None
    assert match.reasons == reasons


def test_a_typing_error_match_says_so_and_ranks_below_the_exact_name(rules: NameRules) -> None:
    exact = match_person(q("Hamza Chaudhry"), HAMZA, rules)
    typo = match_person(q("Hamza Chaudhty"), HAMZA, rules)
    assert exact is not None
    assert typo is not None
    assert R.TYPING_ERROR in typo.reasons
    assert exact.score > typo.score


@pytest.mark.parametrize(
    "typed",
    ["Hamza Smith", "Hamza 13/3/89", "Chaudhry 1/1/2000", "Zubair", "Hamza Chaudhry Khan"],
)
def test_a_person_who_does_not_answer_is_not_matched(rules: NameRules, typed: str) -> None:
    assert match_person(q(typed), HAMZA, rules) is None


def test_either_part_of_a_double_barrelled_name_finds_the_person(rules: NameRules) -> None:
    person = PersonNames("p", "Gemma", "Holroyd-Sykes")
    for typed in ("Holroyd", "Sykes", "Gemma Sykes", "Holroyd-Sykes", "Holroydsykes"):
        assert match_person(q(typed), person, rules) is not None, typed
    match = match_person(q("Holroyd"), person, rules)
    assert match is not None
    assert R.PART_OF_NAME in match.reasons


def test_an_alias_finds_the_person_and_says_alias(rules: NameRules) -> None:
    person = PersonNames("p", "Darren", "Firth", ("Daz",))
    match = match_person(q("Daz Firth"), person, rules)
    assert match is not None
    assert R.ALIAS in match.reasons


def test_a_date_of_birth_narrows_but_keeps_people_whose_birth_is_unrecorded(
    rules: NameRules,
) -> None:
    people = [
        PersonNames("born-then", "Imran", "Khan", (), date(1990, 5, 1)),
        PersonNames("swapped", "Imran", "Khan", (), date(1990, 1, 5)),
        PersonNames("unknown", "Imran", "Khan"),
        PersonNames("other-day", "Imran", "Khan", (), date(1985, 7, 7)),
    ]
    found = rank(q("imran khan 1/5/90"), people, rules, limit=10)
    assert [m.person_id for m in found] == ["born-then", "swapped", "unknown"]


def test_exact_names_come_before_loose_matches_of_a_short_common_name(rules: NameRules) -> None:
    people = [
        PersonNames(f"loose{n}", name, "Brown")
        for n, name in enumerate(
            ["Alina", "Alison", "Aly", "Alee", "Alia", "Alistair", "Alice"] * 20
        )
    ]
    people += [PersonNames(f"exact{n}", "Ali", family) for n, family in enumerate(["Khan", "Shah"])]
    people += [PersonNames(f"family{n}", "Aisha", "Ali") for n in range(3)]
    found = rank(q("Ali"), people, rules, limit=10)
    assert {m.person_id for m in found[:5]} == {"exact0", "exact1", "family0", "family1", "family2"}
    assert all(m.reasons == (R.EXACT_NAME,) for m in found[:5])
    assert len(found) == 10


def test_a_short_name_is_not_matched_by_sound_or_typing_errors(rules: NameRules) -> None:
    assert (
        rank(
            q("Ali"),
            [PersonNames("e", "Eli", "Brown"), PersonNames("a", "Ale", "Brown")],
            rules,
            limit=5,
        )
        == []
    )


def test_close_spellings_come_from_the_vocabulary_within_the_allowed_errors() -> None:
    vocabulary = ["chaudhry", "chaudhary", "chadwick", "chan", "crowther"]
    assert sorted(close_spellings("chaudhty", vocabulary)) == ["chaudhary", "chaudhry"]
    assert close_spellings("hirsk", ["hirst", "hurst", "haigh"]) == ["hirst"]
    assert close_spellings("chan", vocabulary) == []  # four letters: no typing errors allowed


def test_records_with_variant_names_and_the_same_birthday_may_be_one_person(
    rules: NameRules,
) -> None:
    other = PersonNames("other", "Hamzah", "Choudhury", (), date(1989, 3, 12))
    match = same_person(HAMZA, other, rules)
    assert match is not None
    assert match.reasons == (R.SPELLING_VARIANT, R.BORN_SAME_DAY)


@pytest.mark.parametrize(
    "other",
    [
        PersonNames("x", "Hamza", "Chaudhry", (), date(1975, 1, 1)),  # born another day
        PersonNames("x", "Bilal", "Chaudhry", (), date(1989, 3, 12)),  # another given name
        PersonNames("x", "", "", (), None, "Unknown male, red jacket"),  # no name at all
    ],
)
def test_records_that_cannot_be_one_person_are_not_suggested(
    rules: NameRules, other: PersonNames
) -> None:
    assert same_person(HAMZA, other, rules) is None


def test_duplicate_pairs_compare_only_people_who_share_a_blocking_key(rules: NameRules) -> None:
    people = [
        HAMZA,
        PersonNames("variant", "Hamzah", "Chowdhury", (), date(1989, 3, 12)),
        PersonNames("unrelated", "Chloe", "Wilson"),
        PersonNames("namesake", "Hamza", "Chaudhry", (), date(2001, 1, 1)),
    ]
    blocks: dict[str, list[str]] = {}
    for person in people:
        for key in blocking_keys(person, rules):
            blocks.setdefault(key, []).append(person.id)
    pairs = duplicate_pairs(people, rules, blocking=blocks)
    assert [(p.first_id, p.second_id) for p in pairs] == [("hamza", "variant")]
