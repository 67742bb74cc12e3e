"""Request bodies: size limits (413) and gzip-encoded bodies, before any handler sees them."""

from __future__ import annotations

import json
import zlib
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fieldkit_server.problems import PROBLEM_JSON


class RequestBodyMiddleware:
    """Refuse bodies over the limit and inflate ``Content-Encoding: gzip`` ones.

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
        new_headers = [
            (k, v)
            for k, v in scope["headers"]
            if k.lower() not in (b"content-encoding", b"content-length")
        ]
        new_headers.append((b"content-length", str(len(body)).encode()))
        scope = {**scope, "headers": new_headers}
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


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    payload: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    payload["detail"] = detail
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
