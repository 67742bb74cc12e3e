"""Writing records keeps history, change log, audit chain and search in step (both stores)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from tests.factories import person, place, visit

from fieldkit.domain.hlc import Hlc
from fieldkit.domain.records import RecordType, ValidationError
from fieldkit.services.records import RecordService
from fieldkit.store import audit, search
from fieldkit.store.errors import RecordNotFoundError
from fieldkit.store.schema import AuditEntry, Change, HistoryEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault


def _changes(vault: Vault) -> list[Change]:
    with vault.read() as conn:
        rows = (
            connection(conn).execute(select(Change.__table__).order_by(Change.seq)).mappings().all()
        )
    return [Change(**dict(r)) for r in rows]


def test_create_writes_record_change_and_audit_in_one_go(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    created = service.create(record_type="person", fields=person())
    (change,) = _changes(any_vault)
    assert change.record_id == created.id
    # The outbox names the record's first version; the record row is its only copy.
    assert change.op == "create"
    assert change.fields == {}
    assert change.base == {}
    Hlc.parse(change.hlc)
    with any_vault.read() as conn:
        entries = connection(conn).execute(select(AuditEntry.action, AuditEntry.record_id)).all()
    assert entries == [("create", created.id)]


def test_update_keeps_the_prior_version_and_logs_only_changed_fields(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    created = service.create(record_type="person", fields=person())
    service.update(record_type="person", record_id=created.id, changes={"family_name": "Brien"})
    first, second = _changes(any_vault)
    assert second.fields == {"family_name": "Brien"}
    assert second.base == {"family_name": first.hlc}
    assert second.hlc > first.hlc
    with any_vault.read() as conn:
        (history,) = connection(conn).execute(select(HistoryEntry.__table__)).mappings().all()
    assert history["fields"]["family_name"] == "O'Brien"
    assert history["change_id"] == second.change_id


def test_update_that_changes_nothing_writes_nothing(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    created = service.create(record_type="person", fields=person())
    service.update(record_type="person", record_id=created.id, changes={"family_name": "O'Brien"})
    assert len(_changes(any_vault)) == 1


def test_invalid_update_writes_nothing(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    created = service.create(record_type="place", fields=place())
    with pytest.raises(ValidationError, match="postcode"):
        service.update(record_type="place", record_id=created.id, changes={"postcode": "nope"})
    with pytest.raises(ValidationError, match="unknown field"):
        service.update(record_type="place", record_id=created.id, changes={"colour": "red"})
    assert len(_changes(any_vault)) == 1
    with any_vault.read() as conn:
        assert connection(conn).execute(select(HistoryEntry.seq)).first() is None


def test_a_batch_with_one_bad_record_stores_none_of_it(any_vault: Vault) -> None:
    from fieldkit.services.transfer import import_records
    from fieldkit.store.records import NewRecord

    batch = [NewRecord("person", person()), NewRecord("place", place(postcode="nowhere"))]
    with pytest.raises(ValidationError):
        import_records(any_vault, batch)
    assert _changes(any_vault) == []


def test_delete_of_a_record_never_sent_leaves_a_tombstone_and_nothing_to_send(
    any_vault: Vault,
) -> None:
    service = RecordService(any_vault)
    created = service.create(record_type="person", fields=person())
    service.delete(record_type="person", record_id=created.id, reason="duplicate entry")
    # The server never had it: its creation (which holds the content) leaves the outbox too.
    assert _changes(any_vault) == []
    with any_vault.read() as conn:
        stored = any_vault.records(conn).get(RecordType.PERSON, created.id)
        assert stored is not None
        assert stored.deleted
        assert search.find(conn, "Zoë") == []
    with pytest.raises(RecordNotFoundError):
        service.view(record_type="person", record_id=created.id)


def test_viewing_a_record_is_logged_as_consultation(any_vault: Vault) -> None:
    service = RecordService(any_vault, actor="bob.supervisor")
    created = service.create(record_type="person", fields=person())
    service.view(record_type="person", record_id=created.id, reason="case review")
    with any_vault.read() as conn:
        last = (
            connection(conn)
            .execute(
                select(AuditEntry.actor, AuditEntry.action, AuditEntry.reason)
                .order_by(AuditEntry.seq.desc())
                .limit(1)
            )
            .one()
        )
    assert tuple(last) == ("bob.supervisor", "view", "case review")


def test_person_timeline_link_follows_visit_edits(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    a = service.create(record_type="person", fields=person())
    b = service.create(record_type="person", fields=person(given_name="Bartłomiej"))
    v = service.create(record_type="visit", fields=visit(person_ids=[a.id]))
    service.update(record_type="visit", record_id=v.id, changes={"person_ids": [b.id]})
    with any_vault.read() as conn:
        links = connection(conn).execute(text("SELECT person_id FROM visit_person")).scalars().all()
    assert links == [b.id]


# The audit chain ------------------------------------------------------------------------------


def _audited_vault(vault: Vault) -> Vault:
    service = RecordService(vault)
    for i in range(5):
        created = service.create(record_type="person", fields=person(family_name=f"F{i}"))
        service.view(record_type="person", record_id=created.id)
    return vault


def test_untouched_audit_chain_verifies(any_vault: Vault) -> None:
    with _audited_vault(any_vault).read() as conn:
        report = audit.verify(conn)
    assert report.ok
    assert report.entries == 10


def test_events_appended_in_bulk_chain_exactly_as_single_events_do(any_vault: Vault) -> None:
    at = "2026-11-27T10:00:00+00:00"
    with any_vault.write() as conn:
        audit.append(conn, [audit.new_event(at=at, actor="amy", action=audit.AuditAction.VIEW)])
        audit.append_records(
            conn,
            at=at,
            actor="zoë.ñúñez",
            action=audit.AuditAction.UPDATE,
            records=[("person", "p1"), ("visit", 'v"\\2')],
            reason="tenant's “request”\nsecond line",
        )
        audit.append(conn, [audit.new_event(at=at, actor="amy", action=audit.AuditAction.VIEW)])
    with any_vault.read() as conn:
        report = audit.verify(conn)
        rows = (
            connection(conn)
            .execute(
                select(AuditEntry.actor, AuditEntry.record_id, AuditEntry.reason).order_by(
                    AuditEntry.seq
                )
            )
            .all()
        )
    # verify() recomputes every hash from an event object: the bulk rows match it.
    assert report.ok
    assert report.entries == 4
    assert rows[1:3] == [
        ("zoë.ñúñez", "p1", "tenant's “request”\nsecond line"),
        ("zoë.ñúñez", 'v"\\2', "tenant's “request”\nsecond line"),
    ]


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("UPDATE audit_log SET actor = 'someone.else' WHERE seq = 4", "altered"),
        ("UPDATE audit_log SET action = 'view' WHERE seq = 1", "altered"),
        ("DELETE FROM audit_log WHERE seq = 3", "removed or altered"),
        ("DELETE FROM audit_log WHERE seq = 10", "at the end"),
        (
            "INSERT INTO audit_log (event_id, at, actor, action, prev_hash, hash) VALUES "
            "('x', '2026', 'ghost', 'view', 'x', 'x')",
            "removed or altered",
        ),
    ],
)
def test_altered_removed_or_added_audit_entries_are_detected(
    any_vault: Vault, tamper: str, problem: str
) -> None:
    vault = _audited_vault(any_vault)
    with vault.write() as conn:
        connection(conn).execute(text(tamper))
    with vault.read() as conn:
        report = audit.verify(conn)
    assert not report.ok
    assert problem in (report.problem or "")
    assert not vault.check().ok


def test_erase_entry_holds_no_erased_content(any_vault: Vault) -> None:
    event = audit.new_event(
        at="2026-11-27T10:00:00+00:00",
        actor="amy",
        action=audit.AuditAction.ERASE,
        record_type="person",
        record_id="0b9a8c2e-1111-4aaa-8bbb-000000000001",
        reason="retention period ended",
    )
    assert set(event.__dataclass_fields__) == {
        "event_id",
        "at",
        "actor",
        "action",
        "record_type",
        "record_id",
        "reason",
        "recipient",
    }


# Search ---------------------------------------------------------------------------------------


@pytest.fixture
def searchable(any_vault: Vault) -> Vault:
    service = RecordService(any_vault)
    service.create(record_type="person", fields=person())
    service.create(
        record_type="person",
        fields=person(
            given_name="Łukasz",
            family_name="Wiśniewski",
            aliases=["Luke W"],
            date_of_birth="1991-02-03",
        ),
    )
    service.create(record_type="place", fields=place())
    service.create(
        record_type="visit",
        fields=visit(narrative='Said "100% sober" & threw a can; OR maybe not. Used * as a tag'),
    )
    return any_vault


@pytest.mark.parametrize(
    ("query", "expected_title"),
    [
        ("zoe", "Zoë O'Brien"),
        ("ZOË", "Zoë O'Brien"),
        ("o'brien", "Zoë O'Brien"),
        ("lukasz wisniewski", "Łukasz Wiśniewski"),
        ("luke", "Łukasz Wiśniewski"),
        ("1991-02-03", "Łukasz Wiśniewski"),
        ("hd1 2jn", "Huddersfield bus station"),
        ("HD12JN", "Huddersfield bus station"),
        ("Kirkgate", None),
        ("upperhead", "Huddersfield bus station"),
        ("sober", "Visit 2026-11-27 10:15"),
    ],
)
def test_search_is_case_and_accent_insensitive(
    searchable: Vault, query: str, expected_title: str | None
) -> None:
    titles = [r.title for r in RecordService(searchable).search(text=query)]
    if expected_title is None:
        assert titles == []
    else:
        assert expected_title in titles


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        "'",
        "*",
        "%",
        "OR",
        "AND",
        "NOT",
        "NEAR(a b)",
        "body:zoe",
        "^zoe",
        "zoe OR x",
        '"unbalanced',
        "(",
        ")",
        "-zoe",
        "a" * 5000,
        "\x00",
        "😀",
        "",
        "   ",
        "%' OR 1=1 --",
    ],
)
def test_hostile_search_text_is_taken_literally_and_never_errors(
    searchable: Vault, hostile: str
) -> None:
    results = RecordService(searchable).search(text=hostile)
    assert all(r.type in {"person", "place", "visit"} for r in results)


def test_operator_words_are_searched_as_words(searchable: Vault) -> None:
    # "OR" is a plain word here: only the visit whose narrative contains "or" matches.
    results = RecordService(searchable).search(text="threw OR")
    assert [r.type for r in results] == ["visit"]
    assert RecordService(searchable).search(text="zoe OR lukasz") == []


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_any_text_at_all_searches_without_error(searchable: Vault, query: str) -> None:
    assert isinstance(RecordService(searchable).search(text=query), list)


def test_deleting_a_visit_takes_it_off_the_persons_timeline(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    p = service.create(record_type="person", fields=person())
    v = service.create(record_type="visit", fields=visit(person_ids=[p.id]))
    service.delete(record_type="visit", record_id=v.id)
    with any_vault.read() as conn:
        assert any_vault.records(conn).visit_ids_with_person(p.id) == []
