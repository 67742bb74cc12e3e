"""Time what a full pull page writes for holdings: a row per record sent, or one range row.

Usage: .venv/bin/python bench/pull_holdings_bench.py [--records N] [--page N] [--held-devices N]
       [--repeat N] [--pg-url URL]

In one process on one PostgreSQL schema (migrated to head), with N ~1 KB visits in one district:
for a fresh device, alternately, the whole ``pull.pull_page`` of a full page (which widens one
``holding_ranges`` row) and the same page followed by the statement the page used to run instead,
``INSERT INTO holdings SELECT`` over the page's rule and range (a B-tree insert per record). Each
in its own transaction, rolled back, so every repetition starts from the same state. Alternating
keeps a loaded machine's noise on both sides; prints medians and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, literal, select, text, update
from sqlalchemy.dialects import postgresql

from fieldkit_server import pull
from fieldkit_server.db import make_engine, migrate, session_factory
from fieldkit_server.models import Holding, Record, SyncClock
from fieldkit_server.policy import Principal, Role
from server_bench import _postgres


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--page", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument(
        "--held-devices",
        type=int,
        default=20,
        help="devices that already hold every record (the holdings table's size before)",
    )
    parser.add_argument("--pg-url", default=os.environ.get("FIELDKIT_TEST_PG_URL"))
    args = parser.parse_args()
    now = datetime(2026, 12, 6, tzinfo=UTC)
    fields = json.dumps({"district": "huddersfield", "narrative": "x" * 900})
    versions = json.dumps(
        {"district": "0000000000001:0000:dev", "narrative": "0000000000001:0000:dev"}
    )
    principal = Principal("u-sup", Role.SUPERVISOR, frozenset({"huddersfield"}), False)
    with _postgres(args.pg_url) as url:
        engine = make_engine(url)
        migrate(engine)
        sessions = session_factory(engine)
        with sessions.begin() as session:
            rows = [
                {
                    "id": str(uuid.UUID(int=i + 1)),
                    "type": "visit",
                    "district": "huddersfield",
                    "restricted": False,
                    "deleted": False,
                    "fields": fields,
                    "versions": versions,
                    "seq": i + 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(args.records)
            ]
            session.execute(insert(Record), rows)
            session.execute(update(SyncClock).values(last_seq=args.records))
            # A server in use: other devices already hold every record, so the holdings index
            # is large (one row per device and record) when a page inserts into it.
            for _ in range(args.held_devices):
                session.execute(
                    insert(Holding).from_select(
                        ["device_id", "record_id"],
                        select(literal(str(uuid.uuid4())), Record.id),
                    )
                )
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        times: dict[str, list[float]] = {"range (now)": [], "row per record (before)": []}
        for _ in range(args.repeat):
            for name in times:
                session = sessions()
                try:
                    session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
                    reader = pull.Reader(principal, str(uuid.uuid4()))
                    started = time.perf_counter()
                    page = pull.pull_page(
                        session, reader=reader, since=None, limit=args.page, now=now
                    )
                    if name.startswith("row"):
                        rule = pull.visible(principal)
                        c = Record.__table__.c
                        session.execute(
                            postgresql.insert(Holding.__table__)
                            .from_select(
                                ["device_id", "record_id"],
                                select(literal(reader.device_id), c.id).where(
                                    rule, c.seq > 0, c.seq <= page.records[-1].seq
                                ),
                            )
                            .on_conflict_do_nothing()
                        )
                    session.flush()
                    times[name].append((time.perf_counter() - started) * 1000)
                finally:
                    session.rollback()
                    session.close()
        engine.dispose()
    print(
        f"load average {os.getloadavg()[0]:.1f}; {args.records:,} records, page {args.page:,}, "
        f"{args.held_devices * args.records:,} holdings rows already"
    )
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.1f} ms per page ({len(values)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
