"""How close an incremental pull of 100 is to what this machine allows a Python client and server.

Starts the sync server (``--workers 2``, PostgreSQL) and, beside it, a bare ASGI app under the
same uvicorn (``floor``) that answers every request with the bytes of a real incremental pull
of 100 captured from the server: no routing, no token, no database, nothing rendered. The same
client (the benchmark's `Device`: httpx, zstd, JSON) then takes turns, request by request:

- ``pull``: an officer pushes 100 visits, then the supervisor's laptop pulls them (what
  ``server_bench.py`` reports as the incremental pull of 100);
- ``floor``: the same request to the bare app, and the same decoding of the same bytes;

each straight after the push, and again after the machine has sat idle for ``--pause`` ms
(as a laptop's pull does in the field: pulls come every few seconds, not back to back).
What ``floor`` takes is the cost of HTTP and decoding on this box, which no change to the
server can remove; ``pull - floor`` is the server's whole part.

    PYTHONPATH=src:sync:bench .venv/bin/python bench/pull_floor_bench.py --rounds 31
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from server_bench import ENV, Device, _add_users, _decoded, _free_port, _postgres, _server

#: The bare app: one reply, read from the file FLOOR_BODY names, with its encoding.
_FLOOR_APP = """
import os
BODY = open(os.environ["FLOOR_BODY"], "rb").read()
HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-encoding", os.environ["FLOOR_ENCODING"].encode()),
    (b"content-length", str(len(BODY)).encode()),
]
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
"""


def _page(http: httpx.Client, cursor: str | None) -> tuple[bytes, str | None, int]:
    """One pull page as `Device.pull_all` asks for it: its raw bytes, encoding and records."""
    params: dict[str, Any] = {"limit": 5000, "form": Device.pull_form}
    if cursor:
        params["since"] = cursor
    with http.stream(
        "GET", "/v1/sync/pull", params=params, headers={"Accept-Encoding": "zstd, gzip"}
    ) as reply:
        reply.raise_for_status()
        body = b"".join(reply.iter_raw())
        coding = reply.headers.get("content-encoding")
    page = json.loads(_decoded(body, coding))
    return body, coding, len(page["records"])


@contextmanager
def _floor(body: bytes, coding: str | None, workers: int) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "floor_app.py").write_text(_FLOOR_APP)
        Path(folder, "body").write_bytes(body)
        port = _free_port()
        env = {**ENV, "FLOOR_BODY": str(Path(folder, "body")), "FLOOR_ENCODING": coding or ""}
        command = [sys.executable, "-m", "uvicorn", "floor_app:app", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
        proc = subprocess.Popen(command, cwd=folder, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(base + "/", timeout=5)
                    break
                except httpx.TransportError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the bare app did not start") from None
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5_000, help="in the database first")
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--pause", type=float, default=300, help="idle before a pull (ms)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", default=os.environ.get("FIELDKIT_TEST_PG_URL"))
    args = parser.parse_args()
    if not args.db:
        print("set FIELDKIT_TEST_PG_URL or pass --db", file=sys.stderr)
        return 2
    times: dict[str, list[float]] = {}
    with _postgres(args.db) as db:
        _add_users(db)
        with _server(db, args.workers) as (base, _pid):
            pushers = [Device(base, f"officer{n}") for n in range(10)]
            for n in range(args.records // 500):
                pushers[n % 10].push(500)
            reader, writer = Device(base, "sup"), pushers[0]
            reader.pull_all()
            writer.push(100)
            body, coding, got = _page(reader.http, reader.cursor)
            assert got == 100, got
            reader.pull_all()
            with (
                _floor(body, coding, args.workers) as floor_base,
                httpx.Client(base_url=floor_base, timeout=60) as floor,
            ):
                for n in range(args.rounds):
                    for pause in (0.0, args.pause / 1000):
                        # Who goes first alternates, so neither is favoured by the order.
                        for which in ("pull", "floor") if n % 2 else ("floor", "pull"):
                            writer.push(100)
                            time.sleep(pause)
                            started = time.perf_counter()
                            if which == "pull":
                                got, _wire = reader.pull_all()
                            else:
                                _body, _coding, got = _page(floor, None)
                            took = (time.perf_counter() - started) * 1000
                            assert got == 100, (which, got)
                            if which == "floor":
                                reader.pull_all()  # the 100 pushed for it, untimed
                            key = f"{which}, {'after a pause' if pause else 'straight after'}"
                            times.setdefault(key, []).append(took)
    load = os.getloadavg()
    print(
        f"{args.rounds} rounds, {args.records:,} records, --workers {args.workers}, "
        f"pause {args.pause:.0f} ms, load {load[0]:.1f}, {len(body):,} bytes ({coding})\n"
    )
    print("| request | p50 ms | p95 ms |")
    print("|---|---:|---:|")
    for key, values in times.items():
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"| {key} | {statistics.median(values):.2f} | {p95:.2f} |")
    print()
    for when in ("straight after", "after a pause"):
        pull = statistics.median(times[f"pull, {when}"])
        floor_ms = statistics.median(times[f"floor, {when}"])
        part = pull - floor_ms
        print(f"- {when}: the server's part {part:.2f} ms, pull/floor {pull / floor_ms:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
