"""The address gazetteer's rules: reading an import file, converting coordinates, ranking."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pyproj import Transformer
from rapidfuzz import fuzz

from fieldkit.domain.names import fold
from fieldkit.domain.postcode import normalise_postcode

#: The columns every import file has; coordinates come as one of the two pairs below.
REQUIRED_COLUMNS = ("uprn", "address", "postcode")
GRID_COLUMNS = ("easting", "northing")
WGS84_COLUMNS = ("lat", "lon")
#: An optional column: a building or landmark name the address is also found by.
LANDMARK_COLUMN = "landmark"

#: The wire and CLI order of an entry's fields.
ENTRY_FIELDS = ("uprn", "address", "postcode", "lat", "lon", "landmark")

MAX_ADDRESS = 300
MAX_LANDMARK = 120
_UPRN = re.compile(r"^[0-9]{1,12}$")
#: The British National Grid's extent, in metres (a point outside it is a typo, not a place).
_GRID_MAX_EASTING = 700_000.0
_GRID_MAX_NORTHING = 1_300_000.0
#: Great Britain, Northern Ireland and the islands, generously: a WGS84 point outside is a typo.
_LAT_RANGE = (49.0, 61.5)
_LON_RANGE = (-9.0, 2.5)
#: How many bad rows an import lists before it only counts the rest.
MAX_LISTED_PROBLEMS = 200


@dataclass(frozen=True)
class GazetteerEntry:
    """One address: its UPRN, the address as written, postcode and WGS84 point."""

    uprn: str
    address: str
    postcode: str
    lat: float
    lon: float
    landmark: str = ""

    def wire(self) -> list[object]:
        """The entry as a compact array, in `ENTRY_FIELDS` order."""
        return [self.uprn, self.address, self.postcode, self.lat, self.lon, self.landmark]


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row of an import file; it never quotes the row's values."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


class GazetteerFileError(ValueError):
    """An import file that cannot be read at all (no header, wrong columns, not text)."""


@dataclass(frozen=True)
class ParsedGazetteer:
    """What an import file holds: the entries, or every row that is wrong."""

    entries: tuple[GazetteerEntry, ...]
    problems: tuple[RowProblem, ...]
    #: How many bad rows there were (only the first `MAX_LISTED_PROBLEMS` are listed).
    bad_rows: int


@lru_cache(maxsize=1)
def _grid_to_wgs84() -> Transformer:
    # always_xy: easting/northing in, longitude/latitude out, whatever the CRS's axis order.
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def grid_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """Convert a British National Grid point (OSGB36, EPSG:27700) to WGS84.

    The conversion is PROJ's (through pyproj): the Transverse Mercator projection exactly, and
    the datum shift by the published Helmert parameters, good to a few metres without the OSTN15
    grid file — well inside an address's footprint.

    Args:
        easting: metres east of the grid's false origin.
        northing: metres north of it.

    Returns:
        ``(lat, lon)`` in degrees, rounded to 7 places (about a centimetre).
    """
    lon, lat = _grid_to_wgs84().transform(easting, northing)
    return round(lat, 7), round(lon, 7)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_gazetteer_csv(data: bytes) -> ParsedGazetteer:
    """Read an import file: a header, then one address a row.

    Columns ``uprn, address, postcode`` and either ``easting, northing`` (OSGB36) or
    ``lat, lon`` (WGS84); an optional ``landmark``; other columns are ignored. Every bad row is
    reported with its line and column, never its values.

    Args:
        data: the file's bytes (UTF-8, a byte-order mark allowed).

    Returns:
        The entries when every row is good; otherwise no entries and the problems.

    Raises:
        GazetteerFileError: the file is not UTF-8 text or its header lacks a needed column.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GazetteerFileError("the file is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise GazetteerFileError("the file is empty (no header row)") from None
    except csv.Error:
        raise GazetteerFileError("the header row is not CSV") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise GazetteerFileError(f"the header has no {', '.join(missing)} column")
    if all(c in header for c in GRID_COLUMNS):
        coords = GRID_COLUMNS
    elif all(c in header for c in WGS84_COLUMNS):
        coords = WGS84_COLUMNS
    else:
        raise GazetteerFileError("the header needs easting and northing, or lat and lon")
    where = {name: header.index(name) for name in (*REQUIRED_COLUMNS, *coords)}
    landmark_at = header.index(LANDMARK_COLUMN) if LANDMARK_COLUMN in header else None
    entries: list[GazetteerEntry] = []
    problems: list[RowProblem] = []
    bad_rows = 0
    seen: dict[str, int] = {}
    grid_points: list[tuple[int, float, float]] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            found = _check_row(row, line, where, coords, landmark_at, seen)
            if isinstance(found, list):
                bad_rows += 1
                problems.extend(found)
                continue
            entries.append(found)
            if coords == GRID_COLUMNS:
                grid_points.append((len(entries) - 1, found.lat, found.lon))
    except csv.Error:
        raise GazetteerFileError(f"line {reader.line_num} is not CSV") from None
    if bad_rows:
        return ParsedGazetteer((), tuple(problems[:MAX_LISTED_PROBLEMS]), bad_rows)
    if grid_points:
        # One call for the whole file: PROJ converts arrays far faster than point by point.
        lons, lats = _grid_to_wgs84().transform(
            [p[1] for p in grid_points], [p[2] for p in grid_points]
        )
        for (index, _e, _n), lat, lon in zip(grid_points, lats, lons, strict=True):
            entry = entries[index]
            entries[index] = GazetteerEntry(
                entry.uprn,
                entry.address,
                entry.postcode,
                round(lat, 7),
                round(lon, 7),
                entry.landmark,
            )
    return ParsedGazetteer(tuple(entries), (), 0)


def _check_row(
    row: Sequence[str],
    line: int,
    where: dict[str, int],
    coords: tuple[str, str],
    landmark_at: int | None,
    seen: dict[str, int],
) -> GazetteerEntry | list[RowProblem]:
    """One row as an entry (grid rows carry easting and northing until converted), or its faults."""
    problems: list[RowProblem] = []

    def cell(name: str) -> str:
        at = where[name]
        return row[at].strip() if at < len(row) else ""

    uprn = cell("uprn")
    if not _UPRN.match(uprn):
        problems.append(RowProblem(line, "uprn", "must be 1 to 12 digits"))
    elif uprn in seen:
        problems.append(RowProblem(line, "uprn", f"repeats the UPRN of line {seen[uprn]}"))
    else:
        seen[uprn] = line
    address = " ".join(cell("address").split())
    if not address:
        problems.append(RowProblem(line, "address", "is empty"))
    elif len(address) > MAX_ADDRESS:
        problems.append(RowProblem(line, "address", f"is longer than {MAX_ADDRESS} characters"))
    elif not address.isprintable():
        problems.append(RowProblem(line, "address", "holds control characters"))
    postcode = ""
    try:
        postcode = normalise_postcode(cell("postcode"))
    except ValueError:
        problems.append(RowProblem(line, "postcode", "is not a UK postcode"))
    landmark = ""
    if landmark_at is not None and landmark_at < len(row):
        landmark = " ".join(row[landmark_at].split())
        if len(landmark) > MAX_LANDMARK or not landmark.isprintable():
            problems.append(
                RowProblem(line, LANDMARK_COLUMN, f"must be printable, {MAX_LANDMARK} at most")
            )
    first, second = (_number(cell(coords[0])), _number(cell(coords[1])))
    if coords == GRID_COLUMNS:
        limits = ((0.0, _GRID_MAX_EASTING), (0.0, _GRID_MAX_NORTHING))
        words = ("is not a grid easting in metres", "is not a grid northing in metres")
    else:
        limits = (_LAT_RANGE, _LON_RANGE)
        words = ("is not a latitude in the UK", "is not a longitude in the UK")
    for name, value, (low, high), reason in zip(
        coords, (first, second), limits, words, strict=True
    ):
        if value is None or not low <= value <= high:
            problems.append(RowProblem(line, name, reason))
    if problems:
        return problems
    assert first is not None
    assert second is not None
    return GazetteerEntry(uprn, address, postcode, first, second, landmark)


# Searching ---------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)
#: Words a typed query keeps (more are ignored: nobody types a whole paragraph to find a house).
MAX_QUERY_WORDS = 8
#: A word this long or longer that matches nothing is looked up among similar words.
MIN_CORRECTED = 4


def query_words(text: str) -> list[str]:
    """The folded, lower-case words of a query, as the index splits them."""
    return _WORD.findall(fold(text).lower())[:MAX_QUERY_WORDS]


def entry_text(address: str, postcode: str, landmark: str) -> str:
    """The words an entry is found by: landmark, address, postcode (also without its space)."""
    return fold(f"{landmark} {address} {postcode} {postcode.replace(' ', '')}").lower()


def match_score(query: Sequence[str], address: str, postcode: str, landmark: str) -> float:
    """How well an entry matches the typed words: higher is better, 0 to about 130.

    The fuzzy ratio of the whole text, plus a bonus for each typed word found whole (a house
    number typed "12" ranks 12 above 112 and 120), plus a bonus when the typed postcode is the
    entry's.

    Args:
        query: the typed words (`query_words`).
        address: the entry's address.
        postcode: its postcode.
        landmark: its landmark name, or "".
    """
    typed = " ".join(query)
    words = set(_WORD.findall(entry_text(address, postcode, landmark)))
    score = fuzz.token_set_ratio(typed, entry_text(address, postcode, landmark))
    score += 5.0 * sum(1 for w in query if w in words)
    compact = postcode.replace(" ", "").lower()
    if compact and compact in typed.replace(" ", ""):
        score += 10.0
    return float(score)


def rank_entries(
    query: Sequence[str], entries: Iterable[GazetteerEntry], *, limit: int
) -> list[GazetteerEntry]:
    """The best `limit` entries for the typed words, best first (ties by address, then UPRN)."""
    scored = [
        (-match_score(query, e.address, e.postcode, e.landmark), e.address, e.uprn, e)
        for e in entries
    ]
    scored.sort(key=lambda s: (s[0], s[1], s[2]))
    return [s[3] for s in scored[:limit]]
