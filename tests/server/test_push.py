"""Pushing changes: idempotency, merge, conflicts, tombstones, clock bounds, device_seq."""

from __future__ import annotations

from typing import Any


def test_push_of_a_new_record_applies_and_a_pull_returns_it(team: Any, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    change = laptop.upsert("visit", make_visit())
    reply = laptop.push(change)
    assert reply["results"] == [
        {"change_id": change["change_id"], "status": "applied", "reason": None}
    ]
    assert reply["server_hlc"] >= change["hlc"]
    laptop.sync()
    record = laptop.records[change["id"]]
    assert record["type"] == "visit"
    assert record["deleted"] is False
    assert record["fields"]["narrative"] == make_visit()["narrative"]
    assert record["versions"]["narrative"] == change["hlc"]


def test_push_of_same_batch_twice_applies_once(team: Any, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    batch = [laptop.upsert("visit", make_visit()) for _ in range(3)]
    first = laptop.push(*batch)
    again = laptop.push(*batch)
    assert [r["status"] for r in first["results"]] == ["applied"] * 3
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 3
    laptop.sync()
    assert len(laptop.records) == 3


def test_same_change_twice_in_one_batch_applies_once(team: Any, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    change = laptop.upsert("visit", make_visit())
    reply = laptop.push(change, change)
    assert [r["status"] for r in reply["results"]] == ["applied", "duplicate"]


def test_a_change_carrying_some_fields_merges_onto_the_stored_record(
    team: Any, make_person: Any
) -> None:
    laptop = team.laptop("olive")
    create = laptop.upsert("person", make_person(description="tall"))
    laptop.push(create)
    laptop.clock.advance(seconds=1)
    edit = laptop.upsert(
        "person",
        {"description": "tall, red coat"},
        record_id=create["id"],
        base={"description": create["hlc"]},
    )
    assert laptop.push_one(edit)["status"] == "applied"
    laptop.sync()
    fields = laptop.records[create["id"]]["fields"]
    assert fields["description"] == "tall, red coat"
    assert fields["given_name"] == "Sam"


def test_later_clock_wins_each_field_whatever_order_the_changes_arrive(
    team: Any, make_person: Any
) -> None:
    olive = team.laptop("olive", role="supervisor")
    create = olive.upsert("person", make_person())
    olive.push(create)
    late = olive.upsert(
        "person", {"description": "late"}, record_id=create["id"], hlc=olive.hlc(counter=9)
    )
    early = olive.upsert(
        "person", {"description": "early"}, record_id=create["id"], hlc=olive.hlc(counter=5)
    )
    olive.push(late)
    olive.push(early)
    olive.sync()
    assert olive.records[create["id"]]["fields"]["description"] == "late"


def test_concurrent_edits_of_one_field_keep_both_values_as_a_conflict(
    team: Any, make_person: Any
) -> None:
    supervisor = team.laptop("sue", role="supervisor")
    officer = team.laptop("olive")
    create = officer.upsert("person", make_person(description="original"))
    officer.push(create)
    base = {"description": create["hlc"]}
    officer.clock.advance(seconds=1)
    mine = officer.upsert("person", {"description": "officer's"}, record_id=create["id"], base=base)
    officer.clock.advance(seconds=1)
    theirs = supervisor.upsert(
        "person", {"description": "supervisor's"}, record_id=create["id"], base=base
    )
    assert officer.push_one(mine)["status"] == "applied"
    assert supervisor.push_one(theirs)["status"] == "applied"
    reply = team.client.get("/v1/conflicts", headers=supervisor.auth)
    assert reply.status_code == 200
    [conflict] = reply.json()["conflicts"]
    assert conflict["field"] == "description"
    assert conflict["kept"] == {"value": "supervisor's", "hlc": theirs["hlc"]}
    assert conflict["other"] == {"value": "officer's", "hlc": mine["hlc"]}
    resolve = team.client.post(f"/v1/conflicts/{conflict['id']}/resolve", headers=supervisor.auth)
    assert resolve.status_code == 204
    assert team.client.get("/v1/conflicts", headers=supervisor.auth).json()["conflicts"] == []


def test_append_only_records_never_conflict(team: Any, make_visit: Any) -> None:
    supervisor = team.laptop("sue", role="supervisor")
    create = supervisor.upsert("visit", make_visit())
    supervisor.push(create)
    for text in ("one", "two"):
        supervisor.clock.advance(seconds=1)
        supervisor.push(
            supervisor.upsert(
                "visit",
                {"narrative": text},
                record_id=create["id"],
                base={"narrative": "000000000000001:0000:other"},
            )
        )
    assert team.client.get("/v1/conflicts", headers=supervisor.auth).json()["conflicts"] == []


def test_only_supervisors_review_conflicts(team: Any) -> None:
    officer = team.laptop("olive")
    reply = team.client.get("/v1/conflicts", headers=officer.auth)
    assert reply.status_code == 403
    assert reply.headers["content-type"] == "application/problem+json"


def test_a_delete_leaves_a_tombstone_without_the_data(team: Any, make_person: Any) -> None:
    laptop = team.laptop("olive")
    create = laptop.upsert("person", make_person())
    laptop.push(create)
    laptop.sync()
    assert laptop.push_one(laptop.delete("person", create["id"]))["status"] == "applied"
    laptop.sync()
    record = laptop.records[create["id"]]
    assert record["deleted"] is True
    assert record["fields"] == {}
    assert record["deleted_hlc"]


def test_a_later_upsert_does_not_resurrect_a_deleted_record(team: Any, make_person: Any) -> None:
    laptop = team.laptop("olive")
    create = laptop.upsert("person", make_person())
    laptop.push(create)
    laptop.push(laptop.delete("person", create["id"]))
    laptop.clock.advance(seconds=5)
    revive = laptop.upsert("person", {"description": "back?"}, record_id=create["id"])
    result = laptop.push_one(revive)
    assert result["status"] == "rejected"
    assert "deleted" in result["reason"]
    laptop.sync()
    assert laptop.records[create["id"]]["deleted"] is True


def test_deleting_an_unknown_record_is_rejected(team: Any) -> None:
    laptop = team.laptop("olive")
    result = laptop.push_one(laptop.delete("person", "6b0f5d7e-0000-4000-8000-000000000001"))
    assert result["status"] == "rejected"


def test_a_clock_far_ahead_of_server_time_is_clamped_and_the_reply_says_so(
    team: Any, make_person: Any
) -> None:
    laptop = team.laptop("olive")
    days = 3 * 24 * 3600 * 1000
    change = laptop.upsert("person", make_person(), hlc=laptop.hlc(ahead_ms=days))
    result = laptop.push_one(change)
    assert result["status"] == "applied"
    assert result["clamped"] is True
    assert result["hlc"] < change["hlc"]
    # A later honest edit, made just after the tolerance has passed, wins over the fast clock.
    laptop.clock.advance(minutes=6)
    honest = laptop.upsert(
        "person",
        {"description": "honest"},
        record_id=change["id"],
        base=dict.fromkeys(("description",), result["hlc"]),
    )
    laptop.push(honest)
    laptop.sync()
    assert laptop.records[change["id"]]["fields"]["description"] == "honest"


def test_successive_edits_from_a_fast_clock_keep_their_order_after_clamping(
    team: Any, make_person: Any
) -> None:
    laptop = team.laptop("olive")
    days = 3 * 24 * 3600 * 1000
    create = laptop.upsert("person", make_person(), hlc=laptop.hlc(ahead_ms=days))
    first = laptop.push_one(create)
    edits = []
    for n, text in enumerate(("first edit", "second edit"), start=1):
        edit = laptop.upsert(
            "person",
            {"description": text},
            record_id=create["id"],
            base={"description": first["hlc"]},
            hlc=laptop.hlc(ahead_ms=days + n * 1000),
        )
        edits.append(edit)
    results = laptop.push(*edits)["results"]
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert results[0]["hlc"] < results[1]["hlc"]
    laptop.sync()
    assert laptop.records[create["id"]]["fields"]["description"] == "second edit"


def test_invalid_record_is_rejected_with_the_fields_that_are_wrong(
    team: Any, make_visit: Any
) -> None:
    laptop = team.laptop("olive")
    good = laptop.upsert("visit", make_visit())
    bad = laptop.upsert("visit", make_visit(occurred_at="yesterday"))
    reply = laptop.push(good, bad)
    assert [r["status"] for r in reply["results"]] == ["applied", "rejected"]
    assert "occurred_at" in reply["results"][1]["reason"]
    laptop.sync()
    assert list(laptop.records) == [good["id"]]


def test_device_seq_is_kept_and_returned_at_handshake_and_login(team: Any, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    laptop.push(laptop.upsert("visit", make_visit()), device_seq=41)
    laptop.push(laptop.upsert("visit", make_visit()), device_seq=7)
    handshake = team.client.get("/v1/handshake", headers=laptop.auth).json()
    assert handshake["last_device_seq"] == 41
    assert handshake["protocol"] == "2026-11-27"
    assert handshake["server_hlc"]
    again = team.client.post(
        "/v1/auth/login",
        json={
            "username": "olive",
            "password": "correct horse battery",
            "device_name": "laptop",
            "device_id": laptop.device_id,
        },
    ).json()
    assert again["device_id"] == laptop.device_id
    assert again["last_device_seq"] == 41
