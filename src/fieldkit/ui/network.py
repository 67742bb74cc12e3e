"""Whether this laptop's connection is metered, as the system tells Qt (QNetworkInformation)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QNetworkInformation


class ConnectionWatch(QObject):
    """Follows the system's word on metered connections for Settings' "Nothing over metered
    connections".

    Qt's default network-information backend is loaded (NetworkManager or GLib on Linux, the
    network list manager on Windows); where none loads, or the one that does cannot tell
    metered from unmetered, the answer is None: unknown, and taken as not metered. The value is
    kept as it changes (``isMeteredChanged``), so the sync thread reads it without touching
    Qt objects.

    Args:
        load: loads Qt's backend, answering whether one loaded (tests give one that fails, as
            on a system with none).
    """

    changed = Signal(bool)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        load: Callable[[], bool] = QNetworkInformation.loadDefaultBackend,
    ) -> None:
        super().__init__(parent)
        self._metered = False
        self._known = False
        info = QNetworkInformation.instance() if load() else None
        if info is not None and info.supports(QNetworkInformation.Feature.Metered):
            self._known = True
            self._metered = info.isMetered()
            info.isMeteredChanged.connect(self._changed)

    @property
    def known(self) -> bool:
        """Whether this laptop can tell a metered connection from an unmetered one."""
        return self._known

    def metered(self) -> bool | None:
        """Whether the connection is metered now; None where this laptop cannot tell."""
        return self._metered if self._known else None

    def _changed(self, metered: bool) -> None:
        self._metered = bool(metered)
        self.changed.emit(self._metered)


@functools.cache
def connection_watch() -> ConnectionWatch:
    """The app's one watch, as Qt keeps one backend (made on first use: the GUI thread)."""
    return ConnectionWatch()
