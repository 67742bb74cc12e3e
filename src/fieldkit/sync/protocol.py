"""The sync protocol as the laptop speaks it: typed replies, and the errors a sync can end in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fieldkit.domain.attestation import ATTESTATION_VERSION, Head

# The protocol's version and vocabularies are defined once, in the core's wire module (shared
# with the server); re-exported here under the names the laptop has always used.
from fieldkit.wire import PROTOCOL as PROTOCOL
from fieldkit.wire import AttestStatus as AttestStatus
from fieldkit.wire import ChangeStatus as ChangeStatus

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
    def parse(cls, body: object) -> UserInfo:
        doc = _object(body)
        return cls(
            _str(doc, "id"),
            _str(doc, "username"),
            str(doc.get("display_name") or ""),
            _str(doc, "role"),
            tuple(str(d) for d in _list(doc, "districts")),
            doc.get("safeguarding") is True,
            str(doc.get("staff_number") or "")[:40],
            str(doc.get("agency") or "")[:16],
        )

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
        doc = _object(body)
        return cls(
            _str(doc, "token"),
            _str(doc, "device_id"),
            UserInfo.parse(doc.get("user")),
            _int(doc, "last_device_seq"),
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
        doc = _object(body)
        limit = doc.get("max_file_bytes")
        return cls(
            _str(doc, "protocol"),
            _str(doc, "server_time"),
            _str(doc, "server_hlc"),
            _int(doc, "last_device_seq"),
            str(doc.get("min_client_version") or "0"),
            _str(doc, "device_id"),
            UserInfo.parse(doc.get("user")),
            _acknowledged(doc.get("attestation")),
            limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else None,
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
        doc = _object(body)
        chunks = tuple(c if isinstance(c, str) and _HEX64.fullmatch(c) else None
                       for c in _list(doc, "chunks"))  # fmt: skip
        missing = tuple(i for i in _list(doc, "missing") if isinstance(i, int))
        found = cls(
            _str(doc, "sha256"),
            _int(doc, "size"),
            _int(doc, "chunk_size"),
            _int(doc, "chunk_count"),
            doc.get("complete") is True,
            missing,
            chunks,
        )
        if not _HEX64.fullmatch(found.sha256) or len(chunks) != found.chunk_count:
            raise BadReply("a file's description does not add up")
        return found


def _acknowledged(value: object) -> Head | None:
    """The acknowledged head in a handshake's ``attestation`` member, if the server sends one."""
    if value is None:
        return None
    doc = _object(value)
    if doc.get("version") != ATTESTATION_VERSION:
        return None
    return parse_head(doc.get("acknowledged"))


def parse_head(body: object) -> Head:
    """A laptop head as the server sends it (``audit_count``, ``audit_hash``, ``change_seq``)."""
    doc = _object(body)
    digest = _str(doc, "audit_hash")
    if len(digest) != 64:
        raise BadReply("'audit_hash' is not a SHA-256 hash")
    return Head(_int(doc, "audit_count"), digest, _int(doc, "change_seq"))


@dataclass(frozen=True)
class AttestReply:
    """``POST /v1/sync/attest``: whether the laptop extends the head acknowledged before."""

    status: AttestStatus
    acknowledged: Head
    last_device_seq: int

    @classmethod
    def parse(cls, body: object) -> AttestReply:
        doc = _object(body)
        try:
            status = AttestStatus(_str(doc, "status"))
        except ValueError:
            raise BadReply("unknown attestation status") from None
        return cls(status, parse_head(doc.get("acknowledged")), _int(doc, "last_device_seq"))


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
    def parse(cls, body: object) -> DeviceAlert:
        doc = _object(body)
        return cls(
            _int(doc, "id"),
            _str(doc, "kind"),
            _str(doc, "device_id"),
            _optional_str(doc, "device_name"),
            _str(doc, "username"),
            _str(doc, "detected_at"),
            _object(doc.get("acknowledged")),
            _object(doc.get("shown")),
        )


@dataclass(frozen=True)
class ChangeResult:
    change_id: str
    status: ChangeStatus
    reason: str | None
    #: The clock the server stored instead of the change's own (it was too far ahead).
    clamped_hlc: str | None

    @classmethod
    def parse(cls, body: object) -> ChangeResult:
        doc = _object(body)
        try:
            status = ChangeStatus(_str(doc, "status"))
        except ValueError:
            raise BadReply("unknown change status") from None
        clamped = doc.get("hlc") if doc.get("clamped") else None
        return cls(
            _str(doc, "change_id"),
            status,
            str(doc["reason"]) if doc.get("reason") is not None else None,
            str(clamped) if clamped else None,
        )


@dataclass(frozen=True)
class PushReply:
    results: tuple[ChangeResult, ...]
    server_hlc: str

    @classmethod
    def parse(cls, body: object) -> PushReply:
        doc = _object(body)
        results = tuple(ChangeResult.parse(r) for r in _list(doc, "results"))
        return cls(results, _str(doc, "server_hlc"))


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
    def parse(cls, body: object) -> WireRecord:
        doc = _object(body)
        versions = _object(doc.get("versions"))
        return cls(
            _str(doc, "type"),
            _str(doc, "id"),
            bool(doc.get("deleted")),
            _object(doc.get("fields")),
            {str(k): str(v) for k, v in versions.items()},
            _optional_str(doc, "author"),
        )


@dataclass(frozen=True)
class PullPage:
    records: tuple[WireRecord, ...]
    next: str
    more: bool
    purge: tuple[tuple[str, str], ...]
    server_hlc: str

    @classmethod
    def parse(cls, body: object) -> PullPage:
        doc = _object(body)
        purge = tuple((_str(p, "type"), _str(p, "id")) for p in map(_object, _list(doc, "purge")))
        more = doc.get("more")
        if not isinstance(more, bool):
            raise BadReply("'more' is not a boolean")
        return cls(
            tuple(WireRecord.parse(r) for r in _list(doc, "records")),
            _str(doc, "next"),
            more,
            purge,
            _str(doc, "server_hlc"),
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
        doc = _object(body)
        rows: list[tuple[str, str, str, float, float, str]] = []
        for row in _list(doc, "rows"):
            if not (isinstance(row, list) and len(row) >= 6):
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
        removed = _list(doc, "removed")
        if not all(isinstance(u, str) and len(u) <= 12 for u in removed):
            raise BadReply("'removed' is not a list of UPRNs")
        more, reset = doc.get("more"), doc.get("reset", False)
        if not isinstance(more, bool) or not isinstance(reset, bool):
            raise BadReply("'more' or 'reset' is not a boolean")
        return cls(
            tuple(rows), tuple(removed), _int(doc, "next"), _int(doc, "version"), more, reset
        )


@dataclass(frozen=True)
class AuditReply:
    stored: int
    duplicates: int

    @classmethod
    def parse(cls, body: object) -> AuditReply:
        doc = _object(body)
        return cls(_int(doc, "stored"), _int(doc, "duplicates"))


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
    def parse(cls, body: object) -> Conflict:
        doc = _object(body)
        kept = _object(doc.get("kept"))
        other = _object(doc.get("other"))
        if "value" not in kept or "value" not in other:
            raise BadReply("a conflict side has no 'value'")
        return cls(
            _int(doc, "id"),
            _str(doc, "type"),
            _str(doc, "record_id"),
            _str(doc, "field"),
            kept["value"],
            _str(kept, "hlc"),
            _optional_str(doc, "kept_by"),
            other["value"],
            _str(other, "hlc"),
            _optional_str(doc, "other_by"),
            _str(doc, "detected_at"),
            _optional_str(doc, "district"),
        )


@dataclass(frozen=True)
class ConflictsReply:
    """``GET /v1/conflicts``: the open conflicts in the supervisor's districts, oldest first."""

    conflicts: tuple[Conflict, ...]

    @classmethod
    def parse(cls, body: object) -> ConflictsReply:
        doc = _object(body)
        return cls(tuple(Conflict.parse(c) for c in _list(doc, "conflicts")))


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
    def parse(cls, body: object, *, key: str) -> SetDigest:
        doc = _object(body)
        return cls(_str(doc, key), _int(doc, "count"), _str(doc, "digest"))


@dataclass(frozen=True)
class DigestReply:
    """``GET /v1/sync/digest``: per record type; ``bucket_width`` hex digits make a bucket."""

    types: tuple[SetDigest, ...]
    bucket_width: int

    @classmethod
    def parse(cls, body: object) -> DigestReply:
        doc = _object(body)
        return cls(
            tuple(SetDigest.parse(t, key="type") for t in _list(doc, "types")),
            _int(doc, "bucket_width"),
        )


@dataclass(frozen=True)
class BucketsReply:
    """``GET /v1/sync/digest/{type}``: the digest of each non-empty bucket of one type."""

    buckets: tuple[SetDigest, ...]

    @classmethod
    def parse(cls, body: object) -> BucketsReply:
        doc = _object(body)
        return cls(tuple(SetDigest.parse(b, key="bucket") for b in _list(doc, "buckets")))


@dataclass(frozen=True)
class BucketReply:
    """``GET /v1/sync/digest/{type}/{bucket}``: each record's id and version digest (hex)."""

    records: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, body: object) -> BucketReply:
        doc = _object(body)
        return cls(
            tuple((_str(r, "id"), _str(r, "digest")) for r in map(_object, _list(doc, "records")))
        )


@dataclass(frozen=True)
class FetchReply:
    """``POST /v1/sync/fetch``: the named records the user may see, in the pull's shape."""

    records: tuple[WireRecord, ...]
    server_hlc: str

    @classmethod
    def parse(cls, body: object) -> FetchReply:
        doc = _object(body)
        return cls(
            tuple(WireRecord.parse(r) for r in _list(doc, "records")), _str(doc, "server_hlc")
        )


# Checking shapes -----------------------------------------------------------------------------


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadReply("expected an object")
    return value


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key)
    if not isinstance(value, list):
        raise BadReply(f"'{key}' is not a list")
    return value


def _str(doc: Mapping[str, Any], key: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str):
        raise BadReply(f"'{key}' is not a string")
    return value


def _optional_str(doc: Mapping[str, Any], key: str) -> str | None:
    """A member that may be absent or null (older servers leave newer members out)."""
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise BadReply(f"'{key}' is not a string")
    return value


def _int(doc: Mapping[str, Any], key: str) -> int:
    value = doc.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadReply(f"'{key}' is not an integer")
    return value


def version_tuple(text: str) -> tuple[int, ...]:
    """A dotted version as numbers, for comparing releases ("0.10.0" is after "0.9.1")."""
    parts: list[int] = []
    for part in text.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)
