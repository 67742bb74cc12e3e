"""The duplicate check's address leg: people seen at the visit's place with similar names."""

from __future__ import annotations

from tests.factories import person, place, visit

from fieldkit.services.people import PeopleService
from fieldkit.services.records import RecordService
from fieldkit.store.vault import Vault


def _seen(records: RecordService, place_id: str, *people: str) -> None:
    records.create(
        record_type="visit",
        fields=visit(place_id=place_id, person_ids=list(people), officer_id="amy.officer"),
    )


def test_someone_seen_at_the_same_place_with_a_similar_name_is_a_likely_duplicate(
    vault: Vault,
) -> None:
    records = RecordService(vault)
    flat = records.create(record_type="place", fields=place(label="Flat 3")).id
    elsewhere = records.create(record_type="place", fields=place(label="Bus station")).id
    zoe = records.create(record_type="person", fields=person(given_name="Zoe", family_name="")).id
    _seen(records, flat, zoe)
    people = PeopleService(vault, records, {})
    # A given name only: too little for the name check alone, enough at the same flat.
    typed = {"given_name": "Zoë", "family_name": "O'Brien", "date_of_birth": "1988-04-12"}
    assert people.possible_duplicates(**typed) == []
    found = people.possible_duplicates(**typed, place_id=flat)
    assert [r.id for r in found] == [zoe]
    assert found[0].reason.startswith("seen at the same place, exact name")
    assert people.possible_duplicates(**typed, place_id=elsewhere) == []


def test_a_profiles_merge_suggestions_include_people_seen_where_they_were_seen(
    vault: Vault,
) -> None:
    records = RecordService(vault)
    flat = records.create(record_type="place", fields=place(label="Flat 3")).id
    full = records.create(record_type="person", fields=person()).id
    short = records.create(record_type="person", fields=person(given_name="Zoe", family_name="")).id
    other = records.create(
        record_type="person", fields=person(given_name="Peter", family_name="Walsh")
    ).id
    _seen(records, flat, full)
    _seen(records, flat, short, other)
    people = PeopleService(vault, records, {})
    assert [r.id for r in people.likely_same_as(full)] == [short]
