"""What a sync request costs the database: one transaction, and no writes when nothing moved."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import starlette.requests
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from tests.server.conftest import FAST_ARGON2, FakeClock, Team

from fieldkit_server.app import create_app
from fieldkit_server.settings import Settings


@contextmanager
def _watched(engine: Engine) -> Iterator[dict[str, list[str]]]:
    """The transactions begun and the statements run on an engine while the block runs."""
    seen: dict[str, list[str]] = {"transactions": [], "statements": []}

    def on_begin(_conn: Any) -> None:
        seen["transactions"].append("begin")

    def on_statement(*args: Any) -> None:
        statement = str(args[2]).lstrip()
        if not statement.upper().startswith("BEGIN"):
            seen["statements"].append(statement.split(None, 1)[0].upper())

    event.listen(engine, "begin", on_begin)
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", on_begin)
        event.remove(engine, "before_cursor_execute", on_statement)


def test_an_empty_pull_is_one_transaction_of_two_reads(
    team: Any, client: TestClient, make_visit: Any
) -> None:
    olive = team.laptop("olive")
    olive.push(olive.upsert("visit", make_visit()))
    olive.sync()
    with _watched(client.app.state.context.engine) as seen:  # type: ignore[attr-defined]
        page = olive.pull_page(since=olive.cursor)
    assert (page["records"], page["purge"], page["next"]) == ([], [], olive.cursor)
    # The token and the clock, read in the pull's own snapshot; nothing written.
    assert seen == {"transactions": ["begin"], "statements": ["SELECT", "SELECT"]}


def test_a_push_looks_up_its_token_in_its_own_transaction(
    team: Any, client: TestClient, make_visit: Any
) -> None:
    olive = team.laptop("olive")
    with _watched(client.app.state.context.engine) as seen:  # type: ignore[attr-defined]
        results = olive.push(*(olive.upsert("visit", make_visit()) for _ in range(3)))["results"]
    assert [r["status"] for r in results] == ["applied"] * 3
    assert seen["transactions"] == ["begin"]


def test_a_request_after_the_database_dropped_its_connection_is_served(
    pg_url: str, clock: FakeClock, make_visit: Any
) -> None:
    """The pool no longer pings before every request: a dropped connection is retried."""
    settings = Settings(db_url=pg_url, migrate_on_start=False, **FAST_ARGON2)
    admin = create_engine(pg_url)
    try:
        with TestClient(create_app(settings, clock=clock)) as client:
            team = Team(client, clock, settings)
            olive = team.laptop("olive")
            olive.push(olive.upsert("visit", make_visit()))
            engine: Engine = client.app.state.context.engine  # type: ignore[attr-defined]
            # The requests ran one at a time: the pool holds exactly one idle connection.
            assert engine.pool.checkedin() == 1  # type: ignore[attr-defined]
            with engine.connect() as conn:
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with admin.begin() as conn:
                assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
            assert len(olive.sync()) == 0
            assert len(olive.records) == 1
            assert olive.push_one(olive.upsert("visit", make_visit()))["status"] == "applied"
    finally:
        admin.dispose()


def test_a_push_body_is_parsed_once(
    team: Any, make_visit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The body check's parse is the one the route reads: the framework does not parse again."""
    olive = team.laptop("olive")
    parses: list[int] = []

    class CountingJson:
        def __getattr__(self, name: str) -> Any:
            return getattr(json, name)

        def loads(self, *args: Any, **kwargs: Any) -> Any:
            parses.append(1)
            return json.loads(*args, **kwargs)

    monkeypatch.setattr(starlette.requests, "json", CountingJson())
    results = olive.push(*(olive.upsert("visit", make_visit()) for _ in range(2)))["results"]
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert parses == []
