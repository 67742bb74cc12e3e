# mypy: disable-error-code="no-untyped-call"
"""The Governance screen is listed, and its key works, only for information governance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.kdf import TEST_KDF
from tests.ui.conftest import offline_workspace
from tests.ui.test_supervisor_screens import create_vault, listed

from fieldkit.services.session import SessionService, VaultDirectory
from fieldkit.services.workspace import Workspace
from fieldkit.store import replica
from fieldkit.store.vault import Vault
from fieldkit.ui.shell import GOVERNANCE, TODAY, MainWindow

pytestmark = pytest.mark.gui
WAIT = 10_000
SHIFT_CTRL = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


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


def test_an_officer_or_supervisor_never_sees_the_governance_screen(
    qtbot: QtBot, window: MainWindow
) -> None:
    create_vault(qtbot, window, "amy.officer")
    assert "Governance" not in listed(window)
    qtbot.keyClick(window, Qt.Key.Key_G, SHIFT_CTRL)
    window.go(GOVERNANCE)
    assert window.navigation.currentRow() == TODAY


def test_the_governance_screen_appears_when_a_sync_brings_the_role_and_says_it_needs_the_server(
    qtbot: QtBot, recording_window: MainWindow, opened: list[Vault]
) -> None:
    window = recording_window
    create_vault(qtbot, window, "gina.governance")
    assert "Governance" not in listed(window)
    ws = window.workspace
    assert ws is not None
    with opened[-1].write() as conn:
        replica.put_state(conn, "user", {"id": "u-governance", "role": "governance"})
    ws.sync.sync_now()  # the offline controller reports a finished attempt

    qtbot.waitUntil(lambda: window.governance, timeout=WAIT)
    assert "Governance" in listed(window)
    assert "Review" not in listed(window)
    assert window.screens is not None
    with qtbot.waitSignal(window.screens.governance.loaded, timeout=WAIT):
        qtbot.keyClick(window, Qt.Key.Key_G, SHIFT_CTRL)
    assert window.navigation.currentRow() == GOVERNANCE
    assert "needs the sync server" in window.screens.governance.message.text()
