"""The HTTP endpoints of protocol 2026-11-27: thin handlers over the account and sync services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from fieldkit import __version__
from fieldkit.domain.attestation import ATTESTATION_VERSION
from fieldkit.domain.digest import BUCKET_WIDTH
from fieldkit.domain.records import RecordSpec, RecordType, record_spec
from fieldkit.wire.records import GazetteerResponse
from fieldkit_server import (
    accounts,
    anti_entropy,
    attestation,
    audit,
    conflicts,
    crime,
    encoding,
    gazetteer,
    observability,
    pull,
    push,
    reference,
)
from fieldkit_server.accounts import Authenticated, AuthFailure, LoginLimits, LoginOutcome
from fieldkit_server.audit import AuditAction, ClientEvent
from fieldkit_server.bodies import ParsedJsonRoute
from fieldkit_server.clock import server_hlc
from fieldkit_server.context import ServerContext
from fieldkit_server.db import is_postgres, run_autocommit, run_in_transaction
from fieldkit_server.metrics import ServerMetrics
from fieldkit_server.models import SyncClock
from fieldkit_server.problems import Problem
from fieldkit_server.push.body import PushRequestBody, push_body
from fieldkit_server.schemas import (
    AuditRequest,
    AuditResponse,
    BucketResponse,
    BucketsResponse,
    ConflictsResponse,
    DigestResponse,
    FetchRequest,
    FetchResponse,
    HandshakeResponse,
    HealthResponse,
    LoginRequest,
    LoginResponse,
    PullResponse,
    PushResponse,
)
from fieldkit_server.schemas import Problem as ProblemOut
from fieldkit_server.settings import PROTOCOL

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", route_class=ParsedJsonRoute)

T = TypeVar("T")

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemOut, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 413, 422, 429)
}


# Dependencies that only read the request are coroutines: a plain ``def`` one is run in the
# thread pool, a thread hop per dependency per request.
async def get_context(request: Request) -> ServerContext:
    context = request.app.state.context
    assert isinstance(context, ServerContext)
    return context


Context = Annotated[ServerContext, Depends(get_context)]


async def get_metrics(request: Request) -> ServerMetrics:
    metrics = request.app.state.metrics
    assert isinstance(metrics, ServerMetrics)
    return metrics


Metrics = Annotated[ServerMetrics, Depends(get_metrics)]


def _unauthorised(detail: str) -> Problem:
    return Problem(
        401, "Not signed in", detail, code="unauthorized", headers={"WWW-Authenticate": "Bearer"}
    )


def _release(text: str) -> tuple[int, ...]:
    return tuple(int("".join(c for c in part if c.isdigit()) or 0) for part in text.split("."))


def _too_old(agent: str, context: ServerContext) -> bool:
    """Whether a User-Agent names a Fieldkit laptop older than the configured minimum."""
    if not agent.startswith("fieldkit/"):
        return False
    release = agent[len("fieldkit/") :].split(" ", 1)[0]
    return _release(release) < _release(context.settings.min_client_version)


def refuse_old_client(request: Request, context: ServerContext) -> None:
    """Refuse a Fieldkit laptop older than the configured minimum, saying to update.

    The laptop names its release in its User-Agent (``fieldkit/0.1.0 (protocol ...)``); other
    clients (monitoring, curl) are not laptops and are not checked here.
    """
    if _too_old(request.headers.get("user-agent", ""), context):
        minimum = context.settings.min_client_version
        raise Problem(
            426,
            "Update Fieldkit",
            f"This server needs Fieldkit {minimum} or later. Ask your IT team to update "
            "Fieldkit on this laptop; your work is kept on it until then.",
            code="client_too_old",
            extra={"min_client_version": minimum},
        )


_BEARER = HTTPBearer(auto_error=False, description="The token from POST /v1/auth/login")


async def bearer_token(
    request: Request,
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> str:
    """The request's bearer token, checked for shape only (and the laptop's release)."""
    refuse_old_client(request, context)
    token = credentials.credentials if credentials else ""
    if not token.strip() or len(token) > 200:
        raise _unauthorised("send Authorization: Bearer <token>")
    return token.strip()


BearerToken = Annotated[str, Depends(bearer_token)]


def current_device(request: Request, context: Context, token: BearerToken) -> Authenticated:
    """The user and device behind the request's bearer token, looked up in its own transaction."""
    now = context.clock()
    return run_in_transaction(
        context.sessions, lambda s: signed_in(s, request=request, token=token, now=now)
    )


def signed_in(
    db: Session | Connection,
    *,
    request: Request,
    token: str,
    now: datetime,
    with_clock: bool = False,
) -> Authenticated:
    """The user and device behind a bearer token, looked up in the caller's transaction.

    The sync endpoints call this first thing in their own transaction, so that a pull or push
    costs one transaction, not a lookup's and then the work's.

    Args:
        db: the transaction (or, for a pull's first look, an autocommit connection).
        request: the request, noted as the device's.
        token: the bearer token.
        now: server time.
        with_clock: also read the sync clock in the same statement.

    Raises:
        Problem: 401, the token is unknown, expired or signed out, or its device revoked.
    """
    found = accounts.authenticate(db, token=token, now=now, with_clock=with_clock)
    if found is AuthFailure.DEVICE_REVOKED:
        raise Problem(
            401,
            "Device revoked",
            "this device's access has been withdrawn; wipe its data",
            code="device_revoked",
            extra={"wipe": True},
        )
    if not isinstance(found, Authenticated):
        raise _unauthorised("the token is unknown, expired or signed out")
    observability.note_device(request, found.device_id)
    return found


CurrentDevice = Annotated[Authenticated, Depends(current_device)]


@router.get("/health", response_model=HealthResponse, responses={503: _PROBLEMS[401]})
def health(context: Context) -> Any:
    """Whether this process can reach its database."""
    try:
        with context.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise Problem(503, "Database unavailable", code="database_unavailable") from None
    return {"status": "ok", "database": "ok", "protocol": PROTOCOL, "version": __version__}


@router.get("/ready", response_model=HealthResponse, responses={503: _PROBLEMS[401]})
def ready(request: Request, context: Context) -> Any:
    """Whether this process should get traffic: the database answers and its schema is current.

    ``/v1/health`` only says the process is alive; a load balancer or orchestrator should route
    to a process only once this answers 200.
    """
    reason = observability.unreadiness(context.engine, head=request.app.state.schema_head)
    if reason is not None:
        code, detail = reason
        raise Problem(503, "Not ready", detail, code=code)
    return {"status": "ok", "database": "ok", "protocol": PROTOCOL, "version": __version__}


@router.post("/auth/login", response_model=LoginResponse, responses=_PROBLEMS)
def login(body: LoginRequest, request: Request, context: Context, metrics: Metrics) -> Any:
    """Sign in from a laptop: registers the device (or signs it in again) with a fresh token."""
    refuse_old_client(request, context)
    settings, now = context.settings, context.clock()
    limits = LoginLimits(
        max_failures_per_user=settings.login_max_failures,
        max_failures_per_client=settings.login_max_failures_per_client,
        window=timedelta(seconds=settings.login_window_seconds),
        token_ttl=timedelta(seconds=settings.token_ttl_seconds),
    )
    client = request.client.host if request.client else "unknown"

    def work(session: Session) -> accounts.LoginResult:
        result = accounts.login(
            session,
            username=body.username,
            password=body.password,
            device_name=body.device_name,
            device_id=body.device_id,
            client=client,
            limits=limits,
            passwords=context.passwords,
            now=now,
        )
        if result.outcome is LoginOutcome.OK and result.user is not None:
            audit.append(
                session,
                [
                    audit.server_event(
                        at=now,
                        action=AuditAction.LOGIN,
                        user_id=result.user.id,
                        device_id=result.device_id,
                    )
                ],
            )
        return result

    result = run_in_transaction(context.sessions, work)
    if result.device_id is not None:
        observability.note_device(request, result.device_id)
    if result.outcome is not LoginOutcome.OK:
        metrics.login_failures.inc(result.outcome.value)
    if result.outcome is LoginOutcome.RATE_LIMITED:
        raise Problem(
            429,
            "Too many failed sign-ins",
            "wait before trying again",
            code="rate_limited",
            headers={"Retry-After": str(result.retry_after_seconds)},
        )
    if result.outcome is LoginOutcome.DEVICE_REVOKED:
        raise Problem(
            401,
            "Device revoked",
            "this device's access has been withdrawn; wipe its data",
            code="device_revoked",
            extra={"wipe": True},
        )
    if result.outcome is LoginOutcome.DISABLED:
        raise Problem(
            401,
            "Account disabled",
            "an administrator has disabled this account",
            code="account_disabled",
        )
    if result.outcome is not LoginOutcome.OK or result.user is None:
        raise Problem(401, "Sign-in failed", "unknown user name or wrong password", code="login")
    assert result.expires_at is not None
    return {
        "token": result.token,
        "device_id": result.device_id,
        "user": result.user.wire(),
        "last_device_seq": result.last_device_seq,
        "expires_at": result.expires_at.isoformat(),
    }


@router.post("/auth/logout", status_code=204, responses=_PROBLEMS)
def logout(auth: CurrentDevice, context: Context) -> Response:
    """Revoke the token the request was made with."""
    now = context.clock()

    def work(session: Session) -> None:
        accounts.logout(session, hashed_token=auth.token_hash, now=now)
        event = audit.server_event(
            at=now, action=AuditAction.LOGOUT, user_id=auth.user.id, device_id=auth.device_id
        )
        audit.append(session, [event])

    run_in_transaction(context.sessions, work)
    return Response(status_code=204)


@router.get("/handshake", response_model=HandshakeResponse, responses=_PROBLEMS)
def handshake(auth: CurrentDevice, context: Context) -> Any:
    """What a laptop checks before syncing: protocol, server time and clock, its own last push."""
    now = context.clock()

    def top(session: Session) -> str:
        return str(session.scalar(select(SyncClock.max_hlc)) or "")

    # The attestation extension: what this laptop must show it extends (see attestation.py).
    acknowledged, acknowledged_at = run_in_transaction(
        context.sessions, lambda s: attestation.acknowledged_head(s, auth.device_id)
    )
    return {
        "protocol": PROTOCOL,
        "server_time": now.isoformat(),
        "server_hlc": server_hlc(now, run_in_transaction(context.sessions, top)),
        "last_device_seq": auth.last_device_seq,
        "min_client_version": context.settings.min_client_version,
        "device_id": auth.device_id,
        "user": auth.user.wire(),
        "attestation": {
            "version": ATTESTATION_VERSION,
            "acknowledged": acknowledged.wire(),
            "acknowledged_at": acknowledged_at.isoformat() if acknowledged_at else None,
        },
        "max_file_bytes": context.settings.max_file_bytes,
    }


def _too_many(what: str, limit: int) -> Problem:
    return Problem(
        413, "Too many items", f"send at most {limit} {what} per request", code="too_many"
    )


def _incoming(changes: list[push.IncomingChange]) -> list[push.IncomingChange]:
    """The changes, with field names checked against their record type (422 if unknown)."""
    errors: list[dict[str, Any]] = []
    out: list[push.IncomingChange] = []
    specs: dict[RecordType, RecordSpec] = {}
    for position, change in enumerate(changes):
        spec = specs.get(change.type) or specs.setdefault(change.type, record_spec(change.type))
        by_name = spec.by_name
        for part, names in (("fields", change.fields), ("base", change.base)):
            if by_name.keys() >= names.keys():
                continue
            for name in names:
                if name not in by_name:
                    location = ["body", "changes", str(position), part, name]
                    errors.append({"location": location, "reason": "unknown field"})
        # A deletion's fields are checked for names like any change's, then set aside.
        out.append(change if change.op is push.Op.UPSERT else replace(change, fields={}))
    if errors:
        raise Problem(
            422,
            "Invalid request",
            "unknown fields for the record type",
            code="unknown_field",
            extra={"errors": errors[:50]},
        )
    return out


@router.post("/sync/push", response_model=PushResponse, responses=_PROBLEMS)
def push_changes(
    body: PushRequestBody, request: Request, token: BearerToken, context: Context, metrics: Metrics
) -> Any:
    """Apply a batch of changes: each applies once; the batch commits as one transaction."""
    settings = context.settings
    now = context.clock()
    pushed = push_body(body)
    attempts = 0

    def work(session: Session) -> tuple[Authenticated, push.PushOutcome]:
        nonlocal attempts
        attempts += 1
        # The token is looked up in the push's own transaction: one transaction per push.
        auth = signed_in(session, request=request, token=token, now=now)
        if len(pushed.changes) > settings.max_changes:
            raise _too_many("changes", settings.max_changes)
        outcome = push.push_changes(
            session,
            writer=push.Writer(auth.principal, auth.device_id, auth.user.username),
            changes=_incoming(pushed.changes),
            device_seq=pushed.device_seq,
            now=now,
            hlc_tolerance_millis=settings.hlc_tolerance_millis,
            # A small push commits with its last writes; run again, it goes the ordinary way.
            may_commit=attempts == 1,
        )
        return auth, outcome

    auth, outcome = run_in_transaction(context.sessions, work)
    changes = pushed.changes
    for status in push.ChangeStatus:
        counted = sum(1 for r in outcome.results if r.status is status)
        if counted:
            metrics.changes_pushed.inc(status.value, amount=counted)
    refused = sum(1 for r in outcome.results if r.status is push.ChangeStatus.REJECTED)
    if refused:
        log.info("push from device %s: %d of %d refused", auth.device_id, refused, len(changes))
    return JSONResponse(
        {"results": [r.wire() for r in outcome.results], "server_hlc": outcome.server_hlc}
    )


def serve_pull(
    context: ServerContext,
    *,
    request: Request,
    token: str,
    cursor: pull.Cursor | None,
    limit: int,
) -> pull.PullPage:
    """One page of a pull for a bearer token (the work of ``GET /v1/sync/pull``).

    Raises:
        Problem: 401, the token is unknown, expired or signed out, or its device revoked.
    """
    page, _ = answer_pull(
        context, request=request, token=token, cursor=cursor, limit=limit, answer=None
    )
    return page


def answer_pull(
    context: ServerContext,
    *,
    request: Request,
    token: str,
    cursor: pull.Cursor | None,
    limit: int,
    answer: Callable[[pull.PullPage], T] | None,
) -> tuple[pull.PullPage, T | None]:
    """``serve_pull``, and ``answer(page)`` (the reply: the page rendered and compressed).

    For a device close behind the clock the answer is worked out while the page's writes
    commit (``pull.catch_up_now``); otherwise once they have. Either way it is given only
    once they are committed. None for the answer only when ``answer`` is None.

    Raises:
        Problem: 401, the token is unknown, expired or signed out, or its device revoked.
    """
    now = context.clock()
    limit = min(limit, context.settings.max_pull_limit)
    postgres = is_postgres(context.engine)

    def reader(auth: Authenticated) -> pull.Reader:
        mark = pull.PullMark(auth.last_cursor, auth.last_pull_at)
        return pull.Reader(auth.principal, auth.device_id, mark)

    looked: Authenticated | None = None
    page: pull.PullPage | None = None
    if cursor is not None and postgres:
        # First a look without a transaction: the token and the clock in one statement (one
        # snapshot, one round trip). A device with nothing new is answered from it alone; one
        # close behind the clock by one read and one write, each its own transaction, on the
        # same connection (``pull.catch_up_now``). Any other pull takes a transaction below.
        at = cursor

        def look(
            conn: Connection,
        ) -> tuple[Authenticated, pull.PullPage | None, Future[T] | None]:
            auth = signed_in(conn, request=request, token=token, now=now, with_clock=True)
            assert auth.clock is not None
            found = pull.unchanged_page(reader=reader(auth), since=at, clock=auth.clock, now=now)
            if found is not None:
                return auth, found, None
            caught_up = pull.catch_up_now(
                conn,
                reader=reader(auth),
                since=at,
                limit=limit,
                now=now,
                seen=auth.clock.last_seq,
                answer=answer,
            )
            if caught_up is None:
                return auth, None, None
            return auth, caught_up[0], caught_up[1]

        looked, page, answering = run_autocommit(context.engine, look)
        if answering is not None:
            assert page is not None
            return page, answering.result()

    def work(session: Session) -> pull.PullPage:
        # The clock and the records are read in this one snapshot. On SQLite (one transaction
        # at a time) the token comes with the clock in one statement; on PostgreSQL a pull
        # from the beginning looks its token up here, and any other already did above.
        auth = looked or signed_in(
            session, request=request, token=token, now=now, with_clock=not postgres
        )
        return pull.pull_page(
            session,
            reader=reader(auth),
            since=cursor,
            limit=limit,
            now=now,
            clock=auth.clock if looked is None else None,
            # The look's clock: a device close behind it is served by one read.
            seen=looked.clock.last_seq if looked is not None and looked.clock else None,
        )

    if page is None:
        page = run_in_transaction(context.sessions, work, isolation="REPEATABLE READ")
    return page, None if answer is None else answer(page)


@router.get("/sync/pull", response_model=PullResponse, responses=_PROBLEMS)
def pull_records(
    request: Request,
    token: BearerToken,
    context: Context,
    metrics: Metrics,
    since: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    form: Annotated[
        Literal["full", "compact"],
        Query(
            description="compact: each record's stamp once, as `hlc`, and an empty string in "
            "`versions` for every field whose version is that stamp (see docs/sync-protocol.md). "
            "full (the default): every field's version in full, as before."
        ),
    ] = "full",
) -> Any:
    """A page of the records the user may see, in commit order, after ``since``.

    Sent in zstd to a client that names it in ``Accept-Encoding``, else in gzip if it accepts
    that; compressed here, in the endpoint's worker thread.
    """
    try:
        cursor = pull.Cursor.decode(since) if since is not None else None
    except pull.BadCursor:
        raise Problem(
            400, "Bad cursor", "send a cursor this server issued", code="bad_cursor"
        ) from None

    def reply(page: pull.PullPage) -> Response:
        return encoding.json_response(
            page.render(compact=form == "compact"), request.headers.get("accept-encoding")
        )

    page, response = answer_pull(
        context, request=request, token=token, cursor=cursor, limit=limit, answer=reply
    )
    metrics.records_pulled.inc(amount=len(page.records))
    metrics.purges.inc(amount=len(page.purge))
    return response


@router.get("/reference", responses={**_PROBLEMS, 304: {"description": "Not modified"}})
def get_reference(
    auth: CurrentDevice,
    context: Context,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Districts, categories, schemes, letter templates, services and users' names."""
    body, etag = reference.render_with_etag(
        run_in_transaction(context.sessions, reference.reference_data)
    )
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/gazetteer",
    response_model=GazetteerResponse,
    responses={**_PROBLEMS, 304: {"description": "Not modified"}},
)
def get_gazetteer(
    auth: CurrentDevice,
    context: Context,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=gazetteer.MAX_PAGE)] = gazetteer.DEFAULT_PAGE,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The address gazetteer's changes after version ``since``: compact arrays, oldest first."""
    page = run_in_transaction(
        context.sessions,
        lambda s: gazetteer.changes_after(s, since=since, limit=limit),
        isolation="REPEATABLE READ",
    )
    etag = page.etag()
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(page.render(), media_type="application/json", headers=headers)


def _with_etag(body: bytes, etag: str, if_none_match: str | None) -> Response:
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get("/reference/boundaries", responses={**_PROBLEMS, 304: {"description": "Not modified"}})
def get_boundaries(
    auth: CurrentDevice,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """District and ward outlines (GeoJSON FeatureCollection, WGS84), with an ETag."""
    body, etag = reference.boundaries_with_etag()
    return _with_etag(body, etag, if_none_match)


@router.get("/reference/crime", responses=_PROBLEMS)
def get_crime(
    auth: CurrentDevice,
    context: Context,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> Response:
    """Recorded crime imported after ``since``: whole months, counted by crime type and point."""
    data = run_in_transaction(context.sessions, lambda s: crime.crime_since(s, since=since))
    return Response(reference.render_with_etag(data)[0], media_type="application/json")


@router.post("/audit", response_model=AuditResponse, responses=_PROBLEMS)
def post_audit(body: AuditRequest, auth: CurrentDevice, context: Context) -> Any:
    """Store audit events a laptop logged (views, prints, exports); each event id once."""
    if len(body.events) > context.settings.max_changes:
        raise _too_many("events", context.settings.max_changes)
    events = [
        ClientEvent(
            event_id=e.event_id,
            at=e.at,
            actor=e.actor,
            action=AuditAction(e.action),
            record_type=e.record_type.value if e.record_type else None,
            record_id=e.record_id,
            reason=e.reason,
            recipient=e.recipient,
        )
        for e in body.events
    ]
    now = context.clock()
    # Numbered events (attestation 2026-12-06) also record their chain position, so that a gap
    # or a rewritten log shows; unnumbered events from older laptops are stored as before.
    links = [
        attestation.ChainLink(e.event_id, e.chain.position, e.chain.prev_hash, e.chain.hash)
        for e in body.events
        if e.chain is not None
    ]

    def work(session: Session) -> tuple[int, int]:
        counts = audit.store_client_events(
            session, events=events, user_id=auth.user.id, device_id=auth.device_id, now=now
        )
        attestation.note_chain(
            session, user_id=auth.user.id, device_id=auth.device_id, links=links, now=now
        )
        return counts

    stored, duplicates = run_in_transaction(context.sessions, work)
    return {"stored": stored, "duplicates": duplicates}


@router.get("/conflicts", response_model=ConflictsResponse, responses=_PROBLEMS)
def get_conflicts(
    auth: CurrentDevice,
    context: Context,
    include_resolved: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Any:
    """Conflicts on records in a supervisor's districts, for review."""
    try:
        found = run_in_transaction(
            context.sessions,
            lambda s: conflicts.list_conflicts(
                s, principal=auth.principal, include_resolved=include_resolved, limit=limit
            ),
        )
    except conflicts.NotReviewer as exc:
        raise Problem(403, "Forbidden", str(exc), code="forbidden") from None
    return {"conflicts": found}


@router.post("/conflicts/{conflict_id}/resolve", status_code=204, responses=_PROBLEMS)
def resolve_conflict(
    conflict_id: Annotated[int, Path(ge=1, le=2**62)],
    auth: CurrentDevice,
    context: Context,
) -> Response:
    """Mark a conflict reviewed; any correction is pushed as an ordinary change."""
    now = context.clock()
    try:
        done = run_in_transaction(
            context.sessions,
            lambda s: conflicts.resolve_conflict(
                s,
                principal=auth.principal,
                device_id=auth.device_id,
                conflict_id=conflict_id,
                now=now,
            ),
        )
    except conflicts.NotReviewer as exc:
        raise Problem(403, "Forbidden", str(exc), code="forbidden") from None
    if not done:
        raise Problem(404, "Not found", "no such conflict in your districts", code="not_found")
    return Response(status_code=204)


# Anti-entropy: digests of what the user may see, drill-down by bucket, and fetch by id -------

_BUCKET = Annotated[str, Path(pattern=r"^[0-9a-f]{2}$")]


@router.get("/sync/digest", response_model=DigestResponse, responses=_PROBLEMS)
def sync_digest(auth: CurrentDevice, context: Context) -> Any:
    """Per record type, how many records the user may see and a digest of their versions."""
    found = run_in_transaction(
        context.sessions, lambda s: anti_entropy.type_digests(s, principal=auth.principal)
    )
    return {"types": found, "bucket_width": BUCKET_WIDTH}


@router.get("/sync/digest/{record_type}", response_model=BucketsResponse, responses=_PROBLEMS)
def sync_digest_buckets(record_type: RecordType, auth: CurrentDevice, context: Context) -> Any:
    """Within one record type, the digest of each bucket (the leading hex digits of ids)."""
    found = run_in_transaction(
        context.sessions,
        lambda s: anti_entropy.bucket_digests(
            s, principal=auth.principal, record_type=record_type.value
        ),
    )
    return {"type": record_type.value, "buckets": found}


@router.get(
    "/sync/digest/{record_type}/{bucket}", response_model=BucketResponse, responses=_PROBLEMS
)
def sync_digest_bucket(
    record_type: RecordType, bucket: _BUCKET, auth: CurrentDevice, context: Context
) -> Any:
    """The id and version digest of each record of one type in one bucket."""
    found = run_in_transaction(
        context.sessions,
        lambda s: anti_entropy.bucket_records(
            s, principal=auth.principal, record_type=record_type.value, bucket=bucket
        ),
    )
    return {"type": record_type.value, "bucket": bucket, "records": found}


@router.post("/sync/fetch", response_model=FetchResponse, responses=_PROBLEMS)
def sync_fetch(body: FetchRequest, auth: CurrentDevice, context: Context) -> Any:
    """Named records the user may see, at their current state, in the pull's shape."""
    if len(body.records) > context.settings.max_changes:
        raise _too_many("records", context.settings.max_changes)
    reader = pull.Reader(auth.principal, auth.device_id)
    items = [(r.type.value, r.id) for r in body.records]
    now = context.clock()
    fetched = run_in_transaction(
        context.sessions,
        lambda s: anti_entropy.fetch_records(s, reader=reader, items=items, now=now),
    )
    return Response(fetched.render(), media_type="application/json")


#: Where ``PullRoute.matches`` leaves what it read from the request, for its ``handle``.
_PULL_ASKED = "fieldkit.pull"
_PULL_PATH = "/v1/sync/pull"


class PullRoute(BaseRoute):
    """``GET /v1/sync/pull`` served without the framework's per-request work, when the request
    is well formed: no dependency resolution, one hop to the thread pool.

    A pull is most of a server's requests (every laptop asks every few seconds), and for one
    that has nothing new the framework's dependency resolution cost more than the pull. This
    route takes a request only when it can see, from the path, query string and headers, that
    ``pull_records`` would serve it (a bearer token of the right shape, a cursor this server
    issues, a limit in range, a laptop new enough); any other request falls through to
    ``pull_records``, which answers it (and its errors) exactly as before. Added first to the
    app's routes by ``create_app``; it is not in the OpenAPI document (``pull_records`` is).
    """

    path = _PULL_PATH
    path_format = _PULL_PATH

    def __init__(self, context: ServerContext, metrics: ServerMetrics) -> None:
        self.context = context
        self.metrics = metrics

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "GET":
            return Match.NONE, {}
        if scope["path"] != _PULL_PATH or scope.get("root_path"):
            return Match.NONE, {}  # (mounted under a prefix: the framework's route serves it)
        asked = self._asked(scope)
        if asked is None:
            return Match.NONE, {}
        return Match.FULL, {"route": self, _PULL_ASKED: asked}

    def _asked(self, scope: Scope) -> tuple[str, pull.Cursor | None, int, bool] | None:
        """The token, cursor, limit and form (compact or not) of a request ``pull_records``
        would serve; else None."""
        since: str | None = None
        limit = 1000
        compact = False
        query = scope.get("query_string", b"")
        if query:
            seen: set[str] = set()
            for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
                if key in seen:
                    return None
                seen.add(key)
                if key == "since":
                    since = value
                elif key == "limit" and value.isascii() and value.isdigit():
                    limit = int(value)
                    if not 1 <= limit <= 5000:
                        return None
                elif key == "form" and value in ("full", "compact"):
                    compact = value == "compact"
                else:
                    return None
        cursor: pull.Cursor | None = None
        if since is not None:
            if len(since) > 200:
                return None
            try:
                cursor = pull.Cursor.decode(since)
            except pull.BadCursor:
                return None
        authorization: bytes | None = None
        agent = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                if authorization is not None:
                    return None
                authorization = value
            elif name == b"user-agent":
                agent = value
        if authorization is None:
            return None
        scheme, _, token = authorization.decode("latin-1").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > 200:
            return None
        if _too_old(agent.decode("latin-1"), self.context):
            return None
        return token, cursor, limit, compact

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        token, cursor, limit, compact = scope[_PULL_ASKED]
        request = Request(scope, receive)
        context, metrics = self.context, self.metrics

        def reply(page: pull.PullPage) -> Response:
            # Rendered and compressed off the event loop, as ``pull_records`` does.
            return encoding.json_response(
                page.render(compact=compact), request.headers.get("accept-encoding")
            )

        def answer() -> Response:
            page, response = answer_pull(
                context, request=request, token=token, cursor=cursor, limit=limit, answer=reply
            )
            metrics.records_pulled.inc(amount=len(page.records))
            metrics.purges.inc(amount=len(page.purge))
            assert response is not None
            return response

        response = await run_in_threadpool(answer)
        await response(scope, receive, send)
