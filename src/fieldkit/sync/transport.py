"""HTTP to the sync server: one verified session, timeouts, compressed bodies, careful retries."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import requests
import urllib3

from fieldkit import __version__
from fieldkit.domain.attestation import Head, Shown
from fieldkit.domain.crime import crime_month_from_wire
from fieldkit.sync import governance as gov
from fieldkit.sync.protocol import (
    PROTOCOL,
    AccountDisabled,
    AttestReply,
    AuditReply,
    BadReply,
    BucketReply,
    BucketsReply,
    CertificateProblem,
    Conflict,
    ConflictsReply,
    CredentialsRefused,
    DeviceAlert,
    DeviceRevoked,
    DigestReply,
    FetchReply,
    GazetteerPage,
    Handshake,
    LoginReply,
    ProtocolMismatch,
    PullPage,
    PushReply,
    ReferenceReply,
    RemoteFile,
    ReplyTooLarge,
    ServerNotFound,
    ServerRefused,
    ServerUnreachable,
    SyncError,
    TokenExpired,
    head_from,
    parse_device_alerts,
    read,
)
from fieldkit.wire.session import AcknowledgeResponse

T = TypeVar("T")

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
#: zstd first when urllib3 can decode it (``backports.zstd`` before Python 3.14): the server
#: sends a pull page in zstd for about a sixth of gzip's CPU and fewer bytes; gzip otherwise.
ACCEPT_ENCODING = (
    "zstd, gzip"
    if "zstd" in urllib3.util.make_headers(accept_encoding=True)["accept-encoding"].split(",")
    else "gzip"
)
#: Failures of the connection itself (refused, reset, timed out, cut short, damaged gzip).
_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class TransportConfig:
    """How to reach the server.

    Attributes:
        server_url: ``https://host[:port]`` (plain ``http`` only to this computer, for tests).
        ca_bundle: a CA bundle to verify the server with, instead of the system's.
        pinned_cert: the server's own certificate: only a server presenting it is trusted.
        trust_env: honour the environment's proxy and CA variables (off unless configured).
        proxies: explicit proxies, e.g. ``{"https": "http://proxy:3128"}``.
        connect_timeout, read_timeout: seconds, on every call.
        max_attempts: tries per call that is safe to repeat (1 for the others).
        backoff_base, backoff_cap: exponential backoff with full jitter, in seconds.
        retry_after_cap: the longest ``Retry-After`` honoured, in seconds.
        sleep: how to wait between tries (injected by tests).
        rng: the jitter's randomness.
        max_reply_bytes: the most a reply may hold once decompressed; a larger one (a
            compression bomb, or something that is not the sync server) is not read.
    """

    server_url: str
    ca_bundle: Path | None = None
    pinned_cert: Path | None = None
    trust_env: bool = False
    proxies: Mapping[str, str] = field(default_factory=dict)
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    max_attempts: int = 5
    backoff_base: float = 0.25
    backoff_cap: float = 10.0
    retry_after_cap: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    # The largest honest reply is a pull page of 5,000 records (a few MB, rarely tens).
    max_reply_bytes: int = 128 * 1024 * 1024


@dataclass
class WireStats:
    """Bytes on the wire (bodies as sent and received, compressed), for progress and benchmarks."""

    calls: int = 0
    retries: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0


def check_server_url(url: str) -> str:
    """The server address without a trailing slash.

    Raises:
        ValueError: not an https address (plain http is allowed only to this computer).
    """
    parts = urlsplit(url.strip())
    if parts.username is not None or parts.password is not None:
        # It would be sent, kept in Settings and shown: a password never goes in an address.
        raise ValueError(
            "the server address must not contain a user name or password; type those in "
            "their own fields"
        )
    if parts.scheme == "https" and parts.hostname:
        return url.strip().rstrip("/")
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return url.strip().rstrip("/")
    if parts.scheme == "http" and parts.hostname:
        raise ValueError(
            "Fieldkit only syncs with a server on another computer over https://, so that "
            "nobody on the network can read or change what is sent; use the https:// address"
        )
    raise ValueError("the server address must start with https://, e.g. https://sync.example")


class Transport:
    """The server's endpoints as typed calls; one `requests.Session` for its lifetime.

    Raises (from every call):
        ServerUnreachable: the network or server failed, after any retries.
        TokenExpired, DeviceRevoked, CredentialsRefused, ServerRefused: as the server said.
    """

    def __init__(self, config: TransportConfig) -> None:
        self.config = config
        self.base = check_server_url(config.server_url)
        self.stats = WireStats()
        self.token: str | None = None
        self._session = requests.Session()
        # Environment variables (HTTPS_PROXY, REQUESTS_CA_BUNDLE, .netrc) are not trusted: a
        # hostile network must not be able to reroute or re-trust this laptop's traffic.
        self._session.trust_env = config.trust_env
        self._session.proxies = dict(config.proxies)
        verify: bool | str = True
        if config.pinned_cert is not None:
            verify = str(config.pinned_cert)
        elif config.ca_bundle is not None:
            verify = str(config.ca_bundle)
        self._session.verify = verify
        self._session.headers.update(
            {
                "User-Agent": f"fieldkit/{__version__} (protocol {PROTOCOL})",
                "Accept": "application/json",
                "Accept-Encoding": ACCEPT_ENCODING,
            }
        )

    def close(self) -> None:
        self._session.close()

    def clone(self) -> Transport:
        """Another connection to the same server, signed in as this one: for a second request
        in flight at once (a `requests.Session` is not shared between threads)."""
        other = Transport(self.config)
        other.token = self.token
        return other

    # Endpoints -------------------------------------------------------------------------------

    def login(
        self, *, username: str, password: str, device_name: str, device_id: str | None
    ) -> LoginReply:
        """Sign in; not repeated on failure (a lost reply would register a second device)."""
        body: dict[str, Any] = {
            "username": username,
            "password": password,
            "device_name": device_name,
        }
        if device_id:
            body["device_id"] = device_id
        return self._call(
            "POST", "/v1/auth/login", LoginReply.parse, body=body, repeatable=False, auth=False
        )

    def logout(self) -> None:
        self._call("POST", "/v1/auth/logout", lambda _b: None, repeatable=False, expect_json=False)

    def handshake(self) -> Handshake:
        return self._call("GET", "/v1/handshake", Handshake.parse, repeatable=True)

    def push(self, changes: Sequence[Mapping[str, Any]], *, device_seq: int) -> PushReply:
        """Push a batch; repeated freely, because change ids make a replay change nothing."""
        body = {"changes": list(changes), "device_seq": device_seq}
        return self._call("POST", "/v1/sync/push", PushReply.parse, body=body, repeatable=True)

    def pull(self, *, since: str | None, limit: int) -> PullPage:
        # The compact form: each record's stamp once (a server before it sends the full form,
        # which reads the same).
        params: dict[str, str] = {"limit": str(limit), "form": "compact"}
        if since is not None:
            params["since"] = since
        return self._call("GET", "/v1/sync/pull", PullPage.parse, params=params, repeatable=True)

    def reference(self, *, etag: str | None) -> ReferenceReply:
        headers = {"If-None-Match": etag} if etag else {}
        holder: dict[str, str | None] = {}

        def parse(content: bytes) -> dict[str, Any]:
            # Free-form reference data: its parts are checked where they are stored.
            body = json.loads(content)
            if not isinstance(body, dict):
                raise BadReply("reference data is not an object")
            return body

        data = self._call(
            "GET",
            "/v1/reference",
            parse,
            headers=headers,
            repeatable=True,
            etag_out=holder,
            allow_not_modified=True,
        )
        return ReferenceReply(data or None, holder.get("etag"))

    def gazetteer(self, *, since: int, limit: int) -> GazetteerPage:
        """A page of the address gazetteer's changes after version ``since``."""
        return self._call(
            "GET",
            "/v1/gazetteer",
            GazetteerPage.parse,
            params={"since": str(since), "limit": str(limit)},
            repeatable=True,
        )

    def boundaries(self, *, etag: str | None) -> ReferenceReply:
        """District and ward outlines (GeoJSON), or None in ``data`` if the held copy is current."""
        headers = {"If-None-Match": etag} if etag else {}
        holder: dict[str, str | None] = {}

        def parse(content: bytes) -> dict[str, Any]:
            body = json.loads(content)
            if not isinstance(body, dict):
                raise BadReply("boundaries are not a GeoJSON FeatureCollection")
            if not body:  # 304: the held copy is current
                return body
            if body.get("type") != "FeatureCollection":
                raise BadReply("boundaries are not a GeoJSON FeatureCollection")
            return body

        data = self._call(
            "GET",
            "/v1/reference/boundaries",
            parse,
            headers=headers,
            repeatable=True,
            etag_out=holder,
            allow_not_modified=True,
        )
        return ReferenceReply(data or None, holder.get("etag"))

    def crime(self, *, since: int) -> dict[str, Any]:
        """Recorded crime imported after ``since``: ``{"months": [...], "seq", "more"}``."""

        def parse(content: bytes) -> dict[str, Any]:
            body = json.loads(content)
            if (
                not isinstance(body, dict)
                or not isinstance(body.get("months"), list)
                or not isinstance(body.get("seq"), int)
            ):
                raise BadReply("recorded crime is not a months list with a sequence")
            try:
                for month in body["months"]:
                    crime_month_from_wire(month)
            except ValueError as exc:
                raise BadReply(f"recorded crime: {exc}") from None
            return body

        return self._call(
            "GET", "/v1/reference/crime", parse, params={"since": str(since)}, repeatable=True
        )

    def audit(self, events: Sequence[Mapping[str, Any]]) -> AuditReply:
        """Send audit events; repeated freely, because each event id is stored once."""
        body = {"events": list(events)}
        return self._call("POST", "/v1/audit", AuditReply.parse, body=body, repeatable=True)

    def attest(self, shown: Shown) -> AttestReply:
        """Show the server this laptop's head; repeated freely (a rollback is recorded once)."""
        body = {"head": shown.head.wire(), "hash_at_acknowledged": shown.hash_at_acknowledged}
        return self._call("POST", "/v1/sync/attest", AttestReply.parse, body=body, repeatable=True)

    def acknowledge(self, head: Head) -> Head:
        """Ask the server to acknowledge this head; repeated freely (the same head again).

        Raises:
            ServerRefused: status 409 when the server does not hold that audit event from this
                device, or the counter is behind what it pushed.
        """

        def parse(content: bytes) -> Head:
            return head_from(read(AcknowledgeResponse, content).acknowledged)

        return self._call("POST", "/v1/sync/acknowledge", parse, body=head.wire(), repeatable=True)

    def device_alerts(self, *, limit: int = 1000) -> list[DeviceAlert]:
        """Rolled-back laptops and audit gaps of users in a supervisor's districts, newest first.

        Raises:
            ServerRefused: status 403 when the user is not a supervisor, 404 from a server
                without the attestation extension.
        """

        params = {"limit": str(max(1, min(limit, 1000)))}
        return self._call(
            "GET", "/v1/device-alerts", parse_device_alerts, params=params, repeatable=True
        )

    def conflicts(self, *, limit: int = 1000) -> list[Conflict]:
        """The open conflicts in a supervisor's districts, oldest first (at most `limit`).

        Raises:
            ServerRefused: status 403 when the user is not a supervisor.
        """
        params = {"include_resolved": "false", "limit": str(max(1, min(limit, 1000)))}
        reply = self._call(
            "GET", "/v1/conflicts", ConflictsReply.parse, params=params, repeatable=True
        )
        return list(reply.conflicts)

    def resolve_conflict(self, conflict_id: int) -> bool:
        """Mark a conflict reviewed; repeated freely, because resolving twice changes nothing.

        Returns:
            True when the server marked it (or had already), False when it has no such conflict
            in the supervisor's districts (404).

        Raises:
            ValueError: `conflict_id` is not a conflict number (a positive integer).
            ServerRefused: status 403 when the user is not a supervisor.
        """
        if not _valid_conflict_id(conflict_id):
            raise ValueError("a conflict id is a positive integer")
        try:
            self._call(
                "POST",
                f"/v1/conflicts/{conflict_id}/resolve",
                lambda _b: None,
                repeatable=True,
                expect_json=False,
            )
        except ServerRefused as exc:
            if exc.status == 404:
                return False
            raise
        return True

    # Evidence files: chunked, resumable, each chunk checked by its SHA-256 ---------------------

    def file_start(self, digest: str, *, size: int) -> RemoteFile:
        """Start or resume an upload; the reply lists the chunks the server still lacks."""
        return self._call(
            "PUT", f"/v1/files/{digest}", RemoteFile.parse, body={"size": size}, repeatable=True
        )

    def file_put_chunk(
        self, digest: str, index: int, data: bytes, *, chunk_digest: str
    ) -> RemoteFile:
        """Send one chunk; repeated freely (the server keeps a chunk once)."""
        return self._call(
            "PUT",
            f"/v1/files/{digest}/chunks/{index}",
            RemoteFile.parse,
            raw=data,
            headers={"X-Chunk-SHA256": chunk_digest},
            repeatable=True,
        )

    def file_put_chunks(
        self, digest: str, first: int, chunks: Sequence[tuple[bytes, str]]
    ) -> RemoteFile:
        """Send consecutive chunks (each its bytes and SHA-256) from ``first`` in one request.

        Repeated freely: the server checks every chunk and keeps each once.
        """
        return self._call(
            "PUT",
            f"/v1/files/{digest}/chunks",
            RemoteFile.parse,
            params={"first": str(first)},
            raw=b"".join(data for data, _ in chunks),
            headers={"X-Chunk-SHA256": ",".join(d for _, d in chunks)},
            repeatable=True,
        )

    def file_chunks(
        self, digest: str, first: int, digests: Sequence[str], *, chunk_size: int
    ) -> list[bytes]:
        """Consecutive chunks of a file from ``first``, each checked against its SHA-256.

        Every chunk but the last of a reply is ``chunk_size`` bytes long; the last is the rest.

        Args:
            digest: the file's SHA-256.
            first: the first chunk's number.
            digests: each chunk's SHA-256, in order (from the file's state).
            chunk_size: the file's chunk size (from its state).
        """

        def parse(body: object) -> list[bytes]:
            full = chunk_size * (len(digests) - 1)
            if not isinstance(body, bytes) or (full > 0 and len(body) <= full):
                raise BadReply("chunks cut short")
            pieces = [body[i * chunk_size : (i + 1) * chunk_size] for i in range(len(digests) - 1)]
            pieces.append(body[full:])
            for piece, chunk_digest in zip(pieces, digests, strict=True):
                if hashlib.sha256(piece).hexdigest() != chunk_digest:
                    raise BadReply("a chunk does not match its SHA-256")
            return pieces

        return self._call(
            "GET",
            f"/v1/files/{digest}/chunks",
            parse,
            params={"first": str(first), "count": str(len(digests))},
            repeatable=True,
        )

    def file_state(self, digest: str) -> RemoteFile:
        """What the server holds of a file the user may see."""
        return self._call("GET", f"/v1/files/{digest}", RemoteFile.parse, repeatable=True)

    def file_chunk(self, digest: str, index: int, *, chunk_digest: str) -> bytes:
        """One chunk of a file, checked against its SHA-256 (a damaged one is fetched again)."""

        def parse(body: object) -> bytes:
            if not isinstance(body, bytes) or hashlib.sha256(body).hexdigest() != chunk_digest:
                raise BadReply("a chunk does not match its SHA-256")
            return body

        return self._call("GET", f"/v1/files/{digest}/chunks/{index}", parse, repeatable=True)

    # Anti-entropy: comparing what the laptop holds with what the server says it should -------

    def digest(self) -> DigestReply:
        """Per record type, how many records the user may see and a digest of their versions."""
        return self._call("GET", "/v1/sync/digest", DigestReply.parse, repeatable=True)

    def digest_buckets(self, record_type: str) -> BucketsReply:
        """Within one record type, the digest of each bucket."""
        return self._call(
            "GET",
            f"/v1/sync/digest/{quote(record_type, safe='')}",
            BucketsReply.parse,
            repeatable=True,
        )

    def digest_bucket(self, record_type: str, bucket: str) -> BucketReply:
        """The id and version digest of each record of one type in one bucket."""
        path = f"/v1/sync/digest/{quote(record_type, safe='')}/{quote(bucket, safe='')}"
        return self._call("GET", path, BucketReply.parse, repeatable=True)

    def fetch(self, items: Sequence[tuple[str, str]]) -> FetchReply:
        """Fetch records by (type, id) at their current state; repeated freely (it reads)."""
        body = {"records": [{"type": t, "id": i} for t, i in items]}
        return self._call("POST", "/v1/sync/fetch", FetchReply.parse, body=body, repeatable=True)

    # Information governance (the governance role only; others are refused with 403) ---------

    def retention_due(self, *, as_of: str | None = None) -> gov.DueList:
        """Records due for a retention decision on or before ``as_of`` (YYYY-MM-DD; today)."""
        params = {"as_of": as_of} if as_of else None
        return self._call(
            "GET", "/v1/governance/retention/due", gov.DueList.parse, params=params, repeatable=True
        )

    def retention_decide(self, decisions: Sequence[Mapping[str, Any]]) -> gov.Applied:
        """Apply retention decisions (type, id, decision, reason, review_on): all or none.

        Not repeated on a lost reply: an erased record cannot be decided on twice.
        """
        return self._call(
            "POST",
            "/v1/governance/retention/decisions",
            gov.Applied.parse,
            body={"decisions": list(decisions)},
            repeatable=False,
        )

    def agreements(self) -> list[gov.SharingAgreement]:
        """The partnership's information-sharing agreements (administrators only)."""
        return self._call("GET", "/v1/admin/agreements", gov.parse_agreements, repeatable=True)

    def rights_requests(self, *, open_only: bool = True) -> list[gov.RightsRequest]:
        """Data subjects' requests by deadline, earliest first."""
        params = {"open": "true" if open_only else "false"}
        return self._call(
            "GET", "/v1/governance/requests", gov.parse_requests, params=params, repeatable=True
        )

    def add_rights_request(
        self, *, kind: str, person_id: str, received: str, detail: str | None
    ) -> gov.RightsRequest:
        """Record a data subject's request (its text goes in the body, never the URL)."""
        body = {"kind": kind, "person_id": person_id, "received": received, "detail": detail}
        return self._call(
            "POST", "/v1/governance/requests", gov.RightsRequest.parse, body=body, repeatable=False
        )

    def extend_rights_request(self, request_id: str, *, reason: str) -> gov.RightsRequest:
        """Extend an open request by two months, once."""
        return self._request_action(request_id, "extend", {"reason": reason})

    def answer_rights_request(
        self, request_id: str, *, decision: str, restrict: bool = False
    ) -> gov.RightsRequest:
        """Record the answer; ``restrict`` grants a restriction of processing."""
        return self._request_action(
            request_id, "answer", {"decision": decision, "restrict": restrict}
        )

    def lift_rights_request(self, request_id: str) -> gov.RightsRequest:
        """Lift a restriction of processing."""
        return self._request_action(request_id, "lift", None)

    def _request_action(
        self, request_id: str, action: str, body: Mapping[str, Any] | None
    ) -> gov.RightsRequest:
        path = f"/v1/governance/requests/{quote(request_id, safe='')}/{action}"
        return self._call("POST", path, gov.RightsRequest.parse, body=body, repeatable=False)

    def server_subject_access(self, person_id: str) -> gov.ServerSubjectAccess:
        """A partnership-wide subject access export made by the server (PDF checked)."""
        return self._call(
            "POST",
            "/v1/governance/subject-access",
            gov.ServerSubjectAccess.parse,
            body={"person_id": person_id},
            repeatable=False,
        )

    # The one place a request is made -------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        repeatable: bool,
        auth: bool = True,
        expect_json: bool = True,
        etag_out: dict[str, str | None] | None = None,
        allow_not_modified: bool = False,
        raw: bytes | None = None,
    ) -> T:
        request_headers = dict(headers or {})
        payload: bytes | None = None
        if raw is not None:
            payload = raw
            request_headers["Content-Type"] = "application/octet-stream"
        if body is not None:
            raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            payload = gzip.compress(raw, compresslevel=6, mtime=0)
            request_headers["Content-Type"] = "application/json"
            request_headers["Content-Encoding"] = "gzip"
        if auth:
            if not self.token:
                raise TokenExpired("This laptop is not signed in to the sync server.")
            request_headers["Authorization"] = f"Bearer {self.token}"
        attempts = self.config.max_attempts if repeatable else 1
        timeout = (self.config.connect_timeout, self.config.read_timeout)
        failure: SyncError = ServerUnreachable("The sync server could not be reached.")
        for attempt in range(1, attempts + 1):
            retry_after: float | None = None
            self.stats.calls += 1
            try:
                response = self._session.request(
                    method,
                    self.base + path,
                    data=payload,
                    params=params,
                    headers=request_headers,
                    timeout=timeout,
                    allow_redirects=False,
                    stream=True,
                )
                try:
                    content = _read_capped(response, self.config.max_reply_bytes)
                finally:
                    response.close()
                self.stats.bytes_sent += len(payload or b"")
                self.stats.bytes_received += _wire_length(response, content)
            except requests.exceptions.SSLError:
                # Not retried: a certificate that cannot be verified will not verify next time.
                raise CertificateProblem(
                    "The sync server's certificate could not be verified, so nothing was sent "
                    "to it."
                ) from None
            except _NETWORK_ERRORS as exc:
                if _name_not_found(exc):
                    raise ServerNotFound(
                        f"No server called {urlsplit(self.base).hostname} could be found."
                    ) from None
                failure = ServerUnreachable("The connection to the sync server failed.")
            else:
                status = response.status_code
                if status == 304 and allow_not_modified:
                    if etag_out is not None:
                        etag_out["etag"] = response.headers.get("ETag")
                    return parse(b"{}")
                if 200 <= status < 300:
                    if not expect_json:
                        return parse(None)
                    try:
                        # JSON replies are read from the raw bytes by their wire models.
                        result = parse(content)
                    except (ValueError, BadReply):
                        # A reply cut short or damaged on the way: the call is repeated if safe.
                        failure = ServerUnreachable("The sync server's reply was damaged.")
                    else:
                        if etag_out is not None:
                            etag_out["etag"] = response.headers.get("ETag")
                        return result
                elif status == 429 or status >= 500:
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                    failure = _transient(status, response, retry_after)
                else:
                    raise _refusal(status, _problem(content))
            if attempt < attempts:
                self.stats.retries += 1
                self.config.sleep(self._backoff(attempt, retry_after))
        raise failure

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.config.retry_after_cap)
        ceiling = min(self.config.backoff_cap, self.config.backoff_base * 2 ** (attempt - 1))
        return self.config.rng.uniform(0, ceiling)


def _name_not_found(exc: BaseException) -> bool:
    """The connection failed because the server's name could not be looked up (DNS)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if type(item).__name__ == "NameResolutionError" or isinstance(item, socket.gaierror):
            return True
        pending.extend((item.__cause__, item.__context__, getattr(item, "reason", None)))
        pending.extend(item.args)
    return False


#: How much of a reply is read (and decompressed) at a time.
_READ_PIECE = 256 * 1024


def _read_capped(response: requests.Response, limit: int) -> bytes:
    """The reply's body, decompressed a piece at a time and refused once it passes ``limit``.

    urllib3 (2.6 and later) decompresses no more than it is asked for per read, so a reply of a
    few KB that would expand to gigabytes is stopped at ``limit``, never held whole.
    """
    pieces: list[bytes] = []
    size = 0
    for piece in response.iter_content(chunk_size=_READ_PIECE):
        size += len(piece)
        if size > limit:
            raise ReplyTooLarge(
                "The sync server's reply was larger than this laptop accepts, so it was not read."
            )
        pieces.append(piece)
    return b"".join(pieces)


def _wire_length(response: requests.Response, content: bytes) -> int:
    # urllib3 counts the bytes it read from the socket, before gzip decoding.
    try:
        return int(response.raw.tell()) or len(content)
    except (AttributeError, TypeError, ValueError):
        return len(content)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _problem(content: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(content)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _transient(status: int, response: requests.Response, retry_after: float | None) -> SyncError:
    if status == 429:
        wait = f" Wait {int(retry_after)} seconds." if retry_after is not None else ""
        return CredentialsRefused(
            "Too many attempts were made." + wait, next_step="Wait a while and try again."
        )
    del response
    return ServerUnreachable(f"The sync server had a problem (HTTP {status}).")


def _refusal(status: int, problem: Mapping[str, Any]) -> SyncError:
    code = problem.get("code")
    detail = str(problem.get("detail") or problem.get("title") or f"HTTP {status}")
    if status == 426 or code == "client_too_old":
        minimum = str(problem.get("min_client_version") or "a newer release")[:20]
        return ProtocolMismatch(
            f"The sync server is newer than this Fieldkit: it needs Fieldkit {minimum}.",
            next_step="Ask your IT team to update Fieldkit; your work is kept on this laptop.",
        )
    if code == "account_disabled":
        return AccountDisabled("Your account on the sync server has been disabled.")
    if status == 401:
        if code == "device_revoked":
            return DeviceRevoked(
                "This laptop's access to the sync server has been withdrawn.",
                wipe=bool(problem.get("wipe")),
            )
        if code == "login":
            return CredentialsRefused("The user name or password was not accepted.")
        return TokenExpired("This laptop's sign-in has expired or was signed out.")
    return ServerRefused(
        f"The sync server refused the request: {detail}", status=status, code=str(code or "")
    )


def _valid_conflict_id(value: object) -> bool:
    """A conflict number as the server issues them (1 to 2**62)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 2**62
