"""The store's named queries for the screens: visit lists, warnings, cases, drafts, settings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from tests.factories import person, place, visit

from fieldkit.domain.records import RecordType
from fieldkit.store import case_list, drafts, today_lists, visit_lists
from fieldkit.store import settings as stored_settings
from fieldkit.store.records import StoredRecord
from fieldkit.store.vault import Vault


def _create(vault: Vault, record_type: str, fields: Mapping[str, object]) -> StoredRecord:
    with vault.write() as tx:
        return vault.records(tx).create(record_type, fields)


def _warning(person_id: str, **overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "person_id": person_id,
        "scheme": "street_drinking_vagrancy",
        "level": "yellow",
        "issued_at": "2026-11-01T10:00:00+00:00",
        "district": "huddersfield",
        "behaviour": "Drinking from an open can",
    }
    fields.update(overrides)
    return fields


# Visit lists -------------------------------------------------------------------------------


def test_visit_pages_run_newest_first_without_gaps_or_repeats_at_equal_times(
    any_vault: Vault,
) -> None:
    times = ["09:00", "10:00", "10:00", "10:00", "11:00"]
    made = [
        _create(any_vault, "visit", visit(occurred_at=f"2026-11-26T{t}:00+00:00")) for t in times
    ]
    expected = [
        v.id for v in sorted(made, key=lambda v: (v.fields["occurred_at"], v.id), reverse=True)
    ]
    seen: list[str] = []
    after: tuple[str, str] | None = None
    with any_vault.read() as tx:
        for _ in range(len(times)):  # bounded: a cursor that does not advance must fail, not hang
            page = visit_lists.visits_newest_first(tx, after=after, limit=2)
            if not page:
                break
            assert len(page) <= 2
            seen += [v.id for v in page]
            after = (str(page[-1].fields["occurred_at"]), page[-1].id)
    assert seen == expected


def test_visit_pages_leave_out_deleted_visits_and_can_be_one_officers(any_vault: Vault) -> None:
    mine = _create(any_vault, "visit", visit())
    _create(any_vault, "visit", visit(officer_id="bob.officer"))
    gone = _create(any_vault, "visit", visit(occurred_at="2026-11-27T11:00:00+00:00"))
    with any_vault.write() as tx:
        any_vault.records(tx).delete(RecordType.VISIT, gone.id)
    with any_vault.read() as tx:
        everyone = visit_lists.visits_newest_first(tx, limit=10)
        amys = visit_lists.visits_newest_first(tx, officer_id="amy.officer", limit=10)
    assert len(everyone) == 2
    assert gone.id not in {v.id for v in everyone}
    assert [v.id for v in amys] == [mine.id]


def test_latest_visited_places_are_distinct_newest_first_and_can_be_one_officers(
    any_vault: Vault,
) -> None:
    station = _create(any_vault, "place", place())
    market = _create(any_vault, "place", place(label="Market Place"))
    park = _create(any_vault, "place", place(label="Greenhead Park"))
    for hour, where, officer in [
        ("08", station, "amy.officer"),
        ("09", market, "amy.officer"),
        ("10", station, "amy.officer"),
        ("11", park, "bob.officer"),
    ]:
        _create(
            any_vault,
            "visit",
            visit(
                occurred_at=f"2026-11-26T{hour}:00:00+00:00", place_id=where.id, officer_id=officer
            ),
        )
    _create(any_vault, "visit", visit(occurred_at="2026-11-26T12:00:00+00:00"))  # no place
    with any_vault.read() as tx:
        anyone = visit_lists.latest_visited_place_ids(tx, limit=5)
        amys = visit_lists.latest_visited_place_ids(tx, officer_id="amy.officer", limit=5)
        first = visit_lists.latest_visited_place_ids(tx, limit=1)
    assert anyone == [park.id, station.id, market.id]
    assert amys == [station.id, market.id]
    assert first == [park.id]


def test_visits_with_a_person_are_listed_in_the_order_they_were_linked(any_vault: Vault) -> None:
    zoe = _create(any_vault, "person", person())
    other = _create(any_vault, "person", person(given_name="Jan"))
    later = _create(
        any_vault, "visit", visit(occurred_at="2026-11-26T12:00:00+00:00", person_ids=[zoe.id])
    )
    _create(any_vault, "visit", visit(person_ids=[other.id]))
    earlier = _create(
        any_vault,
        "visit",
        visit(occurred_at="2026-11-20T12:00:00+00:00", person_ids=[other.id, zoe.id]),
    )
    with any_vault.read() as tx:
        repo = any_vault.records(tx)
        assert repo.visit_ids_with_person(zoe.id) == [later.id, earlier.id]
        assert repo.visit_ids_with_person("no-such-person") == []


def test_follow_ups_due_are_the_officers_live_visits_in_the_window_soonest_first(
    any_vault: Vault,
) -> None:
    def due(day: str, **overrides: object) -> StoredRecord:
        return _create(any_vault, "visit", visit(follow_up_due=day, **overrides))

    late = due("2026-12-04")
    soon = due("2026-11-28")
    due("2026-11-30", officer_id="bob.officer")
    due("2026-12-05")  # after the window
    due("2026-11-19")  # before the window
    gone = due("2026-11-29")
    _create(any_vault, "visit", visit())  # no follow-up at all
    with any_vault.write() as tx:
        any_vault.records(tx).delete(RecordType.VISIT, gone.id)
    with any_vault.read() as tx:
        found = today_lists.follow_ups_due(
            tx,
            officer_id="amy.officer",
            from_day=date(2026, 11, 20),
            to_day=date(2026, 12, 4),
            limit=9,
        )
        capped = today_lists.follow_ups_due(
            tx,
            officer_id="amy.officer",
            from_day=date(2026, 11, 20),
            to_day=date(2026, 12, 4),
            limit=1,
        )
    assert [v.id for v in found] == [soon.id, late.id]
    assert [v.id for v in capped] == [soon.id]


def test_issued_warnings_since_leave_out_older_withdrawn_and_deleted_ones(
    any_vault: Vault,
) -> None:
    zoe = _create(any_vault, "person", person())
    recent = _create(any_vault, "warning", _warning(zoe.id))
    _create(any_vault, "warning", _warning(zoe.id, issued_at="2023-01-01T10:00:00+00:00"))
    _create(any_vault, "warning", _warning(zoe.id, status="withdrawn"))
    gone = _create(any_vault, "warning", _warning(zoe.id, level="red"))
    with any_vault.write() as tx:
        any_vault.records(tx).delete(RecordType.WARNING, gone.id)
    with any_vault.read() as tx:
        found = today_lists.issued_warnings_since(tx, datetime(2024, 1, 1, tzinfo=UTC))
    assert [w.id for w in found] == [recent.id]
    assert found[0].type is RecordType.WARNING


def test_records_where_a_column_holds_a_value_are_the_live_ones_only(any_vault: Vault) -> None:
    zoe = _create(any_vault, "person", person())
    jan = _create(any_vault, "person", person(given_name="Jan"))
    kept = _create(any_vault, "warning", _warning(zoe.id))
    _create(any_vault, "warning", _warning(jan.id))
    gone = _create(any_vault, "warning", _warning(zoe.id, level="red"))
    with any_vault.write() as tx:
        any_vault.records(tx).delete(RecordType.WARNING, gone.id)
    with any_vault.read() as tx:
        repo = any_vault.records(tx)
        assert [w.id for w in repo.where(RecordType.WARNING, "person_id", [zoe.id])] == [kept.id]
        assert repo.where(RecordType.WARNING, "person_id", []) == []


# Tenancy cases -----------------------------------------------------------------------------


def test_case_list_puts_open_cases_first_by_reference_with_their_place_label(
    any_vault: Vault,
) -> None:
    flat = _create(any_vault, "place", place(label="Flat 3, 14 Hill Street"))

    def case(ref: str, **overrides: object) -> StoredRecord:
        fields = {"place_id": flat.id, "tenancy_ref": ref, "district": "huddersfield"}
        return _create(any_vault, "tenancy_case", {**fields, **overrides})

    closed = case("HUD-001", status="closed")
    b = case("HUD-020")
    a = case("HUD-010")
    nowhere = case("HUD-030", place_id="0190f0c2-0000-7000-8000-000000000000")
    gone = case("HUD-005")
    with any_vault.write() as tx:
        any_vault.records(tx).delete(RecordType.TENANCY_CASE, gone.id)
    with any_vault.read() as tx:
        listed = case_list.cases(tx, offset=0, limit=10)
        second_page = case_list.cases(tx, offset=1, limit=2)
    assert [c.id for c in listed] == [a.id, b.id, nowhere.id, closed.id]
    assert listed[0] == case_list.CaseListing(
        a.id, "HUD-010", "open", "huddersfield", "Flat 3, 14 Hill Street"
    )
    assert listed[2].place_label is None
    assert [c.id for c in second_page] == [b.id, nowhere.id]


# Drafts and settings -----------------------------------------------------------------------


def test_a_draft_loads_until_discarded_and_saving_again_replaces_it(any_vault: Vault) -> None:
    with any_vault.write() as tx:
        drafts.save(tx, "visit", {"narrative": "first"}, at="2026-11-27T09:00:00+00:00")
        drafts.save(tx, "visit", {"narrative": "second"}, at="2026-11-27T09:01:00+00:00")
        drafts.save(tx, "warning", {"behaviour": "shouting"}, at="2026-11-27T09:02:00+00:00")
    with any_vault.read() as tx:
        assert drafts.load(tx, "visit") == {"narrative": "second"}
    with any_vault.write() as tx:
        drafts.discard(tx, "visit")
        drafts.discard(tx, "never-saved")
    with any_vault.read() as tx:
        assert drafts.load(tx, "visit") is None
        assert drafts.load(tx, "warning") == {"behaviour": "shouting"}


def test_app_settings_are_absent_until_saved_then_read_back_as_saved(any_vault: Vault) -> None:
    with any_vault.read() as tx:
        assert stored_settings.load(tx) is None
    with any_vault.write() as tx:
        stored_settings.save(tx, {"language": "en", "idle_lock_minutes": 5})
        stored_settings.save(tx, {"language": "pl", "idle_lock_minutes": 10, "high_contrast": True})
    with any_vault.read() as tx:
        assert stored_settings.load(tx) == {
            "language": "pl",
            "idle_lock_minutes": 10,
            "high_contrast": True,
        }
