"""Reference data with an ETag, health, handshake, gzip responses and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest

import fieldkit
from fieldkit_server import cli as server_cli


def test_reference_lists_districts_schemes_and_names_with_an_etag(team: Any) -> None:
    laptop = team.laptop("olive")
    reply = team.client.get("/v1/reference", headers=laptop.auth)
    assert reply.status_code == 200
    body = reply.json()
    assert [d["id"] for d in body["districts"]] == [
        "batley_spen",
        "dewsbury_mirfield",
        "huddersfield",
        "rural",
    ]
    assert "street_drinking_vagrancy" in [s["id"] for s in body["schemes"]]
    assert body["letter_templates"] == []
    assert {"id": laptop.user["id"], "username": "olive", "display_name": "Olive"} in body["users"]
    etag = reply.headers["etag"]
    again = team.client.get("/v1/reference", headers={**laptop.auth, "If-None-Match": etag})
    assert again.status_code == 304
    team.add_user("oscar")
    changed = team.client.get("/v1/reference", headers={**laptop.auth, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_health_needs_no_token_and_says_which_release_runs(team: Any) -> None:
    reply = team.client.get("/v1/health")
    assert reply.json() == {
        "status": "ok",
        "database": "ok",
        "protocol": "2026-11-27",
        "version": fieldkit.__version__,
    }


def test_the_server_command_line_reports_the_one_version(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The laptop's command line is checked beside it in tests/test_one_version.py: this folder
    # also runs where only the server and the core are installed (scripts/test-server-dist).
    with pytest.raises(SystemExit) as exit_:
        server_cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"fieldkit-server {fieldkit.__version__}"


def test_large_pulls_are_gzip_compressed(team: Any, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    laptop.push(*[laptop.upsert("visit", make_visit()) for _ in range(20)])
    reply = team.client.get("/v1/sync/pull", headers={**laptop.auth, "Accept-Encoding": "gzip"})
    assert reply.headers["content-encoding"] == "gzip"
    assert len(reply.json()["records"]) == 20


def test_the_openapi_document_names_every_endpoint(team: Any) -> None:
    paths = team.client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/auth/login",
        "/v1/auth/logout",
        "/v1/sync/push",
        "/v1/sync/pull",
        "/v1/reference",
        "/v1/health",
        "/v1/handshake",
        "/v1/audit",
        "/v1/conflicts",
    ):
        assert path in paths
