"""Bad input gets a clear 4xx problem, never a 500 and never a partial write."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest


def _post(laptop: Any, body: bytes, **headers: str) -> Any:
    return laptop.client.post(
        "/v1/sync/push",
        content=body,
        headers={**laptop.auth, "Content-Type": "application/json", **headers},
    )


def _nothing_written(laptop: Any) -> bool:
    return laptop.pull_page()["records"] == []


def test_malformed_json_is_a_400_problem(team: Any) -> None:
    laptop = team.laptop("olive")
    reply = _post(laptop, b'{"changes": [')
    assert reply.status_code == 400
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "bad_json"


@pytest.mark.parametrize(
    ("mutation", "where"),
    [
        ({"change_id": "not-a-uuid"}, "change_id"),
        ({"id": 12}, "id"),
        ({"type": "spaceship"}, "type"),
        ({"op": "merge"}, "op"),
        ({"hlc": "yesterday"}, "hlc"),
        ({"fields": []}, "fields"),
        ({"base": {"narrative": "not a clock"}}, "base"),
    ],
)
def test_a_wrong_shape_anywhere_rejects_the_whole_batch(
    team: Any, make_visit: Any, mutation: dict[str, Any], where: str
) -> None:
    laptop = team.laptop("olive")
    good = laptop.upsert("visit", make_visit())
    bad = {**laptop.upsert("visit", make_visit()), **mutation}
    reply = _post(laptop, json.dumps({"changes": [good, bad]}).encode())
    assert reply.status_code == 422
    assert reply.headers["content-type"] == "application/problem+json"
    assert any(where in e["location"] for e in reply.json()["errors"])
    assert _nothing_written(laptop)


def test_unknown_fields_reject_the_whole_batch(team: Any, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    good = laptop.upsert("visit", make_visit())
    bad = laptop.upsert("visit", make_visit(colour="blue"))
    reply = _post(laptop, json.dumps({"changes": [good, bad]}).encode())
    assert reply.status_code == 422
    assert reply.json()["code"] == "unknown_field"
    assert _nothing_written(laptop)


def test_more_than_a_thousand_changes_is_413(team: Any, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    change = laptop.upsert("visit", make_visit())
    reply = _post(laptop, json.dumps({"changes": [change] * 1001}).encode())
    assert reply.status_code == 413
    assert _nothing_written(laptop)


def test_a_body_over_five_megabytes_is_413(team: Any) -> None:
    laptop = team.laptop("olive")
    reply = _post(laptop, b"{" + b" " * (5 * 1024 * 1024 + 1) + b"}")
    assert reply.status_code == 413
    assert reply.headers["content-type"] == "application/problem+json"


def test_a_gzip_bomb_is_413(team: Any) -> None:
    laptop = team.laptop("olive")
    bomb = gzip.compress(b'{"changes":[' + b" " * (6 * 1024 * 1024) + b"]}")
    assert len(bomb) < 100_000
    reply = _post(laptop, bomb, **{"Content-Encoding": "gzip"})
    assert reply.status_code == 413


def test_gzip_encoded_push_is_accepted(team: Any, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    change = laptop.upsert("visit", make_visit())
    body = gzip.compress(json.dumps({"changes": [change]}).encode())
    reply = _post(laptop, body, **{"Content-Encoding": "gzip"})
    assert reply.status_code == 200
    assert reply.json()["results"][0]["status"] == "applied"


def test_broken_gzip_is_a_400(team: Any) -> None:
    laptop = team.laptop("olive")
    reply = _post(laptop, b"definitely not gzip", **{"Content-Encoding": "gzip"})
    assert reply.status_code == 400


@pytest.mark.parametrize("cursor", ["garbage", "YzEuMS4x", "", "Yz" * 50])
def test_a_cursor_the_server_did_not_issue_is_a_400(team: Any, cursor: str) -> None:
    laptop = team.laptop("olive")
    reply = team.client.get("/v1/sync/pull", params={"since": cursor}, headers=laptop.auth)
    assert reply.status_code == 400
    assert reply.json()["code"] == "bad_cursor"


@pytest.mark.parametrize("limit", ["0", "-5", "abc", "100000"])
def test_a_bad_page_size_is_a_422(team: Any, limit: str) -> None:
    laptop = team.laptop("olive")
    reply = team.client.get("/v1/sync/pull", params={"limit": limit}, headers=laptop.auth)
    assert reply.status_code == 422


@pytest.mark.parametrize("text", ["nul\u0000byte", "lone \ud800 surrogate"])
def test_strings_no_database_can_store_are_refused_not_500(
    team: Any, make_visit: Any, text: str
) -> None:
    laptop = team.laptop("olive")
    change = laptop.upsert("visit", make_visit(narrative=text))
    reply = _post(laptop, json.dumps({"changes": [change]}).encode())
    assert reply.status_code == 422
    event = {
        "event_id": change["id"],
        "at": "2026-11-27T09:00:00Z",
        "actor": text,
        "action": "view",
    }
    body = json.dumps({"events": [event]})  # escaped: a lone surrogate is valid JSON text
    reply = team.client.post("/v1/audit", content=body, headers=laptop.auth)
    assert reply.status_code == 422
    login = json.dumps({"username": text, "password": "x", "device_name": "laptop"})
    assert team.client.post("/v1/auth/login", content=login).status_code == 422
