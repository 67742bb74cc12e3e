"""The laptop stops reading a reply that grows past its limit, compressed or not."""

from __future__ import annotations

import contextlib
import gzip
import sys
import threading
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from fieldkit.sync.protocol import Handshake, ReplyTooLarge, ServerUnreachable

if sys.version_info >= (3, 14):  # the standard library's own
    from compression import zstd
else:
    from backports import zstd

from fieldkit.sync.transport import Transport, TransportConfig

GOLDEN = Path(__file__).parent / "golden"
#: What a bomb expands to: far past the limit the tests set.
_EXPANDED = 64 * 1024 * 1024
_LIMIT = 1024 * 1024


@dataclass
class Reply:
    body: bytes = b""
    encoding: str | None = None
    served: int = 0


@pytest.fixture
def server() -> Iterator[tuple[str, Reply]]:
    reply = Reply()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reply.served += 1
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if reply.encoding:
                self.send_header("Content-Encoding", reply.encoding)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            # The laptop hangs up part way through a reply it refuses, as it should.
            with contextlib.suppress(OSError):
                self.wfile.write(reply.body)

        def log_message(self, *args: object) -> None:
            del args

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", reply
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _transport(url: str, limit: int = _LIMIT) -> Transport:
    transport = Transport(TransportConfig(server_url=url, max_attempts=3, max_reply_bytes=limit))
    transport.token = "fk_test"
    return transport


def _bomb(encoding: str) -> bytes:
    # A JSON object that opens and never seems to end: spaces compress to almost nothing.
    expanded = b'{"changes": [' + b" " * _EXPANDED
    if encoding == "gzip":
        return gzip.compress(expanded, 9)
    return bytes(zstd.compress(expanded, 19))


@pytest.mark.parametrize("encoding", ["gzip", "zstd"])
def test_a_compression_bomb_is_dropped_unread_without_expanding_it(
    server: tuple[str, Reply], encoding: str
) -> None:
    url, reply = server
    reply.body, reply.encoding = _bomb(encoding), encoding
    assert len(reply.body) < _EXPANDED // 100
    transport = _transport(url)
    tracemalloc.start()
    try:
        with pytest.raises(ReplyTooLarge) as caught:
            transport.handshake()
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        transport.close()
    # Held no more than the limit and a piece or two, never the 64 MB it would have become.
    assert peak < 4 * _LIMIT
    # Not repeated: a bomb is the same bomb the next time.
    assert reply.served == 1
    # The sync engine treats it as a failed connection: the laptop's work is kept.
    assert isinstance(caught.value, ServerUnreachable)
    assert "administrator" in caught.value.next_step


def test_a_plain_reply_past_the_limit_is_dropped_too(server: tuple[str, Reply]) -> None:
    url, reply = server
    reply.body = b" " * (2 * _LIMIT)
    transport = _transport(url)
    try:
        with pytest.raises(ReplyTooLarge):
            transport.handshake()
    finally:
        transport.close()


def test_a_reply_within_the_limit_is_read_whole(server: tuple[str, Reply]) -> None:
    url, reply = server
    # The golden handshake padded with whitespace to one byte under the limit, in zstd.
    handshake = (GOLDEN / "handshake_response.json").read_bytes()
    reply.body = bytes(zstd.compress(handshake + b" " * (_LIMIT - len(handshake) - 1)))
    reply.encoding = "zstd"
    transport = _transport(url)
    try:
        answer = transport.handshake()
    finally:
        transport.close()
    assert answer == Handshake.parse(handshake)
