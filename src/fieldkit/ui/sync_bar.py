"""The always-visible sync status: state, unsynced count, last sync time, Sync now and Sign in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from fieldkit.services.sync_port import SyncController
from fieldkit.sync.status import SyncState, SyncStatus
from fieldkit.ui.theme import set_tone
from fieldkit.ui.wording import sync_details, sync_headline

#: The tone of each state's headline (the headline's words say the state too).
_TONES = {
    SyncState.OFFLINE: "muted",
    SyncState.SYNCING: "busy",
    SyncState.UP_TO_DATE: "good",
    SyncState.NEEDS_ATTENTION: "problem",
}


class SyncBar(QWidget):
    """Subscribes to a sync controller; statuses may arrive from any thread."""

    status_arrived = Signal(object)
    #: The officer asked to sign in from the bar (the server wants the password again).
    sign_in_requested = Signal()

    def __init__(
        self, *, now: Callable[[], datetime] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._now = now or (lambda: datetime.now(UTC))
        self._controller: SyncController | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        self.headline = QLabel(QCoreApplication.translate("SyncBar", "Locked"), self)
        self.headline.setAccessibleName(QCoreApplication.translate("SyncBar", "Sync state"))
        self.details = QLabel("", self)
        self.details.setAccessibleName(QCoreApplication.translate("SyncBar", "Sync details"))
        self.advice = QLabel("", self)
        self.advice.setAccessibleName(QCoreApplication.translate("SyncBar", "What to do"))
        self.sync_button = QPushButton(QCoreApplication.translate("SyncBar", "Sync now (F5)"), self)
        self.sync_button.setAccessibleName(QCoreApplication.translate("SyncBar", "Sync now"))
        self.sync_button.clicked.connect(self.sync_now)
        self.sign_in_button = QPushButton(QCoreApplication.translate("SyncBar", "Sign in…"), self)
        self.sign_in_button.setAccessibleName(
            QCoreApplication.translate("SyncBar", "Sign in to the sync server")
        )
        self.sign_in_button.setToolTip(
            QCoreApplication.translate(
                "SyncBar", "Sign in again; your work stays on this laptop meanwhile."
            )
        )
        self.sign_in_button.clicked.connect(self.sign_in_requested)
        self.sign_in_button.setVisible(False)
        for widget in (self.headline, self.details, self.advice):
            layout.addWidget(widget)
        # Larger text wraps the longer lines rather than cutting them off.
        for label in (self.details, self.advice):
            label.setWordWrap(True)
        layout.addStretch(1)
        layout.addWidget(self.sign_in_button)
        layout.addWidget(self.sync_button)
        self.status_arrived.connect(self._show)
        self.status: SyncStatus | None = None
        self.detach()

    def attach(self, controller: SyncController) -> None:
        self._controller = controller
        self.sync_button.setEnabled(True)
        # The engine may call back from its own thread: hop to the GUI thread via a signal.
        controller.subscribe(self._arrived)

    def _arrived(self, status: SyncStatus) -> None:
        self.status_arrived.emit(status)

    def detach(self) -> None:
        """Forget the controller (the vault locked): a sync still running tells us no more."""
        if self._controller is not None:
            self._controller.unsubscribe(self._arrived)
        self._controller = None
        self.status = None
        self.headline.setText(QCoreApplication.translate("SyncBar", "Locked"))
        set_tone(self.headline, "strong")
        self.details.setText("")
        self.advice.setText("")
        self.sync_button.setEnabled(False)
        self.sign_in_button.setVisible(False)

    def sync_now(self) -> None:
        if self._controller is not None:
            self._controller.sync_now()

    @Slot(object)
    def _show(self, status: SyncStatus) -> None:
        if self._controller is None:
            return
        self.status = status
        self.headline.setText(
            QCoreApplication.translate("SyncBar", "Sign in to sync")
            if status.sign_in_needed
            else sync_headline(status)
        )
        self.sign_in_button.setVisible(status.sign_in_needed)
        set_tone(self.headline, _TONES[status.state])
        self.details.setText(sync_details(status, now=self._now()))
        self.advice.setText(" ".join(p for p in (status.message, status.next_step) if p))
        self.advice.setToolTip(self.advice.text())
