"""Name keys: folding, words, spelling-variant rules as data, and their loading errors."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from fieldkit.domain.names import (
    _FOLD,
    NameRules,
    NameRulesError,
    compound_parts,
    fold,
    load_name_rules,
    name_words,
    person_keys,
)

RULES_DIR = Path(__file__).parents[2] / "resources" / "names"


@pytest.fixture(scope="module")
def rules() -> NameRules:
    return load_name_rules(RULES_DIR)


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("Łukasz", ["lukasz"]),
        ("O'Neill", ["oneill"]),
        ("O’Brien", ["obrien"]),
        ("Smith-Patel", ["smith", "patel"]),
        ("  Horváthová ", ["horvathova"]),
        ("Ștefan", ["stefan"]),
        ("", []),
    ],
)
def test_name_words_are_folded_lower_case_and_split_on_hyphens(
    typed: str, words: list[str]
) -> None:
    assert name_words(typed) == words


def test_a_compound_family_name_is_keyed_by_each_part_and_by_the_whole() -> None:
    assert compound_parts("Smith-Patel") == ["smith", "patel", "smithpatel"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Chaudhry", "Chaudry"),
        ("Chaudhry", "Choudhury"),
        ("Chaudhry", "Chowdhury"),
        ("Chaudhry", "Chaudhary"),
        ("Muhammad", "Mohammed"),
        ("Mahmood", "Mehmud"),
        ("Rehman", "Rahman"),
        ("Qureshi", "Kureshi"),
        ("Akhtar", "Aktar"),
        ("Sheikh", "Shaikh"),
        ("Rasheed", "Rashid"),
        ("Yousaf", "Yusuf"),
        ("Iqbal", "Ikbal"),
        ("Patel", "Patil"),
        ("Nowak", "Novak"),
        ("Kowalski", "Kowalska"),
        ("Kowalski", "Kovalsky"),
        ("Szymański", "Shimanski"),
        ("Lewandowski", "Levandovsky"),
        ("Wiśniewski", "Visnevsky"),
        ("Wójcik", "Vojcik"),
        ("Horváth", "Horvat"),
        ("Horváthová", "Horvath"),
        ("Kováč", "Kovach"),
        ("Kazlauskienė", "Kazlauskas"),
        ("Popescu", "Popesku"),
        ("Alexandru", "Aleksandru"),
        ("Smith", "Smyth"),
        ("Schofield", "Scofield"),
        ("McDonald", "MacDonald"),
    ],
)
def test_spelling_variants_share_a_key(rules: NameRules, one: str, other: str) -> None:
    first, second = name_words(one)[0], name_words(other)[0]
    same_variant = rules.variant_key(first) == rules.variant_key(second)
    same_group = rules.group_of(first) is not None and rules.group_of(first) == rules.group_of(
        second
    )
    assert same_variant or same_group


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Patel", "Taylor"),
        ("Khan", "Smith"),
        ("Nowak", "Novello"),
        ("Chaudhry", "Crowther"),
        ("Hussain", "Hirst"),
        ("Kowalski", "Kaminski"),
        ("Popescu", "Petrauskas"),
    ],
)
def test_unrelated_names_do_not_share_a_variant_key(rules: NameRules, one: str, other: str) -> None:
    first, second = name_words(one)[0], name_words(other)[0]
    assert rules.variant_key(first) != rules.variant_key(second)
    assert rules.group_of(first) is None or rules.group_of(first) != rules.group_of(second)


def test_a_person_is_keyed_by_words_variants_groups_and_sounds(rules: NameRules) -> None:
    keys = person_keys(
        {"given_name": "Hamza", "family_name": "Chaudhry", "aliases": ["Hamz Ali"]}, rules
    )
    assert {"t:hamza", "t:chaudhry", "v:chdr", "g:chaudhry", "s:XTR", "t:hamz", "t:ali"} <= keys


def test_a_partnership_file_adds_names_beside_the_shipped_rules(tmp_path: Path) -> None:
    for entry in RULES_DIR.glob("*.json"):
        (tmp_path / entry.name).write_bytes(entry.read_bytes())
    shipped = load_name_rules(tmp_path)
    assert shipped.group_of("ghulam") is None
    (tmp_path / "zz_partnership.json").write_text(
        json.dumps({"names": [["Ghulam", "Gholam", "Golam"]]}), encoding="utf-8"
    )
    extended = load_name_rules(tmp_path)
    assert extended.group_of("golam") == extended.group_of("ghulam") == "ghulam"
    assert extended.fingerprint != shipped.fingerprint


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "must be a JSON object"),
        ('{"rewrites": [{"from": "(", "to": "x"}]}', "rewrite 1: 'from' is not a pattern"),
        ('{"rewrites": [{"from": "a", "to": "B"}]}', "'to' must be lower-case letters"),
        ('{"rewrites": [{"to": "b"}]}', "rewrite 1 needs text 'from' and 'to'"),
        ('{"names": [["Solo"]]}', "names group 1 must list two or more spellings"),
        ('{"names": [["Ali", "!!"]]}', "names group 1 has a spelling with no letters"),
    ],
)
def test_a_bad_rule_file_is_named_with_what_is_wrong(
    tmp_path: Path, content: str, problem: str
) -> None:
    (tmp_path / "bad.json").write_text(content, encoding="utf-8")
    with pytest.raises(NameRulesError) as caught:
        load_name_rules(tmp_path)
    assert caught.value.source == "bad.json"
    assert problem in caught.value.problem


def test_a_folder_without_rule_files_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NameRulesError, match="no name rule file"):
        load_name_rules(tmp_path)


def _fold_by_characters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@pytest.mark.parametrize(
    "text",
    [
        "group drinking outside the library, moved on",
        "Zoë Łukasz Ørsted Đorđević Straße",
        "ﬁnal ﬂat ½",  # compatibility forms that fold to ASCII
        "Ștefan – “quoted”",  # punctuation beyond ASCII stays
        "",
    ],
)
def test_fold_gives_the_same_text_by_its_quick_paths(text: str) -> None:
    assert fold(text) == _fold_by_characters(text)
    assert fold(text) is text or not text.isascii()
