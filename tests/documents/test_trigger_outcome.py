"""The Community Trigger outcome letter's template is checked at load for what it must say."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pytest

from fieldkit.documents.templates import TemplateError
from fieldkit.documents.trigger_outcome import (
    parse_outcome_template,
    shipped_outcome_template,
)


def _shipped() -> dict[str, Any]:
    template = shipped_outcome_template()
    assert template.template_id == "kirklees.community_trigger_outcome"
    path = files("fieldkit.resources") / "templates" / "community_trigger"
    data: dict[str, Any] = json.loads((path / "outcome_letter.en.v1.json").read_text("utf-8"))
    return data


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("threshold", "is missing whether the threshold was met"),
        ("escalation", "is missing how to ask for the handling to be looked at again"),
        ("review", "is missing the review and its recommendations"),
    ],
)
def test_a_template_without_a_required_part_is_refused_at_load(section: str, problem: str) -> None:
    data = _shipped()
    data["sections"] = [s for s in data["sections"] if s["id"] != section]
    with pytest.raises(TemplateError, match=problem):
        parse_outcome_template(data, source="test.json")


def test_a_part_that_does_not_use_its_value_is_refused() -> None:
    data = _shipped()
    for s in data["sections"]:
        if s["id"] == "outcome":
            s["text"] = "We will be in touch."
    with pytest.raises(TemplateError, match=r"must use \{outcome\}"):
        parse_outcome_template(data, source="test.json")


def test_an_unknown_placeholder_is_refused() -> None:
    data = _shipped()
    data["salutation"] = "Dear {passphrase},"
    with pytest.raises(TemplateError, match="unknown placeholders"):
        parse_outcome_template(data, source="test.json")
