"""Initiatives by postcode sector: the sector's area is drawn round the gazetteer's addresses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from tests.documents.pdf_reading import pdf_text

from fieldkit.domain.gazetteer import GazetteerEntry
from fieldkit.domain.initiative import Initiative, InitiativeError, add_months
from fieldkit.domain.schemes import load_schemes
from fieldkit.domain.trends import period_ending
from fieldkit.services.intelligence import IntelligenceService
from fieldkit.services.maps import MapService, sector_polygon
from fieldkit.store import gazetteer as gazetteer_store
from fieldkit.store import reference_data
from fieldkit.store.vault import Vault

#: HD1 1: five addresses on a block about 130 m by 220 m round the town centre; HD1 2 is
#: elsewhere, and HD11 (another postcode district) sits inside the block.
SECTOR = [
    GazetteerEntry("201", "1 Market Street, Huddersfield", "HD1 1AA", 53.644, -1.786),
    GazetteerEntry("202", "2 Market Street, Huddersfield", "HD1 1AB", 53.644, -1.784),
    GazetteerEntry("203", "3 Market Street, Huddersfield", "HD1 1AD", 53.646, -1.784),
    GazetteerEntry("204", "4 Market Street, Huddersfield", "HD1 1AE", 53.646, -1.786),
    GazetteerEntry("205", "5 Market Street, Huddersfield", "HD1 1AF", 53.645, -1.785),
]
ELSEWHERE = [
    GazetteerEntry("301", "1 Leeds Road, Huddersfield", "HD1 2AA", 53.61, -1.70),
    GazetteerEntry("401", "1 Far Lane, Holmfirth", "HD11 1AA", 53.70, -1.90),
]
CENTRE = (-1.785, 53.645)
#: About 10 m west of the westmost addresses (the street in front), and about 100 m west.
STREET_IN_FRONT = (-1.78615, 53.645)
FURTHER_WEST = (-1.7875, 53.645)
START = date(2026, 1, 1)


@pytest.fixture
def service(vault: Vault) -> MapService:
    with vault.write() as conn:
        rows = [e.wire() for e in (*SECTOR, *ELSEWHERE)]
        gazetteer_store.apply_changes(conn, rows=rows, removed=(), version=1)  # type: ignore[arg-type]
    return MapService(vault)


def _initiative(*sectors: str) -> Initiative:
    return Initiative(
        name="Town centre retail",
        area=(),
        start=START,
        crime_types=("Shoplifting",),
        sectors=sectors,
    )


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        (CENTRE, True),
        ((-1.786, 53.644), True),  # an address on the hull's corner
        (STREET_IN_FRONT, True),  # within the 25 m margin
        (FURTHER_WEST, False),
        ((-1.785, 53.6465), False),  # about 55 m north of the northmost addresses
    ],
)
def test_a_sectors_area_holds_its_addresses_and_the_street_in_front(
    service: MapService, point: tuple[float, float], inside: bool
) -> None:
    made = service.with_sector_areas(_initiative("hd1 1"))
    assert made.sectors == ("HD1 1",)
    assert made.holds(point) is inside


def test_a_single_address_makes_a_small_area_round_it() -> None:
    polygon = sector_polygon([(53.645, -1.785)])
    initiative = Initiative("One shop", (polygon,), START, ("Shoplifting",))
    assert initiative.holds((-1.785, 53.645))
    assert initiative.holds((-1.785, 53.6452))  # about 22 m north
    assert not initiative.holds((-1.785, 53.6455))  # about 55 m north


def test_shoplifting_in_a_sector_falls_twenty_percent_and_the_next_street_is_not_counted(
    service: MapService, vault: Vault
) -> None:
    months = [
        {
            "force": "West Yorkshire Police",
            "month": add_months("2026-01", offset),
            "points": [
                ["Shoplifting", *CENTRE, 40 if offset < 0 else 32],
                ["Shoplifting", *FURTHER_WEST, 25],
            ],
            "unplaced": {},
        }
        for offset in range(-12, 12)
    ]
    with vault.write() as conn:
        reference_data.put_crime_months(conn, months)
    result = service.evaluate(service.with_sector_areas(_initiative("HD1 1")))
    assert (result.crime.before, result.crime.after) == (480, 384)
    assert result.crime.change_text().startswith("-20.0% (95% interval")


def test_a_saved_sector_initiative_keeps_its_sectors_and_area(service: MapService) -> None:
    service.save_initiative(service.with_sector_areas(_initiative("hd1 1", "HD1 1AB", "hd1 2")))
    (kept,) = service.initiatives()
    assert kept.sectors == ("HD1 1", "HD1 2")
    assert len(kept.area) == 2
    assert kept.holds(CENTRE)
    assert kept.holds((-1.70, 53.61))
    assert not kept.holds((-1.90, 53.70))  # HD11 is another district, not sector HD1 1


@pytest.mark.parametrize(
    ("sectors", "message"),
    [
        (("HD1 9",), "holds no address in HD1 9"),
        (("HD11",), "a postcode sector is written like HD1 1"),
        (("not a sector",), "a postcode sector is written like HD1 1"),
    ],
)
def test_a_sector_that_makes_no_area_is_refused_and_nothing_is_kept(
    service: MapService, sectors: tuple[str, ...], message: str
) -> None:
    with pytest.raises(InitiativeError, match=message):
        service.save_initiative(service.with_sector_areas(_initiative(*sectors)))
    assert service.initiatives() == []


def test_the_meeting_pack_names_an_initiatives_postcode_sectors(
    service: MapService, vault: Vault, tmp_path: Path
) -> None:
    service.save_initiative(service.with_sector_areas(_initiative("hd1 1")))
    intelligence = IntelligenceService(
        vault, schemes=load_schemes(), initiatives=service.evaluate_all
    )
    out = tmp_path / "pack.pdf"
    intelligence.meeting_pack(
        district="huddersfield", period=period_ending(date(2026, 11, 27), 4), destination=out
    )
    text = " ".join(pdf_text(out.read_bytes()).split())
    assert "postcode sectors HD1 1 (round their addresses)" in text
