"""Profile of the server applying pushes of 500 new visits, in-process on PostgreSQL.

Run: .venv/bin/python bench/push_profile.py [--batches 6] [--size 500] [--profile FILE]
     [--pg-url URL]

A fresh schema, one officer signed in through the app (called as ASGI in this thread, with the
framework's thread pool replaced by a direct call so that cProfile sees the handler), then
``--batches`` pushes of 500 ~1 KB visits as ``bench/server_bench.py`` sends them (gzip JSON). The
first push warms up; the CPU time (``process_time``) of the others is given per record. With
--profile, writes a cProfile dump of the measured pushes for ``python -m pstats``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gzip
import json
import os
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import fastapi.dependencies.utils
import fastapi.routing
import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fieldkit_server.app import create_app
from fieldkit_server.settings import Settings
from server_bench import PASSWORD, Device, _add_users


async def _inline(func: Any, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


# Every sync handler and dependency called in this thread, not the pool's: cProfile sees them.
fastapi.routing.run_in_threadpool = _inline  # type: ignore[assignment]
fastapi.dependencies.utils.run_in_threadpool = _inline  # type: ignore[assignment]


async def _run(settings: Settings, batches: int, size: int, profile: Path | None) -> None:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        login = (
            await client.post(
                "/v1/auth/login",
                json={"username": "officer0", "password": PASSWORD, "device_name": "bench"},
            )
        ).json()
        maker = Device.__new__(Device)
        maker.district, maker.username, maker.id, maker.counter = (
            "huddersfield", "officer0", login["device_id"], 0,
        )  # fmt: skip
        headers = {
            "Authorization": "Bearer " + login["token"],
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        }
        bodies = [
            gzip.compress(json.dumps({"changes": [maker.visit() for _ in range(size)]}).encode())
            for _ in range(batches)
        ]
        profiler = cProfile.Profile() if profile else None
        per_record = []
        for n, body in enumerate(bodies):
            if n and profiler:
                profiler.enable()
            cpu, wall = time.process_time(), time.perf_counter()
            reply = await client.post("/v1/sync/push", content=body, headers=headers)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            if profiler:
                profiler.disable()
            assert reply.status_code == 200, reply.text[:300]
            assert {r["status"] for r in reply.json()["results"]} == {"applied"}
            if n:
                per_record.append(cpu / size * 1e6)
                if batches <= 20:
                    print(f"push {n}: {wall * 1000:.1f} ms, {cpu / size * 1e6:.0f} µs CPU/record")
        middle = statistics.median(per_record)
        print(f"median CPU per record: {middle:.0f} µs; per push: {middle * size / 1000:.2f} ms")
        if profiler and profile:
            profiler.dump_stats(profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--size", type=int, default=500, help="visits per push")
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--pg-url", default=os.environ.get("FIELDKIT_TEST_PG_URL"))
    args = parser.parse_args()
    schema = "bench_" + uuid.uuid4().hex[:12]
    admin = create_engine(args.pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(args.pg_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        _add_users(url)
        settings = Settings(  # type: ignore[call-arg]
            db_url=url, migrate_on_start=False, argon2_time_cost=1, argon2_memory_kib=1024
        )
        asyncio.run(_run(settings, args.batches, args.size, args.profile))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
