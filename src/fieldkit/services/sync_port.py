"""The app's view of sync: a controller the status bar talks to, and an offline stand-in."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Protocol

from fieldkit.store import replica
from fieldkit.store.vault import Vault
from fieldkit.sync.status import StatusCallback, SyncState, SyncStatus

log = logging.getLogger(__name__)


class SyncController(Protocol):
    """What the app needs from the sync engine; the engine calls subscribers from any thread."""

    def sync_now(self) -> None:
        """Start a sync (returns at once; progress arrives through subscribers)."""

    def subscribe(self, callback: StatusCallback) -> None:
        """Be told every status change, starting with the current status."""

    def unsubscribe(self, callback: StatusCallback) -> None:
        """Stop telling `callback` (a screen going away); unknown callbacks are ignored."""

    def unsynced_count(self) -> int:
        """Local changes the server has not yet accepted."""

    def current(self) -> SyncStatus:
        """The status every screen shows (the same one subscribers were last told)."""


def count_unsynced(vault: Vault) -> int:
    """Local changes in the outbox that have not been pushed."""
    with vault.read() as conn:
        return replica.pending_count(conn)


class OfflineSyncController:
    """Sync for an app with no server configured: it says so, and counts what waits to go.

    Args:
        vault: the unlocked vault.
        server_url: the configured server ("" when none); only used in the message.
    """

    def __init__(self, vault: Vault, *, server_url: str = "") -> None:
        self._vault = vault
        self._server_url = server_url
        self._subscribers: list[StatusCallback] = []
        self._lock = threading.Lock()
        self._last_synced_at: datetime | None = None

    def status(self) -> SyncStatus:
        """The status as it stands."""
        if self._server_url:
            message = f"Cannot reach the sync server at {self._server_url}."
            next_step = "Your work is kept on this laptop and will go when you are back online."
        else:
            message = "No sync server is set up on this laptop."
            next_step = "Add the server address in Settings; your work is kept safely until then."
        return SyncStatus(
            SyncState.OFFLINE,
            unsynced=self.unsynced_count(),
            last_synced_at=self._last_synced_at,
            message=message,
            next_step=next_step,
        )

    def current(self) -> SyncStatus:
        return self.status()

    def sync_now(self) -> None:
        self._publish(self.status())

    def subscribe(self, callback: StatusCallback) -> None:
        with self._lock:
            self._subscribers.append(callback)
        callback(self.status())

    def unsubscribe(self, callback: StatusCallback) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

    def unsynced_count(self) -> int:
        if self._vault.locked:
            return 0
        return count_unsynced(self._vault)

    def _publish(self, status: SyncStatus) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        tell_each(subscribers, status)


def tell_each(subscribers: list[StatusCallback], status: SyncStatus) -> None:
    """Tell every subscriber; one that fails (a screen already gone) does not stop the rest."""
    for callback in subscribers:
        try:
            callback(status)
        except Exception as exc:  # a subscriber's failure must not end a sync mid-way
            log.warning("a sync status subscriber failed: %s", type(exc).__name__)
