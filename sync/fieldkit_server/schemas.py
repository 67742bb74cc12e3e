"""The wire format: request and response bodies as pydantic models (and so the OpenAPI spec)."""

from __future__ import annotations

import re
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

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def _no_control(text: str) -> str:
    # PostgreSQL text cannot hold NUL at all, and lone surrogates (which JSON allows) are not
    # UTF-8; the other controls are refused as the domain's text fields refuse them.
    if _CONTROL.search(text):
        raise ValueError("contains control characters")
    return text


def _storable(value: Any) -> Any:
    """Refuse strings no database can store, anywhere in a JSON value."""
    if isinstance(value, str) and _UNSTORABLE.search(value):
        raise ValueError("contains a NUL character or an unpaired surrogate")
    if isinstance(value, list):
        for item in value:
            _storable(item)
    if isinstance(value, dict):
        for key, item in value.items():
            _storable(key)
            _storable(item)
    return value


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
    fields: Annotated[dict[FieldName, JsonValue], AfterValidator(_storable)] = Field(
        default_factory=dict
    )
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


class ClientAuditEvent(Wire):
    event_id: Uuid
    at: AwareDatetime
    actor: Name
    action: Literal["view", "create", "update", "print", "export", "erase"]
    record_type: RecordType | None = None
    record_id: Uuid | None = None
    reason: Reason | None = None
    recipient: Recipient | None = None


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
