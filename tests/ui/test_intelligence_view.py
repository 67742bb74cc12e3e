# mypy: disable-error-code="no-untyped-call"
"""The Intelligence screen on a real vault (offscreen): evaluation, pictures and exports."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCharts import QAbstractBarSeries
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot
from tests.factories import PASSPHRASE, person, place, visit

from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.records import new_id
from fieldkit.domain.schemes import load_schemes
from fieldkit.services.intelligence import IntelligenceService
from fieldkit.store.records import NewRecord
from fieldkit.store.vault import Vault
from fieldkit.ui.intelligence_view import IntelligenceView
from fieldkit.ui.shell import INTELLIGENCE, MainWindow
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 10_000
START = date(2026, 9, 7)


def _at(day: date, hour: int = 12) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).isoformat()


def plant(vault: Vault) -> None:
    """Huddersfield shop theft, 10 a week then 8 a week; a rising person at the market."""
    records: list[NewRecord] = []
    market, regular = new_id(), new_id()
    records.append(NewRecord("place", place(label="Queensgate Market"), market))
    records.append(NewRecord("person", person(given_name="Kieran"), regular))
    for week in range(-4, 4):
        for n in range(10 if week < 0 else 8):
            day = START + timedelta(weeks=week, days=n % 7)
            records.append(
                NewRecord("visit", visit(occurred_at=_at(day), categories=["shoplifting"]))
            )
    for ago in (1, 3, 5):
        day = date(2026, 11, 27) - timedelta(days=ago)
        fields = visit(occurred_at=_at(day, 10), place_id=market, person_ids=[regular])
        records.append(NewRecord("visit", fields))
    with vault.write() as conn:
        vault.records(conn).create_many(records)


def tick(items: QListWidget, words: str) -> None:
    (item,) = items.findItems(words, Qt.MatchFlag.MatchExactly)
    item.setCheckState(Qt.CheckState.Checked)


@pytest.fixture
def screen(qtbot: QtBot, vault: Vault, tmp_path: Path) -> IntelligenceView:
    plant(vault)
    view = IntelligenceView(
        IntelligenceService(vault, schemes=load_schemes()),
        Workers(),
        choose_file=lambda _title, name: tmp_path / name,
    )
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    return view


def test_the_screen_shows_an_initiatives_change_in_per_cent(
    qtbot: QtBot, screen: IntelligenceView
) -> None:
    tick(screen.eval_categories, "Shoplifting")
    tick(screen.eval_districts, "Huddersfield")
    screen.eval_start.setDate(QDate(2026, 9, 7))
    screen.eval_window.setValue(4)
    with qtbot.waitSignal(screen.evaluated, timeout=WAIT):
        qtbot.mouseClick(screen.evaluate_button, Qt.MouseButton.LeftButton)
    assert "Before: 40" in screen.eval_result.text()
    assert "After: 32" in screen.eval_result.text()
    assert "-20.0%" in screen.eval_result.text()
    chart = screen.eval_chart.chart()
    (series,) = chart.series()
    assert isinstance(series, QAbstractBarSeries)
    before, after = series.barSets()
    assert [before.at(n) for n in range(4)] == [10.0] * 4
    assert [after.at(n) for n in range(4, 8)] == [8.0] * 4


def test_refresh_fills_every_picture_and_a_table_exports_as_logged_csv(
    qtbot: QtBot, screen: IntelligenceView, tmp_path: Path
) -> None:
    with qtbot.waitSignal(screen.loaded, timeout=WAIT):
        screen.refresh()
    hotspots = screen.hotspots_table.model()
    assert hotspots.rowCount() == 1
    assert hotspots.index(0, 0).data().startswith("Queensgate Market")
    early = screen.early_table.model()
    assert early.index(0, 1).data().startswith("Kieran")
    assert screen.pipeline_table.model().rowCount() >= 3
    assert screen.trends_chart.chart().series()
    screen.csv_choice.setCurrentIndex(screen.csv_choice.findData("hotspots"))
    with qtbot.waitSignal(screen.exported, timeout=WAIT):
        screen._ask_csv()
    assert "Queensgate Market" in (tmp_path / "hotspots.csv").read_text(encoding="utf-8")
    assert "The export is logged" in screen.export_status.text()


def test_a_meeting_pack_needs_one_district_then_saves(
    qtbot: QtBot, screen: IntelligenceView, tmp_path: Path
) -> None:
    screen.export_pack(tmp_path / "pack.pdf")
    assert "Choose a district" in screen.export_status.text()
    screen.district.setCurrentIndex(screen.district.findData("huddersfield"))
    with qtbot.waitSignal(screen.exported, timeout=WAIT):
        screen.export_pack(tmp_path / "pack.pdf")
    assert (tmp_path / "pack.pdf").read_bytes().startswith(b"%PDF")


def test_the_window_opens_intelligence_from_the_navigation(
    qtbot: QtBot, supervisor_window: MainWindow
) -> None:
    window = supervisor_window
    unlock = window.unlock_view
    unlock.new_username.setText("sam.supervisor")
    unlock.new_passphrase.setText(PASSPHRASE)
    unlock.repeat.setText(PASSPHRASE)
    with qtbot.waitSignal(window.unlocked, timeout=WAIT):
        qtbot.mouseClick(unlock.create_button, Qt.MouseButton.LeftButton)
    assert window.screens is not None
    view = window.screens.intelligence
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert window.navigation.currentRow() == INTELLIGENCE
    assert window.screen_stack.currentWidget() is view
