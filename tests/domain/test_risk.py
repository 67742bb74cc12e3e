"""Risk assessment matrices: scoring is table-tested; the loader refuses a bad matrix clearly."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fieldkit.domain.risk import (
    AnswerError,
    MatrixError,
    higher_band,
    load_matrix,
    parse_matrix,
    score,
)
from fieldkit.domain.vocabulary import RiskBand

DAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def shipped() -> Any:
    return load_matrix()


def _all_no(matrix: Any, **overrides: str) -> dict[str, str]:
    answers = {q.id: q.answers[0].id for q in matrix.questions}
    answers.update(overrides)
    return answers


ALL_YES = {
    "repeat": "yes",
    "targeted": "yes",
    "hate": "yes",
    "disability": "yes",
    "isolated": "yes",
    "children": "yes",
    "health": "yes",
    "daily_life": "yes",
    "fear_home": "yes",
    "moving": "yes",
    "property": "yes",
    "violence": "yes",
    "harm_self": "yes",
    "frequency": "daily",
    "duration": "over_six_months",
    "reported_before": "yes",
}


@pytest.mark.parametrize(
    ("overrides", "total", "band", "reassess_by"),
    [
        ({}, 0, RiskBand.STANDARD, date(2026, 3, 30)),
        ({"repeat": "yes", "targeted": "yes", "frequency": "weekly"}, 5, RiskBand.STANDARD, None),
        # 11 is the last standard score, 12 the first medium one.
        (
            {"health": "yes", "fear_home": "yes", "disability": "yes", "repeat": "yes"},
            11,
            RiskBand.STANDARD,
            None,
        ),
        (
            {
                "health": "yes",
                "fear_home": "yes",
                "disability": "yes",
                "repeat": "yes",
                "frequency": "weekly",
            },
            12,
            RiskBand.MEDIUM,
            date(2026, 3, 16),
        ),
        # 21 is the last medium score, 22 the first high one.
        (
            {
                "health": "yes",
                "fear_home": "yes",
                "disability": "yes",
                "repeat": "yes",
                "targeted": "yes",
                "isolated": "yes",
                "children": "yes",
                "daily_life": "yes",
                "moving": "yes",
            },
            21,
            RiskBand.MEDIUM,
            None,
        ),
        (
            {
                "health": "yes",
                "fear_home": "yes",
                "disability": "yes",
                "repeat": "yes",
                "targeted": "yes",
                "isolated": "yes",
                "children": "yes",
                "daily_life": "yes",
                "moving": "yes",
                "frequency": "weekly",
            },
            22,
            RiskBand.HIGH,
            date(2026, 3, 9),
        ),
        # One answer alone can lift the band: talk of self-harm is high whatever the total.
        ({"harm_self": "yes"}, 5, RiskBand.HIGH, date(2026, 3, 9)),
        ({"violence": "yes"}, 4, RiskBand.MEDIUM, None),
        ({"hate": "yes"}, 3, RiskBand.MEDIUM, None),
        # A lift never lowers: a high total with a "medium at least" answer stays high.
        (ALL_YES, 42, RiskBand.HIGH, None),
    ],
)
def test_a_set_of_answers_scores_into_its_band_and_starts_the_reassessment_clock(
    shipped: Any,
    overrides: dict[str, str],
    total: int,
    band: RiskBand,
    reassess_by: date | None,
) -> None:
    result = score(shipped, _all_no(shipped, **overrides), assessed_on=DAY)
    assert (result.score, result.band) == (total, band)
    if reassess_by is not None:
        assert result.reassess_by == reassess_by


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda a: a.pop("harm_self"), "question 'harm_self' is not answered"),
        (lambda a: a.update(harm_self="maybe"), "question 'harm_self' has no such answer"),
        (lambda a: a.update(shoe_size="9"), "question 'shoe_size' is not in matrix"),
    ],
)
def test_answers_that_do_not_fit_the_matrix_are_refused_naming_the_question(
    shipped: Any, change: Any, problem: str
) -> None:
    answers = _all_no(shipped)
    change(answers)
    with pytest.raises(AnswerError, match=problem):
        score(shipped, answers, assessed_on=DAY)


@pytest.mark.parametrize(
    ("a", "b", "higher"),
    [
        (None, None, None),
        (None, RiskBand.STANDARD, RiskBand.STANDARD),
        (RiskBand.HIGH, RiskBand.MEDIUM, RiskBand.HIGH),
        (RiskBand.MEDIUM, RiskBand.HIGH, RiskBand.HIGH),
    ],
)
def test_the_higher_of_two_bands(a: Any, b: Any, higher: Any) -> None:
    assert higher_band(a, b) is higher


def _shipped_doc() -> dict[str, Any]:
    root = Path(__file__).resolve().parents[2]
    doc: dict[str, Any] = json.loads(
        (root / "resources" / "risk" / "asb_victim_risk.json").read_text(encoding="utf-8")
    )
    return doc


def _bad(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(_shipped_doc())
    change(doc)
    return doc


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ([], "must be a JSON object"),
        (_bad(lambda d: d.update(format=2)), "format must be 1"),
        (_bad(lambda d: d.update(id="Bad Id")), "id must be lower-case"),
        (_bad(lambda d: d.update(version=0)), "version must be a whole number"),
        (_bad(lambda d: d.update(questions=[])), "questions must be a non-empty list"),
        (
            _bad(lambda d: d["questions"].append(copy.deepcopy(d["questions"][0]))),
            "id 'repeat' is used twice",
        ),
        (_bad(lambda d: d["questions"][0].update(text=" ")), "question 1: text is required"),
        (
            _bad(lambda d: d["questions"][0].update(answers=d["questions"][0]["answers"][:1])),
            "needs at least two answers",
        ),
        (
            _bad(lambda d: d["questions"][1]["answers"][1].update(score=-1)),
            "answer 'yes' score must be a whole number",
        ),
        (
            _bad(lambda d: d["questions"][1]["answers"][1].update(score=True)),
            "answer 'yes' score must be a whole number",
        ),
        (
            _bad(lambda d: d["questions"][1]["answers"][1].update(band_at_least="severe")),
            "band_at_least must be a band id",
        ),
        (
            _bad(lambda d: d["bands"].pop()),
            "bands must be standard, medium and high, in that order",
        ),
        (
            _bad(lambda d: d["bands"].reverse()),
            "bands must be standard, medium and high, in that order",
        ),
        (_bad(lambda d: d["bands"][0].update({"from": 1})), "band standard: must start at 0"),
        (
            _bad(lambda d: d["bands"][2].update({"from": 12})),
            "band high: must start above the band before it",
        ),
        (
            _bad(lambda d: d["bands"][1].update(reassess_days=0)),
            "band medium: reassess_days must be 1-366",
        ),
    ],
)
def test_the_loader_refuses_a_bad_matrix_saying_what_is_wrong(doc: Any, problem: str) -> None:
    with pytest.raises(MatrixError, match=problem) as caught:
        parse_matrix(doc, source="ours.json")
    assert caught.value.source == "ours.json"


def test_a_matrix_file_that_is_not_json_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "ours.json").write_text('{"format": 1,\n oops}', encoding="utf-8")
    with pytest.raises(MatrixError, match=r"ours.json: not valid JSON \(line 2\)"):
        load_matrix("ours", folder=tmp_path)  # type: ignore[arg-type]


def test_a_matrix_whose_inner_id_differs_from_its_file_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ours.json").write_text(json.dumps(_shipped_doc()), encoding="utf-8")
    with pytest.raises(MatrixError, match="must match the file name"):
        load_matrix("ours", folder=tmp_path)  # type: ignore[arg-type]


def test_an_unknown_matrix_is_refused() -> None:
    with pytest.raises(MatrixError, match="no such risk matrix"):
        load_matrix("nothing_here")
