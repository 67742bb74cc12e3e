"""A place by a pin on the map: the nearest address fills it in, else the officer names it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from tests.ui.test_place_picker import KIRKGATE, OTHERS

from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store import gazetteer as gazetteer_store
from fieldkit.store.vault import Vault
from fieldkit.ui.map_view import MapView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 30_000


def _screen(qtbot: QtBot, vault: Vault) -> tuple[Workspace, MapView]:
    with vault.write() as conn:
        rows = [e.wire() for e in (KIRKGATE, *OTHERS)]
        gazetteer_store.apply_changes(conn, rows=rows, removed=(), version=3)  # type: ignore[arg-type]
    ws = open_workspace(vault)
    assert ws.maps is not None
    screen = MapView(ws.maps, Workers(), visits=ws.visits)
    qtbot.addWidget(screen)
    screen.resize(900, 700)
    screen.show()
    qtbot.waitExposed(screen)
    with qtbot.waitSignal(screen.loaded, timeout=WAIT):
        screen.refresh()
    screen.canvas.fit((-1.80, 53.64, -1.77, 53.65))
    return ws, screen


def _click(qtbot: QtBot, screen: MapView, x: float, y: float) -> None:
    qtbot.mouseClick(screen.canvas, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    qtbot.waitUntil(lambda: screen.pin is not None and screen.pin_box.isVisible(), timeout=WAIT)


def test_a_pin_near_an_address_adds_the_place_with_its_uprn_and_district(
    qtbot: QtBot, vault: Vault
) -> None:
    ws, screen = _screen(qtbot, vault)
    screen.pin_district.setCurrentIndex(screen.pin_district.findData("rural"))
    x, y = screen.canvas.viewport.to_pixel(KIRKGATE.lon, KIRKGATE.lat)
    _click(qtbot, screen, x + 6, y + 4)  # a few metres off the address
    assert "12 Kirkgate, Huddersfield" in screen.pin_found.text()
    assert "UPRN 100" in screen.pin_found.text()
    assert screen.pin_use_address.isChecked()
    assert screen.pin_label.text() == "12 Kirkgate"
    assert screen.pin_district.currentData() == "huddersfield"
    for widget in (screen.add_here_button, screen.pin_label, screen.pin_district, screen.pin_add):
        assert widget.accessibleName()
    with qtbot.waitSignal(screen.place_added, timeout=WAIT) as added:
        qtbot.mouseClick(screen.pin_add, Qt.MouseButton.LeftButton)
    place = ws.records.view(record_type="place", record_id=added.args[0])
    assert place.fields["uprn"] == "100"
    assert place.fields["address"] == "12 Kirkgate, Huddersfield"
    assert (place.fields["lat"], place.fields["lon"]) == (KIRKGATE.lat, KIRKGATE.lon)
    assert place.fields["district"] == "huddersfield"
    assert not screen.pin_box.isVisible()
    assert screen.canvas.pin is None


def test_a_pin_far_from_any_address_asks_for_a_name_and_keeps_its_own_point(
    qtbot: QtBot, vault: Vault
) -> None:
    ws, screen = _screen(qtbot, vault)
    _click(qtbot, screen, 10, 10)  # the north-west corner: over a kilometre from Kirkgate
    assert screen.pin is not None
    assert screen.pin.address is None
    assert "No address is near" in screen.pin_found.text()
    assert not screen.pin_use_address.isVisible()
    assert screen.pin_label.text() == ""
    screen.add_pinned_place()
    qtbot.waitUntil(lambda: bool(screen.pin_error.text()), timeout=WAIT)
    assert "label" in screen.pin_error.text().lower()
    assert ws.visits.search_places("layby") == []
    qtbot.keyClicks(screen.pin_label, "Layby by the ring road")
    pin = screen.pin
    with qtbot.waitSignal(screen.place_added, timeout=WAIT) as added:
        qtbot.mouseClick(screen.pin_add, Qt.MouseButton.LeftButton)
    place = ws.records.view(record_type="place", record_id=added.args[0])
    assert place.fields["label"] == "Layby by the ring road"
    assert place.fields.get("uprn") in (None, "")
    assert (place.fields["lat"], place.fields["lon"]) == (pin.lat, pin.lon)
    assert place.fields["district"] == "huddersfield"


def test_keeping_the_pin_but_not_the_nearest_address(qtbot: QtBot, vault: Vault) -> None:
    ws, screen = _screen(qtbot, vault)
    x, y = screen.canvas.viewport.to_pixel(KIRKGATE.lon, KIRKGATE.lat)
    _click(qtbot, screen, x + 30, y)
    pin = screen.pin
    assert pin is not None
    assert pin.address == KIRKGATE  # near enough to offer, but the officer does not take it
    screen.pin_use_address.setChecked(False)
    screen.pin_label.setText("Market cross")
    with qtbot.waitSignal(screen.place_added, timeout=WAIT) as added:
        screen.add_pinned_place()
    place = ws.records.view(record_type="place", record_id=added.args[0])
    assert place.fields.get("uprn") in (None, "")
    assert (place.fields["lat"], place.fields["lon"]) == (pin.lat, pin.lon)


def test_the_button_pins_the_maps_centre_for_keyboard_users(qtbot: QtBot, vault: Vault) -> None:
    _ws, screen = _screen(qtbot, vault)
    qtbot.mouseClick(screen.add_here_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.pin is not None, timeout=WAIT)
    assert screen.canvas.pin is not None
    x, y = screen.canvas.viewport.to_pixel(*screen.canvas.pin)
    assert (x, y) == pytest.approx((screen.canvas.width() / 2, screen.canvas.height() / 2), abs=0.5)
