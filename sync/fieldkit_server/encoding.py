"""Response compression negotiated per request: zstd for clients that ask, else gzip."""

from __future__ import annotations

import gzip
import sys

from starlette.responses import Response

if sys.version_info >= (3, 14):  # pragma: no cover - the standard library's own, from 3.14
    from compression import zstd
else:
    from backports import zstd

#: Below this a body goes out as it is (as the app's gzip middleware does).
MINIMUM_SIZE = 1000
#: Levels picked by measurement on full-pull pages of ~1 KB visits (bench/pull_wire_bench.py,
#: bench/results/notes-pullwire.md): zstd 3 is about 2.5 µs of CPU per record for fewer bytes
#: than gzip 9; gzip 5 is the level the middleware always used.
ZSTD_LEVEL = 3
GZIP_LEVEL = 5


def _weights(accept_encoding: str) -> dict[str, float]:
    """Each coding the client names, with its q-value (1 when not given; 0 refuses it)."""
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        weight = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[name] = weight
    return weights


def negotiate(accept_encoding: str | None) -> str | None:
    """The coding to send a body in: ``zstd`` if the client names it, else ``gzip`` if it
    accepts that, else None (as it is).

    Args:
        accept_encoding: the request's ``Accept-Encoding`` header, if any.
    """
    weights = _weights(accept_encoding or "")
    if weights.get("zstd", 0.0) > 0:
        return "zstd"
    # A client that accepts anything ("*") is sent gzip, which every HTTP client decodes.
    if weights.get("gzip", weights.get("*", 0.0)) > 0:
        return "gzip"
    return None


def compress(body: bytes, coding: str) -> bytes:
    """``body`` in ``coding`` (``zstd`` or ``gzip``), at the levels above."""
    if coding == "zstd":
        return zstd.compress(body, level=ZSTD_LEVEL)
    return gzip.compress(body, GZIP_LEVEL, mtime=0)


def json_response(body: bytes, accept_encoding: str | None) -> Response:
    """A JSON reply, compressed here for a client that accepts zstd or gzip.

    The endpoint runs in a worker thread, so the compression does too; the app's gzip
    middleware leaves a response that already names its ``Content-Encoding`` alone.

    Args:
        body: the JSON text.
        accept_encoding: the request's ``Accept-Encoding`` header, if any.
    """
    headers = {"Vary": "Accept-Encoding"}
    coding = negotiate(accept_encoding) if len(body) >= MINIMUM_SIZE else None
    if coding is not None:
        body = compress(body, coding)
        headers["Content-Encoding"] = coding
    return Response(body, media_type="application/json", headers=headers)
