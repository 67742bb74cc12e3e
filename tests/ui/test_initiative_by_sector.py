"""The Initiatives tab takes postcode sectors as an initiative's area."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.services.test_initiative_sectors import CENTRE, ELSEWHERE, SECTOR

from fieldkit.services.maps import MapService
from fieldkit.store import gazetteer as gazetteer_store
from fieldkit.store.vault import Vault
from fieldkit.ui.map_view import MapView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 30_000


def _screen(qtbot: QtBot, vault: Vault) -> tuple[MapService, MapView]:
    with vault.write() as conn:
        rows = [e.wire() for e in (*SECTOR, *ELSEWHERE)]
        gazetteer_store.apply_changes(conn, rows=rows, removed=(), version=1)  # type: ignore[arg-type]
    service = MapService(vault)
    screen = MapView(service, Workers())
    qtbot.addWidget(screen)
    screen.resize(1000, 760)
    screen.show()
    screen.tabs.setCurrentIndex(2)
    qtbot.waitUntil(lambda: screen.initiative_area.count() > 1, timeout=WAIT)
    screen.initiative_name.setText("Town centre retail")
    screen.crime_types.item(0).setCheckState(Qt.CheckState.Checked)
    return service, screen


def test_an_initiative_saved_by_postcode_sector_is_drawn_round_its_addresses(
    qtbot: QtBot, vault: Vault
) -> None:
    service, screen = _screen(qtbot, vault)
    assert screen.initiative_sectors.accessibleName()
    screen.initiative_sectors.setText("hd1 1")
    screen.save_initiative_button.click()
    qtbot.waitUntil(lambda: screen.initiative_list.count() == 1, timeout=WAIT)
    (kept,) = service.initiatives()
    assert kept.sectors == ("HD1 1",)
    assert kept.holds(CENTRE)
    screen.initiative_sectors.clear()
    screen.initiative_list.setCurrentRow(0)
    assert screen.initiative_sectors.text() == "HD1 1"
    assert screen.canvas.area == kept.area
    with qtbot.waitSignal(screen.evaluated, timeout=WAIT):
        screen.evaluate_button.click()
    assert screen.result is not None
    assert screen.result.initiative.area == kept.area


def test_a_sector_with_no_addresses_says_so_and_keeps_nothing(qtbot: QtBot, vault: Vault) -> None:
    service, screen = _screen(qtbot, vault)
    screen.initiative_sectors.setText("HD1 9")
    screen.save_initiative_button.click()
    qtbot.waitUntil(lambda: "HD1 9" in screen.initiative_result.text(), timeout=WAIT)
    assert "holds no address" in screen.initiative_result.text()
    assert service.initiatives() == []
