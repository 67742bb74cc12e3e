"""Laptops a supervisor should ask about: restored from an older copy, or audit entries missing.

The server finds these at sync (see docs/sync-protocol.md, *Attestation*); each supervisor's
sync brings the ones for users in their districts into the vault, so they are listed offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fieldkit.domain.legal_clocks import format_datetime
from fieldkit.store import attestation
from fieldkit.store.attestation import CachedDeviceAlert
from fieldkit.store.vault import Vault


@dataclass(frozen=True)
class DeviceAlertLine:
    """One alert in words: whose laptop, what the server found, and when."""

    id: int
    kind: str
    username: str
    text: str


def alert_text(alert: CachedDeviceAlert) -> str:
    """What the server found about a laptop, in a supervisor's words (no record data)."""
    laptop = f"{alert['username']}'s laptop"
    if alert.get("device_name"):
        laptop += f" {alert['device_name']}"
    found = f"(found {_when(alert['detected_at'])})"
    acknowledged: Mapping[str, Any] = alert.get("acknowledged") or {}
    shown: Mapping[str, Any] = alert.get("shown") or {}
    if alert["kind"] == "rollback":
        return f"{laptop} was put back to an older copy of its vault {found}."
    if alert["kind"] == "audit_gap":
        first = int(acknowledged.get("audit_count") or 0) + 1
        last = int(shown.get("audit_count") or first) - 1
        span = f"{first}" if first >= last else f"{first} to {last}"
        return f"{laptop} never sent audit log entries {span} {found}."
    position = shown.get("audit_count")
    return f"{laptop} sent a different audit log entry {position} than before {found}."


def device_alert_lines(vault: Vault) -> tuple[DeviceAlertLine, ...]:
    """The device alerts the last sync fetched, newest first, in words (empty if none)."""
    with vault.read() as conn:
        held = attestation.cached_device_alerts(conn)
    return tuple(
        DeviceAlertLine(int(a["id"]), a["kind"], a["username"], alert_text(a)) for a in held
    )


def _when(text: str) -> str:
    try:
        return format_datetime(datetime.fromisoformat(text))
    except ValueError:
        return text
