"""A full pull's 5,000-record page, in-process: where its CPU goes, and bytes per encoder.

Fills a fresh PostgreSQL schema with the server benchmark's ~1 KB visits (pushed through a real
server), then, in this process, serves the first page of a supervisor's fresh full pull again
and again (each rolled back) and times its parts: the records read, the disclosure row, the
render, and each encoder at each level (CPU per record and bytes per record). ``--profile FILE``
also writes a cProfile of one page.

    PYTHONPATH=src:sync .venv/bin/python bench/pull_wire_bench.py --records 10000
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fieldkit_server import accounts, pull
from fieldkit_server.db import make_engine, session_factory
from fieldkit_server.models import Device as DeviceRow
from server_bench import Device, _add_users, _postgres, _server

try:
    from compression import zstd  # type: ignore[import-not-found,unused-ignore]
except ImportError:
    from backports import zstd  # type: ignore[no-redef,unused-ignore]


def _cpu(action: Callable[[], Any], repeat: int) -> float:
    """Median process CPU seconds of ``action``."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        action()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--db", default=os.environ.get("FIELDKIT_TEST_PG_URL"))
    args = parser.parse_args()
    if not args.db:
        print("set FIELDKIT_TEST_PG_URL or pass --db", file=sys.stderr)
        return 2
    with _postgres(args.db) as db:
        _add_users(db)
        with _server(db, 1) as (base, _pid):
            pushers = [Device(base, f"officer{n}") for n in range(10)]
            for n in range(args.records // 500):
                pushers[n % 10].push(500)
            sup = Device(base, "sup")
            device_id = sup.id
        engine = make_engine(db)
        sessions = session_factory(engine)
        with sessions() as session:
            assert session.get(DeviceRow, device_id) is not None
            principal = accounts.user_view(session, username="sup").principal
        reader = pull.Reader(principal, device_id)
        now = datetime.now(UTC)

        def page() -> pull.PullPage:
            with sessions() as session:
                found = pull.pull_page(session, reader=reader, since=None, limit=args.page, now=now)
                session.rollback()
                return found

        found = page()
        n = len(found.records)
        body = found.render()
        print(f"page of {n} records, {len(body) / n:.0f} bytes per record as JSON")
        page_cpu = _cpu(page, args.repeat)
        render_cpu = _cpu(found.render, args.repeat)
        compact = found.render(compact=True)
        compact_cpu = _cpu(lambda: found.render(compact=True), args.repeat)
        disclose_cpu = _cpu(
            lambda: pull.disclosure_event(
                reader=reader, scope="x", after=0, upto=1, rows=found.records, now=now
            ),
            args.repeat,
        )
        print(f"pull_page (read, disclosure row, range): {page_cpu / n * 1e6:.1f} µs CPU/record")
        print(f"  of which disclosure_event: {disclose_cpu / n * 1e6:.1f} µs/record")
        print(f"render, full form: {render_cpu / n * 1e6:.1f} µs CPU/record")
        print(f"render, compact form: {compact_cpu / n * 1e6:.1f} µs CPU/record")
        print(f"compact form: {len(compact) / n:.0f} bytes per record as JSON")
        from fieldkit.sync.protocol import PullPage as LaptopPage

        for form, text in (("full", body), ("compact", compact)):
            parse_cpu = _cpu(lambda t=text: LaptopPage.parse(t), args.repeat)
            print(f"laptop reads the {form} form: {parse_cpu / n * 1e6:.1f} µs CPU/record")
        print("| form | encoder | level | bytes/record | CPU µs/record |")
        print("|---|---|---:|---:|---:|")
        for form, text in (("full", body), ("compact", compact)):
            for name, levels, encode in (
                ("gzip", (1, 4, 5, 6), lambda b, lv: gzip.compress(b, lv, mtime=0)),
                ("zstd", (1, 2, 3, 4, 6), lambda b, lv: zstd.compress(b, level=lv)),
            ):
                for level in levels:
                    size = len(encode(text, level))
                    cpu = _cpu(lambda e=encode, lv=level, t=text: e(t, lv), args.repeat)
                    print(f"| {form} | {name} | {level} | {size / n:.0f} | {cpu / n * 1e6:.1f} |")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            again = page()
            again.render()
            profiler.disable()
            profiler.dump_stats(args.profile)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
