"""Pair two server builds on the many-small-devices phase of ``server_bench``: push 5, then pull.

Usage: .venv/bin/python bench/small_sync_bench.py --baseline DIR [--devices 200] [--rounds 3]
       [--workers 1] [--records 2000] [--spy DIR] [--pg-url URL]

DIR holds a baseline commit's ``src`` and ``sync`` (``git archive COMMIT src sync | tar -x -C
DIR``). Both servers serve one PostgreSQL schema (``--records`` visits pushed first, in another
district); each round runs the phase once against each server, baseline and current
alternately: ``--devices`` rural laptops (signed in and pulled to the head beforehand, untimed),
20 at a time, each pushing 5 visits and pulling to the head, as ``server_bench.py``'s last phase
does. Gives, per build, the p50 and p95 of (push + pull) in each round, and the server's CPU per
small sync (its processes' user + system time from /proc over the phase). With --spy DIR the
current server runs under ``py-spy record`` in its last round (raw stacks to DIR, for
``bench/stacks.py``). Talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from server_bench import ENV, Device, _add_users, _percentile, _postgres, _server, cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
IN_FLIGHT = 20


def _postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL process on the machine (others' work included)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            if fields[1] == "1":  # the postmaster: its exited backends' time too
                total += int(fields[13]) + int(fields[14])
    return total / ticks


def _phase(devices: list[Device], pid: int, spy: Path | None) -> tuple[list[float], float]:
    """One phase: every device pushes 5 and pulls, 20 at a time; times (ms) and CPU per sync."""
    for device in devices:
        device.pull_all()  # to the head, untimed: the phase pulls only what it pushes
        # A fresh client: the server closes a connection idle for 5 s, and reusing one just as
        # it does fails the request (the devices wait their turn for longer than that).
        old = device.http
        device.http = httpx.Client(base_url=old.base_url, timeout=300, headers=old.headers)
        old.close()
    pushes: list[float] = []

    def small_sync(device: Device) -> float:
        started = time.perf_counter()
        device.push(5)
        pushes.append((time.perf_counter() - started) * 1000)
        device.pull_all()
        return (time.perf_counter() - started) * 1000

    spying = None
    if spy is not None:
        command = [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid)]
        command += ["--subprocesses", "--gil", "--format", "raw", "--rate", "250"]
        command += ["--output", str(spy / "small-sync.txt")]
        spying = subprocess.Popen(command)
        time.sleep(1)  # py-spy attaches
    before, client, database = cpu_seconds(pid), time.process_time(), _postgres_cpu()
    wall = time.perf_counter()
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        times = list(pool.map(small_sync, devices))
    wall = time.perf_counter() - wall
    cpu_ms = (cpu_seconds(pid) - before) / len(devices) * 1000
    print(
        f"  phase {wall:.2f} s; push p50 {_percentile(pushes, 0.5):.0f} ms, "
        f"p95 {_percentile(pushes, 0.95):.0f} ms; per sync CPU: server {cpu_ms:.1f} ms, "
        f"client {(time.process_time() - client) / len(devices) * 1000:.1f} ms, "
        f"PostgreSQL {(_postgres_cpu() - database) / len(devices) * 1000:.1f} ms",
        file=sys.stderr,
    )
    if spying is not None:
        spying.send_signal(signal.SIGINT)
        spying.wait(timeout=60)
    return times, cpu_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--records", type=int, default=2000, help="visits pushed first")
    parser.add_argument("--spy", type=Path, help="py-spy the current server's last round here")
    parser.add_argument("--pg-url", default=os.environ.get("FIELDKIT_TEST_PG_URL"))
    args = parser.parse_args()
    builds = {
        "baseline": f"{args.baseline / 'src'}:{args.baseline / 'sync'}",
        "current": f"{ROOT / 'src'}:{ROOT / 'sync'}",
    }
    rows: dict[str, list[tuple[float, float, float]]] = {k: [] for k in builds}
    with _postgres(args.pg_url) as db:
        # The baseline starts first, on the empty schema: it would refuse a newer one.
        ENV["PYTHONPATH"] = builds["baseline"]
        with _server(db, args.workers) as (base_url, base_pid):
            ENV["PYTHONPATH"] = builds["current"]
            with _server(db, args.workers) as (new_url, new_pid):
                _add_users(db)
                urls = {"baseline": base_url, "current": new_url}
                pids = {"baseline": base_pid, "current": new_pid}
                pusher = Device(new_url, "officer0")
                for _ in range(args.records // 500):
                    pusher.push(500)
                fleets = {
                    who: [Device(url, f"rural{n % 10}", "rural") for n in range(args.devices)]
                    for who, url in urls.items()
                }
                for round_ in range(args.rounds):
                    for who in builds:
                        spy = args.spy if who == "current" and round_ == args.rounds - 1 else None
                        times, cpu_ms = _phase(fleets[who], pids[who], spy)
                        p50, p95 = _percentile(times, 0.5), _percentile(times, 0.95)
                        rows[who].append((p50, p95, cpu_ms))
                        print(
                            f"round {round_ + 1} {who}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
                            f"server CPU {cpu_ms:.1f} ms per sync",
                            file=sys.stderr,
                        )
    lines = [
        f"{args.devices} devices, {IN_FLIGHT} at a time, push 5 + pull; --workers {args.workers}; "
        f"load average at the end {os.getloadavg()[0]:.1f}",
        "",
        "| round | baseline p50 / p95 | current p50 / p95 | p95 ratio "
        "| server CPU per sync, baseline / current |",
        "|---|---:|---:|---:|---:|",
    ]
    for n, (b, c) in enumerate(zip(rows["baseline"], rows["current"], strict=True), 1):
        lines.append(
            f"| {n} | {b[0]:.0f} / {b[1]:.0f} ms | {c[0]:.0f} / {c[1]:.0f} ms | {c[1] / b[1]:.2f} "
            f"| {b[2]:.1f} / {c[2]:.1f} ms |"
        )
    med = {k: [statistics.median(x[i] for x in v) for i in range(3)] for k, v in rows.items()}
    b, c = med["baseline"], med["current"]
    lines.append(
        f"| median | {b[0]:.0f} / {b[1]:.0f} ms | {c[0]:.0f} / {c[1]:.0f} ms | {c[1] / b[1]:.2f} "
        f"| {b[2]:.1f} / {c[2]:.1f} ms |"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
