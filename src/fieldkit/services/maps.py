"""The map: outlines, points with filters, recorded crime, initiatives and hotspot densities."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from shapely.geometry import MultiPoint

from fieldkit.domain.geo import (
    Area,
    BoundaryError,
    Polygon,
    parse_boundaries,
    shipped_boundaries_geojson,
)
from fieldkit.domain.initiative import (
    Comparison,
    Initiative,
    InitiativeError,
    compare,
    count_in_area,
    month_key,
    window,
)
from fieldkit.domain.postcode import postcode_sector
from fieldkit.store import gazetteer as gazetteer_store
from fieldkit.store import map_points, reference_data
from fieldkit.store.map_points import MapPoint, PointFilter
from fieldkit.store.vault import Vault

__all__ = ["HotspotSource", "InitiativeResult", "MapPoint", "MapService", "PointFilter"]


class HotspotSource(StrEnum):
    """What a hotspot map counts."""

    VISITS = "visits"
    CRIME = "crime"


@dataclass(frozen=True)
class InitiativeResult:
    """An initiative evaluated on recorded crime and on visits, in its area."""

    initiative: Initiative
    crime: Comparison
    visits: Comparison
    #: The last month of recorded crime held (later months are not counted as zero).
    last_crime_month: str | None


@dataclass(frozen=True)
class Densities:
    """Points of two periods side by side: this period and the one before, equally long."""

    current: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
    previous: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
    first_day: date
    last_day: date


#: How far a postcode sector's area reaches beyond its outermost addresses, in metres: police
#: recorded crime is placed on the street in front, not on the address itself.
SECTOR_MARGIN_METRES = 25.0


def sector_polygon(points: Sequence[tuple[float, float]]) -> Polygon:
    """The area of some addresses: their convex hull widened by ``SECTOR_MARGIN_METRES``.

    Shapely works in a local frame in metres: longitude and latitude scaled by the metres in a
    degree at the addresses' mean latitude. The scaling is linear, so the hull is the same hull
    as on the ground; over a postcode sector (a few kilometres) the margin is true to well
    under a metre. pyproj is not used here: this runs on the app's Qt worker threads, where
    pyproj 3.7 can crash (pyproj issue #1509).

    Args:
        points: the addresses' (lat, lon), at least one.

    Raises:
        ValueError: there are no points.
    """
    if not points:
        raise ValueError("no points")
    lat0 = sum(p[0] for p in points) / len(points)
    lon0 = sum(p[1] for p in points) / len(points)
    y_scale = _METRES_PER_DEGREE
    x_scale = _METRES_PER_DEGREE * math.cos(math.radians(lat0))
    local = MultiPoint([((lon - lon0) * x_scale, (lat - lat0) * y_scale) for lat, lon in points])
    widened = local.convex_hull.buffer(SECTOR_MARGIN_METRES, quad_segs=4)
    ring = [
        (round(lon0 + float(x) / x_scale, 7), round(lat0 + float(y) / y_scale, 7))
        for x, y in widened.exterior.coords
    ]
    ring[-1] = ring[0]  # closed exactly, after rounding
    return Polygon(tuple(ring))


#: Metres in a degree of latitude (and of longitude at the equator) on a sphere of the
#: WGS84 mean radius, 6,371,008.8 m: the local frame's scale.
_METRES_PER_DEGREE = math.pi * 6_371_008.8 / 180


def held_outlines(vault: Vault) -> tuple[Area, ...]:
    """District and ward outlines: those last fetched from the server, else the shipped ones.

    Args:
        vault: the unlocked vault.
    """
    with vault.read() as conn:
        held = reference_data.held_boundaries(conn)
    if held is not None:
        try:
            return parse_boundaries(held)
        except BoundaryError:
            pass  # a damaged copy: the shipped outlines still draw a map
    return parse_boundaries(shipped_boundaries_geojson())


class MapService:
    """What the map screen and the hotspot map read.

    Args:
        vault: the unlocked vault.
        gazetteer: the gazetteer's (lat, lon) points, drawn faintly under everything as a
            street pattern (none until an address gazetteer is held).
    """

    def __init__(
        self,
        vault: Vault,
        *,
        gazetteer: Callable[[], Iterable[tuple[float, float]]] | None = None,
    ) -> None:
        self._vault = vault
        self._gazetteer = gazetteer or (lambda: ())

    def today(self) -> date:
        """Today on this laptop's clock."""
        return self._vault.now().date()

    def outlines(self) -> tuple[Area, ...]:
        """District and ward outlines: those last fetched, else the shipped ones."""
        return held_outlines(self._vault)

    def base_points(self) -> list[tuple[float, float]]:
        """Faint (lon, lat) points: the gazetteer's, and every place the vault holds."""
        out = [(lon, lat) for lat, lon in self._gazetteer()]
        with self._vault.read() as tx:
            out += [(p.lon, p.lat) for p in map_points.places(tx, PointFilter())]
        return out

    def points(self, *, kinds: Sequence[str], where: PointFilter) -> list[MapPoint]:
        """Places, visits and ASB cases (``kinds`` names which) that pass the filter."""
        out: list[MapPoint] = []
        with self._vault.read() as tx:
            if "place" in kinds:
                out += map_points.places(tx, where)
            if "visit" in kinds:
                out += map_points.visits(tx, where)
            if "asb_case" in kinds:
                out += map_points.cases(tx, where)
        return out

    def crime_events(self) -> list[tuple[str, str, float | None, float | None, int]]:
        """Recorded crime held: ``(month, crime type, lon, lat, count)``."""
        with self._vault.read() as conn:
            return [
                (p.month, p.crime_type, p.lon, p.lat, p.count)
                for p in reference_data.crime_points(conn)
            ]

    # Initiatives ---------------------------------------------------------------------------

    def initiatives(self) -> list[Initiative]:
        """The initiatives defined on this laptop (a malformed one is left out)."""
        with self._vault.read() as conn:
            held = reference_data.initiatives(conn)
        out: list[Initiative] = []
        for data in held:
            try:
                out.append(Initiative.from_wire(data))
            except InitiativeError:
                continue
        return out

    def sector_areas(self, sectors: Sequence[str]) -> tuple[tuple[str, ...], tuple[Polygon, ...]]:
        """The areas of postcode sectors, from the gazetteer's addresses in each.

        Args:
            sectors: sectors as typed (``hd1 1``) or whole postcodes, whose sector is meant.

        Returns:
            The sectors written the normal way, and one polygon for each.

        Raises:
            InitiativeError: a sector is malformed, or the gazetteer holds no address in it.
        """
        normal: list[str] = []
        for typed in sectors:
            try:
                sector = postcode_sector(typed)
            except ValueError:
                raise InitiativeError("sectors: a postcode sector is written like HD1 1") from None
            if sector not in normal:
                normal.append(sector)
        if not normal:
            raise InitiativeError("sectors: give a postcode sector, like HD1 1")
        polygons: list[Polygon] = []
        with self._vault.read() as conn:
            for sector in normal:
                points = gazetteer_store.points_in_sector(conn, sector)
                if not points:
                    raise InitiativeError(
                        f"sectors: the address gazetteer holds no address in {sector}"
                    )
                polygons.append(sector_polygon(points))
        return tuple(normal), tuple(polygons)

    def with_sector_areas(self, initiative: Initiative) -> Initiative:
        """An initiative defined by postcode sectors, with its area made from them (others as
        they are).

        Raises:
            InitiativeError: as :meth:`sector_areas`.
        """
        if not initiative.sectors:
            return initiative
        sectors, area = self.sector_areas(initiative.sectors)
        return replace(initiative, area=area, sectors=sectors, wards=())

    def save_initiative(self, initiative: Initiative) -> None:
        """Keep a definition, replacing one of the same name.

        Raises:
            InitiativeError: the definition cannot be evaluated; nothing is kept.
        """
        initiative.check()
        with self._vault.write() as conn:
            held = [d for d in reference_data.initiatives(conn) if d.get("name") != initiative.name]
            reference_data.put_initiatives(conn, [*held, initiative.wire()])

    def remove_initiative(self, name: str) -> None:
        """Forget the initiative of that name."""
        with self._vault.write() as conn:
            held = [d for d in reference_data.initiatives(conn) if d.get("name") != name]
            reference_data.put_initiatives(conn, held)

    def evaluate(self, initiative: Initiative) -> InitiativeResult:
        """Before and after the start, in the area: recorded crime of its crime types, and
        visits of its visit categories (each month counted once, by its first London day)."""
        months = window(initiative)
        with self._vault.read() as conn:
            held_months = reference_data.crime_months(conn)
            crime = [
                (p.month, p.crime_type, p.lon, p.lat, p.count)
                for p in reference_data.crime_points(conn, first=months[0], last=months[-1])
            ]
            first = date.fromisoformat(months[0] + "-01")
            visit_rows = map_points.visit_events(conn, PointFilter(first_day=first))
        last_crime = held_months[-1] if held_months else None
        crime_counts = count_in_area(initiative, crime, categories=initiative.crime_types)
        wanted = set(initiative.visit_categories)
        # A visit of two wanted categories counts once: its first wanted category stands for it.
        visits = [
            (month, next(c for c in json.loads(cats) if c in wanted), lon, lat, 1)
            for month, cats, lon, lat in visit_rows
            if wanted & set(json.loads(cats))
        ]
        visit_counts = count_in_area(initiative, visits, categories=wanted)
        today = month_key(self.today())
        return InitiativeResult(
            initiative,
            compare(initiative, crime_counts, label="Recorded crime", last_month=last_crime),
            compare(initiative, visit_counts, label="Visits", last_month=today),
            last_crime,
        )

    def evaluate_all(self) -> list[tuple[Initiative, Comparison, Comparison]]:
        """Every kept initiative with its recorded-crime and visit comparisons (for the pack)."""
        results = [self.evaluate(i) for i in self.initiatives()]
        return [(r.initiative, r.crime, r.visits) for r in results]

    # Hotspots ------------------------------------------------------------------------------

    def densities(
        self,
        *,
        source: HotspotSource,
        last_day: date,
        days: int,
        where: PointFilter | None = None,
    ) -> Densities:
        """Points of a period ending ``last_day`` and of the equally long period before it."""
        where = where or PointFilter()
        first = last_day - timedelta(days=days - 1)
        previous_first = first - timedelta(days=days)
        if source is HotspotSource.CRIME:
            # Recorded crime is monthly: the periods are the months their days fall in.
            lo, mid, hi = month_key(previous_first), month_key(first), month_key(last_day)
            events = [
                e
                for e in self.crime_events()
                if e[2] is not None
                and lo <= e[0] <= hi
                and (not where.categories or e[1] in where.categories)
            ]
            return Densities(
                _repeated([e for e in events if e[0] >= mid]),
                _repeated([e for e in events if e[0] < mid]),
                first,
                last_day,
            )
        with self._vault.read() as tx:
            rows = map_points.visit_counts_by_place(
                tx,
                PointFilter(where.districts, where.categories, previous_first, last_day),
                split=first,
            )
        lons = np.array([r[0] for r in rows], dtype=float)
        lats = np.array([r[1] for r in rows], dtype=float)
        now = np.array([r[2] for r in rows], dtype=np.int64)
        before = np.array([r[3] for r in rows], dtype=np.int64)
        return Densities(
            (np.repeat(lons, now), np.repeat(lats, now)),
            (np.repeat(lons, before), np.repeat(lats, before)),
            first,
            last_day,
        )


def _repeated(
    rows: Sequence[tuple[str, str, float | None, float | None, int]],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Counted points as one (lon, lat) per crime, as the density grid counts them."""
    counts = np.array([r[4] for r in rows], dtype=np.int64)
    lons = np.repeat(np.array([r[2] for r in rows], dtype=float), counts)
    lats = np.repeat(np.array([r[3] for r in rows], dtype=float), counts)
    return lons, lats
