"""Saving a record: the statements it runs, and the shortcuts on the way keep their results."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from tests.factories import person, place, visit

from fieldkit.domain.records import SPECS, RecordType, new_ordered_id, new_ordered_ids
from fieldkit.services.records import RecordService
from fieldkit.store import audit
from fieldkit.store.records import pack_versions, unpack_versions
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault


@contextmanager
def _statements(vault: Vault) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = vault._require_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_saving_a_visit_runs_eleven_statements_and_keeps_the_chain(vault: Vault) -> None:
    service = RecordService(vault)
    someone = service.create(record_type="person", fields=person())
    where = service.create(record_type="place", fields=place())
    fields = visit(place_id=where.id, person_ids=[someone.id])
    with _statements(vault) as seen:
        service.create(record_type="visit", fields=fields)
    # id check, record, link, search row id, row, words, change, audit head, entry, head, clock
    writes = [s for s in seen if not s.lstrip().upper().startswith(("BEGIN", "PRAGMA"))]
    assert len(writes) == 11, writes
    with vault.read() as conn:
        assert audit.verify(conn).ok
        head = (
            connection(conn)
            .exec_driver_sql("SELECT value FROM vault_meta WHERE key = 'audit_head'")
            .scalar()
        )
        entries = connection(conn).exec_driver_sql("SELECT count(*) FROM audit_log").scalar()
    assert head is not None
    assert head.split(":", 1)[0] == str(entries)
    assert vault.verify_seal().ok


def test_an_ordered_id_is_a_canonical_version_7_uuid_led_by_its_millisecond() -> None:
    millis = 1_764_000_000_123
    value = new_ordered_id(millis)
    parsed = uuid.UUID(value)
    assert str(parsed) == value
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert parsed.int >> 80 == millis


def test_bulk_ordered_ids_are_distinct_version_7_uuids_led_by_their_millisecond() -> None:
    millis = [1_764_000_000_123 + n // 3 for n in range(300)]
    values = new_ordered_ids(millis)
    assert len(set(values)) == len(values) == len(millis)
    for value, ms in zip(values, millis, strict=True):
        parsed = uuid.UUID(value)
        assert str(parsed) == value
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert parsed.int >> 80 == ms
    # The 74 random bits differ between ids of the same millisecond.
    assert len({uuid.UUID(v).int & ((1 << 62) - 1) for v in values}) == len(values)


def test_a_new_records_versions_pack_to_one_stamp_and_unpack_to_every_field() -> None:
    names = SPECS[RecordType.VISIT].by_name
    versions = dict.fromkeys(names, "stamp-1")
    packed = pack_versions(versions, names)
    assert packed == {"*": "stamp-1"}
    assert unpack_versions(packed, names) == versions
    mixed = {**versions, "narrative": "stamp-2"}
    assert pack_versions(mixed, names) == {"*": "stamp-1", "narrative": "stamp-2"}
    assert unpack_versions(pack_versions(mixed, names), names) == mixed


def test_an_audit_entrys_canonical_form_is_compact_json_kept_in_its_own_letters() -> None:
    event_ = audit.new_event(
        at="2026-12-06T10:00:00.000+00:00",
        actor="amy.officer",
        action=audit.AuditAction.UPDATE,
        record_type="visit",
        record_id="00000000-0000-4000-8000-000000000001",
        reason="Zoë's address corrected",
    )
    expected = json.dumps(
        [
            event_.event_id,
            event_.at,
            event_.actor,
            "update",
            "visit",
            event_.record_id,
            "Zoë's address corrected",
            None,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()
    assert event_.canonical() == expected
    assert int(uuid.UUID(event_.event_id).int >> 80) == 1_796_551_200_000
