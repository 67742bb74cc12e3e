# mypy: disable-error-code="no-untyped-call"
"""The one person search: latest answer wins, risk flags shown, Down and Enter pick by keyboard."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QLineEdit, QListWidget, QTableView, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from tests.factories import person

from fieldkit.domain.schemes import load_schemes
from fieldkit.services.people import PeopleService, PersonRow
from fieldkit.services.records import RecordService
from fieldkit.store.vault import Vault
from fieldkit.ui.person_search import PersonSearch
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 10_000


def _people(vault: Vault) -> PeopleService:
    records = RecordService(vault)
    records.create(
        record_type="person",
        fields=person(given_name="Jan", family_name="Kowalski", risk_markers=["weapons"]),
    )
    records.create(record_type="person", fields=person(given_name="Hamza", family_name="Chaudhry"))
    return PeopleService(vault, records, load_schemes())


def _host(qtbot: QtBot, results: QListWidget | QTableView) -> tuple[QWidget, QLineEdit]:
    host = QWidget()
    qtbot.addWidget(host)
    edit = QLineEdit(host)
    results.setParent(host)
    layout = QVBoxLayout(host)
    layout.addWidget(edit)
    layout.addWidget(results)
    host.show()
    return host, edit


class _Picker:
    """A search box and results list over a vault, and who was picked."""

    def __init__(self, qtbot: QtBot, search: Callable[[str], list[PersonRow]]) -> None:
        self.results = QListWidget()
        self.workers = Workers(pool=QThreadPool())
        self.host, edit = _host(qtbot, self.results)
        self.finder = PersonSearch(edit, self.results, search=search, workers=self.workers)
        self.edit = self.finder.edit
        self.picked: list[PersonRow] = []
        self.finder.picked.connect(self.picked.append)


def test_typing_lists_people_with_the_risk_flag_and_why_they_matched(
    qtbot: QtBot, vault: Vault
) -> None:
    picker = _Picker(qtbot, _people(vault).search)
    qtbot.keyClicks(picker.edit, "Kowalsky")
    qtbot.waitUntil(lambda: picker.results.count() == 1, timeout=WAIT)
    assert picker.results.item(0).text().startswith("⚠ Jan Kowalski")
    assert picker.results.item(0).toolTip().startswith("Found because: ")


def test_down_moves_into_the_results_and_enter_picks_that_person(
    qtbot: QtBot, vault: Vault
) -> None:
    picker = _Picker(qtbot, _people(vault).search)
    qtbot.keyClicks(picker.edit, "Chaudhry")
    qtbot.waitUntil(lambda: picker.results.count() == 1, timeout=WAIT)
    picker.edit.setFocus()
    qtbot.keyClick(picker.edit, Qt.Key.Key_Down)
    assert picker.results.hasFocus()
    assert picker.results.currentRow() == 0
    qtbot.keyClick(picker.results, Qt.Key.Key_Return)
    assert [p.name for p in picker.picked] == ["Hamza Chaudhry"]


def test_enter_before_the_answer_arrives_picks_the_first_person_found(
    qtbot: QtBot, vault: Vault
) -> None:
    picker = _Picker(qtbot, _people(vault).search)
    qtbot.keyClicks(picker.edit, "Kowalski")
    qtbot.keyClick(picker.edit, Qt.Key.Key_Return)  # the typing pause has not ended yet
    qtbot.waitUntil(lambda: len(picker.picked) == 1, timeout=WAIT)
    assert picker.picked[0].name == "Jan Kowalski"


def test_people_offered_for_another_reason_are_not_picked_by_a_pending_enter(
    qtbot: QtBot, vault: Vault
) -> None:
    service = _people(vault)
    picker = _Picker(qtbot, service.search)
    qtbot.keyClicks(picker.edit, "Kowalski")
    qtbot.keyClick(picker.edit, Qt.Key.Key_Return)  # waits for the search's answer
    picker.finder.show(service.search("Chaudhry"))  # e.g. possible duplicates, offered instead
    qtbot.waitUntil(lambda: picker.workers.pending == 0, timeout=WAIT)
    assert picker.picked == []
    assert [p.name for p in picker.finder.rows] == ["Hamza Chaudhry"]


def test_an_answer_to_earlier_typing_never_replaces_the_latest(qtbot: QtBot, vault: Vault) -> None:
    service = _people(vault)
    gate, started = threading.Event(), threading.Event()

    def slow_for_jan(text: str) -> list[PersonRow]:
        if "Kowal" in text:
            started.set()
            gate.wait(5)
        return service.search(text)

    picker = _Picker(qtbot, slow_for_jan)
    picker.edit.setText("Kowalski")
    picker.finder.search_now()
    assert started.wait(5)
    picker.edit.setText("Chaudhry")
    picker.finder.search_now()
    qtbot.waitUntil(lambda: picker.results.count() == 1, timeout=WAIT)
    gate.set()  # the first search ends last
    qtbot.waitUntil(lambda: picker.workers.pending == 0, timeout=WAIT)
    assert [p.name for p in picker.finder.rows] == ["Hamza Chaudhry"]


def test_clearing_the_box_drops_a_search_still_on_its_way(qtbot: QtBot, vault: Vault) -> None:
    service = _people(vault)
    gate, started = threading.Event(), threading.Event()

    def slow(text: str) -> list[PersonRow]:
        started.set()
        gate.wait(5)
        return service.search(text)

    picker = _Picker(qtbot, slow)
    picker.edit.setText("Kowalski")
    picker.finder.search_now()
    assert started.wait(5)
    picker.finder.clear()
    gate.set()
    qtbot.waitUntil(lambda: picker.workers.pending == 0, timeout=WAIT)
    assert picker.results.count() == 0
    assert picker.picked == []


def test_a_results_table_is_filled_and_a_click_picks(qtbot: QtBot, vault: Vault) -> None:
    model = RowTableModel[PersonRow]([Column[PersonRow]("Name", lambda p: p.name)])
    table = QTableView()
    table.setModel(model)
    _window, edit = _host(qtbot, table)
    finder = PersonSearch(
        edit, table, search=_people(vault).search, workers=Workers(pool=QThreadPool())
    )
    picked: list[PersonRow] = []
    finder.picked.connect(picked.append)
    qtbot.keyClicks(edit, "Chaudhry")
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=WAIT)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert [p.name for p in picked] == ["Hamza Chaudhry"]
