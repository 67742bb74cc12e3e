"""Reading the police street-level crime CSV: every row good, or none taken."""

from __future__ import annotations

import pytest

from fieldkit.domain.crime import (
    HEADER,
    CrimeFileError,
    CrimeType,
    crime_month_from_wire,
    parse_crime_csv,
)

GOOD = (
    "abc123,2026-03,West Yorkshire Police,West Yorkshire Police,-1.785,53.645,"
    "On or near New Street,E01011100,Kirklees 027A,Shoplifting,Under investigation,"
)
NO_PLACE = (
    ",2026-03,West Yorkshire Police,West Yorkshire Police,,,No location,,,Anti-social behaviour,,"
)


def _file(*rows: str) -> bytes:
    return ("\ufeff" + ",".join(HEADER) + "\n" + "\n".join(rows) + "\n").encode()


def test_reads_good_rows_including_those_without_a_place() -> None:
    rows = parse_crime_csv(_file(GOOD, NO_PLACE))
    assert [(r.month, r.crime_type, r.lon, r.lat) for r in rows] == [
        ("2026-03", CrimeType.SHOPLIFTING, -1.785, 53.645),
        ("2026-03", CrimeType.ANTI_SOCIAL_BEHAVIOUR, None, None),
    ]
    assert rows[0].lsoa_code == "E01011100"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (GOOD.replace("2026-03", "March 2026"), "Month is not YYYY-MM"),
        (GOOD.replace("2026-03", "2026-13"), "Month is not YYYY-MM"),
        (GOOD.replace("Shoplifting", "Shop theft"), "Crime type is not a published crime type"),
        (GOOD.replace("-1.785", "west"), "Longitude is not a number in range"),
        (GOOD.replace("53.645", "95"), "Latitude is not a number in range"),
        (GOOD.replace("53.645", "nan"), "Latitude is not a number in range"),
        (GOOD.replace("-1.785", ""), "Longitude and Latitude go together"),
        (GOOD.replace("E01011100", "Kirklees"), "LSOA code is not like"),
        (GOOD + ",extra", "has 13 columns, not 12"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_taken(row: str, problem: str) -> None:
    with pytest.raises(CrimeFileError) as caught:
        parse_crime_csv(_file(GOOD, row))
    assert caught.value.bad_rows == 1
    assert caught.value.problems[0].startswith("row 3: ")
    assert problem in caught.value.problems[0]
    assert "Kirklees" not in " ".join(caught.value.problems)


def test_every_bad_row_is_listed() -> None:
    bad = GOOD.replace("2026-03", "03/2026")
    with pytest.raises(CrimeFileError) as caught:
        parse_crime_csv(_file(bad, GOOD, bad, bad))
    assert [p.split(":")[0] for p in caught.value.problems] == ["row 2", "row 4", "row 5"]


@pytest.mark.parametrize(
    "data",
    [b"", b"Month,Crime type\n2026-03,Shoplifting\n", b"\xff\xfe" + GOOD.encode()],
)
def test_a_file_of_another_shape_is_refused(data: bytes) -> None:
    with pytest.raises(CrimeFileError):
        parse_crime_csv(data)


GOOD_MONTH = {
    "force": "West Yorkshire Police",
    "month": "2026-01",
    "points": [["Shoplifting", -1.785, 53.645, 3]],
    "unplaced": {"Burglary": 2},
}


def test_a_crime_month_from_the_server_is_read_as_sent() -> None:
    month = crime_month_from_wire(GOOD_MONTH)
    assert month.points == (("Shoplifting", -1.785, 53.645, 3),)
    assert month.unplaced == (("Burglary", 2),)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"month": "2026-1"}, "YYYY-MM"),
        ({"force": ""}, "no force"),
        ({"points": [["Shoplifting", "x", 53.6, 1]]}, "position"),
        ({"points": [["Shoplifting", float("nan"), 53.6, 1]]}, "position"),
        ({"points": [["Shoplifting", -1.7, 95.0, 1]]}, "position"),
        ({"points": [["Shoplifting", -1.7, 53.6, -4]]}, "positive whole number"),
        ({"points": [["Shoplifting", -1.7, 53.6, True]]}, "positive whole number"),
        ({"points": [["Shoplifting", -1.7, 53.6]]}, "not \\[type, lon, lat, count\\]"),
        ({"unplaced": {"Burglary": 10**12}}, "positive whole number"),
        ({"unplaced": []}, "malformed"),
    ],
)
def test_a_damaged_crime_month_from_the_server_is_refused(
    changes: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        crime_month_from_wire({**GOOD_MONTH, **changes})
