"""Tests for the demo data generator: deterministic, valid, consistent and realistic."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from fieldkit.demo.generator import (
    DEFAULT_TODAY,
    INTERVENTION_START,
    MIN_PLACES,
    DemoSize,
    due_when_aged,
    generate,
    planted_records,
)
from fieldkit.domain.records import RecordType, validate_fields
from fieldkit.domain.vocabulary import RESTRICTED_CATEGORIES, District
from fieldkit.store.records import NewRecord

LONDON = ZoneInfo("Europe/London")
SMALL = DemoSize.for_visits(2_000)


@pytest.fixture(scope="module")
def small() -> list[NewRecord]:
    return list(generate(SMALL))


@pytest.fixture(scope="module")
def larger() -> list[NewRecord]:
    return list(generate(DemoSize.for_visits(10_000)))


def of_type(records: list[NewRecord], record_type: str) -> list[NewRecord]:
    return [r for r in records if r.type == record_type]


def listed(record: NewRecord, name: str) -> list[str]:
    value = record.fields.get(name) or []
    assert isinstance(value, list)
    return [str(item) for item in value]


def number(record: NewRecord, name: str) -> float:
    value = record.fields[name]
    assert isinstance(value, float)
    return value


def local(value: object) -> datetime:
    assert isinstance(value, str)
    return datetime.fromisoformat(value).astimezone(LONDON)


def test_same_seed_gives_identical_records(small: list[NewRecord]) -> None:
    again = list(generate(SMALL))

    assert again == small


def test_different_seed_gives_different_records(small: list[NewRecord]) -> None:
    other = list(generate(SMALL, seed=7))

    assert [r.id for r in other] != [r.id for r in small]
    assert [r.fields for r in of_type(other, "visit")] != [
        r.fields for r in of_type(small, "visit")
    ]


def test_output_does_not_depend_on_the_real_clock(small: list[NewRecord]) -> None:
    pinned = list(generate(SMALL, today=DEFAULT_TODAY))

    assert pinned == small


def test_every_record_is_valid(small: list[NewRecord]) -> None:
    for record in small:
        validate_fields(record.type, record.fields)


def test_ids_are_unique_uuid4_strings(small: list[NewRecord]) -> None:
    ids = [r.id for r in small]

    assert len(set(ids)) == len(ids)
    assert all(
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", str(i))
        for i in ids
    )


def test_every_reference_points_at_a_record_yielded_earlier(small: list[NewRecord]) -> None:
    seen: dict[str, str] = {}
    references = {
        "visit": {"place_id": "place", "person_ids": "person"},
        "signposting": {"person_id": "person", "visit_id": "visit", "service_ids": "service"},
        "warning": {
            "person_id": "person",
            "visit_id": "visit",
            "signposting_id": "signposting",
            "place_id": "place",
        },
        "tenancy_case": {"place_id": "place", "tenant_ids": "person"},
        "tenancy_note": {"case_id": "tenancy_case"},
        "closure": {"case_id": "tenancy_case"},
        "asb_party": {"case_id": "asb_case", "person_id": "person"},
        "asb_risk_assessment": {"case_id": "asb_case", "person_id": "person"},
        "asb_action": {"case_id": "asb_case"},
    }
    for record in small:
        for name, target in references.get(record.type, {}).items():
            value = record.fields.get(name)
            refs = listed(record, name) if isinstance(value, list) else [str(value or "")]
            for ref in filter(None, refs):
                assert seen.get(ref) == target, f"{record.type}.{name} -> {target}"
        assert record.id is not None
        seen[record.id] = record.type


def test_records_come_in_dependency_order(small: list[NewRecord]) -> None:
    # ASB cases come last, each followed by its parties, assessment and actions.
    asb = [r.type for r in small if r.type.startswith("asb_")]
    assert [r.type for r in small[-len(asb) :]] == asb
    assert asb[0] == "asb_case"
    assert {"asb_party", "asb_risk_assessment", "asb_action"} <= set(asb)
    rest = small[: -len(asb)]
    order = [r.type for i, r in enumerate(rest) if i == 0 or rest[i - 1].type != r.type]

    assert order == [
        "service",
        "place",
        "person",
        "tenancy_case",
        "visit",
        "signposting",
        "warning",
        "tenancy_note",
        "closure",
    ]


def test_every_district_has_asb_cases_one_of_them_high_risk(small: list[NewRecord]) -> None:
    cases = [r for r in small if r.type == "asb_case"]
    assert {str(c.fields["district"]) for c in cases} == {d.value for d in District}
    high = [r for r in small if r.type == "asb_risk_assessment" and r.fields["band"] == "high"]
    assert {str(r.fields["district"]) for r in high} == {d.value for d in District}


def test_counts_match_the_size(small: list[NewRecord]) -> None:
    counts = Counter(r.type for r in small)

    assert counts["visit"] == SMALL.visits == 2_000
    assert counts["person"] == SMALL.people == 400
    assert counts["place"] == SMALL.places == 100
    assert counts["tenancy_note"] == SMALL.tenancy_notes == 100
    assert 20 <= counts["service"] <= 30
    assert 1 <= counts["closure"] <= 2


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (DemoSize(visits=1_234, people=7, places=61, tenancy_notes=3), (1_234, 7, 61, 3)),
        (DemoSize(visits=50, people=0, places=MIN_PLACES, tenancy_notes=0), (50, 0, 60, 0)),
        (DemoSize(visits=0, people=5, places=MIN_PLACES, tenancy_notes=13), (0, 5, 60, 13)),
    ],
)
def test_counts_match_an_uneven_size(size: DemoSize, expected: tuple[int, int, int, int]) -> None:
    records = list(generate(size))
    counts = Counter(r.type for r in records)

    assert (
        counts["visit"],
        counts["person"],
        counts["place"],
        counts["tenancy_note"],
    ) == expected
    for record in records:
        validate_fields(record.type, record.fields)


def test_size_derives_what_is_left_out() -> None:
    assert DemoSize(visits=100_000) == DemoSize.for_visits(100_000)
    assert DemoSize.for_visits(100_000) == DemoSize(100_000, 20_000, 5_000, 5_000)
    assert DemoSize(visits=1_000, people=3).people == 3


def test_negative_size_is_refused() -> None:
    with pytest.raises(ValueError, match="people"):
        DemoSize(visits=10, people=-2)


def test_huddersfield_shop_theft_falls_about_a_fifth_after_the_intervention(
    larger: list[NewRecord],
) -> None:
    # The same calendar window a year apart, so the seasons match.
    after = (INTERVENTION_START, DEFAULT_TODAY)
    before = tuple(day.replace(year=day.year - 1) for day in after)
    days = [
        local(v.fields["occurred_at"]).date()
        for v in of_type(larger, "visit")
        if v.fields["district"] == "huddersfield" and "shoplifting" in listed(v, "categories")
    ]

    count_before = sum(before[0] <= day < before[1] for day in days)
    count_after = sum(after[0] <= day < after[1] for day in days)

    assert count_before > 100
    assert 0.12 <= 1 - count_after / count_before <= 0.28


def test_some_people_get_a_red_warning_within_a_year_of_a_yellow(
    small: list[NewRecord],
) -> None:
    issued: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for warning in of_type(small, "warning"):
        if warning.fields["scheme"] == "street_drinking_vagrancy":
            key = (str(warning.fields["person_id"]), str(warning.fields["level"]))
            issued[key].append(local(warning.fields["issued_at"]))

    escalated = [
        person
        for (person, level), reds in issued.items()
        if level == "red"
        and any(
            timedelta(0) < red - yellow < timedelta(days=365)
            for red in reds
            for yellow in issued[(person, "yellow")]
        )
    ]

    assert len(escalated) >= 3


def test_every_red_warning_follows_a_standing_yellow(small: list[NewRecord]) -> None:
    yellows: dict[str, list[datetime]] = defaultdict(list)
    for warning in of_type(small, "warning"):
        at = local(warning.fields["issued_at"])
        person = str(warning.fields["person_id"])
        if warning.fields["level"] == "yellow":
            yellows[person].append(at)
        elif warning.fields["level"] == "red":
            assert any(timedelta(0) < at - y < timedelta(days=365) for y in yellows[person])


def test_warnings_expire_twelve_months_after_issue_and_come_with_signposting(
    small: list[NewRecord],
) -> None:
    signposting = {r.id: r for r in of_type(small, "signposting")}
    warnings = of_type(small, "warning")
    levels = Counter((w.fields["scheme"], w.fields["level"]) for w in warnings)

    for warning in warnings:
        issued, expires = local(warning.fields["issued_at"]), local(warning.fields["expires_at"])
        assert (expires.year - issued.year) * 12 + expires.month - issued.month == 12
        assert (expires.hour, expires.minute) == (issued.hour, issued.minute)
        offer = signposting[str(warning.fields["signposting_id"])]
        assert offer.fields["visit_id"] == warning.fields["visit_id"]
        assert 1 <= len(listed(offer, "service_ids")) <= 3
        assert warning.fields["behaviour"]
    assert set(levels) <= {
        ("street_drinking_vagrancy", "yellow"),
        ("street_drinking_vagrancy", "red"),
        ("community_protection", "cpw"),
        ("community_protection", "cpn"),
    }
    assert levels[("community_protection", "cpw")] >= 1


def test_service_phone_numbers_are_all_in_ofcoms_drama_range(small: list[NewRecord]) -> None:
    services = of_type(small, "service")
    phones = [str(s.fields["phone"]) for s in services]

    assert all(re.fullmatch(r"01632 960\d{3}", phone) for phone in phones)
    assert len(set(phones)) == len(phones)
    assert all(str(s.fields["website"]).startswith("https://example.org/") for s in services)
    needs = {c for s in services for c in listed(s, "categories")}
    assert {"alcohol_drugs", "housing", "mental_health", "food", "benefits"} <= needs
    everything = " ".join(str(r.fields) for r in small)
    assert all(number.startswith("01632 960") for number in re.findall(r"0\d{4} \d{6}", everything))


def test_visits_fall_in_the_two_years_before_today_with_the_london_offset(
    small: list[NewRecord],
) -> None:
    times = [local(v.fields["occurred_at"]) for v in of_type(small, "visit")]
    raw = [str(v.fields["occurred_at"]) for v in of_type(small, "visit")]

    assert min(times).date() >= DEFAULT_TODAY - timedelta(days=730)
    assert max(times).date() < DEFAULT_TODAY
    assert {r[-6:] for r in raw} == {"+00:00", "+01:00"}
    for text, at in zip(raw, times, strict=True):
        assert text == at.isoformat(timespec="seconds")


def test_night_time_economy_visits_are_mostly_friday_and_saturday_nights(
    small: list[NewRecord],
) -> None:
    nights = [
        local(v.fields["occurred_at"]) - timedelta(hours=6)  # count 01:00 with the night before
        for v in of_type(small, "visit")
        if "alcohol_nte" in listed(v, "categories")
    ]
    weekend = sum(at.weekday() in (4, 5) for at in nights)
    late = sum(at.hour >= 14 for at in nights)  # 20:00 and after, shifted by six hours

    assert weekend / len(nights) > 0.6
    assert late / len(nights) > 0.95


def test_restricted_categories_are_rare_and_marked_restricted(larger: list[NewRecord]) -> None:
    visits = of_type(larger, "visit")
    restricted = [v for v in visits if set(listed(v, "categories")) & RESTRICTED_CATEGORIES]

    assert 0 < len(restricted) < len(visits) * 0.03
    assert all(v.fields["sensitivity"] == "restricted" for v in restricted)
    assert {c for v in restricted for c in listed(v, "categories")} >= set(RESTRICTED_CATEGORIES)


def test_a_few_people_and_places_recur_far_more_than_most(larger: list[NewRecord]) -> None:
    visits = of_type(larger, "visit")
    people = Counter(p for v in visits for p in listed(v, "person_ids"))
    places = Counter(v.fields.get("place_id") for v in visits)

    assert people.most_common(1)[0][1] > 20 * (sorted(people.values())[len(people) // 2])
    assert places.most_common(1)[0][1] > 10 * (sorted(places.values())[len(places) // 2])


def test_a_few_people_are_seen_much_more_in_the_last_three_weeks(
    larger: list[NewRecord],
) -> None:
    start_of_surge = DEFAULT_TODAY - timedelta(days=21)
    recent: Counter[str] = Counter()
    earlier: Counter[str] = Counter()
    for visit in of_type(larger, "visit"):
        counter = recent if local(visit.fields["occurred_at"]).date() >= start_of_surge else earlier
        counter.update(listed(visit, "person_ids"))

    # Three weeks are about 3% of two years: these people are seen many times their usual rate.
    rising = [p for p, n in recent.items() if n >= 6 and n > earlier[p]]

    assert 1 <= len(rising) <= 10


def test_tenancy_notes_run_in_order_within_each_case(small: list[NewRecord]) -> None:
    by_case: dict[str, list[datetime]] = defaultdict(list)
    for note in of_type(small, "tenancy_note"):
        by_case[str(note.fields["case_id"])].append(local(note.fields["written_at"]))

    assert by_case
    for times in by_case.values():
        assert times == sorted(times)
    kinds = {n.fields["kind"] for n in of_type(small, "tenancy_note")}
    assert kinds == {"visit", "incident", "evidence", "support", "legal"}


def test_a_closure_has_its_hearing_within_48_hours_and_a_three_month_order(
    small: list[NewRecord],
) -> None:
    closures = of_type(small, "closure")
    legal_notes = Counter(
        n.fields["case_id"] for n in of_type(small, "tenancy_note") if n.fields["kind"] == "legal"
    )

    assert closures
    for closure in closures:
        served = local(closure.fields["notice_served_at"])
        hearing = local(closure.fields["hearing_at"])
        made = local(closure.fields["order_made_at"])
        assert timedelta(0) < hearing - served <= timedelta(hours=48)
        assert hearing <= made
        assert closure.fields["order_months"] == 3
        assert closure.fields["status"] in ("order_made", "expired")
        assert legal_notes[closure.fields["case_id"]] >= 4


def test_officers_take_visits_in_turn() -> None:
    officers = ("pc.ahmed", "warden.kowalska", "asb.firth")
    visits = [r for r in islice(generate(SMALL, officer_ids=officers), 5_000) if r.type == "visit"]

    assert [v.fields["officer_id"] for v in visits[:6]] == list(officers) * 2


def test_people_have_plausible_names_dates_of_birth_and_some_descriptions(
    small: list[NewRecord],
) -> None:
    people = of_type(small, "person")
    ages = [
        (DEFAULT_TODAY - date.fromisoformat(str(p.fields["date_of_birth"]))).days / 365.25
        for p in people
        if p.fields.get("date_of_birth")
    ]
    described = [p for p in people if p.fields.get("description")]
    names = " ".join(str(p.fields.get("given_name", "")) for p in people)

    assert len(ages) > len(people) * 0.7
    assert min(ages) >= 16
    assert max(ages) <= 71
    assert described
    assert all("given_name" not in p.fields for p in described)
    assert re.search(r"[^\x00-\x7f]", names)
    assert any(p.fields.get("aliases") for p in people)
    assert any(p.fields.get("flags") for p in people)


def test_places_sit_near_kirklees_with_postcodes_and_uprns_for_properties(
    small: list[NewRecord],
) -> None:
    places = of_type(small, "place")

    for place in places:
        assert 53.5 < number(place, "lat") < 53.8
        assert -2.0 < number(place, "lon") < -1.6
        assert re.match(r"(HD|WF|BD)\d", str(place.fields["postcode"]))
        uprn = place.fields.get("uprn")
        assert uprn is None or re.fullmatch(r"\d{12}", str(uprn))
    labels = {p.fields["label"] for p in places}
    assert {"Huddersfield bus station", "St George's Square", "Dewsbury market"} <= labels
    assert sum(1 for p in places if p.fields.get("uprn")) > len(places) // 2


def test_a_size_larger_than_the_town_centres_still_finishes_with_unique_addresses() -> None:
    size = DemoSize(visits=0, people=0, places=12_000, tenancy_notes=0)
    places = [r for r in generate(size, seed=5) if r.type == "place"]
    assert len(places) == 12_000
    keys = {(p.fields["label"], p.fields["address"]) for p in places}
    assert len(keys) == len(places)


def test_the_retention_plant_adds_its_records_and_moves_no_other(
    small: list[NewRecord],
) -> None:
    planted = list(generate(SMALL, plant_retention=True))
    ids = {p.id: p for p in planted_records()}

    assert planted[: len(small)] == small
    extra = planted[len(small) :]
    assert [(r.type, r.id) for r in extra] == [(p.type.value, p.id) for p in ids.values()]
    for record in extra:
        validate_fields(RecordType(record.type), dict(record.fields))
        word = ids[record.id].word
        assert sum(word in repr(r.fields) for r in planted) == 1, word


def test_planted_records_are_the_same_for_the_same_day_and_differ_between_days() -> None:
    assert planted_records(date(2027, 3, 1)) == planted_records(date(2027, 3, 1))
    assert {p.id for p in planted_records(date(2027, 3, 1))}.isdisjoint(
        {p.id for p in planted_records(date(2027, 3, 2))}
    )


def test_aged_two_years_the_plant_signposting_and_ended_warnings_are_due(
    small: list[NewRecord],
) -> None:
    planted = list(generate(SMALL, plant_retention=True))
    due = due_when_aged(planted)

    assert {p.id for p in planted_records()} <= due
    assert {r.id for r in of_type(planted, "signposting")} <= due
    kinds = Counter(r.type for r in planted if r.id in due)
    assert set(kinds) == {"signposting", "warning", "visit", "tenancy_case", "tenancy_note"}
    assert kinds["visit"] == kinds["tenancy_case"] == kinds["tenancy_note"] == 1
    warnings = of_type(planted, "warning")
    in_force = [w for w in warnings if local(w.fields["expires_at"]).date() > DEFAULT_TODAY]
    assert in_force
    assert not {w.id for w in in_force} & due
