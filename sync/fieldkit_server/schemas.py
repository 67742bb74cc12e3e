"""The wire format: request and response bodies as pydantic models (and so the OpenAPI spec)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, JsonValue, StringConstraints

from fieldkit.domain.records import EARLIEST, EARLIEST_AT, LATEST, LATEST_AT, RecordType

# The push and pull messages live in the core's wire module, shared with the laptop; re-exported
# here under their names so every import of them keeps working.
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

__all__ = [  # the names other modules import from here though they live in the wire module
    "AttestStatusText",
    "AuditActionText",
    "ChangeIn",
    "ChangeResultOut",
    "DeviceAlertKindText",
    "FieldName",
    "HlcText",
    "PullResponse",
    "PurgeOut",
    "PushRequest",
    "PushResponse",
    "Reason",
    "RecordOut",
    "Uuid",
    "Wire",
    "no_control",
]


def _in_range(at: datetime) -> datetime:
    # Compared, not converted: converting 0001-01-01T00:00+01:00 to UTC overflows.
    if not EARLIEST_AT <= at <= LATEST_AT:
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return at


_NoControl = AfterValidator(no_control)
Username = Annotated[str, StringConstraints(min_length=1, max_length=64), _NoControl]
Name = Annotated[str, StringConstraints(max_length=200), _NoControl]
Recipient = Annotated[str, StringConstraints(max_length=500), _NoControl]
#: A time with a UTC offset, within the years the domain accepts.
SaneDatetime = Annotated[AwareDatetime, AfterValidator(_in_range)]


class LoginRequest(Wire):
    username: Username
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    device_name: Name
    #: Sign in again on a device registered before (keeps its id and its device_seq).
    device_id: Uuid | None = None


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: str
    agency: str
    districts: list[str]
    safeguarding: bool
    staff_number: str = ""


class LoginResponse(BaseModel):
    token: str
    device_id: str
    user: UserOut
    last_device_seq: int
    expires_at: str


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


class AuditResponse(BaseModel):
    stored: int
    duplicates: int


class HeadIn(Wire):
    """A laptop's head: its audit chain's length and last hash, and its change counter."""

    audit_count: Count
    audit_hash: ChainHash
    change_seq: Count


class HeadOut(BaseModel):
    audit_count: int
    audit_hash: str
    change_seq: int


class AttestationOut(BaseModel):
    """What the server acknowledged of this device at its last sync (attestation extension)."""

    version: str
    acknowledged: HeadOut
    acknowledged_at: str | None


class HandshakeResponse(BaseModel):
    protocol: str
    server_time: str
    server_hlc: str
    last_device_seq: int
    min_client_version: str
    device_id: str
    user: UserOut
    attestation: AttestationOut | None = None
    #: The largest evidence file a laptop may attach (bytes): it keeps the last value it saw.
    max_file_bytes: int | None = None


class AttestRequest(Wire):
    """The laptop's proof that it extends the acknowledged head."""

    head: HeadIn
    #: The hash of the laptop's own audit entry at the acknowledged position; null when it
    #: has fewer entries than that.
    hash_at_acknowledged: ChainHash | None = None


class AttestResponse(BaseModel):
    status: AttestStatusText
    acknowledged: HeadOut
    last_device_seq: int


class AcknowledgeResponse(BaseModel):
    acknowledged: HeadOut
    acknowledged_at: str


class DeviceAlertOut(BaseModel):
    id: int
    kind: DeviceAlertKindText
    device_id: str
    device_name: str | None
    user_id: str
    username: str
    detected_at: str
    acknowledged: dict[str, int | str | None] = Field(
        description="What the server expected: the acknowledged head (rollback) or the audit "
        "position it held (gap, fork)."
    )
    shown: dict[str, int | str | None] = Field(description="What the laptop showed instead.")


class DeviceAlertsResponse(BaseModel):
    alerts: list[DeviceAlertOut]


class HealthResponse(BaseModel):
    status: str
    database: str
    protocol: str
    version: str = Field(description="The server's release (the CHANGELOG's version).")


class ConflictSide(BaseModel):
    value: JsonValue
    hlc: str


class ConflictOut(BaseModel):
    id: int
    type: str
    record_id: str
    field: str
    district: str | None = Field(description="The record's district.")
    kept: ConflictSide
    kept_by: str | None = Field(
        description="The user name of whoever wrote the kept value; null if the server cannot "
        "tell (its clock names no device the server registered)."
    )
    other: ConflictSide
    other_by: str | None = Field(
        description="The user name of whoever wrote the other value; null if the server cannot "
        "tell."
    )
    change_id: str
    device_id: str | None
    user_id: str | None
    detected_at: str
    resolved_at: str | None
    resolved_by: str | None


class ConflictsResponse(BaseModel):
    conflicts: list[ConflictOut]


class Problem(BaseModel):
    """application/problem+json (RFC 9457), with Fieldkit's extra members."""

    type: str
    title: str
    status: int
    detail: str | None = None
    code: str | None = None
    wipe: bool | None = None


# Anti-entropy: digests of what a user may see, and records fetched by id ---------------------


class SetDigestOut(BaseModel):
    """A set of records (one type, or one bucket of a type) summarised for comparison."""

    count: int
    digest: str = Field(
        description="Opaque: equal digests mean the same records at the same versions."
    )


class TypeDigestOut(SetDigestOut):
    type: str


class DigestResponse(BaseModel):
    types: list[TypeDigestOut]
    bucket_width: int = Field(description="How many leading hex digits of an id make its bucket.")


class BucketDigestOut(SetDigestOut):
    bucket: str


class BucketsResponse(BaseModel):
    type: str
    buckets: list[BucketDigestOut]


class RecordDigestOut(BaseModel):
    id: str
    digest: str


class BucketResponse(BaseModel):
    type: str
    bucket: str
    records: list[RecordDigestOut]


class RecordRef(Wire):
    type: RecordType
    id: Uuid


class FetchRequest(Wire):
    records: list[RecordRef]


class FetchResponse(BaseModel):
    records: list[RecordOut]
    server_hlc: str
