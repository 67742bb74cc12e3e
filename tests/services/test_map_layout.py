"""The map's projection and layout: published Web Mercator points, pixels, tiles, density."""

from __future__ import annotations

import numpy as np
import pytest

from fieldkit.services.map_layout import (
    HALF_WORLD,
    Viewport,
    density_grid,
    density_rgba,
    from_mercator,
    to_mercator,
)


@pytest.mark.parametrize(
    ("lon", "lat", "x", "y"),
    [
        # EPSG:3857's own bounds and origin (EPSG registry; OpenStreetMap wiki).
        (0.0, 0.0, 0.0, 0.0),
        (180.0, 0.0, HALF_WORLD, 0.0),
        (-180.0, 0.0, -HALF_WORLD, 0.0),
        (0.0, 85.0511287798066, 0.0, HALF_WORLD),
        # Worked by hand from EPSG:3857's defining formulas, x = R·λ, y = R·ln tan(π/4 + φ/2)
        # with R = 6,378,137 m: Greenwich, and Huddersfield's centre.
        (-0.0014, 51.4778, -155.85, 6_706_250.19),
        (-1.785, 53.645, -198_705.29, 7_103_208.18),
    ],
)
def test_web_mercator_matches_published_points(lon: float, lat: float, x: float, y: float) -> None:
    got = to_mercator(lon, lat)
    assert got[0] == pytest.approx(x, abs=1.0)
    assert got[1] == pytest.approx(y, abs=1.0)
    back = from_mercator(*got)
    assert back == pytest.approx((lon, lat), abs=1e-9)


def test_the_centre_of_the_view_is_the_middle_pixel_and_north_is_up() -> None:
    view = Viewport.fit((-1.80, 53.64, -1.77, 53.65), width=400, height=300)
    cx, cy = view.to_pixel(-1.785, 53.645)
    assert (cx, cy) == pytest.approx((200, 150), abs=0.5)
    north = view.to_pixel(-1.785, 53.649)
    east = view.to_pixel(-1.775, 53.645)
    assert north[1] < cy
    assert east[0] > cx
    assert view.to_lonlat(cx, cy) == pytest.approx((-1.785, 53.645), abs=1e-9)


def test_zooming_keeps_the_point_under_the_pointer() -> None:
    view = Viewport.fit((-1.80, 53.64, -1.77, 53.65), width=400, height=300)
    at = (310.0, 40.0)
    before = view.to_lonlat(*at)
    after = view.zoomed(2.0, at=at)
    assert after.resolution == pytest.approx(view.resolution / 2)
    assert after.to_lonlat(*at) == pytest.approx(before, abs=1e-9)


def test_panning_moves_the_map_by_pixels() -> None:
    view = Viewport.fit((-1.80, 53.64, -1.77, 53.65), width=400, height=300)
    x, y = view.to_pixel(-1.785, 53.645)
    moved = view.panned(50, -20)
    assert moved.to_pixel(-1.785, 53.645) == pytest.approx((x - 50, y + 20), abs=1e-6)


def test_tiles_cover_the_view_and_sit_where_their_corners_project() -> None:
    view = Viewport.fit((-1.80, 53.64, -1.77, 53.65), width=400, height=300)
    tiles = view.tiles()
    assert tiles
    left = min(t.left for t in tiles)
    top = min(t.top for t in tiles)
    right = max(t.left + t.size for t in tiles)
    bottom = max(t.top + t.size for t in tiles)
    assert (left <= 0, top <= 0, right >= 400, bottom >= 300) == (True, True, True, True)
    tile = tiles[0]
    n = 2**tile.z
    lon = tile.x / n * 360 - 180
    corner = view.to_pixel(lon, 0.0)
    assert corner[0] == pytest.approx(tile.left, abs=1e-6)


def test_density_counts_points_in_their_cells_and_drops_the_rest() -> None:
    view = Viewport.fit((-1.80, 53.64, -1.77, 53.65), width=80, height=40)
    inside = view.to_lonlat(12.0, 20.0)
    far = (-2.5, 53.0)
    lons = [inside[0]] * 3 + [far[0]]
    lats = [inside[1]] * 3 + [far[1]]
    grid = density_grid(view, lons, lats, cell=8)
    assert grid.shape == (5, 10)
    assert grid[2, 1] == 3
    assert grid.sum() == 3
    image = density_rgba(grid, top=3, cell=8, width=80, height=40)
    assert image.shape == (40, 80, 4)
    assert image[20, 12, 3] > 0
    assert image[0, 0, 3] == 0
    assert np.all(image[grid.repeat(8, 0).repeat(8, 1)[:40, :80] == 0][:, 3] == 0)
