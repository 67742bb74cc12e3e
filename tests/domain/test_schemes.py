"""Tests for loading and checking scheme rule sets."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fieldkit.domain.schemes import SchemeError, load_scheme, load_schemes, parse_scheme

Edit = Callable[[dict[str, Any]], None]


def valid_rule_set() -> dict[str, Any]:
    return {
        "format": 1,
        "id": "test_scheme",
        "name": "Test scheme",
        "window_months": 6,
        "levels": [
            {
                "id": "first",
                "name": "First letter",
                "power": "Local scheme",
                "next_step": "A further breach brings the second letter.",
                "support_first": True,
            },
            {
                "id": "second",
                "name": "Second letter",
                "power": "Local scheme",
                "next_step": "A further breach brings enforcement.",
                "support_first": True,
                "appeal_days": 21,
            },
        ],
        "enforcement": {
            "name": "Enforcement referral",
            "power": "Anti-social Behaviour, Crime and Policing Act 2014",
            "options": ["Community Protection Warning"],
            "support_first": True,
        },
    }


def test_shipped_rule_sets_all_load() -> None:
    schemes = load_schemes()
    assert {"street_drinking_vagrancy", "community_protection"} <= set(schemes)
    for scheme in schemes.values():
        assert scheme.levels
        for level in scheme.levels:
            assert level.power.strip()
            assert level.next_step.strip()


def test_street_drinking_scheme_is_yellow_then_red_then_enforcement_referral() -> None:
    scheme = load_scheme("street_drinking_vagrancy")
    assert [level.id for level in scheme.levels] == ["yellow", "red"]
    assert 6 <= scheme.window_months <= 12
    assert scheme.min_age is None
    assert all(level.support_first for level in scheme.levels)
    assert "Community Protection" in " ".join(scheme.enforcement.options)
    assert any("PSPO" in option for option in scheme.enforcement.options)


def test_community_protection_scheme_is_cpw_then_cpn_for_16_and_over() -> None:
    scheme = load_scheme("community_protection")
    assert [level.id for level in scheme.levels] == ["cpw", "cpn"]
    assert scheme.min_age == 16
    cpw, cpn = scheme.levels
    assert "s43" in cpw.power
    assert cpn.appeal_days == 21
    assert scheme.enforcement.fixed_penalty_pounds == 100
    assert any("Prosecution" in option for option in scheme.enforcement.options)


def test_load_scheme_and_load_schemes_agree() -> None:
    assert load_scheme("community_protection") == load_schemes()["community_protection"]


def test_valid_rule_set_parses_into_a_ladder_in_order() -> None:
    scheme = parse_scheme(valid_rule_set(), source="test.json")
    assert [level.id for level in scheme.levels] == ["first", "second"]
    assert scheme.rank("second") == 1
    assert scheme.levels[1].appeal_days == 21
    assert scheme.enforcement.options == ("Community Protection Warning",)


def test_rank_of_an_unknown_level_names_the_level_and_scheme() -> None:
    scheme = parse_scheme(valid_rule_set(), source="test.json")
    with pytest.raises(ValueError, match=r"'test_scheme' has no level 'third'"):
        scheme.rank("third")


def _set(path: str, value: object) -> Edit:
    """Return an edit that sets a dotted path (list indices as numbers) in a rule set."""

    def edit(rule_set: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = rule_set
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return edit


def _delete(path: str) -> Edit:
    def edit(rule_set: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = rule_set
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        del target[last]

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(_set("colour", "red"), r"unknown key 'colour'", id="unknown-top-key"),
        pytest.param(
            _set("levels.0.colour", "yellow"),
            r"levels\[0\]: unknown key 'colour'",
            id="unknown-level-key",
        ),
        pytest.param(
            _set("enforcement.fine", 100),
            r"enforcement: unknown key 'fine'",
            id="unknown-enforcement-key",
        ),
        pytest.param(_delete("levels"), r"missing key 'levels'", id="missing-levels"),
        pytest.param(_set("levels", []), r"levels: must be a list of at least one", id="no-levels"),
        pytest.param(
            _delete("levels.1.power"), r"levels\[1\]: missing key 'power'", id="level-no-power"
        ),
        pytest.param(
            _set("levels.1.id", "first"), r"levels\[1\]\.id: 'first' is used twice", id="dup-level"
        ),
        pytest.param(_set("window_months", 0), r"window_months: .* not 0", id="window-zero"),
        pytest.param(_set("window_months", 37), r"window_months: .* not 37", id="window-too-long"),
        pytest.param(_set("window_months", "12"), r"window_months: .* not '12'", id="window-text"),
        pytest.param(_set("window_months", True), r"window_months: .* not True", id="window-bool"),
        pytest.param(_delete("window_months"), r"missing key 'window_months'", id="no-window"),
        pytest.param(_set("id", "Street Drinking"), r"id: .* is not an id", id="bad-id"),
        pytest.param(_set("format", 2), r"format: .* reads format 1", id="future-format"),
        pytest.param(
            _set("levels.0.support_first", "yes"),
            r"levels\[0\]\.support_first: must be true or false",
            id="support-first-text",
        ),
        pytest.param(
            _set("levels.0.name", " "), r"levels\[0\]\.name: must be non-empty", id="blank"
        ),
        pytest.param(
            _set("enforcement.options", []),
            r"enforcement\.options: must be a list of at least one",
            id="no-enforcement-options",
        ),
        pytest.param(_set("min_age", -1), r"min_age: .* not -1", id="negative-min-age"),
        pytest.param(
            _set("levels", ["yellow"]), r"levels\[0\]: must be a JSON object", id="level-as-text"
        ),
    ],
)
def test_invalid_rule_set_is_refused_naming_the_file_and_the_problem(
    edit: Edit, message: str
) -> None:
    rule_set = copy.deepcopy(valid_rule_set())
    edit(rule_set)
    with pytest.raises(SchemeError, match=rf"^broken\.json: {message}") as caught:
        parse_scheme(rule_set, source="broken.json")
    assert caught.value.source == "broken.json"


def test_rule_set_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(SchemeError, match="must be a JSON object"):
        parse_scheme([], source="list.json")


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rule_sets_in_another_folder_load_without_a_release(tmp_path: Path) -> None:
    _write(tmp_path, "test_scheme.json", json.dumps(valid_rule_set()))
    _write(tmp_path, "README.txt", "not a rule set")
    assert list(load_schemes(folder=tmp_path)) == ["test_scheme"]
    assert load_scheme("test_scheme", folder=tmp_path).window_months == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('{"format": 1,', r"not valid JSON: .* line 1", id="truncated"),
        pytest.param('{"format": 1, "format": 1}', r"key 'format' is given twice", id="dup-key"),
        pytest.param(
            json.dumps({**valid_rule_set(), "id": "other_scheme"}),
            r"id: 'other_scheme' does not match the file name 'test_scheme'",
            id="id-not-file-name",
        ),
    ],
)
def test_unreadable_rule_set_file_is_refused_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, "test_scheme.json", text)
    with pytest.raises(SchemeError, match=message) as caught:
        load_schemes(folder=tmp_path)
    assert caught.value.source == str(path)
    assert str(path) in str(caught.value)


def test_rule_set_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / "test_scheme.json").write_bytes(b'{"name": "\xff"}')
    with pytest.raises(SchemeError, match="not UTF-8"):
        load_scheme("test_scheme", folder=tmp_path)


@pytest.mark.parametrize(
    ("scheme_id", "message"),
    [
        pytest.param("no_such_scheme", "no such scheme rule set", id="missing"),
        pytest.param("../secrets", "is not a scheme id", id="path-traversal"),
    ],
)
def test_loading_an_unknown_scheme_is_refused(tmp_path: Path, scheme_id: str, message: str) -> None:
    with pytest.raises(SchemeError, match=message):
        load_scheme(scheme_id, folder=tmp_path)
