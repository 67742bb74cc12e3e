"""Progress on anything over a second: the status bar shows that work is running."""

from __future__ import annotations

from time import monotonic

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from fieldkit.ui.workers import Workers

#: Work shorter than this shows nothing (a flash of progress is noise).
SHOW_AFTER_S = 1.0
_CHECK_MS = 250


class BusyIndicator(QWidget):
    """A moving bar and "Working…" while any worker task has run for over a second.

    Args:
        workers: whose running tasks to watch.
    """

    def __init__(
        self,
        workers: Workers,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._workers = workers
        self._busy_since: float | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setMaximumWidth(120)
        self.bar.setAccessibleName(QCoreApplication.translate("BusyIndicator", "Working"))
        self.bar.setTextVisible(False)
        self.words = QLabel(QCoreApplication.translate("BusyIndicator", "Working…"), self)
        row.addWidget(self.bar)
        row.addWidget(self.words)
        self.setVisible(False)
        self._timer = QTimer(self)
        self._timer.setInterval(_CHECK_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self, now: float | None = None) -> None:
        """Show or hide the indicator for the work running at ``now``."""
        now = monotonic() if now is None else now
        if self._workers.pending <= 0:
            self._busy_since = None
            self.setVisible(False)
            return
        if self._busy_since is None:
            self._busy_since = now
        self.setVisible(now - self._busy_since >= SHOW_AFTER_S)
