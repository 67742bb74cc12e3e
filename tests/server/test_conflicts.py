"""Conflicts for supervisors: who wrote each side, the record's district; resolving is logged."""

from __future__ import annotations

import json
from typing import Any

from fieldkit_server import audit
from fieldkit_server.db import make_engine, session_factory
from fieldkit_server.schemas import ConflictsResponse


def _conflicts(team: Any, laptop: Any) -> list[dict[str, Any]]:
    reply = team.client.get("/v1/conflicts", params={"include_resolved": True}, headers=laptop.auth)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    ConflictsResponse.model_validate(body)
    found: list[dict[str, Any]] = body["conflicts"]
    return found


def _events(team: Any) -> list[dict[str, Any]]:
    engine = make_engine(team.settings.db_url)
    try:
        with session_factory(engine)() as session:
            return list(audit.iter_events(session))
    finally:
        engine.dispose()


def _shared_person(team: Any, make_person: Any) -> tuple[Any, Any, dict[str, Any]]:
    sue = team.laptop("sue", role="supervisor")
    olive = team.laptop("olive")
    create = olive.upsert("person", make_person(description="original"))
    olive.push(create)
    return sue, olive, create


def _unseen_edits(
    olive: Any, sue: Any, create: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Olive's edit, then Sue's a second later, each made without seeing the other's."""
    record_id, base = create["id"], {"description": create["hlc"]}
    olive.clock.advance(seconds=1)
    mine = olive.upsert("person", {"description": "officer's"}, record_id=record_id, base=base)
    olive.clock.advance(seconds=1)
    theirs = sue.upsert("person", {"description": "supervisor's"}, record_id=record_id, base=base)
    return mine, theirs


def test_when_the_pushed_change_wins_each_side_names_its_writer(
    team: Any, make_person: Any
) -> None:
    sue, olive, create = _shared_person(team, make_person)
    mine, theirs = _unseen_edits(olive, sue, create)
    olive.push(mine)
    sue.push(theirs)
    [conflict] = _conflicts(team, sue)
    assert conflict["kept"] == {"value": "supervisor's", "hlc": theirs["hlc"]}
    assert conflict["kept_by"] == "sue"
    assert conflict["other"] == {"value": "officer's", "hlc": mine["hlc"]}
    assert conflict["other_by"] == "olive"
    assert conflict["district"] == "huddersfield"
    assert conflict["change_id"] == theirs["change_id"]
    assert conflict["user_id"] == sue.user["id"]
    assert conflict["device_id"] == sue.device_id


def test_when_the_pushed_change_loses_each_side_names_its_writer(
    team: Any, make_person: Any
) -> None:
    sue, olive, create = _shared_person(team, make_person)
    mine, theirs = _unseen_edits(olive, sue, create)
    # The supervisor's later edit arrives first; the officer's earlier one loses on arrival.
    sue.push(theirs)
    olive.push(mine)
    [conflict] = _conflicts(team, sue)
    assert (conflict["kept"]["value"], conflict["kept_by"]) == ("supervisor's", "sue")
    assert (conflict["other"]["value"], conflict["other_by"]) == ("officer's", "olive")
    assert conflict["user_id"] == olive.user["id"]


def test_a_side_stamped_before_the_laptop_first_signed_in_names_the_laptops_user(
    team: Any, make_person: Any
) -> None:
    sue, olive, _ = _shared_person(team, make_person)
    # Made offline before the laptop was first signed in: stamped with its vault's id, which
    # its first push bound to its device.
    offline = olive.upsert(
        "person", make_person(description="offline"), hlc=team.clock.hlc("vault-7f3a")
    )
    olive.push(offline)
    olive.clock.advance(seconds=1)
    edit = sue.upsert(
        "person",
        {"description": "supervisor's"},
        record_id=offline["id"],
        base={"description": "000000000000001:0000:elsewhere"},
    )
    sue.push(edit)
    [conflict] = _conflicts(team, sue)
    assert (conflict["kept"]["value"], conflict["kept_by"]) == ("supervisor's", "sue")
    assert (conflict["other"]["value"], conflict["other_by"]) == ("offline", "olive")


def test_resolving_a_conflict_is_logged_naming_the_supervisor_and_record_but_no_value(
    team: Any, make_person: Any
) -> None:
    sue, olive, create = _shared_person(team, make_person)
    mine, theirs = _unseen_edits(olive, sue, create)
    olive.push(mine)
    sue.push(theirs)
    [conflict] = _conflicts(team, sue)
    url = f"/v1/conflicts/{conflict['id']}/resolve"
    assert team.client.post(url, headers=olive.auth).status_code == 403
    assert team.client.post("/v1/conflicts/424242/resolve", headers=sue.auth).status_code == 404
    assert [e for e in _events(team) if e["action"] == "resolve"] == []
    assert team.client.post(url, headers=sue.auth).status_code == 204
    assert team.client.post(url, headers=sue.auth).status_code == 204
    [resolved] = [e for e in _events(team) if e["action"] == "resolve"]
    assert resolved["source"] == "server"
    assert resolved["user_id"] == sue.user["id"]
    assert resolved["device_id"] == sue.device_id
    assert (resolved["record_type"], resolved["record_id"]) == ("person", create["id"])
    assert resolved["detail"] == {"conflict_id": conflict["id"], "field": "description"}
    logged = json.dumps(resolved)
    for value in ("officer's", "supervisor's", "original"):
        assert value not in logged
    [listed] = _conflicts(team, sue)
    assert listed["resolved_by"] == sue.user["id"]
    assert listed["resolved_at"] is not None
