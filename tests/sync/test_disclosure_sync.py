"""A laptop's disclosures reach the server's s62 log, completion entries included."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from tests.factories import person
from tests.sync.conftest import Laptop, Server

from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.services.transfer import export_records
from fieldkit_server import audit
from fieldkit_server.db import make_engine, session_factory


def _client_events(server: Server) -> list[dict[str, Any]]:
    engine = make_engine(server.admin.db_url)
    try:
        with session_factory(engine)() as session:
            return [e for e in audit.iter_events(session) if e["source"] == "client"]
    finally:
        engine.dispose()


def test_an_export_and_its_completion_are_sent_to_the_servers_log(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy")
    amy = laptops("amy", "amy", sqlite_server.url)
    zoe = RecordService(amy.open()).create(record_type="person", fields=person())
    export_records(amy.open(), io.StringIO(), reason="command-line export")

    report = amy.sync()

    assert report.outcome is SyncOutcome.OK, report.message
    sent = [
        (e["action"], e["record_id"], e["reason"])
        for e in _client_events(sqlite_server)
        if e["action"] in ("export", "complete")
    ]
    assert sent == [
        ("export", zoe.id, "command-line export"),
        ("complete", None, "command-line export: 1 record"),
    ]
