"""Where things fall on a map widget: Web Mercator through pyproj, pixels, tiles, density grids.

Qt-free so the maths is tested without a display; the map widget only paints what this says.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from pyproj import Transformer

#: Half the width of the Web Mercator world, in metres (EPSG:3857's bound).
HALF_WORLD = 20037508.342789244
#: Slippy-map tiles are this many pixels square.
TILE_PIXELS = 256
#: Metres per pixel at tile zoom 0.
ZOOM0_RESOLUTION = 2 * HALF_WORLD / TILE_PIXELS
#: Closest and farthest the map zooms, in metres per pixel (about street level to a county).
MIN_RESOLUTION, MAX_RESOLUTION = 0.25, 2_000.0
MAX_TILE_ZOOM = 19


@functools.cache
def _to_mercator() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


@functools.cache
def _from_mercator() -> Transformer:
    return Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)


def to_mercator(lon: float, lat: float) -> tuple[float, float]:
    """WGS84 degrees to Web Mercator metres (EPSG:4326 → EPSG:3857)."""
    x, y = _to_mercator().transform(lon, lat)
    return float(x), float(y)


def from_mercator(x: float, y: float) -> tuple[float, float]:
    """Web Mercator metres to WGS84 (lon, lat) degrees."""
    lon, lat = _from_mercator().transform(x, y)
    return float(lon), float(lat)


@dataclass(frozen=True)
class Tile:
    """One slippy-map tile and where its top-left corner falls on the widget."""

    z: int
    x: int
    y: int
    left: float
    top: float
    size: float


@dataclass(frozen=True)
class Viewport:
    """What the widget shows: its centre in Web Mercator metres, metres per pixel, its size."""

    centre_x: float
    centre_y: float
    resolution: float
    width: int
    height: int

    @classmethod
    def fit(
        cls,
        bounds: tuple[float, float, float, float],
        *,
        width: int,
        height: int,
        margin: float = 0.05,
    ) -> Viewport:
        """The viewport that shows (west, south, east, north) whole, centred, with a margin."""
        west, south, east, north = bounds
        x0, y0 = to_mercator(west, south)
        x1, y1 = to_mercator(east, north)
        span = max((x1 - x0) / max(width, 1), (y1 - y0) / max(height, 1)) * (1 + 2 * margin)
        resolution = min(max(span, MIN_RESOLUTION), MAX_RESOLUTION)
        return cls((x0 + x1) / 2, (y0 + y1) / 2, resolution, width, height)

    def to_pixel(self, lon: float, lat: float) -> tuple[float, float]:
        """Where a WGS84 point falls on the widget (x right, y down; may be off the widget)."""
        x, y = to_mercator(lon, lat)
        return (
            (x - self.centre_x) / self.resolution + self.width / 2,
            (self.centre_y - y) / self.resolution + self.height / 2,
        )

    def to_pixels(
        self, lons: npt.ArrayLike, lats: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """:meth:`to_pixel` for many points at once (one pyproj call)."""
        x, y = _to_mercator().transform(np.asarray(lons, float), np.asarray(lats, float))
        px = (np.asarray(x) - self.centre_x) / self.resolution + self.width / 2
        py = (self.centre_y - np.asarray(y)) / self.resolution + self.height / 2
        return px, py

    def to_lonlat(self, px: float, py: float) -> tuple[float, float]:
        """The WGS84 point under a widget pixel."""
        x = self.centre_x + (px - self.width / 2) * self.resolution
        y = self.centre_y - (py - self.height / 2) * self.resolution
        return from_mercator(x, y)

    def zoomed(self, factor: float, *, at: tuple[float, float] | None = None) -> Viewport:
        """Zoom in (factor > 1) or out, keeping the point under ``at`` (a pixel) where it is."""
        resolution = min(max(self.resolution / factor, MIN_RESOLUTION), MAX_RESOLUTION)
        px, py = at if at is not None else (self.width / 2, self.height / 2)
        mx = self.centre_x + (px - self.width / 2) * self.resolution
        my = self.centre_y - (py - self.height / 2) * self.resolution
        return replace(
            self,
            centre_x=mx - (px - self.width / 2) * resolution,
            centre_y=my + (py - self.height / 2) * resolution,
            resolution=resolution,
        )

    def panned(self, dx: float, dy: float) -> Viewport:
        """Move the view by a number of pixels (positive dx shows what was to the east)."""
        return replace(
            self,
            centre_x=self.centre_x + dx * self.resolution,
            centre_y=self.centre_y - dy * self.resolution,
        )

    def resized(self, width: int, height: int) -> Viewport:
        """The same centre and scale on a widget of another size."""
        return replace(self, width=width, height=height)

    def tile_zoom(self) -> int:
        """The tile zoom whose resolution is nearest this view's."""
        z = round(math.log2(ZOOM0_RESOLUTION / self.resolution))
        return min(max(z, 0), MAX_TILE_ZOOM)

    def tiles(self) -> list[Tile]:
        """The tiles covering the widget at :meth:`tile_zoom`, each with its place on it."""
        z = self.tile_zoom()
        size_m = 2 * HALF_WORLD / 2**z
        size_px = size_m / self.resolution
        left_m = self.centre_x - self.width / 2 * self.resolution
        top_m = self.centre_y + self.height / 2 * self.resolution
        first_x = math.floor((left_m + HALF_WORLD) / size_m)
        first_y = math.floor((HALF_WORLD - top_m) / size_m)
        across = math.ceil(self.width / size_px) + 1
        down = math.ceil(self.height / size_px) + 1
        out: list[Tile] = []
        for ty in range(max(first_y, 0), min(first_y + down, 2**z)):
            for tx in range(max(first_x, 0), min(first_x + across, 2**z)):
                left = (tx * size_m - HALF_WORLD - left_m) / self.resolution
                top = (top_m - (HALF_WORLD - ty * size_m)) / self.resolution
                out.append(Tile(z, tx, ty, left, top, size_px))
        return out


def density_grid(
    viewport: Viewport, lons: npt.ArrayLike, lats: npt.ArrayLike, *, cell: int = 8
) -> npt.NDArray[np.int64]:
    """Points counted in square cells of ``cell`` pixels over the widget (rows top to bottom).

    Args:
        viewport: what the widget shows.
        lons: longitudes (WGS84).
        lats: latitudes, as many.
        cell: the cell's side in pixels.
    """
    rows, cols = math.ceil(viewport.height / cell), math.ceil(viewport.width / cell)
    px, py = viewport.to_pixels(lons, lats)
    inside = (px >= 0) & (px < viewport.width) & (py >= 0) & (py < viewport.height)
    col = (px[inside] // cell).astype(np.int64)
    row = (py[inside] // cell).astype(np.int64)
    counts = np.bincount(row * cols + col, minlength=rows * cols)
    return counts.reshape(rows, cols)


#: A ramp from clear through amber to deep red (RGBA), for densities from just above 0 to the top.
_RAMP = np.array(
    [[255, 237, 160, 0], [254, 178, 76, 150], [240, 59, 32, 200], [150, 0, 38, 235]], float
)


def density_rgba(
    grid: npt.NDArray[np.int64], *, top: int, cell: int, width: int, height: int
) -> npt.NDArray[np.uint8]:
    """A (height, width, 4) RGBA image of a density grid, scaled to ``top`` (so two periods
    drawn with one ``top`` compare fairly); empty cells are transparent."""
    scale = np.sqrt(grid / max(top, 1))  # square root: a few visits still show
    position = np.clip(scale, 0, 1) * (len(_RAMP) - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, len(_RAMP) - 1)
    frac = (position - low)[..., None]
    colours = _RAMP[low] * (1 - frac) + _RAMP[high] * frac
    colours[grid == 0] = 0
    image = np.repeat(np.repeat(colours.astype(np.uint8), cell, axis=0), cell, axis=1)
    return np.ascontiguousarray(image[:height, :width])


def bounds_of_points(points: Iterable[tuple[float, float]]) -> tuple[float, float, float, float]:
    """(west, south, east, north) of (lon, lat) points; raises ValueError when there are none."""
    from fieldkit.domain.geo import bounds_of

    return bounds_of(points)
