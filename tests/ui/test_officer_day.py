# mypy: disable-error-code="no-untyped-call"
"""An officer's day on a real vault, through the real window (offscreen)."""

from __future__ import annotations

from functools import partial

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.factories import PASSPHRASE

from fieldkit.ui.shell import PEOPLE, TENANCY, VISIT, WARNING, MainWindow
from fieldkit.ui.warning_view import WarningView

pytestmark = pytest.mark.gui
WAIT = 10_000


def stands_at(warning: WarningView, level: str) -> bool:
    return warning.proposal is not None and warning.proposal.stage == level


def first_run(qtbot: QtBot, window: MainWindow) -> None:
    unlock = window.unlock_view
    assert unlock.stack.currentIndex() == 1, "first run offers to create a vault"
    unlock.new_username.setText("amy.officer")
    unlock.new_passphrase.setText(PASSPHRASE)
    unlock.repeat.setText(PASSPHRASE)
    assert unlock.strength_bar.value() == 4
    with qtbot.waitSignal(window.unlocked, timeout=WAIT):
        qtbot.mouseClick(unlock.create_button, Qt.MouseButton.LeftButton)


def unlock_again(qtbot: QtBot, window: MainWindow) -> None:
    unlock = window.unlock_view
    assert unlock.stack.currentIndex() == 0
    unlock.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(window.unlocked, timeout=WAIT):
        qtbot.keyClick(unlock.passphrase, Qt.Key.Key_Return)


def test_an_officers_day_from_first_run_to_idle_lock_and_back(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    screens = window.screens
    assert screens is not None
    ws = window.workspace
    assert ws is not None

    # Log a visit with a new place and a new person, keyboard-first.
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.navigation.currentRow() == VISIT
    visit = screens.visit
    qtbot.mouseClick(
        visit.findChild(type(visit.save_button), "addPlaceButton"), Qt.MouseButton.LeftButton
    )
    qtbot.keyClicks(visit.new_place_label, "Market Place")
    qtbot.keyClicks(visit.new_place_postcode, "WF13 1AB")
    visit.add_place()
    qtbot.waitUntil(lambda: visit.presenter.form.place is not None, timeout=WAIT)
    qtbot.keyClicks(visit.person_search, "Jan Kowalski")
    visit._open_new_person("")  # the "Add a new person…" button
    assert visit.new_family.text() == "Kowalski"
    qtbot.keyClicks(visit.new_dob, "12/04/1988")
    visit.add_person()
    qtbot.waitUntil(lambda: visit.people_chosen.count() == 1, timeout=WAIT)
    visit.categories.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.keyClicks(visit.narrative, "Drinking by the market cross; advised and moved on.")
    with qtbot.waitSignal(visit.saved, timeout=WAIT):
        qtbot.keyClick(visit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert visit.error.text() == ""
    assert visit.presenter.form.is_blank

    # Find the person.
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.navigation.currentRow() == PEOPLE
    people = screens.people
    qtbot.keyClicks(people.search, "kowal")
    qtbot.waitUntil(lambda: people.results.rowCount() == 1, timeout=WAIT)
    with qtbot.waitSignal(people.profile_shown, timeout=WAIT):
        qtbot.keyClick(people.search, Qt.Key.Key_Return)
    assert people.name.text() == "Jan Kowalski"
    assert [e.kind for e in people.timeline.rows] == ["Visit"]

    # Issue a Yellow, then a Red warning, with support offered; no printer here.
    ws.records.create(
        record_type="service",
        fields={"name": "Dewsbury Resettlement Hub", "categories": ["housing"]},
    )
    warning = screens.warning
    warning.load_services()
    people.warn_button.click()
    assert window.navigation.currentRow() == WARNING
    qtbot.waitUntil(lambda: warning.proposal is not None, timeout=WAIT)
    assert warning.proposal is not None
    assert warning.proposal.level_id == "yellow"
    qtbot.waitUntil(lambda: warning.services.count() == 1, timeout=WAIT)
    warning.services.item(0).setCheckState(Qt.CheckState.Checked)
    # Where it happened is asked for, not assumed (it used to print "Where: Kirklees").
    line = warning.place_combo.lineEdit()
    assert line is not None
    qtbot.keyClicks(line, "Market cross, Dewsbury")
    for level in ("Yellow warning", "Red warning"):
        qtbot.keyClicks(warning.behaviour, "Drinking from an open can, shouting at shoppers")
        qtbot.keyClicks(warning.conditions, "drink alcohol in Dewsbury town centre")
        # A Red warning asks first whether vulnerability was considered; a Yellow does not.
        assert warning.vulnerability_box.isHidden() is (level == "Yellow warning")
        warning.considered_check.setChecked(True)
        with qtbot.waitSignal(warning.issued, timeout=WAIT) as issued:
            warning.issue_button.click()
        assert issued.args[0].level_name == level
        assert warning.document_combo.count() == 2
        qtbot.waitUntil(lambda: warning.preview.page_count >= 1, timeout=WAIT)
        with qtbot.waitSignal(warning.printed, timeout=WAIT):
            warning.print_button.click()
        assert "kept in the vault" in warning.print_message.text()
        qtbot.waitUntil(partial(stands_at, warning, level), timeout=WAIT)
    assert warning.proposal.outcome == "refer_for_enforcement"

    # Add a tenancy note.
    flat = ws.visits.add_place(label="Flat 3, 14 Hill Street", district="huddersfield")
    ws.records.create(
        record_type="tenancy_case",
        fields={"place_id": flat.id, "tenancy_ref": "HUD-017", "district": "huddersfield"},
    )
    window.go(TENANCY)
    tenancy = screens.tenancy
    qtbot.waitUntil(lambda: tenancy.cases.rowCount() == 1, timeout=WAIT)
    with qtbot.waitSignal(tenancy.case_shown, timeout=WAIT):
        tenancy.open(tenancy.cases.row_at(0).id)
    tenancy.note_kind.setCurrentIndex(tenancy.note_kind.findData("incident"))
    qtbot.keyClicks(tenancy.note_body, "Door kicked in at 2am; neighbours called police.")
    with qtbot.waitSignal(tenancy.note_added, timeout=WAIT):
        tenancy.add_button.click()
    qtbot.waitUntil(lambda: tenancy.notes.rowCount() == 1, timeout=WAIT)

    # Lock on idle: every view goes, the key is dropped; unlocking returns to the same screen.
    with qtbot.waitSignal(window.locked, timeout=WAIT):
        window.idle.set_timeout(50)
    assert window.screens is None
    assert window.workspace is None
    assert window.sync_bar.headline.text() == "Locked"
    window.idle.set_timeout(10 * 60_000)
    unlock_again(qtbot, window)
    assert window.navigation.currentRow() == TENANCY


def test_a_half_written_visit_survives_locking(qtbot: QtBot, window: MainWindow) -> None:
    first_run(qtbot, window)
    assert window.screens is not None
    window.go(VISIT)
    qtbot.keyClicks(window.screens.visit.narrative, "Half written when the laptop locked")
    with qtbot.waitSignal(window.locked, timeout=WAIT):
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    unlock_again(qtbot, window)
    assert window.navigation.currentRow() == VISIT
    visit = window.screens.visit
    qtbot.waitUntil(lambda: visit.draft_label.text() == "Draft restored.", timeout=WAIT)
    assert visit.narrative.toPlainText() == "Half written when the laptop locked"


def test_a_wrong_passphrase_is_a_sentence_not_a_traceback(qtbot: QtBot, window: MainWindow) -> None:
    first_run(qtbot, window)
    with qtbot.waitSignal(window.locked, timeout=WAIT):
        window.lock()
    unlock = window.unlock_view
    unlock.passphrase.setText("wrong horse battery staple")
    unlock.unlock()
    qtbot.waitUntil(lambda: bool(unlock.unlock_error.text()), timeout=WAIT)
    assert unlock.unlock_error.text().startswith("The passphrase is not right")
    assert window.workspace is None


def test_an_invalid_visit_names_the_field_inline(qtbot: QtBot, window: MainWindow) -> None:
    first_run(qtbot, window)
    assert window.screens is not None
    visit = window.screens.visit
    window.go(VISIT)
    visit.submit()
    qtbot.waitUntil(lambda: bool(visit.error.text()), timeout=WAIT)
    assert visit.error.text().startswith("What it was about:")
