"""The duplicate check as an add-person form calls it while the officer types."""

from __future__ import annotations

from fieldkit.services.people import PeopleService
from fieldkit.services.records import RecordService
from fieldkit.store.vault import Vault


def test_a_likely_duplicate_is_offered_across_accents_and_name_order(vault: Vault) -> None:
    records = RecordService(vault)
    held = records.create(
        record_type="person",
        fields={
            "given_name": "José",
            "family_name": "Núñez",
            "date_of_birth": "1995-05-05",
            "district": "huddersfield",
        },
    )
    people = PeopleService(vault, records, {})
    swapped = people.possible_duplicates(
        given_name="Nunez", family_name="Jose", date_of_birth="1995-05-05"
    )
    assert [r.id for r in swapped] == [held.id]
    assert (
        people.possible_duplicates(
            given_name="Jose", family_name="Nunez", date_of_birth="1995-06-06"
        )
        == []
    )


def test_one_or_two_letters_are_too_few_to_call_anyone_a_duplicate(vault: Vault) -> None:
    records = RecordService(vault)
    records.create(record_type="person", fields={"given_name": "Jo", "district": "huddersfield"})
    people = PeopleService(vault, records, {})
    assert people.possible_duplicates(given_name="Jo") == []
    records.create(record_type="person", fields={"given_name": "Joe", "district": "huddersfield"})
    assert [r.name for r in people.possible_duplicates(given_name="Joe")] == ["Joe"]
