"""Victim and complainant risk assessment as data: a matrix's questions, scores and bands."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from fieldkit.domain.vocabulary import RiskBand

#: The matrix file format this code reads; bump it when a key changes meaning.
FORMAT = 1
MAX_SCORE_PER_ANSWER = 1000
MAX_REASSESS_DAYS = 366
DEFAULT_MATRIX = "asb_victim_risk"

_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_BAND_ORDER = tuple(RiskBand)


class MatrixError(Exception):
    """A risk matrix that cannot be used, naming the file and what is wrong with it."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class AnswerError(ValueError):
    """Answers that do not fit the matrix: names the question, never an answer's free text."""


@dataclass(frozen=True)
class Answer:
    """One answer to a question and what it adds to the score."""

    id: str
    text: str
    score: int
    #: The answer alone puts the assessment at least in this band (e.g. talk of self-harm).
    band_at_least: RiskBand | None = None


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    answers: tuple[Answer, ...]

    def answer(self, answer_id: str) -> Answer | None:
        return next((a for a in self.answers if a.id == answer_id), None)


@dataclass(frozen=True)
class Band:
    """A band starts at a score; its reassessment interval runs from the assessment."""

    id: RiskBand
    starts_at: int
    reassess_days: int


@dataclass(frozen=True)
class Matrix:
    """A partnership's risk-assessment matrix."""

    id: str
    version: int
    name: str
    questions: tuple[Question, ...]
    bands: tuple[Band, ...]

    def band(self, band_id: RiskBand) -> Band:
        return next(b for b in self.bands if b.id is band_id)


@dataclass(frozen=True)
class RiskResult:
    """What an assessment comes to: its score, its band and when to assess again."""

    score: int
    band: RiskBand
    reassess_by: date


def score(matrix: Matrix, answers: Mapping[str, str], *, assessed_on: date) -> RiskResult:
    """Score a full set of answers.

    The score is the sum of the answers' scores; the band is the highest whose start the
    score reaches, raised to any answer's ``band_at_least``; the reassessment clock is that
    band's interval from the day of the assessment.

    Args:
        matrix: the matrix answered.
        answers: answer id by question id; every question must be answered.
        assessed_on: the day of the assessment.

    Returns:
        The score, band and reassessment date.

    Raises:
        AnswerError: a question is unanswered or unknown, or an answer is not one of its own.
    """
    known = {q.id for q in matrix.questions}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise AnswerError(f"question {unknown[0]!r} is not in matrix {matrix.id}")
    total = 0
    floor = RiskBand.STANDARD
    for question in matrix.questions:
        if question.id not in answers:
            raise AnswerError(f"question {question.id!r} is not answered")
        answer = question.answer(answers[question.id])
        if answer is None:
            raise AnswerError(f"question {question.id!r} has no such answer")
        total += answer.score
        if answer.band_at_least is not None and _rank(answer.band_at_least) > _rank(floor):
            floor = answer.band_at_least
    reached = max((b for b in matrix.bands if b.starts_at <= total), key=lambda b: b.starts_at)
    band = reached.id if _rank(reached.id) >= _rank(floor) else floor
    days = matrix.band(band).reassess_days
    return RiskResult(total, band, assessed_on + timedelta(days=days))


def higher_band(a: RiskBand | None, b: RiskBand | None) -> RiskBand | None:
    """The higher of two bands (None is lower than any)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if _rank(a) >= _rank(b) else b


def _rank(band: RiskBand) -> int:
    return _BAND_ORDER.index(band)


def answers_to_wire(answers: Mapping[str, str]) -> list[str]:
    """Answers as the record stores them: ``question=answer``, in question order given."""
    return [f"{q}={a}" for q, a in answers.items()]


def answers_from_wire(items: object) -> dict[str, str]:
    """The answers a record stores, back as answer id by question id (malformed items skipped)."""
    out: dict[str, str] = {}
    for item in items if isinstance(items, list) else []:
        question, sep, answer = str(item).partition("=")
        if sep:
            out[question] = answer
    return out


# Loading --------------------------------------------------------------------------------------


def shipped_folder() -> Traversable:
    """The folder of matrices that ships with Fieldkit (``resources/risk``)."""
    return files("fieldkit.resources") / "risk"


def load_matrix(matrix_id: str = DEFAULT_MATRIX, *, folder: Traversable | None = None) -> Matrix:
    """Load and check a matrix by id.

    Raises:
        MatrixError: no such file, not JSON, or not a usable matrix (saying what is wrong).
    """
    if not _ID.match(matrix_id):
        raise MatrixError(matrix_id, "a matrix id is lower-case letters, digits and _")
    source = f"{matrix_id}.json"
    path = (folder or shipped_folder()) / source
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        raise MatrixError(source, "no such risk matrix") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise MatrixError(source, f"not valid JSON (line {getattr(exc, 'lineno', '?')})") from None
    matrix = parse_matrix(doc, source=source)
    if matrix.id != matrix_id:
        raise MatrixError(source, "the id inside must match the file name")
    return matrix


def parse_matrix(doc: Any, *, source: str) -> Matrix:
    """Check a matrix document and build it.

    Raises:
        MatrixError: naming the first thing wrong with it.
    """

    def fail(problem: str) -> MatrixError:
        return MatrixError(source, problem)

    if not isinstance(doc, dict):
        raise fail("must be a JSON object")
    if doc.get("format") != FORMAT:
        raise fail(f"format must be {FORMAT}")
    matrix_id = doc.get("id")
    if not isinstance(matrix_id, str) or not _ID.match(matrix_id):
        raise fail("id must be lower-case letters, digits and _")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= 10_000:
        raise fail("version must be a whole number from 1 to 10000")
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("name is required")
    questions = _questions(doc.get("questions"), fail)
    bands = _bands(doc.get("bands"), fail)
    return Matrix(matrix_id, version, name.strip(), questions, bands)


def _questions(raw: object, fail: Any) -> tuple[Question, ...]:
    if not isinstance(raw, list) or not raw:
        raise fail("questions must be a non-empty list")
    out: list[Question] = []
    for position, q in enumerate(raw, start=1):
        where = f"question {position}"
        if not isinstance(q, dict):
            raise fail(f"{where} must be an object")
        qid, text = q.get("id"), q.get("text")
        if not isinstance(qid, str) or not _ID.match(qid):
            raise fail(f"{where}: id must be lower-case letters, digits and _")
        if any(existing.id == qid for existing in out):
            raise fail(f"{where}: id {qid!r} is used twice")
        if not isinstance(text, str) or not text.strip():
            raise fail(f"{where}: text is required")
        answers = q.get("answers")
        if not isinstance(answers, list) or len(answers) < 2:
            raise fail(f"{where}: needs at least two answers")
        parsed: list[Answer] = []
        for a in answers:
            parsed.append(_answer(a, f"{where} ({qid})", parsed, fail))
        out.append(Question(qid, text.strip(), tuple(parsed)))
    return tuple(out)


def _answer(a: object, where: str, earlier: list[Answer], fail: Any) -> Answer:
    if not isinstance(a, dict):
        raise fail(f"{where}: each answer must be an object")
    aid, text, points = a.get("id"), a.get("text"), a.get("score")
    if not isinstance(aid, str) or not _ID.match(aid):
        raise fail(f"{where}: an answer id must be lower-case letters, digits and _")
    if any(e.id == aid for e in earlier):
        raise fail(f"{where}: answer {aid!r} is used twice")
    if not isinstance(text, str) or not text.strip():
        raise fail(f"{where}: answer {aid!r} needs text")
    if (
        not isinstance(points, int)
        or isinstance(points, bool)
        or not 0 <= points <= MAX_SCORE_PER_ANSWER
    ):
        raise fail(f"{where}: answer {aid!r} score must be a whole number 0-{MAX_SCORE_PER_ANSWER}")
    floor = a.get("band_at_least")
    band: RiskBand | None = None
    if floor is not None:
        if floor not in {b.value for b in RiskBand}:
            raise fail(f"{where}: answer {aid!r} band_at_least must be a band id")
        band = RiskBand(floor)
    return Answer(aid, text.strip(), points, band)


def _bands(raw: object, fail: Any) -> tuple[Band, ...]:
    if not isinstance(raw, list):
        raise fail("bands must be a list")
    ids = [b.get("id") if isinstance(b, dict) else None for b in raw]
    if ids != [b.value for b in RiskBand]:
        raise fail("bands must be standard, medium and high, in that order")
    out: list[Band] = []
    for b in raw:
        assert isinstance(b, dict)
        starts, days = b.get("from"), b.get("reassess_days")
        if not isinstance(starts, int) or isinstance(starts, bool) or starts < 0:
            raise fail(f"band {b['id']}: from must be a whole number, 0 or more")
        if out and starts <= out[-1].starts_at:
            raise fail(f"band {b['id']}: must start above the band before it")
        if not out and starts != 0:
            raise fail("band standard: must start at 0")
        if (
            not isinstance(days, int)
            or isinstance(days, bool)
            or not 1 <= days <= MAX_REASSESS_DAYS
        ):
            raise fail(f"band {b['id']}: reassess_days must be 1-{MAX_REASSESS_DAYS}")
        out.append(Band(RiskBand(b["id"]), starts, days))
    return tuple(out)
