"""Benchmark the sync server on PostgreSQL and SQLite through a real server process.

Usage: .venv/bin/python bench/server_bench.py [--quick] [--pg-url URL] [--workers N]
       [--sqlite/--no-sqlite] [--profile DIR] [--out FILE]
       [--pull-encoding zstd|gzip] [--pull-form compact|full]

Measures, per database: pushing N ~1 KB records in batches of 500 from 10 concurrent devices;
a fresh device pulling everything; an incremental pull of 100 records (p50/p95); an empty pull
(nothing new, p50); 200 devices each doing a small push and pull (p95); compressed bytes on the
wire per record; and the server processes' CPU time per record pushed and pulled (user + system,
read from /proc, so that a slower machine tells the same story); and the benchmark client's own
CPU as a share of the full pull's wall time (it runs on the same cores). Pulls ask for zstd and
the compact form, as the laptop does, unless --pull-encoding gzip / --pull-form full (an older
laptop). Talks only to 127.0.0.1.
With --profile DIR the server runs under py-spy and its sampled stacks are written there
(bench/stacks.py summarises them). PostgreSQL comes from --pg-url or FIELDKIT_TEST_PG_URL (see
scripts/start-postgres); without one only SQLite runs. Writes bench/results/server.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fieldkit_server import accounts
from fieldkit_server.db import make_engine, migrate, run_in_transaction, session_factory
from fieldkit_server.security import Passwords

try:
    from compression import zstd  # type: ignore[import-not-found,unused-ignore]
except ImportError:
    from backports import zstd  # type: ignore[no-redef,unused-ignore]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "fieldkit-server"
PASSWORD = "bench password 1"  # noqa: S105 - a throwaway benchmark database
ENV = {
    **os.environ,
    # Logins are set-up here, not measured: cheap hashes keep 200 of them quick.
    "FIELDKIT_SERVER_ARGON2_TIME_COST": "1",
    "FIELDKIT_SERVER_ARGON2_MEMORY_KIB": "1024",
    "FIELDKIT_SERVER_LOGIN_MAX_FAILURES": "1000",
}
_PROSE = (
    "Patrol of the town centre. Two adults drinking outside the library were spoken to and "
    "reminded of the public spaces protection order; both were given a signposting leaflet "
    "for the alcohol service and moved on without further issue. Shop staff at the precinct "
    "reported repeat shoplifting by a group of youths between 15:00 and 16:00 on weekdays; "
    "descriptions taken and passed to the neighbourhood policing team. A resident on the "
    "high street raised noise from a flat above the takeaway late at night; advised to keep "
    "a diary and given the council's noise line. Follow-up visit planned for next week. "
)
NARRATIVE = _PROSE.split()


def narrative() -> str:
    """About 800 characters of shuffled patrol prose, so that compression is not flattered."""
    words = random.sample(NARRATIVE, len(NARRATIVE))
    return " ".join(words)[:800]


@dataclass
class Result:
    database: str
    records: int
    push_rate: float
    pull_rate: float
    incremental_p50_ms: float
    incremental_p95_ms: float
    empty_p50_ms: float
    empty_server_cpu_ms: float
    small_sync_p95_ms: float
    push_cpu_us: float
    pull_cpu_us: float
    push_bytes_per_record: float
    pull_bytes_per_record: float
    pull_client_share: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's workers), from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo += [int(c) for c in task.read_text().split()]
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a server process and its workers so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for each in _tree(pid):
        try:
            stat = Path(f"/proc/{each}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


@contextmanager
def _server(db: str, workers: int, profile: Path | None = None) -> Iterator[tuple[str, int]]:
    port = _free_port()
    args = ["serve", "--db", db, "--host", "127.0.0.1", "--port", str(port)]
    args += ["--log-level", "warning", "--workers", str(workers)]
    command = [str(BIN), *args]
    if profile is not None:
        out = profile / f"server-{'pg' if db.startswith('postgresql') else 'sqlite'}.txt"
        spy = Path(sys.executable).parent / "py-spy"
        command = [str(spy), "record", "--subprocesses", "--format", "raw", "--rate", "200"]
        command += ["--output", str(out), "--", str(BIN), *args]
    proc = subprocess.Popen(command, env=ENV)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError("server exited")
            try:
                if httpx.get(base + "/v1/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        yield base, proc.pid
    finally:
        if profile is not None:
            # py-spy writes its stacks when the server it runs exits: stop the server itself,
            # and if py-spy misses the exit, interrupt it (it writes on SIGINT too).
            for child in _tree(proc.pid)[1:2]:
                os.kill(child, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGINT)
        else:
            proc.terminate()
        proc.wait(timeout=120)


@contextmanager
def _postgres(url: str) -> Iterator[str]:
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # BENCH_PG_OPTIONS: more server settings for the bench's connections (e.g. to try a
    # planner setting), as PGOPTIONS would give them (the schema's option replaces that).
    options = f"-csearch_path={schema} {os.environ.get('BENCH_PG_OPTIONS', '')}".strip()
    scoped = make_url(url).update_query_dict({"options": options})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _decoded(body: bytes, coding: str | None) -> bytes:
    if coding == "zstd":
        return zstd.decompress(body)
    if coding == "gzip":
        return gzip.decompress(body)
    return body


class Device:
    """One laptop: a signed-in HTTP client with its own clock."""

    #: How the benchmark's laptops ask for pull pages: in zstd (as the laptop does when urllib3
    #: can decode it) or gzip only (older laptops), in the compact form or the full one.
    pull_encoding = "zstd"
    pull_form = "compact"

    def __init__(self, base: str, username: str, district: str = "huddersfield") -> None:
        self.district = district
        self.username = username
        self.http = httpx.Client(base_url=base, timeout=300, headers={"Accept-Encoding": "gzip"})
        reply = self.http.post(
            "/v1/auth/login",
            json={"username": username, "password": PASSWORD, "device_name": "bench"},
        )
        reply.raise_for_status()
        self.id = reply.json()["device_id"]
        self.http.headers["Authorization"] = "Bearer " + reply.json()["token"]
        self.counter = 0
        self.cursor: str | None = None
        self.sent_bytes = 0

    def hlc(self) -> str:
        self.counter += 1
        return f"{int(time.time() * 1000):015d}:{self.counter % 10000:04d}:{self.id}"

    def visit(self) -> dict[str, Any]:
        return {
            "change_id": str(uuid.uuid4()),
            "type": "visit",
            "id": str(uuid.uuid4()),
            "op": "upsert",
            "hlc": self.hlc(),
            "fields": {
                "occurred_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "district": self.district,
                "kind": "patrol",
                "categories": ["street_drinking", "shoplifting"],
                "narrative": narrative(),
                # The server refuses a visit that names anyone but the officer who pushes it.
                "officer_id": self.username,
                "actions": ["leaflet given", "moved on"],
            },
            "base": {},
        }

    def push(self, count: int) -> None:
        body = gzip.compress(
            json.dumps({"changes": [self.visit() for _ in range(count)]}).encode(), 6
        )
        self.sent_bytes += len(body)
        reply = self.http.post(
            "/v1/sync/push",
            content=body,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
        reply.raise_for_status()
        statuses = {r["status"] for r in reply.json()["results"]}
        assert statuses == {"applied"}, reply.text[:500]

    def pull_all(self, limit: int = 5000) -> tuple[int, int]:
        """Pull to the head; returns records and compressed bytes received."""
        records = wire = 0
        while True:
            params: dict[str, Any] = {"limit": limit}
            if self.cursor:
                params["since"] = self.cursor
            params["form"] = self.pull_form
            accept = "zstd, gzip" if self.pull_encoding == "zstd" else "gzip"
            # The bytes as sent, decoded here: httpx decodes zstd only with another package.
            with self.http.stream(
                "GET", "/v1/sync/pull", params=params, headers={"Accept-Encoding": accept}
            ) as reply:
                reply.raise_for_status()
                body = b"".join(reply.iter_raw())
            wire += len(body)
            page = json.loads(_decoded(body, reply.headers.get("content-encoding")))
            records += len(page["records"])
            self.cursor = page["next"]
            if not page["more"]:
                return records, wire


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _add_users(db: str) -> None:
    """Officers who push, rural officers for the small devices, and a supervisor who pulls."""
    engine = make_engine(db)
    migrate(engine)
    passwords = Passwords(time_cost=1, memory_kib=1024)
    people = [(f"officer{n}", "officer", "huddersfield") for n in range(10)]
    # The small devices work in another district, so that catching up first is quick.
    people += [(f"rural{n}", "officer", "rural") for n in range(10)]
    people += [("sup", "supervisor", "huddersfield")]
    now = datetime.now(UTC)
    for username, role, district in people:
        run_in_transaction(
            session_factory(engine),
            lambda s, u=username, r=role, d=district: accounts.add_user(
                s,
                username=u,
                password=PASSWORD,
                role=r,
                agency="council",
                districts=[d],
                safeguarding=False,
                display_name=None,
                passwords=passwords,
                now=now,
            ),
        )
    engine.dispose()


def run(
    database: str,
    db: str,
    *,
    total: int,
    small_devices: int,
    workers: int,
    profile: Path | None = None,
) -> Result:
    _add_users(db)
    with _server(db, workers, profile) as (base, pid):
        pushers = [Device(base, f"officer{n}") for n in range(10)]
        batches = total // 500 // len(pushers)

        def push_all(device: Device) -> None:
            for _ in range(batches):
                device.push(500)

        started, cpu = time.perf_counter(), cpu_seconds(pid)
        with ThreadPoolExecutor(len(pushers)) as pool:
            list(pool.map(push_all, pushers))
        pushed = batches * 500 * len(pushers)
        push_rate = pushed / (time.perf_counter() - started)
        push_cpu = (cpu_seconds(pid) - cpu) / pushed
        push_bytes = sum(d.sent_bytes for d in pushers) / pushed
        print(f"  {database}: pushed {pushed} at {push_rate:,.0f}/s", file=sys.stderr)

        rates, wire_per_record, pull_cpus, client_shares = [], [], [], []
        for _ in range(3):
            fresh = Device(base, "sup")
            started, cpu = time.perf_counter(), cpu_seconds(pid)
            client = time.process_time()
            got, wire = fresh.pull_all()
            wall = time.perf_counter() - started
            # The benchmark's own client (HTTP, decoding, JSON) shares the server's two cores.
            client_shares.append((time.process_time() - client) / wall)
            rates.append(got / wall)
            pull_cpus.append((cpu_seconds(pid) - cpu) / got)
            wire_per_record.append(wire / got)
            assert got == pushed, (got, pushed)
        print(f"  {database}: full pull {statistics.median(rates):,.0f}/s", file=sys.stderr)

        reader, writer = Device(base, "sup"), pushers[0]
        reader.pull_all()
        incremental = []
        for _ in range(21):
            writer.push(100)
            started = time.perf_counter()
            got, _wire = reader.pull_all()
            incremental.append((time.perf_counter() - started) * 1000)
            assert got == 100, got
        empty = []
        empty_cpu = cpu_seconds(pid)
        for _ in range(51):
            started = time.perf_counter()
            got, _wire = reader.pull_all()
            empty.append((time.perf_counter() - started) * 1000)
            assert got == 0, got
        # The server's own CPU per empty pull: what the client and the loopback add is not in it.
        empty_cpu_ms = (cpu_seconds(pid) - empty_cpu) / len(empty) * 1000

        small = [Device(base, f"rural{n % 10}", "rural") for n in range(small_devices)]
        for device in small:
            device.pull_all()

        def small_sync(device: Device) -> float:
            started = time.perf_counter()
            device.push(5)
            device.pull_all()
            return (time.perf_counter() - started) * 1000

        with ThreadPoolExecutor(20) as pool:
            small_times = list(pool.map(small_sync, small))
    return Result(
        database=database,
        records=pushed,
        push_rate=push_rate,
        pull_rate=statistics.median(rates),
        incremental_p50_ms=_percentile(incremental, 0.5),
        incremental_p95_ms=_percentile(incremental, 0.95),
        empty_p50_ms=_percentile(empty, 0.5),
        empty_server_cpu_ms=empty_cpu_ms,
        small_sync_p95_ms=_percentile(small_times, 0.95),
        push_cpu_us=push_cpu * 1e6,
        pull_cpu_us=statistics.median(pull_cpus) * 1e6,
        push_bytes_per_record=push_bytes,
        pull_bytes_per_record=statistics.median(wire_per_record),
        pull_client_share=statistics.median(client_shares),
    )


def table(results: list[Result], *, quick: bool) -> str:
    lines = [
        "| database | records | push rec/s (10 devices, batches of 500) | fresh full pull rec/s "
        "| incremental pull of 100 p50 / p95 | empty pull p50 (server CPU) "
        "| 200 devices push 5 + pull, p95 "
        f"| bytes/record pushed (gzip) | bytes/record pulled ({Device.pull_encoding}, "
        f"{Device.pull_form}) | server CPU per record pushed / pulled "
        "| client CPU / wall time of the full pull |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.database} | {r.records:,} | {r.push_rate:,.0f} | {r.pull_rate:,.0f} "
            f"| {r.incremental_p50_ms:.1f} ms / {r.incremental_p95_ms:.1f} ms "
            f"| {r.empty_p50_ms:.1f} ms ({r.empty_server_cpu_ms:.1f} ms) "
            f"| {r.small_sync_p95_ms:.0f} ms | {r.push_bytes_per_record:.0f} "
            f"| {r.pull_bytes_per_record:.0f} | {r.push_cpu_us:.0f} µs / {r.pull_cpu_us:.0f} µs "
            f"| {r.pull_client_share:.0%} |"
        )
    return "\n".join(lines) + "\n"


def add_pull_options(parser: argparse.ArgumentParser) -> None:
    """``--pull-encoding`` and ``--pull-form``: how the benchmark's laptops ask for pages."""
    parser.add_argument(
        "--pull-encoding", choices=["zstd", "gzip"], default="zstd", help="default zstd"
    )
    parser.add_argument(
        "--pull-form", choices=["compact", "full"], default="compact", help="default compact"
    )


def use_pull_options(args: argparse.Namespace) -> None:
    Device.pull_encoding = args.pull_encoding
    Device.pull_form = args.pull_form


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 records, 50 small devices")
    parser.add_argument("--pg-url", default=os.environ.get("FIELDKIT_TEST_PG_URL"))
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--records", type=int, help="records to push (default 100,000)")
    parser.add_argument(
        "--sqlite", action=argparse.BooleanOptionalAction, default=True, help="also run SQLite"
    )
    parser.add_argument("--profile", type=Path, help="run the server under py-spy; stacks here")
    parser.add_argument("--out", type=Path, help="write the table here, not to results/server.md")
    add_pull_options(parser)
    args = parser.parse_args()
    use_pull_options(args)
    total, small = (10_000, 50) if args.quick else (100_000, 200)
    total = args.records or total
    options = {"total": total, "small_devices": small, "workers": args.workers}
    results = []
    if args.pg_url:
        with _postgres(args.pg_url) as db:
            results.append(run("PostgreSQL 15", db, **options, profile=args.profile))
    else:
        print("no PostgreSQL URL: SQLite only", file=sys.stderr)
    if args.sqlite:
        with tempfile.TemporaryDirectory() as folder:
            db = f"sqlite:///{folder}/bench.sqlite3"
            results.append(run("SQLite (embedded)", db, **options, profile=args.profile))
    out = table(results, quick=args.quick)
    print(out)
    if args.out is not None:
        args.out.write_text(f"workers {args.workers}, {total:,} records\n\n" + out)
    elif not args.quick:
        machine = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        (ROOT / "bench" / "results" / "server.md").write_text(
            "# Sync server benchmark\n\n"
            f"`bench/server_bench.py` on {machine}: `fieldkit-server serve --workers "
            f"{args.workers}`, the database and the clients all on the same machine (127.0.0.1). "
            "The machine is shared with other work, so treat the numbers as indicative. "
            "Full pull is the median of three fresh devices; latencies are over 21 incremental "
            "pulls and over the small devices (20 at a time).\n\n" + out
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
