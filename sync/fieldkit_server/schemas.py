"""The wire format: request and response bodies as pydantic models (and so the OpenAPI spec)."""

from __future__ import annotations

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

from fieldkit.domain.records import RecordType, normalise_id

_UUID_PATTERN = r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
_HLC_PATTERN = r"^\d{15}:\d{4}:[0-9A-Za-z_.\-]{1,64}$"

Uuid = Annotated[
    str, StringConstraints(pattern=_UUID_PATTERN, max_length=36), AfterValidator(normalise_id)
]
HlcText = Annotated[str, StringConstraints(pattern=_HLC_PATTERN, max_length=86)]
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Wire(BaseModel):
    # Unknown members are ignored: a newer laptop may send more than this server knows.
    model_config = ConfigDict(extra="ignore")


class LoginRequest(Wire):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    device_name: Annotated[str, StringConstraints(max_length=200)]
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
    fields: dict[FieldName, JsonValue] = Field(default_factory=dict)
    base: dict[FieldName, HlcText] = Field(default_factory=dict)


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


class ClientAuditEvent(Wire):
    event_id: Uuid
    at: AwareDatetime
    actor: Annotated[str, StringConstraints(max_length=200)]
    action: Literal["view", "create", "update", "print", "export", "erase"]
    record_type: RecordType | None = None
    record_id: Uuid | None = None
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None
    recipient: Annotated[str, StringConstraints(max_length=500)] | None = None


class AuditRequest(Wire):
    events: list[ClientAuditEvent]


class AuditResponse(BaseModel):
    stored: int
    duplicates: int


class HandshakeResponse(BaseModel):
    protocol: str
    server_time: str
    server_hlc: str
    last_device_seq: int
    min_client_version: str
    device_id: str
    user: UserOut


class HealthResponse(BaseModel):
    status: str
    database: str
    protocol: str


class ConflictSide(BaseModel):
    value: JsonValue
    hlc: str


class ConflictOut(BaseModel):
    id: int
    type: str
    record_id: str
    field: str
    kept: ConflictSide
    other: ConflictSide
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
