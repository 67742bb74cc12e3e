"""The sync protocol's vocabulary, one definition shared by the laptop and the server."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final

#: The protocol both sides speak (see docs/sync-protocol.md). A dated constant: a server that
#: answers with another date changed the wire format's meaning, and the laptop stops.
PROTOCOL: Final = "2026-11-27"

#: A hybrid logical clock on the wire: 15-digit milliseconds, 4-digit counter, the writer's node.
HLC_PATTERN: Final = r"^\d{15}:\d{4}:[0-9A-Za-z_.\-]{1,64}$"
HLC_MAX_LENGTH: Final = 86
#: A record, change or device id: a UUID, with or without hyphens.
UUID_PATTERN: Final = (
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_HLC = re.compile(HLC_PATTERN)


def is_wire_hlc(text: str) -> bool:
    """Whether a text is a clock as the protocol writes one.

    Args:
        text: the candidate clock.

    Returns:
        True when it matches `HLC_PATTERN` within `HLC_MAX_LENGTH`.
    """
    return len(text) <= HLC_MAX_LENGTH and _HLC.fullmatch(text) is not None


class ChangeOp(StrEnum):
    """What a pushed change does to its record."""

    UPSERT = "upsert"
    DELETE = "delete"


class ChangeStatus(StrEnum):
    """The server's verdict on one pushed change."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class AuditAction(StrEnum):
    """The laptop's audit events a device uploads (``POST /v1/audit``)."""

    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    PRINT = "print"
    EXPORT = "export"
    ERASE = "erase"
    #: A print or export whose per-record entries were all committed before the data left.
    COMPLETE = "complete"


class Role(StrEnum):
    """An account's role, as the server grants it and the laptop is told at sign-in."""

    OFFICER = "officer"
    HOUSING = "housing"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    #: Information governance: retention decisions, subject access, rectification and
    #: restriction requests, at the server. Holds no case data on a laptop.
    GOVERNANCE = "governance"
    #: Performance reporting: counts across every district, never a case record or a name.
    ANALYST = "analyst"


class AttestStatus(StrEnum):
    """Whether a laptop's head extends the one the server acknowledged before."""

    EXTENDS = "extends"
    ROLLED_BACK = "rolled_back"


class DeviceAlertKind(StrEnum):
    """Why the server raised a device alert for supervisors."""

    ROLLBACK = "rollback"
    AUDIT_GAP = "audit_gap"
    AUDIT_FORK = "audit_fork"
