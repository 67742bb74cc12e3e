"""Server time, injected everywhere so that tests can set it; and the server's own clock stamp."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fieldkit.domain.hlc import Hlc

Clock = Callable[[], datetime]

#: The node name in timestamps the server issues itself (imports, server_hlc).
SERVER_NODE = "server"


def system_clock() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """A UTC-aware datetime; SQLite hands back naive ones for what was stored as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def millis(moment: datetime) -> int:
    return int(aware(moment).timestamp() * 1000)


def server_hlc(now: datetime, highest_seen: str) -> str:
    """A timestamp at least as late as server time and as every clock the server accepted.

    A laptop that observes it moves its own clock past both, so its next edit sorts after them.
    """
    mine = str(Hlc(millis(now), 0, SERVER_NODE))
    return max(mine, highest_seen)
