"""Anti-entropy benchmark: the server's digest queries on PostgreSQL and the laptop's own digest.

Run: .venv/bin/python bench/anti_entropy_bench.py [--records 100000] [--runs 7]
     [--pg-url URL] [--out bench/results/anti_entropy.md]

Server: a fresh PostgreSQL schema (``--pg-url`` or ``FIELDKIT_TEST_PG_URL``), migrated, holding
``--records`` visits an officer may see, written straight into ``records`` with their digests.
Measured in-process (no HTTP): the per-type digest (what every comparison costs when nothing
differs), one type's buckets, one bucket's records, and fetching 500 records by id.

Laptop: an encrypted vault holding ``--records`` visits, applied through the replica as a first
sync would. Measured: reading every record's versions and computing the per-type summaries
(what the laptop does in every comparison), and one bucket's record digests.

Each figure is the median of ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PASSPHRASE = "benchmark passphrase, not a secret"  # noqa: S105
HLC = "001764000000000:0000:bench-node"


def _median_ms(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _visit_fields(n: int) -> dict[str, object]:
    return {
        "occurred_at": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:15:00+00:00",
        "district": "huddersfield",
        "kind": "patrol",
        "categories": ["street_drinking"],
        "narrative": f"Group drinking by the bus station, visit {n}; moved on after advice.",
        "officer_id": "amy",
    }


def _ids(count: int) -> list[str]:
    """Random-looking version-4 ids, the same every run, spread over every bucket."""
    rng = random.Random(20261206)
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(count)]


def bench_server(pg_url: str, records: int, runs: int) -> list[tuple[str, str]]:
    from sqlalchemy import create_engine, insert, text
    from sqlalchemy.engine import make_url

    from fieldkit.domain.digest import bucket_of, record_digest
    from fieldkit.domain.records import SPECS, RecordType
    from fieldkit_server import anti_entropy
    from fieldkit_server.db import make_engine, migrate, run_in_transaction, session_factory
    from fieldkit_server.models import Record, SyncClock
    from fieldkit_server.policy import Principal, Role
    from fieldkit_server.pull import Reader

    schema = "bench_" + uuid.uuid4().hex[:12]
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(pg_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    engine = make_engine(url)
    try:
        migrate(engine)
        names = [f.name for f in SPECS[RecordType.VISIT].fields]
        versions = dict.fromkeys(names, HLC)
        now = datetime.now(UTC)
        ids = _ids(records)
        with engine.begin() as conn:
            for start in range(0, records, 5000):
                conn.execute(
                    insert(Record),
                    [
                        {
                            "id": rid,
                            "type": "visit",
                            "district": "huddersfield",
                            "restricted": False,
                            "created_by": None,
                            "addressee": None,
                            "deleted": False,
                            "deleted_hlc": None,
                            "fields": json.dumps(_visit_fields(start + i)),
                            "versions": json.dumps(versions),
                            "digest": record_digest("visit", rid, deleted=False, versions=versions),
                            "seq": start + i + 1,
                            "created_at": now,
                            "updated_at": now,
                        }
                        for i, rid in enumerate(ids[start : start + 5000])
                    ],
                )
            conn.execute(SyncClock.__table__.update().values(last_seq=records, max_hlc=HLC))
            conn.execute(text("ANALYZE records"))
        sessions = session_factory(engine)
        officer = Principal(str(uuid.uuid4()), Role.OFFICER, frozenset({"huddersfield"}), False)
        reader = Reader(officer, str(uuid.uuid4()))
        bucket = bucket_of(ids[0])
        types = run_in_transaction(
            sessions, lambda s: anti_entropy.type_digests(s, principal=officer)
        )
        assert types[0]["count"] == records, types
        rows = [
            (
                "server: per-type digest, nothing differs (every comparison)",
                _median_ms(
                    runs,
                    lambda: run_in_transaction(
                        sessions, lambda s: anti_entropy.type_digests(s, principal=officer)
                    ),
                ),
            ),
            (
                "server: one type's 256 bucket digests",
                _median_ms(
                    runs,
                    lambda: run_in_transaction(
                        sessions,
                        lambda s: anti_entropy.bucket_digests(
                            s, principal=officer, record_type="visit"
                        ),
                    ),
                ),
            ),
            (
                f"server: one bucket's record digests (~{records // 256} records)",
                _median_ms(
                    runs,
                    lambda: run_in_transaction(
                        sessions,
                        lambda s: anti_entropy.bucket_records(
                            s, principal=officer, record_type="visit", bucket=bucket
                        ),
                    ),
                ),
            ),
            (
                "server: fetch 500 records by id (held, logged)",
                _median_ms(
                    runs,
                    lambda: run_in_transaction(
                        sessions,
                        lambda s: anti_entropy.fetch_records(
                            s, reader=reader, items=[("visit", i) for i in ids[:500]], now=now
                        ).render(),
                    ),
                ),
            ),
        ]
        return [(name, f"{ms:,.0f} ms") for name, ms in rows]
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def bench_laptop(records: int, runs: int) -> list[tuple[str, str]]:
    from bench_kdf import BENCH_KDF
    from fieldkit.domain.digest import SetDigest, bucket_of
    from fieldkit.domain.records import SPECS, RecordType
    from fieldkit.store import digests, replica
    from fieldkit.store.replica import PulledRecord
    from fieldkit.store.vault import Vault

    names = [f.name for f in SPECS[RecordType.VISIT].fields]
    versions = dict.fromkeys(names, HLC)
    ids = _ids(records)
    with tempfile.TemporaryDirectory(prefix="fieldkit-ae-bench-") as tmp:
        vault = Vault.create(
            Path(tmp) / "vault", username="amy", passphrase=PASSPHRASE, kdf=BENCH_KDF
        )
        try:
            start_fill = time.perf_counter()
            for start in range(0, records, 2000):
                batch = [
                    PulledRecord("visit", rid, False, _visit_fields(start + i), versions, "amy")
                    for i, rid in enumerate(ids[start : start + 2000])
                ]
                with vault.write() as conn:
                    replica.apply_pulled(conn, batch, at="2026-12-06T00:00:00.000+00:00")
            fill = time.perf_counter() - start_fill

            def whole() -> Any:
                with vault.read() as conn:
                    held = {t: digests.record_digests(conn, t) for t in RecordType}
                    digests.pending_record_ids(conn)
                return {t: SetDigest.of(d.values()).text() for t, d in held.items()}

            assert len(whole()) == len(RecordType)
            bucket = bucket_of(ids[0])

            def one_bucket() -> Any:
                with vault.read() as conn:
                    return digests.record_digests(conn, RecordType.VISIT, bucket=bucket)

            rows = [
                (
                    "laptop: fill the vault (replica apply, not a measure of anti-entropy)",
                    f"{fill:,.1f} s",
                ),
                (
                    "laptop: every record's digest and the per-type summaries (every comparison)",
                    f"{_median_ms(runs, whole):,.0f} ms",
                ),
                (
                    f"laptop: one bucket's record digests (~{records // 256} records)",
                    f"{_median_ms(runs, one_bucket):,.0f} ms",
                ),
            ]
        finally:
            vault.lock()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pg-url", default=os.environ.get("FIELDKIT_TEST_PG_URL"))
    parser.add_argument("--out", type=Path, default=Path("bench/results/anti_entropy.md"))
    args = parser.parse_args()
    if not args.pg_url:
        sys.exit(
            "give --pg-url or set FIELDKIT_TEST_PG_URL (a PostgreSQL this may add a schema to)"
        )
    server = bench_server(args.pg_url, args.records, args.runs)
    laptop = bench_laptop(args.records, args.runs)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Anti-entropy benchmark",
        "",
        f"Run {when} on {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; {args.records:,} visible visits; server on PostgreSQL "
        f"(in-process, no HTTP); laptop: an encrypted vault. Medians of {args.runs} runs. "
        f"Load average at the end: {os.getloadavg()[0]:.1f}.",
        "",
        "| measure | result |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in [*server, *laptop]),
        "",
        "`.venv/bin/python bench/anti_entropy_bench.py` regenerates this file.",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
