"""Real server processes on 127.0.0.1: the embedded default, and two processes acting as one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

PASSWORD = "correct horse battery"
BIN = Path(sys.executable).parent / "fieldkit-server"
ENV = {
    **os.environ,
    "FIELDKIT_SERVER_ARGON2_TIME_COST": "1",
    "FIELDKIT_SERVER_ARGON2_MEMORY_KIB": "64",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _cli(*args: str, stdin: str = "", cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(BIN), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=ENV,
        cwd=cwd,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Process:
    """A `fieldkit-server serve` process, stopped when the test ends."""

    def __init__(self, db: str | None, cwd: Path) -> None:
        self.port = _free_port()
        args = [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        args += ["--db", db] if db else []
        self.proc = subprocess.Popen(
            args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.proc.stderr.read() if self.proc.stderr else ""
            try:
                if self.http.get("/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("server did not start within 30 s")

    def stop(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Any]:
    started: list[Process] = []

    def start(db: str | None) -> Process:
        started.append(Process(db, tmp_path))
        return started[-1]

    yield start
    for process in started:
        process.stop()


def _login(server: Process, username: str) -> dict[str, Any]:
    reply = server.http.post(
        "/v1/auth/login",
        json={"username": username, "password": PASSWORD, "device_name": "laptop"},
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _visit_change() -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "type": "visit",
        "id": str(uuid.uuid4()),
        "op": "upsert",
        "hlc": f"{int(time.time() * 1000):015d}:0000:dev",
        "fields": {
            "occurred_at": "2026-11-27T10:00:00+00:00",
            "district": "huddersfield",
            "kind": "patrol",
        },
        "base": {},
    }


def test_serve_with_no_db_just_works_on_a_sqlite_file(processes: Any, tmp_path: Path) -> None:
    _cli("init", cwd=tmp_path)
    _cli(
        "user",
        "add",
        "--username",
        "olive",
        "--role",
        "officer",
        "--agency",
        "council",
        "--district",
        "huddersfield",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        cwd=tmp_path,
    )
    server = processes(None)
    assert (tmp_path / "fieldkit-server.sqlite3").exists()
    token = _login(server, "olive")["token"]
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"}
    change = _visit_change()
    pushed = server.http.post("/v1/sync/push", json={"changes": [change]}, headers=headers)
    assert pushed.json()["results"][0]["status"] == "applied"
    pulled = server.http.get("/v1/sync/pull", headers=headers)
    assert [r["id"] for r in pulled.json()["records"]] == [change["id"]]
    spec = server.http.get("/openapi.json").json()
    assert "/v1/sync/push" in spec["paths"]


@pytest.mark.postgres
def test_two_server_processes_on_one_postgres_behave_as_one(processes: Any, pg_url: str) -> None:
    _cli(
        "user",
        "add",
        "--username",
        "olive",
        "--role",
        "officer",
        "--agency",
        "police",
        "--district",
        "huddersfield",
        "--password-stdin",
        "--db",
        pg_url,
        stdin=PASSWORD + "\n",
    )
    one, two = processes(pg_url), processes(pg_url)
    token = _login(one, "olive")["token"]
    headers = {"Authorization": f"Bearer {token}"}
    batch = {"changes": [_visit_change() for _ in range(3)]}
    first = one.http.post("/v1/sync/push", json=batch, headers=headers).json()
    replay = two.http.post("/v1/sync/push", json=batch, headers=headers).json()
    assert [r["status"] for r in first["results"]] == ["applied"] * 3
    assert [r["status"] for r in replay["results"]] == ["duplicate"] * 3
    # A cursor from one process continues on the other.
    page = one.http.get("/v1/sync/pull", params={"limit": 2}, headers=headers).json()
    rest = two.http.get("/v1/sync/pull", params={"since": page["next"]}, headers=headers).json()
    assert len(page["records"]) + len(rest["records"]) == 3
    assert not rest["more"]
    # Failed logins count across both processes.
    for server in (one, two, one, two, one):
        bad = {"username": "olive", "password": "guess", "device_name": "x"}
        assert server.http.post("/v1/auth/login", json=bad).status_code == 401
    locked = two.http.post(
        "/v1/auth/login", json={"username": "olive", "password": PASSWORD, "device_name": "x"}
    )
    assert locked.status_code == 429
    # Signing out on one process ends the token on the other.
    assert two.http.post("/v1/auth/logout", headers=headers).status_code == 204
    assert one.http.get("/v1/handshake", headers=headers).status_code == 401
