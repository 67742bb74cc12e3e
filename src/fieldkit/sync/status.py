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
        sign_in_needed: the server wants the password again (or no server is set up yet):
            the app offers sign-in where the status is shown.
    """

    state: SyncState
    step: str = ""
    done: int = 0
    total: int | None = None
    unsynced: int = 0
    last_synced_at: datetime | None = None
    message: str = ""
    next_step: str = ""
    sign_in_needed: bool = False

    def wire(self) -> dict[str, object]:
        """The settled status as kept in the vault (progress is never kept)."""
        return {
            "state": self.state.value,
            "last_synced_at": self.last_synced_at.isoformat() if self.last_synced_at else None,
            "message": self.message,
            "next_step": self.next_step,
            "sign_in_needed": self.sign_in_needed,
        }

    @classmethod
    def restore(cls, doc: object, *, unsynced: int) -> SyncStatus | None:
        """A status kept by `wire`, with today's unsynced count; None if it is not one."""
        if not isinstance(doc, dict):
            return None
        try:
            state = SyncState(str(doc.get("state")))
            when = doc.get("last_synced_at")
            last = datetime.fromisoformat(when) if isinstance(when, str) else None
        except ValueError:
            return None
        if state is SyncState.SYNCING:
            # The app closed mid-sync: the next sync carries on; until then it is not syncing.
            state = SyncState.OFFLINE
        return cls(
            state,
            unsynced=unsynced,
            last_synced_at=last,
            message=str(doc.get("message") or ""),
            next_step=str(doc.get("next_step") or ""),
            sign_in_needed=doc.get("sign_in_needed") is True,
        )


#: Called by the engine from whichever thread it runs on.
StatusCallback = Callable[[SyncStatus], None]
