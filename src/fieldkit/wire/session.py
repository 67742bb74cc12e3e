"""Signing in, the handshake and attestation: who the laptop is and what the server acknowledged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, StringConstraints

from fieldkit.wire.audit import ChainHash, Count, Name
from fieldkit.wire.messages import AttestStatusText, DeviceAlertKindText, Uuid, Wire, no_control
from fieldkit.wire.reply import Reply

Username = Annotated[
    str, StringConstraints(min_length=1, max_length=64), AfterValidator(no_control)
]


class LoginRequest(Wire):
    username: Username
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    device_name: Name
    #: Sign in again on a device registered before (keeps its id and its device_seq).
    device_id: Uuid | None = None


class UserOut(Reply):
    # Older servers named no agency, could leave the display name out and knew no safeguarding
    # clearance: read as "" and false.
    absent_members: ClassVar[Mapping[str, object]] = {
        "display_name": "",
        "agency": "",
        "safeguarding": False,
    }

    id: str
    username: str
    display_name: str
    role: str
    agency: str
    districts: list[str]
    safeguarding: bool
    staff_number: str = ""


class LoginResponse(Reply):
    token: str
    device_id: str
    user: UserOut
    last_device_seq: int
    expires_at: str


class HeadIn(Wire):
    """A laptop's head: its audit chain's length and last hash, and its change counter."""

    audit_count: Count
    audit_hash: ChainHash
    change_seq: Count


class HeadOut(Reply):
    audit_count: int
    audit_hash: str
    change_seq: int


class AttestationOut(Reply):
    """What the server acknowledged of this device at its last sync (attestation extension)."""

    version: str
    acknowledged: HeadOut
    acknowledged_at: str | None


class HandshakeResponse(Reply):
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


class AttestResponse(Reply):
    status: AttestStatusText
    acknowledged: HeadOut
    last_device_seq: int


class AcknowledgeResponse(Reply):
    acknowledged: HeadOut
    acknowledged_at: str


class DeviceAlertOut(Reply):
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


class DeviceAlertsResponse(Reply):
    alerts: list[DeviceAlertOut]
