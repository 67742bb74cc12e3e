"""Settling sync conflicts on a supervisor's laptop: both values, a choice, an edit that syncs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from tests.factories import person

from fieldkit.domain.records import RecordType, ValidationError
from fieldkit.services.conflicts import Choice, ConflictNotFound, ConflictService
from fieldkit.services.records import RecordService
from fieldkit.store import replica
from fieldkit.store.replica import CachedConflict
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

KEPT_HLC = "001795000000000:0000:device-a"
OTHER_HLC = "001794999990000:0000:device-b"


def _conflict(record_id: str, **overrides: object) -> CachedConflict:
    raw: dict[str, object] = {
        "id": 7,
        "type": "person",
        "record_id": record_id,
        "field": "description",
        "kept_value": "Tall, grey coat",
        "kept_hlc": KEPT_HLC,
        "kept_by": "amy",
        "other_value": "Tall, red scarf",
        "other_hlc": OTHER_HLC,
        "other_by": "ben",
        "detected_at": "2026-11-27T09:30:00+00:00",
        "district": "huddersfield",
    }
    raw.update(overrides)
    return raw  # type: ignore[return-value]


@pytest.fixture
def setup(make_vault: Callable[..., Vault]) -> tuple[Vault, str]:
    vault = make_vault("supervisor", username="priya.supervisor")
    record = RecordService(vault).create(
        record_type="person", fields=person(description="Tall, grey coat")
    )
    with vault.write() as conn:
        replica.mark_pushed(
            conn, [c.change_id for c in replica.pending_changes(conn, limit=10)], at="x"
        )
        replica.cache_conflicts(conn, [_conflict(record.id)], at="2026-11-27T10:00:00+00:00")
    return vault, record.id


def _service(vault: Vault) -> ConflictService:
    return ConflictService(vault, RecordService(vault))


def test_a_conflict_shows_both_values_with_who_and_when(setup: tuple[Vault, str]) -> None:
    vault, _ = setup
    [item] = _service(vault).conflicts().items

    assert (item.kept.text, item.kept.by) == ("Tall, grey coat", "amy")
    assert (item.other.text, item.other.by) == ("Tall, red scarf", "ben")
    assert "2026" in item.kept.when
    assert item.mergeable is True
    assert item.waiting is False


def test_opening_a_conflict_is_logged_as_a_look_at_the_record(setup: tuple[Vault, str]) -> None:
    vault, record_id = setup
    _service(vault).open(7)
    with vault.read() as conn:
        views = (
            connection(conn)
            .execute(
                select(AuditEntry.record_id, AuditEntry.reason).where(AuditEntry.action == "view")
            )
            .all()
        )
    assert [tuple(v) for v in views] == [(record_id, "conflict review")]


def test_taking_the_other_value_is_an_edit_that_syncs_and_the_settlement_waits_for_sync(
    setup: tuple[Vault, str],
) -> None:
    vault, record_id = setup
    service = _service(vault)

    service.resolve(7, Choice.OTHER)

    with vault.read() as conn:
        held = vault.records(conn).require(RecordType.PERSON, record_id)
        outbox = replica.pending_changes(conn, limit=10)
        queued = replica.pending_conflict_resolutions(conn)
    assert held.fields["description"] == "Tall, red scarf"
    assert [(c.id, list(c.fields)) for c in outbox] == [(record_id, ["description"])]
    assert queued == [7]
    assert service.conflicts().items[0].waiting is True


def test_keeping_the_held_value_writes_no_edit(setup: tuple[Vault, str]) -> None:
    vault, _ = setup
    _service(vault).resolve(7, Choice.KEPT)
    with vault.read() as conn:
        assert replica.pending_changes(conn, limit=10) == []
        assert replica.pending_conflict_resolutions(conn) == [7]


def test_a_merged_text_becomes_the_value(setup: tuple[Vault, str]) -> None:
    vault, record_id = setup
    _service(vault).resolve(7, Choice.MERGED, "Tall, grey coat and red scarf")
    with vault.read() as conn:
        held = vault.records(conn).require(RecordType.PERSON, record_id)
    assert held.fields["description"] == "Tall, grey coat and red scarf"


def test_a_merge_is_refused_for_a_field_that_is_not_free_text(
    make_vault: Callable[..., Vault],
) -> None:
    vault = make_vault("s2", username="priya.supervisor")
    record = RecordService(vault).create(record_type="person", fields=person())
    with vault.write() as conn:
        replica.cache_conflicts(
            conn,
            [
                _conflict(
                    record.id,
                    field="date_of_birth",
                    kept_value="1988-04-12",
                    other_value="1988-04-21",
                )
            ],
            at="2026-11-27T10:00:00+00:00",
        )
    with pytest.raises(ValueError, match="free-text"):
        _service(vault).resolve(7, Choice.MERGED, "1988")


def test_an_invalid_chosen_value_writes_nothing(make_vault: Callable[..., Vault]) -> None:
    vault = make_vault("s3", username="priya.supervisor")
    record = RecordService(vault).create(record_type="person", fields=person())
    with vault.write() as conn:
        replica.cache_conflicts(
            conn,
            [_conflict(record.id, field="date_of_birth", other_value="2999-01-01")],
            at="2026-11-27T10:00:00+00:00",
        )
    with pytest.raises(ValidationError):
        _service(vault).resolve(7, Choice.OTHER)
    with vault.read() as conn:
        assert replica.pending_conflict_resolutions(conn) == []


def test_an_unknown_conflict_is_reported_plainly(setup: tuple[Vault, str]) -> None:
    vault, _ = setup
    with pytest.raises(ConflictNotFound, match="sync to refresh"):
        _service(vault).resolve(99, Choice.KEPT)
