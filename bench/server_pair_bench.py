"""Pair two server builds on one database, request by request, and give the ratios.

Usage: .venv/bin/python bench/server_pair_bench.py --baseline DIR [--records N] [--pg-url URL]

DIR holds a baseline commit's ``src`` and ``sync`` (``git archive COMMIT src sync | tar -x -C
DIR``). Both servers (``--workers 1``) serve one PostgreSQL schema; each measure alternates baseline
and current request by request, so a shared, noisy machine slows both alike and the ratio holds:
empty pulls, incremental pulls of 100, fresh full pulls, and pushes of 500 and of 5 (latency and
server CPU).
Talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from server_bench import (
    ENV,
    Device,
    _add_users,
    _postgres,
    _server,
    add_pull_options,
    cpu_seconds,
    use_pull_options,
)

ROOT = Path(__file__).resolve().parent.parent


def _timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--pg-url", default=os.environ.get("FIELDKIT_TEST_PG_URL"))
    parser.add_argument("--full-pulls", type=int, default=3, help="fresh full pulls per server")
    add_pull_options(parser)
    args = parser.parse_args()
    use_pull_options(args)
    wire: dict[str, list[float]] = {"baseline": [], "current": []}
    current = f"{ROOT / 'src'}:{ROOT / 'sync'}"
    baseline = f"{args.baseline / 'src'}:{args.baseline / 'sync'}"
    with _postgres(args.pg_url) as db:
        # The baseline starts first, on the empty schema: it would refuse one a newer build
        # has migrated further.
        ENV["PYTHONPATH"] = baseline
        with _server(db, 1) as (base_url, base_pid):
            ENV["PYTHONPATH"] = current
            with _server(db, 1) as (new_url, new_pid):
                _add_users(db)
                pids = {"baseline": base_pid, "current": new_pid}
                urls = {"baseline": base_url, "current": new_url}
                pushers = {k: Device(u, "officer0") for k, u in urls.items()}
                times: dict[str, dict[str, list[float]]] = {k: {} for k in urls}
                cpu: dict[str, dict[str, list[float]]] = {k: {} for k in urls}

                def note(measure: str, who: str, ms: float, cpu_us: float | None = None) -> None:
                    times[who].setdefault(measure, []).append(ms)
                    if cpu_us is not None:
                        cpu[who].setdefault(measure, []).append(cpu_us)

                for _ in range(args.records // 1000):
                    for who in urls:
                        before = cpu_seconds(pids[who])
                        ms = _timed(lambda d=pushers[who]: d.push(500))
                        note("push 500", who, ms, (cpu_seconds(pids[who]) - before) / 500 * 1e6)
                # Small pushes (a laptop's usual one): the CPU is summed over all of them, as
                # /proc counts in ticks of 10 ms.
                small_cpu = dict.fromkeys(urls, 0.0)
                for _ in range(60):
                    for who in urls:
                        before = cpu_seconds(pids[who])
                        note("push 5", who, _timed(lambda d=pushers[who]: d.push(5)))
                        small_cpu[who] += cpu_seconds(pids[who]) - before
                for who in urls:
                    cpu[who]["push 5"] = [small_cpu[who] / (60 * 5) * 1e6]
                total = args.records // 1000 * 1000 + 60 * 5
                for _ in range(args.full_pulls):
                    for who, url in urls.items():
                        fresh = Device(url, "sup")
                        before = cpu_seconds(pids[who])
                        got: list[tuple[int, int]] = []
                        ms = _timed(lambda d=fresh, g=got: g.append(d.pull_all()))
                        wire[who].append(got[0][1] / got[0][0])
                        note(
                            "fresh full pull",
                            who,
                            ms,
                            (cpu_seconds(pids[who]) - before) / total * 1e6,
                        )
                readers = {k: Device(u, "sup") for k, u in urls.items()}
                for reader in readers.values():
                    reader.pull_all()
                for n in range(32):
                    # Whoever pulls first right after the push, and whichever server did not
                    # serve it, pay for it (a server woken from idle, caches settling): the
                    # two take turns at both.
                    pushers["current" if n % 4 < 2 else "baseline"].push(100)
                    order = list(urls) if n % 2 == 0 else list(reversed(urls))
                    for who in order:
                        note("incremental pull of 100", who, _timed(readers[who].pull_all))
                for _ in range(100):
                    for who in urls:
                        note("empty pull", who, _timed(readers[who].pull_all))
    lines = [
        f"{args.records:,} records pushed in all (half through each server); medians; "
        "ratio = current / baseline",
        "",
        "| measure | baseline | current | ratio | server CPU per record, baseline / current |",
        "|---|---:|---:|---:|---:|",
    ]
    for measure in times["current"]:
        b = statistics.median(times["baseline"][measure])
        c = statistics.median(times["current"][measure])
        per = (
            f"{statistics.median(cpu['baseline'][measure]):.0f} µs / "
            f"{statistics.median(cpu['current'][measure]):.0f} µs"
            if measure in cpu["current"]
            else ""
        )
        lines.append(f"| {measure} | {b:.1f} ms | {c:.1f} ms | {c / b:.2f} | {per} |")
    lines += [
        "",
        f"Fresh full pull, bytes per record ({Device.pull_encoding} asked, "
        f"{Device.pull_form} form asked): baseline "
        f"{statistics.median(wire['baseline']):.0f}, current "
        f"{statistics.median(wire['current']):.0f}",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
