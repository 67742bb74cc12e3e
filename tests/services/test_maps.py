"""The map service over a real vault: planted recorded crime, visits in an area, densities."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from tests.documents.pdf_reading import pdf_text
from tests.factories import place, visit

from fieldkit.domain.geo import rectangle
from fieldkit.domain.initiative import Initiative, InitiativeError, add_months
from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.records import new_id
from fieldkit.domain.schemes import load_schemes
from fieldkit.domain.trends import period_ending
from fieldkit.services.intelligence import IntelligenceService
from fieldkit.services.maps import HotspotSource, MapService, PointFilter
from fieldkit.store import reference_data
from fieldkit.store.records import NewRecord
from fieldkit.store.vault import Vault

#: A synthetic town centre, and a spot inside it and one outside.
CENTRE = rectangle(-1.790, 53.643, -1.780, 53.649)
INSIDE = (-1.785, 53.645)
OUTSIDE = (-1.700, 53.610)
START = date(2026, 1, 1)


def _plant_crime(vault: Vault) -> None:
    """Shoplifting in the centre falls from 40 to 32 a month at START; outside it stays at 25;
    burglary in the centre stays at 10 (another crime type)."""
    months = []
    for offset in range(-12, 12):
        month = add_months("2026-01", offset)
        centre = 40 if offset < 0 else 32
        months.append(
            {
                "force": "West Yorkshire Police",
                "month": month,
                "points": [
                    ["Burglary", *INSIDE, 10],
                    ["Shoplifting", *OUTSIDE, 25],
                    ["Shoplifting", *INSIDE, centre],
                ],
                "unplaced": {"Shoplifting": 7},
            }
        )
    with vault.write() as conn:
        reference_data.put_crime_months(conn, months)


def _initiative(area: tuple[float, float, float, float] | None = None) -> Initiative:
    polygon = rectangle(*area) if area else CENTRE
    return Initiative(
        name="Town centre retail",
        area=(polygon,),
        start=START,
        crime_types=("Shoplifting",),
        visit_categories=("shoplifting",),
    )


def test_the_planted_town_centre_shoplifting_fall_is_minus_twenty_percent(vault: Vault) -> None:
    _plant_crime(vault)
    result = MapService(vault).evaluate(_initiative())
    assert (result.crime.before, result.crime.after) == (480, 384)
    assert result.crime.change_text() == "-20.0% (95% interval -30.0% to -8.5%)"


def test_an_area_outside_the_centre_is_unaffected(vault: Vault) -> None:
    _plant_crime(vault)
    outside = _initiative((-1.71, 53.60, -1.69, 53.62))
    result = MapService(vault).evaluate(outside)
    assert (result.crime.before, result.crime.after) == (300, 300)
    assert result.crime.change_percent == pytest.approx(0.0)
    assert result.crime.interval is not None
    assert result.crime.interval.low < 1 < result.crime.interval.high


def _add(vault: Vault, *records: NewRecord) -> None:
    with vault.write() as conn:
        vault.records(conn).create_many(list(records))


def _at(day: date) -> str:
    return datetime(day.year, day.month, day.day, 12, tzinfo=LONDON).isoformat()


def test_visits_are_counted_in_the_area_before_and_after(vault: Vault) -> None:
    shop, park = new_id(), new_id()
    records = [
        NewRecord("place", place(label="Shop", lon=INSIDE[0], lat=INSIDE[1]), shop),
        NewRecord("place", place(label="Park", lon=OUTSIDE[0], lat=OUTSIDE[1]), park),
    ]
    for day, where, categories in (
        (date(2025, 11, 3), shop, ["shoplifting"]),
        (date(2025, 12, 3), shop, ["shoplifting", "begging"]),
        (date(2026, 2, 3), shop, ["shoplifting"]),
        (date(2026, 2, 4), park, ["shoplifting"]),
        (date(2026, 2, 5), shop, ["begging"]),
    ):
        records.append(
            NewRecord("visit", visit(occurred_at=_at(day), place_id=where, categories=categories))
        )
    _add(vault, *records)
    result = MapService(vault).evaluate(_initiative())
    assert (result.visits.before, result.visits.after) == (2, 1)


def test_points_filter_by_kind_district_category_and_date(vault: Vault) -> None:
    shop = new_id()
    _add(
        vault,
        NewRecord("place", place(label="Shop", lon=INSIDE[0], lat=INSIDE[1]), shop),
        NewRecord("place", place(label="Nowhere"), new_id()),
        NewRecord("visit", visit(occurred_at=_at(date(2026, 2, 3)), place_id=shop)),
        NewRecord(
            "visit",
            visit(occurred_at=_at(date(2026, 3, 3)), place_id=shop, categories=["begging"]),
        ),
        NewRecord(
            "visit",
            visit(occurred_at=_at(date(2026, 3, 4)), place_id=shop, sensitivity="restricted"),
        ),
    )
    service = MapService(vault)
    places = service.points(kinds=("place",), where=PointFilter())
    assert [p.label for p in places] == ["Shop, HD1 2JN"]
    visits = service.points(kinds=("visit",), where=PointFilter(categories=("begging",)))
    assert [(p.kind, p.day) for p in visits] == [("visit", "2026-03-03")]
    in_february = PointFilter(first_day=date(2026, 2, 1), last_day=date(2026, 2, 28))
    assert [p.day for p in service.points(kinds=("visit",), where=in_february)] == ["2026-02-03"]
    elsewhere = PointFilter(districts=("rural",))
    assert service.points(kinds=("place", "visit"), where=elsewhere) == []
    # The restricted visit is on no list, but it is counted in the density.
    densities = service.densities(source=HotspotSource.VISITS, last_day=date(2026, 3, 31), days=31)
    assert len(densities.current[0]) == 2
    assert len(densities.previous[0]) == 1  # 3 February, in the 31 days before


def test_initiatives_are_kept_replaced_by_name_and_refused_when_incomplete(vault: Vault) -> None:
    service = MapService(vault)
    service.save_initiative(_initiative())
    service.save_initiative(_initiative((-1.8, 53.6, -1.7, 53.7)))
    assert [i.area[0].outer[0] for i in service.initiatives()] == [(-1.8, 53.6)]
    with pytest.raises(InitiativeError, match="categories"):
        service.save_initiative(Initiative("Empty", (CENTRE,), START))
    service.remove_initiative("Town centre retail")
    assert service.initiatives() == []


def test_outlines_are_the_shipped_ones_until_the_server_sends_some(vault: Vault) -> None:
    areas = MapService(vault).outlines()
    assert {a.code for a in areas if a.kind == "district"} == {
        "batley_spen",
        "dewsbury_mirfield",
        "huddersfield",
        "rural",
    }


def test_the_meeting_pack_carries_each_initiative_its_definition_and_result(
    vault: Vault, tmp_path: Path
) -> None:
    _plant_crime(vault)
    maps = MapService(vault)
    maps.save_initiative(_initiative())
    service = IntelligenceService(vault, schemes=load_schemes(), initiatives=maps.evaluate_all)
    out = tmp_path / "pack.pdf"
    service.meeting_pack(
        district="huddersfield", period=period_ending(date(2026, 11, 27), 4), destination=out
    )
    text = " ".join(pdf_text(out.read_bytes()).split())
    for expected in (
        "Initiative: Town centre retail",
        "recorded crime -20.0% (95% interval -30.0% to -8.5%)",
        "480 in 12 months before; 384 in 12 months from the start",
        "Town centre retail: recorded crime and visits per month in the area",
        "Wald, on the log scale",
    ):
        assert expected in text, expected
