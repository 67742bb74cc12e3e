"""The push and pull messages as pydantic models: the server validates with them, tests pin them."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, StringConstraints

from fieldkit.domain.records import RecordType, normalise_id
from fieldkit.wire import HLC_MAX_LENGTH, HLC_PATTERN, UUID_PATTERN

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def no_control(text: str) -> str:
    """Refuse control characters in a text member.

    PostgreSQL text cannot hold NUL at all, and lone surrogates (which JSON allows) are not
    UTF-8; the other controls are refused as the domain's text fields refuse them.

    Args:
        text: the member's value.

    Returns:
        The text unchanged.

    Raises:
        ValueError: it holds a control character or a lone surrogate.
    """
    if _CONTROL.search(text):
        raise ValueError("contains control characters")
    return text


Uuid = Annotated[
    str, StringConstraints(pattern=UUID_PATTERN, max_length=36), AfterValidator(normalise_id)
]
HlcText = Annotated[str, StringConstraints(pattern=HLC_PATTERN, max_length=HLC_MAX_LENGTH)]
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Reason = Annotated[str, StringConstraints(max_length=2000), AfterValidator(no_control)]

# The members below spell their values out (so the OpenAPI document lists them in place);
# tests/wire checks each list equals its vocabulary in `fieldkit.wire`. The models' notes are
# comments, not docstrings: pydantic would copy a docstring into the OpenAPI document.
ChangeOpText = Literal["upsert", "delete"]
ChangeStatusText = Literal["applied", "duplicate", "rejected"]
AuditActionText = Literal["view", "create", "update", "print", "export", "erase", "complete"]
AttestStatusText = Literal["extends", "rolled_back"]
DeviceAlertKindText = Literal["rollback", "audit_gap", "audit_fork"]


# A request body. Unknown members are ignored: a newer laptop may send more.
class Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


# One change a laptop pushes: a record's new field values, or its deletion.
class ChangeIn(Wire):
    change_id: Uuid
    type: RecordType
    id: Uuid
    op: ChangeOpText
    hlc: HlcText
    #: Values are checked by the record type's rules in the push itself, so that one bad value
    #: rejects its own change (with a reason) rather than the whole batch.
    fields: dict[FieldName, JsonValue] = Field(default_factory=dict)
    base: dict[FieldName, HlcText] = Field(default_factory=dict)
    #: Why a supervisor or safeguarding user lowers the record's restriction (else ignored).
    reason: Reason | None = None


# ``POST /v1/sync/push``.
class PushRequest(Wire):
    changes: list[ChangeIn]
    #: The device's highest local change number in this batch (detects a rolled-back laptop).
    device_seq: Annotated[int, Field(ge=0, le=2**62)] | None = None


# The server's verdict on one pushed change.
class ChangeResultOut(BaseModel):
    change_id: str
    status: ChangeStatusText
    reason: str | None
    hlc: str | None = None
    clamped: bool | None = None


# The reply to a push: one result per change, in order.
class PushResponse(BaseModel):
    results: list[ChangeResultOut]
    server_hlc: str


# A record as a pull sends it: per-field values and versions, or a tombstone. In the compact
# form (``GET /v1/sync/pull?form=compact``) ``hlc`` is the record's stamp, and a field whose
# version is that stamp has "" in ``versions``; in the full form (and a fetch) ``hlc`` is absent
# and every version is spelled out. The laptop expands the compact form as it reads it.
class RecordOut(BaseModel):
    type: str
    id: str
    deleted: bool
    fields: dict[str, Any]
    versions: dict[str, str]
    hlc: str | None = Field(
        default=None,
        description="Compact form only: the version of every field whose `versions` entry is "
        'the empty string "".',
    )
    author: str | None = Field(
        description="The user name of whoever created the record; null when the server knows no "
        "user for it (reference data the server imported itself)."
    )
    deleted_hlc: str | None = None


# A record the laptop must erase (retention or a person's right to erasure).
class PurgeOut(BaseModel):
    type: str
    id: str


# ``GET /v1/sync/pull``: one page of records after the cursor.
class PullResponse(BaseModel):
    records: list[RecordOut]
    next: str
    more: bool
    purge: list[PurgeOut]
    server_hlc: str
