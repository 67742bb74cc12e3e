"""GUI test fixtures: offscreen Qt, a main window over a fresh vault folder, no real printer."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from tests.kdf import TEST_KDF

from fieldkit.documents import PrinterUnavailableError
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.session import SessionService, VaultDirectory
from fieldkit.services.sync_port import OfflineSyncController
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store import replica
from fieldkit.store.vault import Vault
from fieldkit.ui.shell import MainWindow


def no_printer(pdf: bytes, **_: object) -> object:
    raise PrinterUnavailableError(
        "No printer has been chosen and this computer has no default printer."
    )


def offline_workspace(vault: Vault) -> Workspace:
    """A laptop that works without a sync server and is not offered sign-in at first run."""
    return open_workspace(
        vault,
        documents=DocumentService(vault, printer=no_printer, printers=lambda: []),
        sync=lambda v, _settings: OfflineSyncController(v),
    )


def make_supervisor(vault: Vault) -> None:
    """What the first sync of a supervisor's laptop leaves behind: the server named the role."""
    with vault.write() as conn:
        replica.put_state(conn, "user", {"id": "u-supervisor", "role": "supervisor"})


def supervisor_workspace(vault: Vault) -> Workspace:
    make_supervisor(vault)
    return offline_workspace(vault)


def _window(
    qtbot: QtBot, tmp_path: Path, open_ws: Callable[[Vault], Workspace]
) -> Iterator[MainWindow]:
    sessions = SessionService(VaultDirectory(tmp_path / "vaults"), kdf=TEST_KDF)
    win = MainWindow(sessions, open_ws=open_ws, idle_ms=10 * 60_000)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    win.shutdown()


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """A window whose user has never synced, so is not known to be a supervisor."""
    yield from _window(qtbot, tmp_path, offline_workspace)


@pytest.fixture
def supervisor_window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """A window whose user the server called a supervisor."""
    yield from _window(qtbot, tmp_path, supervisor_workspace)
