"""Fixtures for the server suite: every test runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fieldkit.domain.hlc import Hlc
from fieldkit_server import accounts, api
from fieldkit_server.app import create_app
from fieldkit_server.db import make_engine, migrate, run_in_transaction, session_factory
from fieldkit_server.security import Passwords
from fieldkit_server.settings import Settings

PASSWORD = "correct horse battery"
#: Cheap Argon2 parameters: the suite hashes hundreds of passwords.
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 64}
START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def postgres_url_or_skip() -> str:
    """The test PostgreSQL's URL; skips without one, except in CI where that is a failure."""
    url = os.environ.get("FIELDKIT_TEST_PG_URL")
    if url:
        return url
    reason = "FIELDKIT_TEST_PG_URL is not set (run scripts/start-postgres and export its output)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(reason)


def with_schema(url: str, schema: str) -> str:
    """The URL with a search_path, so that each test gets its own tables in one database."""
    parsed = make_url(url)
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A fresh, migrated, empty database: a SQLite file or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        yield url
        return
    yield from _postgres_schema()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL schema, for tests that only make sense on PostgreSQL."""
    yield from _postgres_schema()


def _postgres_schema() -> Iterator[str]:
    base = postgres_url_or_skip()
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = with_schema(base, schema)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


class FakeClock:
    """Server time that moves only when a test moves it."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def hlc(self, node: str, *, counter: int = 0, ahead_ms: int = 0) -> str:
        return str(Hlc(int(self.now.timestamp() * 1000) + ahead_ms, counter, node))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(db_url=db_url, migrate_on_start=False, **FAST_ARGON2)  # type: ignore[arg-type]


@pytest.fixture
def client(settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


@dataclass
class Laptop:
    """A signed-in laptop talking to the server through a client, as the sync engine would."""

    client: TestClient
    clock: FakeClock
    token: str
    device_id: str
    user: dict[str, Any]
    cursor: str | None = None
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def hlc(self, **kwargs: int) -> str:
        return self.clock.hlc(self.device_id, **kwargs)

    def upsert(
        self,
        record_type: str,
        fields: dict[str, Any],
        *,
        record_id: str | None = None,
        base: dict[str, str] | None = None,
        hlc: str | None = None,
    ) -> dict[str, Any]:
        return {
            "change_id": str(uuid.uuid4()),
            "type": record_type,
            "id": record_id or str(uuid.uuid4()),
            "op": "upsert",
            "hlc": hlc or self.hlc(),
            "fields": fields,
            "base": base or {},
        }

    def delete(self, record_type: str, record_id: str) -> dict[str, Any]:
        return {
            "change_id": str(uuid.uuid4()),
            "type": record_type,
            "id": record_id,
            "op": "delete",
            "hlc": self.hlc(),
            "fields": {},
            "base": {},
        }

    def push(self, *changes: dict[str, Any], **extra: Any) -> Any:
        reply = self.client.post(
            "/v1/sync/push", json={"changes": list(changes), **extra}, headers=self.auth
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    def push_one(self, change: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.push(change)["results"][0]
        return result

    def pull_page(self, *, since: str | None = None, limit: int = 1000) -> Any:
        params: dict[str, Any] = {"limit": limit}
        if since is not None:
            params["since"] = since
        reply = self.client.get("/v1/sync/pull", params=params, headers=self.auth)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def sync(self, *, limit: int = 1000) -> list[dict[str, str]]:
        """Pull until up to date, keeping records like a laptop does; returns the purges."""
        purged: list[dict[str, str]] = []
        while True:
            page = self.pull_page(since=self.cursor, limit=limit)
            for record in page["records"]:
                self.records[record["id"]] = record
            for gone in page["purge"]:
                self.records.pop(gone["id"], None)
            purged.extend(page["purge"])
            self.cursor = page["next"]
            if not page["more"]:
                return purged


@dataclass
class Team:
    """Makes users and signs them in on laptops."""

    client: TestClient
    clock: FakeClock
    settings: Settings

    def add_user(
        self,
        username: str,
        *,
        role: str = "officer",
        agency: str = "council",
        districts: tuple[str, ...] = ("huddersfield",),
        safeguarding: bool = False,
    ) -> accounts.UserView:
        sessions = session_factory(make_engine(self.settings.db_url))
        passwords = Passwords(time_cost=1, memory_kib=64)
        try:
            return run_in_transaction(
                sessions,
                lambda s: accounts.add_user(
                    s,
                    username=username,
                    password=PASSWORD,
                    role=role,
                    agency=agency,
                    districts=list(districts),
                    safeguarding=safeguarding,
                    display_name=username.title(),
                    passwords=passwords,
                    now=self.clock(),
                ),
            )
        finally:
            sessions.kw["bind"].dispose()

    def login(self, username: str, *, device_name: str = "laptop") -> Laptop:
        reply = self.client.post(
            "/v1/auth/login",
            json={"username": username, "password": PASSWORD, "device_name": device_name},
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        return Laptop(self.client, self.clock, body["token"], body["device_id"], body["user"])

    def laptop(self, username: str, **user: Any) -> Laptop:
        self.add_user(username, **user)
        return self.login(username)


@pytest.fixture
def team(client: TestClient, clock: FakeClock, settings: Settings) -> Team:
    return Team(client, clock, settings)


def visit(district: str = "huddersfield", **overrides: Any) -> dict[str, Any]:
    """A valid visit's fields; the server fills in ``officer_id`` from whoever pushes it."""
    fields: dict[str, Any] = {
        "occurred_at": "2026-11-27T10:00:00+00:00",
        "district": district,
        "kind": "patrol",
        "categories": ["street_drinking"],
        "narrative": "Two men drinking outside the library; moved on.",
    }
    fields.update(overrides)
    return fields


def person(district: str = "huddersfield", **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"given_name": "Sam", "family_name": "Example", "district": district}
    fields.update(overrides)
    return fields


@pytest.fixture
def make_visit() -> Any:
    return visit


@pytest.fixture
def make_person() -> Any:
    return person


def pull_route_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the pulls ``api.PullRoute`` (the route without dependency resolution) serves."""
    calls: list[int] = []
    handle = api.PullRoute.handle

    async def counted(self: api.PullRoute, scope: Any, receive: Any, send: Any) -> None:
        calls.append(1)
        await handle(self, scope, receive, send)

    monkeypatch.setattr(api.PullRoute, "handle", counted)
    return calls
