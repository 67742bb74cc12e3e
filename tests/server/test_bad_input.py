"""Bad input gets a clear 4xx problem, never a 500 and never a partial write."""

from __future__ import annotations

import gzip
import json
import logging
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.extreme_values import Literal, hostile_records, to_json

from fieldkit.domain.records import RecordType, ValidationError, validate_fields

#: Per database; each example is a push and a pull against the real server.
HOSTILE_EXAMPLES = 40


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
    good = laptop.upsert("visit", make_visit())
    bad = laptop.upsert("visit", make_visit(narrative=text))
    reply = _post(laptop, json.dumps({"changes": [good, bad]}).encode())
    assert reply.status_code == 200
    applied, refused = reply.json()["results"]
    assert applied["status"] == "applied"
    assert refused["status"] == "rejected"
    assert refused["reason"].startswith("invalid record: narrative: ")
    assert [r["id"] for r in laptop.pull_page()["records"]] == [good["id"]]
    event = {
        "event_id": good["id"],
        "at": "2026-11-27T09:00:00Z",
        "actor": text,
        "action": "view",
    }
    body = json.dumps({"events": [event]})  # escaped: a lone surrogate is valid JSON text
    reply = team.client.post("/v1/audit", content=body, headers=laptop.auth)
    assert reply.status_code == 422
    login = json.dumps({"username": text, "password": "x", "device_name": "laptop"})
    assert team.client.post("/v1/auth/login", content=login).status_code == 422


def _push_beside_a_good_visit(laptop: Any, make_visit: Any, bad: dict[str, Any]) -> Any:
    """Push a good visit and then `bad`; returns the bad change's result."""
    good = laptop.upsert("visit", make_visit())
    body = to_json({"changes": [good, bad]}).encode()
    reply = _post(laptop, body)
    assert reply.status_code == 200, reply.text
    applied, refused = reply.json()["results"]
    assert applied["status"] == "applied"
    assert [r["id"] for r in laptop.pull_page()["records"]] == [good["id"]]
    return refused


def test_a_latitude_written_as_a_400_digit_integer_rejects_only_its_change(
    team: Any, make_visit: Any
) -> None:
    laptop = team.laptop("olive")
    place = {"label": "Bus station", "district": "huddersfield", "lon": 0}
    bad = laptop.upsert("place", {**place, "lat": Literal("1" + "0" * 400)})
    refused = _push_beside_a_good_visit(laptop, make_visit, bad)
    assert refused["status"] == "rejected"
    assert refused["reason"] == "invalid record: lat: must be between -90 and 90"


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_time_that_overflows_when_converted_to_utc_rejects_only_its_change(
    team: Any, make_visit: Any, at: str
) -> None:
    laptop = team.laptop("olive")
    bad = laptop.upsert("visit", make_visit(occurred_at=at))
    refused = _push_beside_a_good_visit(laptop, make_visit, bad)
    assert refused["status"] == "rejected"
    assert refused["reason"] == "invalid record: occurred_at: must be between 1900 and 2200"


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_an_audit_event_at_a_time_outside_the_calendar_is_a_422(team: Any, at: str) -> None:
    laptop = team.laptop("olive")
    event = {"event_id": str(uuid.uuid4()), "at": at, "actor": "olive", "action": "view"}
    reply = team.client.post("/v1/audit", json={"events": [event]}, headers=laptop.auth)
    assert reply.status_code == 422
    assert reply.json()["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"changes": [], "note": "caf\xe9"}', "not UTF-8"),
        (b'{"changes": [], "note": "\xed\xa0\x80"}', "not UTF-8"),  # an encoded lone surrogate
        (b'{"changes": [], "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested"),
        (b'{"changes": [], "x": ' + b"[" * 40 + b"]" * 40 + b"}", "nested more than 32"),
        (b'{"changes": [], "device_seq": ' + b"9" * 5000 + b"}", "too many digits"),
        (b'{"changes": [], "device_seq": -' + b"9" * 5000 + b"}", "too many digits"),
        (b'{"changes": [}', "not valid JSON"),
    ],
)
def test_a_body_the_server_cannot_read_is_a_400_naming_why(
    team: Any, body: bytes, detail: str
) -> None:
    laptop = team.laptop("olive")
    reply = _post(laptop, body)
    assert reply.status_code == 400
    assert reply.headers["content-type"] == "application/problem+json"
    problem = reply.json()
    assert problem["code"] == "bad_json"
    assert detail in problem["detail"]
    assert _nothing_written(laptop)


def test_refused_values_never_reach_the_server_log(
    team: Any, make_visit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    laptop = team.laptop("olive")
    secret = "Jane Secretname \ud800 4 Hidden Lane"
    with caplog.at_level(logging.DEBUG):
        _push_beside_a_good_visit(
            laptop, make_visit, laptop.upsert("visit", make_visit(narrative=secret))
        )
        _post(laptop, b'{"changes": [], "note": "Jane Secretname \xff"}')
        _post(
            laptop,
            to_json(
                {
                    "changes": [
                        laptop.upsert(
                            "place",
                            {
                                "label": "Jane Secretname",
                                "district": "huddersfield",
                                "lat": Literal("9" * 5000),
                                "lon": 0,
                            },
                        )
                    ]
                }
            ).encode(),
        )
    assert caplog.records
    assert "Secretname" not in caplog.text


def test_hostile_values_in_any_record_never_fail_the_server_or_the_rest_of_the_batch(
    team: Any, make_visit: Any
) -> None:
    laptop = team.laptop("sue", role="supervisor", safeguarding=True)

    @settings(
        max_examples=HOSTILE_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        derandomize=True,
        database=None,
    )
    @given(case=hostile_records(), ascii_only=st.booleans())
    def push_beside_a_good_visit(
        case: tuple[RecordType, str, dict[str, Any]], ascii_only: bool
    ) -> None:
        record_type, field, fields = case
        if record_type is RecordType.VISIT and field != "officer_id":
            # The server stamps a visit's officer: only the hostile field is under test here.
            fields = {**fields, "officer_id": "sue"}
        good = laptop.upsert("visit", make_visit())
        bad = laptop.upsert(record_type.value, fields)
        text = to_json({"changes": [good, bad]}, ensure_ascii=ascii_only)
        # Unescaped, a lone surrogate becomes bytes that are not UTF-8: that is tried too.
        reply = _post(laptop, text.encode("utf-8", "surrogatepass"))
        before = set(laptop.records)
        laptop.sync()
        landed = set(laptop.records) - before
        assert reply.status_code < 500, reply.text
        if reply.status_code != 200:
            assert reply.status_code in (400, 422)
            assert reply.headers["content-type"] == "application/problem+json"
            assert not landed
            return
        applied, result = reply.json()["results"]
        assert applied["status"] == "applied"
        assert good["id"] in landed
        try:
            validate_fields(record_type, json.loads(text)["changes"][1]["fields"])
        except ValidationError:
            assert result["status"] == "rejected"
            # A hostile officer name is refused as authorship before it is read as a value.
            assert result["reason"].startswith("invalid record: ") or field == "officer_id"
            assert bad["id"] not in landed
        else:  # a hostile-looking value that is in range: stored, unless policy says no
            assert result["status"] == "applied" or not result["reason"].startswith("invalid")

    push_beside_a_good_visit()
