"""Police recorded crime in the street-level CSV forces publish: its crime types and its rows."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass

from fieldkit.domain.vocabulary import Vocabulary, define_words

#: The published header, exactly.
HEADER = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
#: Most rows one file may hold (a large force publishes some 30,000 a month).
MAX_ROWS = 2_000_000

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_LSOA = re.compile(r"^[EW]01\d{6}$")


class CrimeType(Vocabulary):
    """The crime types in police.uk street-level data (the wire value is the published text)."""

    ANTI_SOCIAL_BEHAVIOUR = "Anti-social behaviour"
    BICYCLE_THEFT = "Bicycle theft"
    BURGLARY = "Burglary"
    CRIMINAL_DAMAGE_AND_ARSON = "Criminal damage and arson"
    DRUGS = "Drugs"
    OTHER_CRIME = "Other crime"
    OTHER_THEFT = "Other theft"
    POSSESSION_OF_WEAPONS = "Possession of weapons"
    PUBLIC_ORDER = "Public order"
    ROBBERY = "Robbery"
    SHOPLIFTING = "Shoplifting"
    THEFT_FROM_THE_PERSON = "Theft from the person"
    VEHICLE_CRIME = "Vehicle crime"
    VIOLENCE_AND_SEXUAL_OFFENCES = "Violence and sexual offences"


define_words(CrimeType, {c.value: c.value for c in CrimeType})


@dataclass(frozen=True)
class CrimeRow:
    """One published crime: where (a street centre, or nowhere) and when (a month)."""

    month: str
    crime_type: CrimeType
    falls_within: str
    lon: float | None
    lat: float | None
    lsoa_code: str
    crime_id: str = ""
    outcome: str = ""


class CrimeFileError(ValueError):
    """A crime file has bad rows; ``problems`` lists each (row number and column, no values)."""

    def __init__(self, problems: list[str], bad_rows: int) -> None:
        super().__init__(f"{bad_rows} bad row(s); nothing imported")
        self.problems = problems
        self.bad_rows = bad_rows


def _coordinate(text: str, low: float, high: float) -> float | None:
    if not text.strip():
        return None
    value = float(text)  # ValueError names nothing from the row
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError
    return value


def _row(cells: list[str]) -> tuple[CrimeRow | None, list[str]]:
    wrong: list[str] = []
    crime_id, month, _by, falls, lon_t, lat_t, _loc, lsoa, _lsoa_name, ctype, outcome, _c = cells
    if not _MONTH.match(month.strip()):
        wrong.append("Month is not YYYY-MM")
    try:
        crime_type = CrimeType(ctype.strip())
    except ValueError:
        wrong.append("Crime type is not a published crime type")
        crime_type = CrimeType.OTHER_CRIME
    try:
        lon = _coordinate(lon_t, -180, 180)
    except ValueError:
        wrong.append("Longitude is not a number in range")
        lon = None
    try:
        lat = _coordinate(lat_t, -90, 90)
    except ValueError:
        wrong.append("Latitude is not a number in range")
        lat = None
    if (lon is None) != (lat is None) and not wrong:
        wrong.append("Longitude and Latitude go together")
    if lsoa.strip() and not _LSOA.match(lsoa.strip()):
        wrong.append("LSOA code is not like E01011100")
    if not falls.strip():
        wrong.append("Falls within is empty")
    if len(crime_id) > 128 or len(falls) > 200 or len(outcome) > 200:
        wrong.append("a field is too long")
    if wrong:
        return None, wrong
    return (
        CrimeRow(
            month=month.strip(),
            crime_type=crime_type,
            falls_within=falls.strip(),
            lon=lon,
            lat=lat,
            lsoa_code=lsoa.strip(),
            crime_id=crime_id.strip(),
            outcome=outcome.strip(),
        ),
        [],
    )


def parse_crime_csv(data: bytes) -> list[CrimeRow]:
    """Read a street-level crime file; every row must be good, or none is taken.

    Args:
        data: the file's bytes (UTF-8, with or without a byte-order mark).

    Raises:
        CrimeFileError: listing every bad row by number (the header is row 1) and what is wrong,
            never quoting what the row holds.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CrimeFileError(["the file is not UTF-8 text"], 0) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != HEADER:
            raise CrimeFileError(
                ["row 1: the header is not the published one: " + ",".join(HEADER)], 0
            )
        rows: list[CrimeRow] = []
        problems: list[str] = []
        bad = 0
        for number, cells in enumerate(reader, start=2):
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if number - 1 > MAX_ROWS:
                raise CrimeFileError([f"more than {MAX_ROWS} rows"], bad)
            if len(cells) != len(HEADER):
                found, wrong = None, [f"has {len(cells)} columns, not {len(HEADER)}"]
            else:
                found, wrong = _row(cells)
            if found is None:
                bad += 1
                problems.append(f"row {number}: " + "; ".join(wrong))
            else:
                rows.append(found)
    except csv.Error as exc:
        raise CrimeFileError(
            [f"row {reader.line_num}: not CSV this reader can read ({exc})"], 1
        ) from None
    if bad:
        raise CrimeFileError(problems, bad)
    return rows


@dataclass(frozen=True)
class CrimeMonth:
    """One force's month as the server sends it: counts by crime type and published point."""

    force: str
    month: str
    #: ``(crime type, lon, lat, count)``.
    points: tuple[tuple[str, float, float, int], ...]
    #: Crimes published without a location, by crime type.
    unplaced: tuple[tuple[str, int], ...]


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 10_000_000:
        raise ValueError("a crime count is not a positive whole number")
    return value


def crime_month_from_wire(data: object) -> CrimeMonth:
    """Check one month of ``GET /v1/reference/crime`` (a server's reply is not trusted blindly).

    Raises:
        ValueError: saying what is wrong (never quoting the reply).
    """
    if not isinstance(data, dict):
        raise ValueError("a crime month is not an object")
    force, month = data.get("force"), data.get("month")
    if not isinstance(force, str) or not force or len(force) > 200:
        raise ValueError("a crime month has no force")
    if not isinstance(month, str) or not _MONTH.match(month):
        raise ValueError("a crime month's month is not YYYY-MM")
    points = data.get("points", [])
    unplaced = data.get("unplaced", {})
    if not isinstance(points, list) or not isinstance(unplaced, dict):
        raise ValueError("a crime month's points or unplaced counts are malformed")
    checked: list[tuple[str, float, float, int]] = []
    for point in points:
        if not (isinstance(point, list) and len(point) == 4 and isinstance(point[0], str)):
            raise ValueError("a crime point is not [type, lon, lat, count]")
        crime_type, lon, lat, count = point
        if (
            isinstance(lon, bool)
            or isinstance(lat, bool)
            or not isinstance(lon, int | float)
            or not isinstance(lat, int | float)
            or not (math.isfinite(lon) and math.isfinite(lat))
            or not (-180 <= lon <= 180 and -90 <= lat <= 90)
        ):
            raise ValueError("a crime point's position is not a longitude and latitude")
        checked.append((crime_type, float(lon), float(lat), _count(count)))
    out_of_place = tuple((str(k), _count(v)) for k, v in sorted(unplaced.items()))
    return CrimeMonth(force, month, tuple(checked), out_of_place)
