"""Readiness, metrics and logs: what an operator watches, and what must never be in it."""

from __future__ import annotations

import json
import logging
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
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.server.conftest import FAST_ARGON2, postgres_url_or_skip, with_schema

from fieldkit_server.app import create_app
from fieldkit_server.db import make_engine, migrate
from fieldkit_server.metrics import Counter, Histogram
from fieldkit_server.observability import JsonLines, PlainText, device_tag
from fieldkit_server.settings import LogFormat, Settings

BIN = Path(sys.executable).parent / "fieldkit-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that answers but has no schema yet: a new SQLite file or PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    base = postgres_url_or_skip()
    schema = "e_" + uuid.uuid4().hex[:16]
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_schema(base, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _unreachable(db_url: str, tmp_path: Path) -> str:
    """The same kind of database, somewhere that does not answer."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'no-such-directory' / 'server.sqlite3'}"
    return make_url(db_url).set(port=_free_port()).render_as_string(hide_password=False)


def _app(db_url: str) -> TestClient:
    settings = Settings(db_url=db_url, migrate_on_start=False, **FAST_ARGON2)  # type: ignore[arg-type]
    return TestClient(create_app(settings))


def _scrape(client: TestClient) -> dict[str, float]:
    """Every sample of /metrics, keyed by its series as written (name and labels)."""
    reply = client.get("/metrics")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, float] = {}
    for line in reply.text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            samples[series] = float(value)
    return samples


# Readiness --------------------------------------------------------------------------------------


def test_ready_answers_200_when_the_schema_is_at_the_newest_migration(client: TestClient) -> None:
    reply = client.get("/v1/ready")
    assert reply.status_code == 200
    assert reply.json()["database"] == "ok"


def test_ready_is_503_until_the_database_is_migrated_while_health_says_alive(
    empty_db_url: str,
) -> None:
    with _app(empty_db_url) as client:
        reply = client.get("/v1/ready")
        assert reply.status_code == 503
        assert reply.headers["content-type"] == "application/problem+json"
        assert reply.json()["code"] == "schema_not_current"
        assert client.get("/v1/health").status_code == 200

        engine = make_engine(empty_db_url)
        migrate(engine)
        engine.dispose()
        assert client.get("/v1/ready").status_code == 200


def test_ready_and_health_are_503_when_the_database_does_not_answer(
    db_url: str, tmp_path: Path
) -> None:
    with _app(_unreachable(db_url, tmp_path)) as client:
        reply = client.get("/v1/ready")
        assert reply.status_code == 503
        assert reply.json()["code"] == "database_unavailable"
        assert client.get("/v1/health").status_code == 503
        samples = _scrape(client)
    assert samples['fieldkit_http_server_errors_total{route="/v1/ready",status="503"}'] == 1
    assert samples['fieldkit_http_server_errors_total{route="/v1/health",status="503"}'] == 1


# Metrics ----------------------------------------------------------------------------------------


def test_metrics_count_a_push_and_a_pull_by_route_template_without_ids(
    team: Any, make_visit: Any
) -> None:
    laptop = team.laptop("olive")
    visit = laptop.upsert("visit", make_visit())
    laptop.push(visit, laptop.upsert("visit", make_visit(district="nowhere")))
    laptop.push(visit)  # the same change again: a duplicate
    laptop.sync()
    missing = team.client.post("/v1/conflicts/424242/resolve", headers=laptop.auth)
    assert missing.status_code == 403

    samples = _scrape(team.client)
    requests = "fieldkit_http_requests_total"
    assert samples[f'{requests}{{method="POST",route="/v1/sync/push",status="200"}}'] == 2
    assert samples[f'{requests}{{method="GET",route="/v1/sync/pull",status="200"}}'] == 1
    assert samples[f'{requests}{{method="POST",route="/v1/auth/login",status="200"}}'] == 1
    resolve = '{method="POST",route="/v1/conflicts/{conflict_id}/resolve",status="403"}'
    assert samples[requests + resolve] == 1
    latency = "fieldkit_http_request_duration_seconds"
    push_labels = '{method="POST",route="/v1/sync/push",status="200"'
    assert samples[f"{latency}_count{push_labels}}}"] == 2
    assert samples[f'{latency}_bucket{push_labels},le="+Inf"}}'] == 2
    assert samples['fieldkit_sync_changes_pushed_total{status="applied"}'] == 1
    assert samples['fieldkit_sync_changes_pushed_total{status="rejected"}'] == 1
    assert samples['fieldkit_sync_changes_pushed_total{status="duplicate"}'] == 1
    assert samples["fieldkit_sync_records_pulled_total"] == 1
    assert samples["fieldkit_sync_purges_total"] == 0
    series = "\n".join(samples)
    for an_id in ("424242", laptop.device_id, visit["id"], laptop.token):
        assert an_id not in series


def test_metrics_count_refused_sign_ins_by_reason(team: Any) -> None:
    team.add_user("olive")
    for _ in range(team.settings.login_max_failures + 1):
        team.client.post(
            "/v1/auth/login",
            json={"username": "olive", "password": "wrong", "device_name": "laptop"},
        )
    samples = _scrape(team.client)
    failures = team.settings.login_max_failures
    assert samples['fieldkit_login_failures_total{reason="refused"}'] == failures
    assert samples['fieldkit_login_failures_total{reason="rate_limited"}'] == 1


def test_an_unknown_path_is_counted_as_unmatched_not_by_its_path(client: TestClient) -> None:
    assert client.get("/v1/no-such-thing-7f3a").status_code == 404
    samples = _scrape(client)
    assert samples['fieldkit_http_requests_total{method="GET",route="unmatched",status="404"}'] == 1
    assert not any("7f3a" in series for series in samples)


@pytest.mark.parametrize(
    ("observations", "expected"),
    [
        ([], []),
        ([0.05], ['h_bucket{le="0.1"} 1', 'h_bucket{le="1"} 1', 'h_bucket{le="+Inf"} 1']),
        ([0.1, 0.5, 3.0], ['h_bucket{le="0.1"} 1', 'h_bucket{le="1"} 2', 'h_bucket{le="+Inf"} 3']),
    ],
)
def test_histogram_buckets_are_cumulative_and_end_at_inf(
    observations: list[float], expected: list[str]
) -> None:
    histogram = Histogram("h", "help", bounds=(0.1, 1.0))
    for seconds in observations:
        histogram.observe(seconds)
    lines = list(histogram.render())
    assert lines[:2] == ["# HELP h help", "# TYPE h histogram"]
    assert [line for line in lines if "_bucket" in line] == expected
    if observations:
        assert f"h_count {len(observations)}" in lines


def test_label_values_are_escaped_in_the_text_format() -> None:
    counter = Counter("c_total", "help", ("route",))
    counter.inc('a"b\\c\nd')
    assert list(counter.render())[-1] == 'c_total{route="a\\"b\\\\c\\nd"} 1'


# Logs -------------------------------------------------------------------------------------------


def _access_record(**http: Any) -> logging.LogRecord:
    record = logging.LogRecord(
        "fieldkit_server.access", logging.INFO, __file__, 1, "request", (), None
    )
    record.http = http
    return record


def test_a_request_log_line_is_one_json_object_or_one_line_of_text() -> None:
    fields = {"method": "GET", "route": "/v1/sync/pull", "status": 200, "duration_ms": 12.5}
    record = _access_record(**fields, device="0123456789ab")
    line = json.loads(JsonLines().format(record))
    assert line["logger"] == "fieldkit_server.access"
    assert {k: line[k] for k in fields} == fields
    assert (
        PlainText()
        .format(record)
        .endswith("fieldkit_server.access: GET /v1/sync/pull 200 12.5ms device=0123456789ab")
    )


def test_log_format_comes_from_the_environment() -> None:
    assert Settings.from_env({"FIELDKIT_SERVER_LOG_FORMAT": "json"}).log_format is LogFormat.JSON
    assert Settings.from_env({}).log_format is LogFormat.TEXT
    with pytest.raises(ValueError, match="FIELDKIT_SERVER_LOG_FORMAT"):
        Settings.from_env({"FIELDKIT_SERVER_LOG_FORMAT": "xml"})


def _wait_until_ready(server: subprocess.Popen[str], http: httpx.Client) -> None:
    """Until the server's /v1/ready answers 200 (bounded: 30 s, or the server exiting)."""
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, "the server exited"
        assert time.monotonic() < deadline, "the server was not ready within 30 s"
        try:
            if http.get("/v1/ready").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)


def test_log_level_comes_from_the_environment() -> None:
    assert Settings.from_env({"FIELDKIT_SERVER_LOG_LEVEL": "WARNING"}).log_level == "warning"
    assert Settings.from_env({}).log_level == "info"
    with pytest.raises(ValueError, match="FIELDKIT_SERVER_LOG_LEVEL"):
        Settings.from_env({"FIELDKIT_SERVER_LOG_LEVEL": "loud"})


@pytest.mark.parametrize(("workers", "level"), [(1, "warning"), (2, "warning"), (2, "info")])
def test_every_worker_keeps_to_the_log_level_serve_was_given(
    db_url: str, workers: int, level: str
) -> None:
    port = _free_port()
    options = ["--workers", str(workers), "--log-level", level, "--log-format", "json"]
    server = subprocess.Popen(
        [str(BIN), "serve", "--db", db_url, "--port", str(port), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            _wait_until_ready(server, http)
        for _ in range(4):  # each on a new connection: both workers, most likely
            assert httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=5).status_code == 200
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    requests = [line for line in lines if line["logger"] == "fieldkit_server.access"]
    if level == "info":
        assert len(requests) >= 5, "each request is logged at info"
    else:
        assert requests == [], "a request's line is info: not written at warning"
        assert all(line["level"] in ("warning", "error", "critical") for line in lines)


def _cli(db_url: str, *args: str, stdin: str = "") -> None:
    env = {**os.environ, "FIELDKIT_SERVER_ARGON2_TIME_COST": "1"}
    env["FIELDKIT_SERVER_ARGON2_MEMORY_KIB"] = "64"
    done = subprocess.run(
        [str(BIN), *args, "--db", db_url],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_json_logs_of_a_real_server_hold_no_token_password_username_or_record_content(
    db_url: str, workers: int
) -> None:
    username, password = "zebedee_marker", "Pa55-marker-secret"
    narrative = "Narrative-marker-Q7: seen at 14 Acacia Avenue"
    role = ["--role", "officer", "--agency", "council", "--district", "huddersfield"]
    _cli(db_url, "user", "add", "--username", username, *role, "--password-stdin", stdin=password)
    port = _free_port()
    serve_options = ["--workers", str(workers), "--log-format", "json"]
    env = {**os.environ, "FIELDKIT_SERVER_ARGON2_TIME_COST": "1"}
    env["FIELDKIT_SERVER_ARGON2_MEMORY_KIB"] = "64"
    server = subprocess.Popen(
        [str(BIN), "serve", "--db", db_url, "--port", str(port), *serve_options],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        _wait_until_ready(server, http)
        wrong = {"username": username, "password": "wrong-marker-pw", "device_name": "Laptop-Q7"}
        assert http.post("/v1/auth/login", json=wrong).status_code == 401
        right = {**wrong, "password": password}
        body = http.post("/v1/auth/login", json=right).json()
        token, device_id = body["token"], body["device_id"]
        auth = {"Authorization": f"Bearer {token}"}
        record_id = str(uuid.uuid4())
        change = {
            "change_id": str(uuid.uuid4()),
            "type": "visit",
            "id": record_id,
            "op": "upsert",
            "hlc": f"{int(time.time() * 1000):015d}:0000:{device_id}",
            "fields": {
                "occurred_at": "2026-11-27T10:00:00+00:00",
                "district": "huddersfield",
                "kind": "patrol",
                "narrative": narrative,
            },
            "base": {},
        }
        pushed = http.post("/v1/sync/push", json={"changes": [change]}, headers=auth)
        assert pushed.json()["results"][0]["status"] == "applied"
        assert http.get("/v1/sync/pull", headers=auth).json()["records"][0]["id"] == record_id
        bad_cursor = http.get("/v1/sync/pull", params={"since": "cursor-marker-Q7"}, headers=auth)
        assert bad_cursor.status_code == 400
    finally:
        http.close()
        server.terminate()
        _, stderr = server.communicate(timeout=30)

    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    requests = [line for line in lines if line["logger"] == "fieldkit_server.access"]
    seen = {(r["method"], r["route"], r["status"]) for r in requests}
    assert ("POST", "/v1/auth/login", 401) in seen
    assert ("POST", "/v1/sync/push", 200) in seen
    assert ("GET", "/v1/sync/pull", 400) in seen
    pushes = [r for r in requests if r["route"] == "/v1/sync/push"]
    assert pushes[0]["device"] == device_tag(device_id)
    assert all(isinstance(r["duration_ms"], float) for r in requests)
    secrets = [token, password, "wrong-marker-pw", username, "Q7", "Acacia", record_id, device_id]
    for secret in secrets:
        assert secret not in stderr
