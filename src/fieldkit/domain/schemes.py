"""Warning schemes as data: each scheme's ladder of levels, its window and what follows the top."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

#: The rule-set file format this code reads; bump it when a key changes meaning.
FORMAT = 1
MAX_WINDOW_MONTHS = 36

_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class SchemeError(Exception):
    """A scheme rule set that cannot be used, naming the file and what is wrong with it."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class CountersignWhen(StrEnum):
    """When a step's countersignature must be in place, relative to serving it."""

    AFTER_SERVING = "after_serving"
    BEFORE_SERVING = "before_serving"


@dataclass(frozen=True)
class Level:
    """One step on a scheme's ladder, e.g. a Yellow letter or a Community Protection Warning."""

    id: str
    name: str
    #: The power the step is taken under, e.g. "Anti-social Behaviour, Crime and Policing Act
    #: 2014, s43", or that it is a local, non-statutory scheme.
    power: str
    #: What happens next, in plain English, as the person is told it.
    next_step: str
    #: Whether support must be offered (signposting) before or with this step.
    support_first: bool
    #: Days the person has to appeal, where the step can be appealed.
    appeal_days: int | None = None
    #: Whether a supervisor must countersign a warning at this step (a per-scheme setting).
    countersign: bool = False
    #: When the countersignature is needed: after serving (served on the spot, countersigned
    #: later, as the Red letter) or before serving (prepared offline, held until the
    #: countersignature arrives by sync). None when the step needs none.
    countersign_when: CountersignWhen | None = None


@dataclass(frozen=True)
class Enforcement:
    """What follows the top of the ladder: the enforcement the case is referred for."""

    name: str
    power: str
    options: tuple[str, ...]
    support_first: bool
    fixed_penalty_pounds: int | None = None


@dataclass(frozen=True)
class Scheme:
    """A warning scheme's rule set, loaded and checked."""

    id: str
    name: str
    #: How long a warning stands: a further breach within it escalates; after it, start again.
    window_months: int
    levels: tuple[Level, ...]
    enforcement: Enforcement
    #: The youngest a person may be to be given any step (16 for CPW/CPN); None for no limit.
    min_age: int | None = None
    description: str = ""

    def rank(self, level_id: str) -> int:
        """The position of a level on the ladder, 0 for the first.

        Args:
            level_id: The level's id, e.g. ``"yellow"``.

        Returns:
            The level's index in ``levels``.

        Raises:
            ValueError: If the scheme has no such level.
        """
        for index, level in enumerate(self.levels):
            if level.id == level_id:
                return index
        known = ", ".join(level.id for level in self.levels)
        raise ValueError(f"scheme {self.id!r} has no level {level_id!r} (it has {known})")


def schemes_folder() -> Traversable:
    """The folder of rule sets that ships with Fieldkit (``resources/schemes``).

    Returns:
        The folder, as an importlib.resources Traversable.
    """
    return files("fieldkit.resources") / "schemes"


def load_scheme(scheme_id: str, *, folder: Traversable | None = None) -> Scheme:
    """Read and check one scheme's rule set, ``<scheme_id>.json``.

    Args:
        scheme_id: The scheme's id, e.g. ``"street_drinking_vagrancy"``.
        folder: Where to read from; the shipped rule sets if None.

    Returns:
        The scheme.

    Raises:
        SchemeError: If there is no such rule set or it is not valid.
    """
    folder = schemes_folder() if folder is None else folder
    if not _ID.match(scheme_id):
        raise SchemeError(str(folder), f"{scheme_id!r} is not a scheme id")
    entry = folder / f"{scheme_id}.json"
    if not entry.is_file():
        raise SchemeError(str(entry), "no such scheme rule set")
    return _read(entry)


def load_schemes(*, folder: Traversable | None = None) -> dict[str, Scheme]:
    """Read and check every ``*.json`` rule set in a folder.

    Args:
        folder: Where to read from; the shipped rule sets if None.

    Returns:
        The schemes by id, in file-name order.

    Raises:
        SchemeError: For the first rule set that is not valid.
    """
    folder = schemes_folder() if folder is None else folder
    entries = sorted(
        (entry for entry in folder.iterdir() if entry.is_file() and entry.name.endswith(".json")),
        key=lambda entry: entry.name,
    )
    schemes = (_read(entry) for entry in entries)
    return {scheme.id: scheme for scheme in schemes}


def _read(entry: Traversable) -> Scheme:
    source = str(entry)
    try:
        data = json.loads(entry.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError as error:
        raise SchemeError(source, f"not UTF-8 text ({error.reason})") from error
    except json.JSONDecodeError as error:
        problem = f"not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        raise SchemeError(source, problem) from error
    except _DuplicateKeyError as error:
        raise SchemeError(source, f"key {error.args[0]!r} is given twice") from error
    return parse_scheme(data, source=source, expected_id=entry.name.removesuffix(".json"))


class _DuplicateKeyError(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def parse_scheme(data: object, *, source: str, expected_id: str | None = None) -> Scheme:
    """Check a decoded rule set and build the Scheme from it.

    Args:
        data: The decoded JSON.
        source: Where it came from (a file name), for error messages.
        expected_id: The id the file name promises, if read from a file.

    Returns:
        The scheme.

    Raises:
        SchemeError: Naming ``source`` and the first thing wrong: an unknown or missing key, a
            value of the wrong kind, no levels, a repeated level id, or a window outside 1 to 36
            months.
    """
    return _Parser(source).scheme(data, expected_id)


class _Parser:
    """Walks a decoded rule set, reporting the first problem with the path to it."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> SchemeError:
        return SchemeError(self.source, f"{where}: {problem}" if where else problem)

    def scheme(self, data: object, expected_id: str | None) -> Scheme:
        obj = self.mapping(
            data,
            "",
            required={"format", "id", "name", "window_months", "levels", "enforcement"},
            optional={"min_age", "description"},
        )
        if obj["format"] != FORMAT or isinstance(obj["format"], bool):
            raise self.fail("format", f"this version of Fieldkit reads format {FORMAT}")
        scheme_id = self.identifier(obj["id"], "id")
        if expected_id is not None and scheme_id != expected_id:
            raise self.fail("id", f"{scheme_id!r} does not match the file name {expected_id!r}")
        window = self.integer(obj["window_months"], "window_months", low=1, high=MAX_WINDOW_MONTHS)
        min_age = obj.get("min_age")
        raw_levels = obj["levels"]
        if not isinstance(raw_levels, list) or not raw_levels:
            raise self.fail("levels", "must be a list of at least one level")
        levels = tuple(self.level(raw, f"levels[{index}]") for index, raw in enumerate(raw_levels))
        seen: set[str] = set()
        for index, level in enumerate(levels):
            if level.id in seen:
                raise self.fail(f"levels[{index}].id", f"{level.id!r} is used twice")
            seen.add(level.id)
        return Scheme(
            id=scheme_id,
            name=self.text(obj["name"], "name"),
            window_months=window,
            levels=levels,
            enforcement=self.enforcement(obj["enforcement"], "enforcement"),
            min_age=None if min_age is None else self.integer(min_age, "min_age", low=0, high=120),
            description=self.text(obj.get("description", ""), "description", empty_ok=True),
        )

    def level(self, data: object, where: str) -> Level:
        obj = self.mapping(
            data,
            where,
            required={"id", "name", "power", "next_step", "support_first"},
            optional={"appeal_days", "countersign"},
        )
        appeal_days = obj.get("appeal_days")
        countersign, when = self.countersign(obj.get("countersign", False), appeal_days, where)
        return Level(
            id=self.identifier(obj["id"], f"{where}.id"),
            name=self.text(obj["name"], f"{where}.name"),
            power=self.text(obj["power"], f"{where}.power"),
            next_step=self.text(obj["next_step"], f"{where}.next_step"),
            support_first=self.boolean(obj["support_first"], f"{where}.support_first"),
            appeal_days=(
                None
                if appeal_days is None
                else self.integer(appeal_days, f"{where}.appeal_days", low=1, high=366)
            ),
            countersign=countersign,
            countersign_when=when,
        )

    def countersign(
        self, value: object, appeal_days: object, where: str
    ) -> tuple[bool, CountersignWhen | None]:
        """``false``, ``"after_serving"``, ``"before_serving"`` or ``true``.

        ``true`` keeps its older meaning for letters (countersigned after serving); a step that
        can be appealed is a formal notice, which is authorised before it is served.
        """
        if value is False:
            return False, None
        if value is True:
            default = (
                CountersignWhen.BEFORE_SERVING if appeal_days else CountersignWhen.AFTER_SERVING
            )
            return True, default
        if isinstance(value, str) and value in {w.value for w in CountersignWhen}:
            return True, CountersignWhen(value)
        raise self.fail(
            f"{where}.countersign",
            f'must be false, "after_serving" or "before_serving", not {value!r}',
        )

    def enforcement(self, data: object, where: str) -> Enforcement:
        obj = self.mapping(
            data,
            where,
            required={"name", "power", "options", "support_first"},
            optional={"fixed_penalty_pounds"},
        )
        options = obj["options"]
        if not isinstance(options, list) or not options:
            raise self.fail(f"{where}.options", "must be a list of at least one option")
        penalty = obj.get("fixed_penalty_pounds")
        return Enforcement(
            name=self.text(obj["name"], f"{where}.name"),
            power=self.text(obj["power"], f"{where}.power"),
            options=tuple(
                self.text(option, f"{where}.options[{index}]")
                for index, option in enumerate(options)
            ),
            support_first=self.boolean(obj["support_first"], f"{where}.support_first"),
            fixed_penalty_pounds=(
                None
                if penalty is None
                else self.integer(penalty, f"{where}.fixed_penalty_pounds", low=1, high=10_000)
            ),
        )

    def mapping(
        self, data: object, where: str, *, required: set[str], optional: set[str]
    ) -> Mapping[str, object]:
        if not isinstance(data, dict):
            raise self.fail(where, "must be a JSON object")
        unknown = sorted(set(data) - required - optional)
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            raise self.fail(where, f"unknown key {unknown[0]!r} (allowed: {allowed})")
        missing = sorted(required - set(data))
        if missing:
            raise self.fail(where, f"missing key {missing[0]!r}")
        return data

    def identifier(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            raise self.fail(where, f"{value!r} is not an id (lower-case letters, digits and _)")
        return value

    def text(self, value: object, where: str, *, empty_ok: bool = False) -> str:
        if not isinstance(value, str) or (not empty_ok and not value.strip()):
            raise self.fail(where, "must be non-empty text")
        return value

    def boolean(self, value: object, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"must be true or false, not {value!r}")
        return value

    def integer(self, value: object, where: str, *, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(where, f"must be a whole number from {low} to {high}, not {value!r}")
        return value
