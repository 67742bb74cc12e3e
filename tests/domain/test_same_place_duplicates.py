"""Likely duplicates by address: two people seen at the same place with similar names."""

from __future__ import annotations

from datetime import date

import pytest

from fieldkit.domain.name_match import MatchReason, PersonNames, same_place_person
from fieldkit.domain.names import NameRules, shipped_name_rules

BORN = date(1988, 4, 12)


@pytest.fixture(scope="module")
def rules() -> NameRules:
    return shipped_name_rules()


@pytest.mark.parametrize(
    ("newcomer", "held", "likely"),
    [
        # Only a given name recorded on one of them, at the same flat.
        (("Zoe", "", None, ()), ("Zoë", "O'Brien", BORN, ()), True),
        (("Zoë", "O'Brien", BORN, ()), ("Zoe", "", None, ()), True),
        # Spelling variant and a typing error, as the name check allows.
        (("Mohammed", "Khan", None, ()), ("Muhammad", "Khan", BORN, ()), True),
        (("Margaret", "Hirts", BORN, ()), ("Margaret", "Hirst", BORN, ()), True),
        # A nickname that is the other record's alias.
        (("Zed", "", None, ()), ("Zoë", "O'Brien", BORN, ("Zed",)), True),
        # Another given name in the same household is another person.
        (("Bilal", "Chaudhry", None, ()), ("Hamza", "Chaudhry", BORN, ()), False),
        # A different known date of birth rules it out, however alike the names.
        (("Zoë", "O'Brien", date(1990, 1, 1), ()), ("Zoë", "O'Brien", BORN, ()), False),
        # Nothing alike.
        (("Peter", "Walsh", None, ()), ("Zoë", "O'Brien", BORN, ()), False),
    ],
)
def test_people_seen_at_one_place_with_similar_names_are_likely_one_person(
    rules: NameRules,
    newcomer: tuple[str, str, date | None, tuple[str, ...]],
    held: tuple[str, str, date | None, tuple[str, ...]],
    likely: bool,
) -> None:
    a = PersonNames("", newcomer[0], newcomer[1], newcomer[3], newcomer[2])
    b = PersonNames("p1", held[0], held[1], held[3], held[2])
    match = same_place_person(a, b, rules)
    assert (match is not None) is likely
    if match is not None:
        assert match.reasons[0] is MatchReason.SAME_PLACE
        assert match.reason_text.startswith("seen at the same place")
