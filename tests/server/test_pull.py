"""What a pull page says about each record: who wrote it, in a page that matches its schema."""

from __future__ import annotations

from typing import Any

from fieldkit_server.db import make_engine, run_in_transaction, session_factory
from fieldkit_server.schemas import PullResponse
from fieldkit_server.services_import import import_services


def test_a_record_arrives_with_the_user_name_of_whoever_created_it(
    team: Any, make_visit: Any, make_person: Any
) -> None:
    olive = team.laptop("olive")
    sue = team.laptop("sue", role="supervisor")
    visit = olive.upsert("visit", make_visit())
    person = sue.upsert("person", make_person())
    olive.push(visit)
    sue.push(person)
    page = sue.pull_page()
    PullResponse.model_validate(page)
    assert {r["id"]: r["author"] for r in page["records"]} == {
        visit["id"]: "olive",
        person["id"]: "sue",
    }


def test_the_author_stays_the_creator_after_others_edit_or_delete_the_record(
    team: Any, make_person: Any
) -> None:
    olive = team.laptop("olive")
    sue = team.laptop("sue", role="supervisor")
    person = olive.upsert("person", make_person())
    olive.push(person)
    sue.clock.advance(seconds=1)
    edit = sue.upsert("person", {"description": "tall"}, record_id=person["id"])
    assert sue.push_one(edit)["status"] == "applied"
    olive.sync()
    assert olive.records[person["id"]]["author"] == "olive"
    sue.clock.advance(seconds=1)
    assert sue.push_one(sue.delete("person", person["id"]))["status"] == "applied"
    olive.sync()
    tombstone = olive.records[person["id"]]
    assert tombstone["deleted"] is True
    assert tombstone["author"] == "olive"


def test_a_user_name_that_needs_escaping_is_sent_as_valid_json(team: Any, make_visit: Any) -> None:
    odd = team.laptop('o"brien\\ø')
    visit = odd.upsert("visit", make_visit())
    odd.push(visit)
    odd.sync()
    assert odd.records[visit["id"]]["author"] == 'o"brien\\ø'


def test_reference_data_the_server_imported_has_no_author(team: Any) -> None:
    service = {
        "id": "5b4c0e0a-7a8e-4e39-9a4e-3f1d2f9c0a01",
        "name": "Kirklees Alcohol Service",
        "categories": ["alcohol_drugs"],
        "districts": ["huddersfield"],
    }
    engine = make_engine(team.settings.db_url)
    try:
        [result] = run_in_transaction(
            session_factory(engine),
            lambda s: import_services(s, services=[service], now=team.clock()),
        )
    finally:
        engine.dispose()
    assert result.status.value == "applied"
    olive = team.laptop("olive")
    page = olive.pull_page()
    PullResponse.model_validate(page)
    [record] = page["records"]
    assert record["type"] == "service"
    assert record["author"] is None
