# mypy: disable-error-code="no-untyped-call"
"""The record editor through the real window: opened from Today, saved, closed on lock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.factories import visit
from tests.ui.test_officer_day import first_run

from fieldkit.ui.shell import MainWindow

pytestmark = pytest.mark.gui
WAIT = 10_000


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
    qtbot.waitUntil(lambda: "occurred_at" in editor.editors, timeout=WAIT)
    editor.set_text("occurred_at", "not a time")
    with qtbot.waitSignal(editor.failed, timeout=WAIT):
        editor.save_button.click()
    assert "Occurred at" in editor.problem.text()
    assert len(ws.corrections.history(record_type="visit", record_id=made.id)) == 1
    with qtbot.waitSignal(window.locked, timeout=WAIT):
        window.lock()
    assert window.editor is None
