# mypy: disable-error-code="no-untyped-call"
"""The place picker: typing finds gazetteer addresses, and picking one fills in the new place."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.ui.test_officer_day import first_run

from fieldkit.domain.gazetteer import GazetteerEntry
from fieldkit.store import gazetteer as store
from fieldkit.ui.shell import VISIT, MainWindow

pytestmark = pytest.mark.gui
WAIT = 10_000

KIRKGATE = GazetteerEntry("100", "12 Kirkgate, Huddersfield", "HD1 1AB", 53.6466086, -1.7821281)
OTHERS = [
    GazetteerEntry("101", "120 Kirkgate, Huddersfield", "HD1 1AD", 53.6467, -1.7822),
    GazetteerEntry("102", "3 Northgate, Dewsbury", "WF13 1AA", 53.69, -1.63),
]


def _visit_with_gazetteer(qtbot: QtBot, window: MainWindow):  # type: ignore[no-untyped-def]
    first_run(qtbot, window)
    ws = window.workspace
    assert ws is not None
    assert ws.gazetteer is not None
    with ws.gazetteer._vault.write() as conn:
        rows = [e.wire() for e in (KIRKGATE, *OTHERS)]
        store.apply_changes(conn, rows=rows, removed=(), version=3)  # type: ignore[arg-type]
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.navigation.currentRow() == VISIT
    assert window.screens is not None
    return ws, window.screens.visit


def _items(visit) -> list[str]:  # type: ignore[no-untyped-def]
    return [visit.place_list.item(i).text() for i in range(visit.place_list.count())]


def test_picking_a_gazetteer_address_adds_a_place_with_its_uprn_and_point(
    qtbot: QtBot, window: MainWindow
) -> None:
    ws, visit = _visit_with_gazetteer(qtbot, window)
    qtbot.keyClicks(visit.place_search, "12 kirkagte")
    qtbot.waitUntil(lambda: any("12 Kirkgate" in t for t in _items(visit)), timeout=WAIT)
    assert "12 Kirkgate, Huddersfield" in _items(visit)[0]
    visit._pick_place(visit.place_list.item(0))
    assert visit.new_place_address.text() == "12 Kirkgate, Huddersfield"
    assert visit.new_place_postcode.text() == "HD1 1AB"
    assert "UPRN 100" in visit.new_place_source.text()
    assert visit.new_place_source.accessibleName()
    visit.add_place()
    qtbot.waitUntil(lambda: visit.presenter.form.place is not None, timeout=WAIT)
    place = ws.records.view(record_type="place", record_id=visit.presenter.form.place.id)
    assert place.fields["uprn"] == "100"
    assert (place.fields["lat"], place.fields["lon"]) == (53.6466086, -1.7821281)


def test_an_address_edited_by_hand_keeps_no_uprn(qtbot: QtBot, window: MainWindow) -> None:
    ws, visit = _visit_with_gazetteer(qtbot, window)
    visit.fill_from_gazetteer(KIRKGATE)
    visit.new_place_address.setText("12A Kirkgate, Huddersfield")
    visit.add_place()
    qtbot.waitUntil(lambda: visit.presenter.form.place is not None, timeout=WAIT)
    place = ws.records.view(record_type="place", record_id=visit.presenter.form.place.id)
    assert place.fields.get("uprn") in (None, "")
    assert place.fields.get("lat") is None


def test_only_the_latest_search_is_shown(qtbot: QtBot, window: MainWindow) -> None:
    _ws, visit = _visit_with_gazetteer(qtbot, window)
    visit.place_search.setText("northgate")
    visit._search_places()
    visit.place_search.setText("12 kirkgate")
    visit._search_places()
    qtbot.waitUntil(lambda: any("Kirkgate" in t for t in _items(visit)), timeout=WAIT)
    qtbot.waitUntil(lambda: visit._workers.pending == 0, timeout=WAIT)
    assert not any("Northgate" in t for t in _items(visit))


def test_a_picked_address_takes_its_district_from_the_outlines_not_the_box(
    qtbot: QtBot, window: MainWindow
) -> None:
    ws, visit = _visit_with_gazetteer(qtbot, window)
    visit.district.setCurrentIndex(visit.district.findData("rural"))
    visit.fill_from_gazetteer(KIRKGATE)
    visit.add_place()
    qtbot.waitUntil(lambda: visit.presenter.form.place is not None, timeout=WAIT)
    place = ws.records.view(record_type="place", record_id=visit.presenter.form.place.id)
    assert place.fields["district"] == "huddersfield"
    assert visit.presenter.form.district == "huddersfield"
