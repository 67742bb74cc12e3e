"""What the sync engine tells the app and the command line about where it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SyncState(StrEnum):
    OFFLINE = "offline"
    SYNCING = "syncing"
    UP_TO_DATE = "up_to_date"
    NEEDS_ATTENTION = "needs_attention"


@dataclass(frozen=True)
class SyncStatus:
    """A snapshot of sync, safe to hand to another thread.

    Attributes:
        state: the headline state.
        step: the engine step under way ("push", "pull", ...), empty when idle.
        done, total: progress through the step (total None when unknown).
        unsynced: local changes not yet accepted by the server.
        last_synced_at: when the last complete sync finished.
        message: what happened, in plain words (errors and attention states).
        next_step: what the user can do about it.
    """

    state: SyncState
    step: str = ""
    done: int = 0
    total: int | None = None
    unsynced: int = 0
    last_synced_at: datetime | None = None
    message: str = ""
    next_step: str = ""


#: Called by the engine from whichever thread it runs on.
StatusCallback = Callable[[SyncStatus], None]
