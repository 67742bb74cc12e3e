# mypy: disable-error-code="no-untyped-call"
"""Who sees the supervisor's screens, and the officer's side: feedback on Today (offscreen)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.factories import PASSPHRASE, visit
from tests.kdf import TEST_KDF
from tests.services.test_review import arrive
from tests.ui.conftest import make_supervisor, offline_workspace

from fieldkit.services.records import RecordService
from fieldkit.services.session import SessionService, VaultDirectory
from fieldkit.services.workspace import Workspace
from fieldkit.store.vault import Vault
from fieldkit.ui.shell import CONFLICTS, INTELLIGENCE, SUPERVISOR_SCREENS, TODAY, MainWindow
from fieldkit.ui.today_view import TodayView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 10_000


def create_vault(qtbot: QtBot, window: MainWindow, username: str) -> None:
    unlock = window.unlock_view
    unlock.new_username.setText(username)
    unlock.new_passphrase.setText(PASSPHRASE)
    unlock.repeat.setText(PASSPHRASE)
    with qtbot.waitSignal(window.unlocked, timeout=WAIT):
        qtbot.mouseClick(unlock.create_button, Qt.MouseButton.LeftButton)


def listed(window: MainWindow) -> list[str]:
    nav = window.navigation
    return [nav.item(n).text() for n in range(nav.count()) if not nav.item(n).isHidden()]


@pytest.fixture
def opened() -> list[Vault]:
    """The vaults the window opened, so a test can change them as a sync would."""
    return []


@pytest.fixture
def recording_window(qtbot: QtBot, tmp_path: Path, opened: list[Vault]) -> Iterator[MainWindow]:
    def open_ws(vault: Vault) -> Workspace:
        opened.append(vault)
        return offline_workspace(vault)

    sessions = SessionService(VaultDirectory(tmp_path / "vaults"), kdf=TEST_KDF)
    win = MainWindow(sessions, open_ws=open_ws, idle_ms=10 * 60_000)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.shutdown()


def test_an_officer_never_sees_the_supervisors_screens(qtbot: QtBot, window: MainWindow) -> None:
    create_vault(qtbot, window, "amy.officer")

    assert not {"Review", "Conflicts", "Intelligence"} & set(listed(window))
    qtbot.keyClick(window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(
        window,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    window.go(CONFLICTS)
    assert window.navigation.currentRow() == TODAY


def test_a_supervisor_opens_review_and_conflicts_from_the_keyboard(
    qtbot: QtBot, supervisor_window: MainWindow
) -> None:
    window = supervisor_window
    create_vault(qtbot, window, "priya.supervisor")
    assert window.screens is not None
    assert {"Review", "Conflicts", "Intelligence"} <= set(listed(window))

    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    with qtbot.waitSignal(window.screens.review.loaded, timeout=WAIT):
        qtbot.keyClick(window, Qt.Key.Key_R, shift_ctrl)
    assert window.screen_stack.currentWidget() is window.screens.review
    assert window.screens.review.count.text() == "Nothing waiting."
    with qtbot.waitSignal(window.screens.conflicts.loaded, timeout=WAIT):
        qtbot.keyClick(window, Qt.Key.Key_C, shift_ctrl)
    assert window.navigation.currentRow() == CONFLICTS
    assert window.screens.conflicts.empty.isVisible()


def test_the_screens_appear_when_a_sync_brings_the_supervisor_role(
    qtbot: QtBot, recording_window: MainWindow, opened: list[Vault]
) -> None:
    window = recording_window
    create_vault(qtbot, window, "priya.supervisor")
    assert all(window.navigation.item(n).isHidden() for n in SUPERVISOR_SCREENS)
    ws = window.workspace
    assert ws is not None

    make_supervisor(opened[-1])
    ws.sync.sync_now()  # the offline controller reports a finished attempt

    qtbot.waitUntil(lambda: window.supervisor, timeout=WAIT)
    assert {"Review", "Conflicts", "Intelligence"} <= set(listed(window))
    window.go(INTELLIGENCE)
    assert window.navigation.currentRow() == INTELLIGENCE


def test_the_officers_today_shows_returned_work_first_with_the_comment(
    qtbot: QtBot, make_vault: Callable[..., Vault]
) -> None:
    officer = make_vault("officer", username="amy")
    records = RecordService(officer)
    approved = records.create(record_type="visit", fields=visit(officer_id="amy"))
    returned = records.create(record_type="visit", fields=visit(officer_id="amy"))
    for subject, decision, comment, at in (
        (returned.id, "returned", "Say which stand at the bus station.", "08:00"),
        (approved.id, "approved", None, "08:30"),
    ):
        arrive(
            officer,
            "review",
            {
                "subject_type": "visit",
                "subject_id": subject,
                "decision": decision,
                "comment": comment,
                "decided_at": f"2026-11-27T{at}:00+00:00",
                "reviewer": "priya.supervisor",
                "officer": "amy",
                "district": "huddersfield",
            },
            author="priya.supervisor",
        )
    ws = offline_workspace(officer)
    view = TodayView(ws.today, ws.visits, ws.sync, Workers(), review=ws.review)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    assert not view.feedback_box.isVisible()

    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        view.refresh()

    assert view.feedback_box.isVisible()
    model = view.feedback_table.model()
    assert model.rowCount() == 2
    assert model.index(0, 0).data() == "Returned"
    assert model.index(0, 4).data() == "Say which stand at the bus station."
    assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(1, 0).data() == "Approved"
    assert model.index(1, 0).data(Qt.ItemDataRole.ForegroundRole) is None


def test_today_has_no_supervisor_section_when_nothing_was_decided(
    qtbot: QtBot, window: MainWindow
) -> None:
    create_vault(qtbot, window, "amy.officer")
    assert window.screens is not None
    today = window.screens.today
    with qtbot.waitSignal(today.loaded, timeout=WAIT):
        today.refresh()
    assert not today.feedback_box.isVisible()
