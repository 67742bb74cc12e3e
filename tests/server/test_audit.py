"""The s62 log: alterations, disclosures and laptops' events; append-only; exportable."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from fieldkit_server import audit, pull
from fieldkit_server.db import make_engine, session_factory
from fieldkit_server.models import AuditEvent


def _events(team: Any) -> list[dict[str, Any]]:
    engine = make_engine(team.settings.db_url)
    try:
        with session_factory(engine)() as session:
            return list(audit.iter_events(session))
    finally:
        engine.dispose()


def test_a_push_logs_the_alteration_without_the_data(team: Any, make_person: Any) -> None:
    laptop = team.laptop("olive")
    change = laptop.upsert("person", make_person(description="distinctive tattoo"))
    laptop.push(change)
    [created] = [e for e in _events(team) if e["action"] == "create"]
    assert created["record_id"] == change["id"]
    assert created["user_id"] == laptop.user["id"]
    assert created["device_id"] == laptop.device_id
    assert "description" in created["detail"]["fields"]
    assert "tattoo" not in json.dumps(_events(team))


def test_a_pull_logs_each_record_disclosed_to_the_user_and_device(
    team: Any, make_visit: Any
) -> None:
    olive = team.laptop("olive")
    sue = team.laptop("sue", role="supervisor")
    change = olive.upsert("visit", make_visit())
    olive.push(change)
    sue.sync()
    disclosures = [e for e in _events(team) if e["action"] == "disclose"]
    assert [(e["record_id"], e["user_id"], e["device_id"]) for e in disclosures] == [
        (change["id"], sue.user["id"], sue.device_id)
    ]


def test_a_refused_write_is_logged_with_its_reason(team: Any, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    laptop.push(laptop.upsert("visit", make_visit(district="rural")))
    [refused] = [e for e in _events(team) if e["action"] == "refused"]
    assert "rural" in refused["reason"]


def test_client_audit_events_are_stored_once(team: Any) -> None:
    laptop = team.laptop("olive")
    event = {
        "event_id": str(uuid.uuid4()),
        "at": "2026-11-27T09:30:00+00:00",
        "actor": "olive",
        "action": "print",
        "record_type": "person",
        "record_id": str(uuid.uuid4()),
        "reason": "yellow letter",
        "recipient": "the person",
    }
    first = team.client.post("/v1/audit", json={"events": [event]}, headers=laptop.auth)
    again = team.client.post("/v1/audit", json={"events": [event]}, headers=laptop.auth)
    assert first.json() == {"stored": 1, "duplicates": 0}
    assert again.json() == {"stored": 0, "duplicates": 1}
    [stored] = [e for e in _events(team) if e["source"] == "client"]
    assert stored["action"] == "print"
    assert stored["recipient"] == "the person"
    assert stored["device_id"] == laptop.device_id


def test_a_laptops_completion_of_an_export_is_stored(team: Any) -> None:
    laptop = team.laptop("olive")
    event = {
        "event_id": str(uuid.uuid4()),
        "at": "2026-11-27T09:30:00+00:00",
        "actor": "olive",
        "action": "complete",
        "reason": "command-line export: 1200 records",
    }
    reply = team.client.post("/v1/audit", json={"events": [event]}, headers=laptop.auth)
    assert reply.json() == {"stored": 1, "duplicates": 0}
    [stored] = [e for e in _events(team) if e["source"] == "client"]
    assert (stored["action"], stored["reason"]) == ("complete", "command-line export: 1200 records")


def test_client_audit_event_with_an_unknown_action_is_refused(team: Any) -> None:
    laptop = team.laptop("olive")
    event = {
        "event_id": str(uuid.uuid4()),
        "at": "2026-11-27T09:30:00+00:00",
        "actor": "olive",
        "action": "gossip",
    }
    reply = team.client.post("/v1/audit", json={"events": [event]}, headers=laptop.auth)
    assert reply.status_code == 422


def test_the_audit_log_refuses_updates_and_deletes(team: Any) -> None:
    team.laptop("olive")
    engine = make_engine(team.settings.db_url)
    try:
        for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
            with pytest.raises(DBAPIError), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.begin() as conn:
            # The user's creation and their sign-in.
            assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 2
    finally:
        engine.dispose()


def test_audit_export_writes_one_json_object_a_line(team: Any, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    laptop.push(laptop.upsert("visit", make_visit()))
    laptop.sync()
    engine = make_engine(team.settings.db_url)
    out = io.StringIO()
    try:
        with session_factory(engine)() as session:
            count = audit.export_jsonl(session, out)
    finally:
        engine.dispose()
    lines = out.getvalue().splitlines()
    assert count == len(lines) == 4
    assert [json.loads(line)["action"] for line in lines] == [
        "user_add",
        "login",
        "create",
        "disclose",
    ]


def _disclosures(team: Any, record_id: str) -> list[audit.Disclosure]:
    engine = make_engine(team.settings.db_url)
    try:
        with session_factory(engine)() as session:
            return audit.disclosures_of(session, record_id=record_id)
    finally:
        engine.dispose()


def test_after_a_large_pull_the_log_says_who_received_a_record_when_and_under_which_scope(
    team: Any, make_visit: Any, clock: Any
) -> None:
    olive = team.laptop("olive")
    sue = team.laptop("sue", role="supervisor")
    rob = team.laptop("rob", role="officer", districts=("rural",))
    visits = [olive.upsert("visit", make_visit()) for _ in range(1200)]
    for start in range(0, len(visits), 500):
        olive.push(*visits[start : start + 500])
    first_pull = clock()
    sue.sync(limit=250)
    clock.advance(minutes=5)
    second_pull = clock()
    sue_again = team.login("sue", device_name="second laptop")
    sue_again.sync(limit=5000)
    rob.sync()
    scope = pull.Cursor.decode(sue.cursor).scope
    assert pull.Cursor.decode(sue_again.cursor).scope == scope
    middle, last = visits[613]["id"], visits[-1]["id"]
    for record_id in (middle, last):
        assert [(d.user_id, d.device_id, d.at, d.scope) for d in _disclosures(team, record_id)] == [
            (sue.user["id"], sue.device_id, first_pull, scope),
            (sue.user["id"], sue_again.device_id, second_pull, scope),
        ]
    # A pull page is one row, not one per record; the export still gives a line per record.
    engine = make_engine(team.settings.db_url)
    try:
        with session_factory(engine)() as session:
            rows = session.scalar(select(func.count()).where(AuditEvent.action == "disclose"))
    finally:
        engine.dispose()
    assert rows == 5 + 1
    lines = [e for e in _events(team) if e["action"] == "disclose"]
    assert len(lines) == 2 * 1200
    assert [e["device_id"] for e in lines if e["record_id"] == middle] == [
        sue.device_id,
        sue_again.device_id,
    ]
    assert _disclosures(team, "not an id") == []
