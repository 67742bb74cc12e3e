"""Signing in and out: tokens, revoked devices, disabled users, rate-limited failures."""

from __future__ import annotations

from typing import Any

from fieldkit_server import accounts
from fieldkit_server.db import make_engine, run_in_transaction, session_factory
from fieldkit_server.models import Token


def _login(team: Any, username: str, password: str | None = None) -> Any:
    body = {"username": username, "password": password or "correct horse battery"}
    return team.client.post("/v1/auth/login", json={**body, "device_name": "laptop"})


def _run(team: Any, work: Any) -> Any:
    engine = make_engine(team.settings.db_url)
    try:
        return run_in_transaction(session_factory(engine), work)
    finally:
        engine.dispose()


def test_login_returns_a_token_device_and_user(team: Any) -> None:
    team.add_user("olive", districts=("huddersfield", "rural"), safeguarding=True)
    body = _login(team, "olive").json()
    assert set(body) >= {"token", "device_id", "user", "last_device_seq"}
    assert body["user"] == {
        "id": body["user"]["id"],
        "username": "olive",
        "display_name": "Olive",
        "role": "officer",
        "agency": "council",
        "districts": ["huddersfield", "rural"],
        "safeguarding": True,
        "staff_number": "",
    }


def test_tokens_are_stored_only_as_hashes(team: Any) -> None:
    laptop = team.laptop("olive")
    stored = _run(team, lambda s: [t.token_hash for t in s.query(Token)])
    assert laptop.token not in stored
    assert len(stored) == 1


def test_unknown_user_and_wrong_password_get_the_same_answer(team: Any) -> None:
    team.add_user("olive")
    unknown = _login(team, "nobody")
    wrong = _login(team, "olive", "not the password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert unknown.headers["content-type"] == "application/problem+json"


def test_repeated_failures_are_rate_limited_even_with_the_right_password(team: Any) -> None:
    team.add_user("olive")
    for _ in range(team.settings.login_max_failures):
        assert _login(team, "olive", "guess").status_code == 401
    locked = _login(team, "olive")
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    team.clock.advance(seconds=team.settings.login_window_seconds + 1)
    assert _login(team, "olive").status_code == 200


def test_logout_revokes_the_token(team: Any) -> None:
    laptop = team.laptop("olive")
    assert team.client.post("/v1/auth/logout", headers=laptop.auth).status_code == 204
    reply = team.client.get("/v1/handshake", headers=laptop.auth)
    assert reply.status_code == 401
    assert reply.json()["code"] == "unauthorized"


def test_expired_token_is_refused(team: Any) -> None:
    laptop = team.laptop("olive")
    team.clock.advance(seconds=team.settings.token_ttl_seconds + 1)
    assert team.client.get("/v1/handshake", headers=laptop.auth).status_code == 401


def test_revoked_device_is_told_to_wipe(team: Any) -> None:
    laptop = team.laptop("olive")
    now = team.clock()
    _run(team, lambda s: accounts.revoke_device(s, device_id=laptop.device_id, now=now))
    reply = team.client.get("/v1/sync/pull", headers=laptop.auth)
    assert reply.status_code == 401
    assert reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["code"] == "device_revoked"
    assert reply.json()["wipe"] is True


def test_disabling_a_user_revokes_all_their_devices(team: Any) -> None:
    team.add_user("olive")
    first, second = team.login("olive"), team.login("olive")
    now = team.clock()
    _run(team, lambda s: accounts.disable_user(s, username="olive", now=now))
    for laptop in (first, second):
        reply = team.client.get("/v1/handshake", headers=laptop.auth)
        assert reply.json()["code"] == "device_revoked"
    assert _login(team, "olive").status_code == 401


def test_a_disabled_account_is_told_so_only_with_the_right_password(team: Any) -> None:
    team.add_user("olive")
    now = team.clock()
    _run(team, lambda s: accounts.disable_user(s, username="olive", now=now))
    right = _login(team, "olive")
    assert (right.status_code, right.json()["code"]) == (401, "account_disabled")
    wrong = _login(team, "olive", "not the password")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "login")


def test_an_account_carries_its_display_name_and_staff_number_to_the_laptop(team: Any) -> None:
    team.add_user("olive")
    now = team.clock()
    _run(
        team,
        lambda s: accounts.set_user(
            s,
            username="olive",
            display_name="  Olive   Okafor ",
            staff_number="KC 4471",
            now=now,
            actor="test",
        ),
    )
    user = _login(team, "olive").json()["user"]
    assert (user["display_name"], user["staff_number"]) == ("Olive Okafor", "KC 4471")


def test_requests_without_a_token_are_refused(team: Any) -> None:
    for path in ("/v1/sync/pull", "/v1/reference", "/v1/handshake"):
        reply = team.client.get(path)
        assert reply.status_code == 401
        assert reply.headers["www-authenticate"] == "Bearer"


def test_a_laptop_older_than_the_minimum_release_is_told_to_update(db_url: str, clock: Any) -> None:
    from dataclasses import replace

    from fastapi.testclient import TestClient
    from tests.server.conftest import FAST_ARGON2

    from fieldkit_server.app import create_app
    from fieldkit_server.settings import Settings

    settings = Settings(db_url=db_url, migrate_on_start=True, **FAST_ARGON2)  # type: ignore[arg-type]
    settings = replace(settings, min_client_version="0.2.0")
    body = {"username": "olive", "password": "whatever", "device_name": "laptop"}
    with TestClient(create_app(settings, clock=clock)) as client:
        old = client.post(
            "/v1/auth/login", json=body, headers={"User-Agent": "fieldkit/0.1.9 (protocol x)"}
        )
        assert old.status_code == 426
        problem = old.json()
        assert problem["code"] == "client_too_old"
        assert "0.2.0" in problem["detail"]
        current = client.post(
            "/v1/auth/login", json=body, headers={"User-Agent": "fieldkit/0.2.0 (protocol x)"}
        )
        assert current.status_code == 401  # past the version check: unknown user
