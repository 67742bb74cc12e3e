"""Areas on the map: ONS-style boundaries read from GeoJSON, and which area holds a point."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: A point as GeoJSON writes it: (longitude, latitude), WGS84 degrees.
LonLat = tuple[float, float]
#: A closed ring of points (the last point may repeat the first, as GeoJSON requires).
Ring = tuple[LonLat, ...]

#: Most features a boundaries file may hold, and most points across its rings.
MAX_FEATURES = 20_000
MAX_POINTS = 2_000_000


class BoundaryError(ValueError):
    """A boundaries file is not ONS-style GeoJSON; the message says where, never what it holds."""


@dataclass(frozen=True)
class Polygon:
    """An outer ring and the holes cut from it."""

    outer: Ring
    holes: tuple[Ring, ...] = ()


@dataclass(frozen=True)
class Area:
    """A named area: a district (``LAD..``) or a ward (``WD..``), as one or more polygons."""

    code: str
    name: str
    #: ``district`` or ``ward``, from the properties' prefix (``LAD24CD`` or ``WD24CD``).
    kind: str
    polygons: tuple[Polygon, ...]

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the outer rings."""
        return bounds_of(p for poly in self.polygons for p in poly.outer)


def bounds_of(points: Iterable[LonLat]) -> tuple[float, float, float, float]:
    """(west, south, east, north) of some points.

    Raises:
        ValueError: there are no points.
    """
    xs: list[float] = []
    ys: list[float] = []
    for x, y in points:
        xs.append(x)
        ys.append(y)
    if not xs:
        raise ValueError("no points")
    return min(xs), min(ys), max(xs), max(ys)


def _on_segment(x: float, y: float, a: LonLat, b: LonLat) -> bool:
    (ax, ay), (bx, by) = a, b
    cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
    scale = max(abs(bx - ax), abs(by - ay), 1e-12)
    if abs(cross) > 1e-12 * scale:
        return False
    return min(ax, bx) - 1e-12 <= x <= max(ax, bx) + 1e-12 and (
        min(ay, by) - 1e-12 <= y <= max(ay, by) + 1e-12
    )


def in_ring(point: LonLat, ring: Sequence[LonLat]) -> bool:
    """Whether a point is inside a ring or on its edge (a boundary belongs to the area).

    Even-odd ray casting; a point on an edge or a vertex counts as inside, so a point on the line
    between two wards is in both and a count by ward never loses it.
    """
    x, y = point
    n = len(ring)
    if n < 3:
        return False
    inside = False
    j = n - 1
    for i in range(n):
        a, b = ring[j], ring[i]
        if _on_segment(x, y, a, b):
            return True
        (ax, ay), (bx, by) = a, b
        if (by > y) != (ay > y):
            crossing = (ax - bx) * (y - by) / (ay - by) + bx
            if x < crossing:
                inside = not inside
        j = i
    return inside


def in_polygon(point: LonLat, polygon: Polygon) -> bool:
    """Inside the outer ring and not strictly inside a hole (a hole's edge is still the area)."""
    if not in_ring(point, polygon.outer):
        return False
    for hole in polygon.holes:
        if in_ring(point, hole) and not any(
            _on_segment(point[0], point[1], hole[i - 1], hole[i]) for i in range(len(hole))
        ):
            return False
    return True


def in_area(point: LonLat, area: Area) -> bool:
    """Whether any of an area's polygons holds the point."""
    return any(in_polygon(point, p) for p in area.polygons)


def areas_at(point: LonLat, areas: Iterable[Area]) -> tuple[Area, ...]:
    """Every area holding a point (two, on a shared edge)."""
    return tuple(a for a in areas if in_area(point, a))


def district_at(point: LonLat, areas: Iterable[Area], *, known: Collection[str]) -> str | None:
    """The district a point falls in, by the outlines, when that answer is unambiguous.

    Only district outlines whose code is one of ``known`` (the vault's district values) count:
    wards and districts the vault has no word for are ignored. A point in no such district, or
    on the line between two of them, gives None, and the caller keeps the district it was given.

    Args:
        point: (longitude, latitude), WGS84 degrees.
        areas: the outlines the laptop holds.
        known: the district codes a record may name.

    Returns:
        The district's code, or None.
    """
    found = {
        a.code for a in areas if a.kind == "district" and a.code in known and in_area(point, a)
    }
    return found.pop() if len(found) == 1 else None


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BoundaryError(f"{where}: a coordinate is not a number")
    return float(value)


def _ring(value: object, where: str) -> Ring:
    if not isinstance(value, list) or len(value) < 4:
        raise BoundaryError(f"{where}: a ring needs at least four positions")
    out: list[LonLat] = []
    for position in value:
        if not isinstance(position, list) or len(position) < 2:
            raise BoundaryError(f"{where}: a position is not [longitude, latitude]")
        lon, lat = _number(position[0], where), _number(position[1], where)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise BoundaryError(f"{where}: a position is outside longitude/latitude range")
        out.append((lon, lat))
    if out[0] != out[-1]:
        raise BoundaryError(f"{where}: a ring does not end where it starts")
    return tuple(out)


def _polygon(value: object, where: str) -> Polygon:
    if not isinstance(value, list) or not value:
        raise BoundaryError(f"{where}: a polygon needs at least one ring")
    rings = [_ring(r, where) for r in value]
    return Polygon(rings[0], tuple(rings[1:]))


def _code_and_name(properties: Mapping[str, Any], where: str) -> tuple[str, str, str]:
    for key, value in sorted(properties.items()):
        if not (key.endswith("CD") and isinstance(value, str)):
            continue
        prefix = key[:-2]
        name = properties.get(prefix + "NM")
        if not isinstance(name, str):
            continue
        kind = "district" if prefix.startswith("LAD") else "ward" if prefix.startswith("WD") else ""
        if kind:
            return value, name, kind
    raise BoundaryError(f"{where}: no LADyyCD/LADyyNM or WDyyCD/WDyyNM properties")


def parse_boundaries(data: object) -> tuple[Area, ...]:
    """Read an ONS-style ``FeatureCollection`` of polygons and multipolygons in WGS84.

    Args:
        data: the parsed JSON.

    Raises:
        BoundaryError: naming the feature and what is wrong with it.
    """
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryError("not a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise BoundaryError("the FeatureCollection has no features list")
    if len(features) > MAX_FEATURES:
        raise BoundaryError(f"more than {MAX_FEATURES} features")
    areas: list[Area] = []
    points = 0
    for index, feature in enumerate(features):
        where = f"feature {index + 1}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise BoundaryError(f"{where}: not a Feature")
        properties = feature.get("properties")
        geometry = feature.get("geometry")
        if not isinstance(properties, dict) or not isinstance(geometry, dict):
            raise BoundaryError(f"{where}: needs properties and a geometry")
        code, name, kind = _code_and_name(properties, where)
        coordinates = geometry.get("coordinates")
        if geometry.get("type") == "Polygon":
            polygons: tuple[Polygon, ...] = (_polygon(coordinates, where),)
        elif geometry.get("type") == "MultiPolygon" and isinstance(coordinates, list):
            polygons = tuple(_polygon(c, where) for c in coordinates)
        else:
            raise BoundaryError(f"{where}: the geometry is not a Polygon or MultiPolygon")
        if not polygons:
            raise BoundaryError(f"{where}: no polygons")
        points += sum(len(p.outer) + sum(len(h) for h in p.holes) for p in polygons)
        if points > MAX_POINTS:
            raise BoundaryError(f"more than {MAX_POINTS} positions")
        areas.append(Area(code, name, kind, polygons))
    return tuple(areas)


def rectangle(west: float, south: float, east: float, north: float) -> Polygon:
    """An axis-aligned rectangle as a polygon (tests, planted data, a box drawn on the map)."""
    return Polygon(((west, south), (east, south), (east, north), (west, north), (west, south)))


def shipped_boundaries_geojson() -> dict[str, Any]:
    """The demo's synthetic district and ward outlines (``resources/boundaries``), as one
    FeatureCollection: what the server serves until a partnership loads its own."""
    import json
    from importlib.resources import files

    folder = files("fieldkit.resources") / "boundaries"
    features: list[Any] = []
    for name in ("districts.geojson", "wards.geojson"):
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        features.extend(data["features"])
    return {"type": "FeatureCollection", "features": features}
