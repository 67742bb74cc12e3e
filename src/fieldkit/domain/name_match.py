"""Whether typed words (and a date of birth) are a person, how surely and why; duplicates too."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from itertools import combinations

from rapidfuzz import process
from rapidfuzz.distance import OSA

from fieldkit.domain.birth_dates import BirthDateQuery, parse_birth_date
from fieldkit.domain.names import (
    MIN_VARIANT_KEY,
    NameRules,
    compound_parts,
    name_words,
    sound_codes,
)

#: Shortest typed word matched by sound; shorter ones sound like too many names.
MIN_SOUND_TYPED = 4
#: Shortest typed word allowed one typing error; two are allowed from TWO_TYPOS_FROM letters.
ONE_TYPO_FROM = 5
TWO_TYPOS_FROM = 8
#: Least score two records need to be offered as possibly the same person.
DUPLICATE_SCORE = 0.7
#: Two people seen at the same place need less to be called likely the same: one name answering
#: the other (a record with only a given name, or a nickname) at this strength will do.
SAME_PLACE_SCORE = 0.5


class MatchReason(StrEnum):
    """Why a person was found; the officer judges the match by these."""

    EXACT_NAME = "exact_name"
    STARTS_WITH = "starts_with"
    SPELLING_VARIANT = "spelling_variant"
    SOUNDS_LIKE = "sounds_like"
    TYPING_ERROR = "typing_error"
    ALIAS = "alias"
    PART_OF_NAME = "part_of_name"
    DESCRIPTION = "description"
    BORN_SAME_DAY = "born_same_day"
    DAY_MONTH_SWAPPED = "day_month_swapped"
    #: Both were seen at one place (a visit's place) and their names are alike.
    SAME_PLACE = "same_place"

    @property
    def label(self) -> str:
        """The words shown beside a result."""
        return REASON_LABELS[self]


REASON_LABELS: Mapping[MatchReason, str] = {
    MatchReason.EXACT_NAME: "exact name",
    MatchReason.STARTS_WITH: "name starts with what was typed",
    MatchReason.SPELLING_VARIANT: "spelling variant",
    MatchReason.SOUNDS_LIKE: "sounds like",
    MatchReason.TYPING_ERROR: "a letter or two different",
    MatchReason.ALIAS: "alias",
    MatchReason.PART_OF_NAME: "part of a double-barrelled name",
    MatchReason.DESCRIPTION: "description",
    MatchReason.BORN_SAME_DAY: "born the same day",
    MatchReason.DAY_MONTH_SWAPPED: "possible match: day and month of birth swapped",
    MatchReason.SAME_PLACE: "seen at the same place",
}


class WordMatch(StrEnum):
    """How one typed word met one word of a person's names, strongest first."""

    EXACT = "exact"
    PREFIX = "prefix"
    GROUP = "group"
    VARIANT = "variant"
    VARIANT_PREFIX = "variant_prefix"
    SOUND = "sound"
    TYPO = "typo"
    DESCRIPTION = "description"


WORD_SCORES: Mapping[WordMatch, float] = {
    WordMatch.EXACT: 1.0,
    WordMatch.PREFIX: 0.9,
    WordMatch.GROUP: 0.85,
    WordMatch.VARIANT: 0.8,
    WordMatch.VARIANT_PREFIX: 0.72,
    WordMatch.SOUND: 0.7,
    WordMatch.TYPO: 0.6,
    WordMatch.DESCRIPTION: 0.5,
}

_WORD_REASON: Mapping[WordMatch, MatchReason] = {
    WordMatch.EXACT: MatchReason.EXACT_NAME,
    WordMatch.PREFIX: MatchReason.STARTS_WITH,
    WordMatch.GROUP: MatchReason.SPELLING_VARIANT,
    WordMatch.VARIANT: MatchReason.SPELLING_VARIANT,
    WordMatch.VARIANT_PREFIX: MatchReason.SPELLING_VARIANT,
    WordMatch.SOUND: MatchReason.SOUNDS_LIKE,
    WordMatch.TYPO: MatchReason.TYPING_ERROR,
    WordMatch.DESCRIPTION: MatchReason.DESCRIPTION,
}

# A match through an alias or one part of a compound name ranks just below the same match on
# the name itself.
_ALIAS_WEIGHT = 0.95
_PART_WEIGHT = 0.97
_BORN_SAME_DAY_BONUS = 0.3
_SWAPPED_BONUS = 0.1
_SWAPPED_ONLY_SCORE = 0.6


@dataclass(frozen=True)
class PersonNames:
    """What the matcher reads of a person."""

    id: str
    given_name: str = ""
    family_name: str = ""
    aliases: tuple[str, ...] = ()
    date_of_birth: date | None = None
    description: str = ""

    @classmethod
    def of(cls, person_id: str, fields: Mapping[str, object]) -> PersonNames:
        """From a person record's wire fields."""
        aliases = fields.get("aliases") or []
        dob = fields.get("date_of_birth")
        return cls(
            person_id,
            str(fields.get("given_name") or ""),
            str(fields.get("family_name") or ""),
            tuple(str(a) for a in aliases) if isinstance(aliases, list | tuple) else (),
            date.fromisoformat(str(dob)) if dob else None,
            str(fields.get("description") or ""),
        )


@dataclass(frozen=True)
class NameQuery:
    """What was typed: name words (folded) and, if one was typed, a date of birth."""

    words: tuple[str, ...]
    birth: BirthDateQuery | None = None

    @property
    def empty(self) -> bool:
        return not self.words and self.birth is None


@dataclass(frozen=True)
class NameMatch:
    """A person found, how strongly (higher first) and why."""

    person_id: str
    score: float
    reasons: tuple[MatchReason, ...]

    @property
    def reason_text(self) -> str:
        """The reasons in words, strongest first."""
        return ", ".join(r.label for r in self.reasons)


@dataclass(frozen=True)
class DuplicatePair:
    """Two records that may be one person (ids in sorted order)."""

    first_id: str
    second_id: str
    score: float
    reasons: tuple[MatchReason, ...]


def parse_query(text: str, *, today: date) -> NameQuery:
    """Split typed text into name words and a date of birth (the first date-shaped word).

    Args:
        text: what was typed, in any order ("Chaudry Hamza 12/3/89").
        today: today's date, to place two-digit years.
    """
    words: list[str] = []
    birth: BirthDateQuery | None = None
    for chunk in text.split():
        parsed = parse_birth_date(chunk, today=today) if birth is None else None
        if parsed is not None:
            birth = parsed
        else:
            words.extend(name_words(chunk))
    return NameQuery(tuple(dict.fromkeys(words)), birth)


@dataclass(frozen=True)
class _Typed:
    word: str
    variant: str
    group: str | None
    sounds: frozenset[str]


def _typed(word: str, rules: NameRules) -> _Typed:
    return _Typed(
        word,
        _variant(rules, word),
        rules.group_of(word),
        frozenset(sound_codes(word)) if len(word) >= MIN_SOUND_TYPED else frozenset(),
    )


def word_match(typed: str, word: str, rules: NameRules) -> WordMatch | None:
    """How a typed word meets one word of a name, or None if it does not.

    Args:
        typed: a folded typed word.
        word: a folded word of the person's names.
        rules: the spelling-variant rules.
    """
    return _word_match(_typed(typed, rules), word, rules)


def _word_match(t: _Typed, word: str, rules: NameRules) -> WordMatch | None:
    if word == t.word:
        return WordMatch.EXACT
    if word.startswith(t.word):
        return WordMatch.PREFIX
    if t.group is not None and rules.group_of(word) == t.group:
        return WordMatch.GROUP
    if len(t.variant) >= MIN_VARIANT_KEY:
        variant = _variant(rules, word)
        if variant == t.variant:
            return WordMatch.VARIANT
        # Search as you type: "Chaudr" is on its way to a spelling of Chaudhry.
        if len(t.variant) > MIN_VARIANT_KEY and variant.startswith(t.variant):
            return WordMatch.VARIANT_PREFIX
    if t.sounds and len(word) >= MIN_SOUND_TYPED - 1 and t.sounds.intersection(sound_codes(word)):
        return WordMatch.SOUND
    if len(t.word) >= ONE_TYPO_FROM and OSA.distance(
        t.word, word, score_cutoff=typos_allowed(t.word)
    ) <= typos_allowed(t.word):
        return WordMatch.TYPO
    return None


def typos_allowed(word: str) -> int:
    """How many typing errors (a letter wrong, missing, extra or two swapped) a word may hold."""
    if len(word) >= TWO_TYPOS_FROM:
        return 2
    return 1 if len(word) >= ONE_TYPO_FROM else 0


def close_spellings(word: str, vocabulary: Iterable[str]) -> list[str]:
    """The words of a vocabulary within the typing errors a typed word may hold."""
    allowed = typos_allowed(word)
    if allowed == 0:
        return []
    found = process.extract(
        word, list(vocabulary), scorer=OSA.distance, score_cutoff=allowed, limit=None
    )
    return [choice for choice, _distance, _index in found]


@dataclass(frozen=True)
class _Candidate:
    word: str
    weight: float
    reason: MatchReason | None
    description: bool = False


@lru_cache(maxsize=50_000)
def _candidates(person: PersonNames) -> tuple[_Candidate, ...]:
    # Cached: search as you type ranks the same people again at every key press.
    out: list[_Candidate] = []
    out.extend(_Candidate(w, 1.0, None) for w in compound_parts(person.given_name))
    family = compound_parts(person.family_name)
    compound = len(family) > 1
    for n, w in enumerate(family):
        part = compound and n < len(family) - 1
        out.append(
            _Candidate(w, _PART_WEIGHT if part else 1.0, MatchReason.PART_OF_NAME if part else None)
        )
    for alias in person.aliases:
        out.extend(_Candidate(w, _ALIAS_WEIGHT, MatchReason.ALIAS) for w in compound_parts(alias))
    out.extend(_Candidate(w, 1.0, None, description=True) for w in name_words(person.description))
    return tuple(out)


def match_person(query: NameQuery, person: PersonNames, rules: NameRules) -> NameMatch | None:
    """Whether a person answers a query: every typed word must meet a different name word.

    Typed words may come in any order. A date of birth narrows: a person born on another day
    is not a match, one born on the swapped day is a possible match, one whose date of birth
    is not recorded stays in, below those confirmed by it.

    Args:
        query: the parsed query.
        person: the person's names and date of birth.
        rules: the spelling-variant rules.

    Returns:
        The match with its score and reasons, or None.
    """
    return _match_person(query, [_typed(w, rules) for w in query.words], person, rules)


def _match_person(
    query: NameQuery, typed: Sequence[_Typed], person: PersonNames, rules: NameRules
) -> NameMatch | None:
    reasons: list[MatchReason] = []
    score = 0.0
    if query.words:
        named = _match_words(typed, _candidates(person), rules)
        if named is None:
            return None
        score, reasons = named
    if query.birth is not None:
        dob = person.date_of_birth
        if dob == query.birth.date:
            score = score + _BORN_SAME_DAY_BONUS if query.words else 1.0
            reasons.append(MatchReason.BORN_SAME_DAY)
        elif dob is not None and dob == query.birth.swapped:
            score = score + _SWAPPED_BONUS if query.words else _SWAPPED_ONLY_SCORE
            reasons.append(MatchReason.DAY_MONTH_SWAPPED)
        elif dob is not None or not query.words:
            return None
    if not reasons:
        return None
    return NameMatch(person.id, round(score, 4), tuple(dict.fromkeys(reasons)))


def _match_words(
    words: Sequence[_Typed], candidates: Sequence[_Candidate], rules: NameRules
) -> tuple[float, list[MatchReason]] | None:
    options: list[list[tuple[float, int, WordMatch]]] = []
    for t in words:
        word = t.word
        found: list[tuple[float, int, WordMatch]] = []
        for index, candidate in enumerate(candidates):
            if candidate.description:
                if candidate.word == word or candidate.word.startswith(word):
                    found.append((WORD_SCORES[WordMatch.DESCRIPTION], index, WordMatch.DESCRIPTION))
                continue
            how = _word_match(t, candidate.word, rules)
            if how is not None:
                found.append((WORD_SCORES[how] * candidate.weight, index, how))
        if not found:
            return None
        found.sort(key=lambda f: (-f[0], f[1]))
        options.append(found)
    # Each typed word takes the best name word still free, surest typed word first.
    used: set[int] = set()
    total = 0.0
    matched: list[tuple[WordMatch, _Candidate]] = []
    for found in sorted(options, key=lambda f: -f[0][0]):
        pick = next((f for f in found if f[1] not in used), None)
        if pick is None:
            return None
        used.add(pick[1])
        total += pick[0]
        matched.append((pick[2], candidates[pick[1]]))
    kinds = sorted({how for how, _ in matched}, key=list(WordMatch).index)
    if kinds == [WordMatch.EXACT]:
        reasons = [MatchReason.EXACT_NAME]
    else:
        reasons = [_WORD_REASON[k] for k in kinds if k is not WordMatch.EXACT]
    reasons.extend(c.reason for _, c in matched if c.reason is not None)
    return total / len(words), reasons


def rank(
    query: NameQuery, people: Iterable[PersonNames], rules: NameRules, *, limit: int
) -> list[NameMatch]:
    """The people answering a query, surest first (then by name), at most ``limit``."""
    typed = [_typed(w, rules) for w in query.words]
    matches: list[tuple[NameMatch, str]] = []
    for person in people:
        match = _match_person(query, typed, person, rules)
        if match is not None:
            matches.append((match, f"{person.family_name} {person.given_name}".casefold()))
    matches.sort(key=lambda m: (-m[0].score, m[1], m[0].person_id))
    return [m for m, _ in matches[:limit]]


def query_for(person: PersonNames) -> NameQuery:
    """A query asking for someone named and born as this person is (duplicate checks)."""
    words = name_words(f"{person.given_name} {person.family_name}")
    birth = (
        BirthDateQuery(
            person.date_of_birth,
            _swap(person.date_of_birth),
        )
        if person.date_of_birth is not None
        else None
    )
    return NameQuery(tuple(dict.fromkeys(words)), birth)


def same_person(
    a: PersonNames, b: PersonNames, rules: NameRules, *, forward: NameQuery | None = None
) -> NameMatch | None:
    """Whether two records may be one person: each one's name answers the other's.

    Both need a name; records with different known dates of birth are never the same person.

    Args:
        a, b: the two records.
        rules: the spelling-variant rules.
        forward: ``query_for(a)``, when the caller compares ``a`` with many records.

    Returns:
        The weaker of the two directions' matches (about ``b``), or None.
    """
    if not may_share_birthday(a, b):
        return None
    forward, backward = forward or query_for(a), query_for(b)
    if not forward.words or not backward.words:
        return None
    there = match_person(forward, _without_description(b), rules)
    back = match_person(backward, _without_description(a), rules)
    if there is None or back is None:
        return None
    weaker = there if there.score <= back.score else back
    if weaker.score < DUPLICATE_SCORE:
        return None
    return NameMatch(b.id, weaker.score, weaker.reasons)


def same_place_person(
    a: PersonNames, b: PersonNames, rules: NameRules, *, forward: NameQuery | None = None
) -> NameMatch | None:
    """Whether two people seen at the same place may be one person: similar names.

    Looser than `same_person` because the shared place is evidence too: one name answering
    the other in either direction is enough (a record made with only a given name, or under
    a nickname that is an alias), at `SAME_PLACE_SCORE` or more. A different known date of
    birth still rules it out.

    Returns:
        The stronger direction's match (about ``b``) with "seen at the same place" first, or
        None.
    """
    if not may_share_birthday(a, b):
        return None
    forward, backward = forward or query_for(a), query_for(b)
    if not forward.words or not backward.words:
        return None
    found = [
        m
        for m in (
            match_person(forward, _without_description(b), rules),
            match_person(backward, _without_description(a), rules),
        )
        if m is not None and m.score >= SAME_PLACE_SCORE
    ]
    if not found:
        return None
    best = max(found, key=lambda m: m.score)
    return NameMatch(b.id, best.score, (MatchReason.SAME_PLACE, *best.reasons))


def may_share_birthday(a: PersonNames, b: PersonNames) -> bool:
    """False only when both dates of birth are known and differ (day and month swapped aside)."""
    if a.date_of_birth is None or b.date_of_birth is None:
        return True
    return b.date_of_birth in (a.date_of_birth, _swap(a.date_of_birth))


def duplicate_pairs(
    people: Sequence[PersonNames], rules: NameRules, *, blocking: Mapping[str, Sequence[str]]
) -> list[DuplicatePair]:
    """Pairs of records that may be one person, surest first.

    Args:
        people: the records to compare.
        rules: the spelling-variant rules.
        blocking: person ids by shared key (see `blocking_keys`); only people sharing a key
            are compared, so the work grows with the number of near names, not its square.
    """
    by_id = {p.id: p for p in people}
    seen: set[tuple[str, str]] = set()
    pairs: list[DuplicatePair] = []
    for ids in blocking.values():
        for first, second in combinations(sorted(set(ids)), 2):
            if (first, second) in seen:
                continue
            seen.add((first, second))
            match = same_person(by_id[first], by_id[second], rules)
            if match is not None:
                pairs.append(DuplicatePair(first, second, match.score, match.reasons))
    pairs.sort(key=lambda p: (-p.score, p.first_id, p.second_id))
    return pairs


def blocking_keys(person: PersonNames, rules: NameRules) -> set[str]:
    """Keys that any likely duplicate of the person shares with them.

    A key pairs a loose key of one name word with one of another (so "Khan" alone does not
    put every Khan in one block); a person with one name word is keyed on it alone.
    """
    words = name_words(f"{person.given_name} {person.family_name}")
    loose = [_loose_keys(w, rules) for w in words]
    if len(loose) == 1:
        return loose[0]
    keys: set[str] = set()
    for left, right in combinations(loose, 2):
        keys.update("|".join(sorted((x, y))) for x in left for y in right)
    return keys


def _loose_keys(word: str, rules: NameRules) -> set[str]:
    keys = {f"t:{word[:3]}"}
    group = rules.group_of(word)
    if group is not None:
        keys.add(f"g:{group}")
    variant = _variant(rules, word)
    keys.add(f"v:{variant[:4]}")
    keys.update(f"s:{code}" for code in sound_codes(word))
    return keys


def _without_description(person: PersonNames) -> PersonNames:
    return PersonNames(
        person.id, person.given_name, person.family_name, person.aliases, person.date_of_birth
    )


def _swap(day: date) -> date | None:
    if day.day == day.month or day.day > 12:
        return None
    return date(day.year, day.day, day.month)


def _variant(rules: NameRules, word: str) -> str:
    return rules.variant_key(word)
