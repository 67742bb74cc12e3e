"""The first-run and unlock screen: create a vault, or pick your vault and unlock it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from fieldkit.services.session import SessionService, passphrase_strength
from fieldkit.store.vault import Vault
from fieldkit.ui.loading import child, load_screen
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

_UNLOCK_PAGE, _CREATE_PAGE = 0, 1
_STRENGTH_COLOURS = ("#a40000", "#a40000", "#b35c00", "#2e7d32", "#1b5e20")


class UnlockView(QWidget):
    """Emits ``unlocked`` with the open vault; Argon2 runs on a worker, never the GUI thread."""

    unlocked = Signal(object)
    #: A new vault was made here (first run): the app offers sign-in next.
    created = Signal()

    def __init__(self, sessions: SessionService, workers: Workers, parent: QWidget | None = None):
        super().__init__(parent)
        self._sessions = sessions
        self._workers = workers.owned_by(self)
        form = load_screen("unlock.ui", self)
        self.stack = child(form, QStackedWidget, "modeStack")
        self.user_combo = child(form, QComboBox, "userCombo")
        self.passphrase = child(form, QLineEdit, "passphraseEdit")
        self.unlock_button = child(form, QPushButton, "unlockButton")
        self.unlock_error = child(form, QLabel, "unlockError")
        self.new_username = child(form, QLineEdit, "newUsername")
        self.new_passphrase = child(form, QLineEdit, "newPassphrase")
        self.repeat = child(form, QLineEdit, "repeatPassphrase")
        self.strength_bar = child(form, QProgressBar, "strengthBar")
        self.strength_label = child(form, QLabel, "strengthLabel")
        self.create_button = child(form, QPushButton, "createButton")
        self.create_error = child(form, QLabel, "createError")
        self.busy = child(form, QLabel, "busyLabel")
        self._back = child(form, QPushButton, "backToUnlock")
        self.unlock_button.clicked.connect(self.unlock)
        self.passphrase.returnPressed.connect(self.unlock)
        self.create_button.clicked.connect(self.create_vault)
        self.repeat.returnPressed.connect(self.create_vault)
        self.new_passphrase.textChanged.connect(self._show_strength)
        child(form, QPushButton, "newUserButton").clicked.connect(self.show_create)
        self._back.clicked.connect(self.show_unlock)
        self.refresh()

    def refresh(self) -> None:
        """Offer unlock if anyone has a vault here, else first-run creation."""
        users = self._sessions.directory.usernames()
        current = self.user_combo.currentText()
        self.user_combo.clear()
        self.user_combo.addItems(users)
        if current in users:
            self.user_combo.setCurrentText(current)
        self.passphrase.clear()
        self.new_passphrase.clear()
        self.repeat.clear()
        self._set_busy(False)
        if users:
            self.show_unlock()
        else:
            self.show_create()
        self._back.setVisible(bool(users))

    def show_unlock(self) -> None:
        self.stack.setCurrentIndex(_UNLOCK_PAGE)
        self.unlock_error.clear()
        self.passphrase.setFocus()

    def show_create(self) -> None:
        self.stack.setCurrentIndex(_CREATE_PAGE)
        self.create_error.clear()
        self.new_username.setFocus()

    def unlock(self) -> None:
        if self.busy.text():
            return
        username, passphrase = self.user_combo.currentText(), self.passphrase.text()
        self.unlock_error.clear()
        self._set_busy(True, "Unlocking…")
        self._workers.submit(
            lambda: self._sessions.unlock(username=username, passphrase=passphrase),
            self._opened,
            lambda exc: self._failed(exc, self.unlock_error, self.passphrase),
        )

    def create_vault(self) -> None:
        if self.busy.text():
            return
        username, passphrase, repeat = (
            self.new_username.text(),
            self.new_passphrase.text(),
            self.repeat.text(),
        )
        self.create_error.clear()
        self._set_busy(True, "Creating your vault…")
        self._workers.submit(
            lambda: self._sessions.create(username=username, passphrase=passphrase, repeat=repeat),
            self._created,
            lambda exc: self._failed(exc, self.create_error, self.new_passphrase),
        )

    def _created(self, vault: Vault) -> None:
        self.created.emit()
        self._opened(vault)

    def _opened(self, vault: Vault) -> None:
        self.passphrase.clear()
        self.new_passphrase.clear()
        self.repeat.clear()
        self._set_busy(False)
        self.unlocked.emit(vault)

    def _failed(self, exc: Exception, where: QLabel, focus: QLineEdit) -> None:
        self._set_busy(False)
        where.setText(describe(exc))
        focus.selectAll()
        focus.setFocus()

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy.setText(text if busy else "")
        for widget in (self.unlock_button, self.create_button, self.passphrase, self.repeat):
            widget.setEnabled(not busy)

    def _show_strength(self, text: str) -> None:
        strength = passphrase_strength(text)
        self.strength_bar.setValue(strength.score)
        self.strength_bar.setStyleSheet(
            f"QProgressBar::chunk {{ background: {_STRENGTH_COLOURS[strength.score]}; }}"
        )
        self.strength_label.setText(f"{strength.label}. {strength.advice}".strip())
