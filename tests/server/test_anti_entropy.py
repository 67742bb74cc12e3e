"""Anti-entropy endpoints: digests of what a user may see, bucket drill-down, fetch by id."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import column, delete, insert, select, table

from fieldkit.domain.digest import SetDigest, bucket_of, digest_text, record_digest
from fieldkit_server.db import (
    alembic_config,
    make_engine,
    migrate,
    run_in_transaction,
    session_factory,
)
from fieldkit_server.models import AuditEvent, Holding, Record
from fieldkit_server.schemas import BucketResponse, BucketsResponse, DigestResponse, FetchResponse


def _get(laptop: Any, path: str) -> Any:
    reply = laptop.client.get(path, headers=laptop.auth)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _fetch(laptop: Any, items: list[tuple[str, str]]) -> Any:
    body = {"records": [{"type": t, "id": i} for t, i in items]}
    reply = laptop.client.post("/v1/sync/fetch", json=body, headers=laptop.auth)
    assert reply.status_code == 200, reply.text
    return reply.json()


def _expected(records: dict[str, dict[str, Any]]) -> dict[str, int]:
    return {
        rid: record_digest(r["type"], rid, deleted=r["deleted"], versions=r["versions"])
        for rid, r in records.items()
    }


def test_digests_match_what_a_laptop_computes_from_the_records_it_pulled(
    team: Any, make_visit: Any, make_person: Any
) -> None:
    olive = team.laptop("olive")
    changes = [olive.upsert("visit", make_visit()) for _ in range(5)]
    changes += [olive.upsert("person", make_person()) for _ in range(3)]
    olive.push(*changes)
    olive.clock.advance(seconds=1)
    olive.push(olive.delete("person", changes[-1]["id"]))
    olive.sync()
    mine = _expected(olive.records)

    top = _get(olive, "/v1/sync/digest")
    DigestResponse.model_validate(top)
    assert top["bucket_width"] == 2
    by_type = {t["type"]: t for t in top["types"]}
    for record_type in ("visit", "person"):
        held = [d for rid, d in mine.items() if olive.records[rid]["type"] == record_type]
        assert by_type[record_type]["count"] == len(held)
        assert by_type[record_type]["digest"] == SetDigest.of(held).text()

    buckets = _get(olive, "/v1/sync/digest/visit")
    BucketsResponse.model_validate(buckets)
    visits = {rid: d for rid, d in mine.items() if olive.records[rid]["type"] == "visit"}
    assert {b["bucket"] for b in buckets["buckets"]} == {bucket_of(rid) for rid in visits}
    one = buckets["buckets"][0]["bucket"]
    listed = _get(olive, f"/v1/sync/digest/visit/{one}")
    BucketResponse.model_validate(listed)
    assert {r["id"]: r["digest"] for r in listed["records"]} == {
        rid: digest_text(d) for rid, d in visits.items() if bucket_of(rid) == one
    }


def test_a_changed_version_changes_the_digest_of_its_type_and_bucket(
    team: Any, make_person: Any
) -> None:
    olive = team.laptop("olive")
    person = olive.upsert("person", make_person())
    olive.push(person)
    before = _get(olive, "/v1/sync/digest")
    bucket = bucket_of(person["id"])
    before_bucket = _get(olive, f"/v1/sync/digest/person/{bucket}")
    olive.clock.advance(seconds=1)
    edit = olive.upsert(
        "person", {"flags": ["VIOLENT - DO NOT VISIT ALONE"]}, record_id=person["id"]
    )
    assert olive.push_one(edit)["status"] == "applied"
    after = _get(olive, "/v1/sync/digest")
    assert after != before
    assert _get(olive, f"/v1/sync/digest/person/{bucket}") != before_bucket


def test_an_officer_is_given_no_digest_or_record_they_may_not_see(
    team: Any, make_visit: Any
) -> None:
    sue = team.laptop("sue", role="supervisor")
    olive = team.laptop("olive")
    hidden = sue.upsert("visit", make_visit(sensitivity="restricted"))
    shown = sue.upsert("visit", make_visit())
    elsewhere = sue.upsert("visit", make_visit(district="rural"))
    sue.push(hidden, shown)
    del elsewhere  # sue has no rural district; nobody here may see it
    top = _get(olive, "/v1/sync/digest")
    assert {t["type"]: t["count"] for t in top["types"]} == {"visit": 1}
    listed = _get(olive, f"/v1/sync/digest/visit/{bucket_of(hidden['id'])}")
    assert hidden["id"] not in {r["id"] for r in listed["records"]}
    fetched = _fetch(olive, [("visit", hidden["id"]), ("visit", shown["id"])])
    FetchResponse.model_validate(fetched)
    assert [r["id"] for r in fetched["records"]] == [shown["id"]]


def test_fetching_records_notes_them_held_and_logs_their_disclosure(
    team: Any, make_person: Any, settings: Any
) -> None:
    olive = team.laptop("olive")
    kept = olive.upsert("person", make_person())
    gone = olive.upsert("person", make_person())
    olive.push(kept, gone)
    olive.clock.advance(seconds=1)
    olive.push(olive.delete("person", gone["id"]))
    engine = make_engine(settings.db_url)
    sessions = session_factory(engine)
    try:
        run_in_transaction(sessions, lambda s: s.execute(delete(Holding)))
        fetched = _fetch(olive, [("person", kept["id"]), ("person", gone["id"])])
        by_id = {r["id"]: r for r in fetched["records"]}
        assert by_id[kept["id"]]["fields"]["given_name"] == "Sam"
        assert by_id[kept["id"]]["author"] == "olive"
        assert by_id[gone["id"]]["deleted"] is True
        assert by_id[gone["id"]]["deleted_hlc"]
        held = run_in_transaction(
            sessions,
            lambda s: set(
                s.scalars(select(Holding.record_id).where(Holding.device_id == olive.device_id))
            ),
        )
        assert held == {kept["id"], gone["id"]}
        disclosed = run_in_transaction(
            sessions,
            lambda s: list(
                s.scalars(select(AuditEvent.record_id).where(AuditEvent.action == "disclose"))
            ),
        )
        assert disclosed.count(kept["id"]) == 1
        assert gone["id"] not in disclosed
    finally:
        engine.dispose()


def test_a_record_asked_for_under_another_type_is_not_sent(team: Any, make_person: Any) -> None:
    olive = team.laptop("olive")
    person = olive.upsert("person", make_person())
    olive.push(person)
    assert _fetch(olive, [("visit", person["id"])])["records"] == []


def test_bad_drill_down_and_fetch_requests_are_refused_with_422_or_413(team: Any) -> None:
    olive = team.laptop("olive")
    for path in (
        "/v1/sync/digest/nonsense",
        "/v1/sync/digest/visit/zz",
        "/v1/sync/digest/visit/abc",
    ):
        assert olive.client.get(path, headers=olive.auth).status_code == 422, path
    bad = {"records": [{"type": "visit", "id": "not-a-uuid"}]}
    assert olive.client.post("/v1/sync/fetch", json=bad, headers=olive.auth).status_code == 422
    many = {
        "records": [
            {"type": "visit", "id": f"00000000-0000-4000-8000-{n:012d}"} for n in range(1001)
        ]
    }
    assert olive.client.post("/v1/sync/fetch", json=many, headers=olive.auth).status_code == 413
    assert olive.client.get("/v1/sync/digest").status_code == 401


def test_the_digest_migration_fills_in_records_written_before_it(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        command.downgrade(alembic_config(engine), "0002")
        versions = {"given_name": "001764000000000:0000:node"}
        record_id = "ab0c0e0a-7a8e-4e39-9a4e-3f1d2f9c0a01"
        when = datetime(2026, 11, 27, 10, tzinfo=UTC)
        before = table(
            "records",
            *(column(n) for n in ("id", "type", "district", "restricted", "deleted")),
            *(column(n) for n in ("fields", "versions", "seq", "created_at", "updated_at")),
        )
        with engine.begin() as conn:
            conn.execute(
                insert(before).values(
                    id=record_id,
                    type="person",
                    district="huddersfield",
                    restricted=False,
                    deleted=False,
                    fields=json.dumps({"given_name": "Sam"}),
                    versions=json.dumps(versions),
                    seq=1,
                    created_at=when,
                    updated_at=when,
                )
            )
        migrate(engine)
        with engine.connect() as conn:
            stored = conn.execute(select(Record.digest)).scalar_one()
        assert stored == record_digest("person", record_id, deleted=False, versions=versions)
    finally:
        engine.dispose()
