"""Likely duplicates when adding a person: spelling, accents, name order and date of birth."""

from __future__ import annotations

from datetime import date

import pytest

from fieldkit.domain.name_match import PersonNames, same_person
from fieldkit.domain.names import NameRules, shipped_name_rules


@pytest.fixture(scope="module")
def rules() -> NameRules:
    return shipped_name_rules()


BORN = date(1988, 4, 12)


@pytest.mark.parametrize(
    ("typed", "held", "duplicate"),
    [
        # Accents dropped or added.
        (("Zoe", "OBrien", BORN), ("Zoë", "O'Brien", BORN), True),
        (("José", "Núñez", BORN), ("Jose", "Nunez", BORN), True),
        (("Łukasz", "Wójcik", BORN), ("Lukasz", "Wojcik", BORN), True),
        # Given and family name the other way round.
        (("Chaudhry", "Hamza", BORN), ("Hamza", "Chaudhry", BORN), True),
        (("Nunez", "Jose", BORN), ("José", "Núñez", BORN), True),
        # Accepted spelling variants and a typing error.
        (("Mohammed", "Khan", BORN), ("Muhammad", "Khan", BORN), True),
        (("Hamza", "Choudhury", BORN), ("Hamza", "Chaudhry", BORN), True),
        (("Margaret", "Hirts", BORN), ("Margaret", "Hirst", BORN), True),
        # No date of birth on one record: the name alone may still be the same person.
        (("Zoë", "O'Brien", None), ("Zoe", "O'Brien", BORN), True),
        # A different known date of birth rules it out, however alike the names.
        (("Zoë", "O'Brien", date(1990, 1, 1)), ("Zoë", "O'Brien", BORN), False),
        # Another given name is another person.
        (("Bilal", "Chaudhry", BORN), ("Hamza", "Chaudhry", BORN), False),
    ],
)
def test_a_likely_duplicate_is_found_across_spelling_accents_and_name_order(
    rules: NameRules,
    typed: tuple[str, str, date | None],
    held: tuple[str, str, date | None],
    duplicate: bool,
) -> None:
    newcomer = PersonNames("", typed[0], typed[1], (), typed[2])
    existing = PersonNames("p1", held[0], held[1], (), held[2])
    assert (same_person(newcomer, existing, rules) is not None) is duplicate
