"""Point-in-polygon at boundaries, and reading ONS-style boundary GeoJSON."""

from __future__ import annotations

import pytest

from fieldkit.domain.geo import (
    Area,
    BoundaryError,
    Polygon,
    areas_at,
    district_at,
    in_polygon,
    in_ring,
    parse_boundaries,
    rectangle,
)

SQUARE = rectangle(0.0, 0.0, 10.0, 10.0).outer
#: A U shape: the notch between its arms (x 4..6, y 4..10) is outside.
U_SHAPE = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (6.0, 10.0), (6.0, 4.0), (4.0, 4.0),
           (4.0, 10.0), (0.0, 10.0), (0.0, 0.0))  # fmt: skip


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        ((5.0, 5.0), True),
        ((0.0, 5.0), True),  # on the west edge
        ((10.0, 10.0), True),  # on a corner
        ((5.0, 0.0), True),  # on the south edge
        ((10.000001, 5.0), False),
        ((-0.000001, 5.0), False),
        ((5.0, 10.5), False),
        ((15.0, 0.0), False),  # level with the south edge, beyond it
    ],
)
def test_point_in_square_counts_its_edges(point: tuple[float, float], inside: bool) -> None:
    assert in_ring(point, SQUARE) is inside


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        ((5.0, 7.0), False),  # in the notch
        ((5.0, 4.0), True),  # on the notch's floor
        ((2.0, 7.0), True),  # in the left arm
        ((8.0, 9.999), True),  # in the right arm
        ((4.0, 7.0), True),  # on the notch's side
        ((5.0, 2.0), True),  # the base, level with nothing
        ((6.0, 10.0), True),  # a vertex
    ],
)
def test_point_in_concave_ring(point: tuple[float, float], inside: bool) -> None:
    assert in_ring(point, U_SHAPE) is inside


def test_a_hole_is_outside_but_its_edge_is_in() -> None:
    donut = Polygon(SQUARE, (rectangle(4.0, 4.0, 6.0, 6.0).outer,))
    assert not in_polygon((5.0, 5.0), donut)
    assert in_polygon((4.0, 5.0), donut)
    assert in_polygon((2.0, 2.0), donut)


def test_a_point_on_a_shared_edge_is_in_both_wards() -> None:
    west = Area("W1", "West", "ward", (rectangle(0, 0, 1, 1),))
    east = Area("W2", "East", "ward", (rectangle(1, 0, 2, 1),))
    assert [a.code for a in areas_at((1.0, 0.5), (west, east))] == ["W1", "W2"]
    assert [a.code for a in areas_at((0.5, 0.5), (west, east))] == ["W1"]


def _feature(props: dict[str, object], geometry: dict[str, object]) -> dict[str, object]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def test_reads_districts_and_wards_by_their_property_names() -> None:
    ring = [[0, 0], [1, 0], [1, 1], [0, 0]]
    data = {
        "type": "FeatureCollection",
        "features": [
            _feature({"LAD24CD": "E08000034", "LAD24NM": "Kirklees"},
                     {"type": "MultiPolygon", "coordinates": [[ring]]}),
            _feature({"WD24CD": "E05000001", "WD24NM": "Newsome", "OBJECTID": 3},
                     {"type": "Polygon", "coordinates": [ring]}),
        ],
    }  # fmt: skip
    areas = parse_boundaries(data)
    assert [(a.code, a.name, a.kind) for a in areas] == [
        ("E08000034", "Kirklees", "district"),
        ("E05000001", "Newsome", "ward"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "not a GeoJSON FeatureCollection"),
        ({"type": "FeatureCollection"}, "no features list"),
        ({"type": "FeatureCollection", "features": [1]}, "feature 1: not a Feature"),
        (
            {"type": "FeatureCollection", "features": [_feature({"X": "secret"}, {})]},
            "feature 1: no LADyyCD",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    _feature(
                        {"WD24CD": "a", "WD24NM": "b"},
                        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
                    )
                ],
            },
            "does not end where it starts",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    _feature(
                        {"WD24CD": "a", "WD24NM": "b"},
                        {"type": "Polygon", "coordinates": [[[0, 0], [400, 0], [1, 1], [0, 0]]]},
                    )
                ],
            },
            "outside longitude/latitude range",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [_feature({"WD24CD": "a", "WD24NM": "b"}, {"type": "Point"})],
            },
            "not a Polygon or MultiPolygon",
        ),
    ],
)
def test_bad_boundaries_are_refused_saying_where(data: object, message: str) -> None:
    with pytest.raises(BoundaryError, match=message) as caught:
        parse_boundaries(data)
    assert "secret" not in str(caught.value)


#: Two districts side by side sharing the line x = 10, a ward inside the first, and a district
#: the vault has no word for; the west district has a hole (a lake) at 2..4.
WEST = Area("west", "West", "district", (Polygon(SQUARE, (rectangle(2.0, 2.0, 4.0, 4.0).outer,)),))
EAST = Area("east", "East", "district", (rectangle(10.0, 0.0, 20.0, 10.0),))
WARD = Area("west_ward", "West ward", "ward", (rectangle(0.0, 0.0, 5.0, 5.0),))
FOREIGN = Area("E08000034", "Elsewhere", "district", (rectangle(20.0, 0.0, 30.0, 10.0),))
SPLIT = Area(
    "split",
    "Split",
    "district",
    (rectangle(40.0, 0.0, 41.0, 1.0), rectangle(50.0, 0.0, 51.0, 1.0)),
)
OUTLINES = (WARD, WEST, EAST, FOREIGN, SPLIT)


@pytest.mark.parametrize(
    ("point", "district"),
    [
        ((5.0, 5.0), "west"),  # inside a district (and its ward: the ward is not a district)
        ((15.0, 5.0), "east"),
        ((0.0, 5.0), "west"),  # on an outer edge: the boundary belongs to the district
        ((10.0, 5.0), None),  # on the line between two districts: the form's box decides
        ((3.0, 3.0), None),  # in the west district's hole
        ((2.0, 3.0), "west"),  # on the hole's edge
        ((25.0, 5.0), None),  # in a district the vault has no word for
        ((50.5, 0.5), "split"),  # in the second polygon of a multipolygon
        ((45.0, 0.5), None),  # between its polygons
        ((-5.0, 5.0), None),  # outside every outline
    ],
)
def test_a_point_takes_its_district_from_the_outlines(
    point: tuple[float, float], district: str | None
) -> None:
    known = {"west", "east", "split", "west_ward"}
    assert district_at(point, OUTLINES, known=known) == district


def test_no_outlines_give_no_district() -> None:
    assert district_at((5.0, 5.0), (), known={"west"}) is None
