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
from tests.server.conftest import FAST_ARGON2, FakeClock, Team, pull_route_calls

from fieldkit_server import accounts, pull
from fieldkit_server.app import create_app
from fieldkit_server.db import run_in_transaction, session_factory
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


def test_an_empty_pull_is_one_read(team: Any, client: TestClient, make_visit: Any) -> None:
    olive = team.laptop("olive")
    olive.push(olive.upsert("visit", make_visit()))
    olive.sync()
    with _watched(client.app.state.context.engine) as seen:  # type: ignore[attr-defined]
        page = olive.pull_page(since=olive.cursor)
    assert (page["records"], page["purge"], page["next"]) == ([], [], olive.cursor)
    # The token and the clock, read in one statement (one snapshot); nothing written. On
    # PostgreSQL the statement runs in autocommit: no BEGIN or COMMIT round trip.
    assert seen == {"transactions": ["begin"], "statements": ["SELECT"]}


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


def test_a_well_formed_pull_skips_the_frameworks_dependency_resolution(
    team: Any, make_visit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = pull_route_calls(monkeypatch)
    olive = team.laptop("olive")
    olive.push(olive.upsert("visit", make_visit()))
    assert len(olive.sync()) == 0
    assert len(olive.records) == 1
    page = olive.pull_page(since=olive.cursor, limit=5000)
    assert (page["records"], page["next"]) == ([], olive.cursor)
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("limit=0", {}, 422),
        ("limit=5001", {}, 422),
        ("limit=ten", {}, 422),
        ("since=not-a-cursor", {}, 400),
        ("since=" + "A" * 201, {}, 422),
        ("", {"Authorization": "Basic abc"}, 401),
        ("", {"Authorization": ""}, 401),
        ("", {"Authorization": "Bearer " + "x" * 201}, 401),
        ("", {"User-Agent": "fieldkit/0.0.1 (protocol 2026-11-27)"}, 426),
        ("limit=10&unknown=1", {}, 200),
        ("limit=10&limit=20", {}, 200),
    ],
)
def test_a_pull_the_quick_route_does_not_take_is_answered_as_before(
    team: Any,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    headers: dict[str, str],
    status: int,
) -> None:
    """Odd requests fall through to the framework's route: its validation and errors hold."""
    olive = team.laptop("olive")
    calls = pull_route_calls(monkeypatch)
    reply = client.get("/v1/sync/pull?" + query, headers={**olive.auth, **headers})
    assert reply.status_code == status, reply.text
    if status != 200:
        assert reply.headers["content-type"] == "application/problem+json"
    assert calls == []


def test_the_quick_route_refuses_a_token_it_does_not_know(
    team: Any, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    olive = team.laptop("olive")
    olive.sync()
    calls = pull_route_calls(monkeypatch)
    reply = client.get(
        "/v1/sync/pull", params={"since": olive.cursor}, headers={"Authorization": "Bearer nope"}
    )
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"] == "Bearer"
    assert reply.json()["code"] == "unauthorized"
    assert calls == [1]


def test_a_revoked_device_is_told_to_wipe_by_the_quick_route(
    team: Any, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    olive = team.laptop("olive")
    olive.sync()
    calls = pull_route_calls(monkeypatch)
    engine = client.app.state.context.engine  # type: ignore[attr-defined]
    now = team.clock()
    run_in_transaction(
        session_factory(engine),
        lambda s: accounts.revoke_device(s, device_id=olive.device_id, now=now),
    )
    reply = client.get("/v1/sync/pull", params={"since": olive.cursor}, headers=olive.auth)
    assert reply.status_code == 401
    assert reply.headers["content-type"] == "application/problem+json"
    assert (reply.json()["code"], reply.json()["wipe"]) == ("device_revoked", True)
    assert calls == [1]


@pytest.mark.postgres
def test_a_page_of_records_is_two_reads_and_one_write_on_postgres(
    pg_url: str, clock: FakeClock, make_visit: Any
) -> None:
    """The token and clock look; the clock, records and purge in one read of the snapshot (the
    device is less than a page behind); then one statement for the holding range, the
    disclosure row and the device's cursor. All three on one connection in autocommit: no
    transaction of the session's, each statement its own."""
    settings = Settings(db_url=pg_url, migrate_on_start=False, **FAST_ARGON2)
    with TestClient(create_app(settings, clock=clock)) as client:
        team = Team(client, clock, settings)
        olive = team.laptop("olive")
        olive.sync()
        olive.push(olive.upsert("visit", make_visit()))
        engine: Engine = client.app.state.context.engine  # type: ignore[attr-defined]
        with _watched(engine) as seen:
            page = olive.pull_page(since=olive.cursor)
        assert len(page["records"]) == 1
        assert seen == {
            "transactions": ["begin"],
            "statements": ["SELECT", "SELECT", "WITH"],
        }
        with engine.connect() as conn:
            disclosed = conn.execute(
                text("SELECT count(*) FROM audit_events WHERE action = 'disclose'")
            ).scalar_one()
            cursor = conn.execute(
                text("SELECT last_cursor FROM devices WHERE id = :d"), {"d": olive.device_id}
            ).scalar_one()
        assert disclosed == 1  # this page (the first sync sent nothing)
        assert cursor == page["next"]


@pytest.mark.postgres
def test_a_page_walks_the_position_index_and_sorts_nothing_while_statistics_lag(
    pg_url: str, clock: FakeClock, make_visit: Any
) -> None:
    """A page reads the records in position order from the index and stops at its limit.

    Right after a burst of pushes the table has no statistics yet: left to itself the planner
    read the whole rest of the range and sorted it, so each page cost as much as the rest of
    the pull. In the pull's own transaction the page's plan has no sort.
    """
    settings = Settings(db_url=pg_url, migrate_on_start=False, **FAST_ARGON2)
    with TestClient(create_app(settings, clock=clock)) as client:
        team = Team(client, clock, settings)
        olive = team.laptop("olive")
        for _ in range(6):
            olive.push(*(olive.upsert("visit", make_visit()) for _ in range(500)))
        engine: Engine = client.app.state.context.engine  # type: ignore[attr-defined]
        pages: list[tuple[str, Any]] = []

        def capture(*args: Any) -> None:
            if str(args[2]).lstrip().startswith("SELECT records.id"):
                pages.append((str(args[2]), args[3]))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            page = olive.pull_page(limit=20)
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        assert len(page["records"]) == 20
        assert page["more"] is True
        statement, params = pages[-1]
        with session_factory(engine)() as session:
            principal = accounts.user_view(session, username="olive").principal
        reader = pull.Reader(principal, olive.device_id)

        def plan(session: Any) -> str:
            # The page again, in a transaction of its own, then the plan of its records read
            # under the settings the pull left for the rest of that transaction.
            pull.pull_page(session, reader=reader, since=None, limit=20, now=clock())
            raw = session.connection().connection.driver_connection
            rows = raw.execute("EXPLAIN " + statement, params).fetchall()
            session.rollback()
            return "\n".join(r[0] for r in rows)

        shown = run_in_transaction(session_factory(engine), plan, isolation="REPEATABLE READ")
        assert "Sort" not in shown, shown
        assert "uq_records_seq" in shown, shown
