"""The sync protocol as the laptop speaks it: replies read through the wire models, and errors."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fieldkit.domain.attestation import ATTESTATION_VERSION, Head

# The protocol's version and vocabularies are defined once, in the core's wire module (shared
# with the server); re-exported here under the names the laptop has always used.
from fieldkit.wire import PROTOCOL as PROTOCOL
from fieldkit.wire import AttestStatus as AttestStatus
from fieldkit.wire import ChangeStatus as ChangeStatus
from fieldkit.wire.audit import AuditResponse
from fieldkit.wire.files import FileOut
from fieldkit.wire.messages import ChangeResultOut, PullResponse, PushResponse, RecordOut
from fieldkit.wire.records import (
    BucketResponse,
    BucketsResponse,
    ConflictOut,
    ConflictsResponse,
    DigestResponse,
    FetchResponse,
    GazetteerResponse,
    SetDigestOut,
)
from fieldkit.wire.session import (
    AttestResponse,
    DeviceAlertOut,
    DeviceAlertsResponse,
    HandshakeResponse,
    HeadOut,
    LoginResponse,
    UserOut,
)

# Errors --------------------------------------------------------------------------------------


class SyncError(Exception):
    """A sync stopped; the message says what happened and `next_step` what the user can do."""

    next_step = "Try again later."

    def __init__(self, message: str, *, next_step: str | None = None) -> None:
        super().__init__(message)
        if next_step is not None:
            self.next_step = next_step


class ServerUnreachable(SyncError):
    """The network or the server failed (after retries); nothing local is lost."""

    next_step = "Your work is kept on this laptop; sync again when you have a connection."


class ServerNotFound(ServerUnreachable):
    """The server's name could not be found (mistyped address, or no network to ask)."""

    next_step = "Check the server address with your administrator; your work is kept."


class CertificateProblem(ServerUnreachable):
    """The server's certificate could not be verified: nothing was sent to it."""

    next_step = (
        "If your partnership uses its own certificate authority, choose its certificate file "
        "in Settings; otherwise tell your administrator."
    )


class ReplyTooLarge(ServerUnreachable):
    """A reply grew past the laptop's limit as it was read (a compression bomb, or a server
    that is not the sync server): it was dropped unread and the call is not repeated."""

    next_step = "Tell your administrator; your work is kept on this laptop."


class CredentialsRefused(SyncError):
    """The user name or password was refused, or too many attempts were made."""

    next_step = "Check your user name and password and sync again."


class AccountDisabled(CredentialsRefused):
    """The password was right but an administrator has disabled the account."""

    next_step = "Ask your administrator to enable your account; your work is kept meanwhile."


class TokenExpired(SyncError):
    """The device's sign-in expired or was signed out; the password is needed once more."""

    next_step = "Enter your password to sign in again; your unsynced work is kept."


class DeviceRevoked(SyncError):
    """This laptop's access (or its user) was withdrawn by an administrator.

    Attributes:
        wipe: the server asks for the laptop's copy of the data to be destroyed.
    """

    next_step = "Contact your administrator."

    def __init__(self, message: str, *, wipe: bool) -> None:
        super().__init__(message)
        self.wipe = wipe


class ProtocolMismatch(SyncError):
    """The server speaks another protocol version, or needs a newer Fieldkit."""

    next_step = "Update Fieldkit, or ask your administrator which version to use."


class ServerRefused(SyncError):
    """The server refused a request as malformed or not allowed (a 4xx other than sign-in)."""

    next_step = "Report this to your administrator; your work is kept on this laptop."

    def __init__(self, message: str, *, status: int, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class BadReply(ValueError):
    """A reply that is not what the protocol says (truncated, damaged, or from something else)."""


# Reading replies -----------------------------------------------------------------------------

M = TypeVar("M", bound=BaseModel)


def read(model: type[M], body: bytes | str | object) -> M:
    """A reply checked against its wire model (`fieldkit.wire`), strictly.

    Members the model does not know (a newer server's) are ignored; a JSON number is not read
    as a string, nor a string as a number or a flag.

    Args:
        model: the reply's model.
        body: the raw JSON body (fastest), or a JSON document already parsed.

    Returns:
        The validated reply.

    Raises:
        BadReply: the body is not JSON or not that reply; the message names the member, never
            its value.
    """
    try:
        if isinstance(body, bytes | bytearray | str):
            return model.model_validate_json(body, strict=True)
        return model.model_validate(body, strict=True)
    except ValidationError as exc:
        raise BadReply(describe(exc)) from None


def describe(exc: ValidationError) -> str:
    """What is wrong with a reply, naming the member but never quoting a value.

    Pydantic's own message quotes the input (which may be personal data), so the message is
    built from the errors without their input.
    """
    errors = exc.errors(include_input=False, include_url=False, include_context=False)
    if not errors:
        return "the reply is not what the protocol says"
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    if not where:
        return f"the reply: {first['msg']}{more}"
    return f"'{where}': {first['msg']}{more}"


# Replies -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserInfo:
    id: str
    username: str
    display_name: str
    role: str
    districts: tuple[str, ...]
    #: Cleared for safeguarding (restricted) records in their districts; only ``true`` counts.
    safeguarding: bool = False
    #: The staff or collar number letters are signed with ("" when the account has none).
    staff_number: str = ""
    #: The user's agency: referrals sent to it are theirs to answer ("" from older servers).
    agency: str = ""

    @classmethod
    def from_wire(cls, user: UserOut) -> UserInfo:
        return cls(
            user.id,
            user.username,
            user.display_name,
            user.role,
            tuple(user.districts),
            user.safeguarding,
            user.staff_number[:40],
            user.agency[:16],
        )

    @classmethod
    def parse(cls, body: object) -> UserInfo:
        """A user document: the server's, or the copy sign-in keeps in the vault."""
        return cls.from_wire(read(UserOut, body))

    def wire(self) -> dict[str, object]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role,
            "districts": list(self.districts),
            "safeguarding": self.safeguarding,
            "staff_number": self.staff_number,
            "agency": self.agency,
        }


@dataclass(frozen=True)
class LoginReply:
    token: str
    device_id: str
    user: UserInfo
    last_device_seq: int

    @classmethod
    def parse(cls, body: object) -> LoginReply:
        reply = read(LoginResponse, body)
        return cls(
            reply.token, reply.device_id, UserInfo.from_wire(reply.user), reply.last_device_seq
        )


@dataclass(frozen=True)
class Handshake:
    """``GET /v1/handshake``.

    Attributes:
        acknowledged: the head the server acknowledged at this device's last sync (attestation
            extension); None from a server without the extension.
    """

    protocol: str
    server_time: str
    server_hlc: str
    last_device_seq: int
    min_client_version: str
    device_id: str
    user: UserInfo
    acknowledged: Head | None = None
    #: The largest evidence file the server accepts; None from a server without files.
    max_file_bytes: int | None = None

    @classmethod
    def parse(cls, body: object) -> Handshake:
        reply = read(HandshakeResponse, body)
        attestation = reply.attestation
        acknowledged = None
        if attestation is not None and attestation.version == ATTESTATION_VERSION:
            acknowledged = head_from(attestation.acknowledged)
        limit = reply.max_file_bytes
        return cls(
            reply.protocol,
            reply.server_time,
            reply.server_hlc,
            reply.last_device_seq,
            reply.min_client_version or "0",
            reply.device_id,
            UserInfo.from_wire(reply.user),
            acknowledged,
            limit if limit is not None and limit > 0 else None,
        )


_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class RemoteFile:
    """``GET|PUT /v1/files/{sha256}``: what the server holds of an evidence file."""

    sha256: str
    size: int
    chunk_size: int
    chunk_count: int
    complete: bool
    missing: tuple[int, ...]
    chunks: tuple[str | None, ...]

    @classmethod
    def parse(cls, body: object) -> RemoteFile:
        reply = read(FileOut, body)
        chunks = tuple(c if c is not None and _HEX64.fullmatch(c) else None for c in reply.chunks)
        if not _HEX64.fullmatch(reply.sha256) or len(chunks) != reply.chunk_count:
            raise BadReply("a file's description does not add up")
        return cls(
            reply.sha256,
            reply.size,
            reply.chunk_size,
            reply.chunk_count,
            reply.complete,
            tuple(reply.missing),
            chunks,
        )


def head_from(head: HeadOut) -> Head:
    """A laptop head as the server sends it (``audit_count``, ``audit_hash``, ``change_seq``)."""
    if len(head.audit_hash) != 64:
        raise BadReply("'audit_hash' is not a SHA-256 hash")
    return Head(head.audit_count, head.audit_hash, head.change_seq)


@dataclass(frozen=True)
class AttestReply:
    """``POST /v1/sync/attest``: whether the laptop extends the head acknowledged before."""

    status: AttestStatus
    acknowledged: Head
    last_device_seq: int

    @classmethod
    def parse(cls, body: object) -> AttestReply:
        reply = read(AttestResponse, body)
        return cls(AttestStatus(reply.status), head_from(reply.acknowledged), reply.last_device_seq)


@dataclass(frozen=True)
class DeviceAlert:
    """A rolled-back laptop or a gap in its numbered audit events (supervisors).

    Attributes:
        kind: ``rollback``, ``audit_gap`` or ``audit_fork``.
        acknowledged, shown: what the server expected and what the laptop showed (audit
            position, hash, change counter; members may be null).
    """

    id: int
    kind: str
    device_id: str
    device_name: str | None
    username: str
    detected_at: str
    acknowledged: Mapping[str, object]
    shown: Mapping[str, object]

    @classmethod
    def from_wire(cls, alert: DeviceAlertOut) -> DeviceAlert:
        return cls(
            alert.id,
            alert.kind,
            alert.device_id,
            alert.device_name,
            alert.username,
            alert.detected_at,
            alert.acknowledged,
            alert.shown,
        )

    @classmethod
    def parse(cls, body: object) -> DeviceAlert:
        return cls.from_wire(read(DeviceAlertOut, body))


def parse_device_alerts(body: object) -> list[DeviceAlert]:
    """``GET /v1/device-alerts``: the alerts, newest first."""
    return [DeviceAlert.from_wire(a) for a in read(DeviceAlertsResponse, body).alerts]


@dataclass(frozen=True)
class ChangeResult:
    change_id: str
    status: ChangeStatus
    reason: str | None
    #: The clock the server stored instead of the change's own (it was too far ahead).
    clamped_hlc: str | None

    @classmethod
    def from_wire(cls, result: ChangeResultOut) -> ChangeResult:
        clamped = result.hlc if result.clamped else None
        return cls(result.change_id, ChangeStatus(result.status), result.reason, clamped or None)

    @classmethod
    def parse(cls, body: object) -> ChangeResult:
        return cls.from_wire(read(ChangeResultOut, body))


@dataclass(frozen=True)
class PushReply:
    results: tuple[ChangeResult, ...]
    server_hlc: str

    @classmethod
    def parse(cls, body: object) -> PushReply:
        reply = read(PushResponse, body)
        return cls(tuple(ChangeResult.from_wire(r) for r in reply.results), reply.server_hlc)


def expand_versions(versions: Mapping[str, str], stamp: str) -> dict[str, str]:
    """A compact record's versions in full: every empty entry is the record's stamp.

    Args:
        versions: the record's ``versions`` as the compact form sends them.
        stamp: the record's ``hlc``.
    """
    if not any(versions.values()):  # the common case: every field carries the stamp
        return dict.fromkeys(versions, stamp)
    return {name: version or stamp for name, version in versions.items()}


@dataclass(frozen=True)
class WireRecord:
    """A record as the server sends it: per-field values and versions, or a tombstone.

    Attributes:
        author: the user name of the record's writer as the server knows it; None when the
            server does not say (servers before supervisor review never do).
    """

    type: str
    id: str
    deleted: bool
    fields: Mapping[str, object]
    versions: Mapping[str, str]
    author: str | None = None

    @classmethod
    def from_wire(cls, record: RecordOut) -> WireRecord:
        versions = record.versions
        if record.hlc is not None:
            versions = expand_versions(versions, record.hlc)
        return cls(record.type, record.id, record.deleted, record.fields, versions, record.author)

    @classmethod
    def parse(cls, body: object) -> WireRecord:
        return cls.from_wire(_read_records(RecordOut, body))


#: Members of a pulled record that servers before supervisor review leave out, and what the
#: laptop reads then. The pull's models are kept lean (no per-record hook on the hot path):
#: only a reply that fails for want of these is read a second time with them filled in.
_LATE_RECORD_MEMBERS: Mapping[str, object] = {"author": None}


def _read_records(model: type[M], body: bytes | str | object) -> M:
    """A reply holding records (a pull page, a fetch, one record), from any server release."""
    try:
        return read(model, body)
    except BadReply:
        if isinstance(body, bytes | bytearray | str):
            try:
                body = json.loads(body)
            except ValueError:
                raise BadReply("the reply is not JSON") from None
        filled = _fill_late_members(body, top=model is RecordOut)
        if filled is body:
            raise
        return read(model, filled)


def _fill_late_members(body: object, *, top: bool) -> object:
    def fill(record: object) -> object:
        if isinstance(record, dict) and not _LATE_RECORD_MEMBERS.keys() <= record.keys():
            return {**_LATE_RECORD_MEMBERS, **record}
        return record

    if top:
        return fill(body)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        return body
    records = [fill(r) for r in body["records"]]
    if all(a is b for a, b in zip(records, body["records"], strict=True)):
        return body
    return {**body, "records": records}


@dataclass(frozen=True)
class PullPage:
    records: tuple[WireRecord, ...]
    next: str
    more: bool
    purge: tuple[tuple[str, str], ...]
    server_hlc: str

    @classmethod
    def parse(cls, body: object) -> PullPage:
        """A pull page, validated by `PullResponse` straight from the raw body.

        Reading the bytes with the model is faster than ``json.loads`` and checking by hand
        (bench/pull_parse_bench.py); the first sync reads 100,000 records this way. A page in
        the compact form (``form=compact``) is expanded here: every record read from it has
        each field's version in full.
        """
        reply = _read_records(PullResponse, body)
        record = WireRecord
        expand = expand_versions
        return cls(
            tuple(
                record(
                    r.type,
                    r.id,
                    r.deleted,
                    r.fields,
                    r.versions if r.hlc is None else expand(r.versions, r.hlc),
                    r.author,
                )
                for r in reply.records
            ),
            reply.next,
            reply.more,
            tuple((p.type, p.id) for p in reply.purge),
            reply.server_hlc,
        )


@dataclass(frozen=True)
class ReferenceReply:
    """Reference data, or (``data`` None) word that the copy held is still current."""

    data: dict[str, Any] | None
    etag: str | None


_UPRN_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class GazetteerPage:
    """A page of the address gazetteer's changes (``GET /v1/gazetteer``), checked for shape.

    Attributes:
        rows: entries added or changed: ``[uprn, address, postcode, lat, lon, landmark]``.
        removed: UPRNs no longer in the gazetteer.
        next_since: the version this page brings the laptop to.
        version: the server's latest version.
        more: whether another page follows.
        reset: the laptop's version is past the server's: drop everything, start from 0.
    """

    rows: tuple[tuple[str, str, str, float, float, str], ...]
    removed: tuple[str, ...]
    next_since: int
    version: int
    more: bool
    reset: bool

    @classmethod
    def parse(cls, body: object) -> GazetteerPage:
        reply = read(GazetteerResponse, body)
        rows: list[tuple[str, str, str, float, float, str]] = []
        for row in reply.rows:
            if len(row) < 6:
                raise BadReply("a gazetteer row is not a list of six")
            uprn, address, postcode, lat, lon, landmark = row[:6]
            if not (
                isinstance(uprn, str)
                and 0 < len(uprn) <= 12
                and set(uprn) <= _UPRN_DIGITS
                and isinstance(address, str)
                and isinstance(postcode, str)
                and isinstance(landmark, str)
                and isinstance(lat, int | float)
                and isinstance(lon, int | float)
                and not isinstance(lat, bool)
                and not isinstance(lon, bool)
                and -90 <= lat <= 90
                and -180 <= lon <= 180
            ):
                raise BadReply("a gazetteer row has a member of the wrong kind")
            rows.append((uprn, address, postcode, float(lat), float(lon), landmark))
        if not all(len(u) <= 12 for u in reply.removed):
            raise BadReply("'removed' is not a list of UPRNs")
        return cls(
            tuple(rows),
            tuple(reply.removed),
            reply.next,
            reply.version,
            reply.more,
            reply.reset,
        )


@dataclass(frozen=True)
class AuditReply:
    stored: int
    duplicates: int

    @classmethod
    def parse(cls, body: object) -> AuditReply:
        reply = read(AuditResponse, body)
        return cls(reply.stored, reply.duplicates)


@dataclass(frozen=True)
class Conflict:
    """An open conflict for a supervisor to review: two writers changed one field unseen.

    Attributes:
        id: the server's number for the conflict (what a resolution names).
        type, record_id, field: the record and the field both writers set.
        kept_value, kept_hlc, kept_by: the value the record holds (the later clock), its
            version, and the user name of its writer (None when the server does not say).
        other_value, other_hlc, other_by: the value that lost, likewise.
        detected_at: when the server found the conflict (ISO 8601).
        district: the record's district, when the server sends it.
    """

    id: int
    type: str
    record_id: str
    field: str
    kept_value: object
    kept_hlc: str
    kept_by: str | None
    other_value: object
    other_hlc: str
    other_by: str | None
    detected_at: str
    district: str | None = None

    @classmethod
    def from_wire(cls, conflict: ConflictOut) -> Conflict:
        return cls(
            conflict.id,
            conflict.type,
            conflict.record_id,
            conflict.field,
            conflict.kept.value,
            conflict.kept.hlc,
            conflict.kept_by,
            conflict.other.value,
            conflict.other.hlc,
            conflict.other_by,
            conflict.detected_at,
            conflict.district,
        )

    @classmethod
    def parse(cls, body: object) -> Conflict:
        return cls.from_wire(read(ConflictOut, body))


@dataclass(frozen=True)
class ConflictsReply:
    """``GET /v1/conflicts``: the open conflicts in the supervisor's districts, oldest first."""

    conflicts: tuple[Conflict, ...]

    @classmethod
    def parse(cls, body: object) -> ConflictsReply:
        return cls(tuple(Conflict.from_wire(c) for c in read(ConflictsResponse, body).conflicts))


# Anti-entropy --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetDigest:
    """A set of records the server summarised: a record type, or one bucket of it.

    Attributes:
        key: the record type (``GET /v1/sync/digest``) or the bucket (``.../{type}``).
        count: how many records the user may see in the set.
        digest: opaque; equal to the laptop's own when both hold the same versions.
    """

    key: str
    count: int
    digest: str

    @classmethod
    def from_wire(cls, found: SetDigestOut, key: str) -> SetDigest:
        return cls(key, found.count, found.digest)


@dataclass(frozen=True)
class DigestReply:
    """``GET /v1/sync/digest``: per record type; ``bucket_width`` hex digits make a bucket."""

    types: tuple[SetDigest, ...]
    bucket_width: int

    @classmethod
    def parse(cls, body: object) -> DigestReply:
        reply = read(DigestResponse, body)
        return cls(tuple(SetDigest.from_wire(t, t.type) for t in reply.types), reply.bucket_width)


@dataclass(frozen=True)
class BucketsReply:
    """``GET /v1/sync/digest/{type}``: the digest of each non-empty bucket of one type."""

    buckets: tuple[SetDigest, ...]

    @classmethod
    def parse(cls, body: object) -> BucketsReply:
        reply = read(BucketsResponse, body)
        return cls(tuple(SetDigest.from_wire(b, b.bucket) for b in reply.buckets))


@dataclass(frozen=True)
class BucketReply:
    """``GET /v1/sync/digest/{type}/{bucket}``: each record's id and version digest (hex)."""

    records: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, body: object) -> BucketReply:
        return cls(tuple((r.id, r.digest) for r in read(BucketResponse, body).records))


@dataclass(frozen=True)
class FetchReply:
    """``POST /v1/sync/fetch``: the named records the user may see, in the pull's shape."""

    records: tuple[WireRecord, ...]
    server_hlc: str

    @classmethod
    def parse(cls, body: object) -> FetchReply:
        reply = _read_records(FetchResponse, body)
        return cls(tuple(WireRecord.from_wire(r) for r in reply.records), reply.server_hlc)


def version_tuple(text: str) -> tuple[int, ...]:
    """A dotted version as numbers, for comparing releases ("0.10.0" is after "0.9.1")."""
    parts: list[int] = []
    for part in text.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)
