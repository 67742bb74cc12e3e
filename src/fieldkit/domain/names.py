"""People's names as keys: folding, words, spelling-variant rules (data) and phonetic codes."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from doublemetaphone import doublemetaphone

# Letters that are distinct in Unicode (no combining mark to strip) but that people type
# without the stroke: an officer searching "Lukasz" must find "Łukasz".
_FOLD = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
        "þ": "th",
        "ð": "d",
    }
)
_APOSTROPHES = re.compile(r"['’‘`ʼ]")
_NOT_LETTERS = re.compile(r"[^a-z0-9]+")
_DOUBLES = re.compile(r"(.)\1+")
_LATER_VOWELS = re.compile(r"(?<=.)[aeiouy]")
_VOWEL = frozenset("aeiouy")

#: Shortest variant key (after the first letter, consonants only) that may match on its own:
#: "Ali" and "Ella" share the key "al", and so would half the vault.
MIN_VARIANT_KEY = 3
#: Shortest word that is coded phonetically.
MIN_SOUND_WORD = 3
_MEMO_LIMIT = 100_000


def fold(text: str) -> str:
    """Text with accents and strokes removed, for both the index and the query."""
    # ASCII has nothing to fold (every _FOLD key is beyond ASCII, NFKD leaves ASCII alone):
    # most narratives are ASCII, and walking them a character at a time was a third of the
    # time a first sync spent applying a page.
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    if decomposed.isascii():
        return decomposed
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_words(text: str) -> list[str]:
    """The folded, lower-case words of a name, apostrophes dropped ("O'Neill" → "oneill").

    Hyphens and spaces separate words, so each part of "Smith-Patel" is a word.
    """
    folded = _APOSTROPHES.sub("", fold(text).lower())
    return [w for w in _NOT_LETTERS.split(folded) if w]


def compound_parts(text: str) -> list[str]:
    """A name's words plus, for a hyphenated or spaced compound, the parts run together."""
    words = name_words(text)
    return [*words, "".join(words)] if len(words) > 1 else words


class NameRulesError(ValueError):
    """A name rule file is missing or not valid; says which file and what is wrong."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


@dataclass(frozen=True)
class NameRules:
    """Spelling-variant rules: ordered rewrites and groups of names spelt several ways.

    Attributes:
        rewrites: (pattern, replacement) pairs applied in order to a folded, lower-case word.
        groups: each word of a group mapped to the group's first word.
        fingerprint: changes whenever the rules do (the vault re-keys its names then).
    """

    rewrites: tuple[tuple[re.Pattern[str], str], ...] = field(default=(), repr=False)
    groups: Mapping[str, str] = field(default_factory=dict, repr=False)
    fingerprint: str = "none"
    # Names repeat: the same few thousand words are keyed again and again as people are
    # ranked, and each key runs a few dozen patterns.
    _memo: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def variant_key(self, word: str) -> str:
        """The word with transliteration differences taken out ("chaudhry" → "chdr").

        The rewrites run first (so "sz" and "sh" agree), then doubled letters collapse, a
        leading vowel becomes "a" and later vowels drop: spellings that differ only in vowels,
        doubling or a silent h share a key.
        """
        known = self._memo.get(word)
        if known is not None:
            return known
        key = word
        for pattern, replacement in self.rewrites:
            key = pattern.sub(replacement, key)
        key = _DOUBLES.sub(r"\1", key)
        if key[:1] in _VOWEL:
            key = "a" + key[1:]
        key = _LATER_VOWELS.sub("", key)
        if len(self._memo) < _MEMO_LIMIT:
            self._memo[word] = key
        return key

    def group_of(self, word: str) -> str | None:
        """The name group a word belongs to (its first spelling), if any."""
        return self.groups.get(word)


@lru_cache(maxsize=100_000)
def sound_codes(word: str) -> tuple[str, ...]:
    """The word's Double Metaphone codes (primary, then secondary when it differs).

    Double Metaphone is used because it codes the sounds of many languages' spellings ("sz",
    "cz", "w" as "v", "kh", "gh") rather than English alone, and it ships as a small compiled
    package with wheels.
    """
    if len(word) < MIN_SOUND_WORD:
        return ()
    primary, secondary = doublemetaphone(word)
    codes = [c for c in (primary, secondary) if c]
    return tuple(dict.fromkeys(codes))


def person_keys(fields: Mapping[str, object], rules: NameRules) -> set[str]:
    """The keys a person is found by: words, variant keys, name groups and sounds.

    Keys are prefixed by kind: ``t:`` the word itself, ``v:`` its variant key, ``g:`` its
    name group, ``s:`` a Double Metaphone code.
    """
    keys: set[str] = set()
    for word in person_words(fields):
        keys.update(word_keys(word, rules))
    return keys


def word_keys(word: str, rules: NameRules) -> set[str]:
    """The index keys of one folded word."""
    keys = {f"t:{word}"}
    variant = rules.variant_key(word)
    if len(variant) >= MIN_VARIANT_KEY:
        keys.add(f"v:{variant}")
    group = rules.group_of(word)
    if group is not None:
        keys.add(f"g:{group}")
    keys.update(f"s:{code}" for code in sound_codes(word))
    return keys


def person_words(fields: Mapping[str, object]) -> list[str]:
    """Every name word of a person: given and family names (with compounds) and aliases."""
    words: list[str] = []
    for name in ("given_name", "family_name"):
        value = fields.get(name)
        if value:
            words.extend(compound_parts(str(value)))
    for alias in _text_list(fields.get("aliases")):
        words.extend(compound_parts(alias))
    return list(dict.fromkeys(words))


def _text_list(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v]
    return []


# Loading the rules -----------------------------------------------------------------------------


def names_folder() -> Traversable:
    """The folder of name rules that ships with Fieldkit (``resources/names``)."""
    shipped = files("fieldkit.resources") / "names"
    if shipped.is_dir():
        return shipped
    # An editable install made from another checkout maps fieldkit.resources to that
    # checkout's resources/; a source checkout still has its own beside src/.
    return Path(__file__).resolve().parents[3] / "resources" / "names"


def load_name_rules(folder: Traversable | Path | None = None) -> NameRules:
    """Read every ``*.json`` rule file in a folder, in file-name order, into one rule set.

    A partnership adds its own communities' names by adding a file beside the shipped one.

    Args:
        folder: Where to read from; the shipped rules if None.

    Returns:
        The rules, with a fingerprint of the files' contents.

    Raises:
        NameRulesError: the folder holds no rule file, or a file is not valid.
    """
    folder = names_folder() if folder is None else folder
    if not folder.is_dir():
        raise NameRulesError(str(folder), "no such folder of name rules")
    entries = sorted(
        (e for e in folder.iterdir() if e.name.endswith(".json") and e.is_file()),
        key=lambda e: e.name,
    )
    if not entries:
        raise NameRulesError(str(folder), "holds no name rule file (*.json)")
    digest = hashlib.sha256()
    rewrites: list[tuple[re.Pattern[str], str]] = []
    groups: dict[str, str] = {}
    for entry in entries:
        raw = entry.read_bytes()
        digest.update(entry.name.encode() + b"\0" + raw + b"\0")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise NameRulesError(entry.name, f"not valid JSON ({exc})") from None
        rewrites.extend(_rewrites(entry.name, data))
        for word, first in _groups(entry.name, data).items():
            groups.setdefault(word, groups.get(first, first))
    return NameRules(tuple(rewrites), groups, digest.hexdigest()[:16])


@cache
def shipped_name_rules() -> NameRules:
    """The shipped rules, read once per process (they do not change while it runs)."""
    return load_name_rules()


def _rewrites(source: str, data: Any) -> Iterable[tuple[re.Pattern[str], str]]:
    if not isinstance(data, dict):
        raise NameRulesError(source, "must be a JSON object")
    items = data.get("rewrites", [])
    if not isinstance(items, list):
        raise NameRulesError(source, "rewrites must be a list")
    for n, item in enumerate(items, start=1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("from"), str)
            and isinstance(item.get("to"), str)
            and item["from"]
        ):
            raise NameRulesError(source, f"rewrite {n} needs text 'from' and 'to'")
        if not re.fullmatch(r"[a-z]*", item["to"]):
            raise NameRulesError(source, f"rewrite {n}: 'to' must be lower-case letters a-z")
        try:
            pattern = re.compile(item["from"])
        except re.error as exc:
            raise NameRulesError(source, f"rewrite {n}: 'from' is not a pattern ({exc})") from None
        yield pattern, item["to"]


def _groups(source: str, data: Mapping[str, Any]) -> dict[str, str]:
    items = data.get("names", [])
    if not isinstance(items, list):
        raise NameRulesError(source, "names must be a list of lists of spellings")
    out: dict[str, str] = {}
    for n, group in enumerate(items, start=1):
        spellings = group if isinstance(group, list) else []
        if len(spellings) < 2 or not all(isinstance(g, str) for g in spellings):
            raise NameRulesError(source, f"names group {n} must list two or more spellings")
        words = ["".join(name_words(g)) for g in group]
        if not all(words):
            raise NameRulesError(source, f"names group {n} has a spelling with no letters")
        for word in words:
            out.setdefault(word, words[0])
    return out
