"""Finding the person whatever the spelling, among 20,000 people in a real encrypted vault."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.factories import PASSPHRASE
from tests.kdf import TEST_KDF

from fieldkit.demo.crowd import crowd
from fieldkit.domain.names import load_name_rules
from fieldkit.services.people import PeopleService, PersonRow
from fieldkit.services.records import RecordService
from fieldkit.store.records import NewRecord
from fieldkit.store.vault import Vault

RULES = Path(__file__).parents[2] / "resources" / "names"
CROWD = 20_000

#: (given, family, date of birth, aliases) of the people an officer is looking for. Their
#: family names are common in the crowd, so the other Chaudhrys and Kowalskis are decoys; no
#: one in the crowd has a target's full name (a namesake would tie with them), except the
#: Mohammed Khan told apart from the crowd's many by his date of birth.
TARGETS: dict[str, tuple[str, str, str | None, tuple[str, ...]]] = {
    "shabana": ("Shabana", "Chaudhry", "1991-02-14", ()),
    "rehman": ("Mohammed", "Rehman", "1990-07-04", ()),
    "naseem": ("Naseem", "Akhtar", None, ()),
    "farooq": ("Farooq", "Qureshi", "1979-11-30", ()),
    "waqas": ("Waqas", "Mahmood", None, ()),
    "rukhsana": ("Rukhsana", "Iqbal", "1984-05-05", ()),
    "tahir": ("Tahir", "Sheikh", None, ()),
    "gurpreet": ("Gurpreet", "Kaur", "1996-08-21", ()),
    "harjeet": ("Harjeet", "Sandhu", None, ()),
    "jignesh": ("Jignesh", "Patel", "1988-01-09", ()),
    "hetal": ("Hetal", "Mistry", None, ()),
    "bhavesh": ("Bhavesh", "Desai", None, ()),
    "mustafa": ("Mustafa", "Hussein", "1993-03-03", ()),
    "khadija": ("Khadija", "Rashid", None, ()),
    "anwar": ("Anwar", "Chowdhury", None, ()),
    "grzegorz": ("Grzegorz", "Wiśniewski", "1982-06-17", ()),
    "wojciech": ("Wojciech", "Nowak", None, ()),
    "bozena": ("Bożena", "Kowalska", None, ()),
    "dariusz": ("Dariusz", "Szymański", "1977-12-01", ()),
    "zbigniew": ("Zbigniew", "Lewandowski", None, ()),
    "catalin": ("Cătălin", "Popescu", None, ()),
    "gheorghe": ("Gheorghe", "Ionescu", "1969-04-22", ()),
    "marian": ("Marián", "Horváth", None, ()),
    "renata": ("Renáta", "Horváthová", None, ()),
    "miroslav": ("Miroslav", "Kováč", "1990-10-10", ()),
    "stefan": ("Štefan", "Balog", None, ()),
    "rasa": ("Rasa", "Kazlauskienė", None, ()),
    "siobhan": ("Siobhan", "Mulligan", None, ()),
    "niamh": ("Niamh", "Ackroyd", "2001-09-09", ()),
    "stephen": ("Stephen", "Ramsbottom", None, ()),
    "kirsty": ("Kirsty", "Armitage-Oduya", None, ()),
    "jarek": ("Jarosław", "Zieliński", None, ("Jarek",)),
    "khan": ("Mohammed", "Khan", "1989-03-12", ()),
}

#: (what the officer typed, whom they meant, a reason the result must give).
VARIANTS = [
    ("Shabana Chaudry", "shabana", "spelling variant"),
    ("shabana choudhury", "shabana", "spelling variant"),
    ("Chowdhury Shabana", "shabana", "spelling variant"),
    ("Shabana Chaudhty", "shabana", "a letter or two different"),
    ("Muhammad Rahman", "rehman", "spelling variant"),
    ("Nasim Aktar", "naseem", "spelling variant"),
    ("Faruq Kureshi", "farooq", "spelling variant"),
    ("Waqas Mehmud", "waqas", "spelling variant"),
    ("Rukhsana Ikbal", "rukhsana", "spelling variant"),
    ("Tahir Shaikh", "tahir", "spelling variant"),
    ("Gurprit Kour", "gurpreet", "spelling variant"),
    ("Harjit Sandu", "harjeet", "spelling variant"),
    ("Jignesh Patil", "jignesh", "spelling variant"),
    ("Jignesh Pattel", "jignesh", "spelling variant"),
    ("Hetal Mistri", "hetal", "spelling variant"),
    ("Bavesh Dessai", "bhavesh", "spelling variant"),
    ("Mustapha Hussain", "mustafa", "spelling variant"),
    ("Kadija Rasheed", "khadija", "spelling variant"),
    ("Anwar Chaudhry", "anwar", "spelling variant"),
    ("Grzegorz Visnevsky", "grzegorz", "spelling variant"),
    ("Wojtek Novak", "wojciech", "spelling variant"),
    ("Bozena Kowalski", "bozena", "spelling variant"),
    ("Darius Shimanski", "dariusz", "spelling variant"),
    ("Zbigniew Levandovsky", "zbigniew", "spelling variant"),
    ("Catalin Popesku", "catalin", "spelling variant"),
    ("Georghe Ionesku", "gheorghe", "spelling variant"),
    ("Marian Horvat", "marian", "name starts with"),
    ("Renata Horvath", "renata", "name starts with"),
    ("Miroslav Kovach", "miroslav", "spelling variant"),
    ("Stefan Balogh", "stefan", "spelling variant"),
    ("Rasa Kazlauskas", "rasa", "spelling variant"),
    ("Shivaun Mulligan", "siobhan", "spelling variant"),
    ("Neve Akroyd", "niamh", "spelling variant"),
    ("Niamh Ackrpyd", "niamh", "a letter or two different"),
    ("Steven Ramsbottom", "stephen", "sounds like"),
    ("Kirsty Oduya", "kirsty", "part of a double-barrelled name"),
    ("Jarek Zielinski", "jarek", "alias"),
    ("Mohd Khan 12/3/89", "khan", "born the same day"),
    ("Mohammed Khan 12.03.1989", "khan", "born the same day"),
    ("khan mohammed 1989-03-12", "khan", "born the same day"),
    ("Mohammed Khan 3/12/89", "khan", "day and month of birth swapped"),
    ("Gurpreet 21/8/96", "gurpreet", "born the same day"),
]


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Vault, dict[str, str]]]:
    """An encrypted vault of 20,000 people with West Yorkshire names, and the targets' ids."""
    vault = Vault.create(
        tmp_path_factory.mktemp("crowd") / "vault",
        username="amy.officer",
        passphrase=PASSPHRASE,
        kdf=TEST_KDF,
        now=lambda: datetime(2026, 12, 6, 9, 0, tzinfo=UTC),
        name_rules=load_name_rules(RULES),
    )
    people = crowd(CROWD - len(TARGETS))
    namesakes = {(p["given_name"], p["family_name"]) for p in people} & {
        (given, family) for given, family, born, _ in TARGETS.values() if born != "1989-03-12"
    }
    assert not namesakes, "a target's namesake in the crowd would make the ranking a toss-up"
    new = [NewRecord("person", f) for f in people]
    for given, family, born, aliases in TARGETS.values():
        fields: dict[str, object] = {"given_name": given, "family_name": family}
        fields.update({"district": "huddersfield", "aliases": list(aliases)})
        if born:
            fields["date_of_birth"] = born
        new.append(NewRecord("person", fields))
    with vault.write() as conn:
        created = vault.records(conn).create_many(new)
    ids = dict(zip(TARGETS, (r.id for r in created[-len(TARGETS) :]), strict=True))
    yield vault, ids
    vault.lock()


@pytest.fixture(scope="module")
def people(crowded: tuple[Vault, dict[str, str]]) -> PeopleService:
    vault, _ = crowded
    return PeopleService(vault, RecordService(vault), {})


@pytest.mark.parametrize(("typed", "meant", "reason"), VARIANTS)
def test_the_person_meant_ranks_in_the_top_three_among_twenty_thousand(
    people: PeopleService,
    crowded: tuple[Vault, dict[str, str]],
    typed: str,
    meant: str,
    reason: str,
) -> None:
    _, ids = crowded
    rows = people.search(typed)
    top = [r.id for r in rows[:3]]
    assert ids[meant] in top, [(r.name, r.reason) for r in rows[:5]]
    found = next(r for r in rows if r.id == ids[meant])
    assert reason in found.reason


@pytest.mark.parametrize(
    ("typed", "not_meant"),
    [
        ("Shabana Crowther", "shabana"),
        ("Jignesh Taylor", "jignesh"),
        ("Gurpreet Smith", "gurpreet"),
        ("Zbigniew Novak", "zbigniew"),
        ("Mohammed Khan 1/1/1990", "khan"),
        ("Miroslav Popescu", "miroslav"),
    ],
)
def test_unrelated_names_do_not_find_the_person(
    people: PeopleService, crowded: tuple[Vault, dict[str, str]], typed: str, not_meant: str
) -> None:
    _, ids = crowded
    assert ids[not_meant] not in [r.id for r in people.search(typed)]


def test_a_short_common_name_lists_exact_matches_before_any_loose_one(
    people: PeopleService,
) -> None:
    rows = people.search("Ali")
    assert len(rows) == 30
    reasons = [r.reason for r in rows]
    exact = [n for n, reason in enumerate(reasons) if reason == "exact name"]
    assert exact == list(range(len(exact)))
    assert len(exact) == 30  # hundreds of people are called Ali: no loose match is shown


def test_search_as_you_type_finds_the_person_at_each_longer_prefix(
    people: PeopleService, crowded: tuple[Vault, dict[str, str]]
) -> None:
    _, ids = crowded
    typed = "Shabana Chaudry"
    for end in range(len("Shabana C"), len(typed) + 1):
        rows: list[PersonRow] = people.search(typed[:end])
        assert ids["shabana"] in [r.id for r in rows[:3]], typed[:end]


def test_the_duplicate_warning_offers_the_person_already_in_the_vault(
    people: PeopleService, crowded: tuple[Vault, dict[str, str]]
) -> None:
    _, ids = crowded
    rows = people.possible_duplicates(
        given_name="Jignesh", family_name="Patil", date_of_birth="1988-01-09"
    )
    assert [r.id for r in rows] == [ids["jignesh"]]
    assert rows[0].reason == "spelling variant, born the same day"
    assert people.possible_duplicates(given_name="Jignesh", family_name="Taylor") == []


def test_merge_suggestions_name_other_records_that_may_be_the_same_person(
    crowded: tuple[Vault, dict[str, str]], people: PeopleService
) -> None:
    vault, ids = crowded
    records = RecordService(vault)
    twin = records.create(
        record_type="person",
        fields={
            "given_name": "Rukhsana",
            "family_name": "Ikbal",
            "date_of_birth": "1984-05-05",
            "district": "huddersfield",
        },
    )
    try:
        assert [r.id for r in people.likely_same_as(ids["rukhsana"])] == [twin.id]
        assert [r.id for r in people.likely_same_as(twin.id)] == [ids["rukhsana"]]
    finally:
        records.delete(record_type="person", record_id=twin.id)
    assert people.likely_same_as(ids["rukhsana"]) == []
