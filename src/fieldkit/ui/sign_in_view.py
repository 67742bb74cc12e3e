"""Signing in to the sync server (first run, Settings, status bar), with first-sync progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldkit.services.settings import SettingsService
from fieldkit.services.sign_in import AppSync, SignedIn, SignInError
from fieldkit.sync.status import SyncState, SyncStatus
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

_STEPS = {
    "sign in": "Signing in",
    "handshake": "Checking the server",
    "push": "Sending your work",
    "pull": "Receiving records",
    "compare": "Comparing with the server",
    "reference": "Receiving lists and services",
    "audit": "Sending the access log",
    "conflicts": "Receiving conflicts to review",
    "gazetteer": "Receiving addresses",
}


def progress_text(status: SyncStatus) -> str:
    """What the first sync is doing, in words ("Receiving records: 1,200 so far")."""
    what = _STEPS.get(status.step, "Syncing")
    if status.total:
        return f"{what}: {status.done:,} of {status.total:,}"
    if status.done:
        return f"{what}: {status.done:,} so far"
    return f"{what}…"


class SignInDialog(QDialog):
    """Asks for the server, user name and password; then shows the first sync until it ends.

    Emits ``signed_in`` with the account's name and number once the sync after sign-in has
    finished (or stopped: the status bar then says why). The password is cleared from the
    field as soon as it is read and never stored.

    Args:
        account: the app's sync, which signs in.
        workers: runs the sign-in off the GUI thread.
        settings: where a first-run name and staff number are kept (None: not asked).
        server, username, ca_certificate: what to fill in (from Settings).
    """

    signed_in = Signal(object)
    status_arrived = Signal(object)
    #: The words under the progress bar changed (what the first sync is doing).
    progress_shown = Signal(str)

    def __init__(
        self,
        account: AppSync,
        workers: Workers,
        *,
        server: str = "",
        username: str = "",
        ca_certificate: str = "",
        settings: SettingsService | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._account = account
        self._workers = workers.owned_by(self)
        self._settings = settings
        self._signed: SignedIn | None = None
        self._listening = False
        self.setWindowTitle(
            QCoreApplication.translate("SignInDialog", "Sign in to the sync server")
        )
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(
            QCoreApplication.translate(
                "SignInDialog",
                "Sign in with the account your administrator gave you. Your work stays on this "
                "laptop, encrypted, and goes to the server whenever you are online.",
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.server = QLineEdit(server, self)
        self.server.setPlaceholderText(
            QCoreApplication.translate(
                "SignInDialog", "https://sync.your-partnership.org, or an enrolment code"
            )
        )
        self.server.setAccessibleName(
            QCoreApplication.translate("SignInDialog", "Sync server address")
        )
        self.username = QLineEdit(username, self)
        self.username.setAccessibleName(QCoreApplication.translate("SignInDialog", "User name"))
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(QCoreApplication.translate("SignInDialog", "Password"))
        self.certificate = QLineEdit(ca_certificate, self)
        self.certificate.setPlaceholderText(
            QCoreApplication.translate("SignInDialog", "Only if your administrator gave you one")
        )
        self.certificate.setAccessibleName(
            QCoreApplication.translate("SignInDialog", "Partnership certificate authority file")
        )
        browse = QPushButton(QCoreApplication.translate("SignInDialog", "Choose…"), self)
        browse.setAccessibleName(
            QCoreApplication.translate("SignInDialog", "Choose the certificate authority file")
        )
        browse.clicked.connect(self._choose_certificate)
        row = QHBoxLayout()
        row.addWidget(self.certificate, 1)
        row.addWidget(browse)
        form.addRow(QCoreApplication.translate("SignInDialog", "Sync &server"), self.server)
        form.addRow(QCoreApplication.translate("SignInDialog", "&User name"), self.username)
        form.addRow(QCoreApplication.translate("SignInDialog", "&Password"), self.password)
        form.addRow(QCoreApplication.translate("SignInDialog", "Certificate authority"), row)
        self.officer_name = QLineEdit(self)
        self.officer_name.setAccessibleName(
            QCoreApplication.translate("SignInDialog", "Your name as letters show it")
        )
        self.officer_number = QLineEdit(self)
        self.officer_number.setAccessibleName(
            QCoreApplication.translate("SignInDialog", "Staff or collar number")
        )
        if settings is not None:
            # First run: until the account says otherwise, letters are signed with these.
            form.addRow(
                QCoreApplication.translate("SignInDialog", "Your &name (on letters)"),
                self.officer_name,
            )
            form.addRow(
                QCoreApplication.translate("SignInDialog", "Staff or collar &number"),
                self.officer_number,
            )
        else:
            self.officer_name.hide()
            self.officer_number.hide()
        layout.addLayout(form)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName(QCoreApplication.translate("SignInDialog", "Sign-in problem"))
        self.error.setStyleSheet("color: #a40000;")
        layout.addWidget(self.error)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(
            QCoreApplication.translate("SignInDialog", "First sync progress")
        )
        self.progress.setVisible(False)
        self.progress_label = QLabel("", self)
        self.progress_label.setAccessibleName(
            QCoreApplication.translate("SignInDialog", "What the sync is doing")
        )
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.later_button = QPushButton(QCoreApplication.translate("SignInDialog", "Not now"), self)
        self.later_button.setAccessibleName(
            QCoreApplication.translate("SignInDialog", "Work offline for now")
        )
        self.later_button.clicked.connect(self._later)
        self.sign_in_button = QPushButton(
            QCoreApplication.translate("SignInDialog", "&Sign in"), self
        )
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.sign_in)
        buttons.addWidget(self.later_button)
        buttons.addWidget(self.sign_in_button)
        layout.addLayout(buttons)
        self.password.returnPressed.connect(self.sign_in)
        self.status_arrived.connect(self._show_status)
        (self.password if server and username else self.server).setFocus()

    def sign_in(self) -> None:
        """Sign in on a worker with what the form says; the password field is emptied."""
        if not self.sign_in_button.isEnabled():
            return
        server, username = self.server.text(), self.username.text()
        password, ca = self.password.text(), self.certificate.text()
        self.password.clear()
        self.error.clear()
        self._busy(True, "Signing in…")
        keep = self._officer_keeper()
        if not self._listening:
            self._listening = True
            self._account.subscribe(self._arrived)

        def work() -> SignedIn:
            keep()  # first, so that what the account carries wins over what was typed
            return self._account.sign_in(
                server_url=server, username=username, password=password, ca_certificate=ca
            )

        self._workers.submit(work, self._signed_in_ok, self._failed)

    def _signed_in_ok(self, signed: SignedIn) -> None:
        self._signed = signed
        self._show_status(self._account.current())

    def _failed(self, exc: Exception) -> None:
        self._busy(False, "")
        self.error.setText(str(exc) if isinstance(exc, SignInError) else describe(exc))
        field = exc.field if isinstance(exc, SignInError) else ""
        target = {
            "server": self.server,
            "username": self.username,
            "certificate": self.certificate,
        }.get(field, self.password)
        target.selectAll()
        target.setFocus()

    def _arrived(self, status: SyncStatus) -> None:
        self.status_arrived.emit(status)

    @Slot(object)
    def _show_status(self, status: SyncStatus) -> None:
        if self._signed is None:
            return
        if status.state is SyncState.SYNCING:
            self.progress.setVisible(True)
            if status.total:
                self.progress.setRange(0, status.total)
                self.progress.setValue(min(status.done, status.total))
            else:
                self.progress.setRange(0, 0)
            self.progress_label.setText(progress_text(status))
            self.progress_shown.emit(self.progress_label.text())
            return
        signed, self._signed = self._signed, None
        self._stop_listening()
        self._busy(False, "")
        self.signed_in.emit(signed)
        self.accept()

    def _later(self) -> None:
        self._workers.submit(self._officer_keeper(), lambda _none: None)
        self._stop_listening()
        self.reject()

    def _officer_keeper(self) -> Callable[[], None]:
        """Keeps a first-run name and staff number in Settings (does nothing if none typed)."""
        settings = self._settings
        name, number = self.officer_name.text().strip(), self.officer_number.text().strip()

        def keep() -> None:
            if settings is None or not (name or number):
                return
            current = settings.load()
            settings.save(
                replace(
                    current,
                    officer_name=name or current.officer_name,
                    officer_number=number or current.officer_number,
                )
            )

        return keep

    def _stop_listening(self) -> None:
        if self._listening:
            self._listening = False
            self._account.unsubscribe(self._arrived)

    def done(self, result: int) -> None:
        self.password.clear()
        self._stop_listening()
        super().done(result)

    def _busy(self, busy: bool, text: str) -> None:
        for widget in (self.server, self.username, self.password, self.certificate):
            widget.setEnabled(not busy)
        self.sign_in_button.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)
        self.progress_label.setText(text)

    def _choose_certificate(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Partnership certificate authority", "", "Certificates (*.pem *.crt *.cer)"
        )
        if path:
            self.certificate.setText(path)
