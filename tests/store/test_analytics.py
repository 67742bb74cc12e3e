"""The intelligence aggregates over planted data whose answers are known in advance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from tests.factories import person, place, visit

from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.records import RecordType, new_id
from fieldkit.domain.schemes import load_schemes
from fieldkit.domain.trends import Period, RisingRule
from fieldkit.store import analytics
from fieldkit.store.analytics import Scope
from fieldkit.store.records import NewRecord
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
INITIATIVE_START = date(2026, 9, 7)


def _at(day: date, hour: int = 12) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).isoformat()


class Planter:
    """Writes records in one transaction and remembers the ids it gave them."""

    def __init__(self) -> None:
        self.records: list[NewRecord] = []

    def add(self, record_type: str, fields: dict[str, object]) -> str:
        record_id = new_id()
        self.records.append(NewRecord(record_type, fields, record_id))
        return record_id

    def visits(self, count: int, day: date, **fields: object) -> list[str]:
        return [
            self.add("visit", visit(occurred_at=_at(day, 8 + n % 12), **fields))
            for n in range(count)
        ]

    def into(self, vault: Vault) -> None:
        with vault.write() as conn:
            vault.records(conn).create_many(self.records)
        self.records = []


@pytest.fixture
def shop_theft(any_vault: Vault) -> Vault:
    """Huddersfield shoplifting: 10 a week for 4 weeks, then 8 a week after the initiative."""
    p = Planter()
    for week in range(-4, 4):
        monday = INITIATIVE_START + timedelta(weeks=week)
        per_week = 10 if week < 0 else 8
        for n in range(per_week):
            p.visits(1, monday + timedelta(days=n % 7), categories=["shoplifting"])
        # Noise the evaluation must not count: other districts, other categories.
        p.visits(5, monday, categories=["shoplifting"], district="dewsbury_mirfield")
        p.visits(7, monday + timedelta(days=2), categories=["street_drinking"])
    # Outside both windows.
    p.visits(9, INITIATIVE_START - timedelta(weeks=6), categories=["shoplifting"])
    p.visits(9, INITIATIVE_START + timedelta(weeks=5), categories=["shoplifting"])
    deleted = p.visits(1, INITIATIVE_START + timedelta(days=1), categories=["shoplifting"])
    p.into(any_vault)
    with any_vault.write() as conn:
        any_vault.records(conn).delete(RecordType.VISIT, deleted[0])
    return any_vault


def test_a_planted_twenty_percent_drop_in_shop_theft_is_reported_as_minus_twenty(
    shop_theft: Vault,
) -> None:
    with shop_theft.read() as conn:
        result = analytics.evaluate_initiative(
            conn,
            scope=Scope(districts=("huddersfield",), categories=("shoplifting",)),
            start=INITIATIVE_START,
            window_weeks=4,
        )
    assert (result.before, result.after) == (40, 32)
    assert result.change_percent == -20.0
    assert result.change_text == "down 20%"
    assert result.weekly == (10, 10, 10, 10, 8, 8, 8, 8)
    assert result.week_starts[4] == INITIATIVE_START


def test_a_visit_with_two_chosen_categories_counts_once_in_an_evaluation(vault: Vault) -> None:
    p = Planter()
    p.visits(1, INITIATIVE_START, categories=["shoplifting", "theft_from_person"])
    p.visits(1, INITIATIVE_START, categories=["theft_from_person"])
    p.into(vault)
    with vault.read() as conn:
        result = analytics.evaluate_initiative(
            conn,
            scope=Scope(categories=("shoplifting", "theft_from_person")),
            start=INITIATIVE_START,
            window_weeks=1,
        )
    assert (result.before, result.after) == (0, 2)
    assert result.change_percent is None


def test_trends_count_each_category_and_district_by_week_against_the_previous_period(
    shop_theft: Vault,
) -> None:
    period = Period(INITIATIVE_START, 4)
    with shop_theft.read() as conn:
        result = analytics.trends(conn, period=period)
    lines = {(line.category, line.district): line for line in result.lines}
    shop = lines[("shoplifting", "huddersfield")]
    assert shop.current == (8, 8, 8, 8)
    assert shop.previous == (10, 10, 10, 10)
    assert shop.change_percent == -20.0
    assert lines[("shoplifting", "dewsbury_mirfield")].current == (5, 5, 5, 5)
    assert lines[("street_drinking", "huddersfield")].previous_total == 28
    assert result.all_current == (20, 20, 20, 20)
    assert result.week_starts == period.week_starts()


def test_trends_for_one_district_leave_the_others_out(shop_theft: Vault) -> None:
    with shop_theft.read() as conn:
        result = analytics.trends(
            conn, period=Period(INITIATIVE_START, 4), scope=Scope(districts=("dewsbury_mirfield",))
        )
    assert [(line.category, line.district) for line in result.lines] == [
        ("shoplifting", "dewsbury_mirfield")
    ]
    assert result.all_previous == (5, 5, 5, 5)


def test_hotspots_rank_places_by_visits_with_the_change_against_the_previous_period(
    vault: Vault,
) -> None:
    p = Planter()
    names = {}
    for name in ("Market", "Arcade", "Station", "Park"):
        names[name] = p.add("place", place(label=name))
    period = Period(date(2026, 10, 5), 4)
    inside, before = period.start + timedelta(days=3), period.previous.start + timedelta(days=3)
    planted = {"Market": (5, 2), "Arcade": (3, 6), "Station": (3, 0), "Park": (0, 4)}
    for name, (now_count, before_count) in planted.items():
        p.visits(now_count, inside, place_id=names[name])
        p.visits(before_count, before, place_id=names[name])
    p.into(vault)
    with vault.read() as conn:
        spots = analytics.hotspots(conn, period=period)
    assert [(s.label.split(",")[0], s.current, s.previous) for s in spots] == [
        ("Market", 5, 2),
        ("Station", 3, 0),
        ("Arcade", 3, 6),
    ]
    assert spots[0].change_percent == 150.0
    assert spots[1].change_text == "new (none before)"
    assert spots[2].change_percent == -50.0


def test_repeat_people_and_places_are_those_seen_at_least_the_threshold(vault: Vault) -> None:
    p = Planter()
    regular = p.add("person", person(given_name="Regular"))
    once = p.add("person", person(given_name="Once"))
    spot = p.add("place", place(label="Underpass"))
    day = date(2026, 10, 6)
    p.visits(4, day, person_ids=[regular], place_id=spot)
    p.visits(1, day, person_ids=[once])
    # Restricted visits name nobody in a list, however often.
    p.visits(5, day, person_ids=[once], categories=["domestic_abuse"])
    p.into(vault)
    period = Period(date(2026, 10, 5), 2)
    with vault.read() as conn:
        people = analytics.repeat_people(conn, period=period, min_visits=3)
        places = analytics.repeat_places(conn, period=period, min_visits=3)
    assert [(r.id, r.visits) for r in people] == [(regular, 4)]
    assert people[0].name.startswith("Regular")
    assert [(r.id, r.visits) for r in places] == [(spot, 4)]


@pytest.fixture
def encounters(vault: Vault) -> tuple[Vault, dict[str, str]]:
    """A rising person (1 then 4), a steady one (3 and 3), a quiet one (0 then 2)."""
    p = Planter()
    ids = {
        name: p.add("person", person(given_name=name.capitalize()))
        for name in ("rising", "steady", "quiet")
    }
    hotspot = p.add("place", place(label="Bus station"))
    today = NOW.astimezone(LONDON).date()

    def seen(name: str, days_ago: list[int], **extra: object) -> None:
        for ago in days_ago:
            p.visits(1, today - timedelta(days=ago), person_ids=[ids[name]], **extra)

    seen("rising", [20])
    seen("rising", [1, 3, 5, 9], place_id=hotspot)
    seen("steady", [16, 19, 25, 2, 6, 11])
    seen("quiet", [4, 8])
    p.into(vault)
    return vault, ids


def test_a_planted_rising_person_is_flagged_with_the_reason(
    encounters: tuple[Vault, dict[str, str]],
) -> None:
    vault, ids = encounters
    with vault.read() as conn:
        listed = analytics.early_warning(conn, now=NOW)
    people = {s.id: s for s in listed if s.kind == "person"}
    assert list(people) == [ids["rising"]]
    flagged = people[ids["rising"]]
    assert (flagged.recent, flagged.before) == (4, 1)
    assert flagged.reason == (
        "Seen 4 times in the last 14 days (threshold 3), up from 1 in the 14 days before."
    )
    places = [s for s in listed if s.kind == "place"]
    assert [(s.name.split(",")[0], s.recent, s.before) for s in places] == [("Bus station", 4, 0)]


def test_a_steady_person_is_not_flagged_and_thresholds_are_parameters(
    encounters: tuple[Vault, dict[str, str]],
) -> None:
    vault, ids = encounters
    with vault.read() as conn:
        lenient = analytics.early_warning(conn, now=NOW, rule=RisingRule(min_recent=2))
        strict = analytics.early_warning(conn, now=NOW, rule=RisingRule(min_recent=5))
    flagged = {s.id for s in lenient if s.kind == "person"}
    assert flagged == {ids["rising"], ids["quiet"]}
    assert ids["steady"] not in flagged
    assert [s for s in strict if s.kind == "person"] == []


def test_the_pipeline_counts_people_at_each_step_and_names_who_is_due_to_move_on(
    vault: Vault,
) -> None:
    p = Planter()
    who = {
        n: p.add("person", person(given_name=n))
        for n in ("Seen", "Quiet", "Red", "Withdrawn", "Lapsed")
    }

    def warn(name: str, level: str, issued: date, status: str = "issued") -> None:
        p.add(
            "warning",
            {
                "person_id": who[name],
                "scheme": "street_drinking_vagrancy",
                "level": level,
                "issued_at": _at(issued),
                "district": "dewsbury_mirfield",
                "behaviour": "Drinking in the precinct",
                "status": status,
            },
        )

    warn("Seen", "yellow", date(2026, 10, 1))
    warn("Quiet", "yellow", date(2026, 10, 1))
    warn("Red", "yellow", date(2026, 6, 1))
    warn("Red", "red", date(2026, 9, 1))
    warn("Withdrawn", "yellow", date(2026, 10, 1), status="withdrawn")
    warn("Lapsed", "yellow", date(2024, 1, 10))
    p.visits(2, date(2026, 11, 2), person_ids=[who["Seen"]])
    p.visits(1, date(2026, 9, 20), person_ids=[who["Quiet"]])  # before the warning
    p.into(vault)
    with vault.read() as conn:
        pipeline = analytics.warning_pipeline(conn, now=NOW, schemes=load_schemes())
    steps = {(s.scheme_id, s.level_id): s.people for s in pipeline.steps}
    assert steps[("street_drinking_vagrancy", "yellow")] == 2
    assert steps[("street_drinking_vagrancy", "red")] == 1
    assert steps[("community_protection", "cpw")] == 0
    assert [(d.person_id, d.encounters_since, d.next_step) for d in pipeline.due] == [
        (who["Seen"], 2, "Red warning")
    ]
    assert "Seen 2 times since Yellow warning was given on 1 October 2026" in pipeline.due[0].reason


def test_closure_clocks_are_listed_soonest_first(vault: Vault) -> None:
    p = Planter()
    house = p.add("place", place(label="14 Acre Street"))
    case = p.add(
        "tenancy_case", {"place_id": house, "tenancy_ref": "T-1", "district": "huddersfield"}
    )
    p.add(
        "closure",
        {
            "case_id": case,
            "district": "huddersfield",
            "status": "order_made",
            "notice_served_at": "2026-11-10T10:00:00+00:00",
            "order_made_at": "2026-11-12T10:00:00+00:00",
            "order_months": 3,
        },
    )
    p.add(
        "closure",
        {
            "case_id": case,
            "district": "huddersfield",
            "status": "notice_served",
            "notice_served_at": "2026-11-27T08:00:00+00:00",
        },
    )
    p.add("closure", {"case_id": case, "district": "huddersfield", "status": "planned"})
    p.into(vault)
    with vault.read() as conn:
        clocks = analytics.closure_clocks_running(conn, now=NOW)
    assert [c.clock for c in clocks] == [
        "Closure notice ends",
        "Hearing deadline",
        "Appeal deadline",
        "Order ends",
    ]
    assert [c.deadline for c in clocks] == sorted(c.deadline for c in clocks)
    assert {c.case_reference for c in clocks} == {"T-1"}


def test_a_fresh_vault_has_the_analytics_indexes(any_vault: Vault) -> None:
    with any_vault.read() as conn:
        names = {row[0] for row in connection(conn).execute(text("SELECT name FROM sqlite_master"))}
    expected = {
        "ix_warning_issued_at",
        "ix_closure_status",
        "ix_visit_analytics",
        "ix_visit_id_occurred_at",
    }
    assert expected <= names
