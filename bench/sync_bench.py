"""Sync benchmark: a fresh laptop's first sync of 100,000 records, incremental syncs, wire bytes.

Run: .venv/bin/python bench/sync_bench.py [--records 100000] [--runs 1] [--out FILE.md]
     [--no-baseline]

A real `fieldkit-server serve` process on 127.0.0.1 (SQLite, the embedded default) is seeded by
one laptop pushing the records through the engine; then fresh encrypted vaults do their first
sync (median of ``--runs``), and two laptops make 100 changes each and sync (median of 5).
Bytes are bodies as they cross the wire (gzip both ways), counted by the transport.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

PASSPHRASE = "benchmark passphrase, not a secret"  # noqa: S105
PASSWORD = "benchmark password"  # noqa: S105
WORDS = [
    *("group drinking outside library moved on advice given bus station shelter damaged",),
    *("litter fly tipping rear alley noise complaint residents reported youths gathering",),
    *("evening warning issued leaflet signposted service referral follow up next week",),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _visit(rng: random.Random, n: int) -> dict[str, object]:
    return {
        "occurred_at": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:15:00+00:00",
        "district": "huddersfield",
        "kind": "patrol",
        "categories": ["street_drinking"],
        "narrative": " ".join(
            rng.choice(" ".join(WORDS).split()) for _ in range(rng.randint(30, 70))
        ),
        "officer_id": "amy",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("bench/results/sync.md"))
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also sync a fresh vault with memory security on (the setting before issue 17)",
    )
    args = parser.parse_args()

    from bench_kdf import BENCH_KDF
    from fieldkit.services.records import RecordService
    from fieldkit.services.sync_engine import SyncEngine, SyncOutcome
    from fieldkit.services.transfer import import_records
    from fieldkit.store.records import NewRecord
    from fieldkit.store.vault import Vault
    from fieldkit.sync.transport import Transport, TransportConfig

    work = Path(tempfile.mkdtemp(prefix="fieldkit-sync-bench-"))
    env = {
        **os.environ,
        "FIELDKIT_SERVER_ARGON2_TIME_COST": "1",
        "FIELDKIT_SERVER_ARGON2_MEMORY_KIB": "64",
    }
    bin_dir = Path(sys.executable).parent
    db = f"sqlite:///{work / 'server.sqlite3'}"
    subprocess.run([str(bin_dir / "fieldkit-server"), "init", "--db", db], env=env, check=True)
    subprocess.run(
        [str(bin_dir / "fieldkit-server"), "user", "add", "--username", "amy", "--role",
         "officer", "--agency", "council", "--district", "huddersfield", "--password-stdin",
         "--db", db],
        input=PASSWORD, text=True, env=env, check=True, capture_output=True,
    )  # fmt: skip
    port = _free_port()
    server = subprocess.Popen(
        [str(bin_dir / "fieldkit-server"), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", db, "--log-level", "warning"],
        env=env, cwd=work,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(url + "/v1/health", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)

    def laptop(name: str, *, memory_security: bool = False) -> tuple[Vault, SyncEngine, Transport]:
        vault = Vault.create(
            work / name, username="amy", passphrase=PASSPHRASE, kdf=BENCH_KDF,
            memory_security=memory_security,
        )  # fmt: skip
        transport = Transport(TransportConfig(server_url=url))
        engine = SyncEngine(vault, transport, password=lambda: PASSWORD, device_name=name)
        return vault, engine, transport

    def timed_sync(engine: SyncEngine) -> float:
        started = time.perf_counter()
        report = engine.run()
        elapsed = time.perf_counter() - started
        assert report.outcome is SyncOutcome.OK, report.message
        return elapsed

    rows: list[tuple[str, str, str]] = []
    try:
        rng = random.Random(7)
        seed_vault, seed_engine, seed_transport = laptop("seed")
        import_records(
            seed_vault, (NewRecord("visit", _visit(rng, n)) for n in range(args.records))
        )
        seconds = timed_sync(seed_engine)
        up_per_record = seed_transport.stats.bytes_sent / args.records
        rows.append(
            (
                f"seed: push {args.records:,} records (and pull them back)",
                f"{seconds:.1f} s",
                "—",
            )
        )

        firsts, down_per_record, laptop_cpu, server_cpu = [], [], [], []
        for run in range(args.runs):
            vault, engine, transport = laptop(f"fresh-{run}")
            cpu, served = time.process_time(), _server_cpu(server.pid)
            firsts.append(timed_sync(engine))
            laptop_cpu.append(time.process_time() - cpu)
            server_cpu.append(_server_cpu(server.pid) - served)
            down_per_record.append(transport.stats.bytes_received / args.records)
            vault.lock()
            shutil.rmtree(work / f"fresh-{run}")
        first = statistics.median(firsts)
        rows.append(
            (
                f"first sync of {args.records:,} records into a fresh vault (median of "
                f"{args.runs})",
                f"{first:.1f} s ({args.records / first:,.0f} records/s)",
                "≤ 30 s at 100,000",
            )
        )
        rows.append(
            (
                "  CPU of that first sync: laptop process / server process",
                f"{statistics.median(laptop_cpu):.1f} s / {statistics.median(server_cpu):.1f} s "
                f"({statistics.median(laptop_cpu) / args.records * 1e6:.0f} / "
                f"{statistics.median(server_cpu) / args.records * 1e6:.0f} µs per record)",
                "—",
            )
        )
        a_vault, a_engine, _ = laptop("a")
        b_vault, b_engine, b_transport = laptop("b")
        timed_sync(a_engine)
        timed_sync(b_engine)
        incremental, inc_up, inc_down = [], [], []
        for round_no in range(5):
            for vault, engine in ((a_vault, a_engine), (b_vault, b_engine)):
                service = RecordService(vault)
                for n in range(100):
                    service.create(record_type="visit", fields=_visit(rng, round_no * 1000 + n))
                if engine is a_engine:
                    timed_sync(a_engine)
            sent, received = b_transport.stats.bytes_sent, b_transport.stats.bytes_received
            incremental.append(timed_sync(b_engine))
            inc_up.append((b_transport.stats.bytes_sent - sent) / 100)
            inc_down.append((b_transport.stats.bytes_received - received) / 100)
        rows.append(
            (
                "incremental sync: 100 changes each way, end to end (median of 5)",
                f"{statistics.median(incremental) * 1000:.0f} ms",
                "≤ 1 s",
            )
        )
        rows.append(
            (
                "bytes on the wire per record, laptop → server (bulk push / incremental)",
                f"{up_per_record:.0f} B / {statistics.median(inc_up):.0f} B",
                "—",
            )
        )
        rows.append(
            (
                "bytes on the wire per record, server → laptop (first sync / incremental)",
                f"{statistics.median(down_per_record):.0f} B / {statistics.median(inc_down):.0f} B",
                "—",
            )
        )
        if args.baseline:
            # Last: once on, SQLCipher keeps memory security on for the rest of the process.
            vault, engine, _ = laptop("fresh-old", memory_security=True)
            cpu = time.process_time()
            seconds = timed_sync(engine)
            used = time.process_time() - cpu
            vault.lock()
            shutil.rmtree(work / "fresh-old")
            rows.append(
                (
                    "first sync into a vault with memory security on (old setting, same run)",
                    f"{seconds:.1f} s; laptop CPU {used:.1f} s "
                    f"({used / args.records * 1e6:.0f} µs per record)",
                    "—",
                )
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)

    lines = [
        "# Sync benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; server: "
        "`fieldkit-server serve` on 127.0.0.1 with SQLite; laptops: encrypted vaults, "
        "engine defaults (push batches of 500, pages of 1,000). Visits of about 0.5 KB.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        *(f"| {name} | {value} | {target} |" for name, value, target in rows),
        "",
        f"Load average {os.getloadavg()[0]:.1f} at the end of the run. CPU is user + system "
        "time: the laptop's from the benchmark process (the engine and its fetch thread), the "
        "server's from /proc, so a loaded or slower machine tells the same story. "
        "Bytes are request and response bodies as sent (gzip up, zstd down: what a laptop of "
        "this release negotiates), headers excluded. "
        "`.venv/bin/python bench/sync_bench.py` regenerates this file.",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # bench/pull_parse_bench.py keeps its own section in the same file: carried over.
    kept = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    begin, end = "<!-- pull-parse-bench:begin -->", "<!-- pull-parse-bench:end -->"
    if begin in kept and end in kept:
        lines += [kept[kept.index(begin) : kept.index(end) + len(end)], ""]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
