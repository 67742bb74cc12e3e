"""An incremental pull of 100, in-process: its time, its CPU and its statements.

Fills a fresh PostgreSQL schema with the server benchmark's ~1 KB visits (pushed through a real
server), lets a supervisor's laptop catch up, then again and again: an officer pushes 100 visits
through the server, and this process serves the supervisor's next pull itself (``serve_pull``,
the compact render and zstd, as the pull route's worker thread does). Per pull it gives the wall
time, this thread's CPU, the statements sent and the time spent in them. ``--profile FILE`` also
writes a cProfile of the pulls. Run it under a baseline's ``PYTHONPATH`` and the change's,
alternately, to pair them (the figures are this process's alone: no HTTP, no client).

    PYTHONPATH=src:sync .venv/bin/python bench/pull_incremental_bench.py --records 10000
"""

from __future__ import annotations

import argparse
import cProfile
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from starlette.requests import Request

from fieldkit_server import api, encoding, pull
from fieldkit_server.clock import system_clock
from fieldkit_server.context import ServerContext
from fieldkit_server.db import make_engine, session_factory
from fieldkit_server.security import Passwords
from fieldkit_server.settings import Settings
from server_bench import Device, _add_users, _postgres, _server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--pulls", type=int, default=41)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--explain", action="store_true", help="print the last pull's plans")
    parser.add_argument("--levels", action="store_true", help="time zstd levels on the last page")
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
            sup.pull_all()
            token = str(sup.http.headers["Authorization"]).partition(" ")[2]
            engine = make_engine(db)
            settings = Settings(db_url=db, migrate_on_start=False)
            context = ServerContext(
                settings, engine, session_factory(engine), system_clock, Passwords()
            )
            statements: list[tuple[str, float]] = []
            sent: list[tuple[str, Any]] = []
            started_at: list[float] = []
            ended_at = [0.0]

            def before(*_args: Any) -> None:
                started_at.append(time.perf_counter())

            def after(*args: Any) -> None:
                ended_at[0] = time.perf_counter()
                took = ended_at[0] - started_at.pop()
                statements.append((str(args[2]).lstrip().split(None, 1)[0].upper(), took))
                sent.append((str(args[2]), args[3]))

            event.listen(engine, "before_cursor_execute", before)
            event.listen(engine, "after_cursor_execute", after)
            request = Request(
                {
                    "type": "http",
                    "method": "GET",
                    "path": "/v1/sync/pull",
                    "headers": [],
                    "query_string": b"",
                    "client": ("127.0.0.1", 1),
                }
            )
            cursor = sup.cursor
            # The reply as the pull route makes it: the compact render and zstd; with
            # ``answer_pull`` it is made while a page's writes commit, as the route does.
            answer_pull = getattr(api, "answer_pull", None)

            replies: list[tuple[float, float, float]] = []  # render, zstd; when it ended
            bodies: list[bytes] = []

            def reply(page: pull.PullPage) -> Any:
                start = time.perf_counter()
                body = page.render(compact=True)
                bodies[:] = [body]
                rendered = time.perf_counter()
                response = encoding.json_response(body, "zstd, gzip")
                done = time.perf_counter()
                replies.append((rendered - start, done - rendered, done))
                return response

            walls, cpus, in_statements, counts, tails = [], [], [], [], []
            waits: list[float] = []
            each: list[list[float]] = []
            profiler = cProfile.Profile() if args.profile else None
            for n in range(args.pulls):
                pushers[n % 10].push(100)
                statements.clear()
                sent.clear()
                wall, cpu = time.perf_counter(), time.thread_time()
                if profiler:
                    profiler.enable()
                since = pull.Cursor.decode(cursor) if cursor else None
                if answer_pull is None:  # a build from before ``answer_pull``
                    page = api.serve_pull(
                        context, request=request, token=token, cursor=since, limit=5000
                    )
                    tails.append((time.perf_counter() - ended_at[0]) * 1000)
                    reply(page)
                else:
                    page, _ = answer_pull(
                        context,
                        request=request,
                        token=token,
                        cursor=since,
                        limit=5000,
                        answer=reply,
                    )
                    tails.append((time.perf_counter() - ended_at[0]) * 1000)
                if profiler:
                    profiler.disable()
                returned = time.perf_counter()
                cpus.append((time.thread_time() - cpu) * 1000)
                walls.append((time.perf_counter() - wall) * 1000)
                # How long the pull waited after its reply was ready (the commit, or the
                # thread's wake-up).
                waits.append((returned - replies[-1][2]) * 1000)
                assert len(page.records) == 100, len(page.records)
                assert not page.more
                cursor = page.next
                in_statements.append(sum(t for _, t in statements) * 1000)
                counts.append(len(statements))
                each.append([t * 1000 for _, t in statements])
            shapes = " ".join(name for name, _ in statements)
            print(
                f"{args.pulls} incremental pulls of 100 (of {args.records:,}), medians: "
                f"wall {statistics.median(walls):.2f} ms, thread CPU "
                f"{statistics.median(cpus):.2f} ms, in statements "
                f"{statistics.median(in_statements):.2f} ms, from the last statement to the "
                f"page (the COMMIT) {statistics.median(tails):.2f} ms; "
                f"{statistics.median(counts):.0f} "
                f"statements ({shapes}) plus BEGIN/COMMIT"
            )
            print(
                f"reply: render {statistics.median(r[0] for r in replies) * 1000:.2f} ms, "
                f"zstd {statistics.median(r[1] for r in replies) * 1000:.2f} ms; "
                f"from the reply made to the pull's end {statistics.median(waits):.2f} ms"
            )
            if args.levels:
                # The last page's JSON at each zstd level: CPU and bytes (a page of 100 is
                # where a lower level could matter: its reply is on a quiet pull's path).
                for level in (1, 2, 3):
                    took = []
                    for _ in range(50):
                        started = time.perf_counter()
                        packed = encoding.zstd.compress(bodies[0], level=level)
                        took.append(time.perf_counter() - started)
                    print(
                        f"zstd {level}: {statistics.median(took) * 1000:.3f} ms, "
                        f"{len(bodies[0]):,} -> {len(packed):,} bytes"
                    )
            if len({len(e) for e in each}) == 1:
                per = [statistics.median(e[i] for e in each) for i in range(len(each[0]))]
                print("per statement, ms: " + " ".join(f"{t:.2f}" for t in per))
            if args.explain:
                with engine.connect() as conn:
                    raw = conn.connection.driver_connection
                    assert raw is not None
                    # The pulls' connection (one at a time from the pool): its prepared
                    # statements, and how each was planned.
                    for name, plans in raw.execute(
                        "SELECT left(statement, 40), generic_plans || ' generic, ' || "
                        "custom_plans || ' custom' FROM pg_prepared_statements"
                    ).fetchall():
                        print(f"prepared: {name!r}: {plans}")
                    for statement, params in sent:
                        # (A WITH's writes run too, and are rolled back below.)
                        if statement.lstrip().startswith(("SELECT", "WITH")) and not (
                            isinstance(params, tuple)  # numbered: not a dict to EXPLAIN with
                        ):
                            plan = raw.execute(
                                "EXPLAIN (ANALYZE, BUFFERS) " + statement, params
                            ).fetchall()
                            print(statement[:300])
                            print("\n".join(r[0] for r in plan))
                    conn.rollback()
            if profiler:
                profiler.dump_stats(args.profile)
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
