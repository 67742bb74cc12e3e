"""The laptop's gazetteer: pages applied by UPRN, the index kept in step, typo-tolerant search."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.factories import PASSPHRASE
from tests.kdf import TEST_KDF

from fieldkit.demo.addresses import synthetic_addresses
from fieldkit.services.gazetteer import GazetteerService
from fieldkit.store import gazetteer as store
from fieldkit.store.vault import Vault


@pytest.fixture
def addresses(vault: Vault) -> GazetteerService:
    rows = [e.wire() for e in synthetic_addresses()]
    with vault.write() as conn:
        store.apply_changes(conn, rows=rows, removed=(), version=len(rows))  # type: ignore[arg-type]
    return GazetteerService(vault)


TYPED = [
    ("12 kirkgate huddersfield", "12 Kirkgate, Huddersfield"),
    ("12 Kirkagte Hudersfield", "12 Kirkgate, Huddersfield"),
    ("12 kirkg", "12 Kirkgate, Huddersfield"),
    ("huddersfeild bus staton", "Huddersfield bus station, Upperhead Row, Huddersfield"),
    ("3 Nothgate Dewsbry", "3 Northgate, Dewsbury"),
    ("5 bradford raod fartown", "5 Bradford Road, Fartown, Huddersfield"),
    ("Dewsbury 3 northgate", "3 Northgate, Dewsbury"),
]


@pytest.mark.parametrize(("typed", "intended"), TYPED)
def test_the_intended_address_is_in_the_top_three_despite_typos(
    addresses: GazetteerService, typed: str, intended: str
) -> None:
    found = [e.address for e in addresses.search(typed, limit=3)]
    assert intended in found, found


def test_a_postcode_typed_without_its_space_finds_its_addresses(
    addresses: GazetteerService,
) -> None:
    known = addresses.search("12 kirkgate huddersfield", limit=1)[0]
    found = addresses.search(f"12 {known.postcode.replace(' ', '').lower()}", limit=3)
    assert known.uprn in [e.uprn for e in found]


@pytest.mark.parametrize("typed", ['"', 'kirkgate" OR "x', "NEAR(a b)", "*", "uprn:1", "   ", ""])
def test_search_syntax_in_typed_text_is_taken_as_words(
    addresses: GazetteerService, typed: str
) -> None:
    addresses.search(typed)  # no FTS5 syntax error, whatever is typed


def test_a_change_and_a_removal_reach_the_index(vault: Vault, addresses: GazetteerService) -> None:
    target = addresses.search("12 kirkgate huddersfield", limit=1)[0]
    moved = (target.uprn, "12 Kirkgate Arcade, Huddersfield", "HD1 1ZZ", 53.6, -1.7, "")
    with vault.write() as conn:
        store.apply_changes(conn, rows=[moved], removed=(), version=10_000)
    assert addresses.search("kirkgate arcade", limit=1)[0].uprn == target.uprn
    assert addresses.held() == (6148, 10_000)
    with vault.write() as conn:
        store.apply_changes(conn, rows=[], removed=[target.uprn], version=10_001)
    assert target.uprn not in [e.uprn for e in addresses.search("kirkgate arcade", limit=10)]
    assert addresses.address(target.uprn) is None
    assert addresses.held() == (6147, 10_001)


def test_an_empty_gazetteer_finds_nothing(vault: Vault) -> None:
    assert GazetteerService(vault).search("12 kirkgate") == []


def test_a_point_resolves_to_the_nearest_address(vault: Vault) -> None:
    rows = [
        ("1", "1 Kirkgate, Huddersfield", "HD1 1AB", 53.6466, -1.7821, ""),
        ("2", "3 Kirkgate, Huddersfield", "HD1 1AB", 53.6467, -1.7818, ""),
        ("3", "3 Northgate, Dewsbury", "WF13 1AA", 53.6910, -1.6320, ""),
    ]
    with vault.write() as conn:
        store.apply_changes(conn, rows=rows, removed=(), version=3)
    service = GazetteerService(vault)
    found = service.nearest(lat=53.64671, lon=-1.78185)
    assert found is not None
    assert found.uprn == "2"
    assert service.nearest(lat=53.70, lon=-1.70) is None  # nothing within about 300 m


def test_the_gazetteer_survives_a_rekey(tmp_path: Path) -> None:
    folder = tmp_path / "v"
    vault = Vault.create(folder, username="amy", passphrase=PASSPHRASE, kdf=TEST_KDF)
    rows = [e.wire() for e in synthetic_addresses(houses_per_street=3)]
    with vault.write() as conn:
        store.apply_changes(conn, rows=rows, removed=(), version=len(rows))  # type: ignore[arg-type]
    vault.lock()
    Vault.rekey(folder, passphrase=PASSPHRASE)
    again = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        found = GazetteerService(again).search("2 kirkgate huddersfield", limit=1)
        assert [e.address for e in found] == ["2 Kirkgate, Huddersfield"]
    finally:
        again.lock()
