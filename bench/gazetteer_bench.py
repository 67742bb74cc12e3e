"""Gazetteer benchmarks: 200,000 addresses imported, synced to a laptop, searched as typed.

Run: ``.venv/bin/python bench/gazetteer_bench.py`` with ``FIELDKIT_TEST_PG_URL`` set (the
server's database is a fresh PostgreSQL schema; without it, a SQLite file). Steps:

1. the synthetic gazetteer (demo/addresses.py, flats included) written as a CSV;
2. ``fieldkit-server gazetteer import`` of it, timed as the administrator runs it (target 30 s),
   then a re-import with 1% of the addresses changed and 0.5% gone;
3. a real server process and a new laptop vault (SQLCipher): the first sync, which brings
   every address and builds the search index (target 20 s);
4. search as you type: each of 60 addresses typed a character at a time, with a typo, through
   `GazetteerService.search` (what the place picker and ``fieldkit gazetteer search`` call);
   p95 of every keystroke's search (target 50 ms).

The machine is shared: the load average and CPU times are reported beside the wall times.
Writes bench/results/gazetteer.md.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fieldkit.demo.addresses import synthetic_addresses, write_gazetteer_csv
from fieldkit.services.gazetteer import GazetteerService
from fieldkit.services.sync_engine import SyncEngine
from fieldkit.store.vault import Vault
from fieldkit.sync.transport import Transport, TransportConfig

PASSPHRASE = os.environ.get("FIELDKIT_BENCH_PASSPHRASE", "correct horse battery staple")
PASSWORD = "bench password only"  # noqa: S105 - a throwaway local account
RESULTS = Path(__file__).parent / "results" / "gazetteer.md"
BIN = Path(sys.executable).parent / "fieldkit-server"
ENV = {
    **os.environ,
    "FIELDKIT_SERVER_ARGON2_TIME_COST": "1",
    "FIELDKIT_SERVER_ARGON2_MEMORY_KIB": "64",
}
TARGETS = {"import": 30.0, "sync": 20.0, "search_p95_ms": 50.0}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


#: The PostgreSQL schemas this run made, dropped when it ends.
_SCHEMAS: list[str] = []


def _drop_schemas() -> None:
    base = os.environ.get("FIELDKIT_TEST_PG_URL")
    if not base or not _SCHEMAS:
        return
    admin = create_engine(base)
    with admin.begin() as conn:
        for schema in _SCHEMAS:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _database(folder: Path) -> str:
    base = os.environ.get("FIELDKIT_TEST_PG_URL")
    if not base:
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / 'server.sqlite3'}"
    schema = "bench_" + uuid.uuid4().hex[:12]
    _SCHEMAS.append(schema)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return (
        make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


def _admin(db: str, *args: str, stdin: str = "") -> tuple[float, float, str]:
    """Run a fieldkit-server command; its wall and CPU seconds, and what it printed."""
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(
        [str(BIN), *args, "--db", db], input=stdin, env=ENV, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"fieldkit-server {args[0]} failed: {done.stderr[-2000:]}")
    return wall, _children_cpu() - cpu, done.stdout.strip()


def _process_cpu(pid: int) -> float:
    """A running process's CPU seconds so far (user and system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(db: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db,
         "--log-level", "warning"],
        env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(url + "/v1/health", timeout=1) as reply:  # noqa: S310 - loopback
                if reply.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def _typed_with_typo(rng: random.Random, address: str) -> str:
    """The address as an officer types it (no commas, lower case), two letters swapped."""
    typed = " ".join(address.replace(",", " ").split()).lower()
    letters = [i for i in range(1, len(typed) - 1) if typed[i].isalpha() and typed[i + 1].isalpha()]
    if letters:
        i = rng.choice(letters)
        typed = typed[:i] + typed[i + 1] + typed[i] + typed[i + 2 :]
    return typed


def _runs(pairs: list[tuple[float, float]]) -> str:
    return ", ".join(f"{w:.1f} s ({c:.1f} s CPU)" for w, c in pairs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--addresses", type=int, default=200_000)
    parser.add_argument("--typed", type=int, default=60, help="addresses typed for the search")
    parser.add_argument("--runs", type=int, default=3, help="imports and first syncs (median)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="fk-gazetteer-bench-"))
    csv_path = folder / "gazetteer.csv"
    entries = itertools.islice(
        synthetic_addresses(houses_per_street=800, flats_every=3), args.addresses
    )
    count = write_gazetteer_csv(csv_path, entries)
    # Each run imports into a fresh database; the last one is kept for the rest.
    imports: list[tuple[float, float]] = []
    for _run in range(args.runs):
        db = _database(folder / f"run{_run}")
        _admin(db, "init")
        wall, cpu_s, first = _admin(db, "gazetteer", "import", str(csv_path))
        imports.append((wall, cpu_s))
    import_wall = statistics.median(w for w, _c in imports)
    import_cpu = statistics.median(c for _w, c in imports)

    # A re-import: 1% of addresses renamed, 0.5% gone.
    rng = random.Random(16)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    for row in rng.sample(body, len(body) // 100):
        row[1] = row[1].replace(",", " Court,", 1)
    kept = [r for i, r in enumerate(body) if i % 200 != 7]
    again = folder / "gazetteer-2.csv"
    with again.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *kept])
    reimport_wall, reimport_cpu, second = _admin(db, "gazetteer", "import", str(again))
    # Back to the first file, so the laptop's first sync fetches the full 200,000.
    _admin(db, "gazetteer", "import", str(csv_path))

    _admin(
        db, "user", "add", "--username", "bench.officer", "--role", "officer", "--agency",
        "council", "--district", "huddersfield", "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    server, url = _serve(db)
    syncs: list[tuple[float, float, float]] = []
    try:
        for run in range(args.runs):
            vault = Vault.create(
                folder / f"laptop{run}", username="bench.officer", passphrase=PASSPHRASE
            )
            transport = Transport(TransportConfig(server_url=url, read_timeout=120))
            engine = SyncEngine(
                vault, transport, password=lambda: PASSWORD, device_name=f"bench laptop {run}"
            )
            cpu, served, start = time.process_time(), _process_cpu(server.pid), time.perf_counter()
            report = engine.run()
            syncs.append(
                (
                    time.perf_counter() - start,
                    time.process_time() - cpu,
                    _process_cpu(server.pid) - served,
                )
            )
            wire = transport.stats
            transport.close()
            if report.outcome != "ok":
                raise SystemExit(f"sync failed: {report.message}")
            if run < args.runs - 1:
                vault.lock()
    finally:
        server.terminate()
        server.wait(timeout=30)
    sync_wall = statistics.median(s[0] for s in syncs)
    sync_cpu = statistics.median(s[1] for s in syncs)
    server_cpu = statistics.median(s[2] for s in syncs)
    load_mid = os.getloadavg()

    service = GazetteerService(vault)
    held = service.held()
    targets = rng.sample(body, args.typed)
    first_call_start = time.perf_counter()
    service.search("k")  # the first call reads the index's vocabulary (once per version)
    first_call = time.perf_counter() - first_call_start
    times: list[float] = []
    found_top3 = 0
    cpu = time.process_time()
    for row in targets:
        typed = _typed_with_typo(rng, row[1])
        result: list[str] = []
        for end in range(1, len(typed) + 1):
            start = time.perf_counter()
            result = [e.uprn for e in service.search(typed[:end], limit=8)]
            times.append(time.perf_counter() - start)
        found_top3 += row[0] in result[:3]
    search_cpu = time.process_time() - cpu
    vault.lock()
    load_after = os.getloadavg()
    ms = sorted(t * 1000 for t in times)
    p50 = statistics.median(ms)
    p95 = ms[int(len(ms) * 0.95) - 1]

    def ok(value: float, target: float) -> str:
        return "meets" if value <= target else "MISSES"

    backend = "PostgreSQL" if db.startswith("postgresql") else "SQLite"
    lines = [
        "# Gazetteer benchmark",
        "",
        f"`bench/gazetteer_bench.py`, {count:,} synthetic addresses (demo/addresses.py with "
        f"flats), server on {backend}, laptop vault on SQLCipher; {os.cpu_count()} cores shared "
        "with other work.",
        "",
        f"Load average (1, 5, 15 min): before {load_before[0]:.2f}, {load_before[1]:.2f}, "
        f"{load_before[2]:.2f}; after the sync {load_mid[0]:.2f}; after the search "
        f"{load_after[0]:.2f}.",
        "",
        "| step | wall | CPU | target | |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| server import, {count:,} addresses (`fieldkit-server gazetteer import`, whole "
        f"command; median of {len(imports)}) | {import_wall:.1f} s | {import_cpu:.1f} s "
        f"(command; PostgreSQL's own not counted) | {TARGETS['import']:.0f} s | "
        f"{ok(import_wall, TARGETS['import'])} |",
        f"| re-import, 1% changed and 0.5% gone | {reimport_wall:.1f} s | {reimport_cpu:.1f} s "
        "| | |",
        f"| first sync to a new laptop (all {held[0]:,} addresses, index built; median of "
        f"{len(syncs)}) | {sync_wall:.1f} s | {sync_cpu:.1f} s laptop + {server_cpu:.1f} s "
        f"server | {TARGETS['sync']:.0f} s | "
        f"{ok(sync_wall, TARGETS['sync'])} |",
        f"| search as you type, p95 of {len(ms):,} keystrokes | {p95:.1f} ms | "
        f"{search_cpu / len(ms) * 1000:.1f} ms each | {TARGETS['search_p95_ms']:.0f} ms | "
        f"{ok(p95, TARGETS['search_p95_ms'])} |",
        "",
        f"- Import output: `{first}`; re-import: `{second}`.",
        f"- Each run, wall and CPU: imports {_runs(imports)}; first syncs "
        f"{_runs([(w, c + sc) for w, c, sc in syncs])} (laptop and server CPU together).",
        f"- First sync moved {wire.bytes_received / 1e6:.1f} MB over the wire (gzip) in "
        f"{wire.calls} calls; the sync reported {report.gazetteer_changes:,} gazetteer changes.",
        f"- Search: median {p50:.1f} ms, p95 {p95:.1f} ms, slowest {ms[-1]:.1f} ms; the first "
        f"search after unlock (reads the index's words for typo correction) {first_call * 1000:.0f}"
        " ms.",
        f"- The whole address typed (two letters swapped) found it in the top 3 for "
        f"{found_top3} of {len(targets)}.",
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    finally:
        _drop_schemas()
