"""The wire format: request and response bodies as pydantic models (and so the OpenAPI spec)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
)

from fieldkit.domain.records import (
    EARLIEST,
    EARLIEST_AT,
    LATEST,
    LATEST_AT,
    RecordType,
    normalise_id,
)

_UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
_HLC_PATTERN = r"^\d{15}:\d{4}:[0-9A-Za-z_.\-]{1,64}$"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _no_control(text: str) -> str:
    # PostgreSQL text cannot hold NUL at all, and lone surrogates (which JSON allows) are not
    # UTF-8; the other controls are refused as the domain's text fields refuse them.
    if _CONTROL.search(text):
        raise ValueError("contains control characters")
    return text


def _in_range(at: datetime) -> datetime:
    # Compared, not converted: converting 0001-01-01T00:00+01:00 to UTC overflows.
    if not EARLIEST_AT <= at <= LATEST_AT:
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return at


Uuid = Annotated[
    str, StringConstraints(pattern=_UUID_PATTERN, max_length=36), AfterValidator(normalise_id)
]
HlcText = Annotated[str, StringConstraints(pattern=_HLC_PATTERN, max_length=86)]
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=64)]


_NoControl = AfterValidator(_no_control)
Username = Annotated[str, StringConstraints(min_length=1, max_length=64), _NoControl]
Name = Annotated[str, StringConstraints(max_length=200), _NoControl]
Reason = Annotated[str, StringConstraints(max_length=2000), _NoControl]
Recipient = Annotated[str, StringConstraints(max_length=500), _NoControl]
#: A time with a UTC offset, within the years the domain accepts.
SaneDatetime = Annotated[AwareDatetime, AfterValidator(_in_range)]


class Wire(BaseModel):
    # Unknown members are ignored: a newer laptop may send more than this server knows.
    model_config = ConfigDict(extra="ignore")


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


class ChangeIn(Wire):
    change_id: Uuid
    type: RecordType
    id: Uuid
    op: Literal["upsert", "delete"]
    hlc: HlcText
    #: Values are checked by the record type's rules in the push itself, so that one bad value
    #: rejects its own change (with a reason) rather than the whole batch.
    fields: dict[FieldName, JsonValue] = Field(default_factory=dict)
    base: dict[FieldName, HlcText] = Field(default_factory=dict)
    #: Why a supervisor or safeguarding user lowers the record's restriction (else ignored).
    reason: Reason | None = None


class PushRequest(Wire):
    changes: list[ChangeIn]
    #: The device's highest local change number in this batch (detects a rolled-back laptop).
    device_seq: Annotated[int, Field(ge=0, le=2**62)] | None = None


class ChangeResultOut(BaseModel):
    change_id: str
    status: Literal["applied", "duplicate", "rejected"]
    reason: str | None
    hlc: str | None = None
    clamped: bool | None = None


class PushResponse(BaseModel):
    results: list[ChangeResultOut]
    server_hlc: str


class RecordOut(BaseModel):
    type: str
    id: str
    deleted: bool
    fields: dict[str, Any]
    versions: dict[str, str]
    author: str | None = Field(
        description="The user name of whoever created the record; null when the server knows no "
        "user for it (reference data the server imported itself)."
    )
    deleted_hlc: str | None = None


class PurgeOut(BaseModel):
    type: str
    id: str


class PullResponse(BaseModel):
    records: list[RecordOut]
    next: str
    more: bool
    purge: list[PurgeOut]
    server_hlc: str


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
    action: Literal["view", "create", "update", "print", "export", "erase", "complete"]
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
    status: Literal["extends", "rolled_back"]
    acknowledged: HeadOut
    last_device_seq: int


class AcknowledgeResponse(BaseModel):
    acknowledged: HeadOut
    acknowledged_at: str


class DeviceAlertOut(BaseModel):
    id: int
    kind: Literal["rollback", "audit_gap", "audit_fork"]
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
