# mypy: disable-error-code="no-untyped-call"
"""The record editor opens from the tenancy case screen: the case, its notes, its steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.ui.test_officer_day import first_run

from fieldkit.domain.closure_steps import StepDetails
from fieldkit.domain.vulnerability import VulnerabilityCheck
from fieldkit.ui.shell import TENANCY, MainWindow

pytestmark = pytest.mark.gui
WAIT = 10_000


def test_the_case_and_its_notes_open_in_the_editor_from_the_case_screen(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    case_id = ws.tenancy.open_case(
        address="12 Oakes Court", landlord="Kirklees Homes", district="huddersfield"
    )
    ws.tenancy.add_note(case_id=case_id, kind="visit", body="Door answered; music turned down.")
    window.go(TENANCY)
    screen = screens.tenancy
    with qtbot.waitSignal(screen.case_shown, timeout=WAIT):
        screen.open(case_id)
    assert screen.edit_case_button.isEnabled()
    assert not screen.edit_step_button.isEnabled()  # no closure step recorded yet

    # Ctrl+E on the case screen: the case itself.
    screen.title.setFocus()
    qtbot.keyClick(screen.title, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: "landlord" in editor.editors, timeout=WAIT)
    assert editor.title.text().startswith("Tenancy case")
    editor.set_text("landlord", "Pennine Vale Housing Association")
    with (
        qtbot.waitSignal(screen.case_shown, timeout=WAIT),
        qtbot.waitSignal(editor.saved, timeout=WAIT),
    ):
        editor.save_button.click()
    assert "Pennine Vale Housing Association" in screen.details.text()

    # Enter on a note: that note.
    screen.notes_table.setFocus()
    screen.notes_table.setCurrentIndex(screen.notes.index(0, 0))
    qtbot.keyClick(screen.notes_table, Qt.Key.Key_Return)
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: "body" in editor.editors, timeout=WAIT)
    assert editor.title.text().startswith("Tenancy note")
    assert editor.texts()["body"] == "Door answered; music turned down."
    editor.reject()


def test_edit_closure_step_opens_the_step_chosen_not_only_the_latest(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    case_id = ws.tenancy.open_case(
        address="12 Oakes Court", landlord="Kirklees Homes", district="huddersfield"
    )
    served = datetime.now(UTC) - timedelta(hours=2)
    for served_on in ("The tenant", "The tenant's partner"):
        ws.tenancy.record_step(
            case_id=case_id,
            step="notice_served",
            details=StepDetails(
                at=served,
                authorised_by="A. Khan",
                authorised_rank="Inspector",
                served_how="fixed_and_given",
                served_on=served_on,
                hearing_at=served + timedelta(hours=30),
                court="Kirklees Magistrates' Court",
            ),
            vulnerability=VulnerabilityCheck(True, frozenset()),
        )
    window.go(TENANCY)
    screen = screens.tenancy
    with qtbot.waitSignal(screen.case_shown, timeout=WAIT):
        screen.open(case_id)
    assert screen.step_choice.count() == 2
    assert screen.step_choice.currentIndex() == 1  # the latest, as before
    assert screen.step_choice.itemText(0).startswith("Closure 1: ")
    screen.step_choice.setCurrentIndex(0)
    qtbot.mouseClick(screen.edit_step_button, Qt.MouseButton.LeftButton)
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: "notice_served_on" in editor.editors, timeout=WAIT)
    assert editor.texts()["notice_served_on"] == "The tenant"
    editor.reject()
