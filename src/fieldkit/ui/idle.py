"""Locking when the user is idle, or when Qt says the app was suspended."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class IdleWatcher(QObject):
    """Installed on the application: any input restarts the countdown; ``idle`` fires at zero.

    Args:
        timeout_ms: how long without input before ``idle``.
        app: the application to watch (its event filter and state changes).
    """

    idle = Signal()

    def __init__(self, timeout_ms: int, app: QGuiApplication) -> None:
        super().__init__(app)
        self._timer = QTimer(self, singleShot=True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self.idle)
        self._app = app
        app.installEventFilter(self)
        app.applicationStateChanged.connect(self._state_changed)

    def set_timeout(self, timeout_ms: int) -> None:
        self._timer.setInterval(timeout_ms)
        if self._timer.isActive():
            self._timer.start()

    @property
    def timeout_ms(self) -> int:
        return self._timer.interval()

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        # Qt reports Suspended on platforms that tell it about sleep; lock straight away.
        if state == Qt.ApplicationState.ApplicationSuspended and self._timer.isActive():
            self._timer.stop()
            self.idle.emit()
