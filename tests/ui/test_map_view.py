"""The map draws offscreen: points land in the right pixels, clicks open them, keys move it."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot
from tests.factories import place, visit
from tests.ui.test_supervisor_screens import create_vault

from fieldkit.domain.records import new_id
from fieldkit.services.map_layout import Viewport
from fieldkit.services.maps import MapPoint, MapService
from fieldkit.store import reference_data
from fieldkit.store.records import NewRecord
from fieldkit.store.vault import Vault
from fieldkit.ui.map_view import MapCanvas, MapView, hotspot_image
from fieldkit.ui.shell import INTELLIGENCE, MAP, MainWindow
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 30_000
R = 6_378_137.0


def _canvas(qtbot: QtBot, points: list[MapPoint]) -> MapCanvas:
    canvas = MapCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_layers(outlines=(), base=(), points=points)
    canvas.fit((-1.80, 53.64, -1.77, 53.65))
    return canvas


def test_points_land_in_the_pixels_their_coordinates_give(qtbot: QtBot) -> None:
    centre = MapPoint("visit", "v1", -1.785, 53.645, "Centre", "huddersfield")
    east = MapPoint("place", "p1", -1.775, 53.645, "East", "huddersfield")
    canvas = _canvas(qtbot, [centre, east])
    # Worked independently of the code: Web Mercator x = R·λ, so 0.01° east of the centre is
    # R·0.01·π/180 metres, divided by the view's metres per pixel.
    east_px = 200 + R * math.radians(0.01) / canvas.viewport.resolution
    assert canvas.pixel_of(centre) == pytest.approx((200, 150), abs=0.5)
    assert canvas.pixel_of(east) == pytest.approx((east_px, 150), abs=0.5)
    image = canvas.grab().toImage()
    assert image.pixelColor(200, 150) == QColor("#1f5fbf")
    assert image.pixelColor(round(east_px), 150) == QColor("#5f6b73")
    assert image.pixelColor(100, 60) == QColor("#f4f1ea")


def test_clicking_a_point_opens_it_and_empty_ground_opens_nothing(qtbot: QtBot) -> None:
    canvas = _canvas(qtbot, [MapPoint("asb_case", "c1", -1.785, 53.645, "Case", "huddersfield")])
    with qtbot.waitSignal(canvas.point_chosen, timeout=WAIT) as chosen:
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(203, 148))
    assert chosen.args == ["asb_case", "c1"]
    with qtbot.assertNotEmitted(canvas.point_chosen):
        qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(40, 40))


def test_keys_zoom_and_pan_the_map(qtbot: QtBot) -> None:
    point = MapPoint("visit", "v1", -1.785, 53.645, "Centre", "huddersfield")
    canvas = _canvas(qtbot, [point])
    start = canvas.viewport.resolution
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.viewport.resolution == pytest.approx(start / 1.5)
    assert canvas.pixel_of(point) == pytest.approx((200, 150), abs=0.5)
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert canvas.pixel_of(point) == pytest.approx((200 - 64, 150), abs=0.5)
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    assert canvas.viewport.resolution == pytest.approx(start)


def test_a_hotspot_image_is_hot_where_the_points_are() -> None:
    view = Viewport.fit((-1.80, 53.64, -1.77, 53.65), width=160, height=120)
    lon, lat = view.to_lonlat(44.0, 60.0)
    image = hotspot_image(view, np.full(50, lon), np.full(50, lat), top=50, cell=8)
    assert (image.width(), image.height()) == (160, 120)
    assert image.pixelColor(44, 60).alpha() > 200
    assert image.pixelColor(120, 20).alpha() == 0


def test_the_map_screen_shows_the_vaults_places_and_opens_a_clicked_visit(
    qtbot: QtBot, vault: Vault
) -> None:
    shop = new_id()
    seen = new_id()
    with vault.write() as conn:
        vault.records(conn).create_many(
            [
                NewRecord("place", place(label="Shop", lon=-1.785, lat=53.645), shop),
                NewRecord(
                    "visit", visit(occurred_at=f"{date.today().isoformat()}T10:00:00+00:00",
                                   place_id=shop), seen
                ),
            ]
        )  # fmt: skip
    screen = MapView(MapService(vault), Workers())
    qtbot.addWidget(screen)
    screen.resize(900, 700)
    screen.show()
    screen.show_places.setChecked(False)
    with qtbot.waitSignal(screen.loaded, timeout=WAIT):
        screen.refresh()
    assert "0 places, 1 visits" in screen.status.text()
    assert {a.code for a in screen.canvas.outlines} >= {"huddersfield", "rural"}
    (point,) = screen.canvas.points
    x, y = screen.canvas.pixel_of(point)
    with qtbot.waitSignal(screen.open_subject, timeout=WAIT) as opened:
        qtbot.mouseClick(screen.canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    assert opened.args == ["visit", seen]


def test_an_initiative_is_evaluated_on_the_screen_with_its_interval(
    qtbot: QtBot, vault: Vault
) -> None:
    months = [
        {
            "force": "West Yorkshire Police",
            "month": f"{2025 + (m >= 12)}-{m % 12 + 1:02d}",
            "points": [["Shoplifting", -1.785, 53.645, 40 if m < 12 else 32]],
            "unplaced": {},
        }
        for m in range(24)
    ]
    with vault.write() as conn:
        reference_data.put_crime_months(conn, months)
    screen = MapView(MapService(vault), Workers())
    qtbot.addWidget(screen)
    screen.resize(1000, 760)
    screen.show()
    screen.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: screen.initiative_area.count() > 1, timeout=WAIT)
    screen.canvas.fit((-1.79, 53.643, -1.78, 53.649))
    screen.initiative_name.setText("Town centre retail")
    screen.initiative_start.setDate(date(2026, 1, 1))
    item = screen.crime_types.findItems("Shoplifting", Qt.MatchFlag.MatchExactly)[0]
    item.setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(screen.evaluated, timeout=WAIT):
        screen.evaluate_button.click()
    assert "-20.0% (95% interval -30.0% to -8.5%)" in screen.initiative_result.text()
    assert screen.crime_chart.comparison is not None


def test_intelligence_opens_the_hotspot_map_and_the_map_screen_has_its_place(
    qtbot: QtBot, supervisor_window: MainWindow
) -> None:
    window = supervisor_window
    create_vault(qtbot, window, "priya.supervisor")
    screens = window.screens
    assert screens is not None
    assert window.navigation.item(MAP).text() == "Map"
    window.go(INTELLIGENCE)
    with qtbot.waitSignal(screens.map.hotspots_loaded, timeout=WAIT):
        screens.intelligence.hotspot_map_button.click()
    assert window.navigation.currentRow() == MAP
    assert screens.map.tabs.currentIndex() == 1
    assert "This period" in screens.map.current_label.text()
