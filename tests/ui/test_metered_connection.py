"""Whether the connection is metered, from the system (QNetworkInformation), and Settings' word.

Qt's default network-information backend loads on this machine (GLib's), so the watch is
tested on it; the system announcing a change is its ``isMeteredChanged`` signal, emitted here
as the backend would. A machine with no backend is a loader that answers False, as Qt's does.
"""

from __future__ import annotations

from PySide6.QtNetwork import QNetworkInformation
from pytestqt.qtbot import QtBot

from fieldkit.services.documents_service import DocumentService
from fieldkit.services.workspace import open_workspace
from fieldkit.store.vault import Vault
from fieldkit.ui.network import ConnectionWatch, connection_watch
from fieldkit.ui.settings_view import SettingsView
from fieldkit.ui.workers import Workers


def test_the_watch_follows_the_systems_backend_as_it_changes(qtbot: QtBot) -> None:
    watch = ConnectionWatch()
    info = QNetworkInformation.instance()
    assert info is not None, "Qt's default network-information backend loads here"
    assert info.supports(QNetworkInformation.Feature.Metered)
    assert watch.known
    assert watch.metered() is info.isMetered()
    with qtbot.waitSignal(watch.changed, timeout=5_000):
        info.isMeteredChanged.emit(True)
    assert watch.metered() is True
    info.isMeteredChanged.emit(False)
    assert watch.metered() is False


def test_where_no_backend_loads_the_answer_is_unknown(qtbot: QtBot) -> None:
    watch = ConnectionWatch(load=lambda: False)
    assert not watch.known
    assert watch.metered() is None


def test_settings_says_when_this_laptop_cannot_tell_a_metered_connection(
    qtbot: QtBot, vault: Vault
) -> None:
    ws = open_workspace(vault, documents=DocumentService(vault))
    blind = SettingsView(
        ws.settings, ws.documents, Workers(), network=ConnectionWatch(load=lambda: False)
    )
    qtbot.addWidget(blind)
    assert blind.metered_note.isVisibleTo(blind)
    assert blind.metered_note.text().startswith(
        "This laptop cannot tell whether its connection is metered"
    )
    assert blind.metered_note.accessibleName()
    seeing = SettingsView(ws.settings, ws.documents, Workers(), network=connection_watch())
    qtbot.addWidget(seeing)
    assert not seeing.metered_note.isVisibleTo(seeing)


def test_the_app_asks_the_watch_at_each_sync(qtbot: QtBot, vault: Vault) -> None:
    from fieldkit.services.sign_in import AppSync
    from fieldkit.ui.shell import open_qt_workspace

    ws = open_qt_workspace(vault)
    assert isinstance(ws.sync, AppSync)
    assert ws.sync._metered == connection_watch().metered
