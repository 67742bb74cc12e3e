"""Real `fieldkit-server serve` processes on 127.0.0.1 (SQLite and PostgreSQL) and laptops."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.factories import PASSPHRASE
from tests.kdf import TEST_KDF

from fieldkit.services.sync_engine import SyncEngine, SyncHooks, SyncReport
from fieldkit.services.transfer import export_records
from fieldkit.store.vault import Vault
from fieldkit.sync.transport import Transport, TransportConfig
from fieldkit_server import accounts
from fieldkit_server.db import make_engine, migrate, run_in_transaction, session_factory
from fieldkit_server.security import Passwords

PASSWORD = "correct horse battery"
BIN = Path(sys.executable).parent / "fieldkit-server"
SERVER_ENV = {
    **os.environ,
    "FIELDKIT_SERVER_ARGON2_TIME_COST": "1",
    "FIELDKIT_SERVER_ARGON2_MEMORY_KIB": "64",
    # Tests sign in many times from one address; the limit is the server's business, not ours.
    "FIELDKIT_SERVER_LOGIN_MAX_FAILURES": "1000",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def postgres_url_or_skip() -> str:
    url = os.environ.get("FIELDKIT_TEST_PG_URL")
    if url:
        return url
    reason = "FIELDKIT_TEST_PG_URL is not set (run scripts/start-postgres and export its output)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(reason)


STARTUP_SECONDS = 90


class ServerProcess:
    """A `fieldkit-server serve` process on 127.0.0.1 that a test may kill and restart."""

    def __init__(self, db_url: str, cwd: Path) -> None:
        self.db_url = db_url
        self.cwd = cwd
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--db", self.db_url, "--log-level", "warning"]
        self.proc = subprocess.Popen(
            args, cwd=self.cwd, env=SERVER_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        # Generous: on a shared, loaded machine a cold start of Python + FastAPI can take a while.
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(self.proc.stderr.read() if self.proc.stderr else b"")
            try:
                if requests.get(self.url + "/v1/health", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError(f"server did not start within {STARTUP_SECONDS} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing; whatever was committed is all there is."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Admin:
    """The server's administrator, working on its database directly (as the CLI does)."""

    db_url: str

    def _run(self, work: Callable[[Any], Any]) -> Any:
        engine = make_engine(self.db_url)
        try:
            return run_in_transaction(session_factory(engine), work)
        finally:
            engine.dispose()

    def add_user(
        self,
        username: str,
        *,
        role: str = "officer",
        districts: tuple[str, ...] = ("huddersfield",),
        agency: str = "council",
    ) -> None:
        passwords = Passwords(time_cost=1, memory_kib=64)
        self._run(
            lambda s: accounts.add_user(
                s,
                username=username,
                password=PASSWORD,
                role=role,
                agency=agency,
                districts=list(districts),
                safeguarding=False,
                display_name=username.title(),
                passwords=passwords,
                now=datetime.now(UTC),
            )
        )

    def set_districts(self, username: str, districts: tuple[str, ...]) -> None:
        self._run(
            lambda s: accounts.set_user_districts(s, username=username, districts=list(districts))
        )

    def revoke_device(self, device_id: str) -> None:
        self._run(lambda s: accounts.revoke_device(s, device_id=device_id, now=datetime.now(UTC)))

    def disable_user(self, username: str) -> None:
        self._run(lambda s: accounts.disable_user(s, username=username, now=datetime.now(UTC)))


@dataclass
class Server:
    process: ServerProcess
    admin: Admin

    @property
    def url(self) -> str:
        return self.process.url

    def login(self, username: str) -> dict[str, Any]:
        reply = requests.post(
            self.url + "/v1/auth/login",
            json={"username": username, "password": PASSWORD, "device_name": "observer"},
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        body: dict[str, Any] = reply.json()
        return body

    def view(self, username: str) -> dict[str, tuple[str, dict[str, Any]]]:
        """Every live record the user may see, pulled from the beginning by a fresh device."""
        token = self.login(username)["token"]
        records: dict[str, tuple[str, dict[str, Any]]] = {}
        since: str | None = None
        for _page in range(10_000):
            params: dict[str, Any] = {"limit": 5000}
            if since is not None:
                params["since"] = since
            reply = requests.get(
                self.url + "/v1/sync/pull",
                params=params,
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            assert reply.status_code == 200, reply.text
            page = reply.json()
            for record in page["records"]:
                if record["deleted"]:
                    records.pop(record["id"], None)
                else:
                    records[record["id"]] = (record["type"], record["fields"])
            since = page["next"]
            if not page["more"]:
                return records
        raise AssertionError("pull did not end")

    def conflicts(self, supervisor: str) -> list[dict[str, Any]]:
        token = self.login(supervisor)["token"]
        reply = requests.get(
            self.url + "/v1/conflicts",
            params={"include_resolved": "true", "limit": "1000"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        found: list[dict[str, Any]] = reply.json()["conflicts"]
        return found


def _postgres_schema() -> Iterator[str]:
    base = postgres_url_or_skip()
    schema = "s_" + uuid.uuid4().hex[:16]
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _start(kind: str, tmp: Path) -> Iterator[Server]:
    if kind == "sqlite":
        urls: Iterator[str] = iter([f"sqlite:///{tmp / 'server.sqlite3'}"])
    else:
        urls = _postgres_schema()
    url = next(urls)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    process = ServerProcess(url, tmp)
    try:
        yield Server(process, Admin(url))
    finally:
        process.stop()
        for _ in urls:  # drop the PostgreSQL schema
            pass


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A real server process on a fresh database, SQLite or PostgreSQL."""
    yield from _start(request.param, tmp_path)


@pytest.fixture
def postgres_server(tmp_path: Path) -> Iterator[Server]:
    """A real server on PostgreSQL, for walks whose point is the partnership's deployment."""
    yield from _start("postgres", tmp_path)


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[Server]:
    """A real server on SQLite, for scenarios whose point is not the database."""
    yield from _start("sqlite", tmp_path)


class OffsetClock:
    """The laptop's wall clock: real time, shifted by a chosen amount (clock-skew tests)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Laptop:
    """One officer's laptop: a vault on disk and an engine syncing it through a transport."""

    folder: Path
    username: str
    server_url: str
    clock: OffsetClock = field(default_factory=OffsetClock)
    vault: Vault | None = None
    password: str | None = PASSWORD
    read_timeout: float = 30.0
    hooks: SyncHooks | None = None
    pull_limit: int = 1000
    push_batch: int = 500
    transport: Transport | None = None

    def open(self) -> Vault:
        if self.vault is None or self.vault.locked:
            if (self.folder / "vault.key").exists():
                self.vault = Vault.unlock(self.folder, passphrase=PASSPHRASE, now=self.clock)
            else:
                self.vault = Vault.create(
                    self.folder,
                    username=self.username,
                    passphrase=PASSPHRASE,
                    kdf=TEST_KDF,
                    now=self.clock,
                )
        return self.vault

    def engine(self) -> SyncEngine:
        if self.transport is None:
            self.transport = Transport(
                TransportConfig(
                    server_url=self.server_url,
                    connect_timeout=2.0,
                    read_timeout=self.read_timeout,
                    max_attempts=4,
                    backoff_base=0.01,
                    backoff_cap=0.05,
                    retry_after_cap=0.1,
                )
            )
        password = self.password
        return SyncEngine(
            self.open(),
            self.transport,
            username=self.username,
            password=lambda: password,
            device_name=self.folder.name,
            hooks=self.hooks,
            pull_limit=self.pull_limit,
            push_batch=self.push_batch,
        )

    def sync(self) -> SyncReport:
        return self.engine().run()

    def records(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """The vault's live records, through the same export the officer would use."""
        out = io.StringIO()
        export_records(self.open(), out, reason="test comparison")
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        for line in out.getvalue().splitlines():
            doc = json.loads(line)
            found[doc["id"]] = (doc["type"], doc["fields"])
        return found

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        if self.vault is not None and not self.vault.locked:
            self.vault.lock()


@pytest.fixture
def laptops(tmp_path: Path) -> Iterator[Callable[..., Laptop]]:
    made: list[Laptop] = []

    def make(name: str, username: str, server_url: str, **options: Any) -> Laptop:
        laptop = Laptop(tmp_path / "laptops" / name, username, server_url, **options)
        laptop.open()
        made.append(laptop)
        return laptop

    yield make
    for laptop in made:
        laptop.close()
