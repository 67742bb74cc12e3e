"""Request bodies: size limits (413), gzip, and JSON the server can read, before any handler."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fieldkit_server.problems import PROBLEM_JSON

#: No request of the protocol nests deeper than a handful of levels (a push is
#: body → changes → change → fields → list); past this a body is an attack on the parser.
MAX_JSON_DEPTH = 32


#: Where the middleware leaves the body it parsed, for ``ParsedJsonRoute`` (parsed once).
PARSED_JSON = "fieldkit.parsed_json"


def json_body_problem(body: bytes) -> str | None:
    """What makes a JSON request body unreadable, in words fit for the client; None if readable.

    Checked here so that every such body gets one clear 400, whatever the reason: bytes that are
    not UTF-8, text that is not JSON, nesting deep enough to exhaust the parser, or an integer
    with more digits than Python will convert. The reason never quotes the body.

    Args:
        body: the request body as received (after any gzip inflation).

    Returns:
        A sentence saying what is wrong, or None.
    """
    return read_json_body(body)[1]


def read_json_body(body: bytes) -> tuple[Any, str | None]:
    """A JSON request body parsed, or what makes it unreadable (see ``json_body_problem``).

    Returns:
        The document and None; or None and a sentence saying what is wrong.
    """
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the request body is not UTF-8 text"
    try:
        document = json.loads(body)
    except json.JSONDecodeError:
        return None, "the request body is not valid JSON"
    except RecursionError:
        return None, f"the request body is nested more than {MAX_JSON_DEPTH} levels deep"
    except ValueError:  # Python's limit on the digits of an integer (CVE-2020-10735)
        return None, "the request body holds a number with too many digits"
    if _depth_over(document, MAX_JSON_DEPTH):
        return None, f"the request body is nested more than {MAX_JSON_DEPTH} levels deep"
    return document, None


def _depth_over(document: object, limit: int) -> bool:
    """Whether a parsed JSON document nests deeper than ``limit`` (without recursing)."""
    level: list[object] = [document]
    for _ in range(limit):
        level = [
            child
            for node in level
            if isinstance(node, dict | list)
            for child in (node.values() if isinstance(node, dict) else node)
        ]
        if not level:
            return False
    return any(isinstance(node, dict | list) for node in level)


def _is_json(headers: dict[bytes, bytes]) -> bool:
    """Whether the framework will read the body as JSON (no content type, or a JSON one)."""
    content_type = headers.get(b"content-type")
    if content_type is None:
        return True
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


class RequestBodyMiddleware:
    """Refuse bodies over the limit, inflate ``Content-Encoding: gzip`` ones, and refuse JSON
    bodies the server cannot read (400 ``bad_json``).

    The limit applies to the bytes sent and to the inflated body, so a small gzip bomb is
    refused as surely as a large upload.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope["headers"]}
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _problem(send, 413, "Request body too large", self._limit_text())
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await _problem(send, 413, "Request body too large", self._limit_text())
                return
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding == b"gzip":
            try:
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                inflated = inflater.decompress(bytes(body), self.max_bytes + 1)
            except zlib.error:
                await _problem(send, 400, "Bad gzip body", "the body is not valid gzip data")
                return
            if len(inflated) > self.max_bytes or inflater.unconsumed_tail:
                await _problem(send, 413, "Request body too large", self._limit_text())
                return
            if not inflater.eof:
                await _problem(send, 400, "Bad gzip body", "the gzip data is truncated")
                return
            body = bytearray(inflated)
        elif encoding not in (b"identity", b""):
            await _problem(send, 415, "Unsupported content encoding", "send gzip or identity")
            return
        parsed: dict[str, Any] = {}
        if body and _is_json(headers):
            document, problem = read_json_body(bytes(body))
            if problem is not None:
                await _problem(send, 400, "Malformed JSON", problem, code="bad_json")
                return
            # Handed on so that the route reads the body without parsing it a second time.
            parsed[PARSED_JSON] = document
        new_headers = [
            (k, v)
            for k, v in scope["headers"]
            if k.lower() not in (b"content-encoding", b"content-length")
        ]
        new_headers.append((b"content-length", str(len(body)).encode()))
        scope = {**scope, "headers": new_headers, **parsed}
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    def _limit_text(self) -> str:
        return f"the body is larger than {self.max_bytes} bytes"


async def _problem(
    send: Send, status: int, title: str, detail: str, *, code: str | None = None
) -> None:
    payload: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    payload["detail"] = detail
    if code is not None:
        payload["code"] = code
    data = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class ParsedJsonRoute(APIRoute):
    """A route that takes the JSON body ``RequestBodyMiddleware`` already parsed.

    The middleware must parse every JSON body to refuse unreadable ones with a clear 400; without
    this the framework parsed it again (a push of 500 changes is about 0.5 MB of JSON).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            if PARSED_JSON in request.scope:
                # Starlette's own cache of ``Request.json()``, filled from the one parse.
                request._json = request.scope[PARSED_JSON]
            return await handler(request)

        return handle
