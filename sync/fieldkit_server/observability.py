"""Watching a running server: one log line and metrics per request, readiness, log formats.

What may appear in logs is deliberately narrow: the method, the route *template* (never the raw
path or its query string), the status, the duration and a short hash of the device id. Tokens,
user names, passwords and record content never reach a log line from here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request, Response
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fieldkit_server.db import alembic_config
from fieldkit_server.metrics import CONTENT_TYPE, ServerMetrics
from fieldkit_server.settings import LogFormat

#: The logger of the one-line-per-request log.
ACCESS_LOG = "fieldkit_server.access"
#: The route label of a request no route matched (a raw path would let clients mint labels).
UNMATCHED = "unmatched"
#: Where a request's observation travels in the ASGI scope (copies of the scope share it).
_SCOPE_KEY = "fieldkit.observation"

access_log = logging.getLogger(ACCESS_LOG)


def device_tag(device_id: str) -> str:
    """A short, stable stand-in for a device id in logs: enough to follow one laptop's requests."""
    return hashlib.sha256(device_id.encode()).hexdigest()[:12]


@dataclass
class Observation:
    """What the handlers learn about a request that its log line should say."""

    device: str | None = None
    route: str = UNMATCHED


def note_device(request: Request, device_id: str) -> None:
    """Mark the request as made by this device (logged as :func:`device_tag`, not the id)."""
    observation = request.scope.get(_SCOPE_KEY)
    if isinstance(observation, Observation):
        observation.device = device_tag(device_id)


class RouteRecorder:
    """ASGI middleware, innermost: notes the template of the route that served the request.

    The router writes the matched route into the scope it is given; only the innermost
    middleware shares that dict (the body middleware passes on a copy), so the template is
    carried out to :class:`RequestObserver` in the request's :class:`Observation`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            observation = scope.get(_SCOPE_KEY)
            path = getattr(scope.get("route"), "path", None)
            if isinstance(observation, Observation) and isinstance(path, str):
                observation.route = path


class RequestObserver:
    """ASGI middleware, outermost: times every request, counts it and logs one line for it.

    Args:
        app: the rest of the stack, with :class:`RouteRecorder` innermost.
        metrics: where to count.
    """

    def __init__(self, app: ASGIApp, *, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        observation = Observation()
        scope[_SCOPE_KEY] = observation
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception:
            status = 500  # the exception becomes a 500 in Starlette's outermost middleware
            raise
        finally:
            self._record(scope, status, time.perf_counter() - started, observation)

    def _record(self, scope: Scope, status: int, seconds: float, seen: Observation) -> None:
        method = str(scope["method"])
        route = seen.route
        code = str(status)
        self.metrics.requests.inc(method, route, code)
        self.metrics.latency.observe(seconds, method, route, code)
        if status >= 500:
            self.metrics.errors.inc(route, code)
        fields = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "device": seen.device,
        }
        access_log.info("request", extra={"http": fields})


def schema_head(engine: Engine) -> str | None:
    """The newest migration this server's code knows (what a ready database must be at)."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def unreadiness(engine: Engine, *, head: str | None) -> tuple[str, str] | None:
    """Why this process cannot serve sync yet, as ``(code, detail)``; None when it can.

    Args:
        engine: the database.
        head: the migration the schema must be at (:func:`schema_head`).
    """
    try:
        # Read alembic's table directly: its MigrationContext logs two lines per call, and a
        # probe every few seconds would bury the log.
        with engine.connect() as conn:
            revision = (
                conn.scalar(text("SELECT version_num FROM alembic_version"))
                if inspect(conn).has_table("alembic_version")
                else None
            )
    except SQLAlchemyError:
        return "database_unavailable", "the database does not answer"
    if revision != head:
        return "schema_not_current", "the schema is not at this server's version; run init"
    return None


def metrics_router(metrics: ServerMetrics) -> APIRouter:
    """``GET /metrics``: this process's metrics in Prometheus's text format.

    Unauthenticated, like most exporters: keep it off the public side of the proxy.
    """
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    def scrape() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    return router


# Log formats ------------------------------------------------------------------------------------


def _when(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and a request's fields if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _when(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            line.update(http)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class PlainText(logging.Formatter):
    """Lines for a person at a terminal; a request reads ``POST /v1/sync/push 200 12.3ms``."""

    def format(self, record: logging.LogRecord) -> str:
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            device = http.get("device") or "-"
            message = "{method} {route} {status} {duration_ms}ms".format(**http)
            message += f" device={device}"
        else:
            message = record.getMessage()
        text = f"{_when(record)} {record.levelname} {record.name}: {message}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def configure_logging(log_format: LogFormat, level: str = "info") -> None:
    """Send every log record (the server's and uvicorn's) to stderr in the chosen format.

    Called once per process by the ``serve`` command and by each worker's app factory; it
    replaces the root logger's handlers, so calling it again does not double the lines.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if log_format is LogFormat.JSON else PlainText())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        # uvicorn's own handlers, if it installed any, would print a second, unformatted line.
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # Never uvicorn's access line: it holds the client address and the query string. The
    # request line above replaces it.
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers.clear()
    uvicorn_access.propagate = False
