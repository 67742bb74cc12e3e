"""The gazetteer's pure rules: grid conversion, reading an import file, ranking matches."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldkit.domain.gazetteer import (
    GazetteerEntry,
    GazetteerFileError,
    grid_to_wgs84,
    parse_gazetteer_csv,
    query_words,
    rank_entries,
)

#: Ordnance Survey's OSTN15 test points (TP01-TP10): OSGB36 grid, and the ETRS89 position
#: (the same as WGS84 to well under a metre here). Without the OSTN15 grid file PROJ uses the
#: published Helmert shift, good to a few metres: the tolerance below.
OS_TEST_POINTS = [
    ("TP01", 91492.135, 11318.801, 49.92226393730, -6.29977752014),
    ("TP02", 170370.706, 11572.406, 49.96006137820, -5.20304609998),
    ("TP03", 250359.798, 62016.567, 50.43885825610, -4.10864563561),
    ("TP04", 449816.359, 75335.859, 50.57563665000, -1.29782277240),
    ("TP05", 438710.908, 114792.248, 50.93127937910, -1.45051433700),
    ("TP06", 292184.858, 168003.462, 51.40078220140, -3.55128349240),
    ("TP07", 639821.823, 169565.856, 51.37447025550, 1.44454730409),
    ("TP08", 362269.979, 169978.688, 51.42754743020, -2.54407618349),
    ("TP09", 530624.963, 178388.461, 51.48936564950, -0.11992557180),
    ("TP10", 241124.573, 220332.638, 51.85890896400, -4.30852476960),
]
METRES = 6.0


def _metres_apart(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    north = (lat1 - lat2) * 111_320
    east = (lon1 - lon2) * 111_320 * math.cos(math.radians(lat2))
    return math.hypot(north, east)


@pytest.mark.parametrize(("name", "easting", "northing", "lat", "lon"), OS_TEST_POINTS)
def test_a_grid_point_converts_to_the_published_position(
    name: str, easting: float, northing: float, lat: float, lon: float
) -> None:
    got_lat, got_lon = grid_to_wgs84(easting, northing)
    assert _metres_apart(got_lat, got_lon, lat, lon) < METRES, name


def test_a_grid_file_is_converted_to_wgs84_like_one_point_at_a_time() -> None:
    rows = "".join(
        f"{n},{n} Test Street,HD1 1AB,{e},{nn}\n"
        for n, (_, e, nn, _a, _b) in enumerate(OS_TEST_POINTS, 1)
    )
    parsed = parse_gazetteer_csv(("uprn,address,postcode,easting,northing\n" + rows).encode())
    assert parsed.bad_rows == 0
    for entry, (_, easting, northing, _lat, _lon) in zip(
        parsed.entries, OS_TEST_POINTS, strict=True
    ):
        assert (entry.lat, entry.lon) == grid_to_wgs84(easting, northing)


def test_a_wgs84_file_keeps_its_points_and_normalises_postcodes() -> None:
    parsed = parse_gazetteer_csv(
        b"\xef\xbb\xbfUPRN,Address,Postcode,Lat,Lon,Landmark\n"
        b'7,"  Bus Station,  Upperhead Row ",hd12jn,53.6466,-1.7854,Bus station\n'
    )
    assert parsed.entries == (
        GazetteerEntry(
            "7", "Bus Station, Upperhead Row", "HD1 2JN", 53.6466, -1.7854, "Bus station"
        ),
    )


BAD_ROWS = [
    ("uprn", "x1,1 A Street,HD1 1AB,53.6,-1.7"),
    ("uprn", "1234567890123,1 A Street,HD1 1AB,53.6,-1.7"),
    ("address", "5,,HD1 1AB,53.6,-1.7"),
    ("postcode", "5,1 A Street,NOT A CODE,53.6,-1.7"),
    ("lat", "5,1 A Street,HD1 1AB,95,-1.7"),
    ("lat", "5,1 A Street,HD1 1AB,nan,-1.7"),
    ("lon", "5,1 A Street,HD1 1AB,53.6,"),
]


@pytest.mark.parametrize(("column", "row"), BAD_ROWS)
def test_a_bad_row_is_named_by_line_and_column_and_nothing_is_kept(column: str, row: str) -> None:
    text = "uprn,address,postcode,lat,lon\n1,1 Good Street,HD1 1AB,53.6,-1.7\n" + row + "\n"
    parsed = parse_gazetteer_csv(text.encode())
    assert parsed.entries == ()
    assert parsed.bad_rows == 1
    assert [(p.line, p.column) for p in parsed.problems] == [(3, column)]


def test_every_bad_row_is_listed_without_quoting_its_values() -> None:
    text = (
        "uprn,address,postcode,easting,northing\n"
        "1,1 Secret Street,ZZZ,414000,416000\n"
        "2,2 Good Street,HD1 1AB,414000,416000\n"
        "1,3 Good Street,HD1 1AB,999999999,416000\n"
    )
    parsed = parse_gazetteer_csv(text.encode())
    assert parsed.bad_rows == 2
    assert [str(p) for p in parsed.problems] == [
        "line 2, column postcode: is not a UK postcode",
        "line 4, column uprn: repeats the UPRN of line 2",
        "line 4, column easting: is not a grid easting in metres",
    ]
    assert not any("Secret" in str(p) or "ZZZ" in str(p) for p in parsed.problems)


@pytest.mark.parametrize(
    "header",
    ["uprn,address,easting,northing", "uprn,address,postcode,easting", "", "uprn,address,postcode"],
)
def test_a_file_without_the_needed_columns_is_refused_whole(header: str) -> None:
    with pytest.raises(GazetteerFileError):
        parse_gazetteer_csv((header + "\n1,2,3,4\n").encode() if header else b"")


def test_a_file_that_is_not_utf8_is_refused_whole() -> None:
    with pytest.raises(GazetteerFileError, match="UTF-8"):
        parse_gazetteer_csv(b"uprn,address,postcode,lat,lon\n1,\xff,HD1 1AB,53.6,-1.7\n")


@given(st.text(max_size=200))
def test_any_text_is_read_or_refused_never_crashes(text: str) -> None:
    try:
        parsed = parse_gazetteer_csv(("uprn,address,postcode,lat,lon\n" + text).encode())
    except GazetteerFileError:
        return
    # All or nothing: never some entries kept beside bad rows.
    assert not (parsed.entries and parsed.bad_rows)


def _entry(uprn: str, address: str, postcode: str = "HD1 1AB") -> GazetteerEntry:
    return GazetteerEntry(uprn, address, postcode, 53.6, -1.7)


def test_the_house_number_typed_whole_ranks_above_longer_numbers() -> None:
    entries = [
        _entry("1", "112 Kirkgate, Huddersfield"),
        _entry("2", "120 Kirkgate, Huddersfield"),
        _entry("3", "12 Kirkgate, Huddersfield"),
    ]
    best = rank_entries(query_words("12 kirkgate"), entries, limit=3)
    assert best[0].uprn == "3"


def test_the_typed_postcode_ranks_its_addresses_first() -> None:
    entries = [_entry("1", "3 Kirkgate", "HD1 1AB"), _entry("2", "3 Kirkgate", "WF13 1AA")]
    assert rank_entries(query_words("3 kirkgate wf131aa"), entries, limit=1)[0].uprn == "2"
