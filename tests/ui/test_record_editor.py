# mypy: disable-error-code="no-untyped-call"
"""The record editor through the real window: opened from Today, saved, closed on lock."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDateEdit, QDateTimeEdit, QLineEdit, QListWidget
from pytestqt.qtbot import QtBot
from tests.factories import visit
from tests.ui.test_officer_day import first_run

from fieldkit.domain.vocabulary import Category, Sensitivity
from fieldkit.ui.shell import MainWindow

pytestmark = pytest.mark.gui
WAIT = 10_000
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?")


def test_a_visit_opened_from_today_is_corrected_as_a_new_version(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    made = ws.records.create(
        record_type="visit", fields=visit(officer_id="amy.officer", narrative="Moved on.")
    )
    today = screens.today
    with qtbot.waitSignal(today.loaded, timeout=WAIT):
        today.refresh()
    qtbot.waitUntil(lambda: today.recent.rowCount() == 1, timeout=WAIT)
    today.recent_table.activated.emit(today.recent.index(0, 0))
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: "narrative" in editor.editors, timeout=WAIT)
    assert editor.title.text().startswith("Visit")
    assert not editor.decision.isVisible()
    assert editor.regime.text() == "Processed under: Law enforcement processing (DPA 2018 Part 3)"
    editor.set_text("narrative", "Moved on from the bus station after advice.")
    editor.reason.setText("added where")
    with qtbot.waitSignal(editor.saved, timeout=WAIT):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    history = ws.corrections.history(record_type="visit", record_id=made.id)
    assert [v.fields["narrative"] for v in history] == [
        "Moved on.",
        "Moved on from the bus station after advice.",
    ]
    assert history[1].reason == "added where"
    assert window.editor is None


def test_a_refused_correction_says_why_in_the_editor_and_changes_nothing(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws = window.workspace
    assert ws is not None
    made = ws.records.create(record_type="visit", fields=visit(officer_id="amy.officer"))
    editor = window.correct("visit", made.id)
    assert editor is not None
    qtbot.waitUntil(lambda: "sensitivity" in editor.editors, timeout=WAIT)
    editor.set_text("sensitivity", "restricted")  # lowering or raising it needs a reason
    with qtbot.waitSignal(editor.failed, timeout=WAIT):
        editor.save_button.click()
    assert "Reason" in editor.problem.text()
    assert len(ws.corrections.history(record_type="visit", record_id=made.id)) == 1
    with qtbot.waitSignal(window.locked, timeout=WAIT):
        window.lock()
    assert window.editor is None


def test_the_editor_speaks_plain_words_and_saves_only_what_was_ticked(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws = window.workspace
    assert ws is not None
    made = ws.records.create(
        record_type="visit", fields=visit(kind="patrol", categories=["street_drinking"])
    )
    editor = window.correct("visit", made.id)
    assert editor is not None
    qtbot.waitUntil(lambda: "categories" in editor.editors, timeout=WAIT)
    assert isinstance(editor.editors["occurred_at"], QDateTimeEdit)
    assert editor.editors["occurred_at"].text() == "27 Nov 2026 10:15"
    assert isinstance(editor.editors["follow_up_due"], QDateEdit)
    assert editor.editors["follow_up_due"].text() == "Not set"
    assert "officer_id" not in editor.editors
    assert editor.read_only["officer_id"].text() == "amy.officer"
    shown: list[str] = []
    for widget in editor.findChildren(QComboBox):
        shown += [widget.itemText(i) for i in range(widget.count())]
    for widget in editor.findChildren(QListWidget):
        shown += [widget.item(i).text() for i in range(widget.count())]
    for widget in editor.findChildren(QLineEdit):
        shown.append(widget.text())
    assert "Patrol" in shown
    assert "ASB (youth)" in shown
    assert not [t for t in shown if "_" in t or ISO_MOMENT.search(t)]
    categories = editor.editors["categories"]
    assert isinstance(categories, QListWidget)
    youth = next(
        categories.item(i)
        for i in range(categories.count())
        if categories.item(i).text() == "ASB (youth)"
    )
    youth.setCheckState(Qt.CheckState.Checked)
    editor.reason.setText("the group were under 18")
    with qtbot.waitSignal(editor.saved, timeout=WAIT):
        editor.save_button.click()
    first, second = ws.corrections.history(record_type="visit", record_id=made.id)
    changed = {k for k in second.fields if second.fields[k] != first.fields[k]}
    assert changed == {"categories"}
    assert sorted(second.fields["categories"]) == ["asb_youth", "street_drinking"]  # type: ignore[arg-type]


def test_a_choice_in_the_editor_tells_what_it_means_by_tooltip_and_to_a_screen_reader(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    ws.records.create(record_type="visit", fields=visit(officer_id="amy.officer"))
    today = screens.today
    with qtbot.waitSignal(today.loaded, timeout=WAIT):
        today.refresh()
    qtbot.waitUntil(lambda: today.recent.rowCount() == 1, timeout=WAIT)
    today.recent_table.activated.emit(today.recent.index(0, 0))
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: "sensitivity" in editor.editors, timeout=WAIT)
    box = editor.editors["sensitivity"]
    assert isinstance(box, QComboBox)
    restricted = box.findData(Sensitivity.RESTRICTED.value)
    assert box.itemData(restricted, Qt.ItemDataRole.ToolTipRole) == (
        Sensitivity.RESTRICTED.description
    )
    box.setCurrentIndex(restricted)
    assert box.accessibleDescription() == Sensitivity.RESTRICTED.description
    categories = editor.editors["categories"]
    assert isinstance(categories, QListWidget)
    described = {
        categories.item(i).toolTip()
        for i in range(categories.count())
        if categories.item(i).toolTip()
    }
    assert Category.DOMESTIC_ABUSE.description in described
    editor.close()
