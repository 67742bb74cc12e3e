"""What the app says: sync status lines and errors as plain sentences (no widgets here)."""

from __future__ import annotations

from datetime import datetime

from fieldkit.documents import PrintError
from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.records import ValidationError, field_label
from fieldkit.services.review import ReviewRefused
from fieldkit.services.session import SessionError
from fieldkit.services.sign_in import SignInError
from fieldkit.store.errors import VaultError
from fieldkit.sync.status import SyncState, SyncStatus

GENERIC_PROBLEM = (
    "Something went wrong inside Fieldkit. Your saved work is safe. "
    "Try again; if it happens again, tell your administrator."
)


def sync_headline(status: SyncStatus) -> str:
    """The sync bar's main words."""
    match status.state:
        case SyncState.OFFLINE:
            return "Offline"
        case SyncState.SYNCING:
            if status.total:
                return f"Syncing {status.done} of {status.total}"
            return "Syncing…"
        case SyncState.UP_TO_DATE:
            return "Up to date"
        case SyncState.NEEDS_ATTENTION:
            return "Needs attention"
    return str(status.state)  # pragma: no cover


def sync_details(status: SyncStatus, *, now: datetime) -> str:
    """Unsynced count and last sync time."""
    waiting = (
        "nothing waiting to sync"
        if status.unsynced == 0
        else f"{status.unsynced} change{'s' if status.unsynced != 1 else ''} not yet synced"
    )
    if status.last_synced_at is None:
        last = "never synced"
    else:
        local = status.last_synced_at.astimezone(LONDON)
        same_day = local.date() == now.astimezone(LONDON).date()
        last = f"last synced {local:%H:%M}" if same_day else f"last synced {local:%d/%m %H:%M}"
    return f"{waiting} · {last}"


def today_sync_line(status: SyncStatus) -> str:
    """Today's line about sync, from the same status the sync bar shows (so they agree)."""
    n = status.unsynced
    waiting = f"{n} change{'s' if n != 1 else ''} waiting to sync"
    if status.state is SyncState.SYNCING:
        return "Syncing your work…"
    if status.sign_in_needed:
        return f"Sign in to sync: {waiting}, kept on this laptop." if n else "Sign in to sync."
    if n:
        return waiting + "."
    if status.state is SyncState.UP_TO_DATE:
        return "All your work is synced."
    if status.last_synced_at is None:
        return "Nothing has been synced from this laptop yet."
    return "Nothing is waiting to sync; the last sync did not finish."


def describe(error: BaseException) -> str:
    """An error as a sentence that says what happened and what to do."""
    if isinstance(error, ValidationError):
        return " ".join(f"{field_label(e.field)}: {e.reason}." for e in error.errors)
    if isinstance(error, SessionError | VaultError | PrintError | ReviewRefused | SignInError):
        return str(error)
    if isinstance(error, OSError):
        return (
            "Fieldkit could not read or write a file on this laptop. Check there is free disk "
            "space, then try again."
        )
    return GENERIC_PROBLEM
