"""The audit upload (``POST /v1/audit``): a laptop's events with their hash-chain places."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

from fieldkit.domain.records import EARLIEST, EARLIEST_AT, LATEST, LATEST_AT, RecordType
from fieldkit.wire.messages import AuditActionText, Reason, Uuid, Wire, no_control
from fieldkit.wire.reply import Reply


def _in_range(at: datetime) -> datetime:
    # Compared, not converted: converting 0001-01-01T00:00+01:00 to UTC overflows.
    if not EARLIEST_AT <= at <= LATEST_AT:
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return at


_NoControl = AfterValidator(no_control)
Name = Annotated[str, StringConstraints(max_length=200), _NoControl]
Recipient = Annotated[str, StringConstraints(max_length=500), _NoControl]
#: A time with a UTC offset, within the years the domain accepts.
SaneDatetime = Annotated[AwareDatetime, AfterValidator(_in_range)]

_HASH_PATTERN = r"^[0-9a-f]{64}$"
ChainHash = Annotated[str, StringConstraints(pattern=_HASH_PATTERN)]
Count = Annotated[int, Field(ge=0, le=2**62)]


class ChainIn(Wire):
    """An audit event's place in its laptop's hash chain (attestation 2026-12-06)."""

    position: Annotated[int, Field(ge=1, le=2**62)]
    prev_hash: ChainHash
    hash: ChainHash


class ClientAuditEvent(Wire):
    event_id: Uuid
    at: SaneDatetime
    actor: Name
    action: AuditActionText
    record_type: RecordType | None = None
    record_id: Uuid | None = None
    reason: Reason | None = None
    recipient: Recipient | None = None
    #: Absent from laptops older than attestation 2026-12-06; they keep working unnumbered.
    chain: ChainIn | None = None


class AuditRequest(Wire):
    events: list[ClientAuditEvent]


class AuditResponse(Reply):
    stored: int
    duplicates: int
