"""The server's own bodies (health, problems); the protocol's messages come from the core."""

from __future__ import annotations

from pydantic import BaseModel, Field

# The protocol's messages live in the core's wire module, shared with the laptop (which parses
# every reply with them); re-exported here under their names so every import of them keeps
# working.
from fieldkit.wire.audit import (
    AuditRequest,
    AuditResponse,
    ChainHash,
    ChainIn,
    ClientAuditEvent,
    Count,
    Name,
    Recipient,
    SaneDatetime,
)
from fieldkit.wire.messages import (
    AttestStatusText,
    AuditActionText,
    ChangeIn,
    ChangeResultOut,
    DeviceAlertKindText,
    FieldName,
    HlcText,
    PullResponse,
    PurgeOut,
    PushRequest,
    PushResponse,
    Reason,
    RecordOut,
    Uuid,
    Wire,
    no_control,
)
from fieldkit.wire.records import (
    BucketDigestOut,
    BucketResponse,
    BucketsResponse,
    ConflictOut,
    ConflictSide,
    ConflictsResponse,
    DigestResponse,
    FetchRequest,
    FetchResponse,
    RecordDigestOut,
    RecordRef,
    SetDigestOut,
    TypeDigestOut,
)
from fieldkit.wire.session import (
    AcknowledgeResponse,
    AttestationOut,
    AttestRequest,
    AttestResponse,
    DeviceAlertOut,
    DeviceAlertsResponse,
    HandshakeResponse,
    HeadIn,
    HeadOut,
    LoginRequest,
    LoginResponse,
    Username,
    UserOut,
)

__all__ = [  # the names other modules import from here though they live in the wire module
    "AcknowledgeResponse",
    "AttestRequest",
    "AttestResponse",
    "AttestStatusText",
    "AttestationOut",
    "AuditActionText",
    "AuditRequest",
    "AuditResponse",
    "BucketDigestOut",
    "BucketResponse",
    "BucketsResponse",
    "ChainHash",
    "ChainIn",
    "ChangeIn",
    "ChangeResultOut",
    "ClientAuditEvent",
    "ConflictOut",
    "ConflictSide",
    "ConflictsResponse",
    "Count",
    "DeviceAlertKindText",
    "DeviceAlertOut",
    "DeviceAlertsResponse",
    "DigestResponse",
    "FetchRequest",
    "FetchResponse",
    "FieldName",
    "HandshakeResponse",
    "HeadIn",
    "HeadOut",
    "HlcText",
    "LoginRequest",
    "LoginResponse",
    "Name",
    "PullResponse",
    "PurgeOut",
    "PushRequest",
    "PushResponse",
    "Reason",
    "Recipient",
    "RecordDigestOut",
    "RecordOut",
    "RecordRef",
    "SaneDatetime",
    "SetDigestOut",
    "TypeDigestOut",
    "UserOut",
    "Username",
    "Uuid",
    "Wire",
    "no_control",
]


class HealthResponse(BaseModel):
    status: str
    database: str
    protocol: str
    version: str = Field(description="The server's release (the CHANGELOG's version).")


class Problem(BaseModel):
    """application/problem+json (RFC 9457), with Fieldkit's extra members."""

    type: str
    title: str
    status: int
    detail: str | None = None
    code: str | None = None
    wipe: bool | None = None
