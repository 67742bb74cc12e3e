# mypy: disable-error-code="no-untyped-call"
"""A new officer's first day in the real window against a real server: first run, sign-in with
the first sync's progress, Today; then an expired sign-in renewed from the status bar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import update
from tests.documents.pdf_reading import pdf_text
from tests.factories import PASSPHRASE, person
from tests.kdf import TEST_KDF
from tests.sync.conftest import PASSWORD, Server, free_port
from tests.sync.test_sign_in import _add_amy, _fast
from tests.ui.conftest import no_printer

from fieldkit.services.documents_service import DocumentService
from fieldkit.services.session import SessionService, VaultDirectory
from fieldkit.services.settings import SettingsService
from fieldkit.services.sign_in import AppSync
from fieldkit.services.warnings import WarningRequest
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store.vault import Vault
from fieldkit.ui.shell import MainWindow
from fieldkit.ui.sign_in_view import SignInDialog
from fieldkit_server.models import Token

pytestmark = pytest.mark.gui
WAIT = 60_000


def _workspace(vault: Vault) -> Workspace:
    return open_workspace(
        vault,
        documents=DocumentService(vault, printer=no_printer, printers=lambda: []),
        sync=lambda v, _s: AppSync(v, SettingsService(v), device_name="new laptop", config=_fast),
    )


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    sessions = SessionService(VaultDirectory(tmp_path / "vaults"), kdf=TEST_KDF)
    win = MainWindow(sessions, open_ws=_workspace, idle_ms=10 * 60_000)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    yield win
    account = win.workspace.account if win.workspace else None
    if account is not None:
        account.wait(60)
    win.shutdown()


def _dialog(window: MainWindow) -> SignInDialog:
    dialog = window.sign_in_dialog
    assert dialog is not None
    return dialog


def _sign_in_fails(qtbot: QtBot, dialog: SignInDialog, server: str, password: str) -> str:
    dialog.server.setText(server)
    dialog.password.setText(password)
    dialog.error.clear()
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=WAIT)
    assert dialog.password.text() == ""  # never left in the field
    return dialog.error.text()


def test_a_new_officer_signs_in_syncs_and_renews_an_expired_sign_in_from_the_status_bar(
    qtbot: QtBot, window: MainWindow, sqlite_server: Server
) -> None:
    _add_amy(sqlite_server)
    # First run: a brand-new laptop makes the officer's vault, then offers sign-in.
    unlock = window.unlock_view
    assert unlock.stack.currentIndex() == 1
    unlock.new_username.setText("amy.officer")
    unlock.new_passphrase.setText(PASSPHRASE)
    unlock.repeat.setText(PASSPHRASE)
    with qtbot.waitSignal(window.unlocked, timeout=WAIT):
        unlock.create_button.click()
    qtbot.waitUntil(lambda: window.sign_in_dialog is not None, timeout=WAIT)
    dialog = _dialog(window)
    assert window.sync_bar.headline.text() == "Sign in to sync"

    # Each failure has its own sentence.
    wrong = _sign_in_fails(qtbot, dialog, sqlite_server.url, "not the password")
    assert "password was not accepted" in wrong
    nobody = _sign_in_fails(qtbot, dialog, f"http://127.0.0.1:{free_port()}", PASSWORD)
    assert "could not be reached" in nobody
    plain = _sign_in_fails(qtbot, dialog, "http://sync.partnership.example", PASSWORD)
    assert "https://" in plain

    # Sign in: the first sync shows its progress, then the window is on Today.
    progress: list[str] = []
    dialog.progress_shown.connect(progress.append)
    dialog.server.setText(sqlite_server.url)
    dialog.password.setText(PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=WAIT):
        dialog.sign_in_button.click()
    assert any(p.startswith(("Receiving records", "Checking the server")) for p in progress)
    assert window.sign_in_dialog is None
    screens, ws = window.screens, window.workspace
    assert screens is not None
    assert ws is not None
    qtbot.waitUntil(lambda: window.sync_bar.headline.text() == "Up to date", timeout=WAIT)
    qtbot.waitUntil(
        lambda: screens.today.unsynced.text() == "All your work is synced.", timeout=WAIT
    )
    assert window.screen_stack.currentWidget() is screens.today

    # The sign-in on the server expires; the officer's work carries on offline.
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    sqlite_server.admin._run(lambda s: s.execute(update(Token).values(expires_at=past)))
    ws.records.create(record_type="person", fields=person())
    window.sync_bar.sync_now()
    qtbot.waitUntil(lambda: window.sync_bar.sign_in_button.isVisible(), timeout=WAIT)
    assert window.sync_bar.headline.text() == "Sign in to sync"
    screens.today.refresh()
    qtbot.waitUntil(
        lambda: (
            screens.today.unsynced.text()
            == "Sign in to sync: 1 change waiting to sync, kept on this laptop."
        ),
        timeout=WAIT,
    )

    # Sign in again from the status bar: sync continues and the change goes.
    window.sync_bar.sign_in_button.click()
    again = _dialog(window)
    assert again.server.text() == sqlite_server.url
    again.password.setText(PASSWORD)
    with qtbot.waitSignal(again.signed_in, timeout=WAIT):
        again.sign_in_button.click()
    qtbot.waitUntil(lambda: window.sync_bar.headline.text() == "Up to date", timeout=WAIT)
    assert not window.sync_bar.sign_in_button.isVisible()
    qtbot.waitUntil(
        lambda: screens.today.unsynced.text() == "All your work is synced.", timeout=WAIT
    )
    assert ws.sync.current().unsynced == 0

    # Locked and unlocked again, the bar and Today agree at once (no F5): the vault kept it.
    assert ws.account is not None
    ws.account.wait(60)
    window.lock()
    unlock.passphrase.setText(PASSPHRASE)
    with qtbot.waitSignal(window.unlocked, timeout=WAIT):
        unlock.unlock_button.click()
    assert window.sync_bar.headline.text() == "Up to date"
    assert "last synced" in window.sync_bar.details.text()
    reopened = window.screens
    assert reopened is not None
    qtbot.waitUntil(
        lambda: reopened.today.unsynced.text() == "All your work is synced.", timeout=WAIT
    )


def test_a_letter_printed_after_sign_in_carries_the_officers_name_and_staff_number(
    sqlite_server: Server, tmp_path: Path
) -> None:
    _add_amy(sqlite_server, staff_number="PCSO 4471")
    vault = Vault.create(
        tmp_path / "laptop", username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF
    )
    try:
        # The workspace is built before sign-in, as it is at unlock on a new laptop.
        ws = _workspace(vault)
        assert ws.account is not None
        ws.account.sign_in(server_url=sqlite_server.url, username="", password=PASSWORD)
        ws.account.wait(60)
        jan = ws.records.create(record_type="person", fields=person())
        issued = ws.warnings.issue(
            WarningRequest(
                person_id=jan.id,
                scheme_id="street_drinking_vagrancy",
                behaviour="Begging at the cash machine",
                conditions=("ask people for money",),
                district="huddersfield",
                place_label="Cash machine, New Street",
                occurred_at=dt.datetime(2026, 11, 26, 21, 30, tzinfo=dt.UTC),
            )
        )
        first = pdf_text(issued.documents[0].pdf)
        warning_id = issued.warning_id
        reprint = pdf_text(
            ws.printouts.letter_for_warning(warning_id, served_how="handed_over", reprint=True).pdf
        )
        for text in (first, reprint):
            assert "Amy Okafor" in text
            assert "PCSO 4471" in text
            assert "amy.officer" not in text
        ws.account.close()
    finally:
        if not vault.locked:
            vault.lock()
