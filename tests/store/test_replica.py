"""The vault's replica side of sync: outbox, applying pulled records, purging (both stores)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from tests.factories import person, place, visit

from fieldkit.domain.hlc import Hlc
from fieldkit.domain.records import RecordType
from fieldkit.services.records import RecordService
from fieldkit.store import replica, search
from fieldkit.store.records import NewRecord
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

SERVER_ID = "7a1f0c1e-0000-4000-8000-000000000001"
#: A clock later than any this test's laptop makes (its stepping clock starts in 2026).
_LATER = "009999999999999:0000:srv"


def _pulled(fields: dict[str, object], hlc: str, *, deleted: bool = False) -> replica.PulledRecord:
    return replica.PulledRecord("person", SERVER_ID, deleted, fields, dict.fromkeys(fields, hlc))


def test_outbox_lists_unpushed_changes_in_order_until_marked(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    a = service.create(record_type="person", fields=person())
    service.update(record_type="person", record_id=a.id, changes={"given_name": "Zoe"})
    with any_vault.read() as conn:
        pending = replica.pending_changes(conn, limit=10)
    assert [c.op for c in pending] == ["upsert", "upsert"]
    assert pending[0].seq < pending[1].seq
    assert pending[1].wire()["base"] == {"given_name": pending[0].hlc}
    with any_vault.write() as conn:
        replica.mark_pushed(conn, [pending[0].change_id], at="2026-11-27T10:00:00Z")
    with any_vault.read() as conn:
        assert [c.change_id for c in replica.pending_changes(conn, limit=10)] == [
            pending[1].change_id
        ]
        assert replica.pending_count(conn) == 1
        assert replica.highest_change_seq(conn) == pending[1].seq


def test_a_new_record_goes_out_whole_as_created_though_edited_since(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    created = service.create(record_type="person", fields=person())
    with any_vault.read() as conn:
        (first,) = replica.pending_changes(conn, limit=10)
    with any_vault.read() as conn:
        stored = any_vault.records(conn).require(RecordType.PERSON, created.id)
    assert (first.op, first.hlc, first.base) == ("upsert", stored.updated_hlc, {})
    assert first.fields == dict(created.fields)
    service.update(record_type="person", record_id=created.id, changes={"given_name": "Zoe"})
    service.update(record_type="person", record_id=created.id, changes={"family_name": "Brien"})
    with any_vault.read() as conn:
        pending = replica.pending_changes(conn, limit=10)
    # The creation still sends the record as created, from the history the edits kept.
    assert [c.op for c in pending] == ["upsert", "upsert", "upsert"]
    assert pending[0].fields == dict(created.fields)
    assert pending[0].fields["given_name"] == "Zoë"
    assert pending[1].fields == {"given_name": "Zoe"}
    assert pending[2].fields == {"family_name": "Brien"}


def test_a_new_record_changed_by_a_pull_before_its_push_goes_out_as_created(
    any_vault: Vault,
) -> None:
    # The same record (same id) imported here and already sent by another laptop.
    fields = person()
    with any_vault.write() as conn:
        (created,) = any_vault.records(conn).create_many([NewRecord("person", fields, SERVER_ID)])
    newer = {**dict(created.fields), "family_name": "Server"}
    with any_vault.write() as conn:
        replica.apply_pulled(
            conn,
            [replica.PulledRecord("person", SERVER_ID, False, newer, dict.fromkeys(newer, _LATER))],
            at="t",
        )
    with any_vault.read() as conn:
        assert any_vault.records(conn).require(RecordType.PERSON, SERVER_ID).fields == newer
        (change,) = replica.pending_changes(conn, limit=10)
    assert change.fields == dict(created.fields)
    assert change.hlc == created.updated_hlc


def test_a_creation_whose_first_version_is_gone_sends_the_record_as_it_stands(
    any_vault: Vault,
) -> None:
    service = RecordService(any_vault)
    created = service.create(record_type="person", fields=person())
    service.update(record_type="person", record_id=created.id, changes={"given_name": "Zoe"})
    with any_vault.write() as conn:
        # Only a vault altered by hand loses a kept version; the outbox still moves.
        connection(conn).execute(text("DELETE FROM record_history"))
    with any_vault.read() as conn:
        first, _edit = replica.pending_changes(conn, limit=10)
    assert first.fields == {**dict(created.fields), "given_name": "Zoe"}


def test_creations_pushed_in_one_batch_each_carry_their_own_record(any_vault: Vault) -> None:
    with any_vault.write() as conn:
        stored = any_vault.records(conn).create_many(
            [NewRecord("person", person(family_name=f"F{i}")) for i in range(3)]
            + [NewRecord("place", place()), NewRecord("visit", visit())]
        )
    with any_vault.read() as conn:
        pending = replica.pending_changes(conn, limit=10)
    assert [(c.type, c.id, c.fields) for c in pending] == [
        (r.type.value, r.id, dict(r.fields)) for r in stored
    ]


def test_pulled_new_record_is_stored_and_searchable(any_vault: Vault) -> None:
    fields = person(given_name="Bartłomiej", family_name="Nowak")
    with any_vault.write() as conn:
        outcome = replica.apply_pulled(conn, [_pulled(fields, "001764000000000:0000:srv")], at="t")
    assert outcome.inserted == 1
    with any_vault.read() as conn:
        assert [h.record_id for h in search.find(conn, "bartlomiej")] == [SERVER_ID]
        assert replica.pending_count(conn) == 0  # pulled records are not pushed back


def test_pulled_record_never_overwrites_a_newer_unpushed_local_edit(any_vault: Vault) -> None:
    old = "001764000000000:0000:srv"
    with any_vault.write() as conn:
        replica.apply_pulled(conn, [_pulled(person(), old)], at="t")
    RecordService(any_vault).update(
        record_type="person", record_id=SERVER_ID, changes={"family_name": "Local"}
    )
    with any_vault.read() as conn:
        local = any_vault.records(conn).require(RecordType.PERSON, SERVER_ID)
    older_than_local = str(Hlc(Hlc.parse(local.versions["family_name"]).millis - 1, 0, "srv"))
    newer = {**person(), "family_name": "Server", "given_name": "Zed"}
    pulled = replica.PulledRecord(
        "person",
        SERVER_ID,
        False,
        newer,
        {
            **dict.fromkeys(newer, old),
            "family_name": older_than_local,
            "given_name": "009999999999999:0000:srv",
        },
    )
    with any_vault.write() as conn:
        replica.apply_pulled(conn, [pulled], at="t")
    with any_vault.read() as conn:
        after = any_vault.records(conn).require(RecordType.PERSON, SERVER_ID)
        history = connection(conn).execute(text("SELECT count(*) FROM record_history")).scalar()
    assert after.fields["family_name"] == "Local"
    assert after.fields["given_name"] == "Zed"
    assert history == 2  # the local edit, then the pull: nothing overwritten without trace


def test_pulled_tombstone_deletes_and_stays_deleted(any_vault: Vault) -> None:
    with any_vault.write() as conn:
        replica.apply_pulled(conn, [_pulled(person(), "001764000000000:0000:srv")], at="t")
        replica.apply_pulled(
            conn, [_pulled(person(), "001764000000001:0000:srv", deleted=True)], at="t"
        )
        replica.apply_pulled(
            conn, [_pulled(person(given_name="Back"), "001764000000002:0000:srv")], at="t"
        )
    with any_vault.read() as conn:
        stored = any_vault.records(conn).get(RecordType.PERSON, SERVER_ID)
        assert search.find(conn, "zoe") == []
    assert stored is not None
    assert stored.deleted


def test_purge_removes_record_history_links_index_and_pending_changes(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    p = service.create(record_type="person", fields=person())
    v = service.create(record_type="visit", fields=visit(person_ids=[p.id]))
    service.update(record_type="visit", record_id=v.id, changes={"narrative": "changed"})
    with any_vault.write() as conn:
        removed = replica.purge(conn, [("visit", v.id), ("person", p.id), ("gizmo", "x")])
    assert removed == 2
    with any_vault.read() as conn:
        for table in (
            "visit",
            "person",
            "visit_person",
            "record_history",
            "change_log",
            "search_doc",
        ):
            count = text(f"SELECT count(*) FROM {table}")  # noqa: S608
            assert connection(conn).execute(count).scalar() == 0, table
        assert replica.highest_change_seq(conn) == 3


def test_sync_state_round_trips_inside_the_vault(any_vault: Vault) -> None:
    with any_vault.write() as conn:
        replica.put_state(conn, "cursor", "abc")
        replica.put_state(conn, "token", {"value": "t0k3n"})
    with any_vault.read() as conn:
        assert replica.get_state(conn, "cursor") == "abc"
        assert replica.get_state(conn, "token") == {"value": "t0k3n"}
        assert replica.get_state(conn, "missing") is None


def test_kept_pdf_is_stored_encrypted_and_purged_with_its_document(any_vault: Vault) -> None:
    from fieldkit.store import document_files

    doc_id = "7a1f0c1e-0000-4000-8000-0000000000d0"
    pdf = b"%PDF-1.4 letter for Jane Secretname"
    with any_vault.write() as conn:
        document_files.keep(conn, doc_id, pdf, at="2026-11-27T10:00:00Z")
    with any_vault.read() as conn:
        assert document_files.load(conn, doc_id) == pdf
    if any_vault.encrypted:
        assert b"Secretname" not in (any_vault.folder / "vault.db").read_bytes()
    with any_vault.write() as conn:
        replica.purge(conn, [("document", doc_id)])
    with any_vault.read() as conn:
        assert document_files.load(conn, doc_id) is None


def test_a_page_of_new_records_is_stored_in_bulk_with_links_and_index(any_vault: Vault) -> None:
    people = [
        replica.PulledRecord(
            "person",
            f"7a1f0c1e-0000-4000-8000-00000000010{i}",
            False,
            person(family_name=f"Bulk{i}"),
            dict.fromkeys(person(), "001764000000000:0000:srv"),
        )
        for i in range(3)
    ]
    v = visit(person_ids=[people[0].id, people[2].id])
    pulled_visit = replica.PulledRecord(
        "visit",
        "7a1f0c1e-0000-4000-8000-000000000200",
        False,
        v,
        dict.fromkeys(
            [*v, "sensitivity", "place_id", "person_ids", "actions", "follow_up_due"],
            "001764000000000:0000:srv",
        ),
    )
    with any_vault.write() as conn:
        outcome = replica.apply_pulled(conn, [*people, pulled_visit, people[1]], at="t")
    assert (outcome.inserted, outcome.updated) == (4, 0)
    with any_vault.read() as conn:
        assert len(search.find(conn, "bulk1")) == 1
        links = (
            connection(conn)
            .execute(text("SELECT person_id FROM visit_person ORDER BY 1"))
            .scalars()
            .all()
        )
        stored = any_vault.records(conn).require(RecordType.PERSON, people[0].id)
    assert links == sorted([people[0].id, people[2].id])
    assert set(stored.versions.values()) == {"001764000000000:0000:srv"}


def test_a_page_of_changes_to_held_records_keeps_history_links_index_and_seal(
    any_vault: Vault,
) -> None:
    old, new = "001764000000000:0000:srv", "001764000000001:0000:srv"
    people = [
        replica.PulledRecord(
            "person",
            f"7a1f0c1e-0000-4000-8000-00000000030{i}",
            False,
            person(family_name=f"Before{i}"),
            dict.fromkeys(person(), old),
        )
        for i in range(3)
    ]

    def visits(hlc: str, who: list[str], words: str) -> list[replica.PulledRecord]:
        return [
            replica.PulledRecord(
                "visit",
                f"7a1f0c1e-0000-4000-8000-00000000040{i}",
                False,
                visit(person_ids=who, narrative=f"{words} {i}"),
                dict.fromkeys(
                    [*visit(), "sensitivity", "place_id", "person_ids", "actions", "follow_up_due"],
                    hlc,
                ),
            )
            for i in range(4)
        ]

    with any_vault.write() as conn:
        replica.apply_pulled(
            conn, [*people, *visits(old, [people[0].id], "lampposts painted")], at="t1"
        )
    changed = [
        replica.PulledRecord(
            "person", p.id, False, person(family_name=f"After{i}"), dict.fromkeys(person(), new)
        )
        for i, p in enumerate(people)
    ]
    with any_vault.write() as conn:
        outcome = replica.apply_pulled(
            conn, [*changed, *visits(new, [people[1].id, people[2].id], "benches mended")], at="t2"
        )
    assert (outcome.inserted, outcome.updated) == (0, 7)
    with any_vault.read() as conn:
        assert search.find(conn, "before1") == []
        assert len(search.find(conn, "after1")) == 1
        assert search.find(conn, "lampposts") == []
        assert len(search.find(conn, "benches", types=[RecordType.VISIT])) == 4
        links = connection(conn).execute(text("SELECT person_id FROM visit_person")).scalars().all()
        history = (
            connection(conn)
            .execute(text("SELECT count(*) FROM record_history WHERE change_id = 'pulled'"))
            .scalar_one()
        )
        stored = any_vault.records(conn).require(RecordType.PERSON, people[2].id)
    assert sorted(links) == sorted([people[1].id, people[2].id] * 4)
    assert history == 7  # each record's replaced version, once
    assert stored.fields["family_name"] == "After2"
    assert set(stored.versions.values()) == {new}
    assert any_vault.check().ok


def test_field_versions_survive_being_packed_for_storage(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    created = service.create(record_type="person", fields=person())
    service.update(record_type="person", record_id=created.id, changes={"given_name": "Zed"})
    with any_vault.read() as conn:
        stored = any_vault.records(conn).require(RecordType.PERSON, created.id)
        raw = connection(conn).execute(text("SELECT versions FROM person")).scalar_one()
    assert set(stored.versions) == set(person()) | {
        "description",
        "flags",
        "risk_markers",
        "risk_notes",
        "merged_into",
    }
    assert stored.versions["given_name"] > stored.versions["family_name"]
    assert '"*"' in raw


def test_a_restored_vault_numbers_new_changes_past_what_the_server_saw(any_vault: Vault) -> None:
    RecordService(any_vault).create(record_type="person", fields=person())
    with any_vault.write() as conn:
        replica.raise_change_seq(conn, 40)
        replica.raise_change_seq(conn, 7)  # never lowers the mark
    created = RecordService(any_vault).create(record_type="person", fields=person())
    with any_vault.read() as conn:
        seqs = [c.seq for c in replica.pending_changes(conn, limit=10) if c.id == created.id]
    assert seqs == [41]


# Where pulled records came from, and supervisors' conflict review state -------------------


def _origin_count(any_vault: Vault) -> int:
    with any_vault.read() as conn:
        return int(
            connection(conn).execute(text("SELECT count(*) FROM record_origin")).scalar_one()
        )


def test_a_pulled_record_notes_its_author_and_when_it_arrived(any_vault: Vault) -> None:
    first = replica.PulledRecord(
        "person", SERVER_ID, False, person(), dict.fromkeys(person(), "001764000000000:0000:srv"),
        author="amy.officer",
    )  # fmt: skip
    with any_vault.write() as conn:
        replica.apply_pulled(conn, [first], at="2026-11-27T10:00:00.000+00:00")
    with any_vault.read() as conn:
        origin = replica.origin_of(conn, SERVER_ID)
    assert origin == replica.RecordOrigin(
        SERVER_ID,
        "person",
        "amy.officer",
        "2026-11-27T10:00:00.000+00:00",
        "2026-11-27T10:00:00.000+00:00",
    )


def test_a_newer_version_moves_changed_at_and_a_repeat_moves_nothing(any_vault: Vault) -> None:
    def version(hlc: str, author: str | None, **changes: str) -> replica.PulledRecord:
        fields = person(**changes)
        return replica.PulledRecord(
            "person", SERVER_ID, False, fields, dict.fromkeys(fields, hlc), author
        )

    with any_vault.write() as conn:
        replica.apply_pulled(conn, [version("001764000000000:0000:srv", "amy")], at="t1")
        # The same page again (a sync cut after applying it): nothing changed, nothing moves.
        replica.apply_pulled(conn, [version("001764000000000:0000:srv", "amy")], at="t2")
    with any_vault.read() as conn:
        assert replica.origin_of(conn, SERVER_ID) == replica.RecordOrigin(
            SERVER_ID, "person", "amy", "t1", "t1"
        )
    with any_vault.write() as conn:
        replica.apply_pulled(
            conn, [version("001764000000001:0000:srv", "ben", given_name="Zed")], at="t3"
        )
    with any_vault.read() as conn:
        assert replica.origin_of(conn, SERVER_ID) == replica.RecordOrigin(
            SERVER_ID, "person", "ben", "t1", "t3"
        )
    # A server that does not say who wrote a version leaves the author known before.
    with any_vault.write() as conn:
        replica.apply_pulled(
            conn, [version("001764000000002:0000:srv", None, given_name="Yan")], at="t4"
        )
        replica.apply_pulled(
            conn, [version("001764000000003:0000:srv", None, given_name="Xia")], at="t5"
        )
    with any_vault.read() as conn:
        assert replica.origin_of(conn, SERVER_ID) == replica.RecordOrigin(
            SERVER_ID, "person", "ben", "t1", "t5"
        )


def test_a_page_notes_every_record_it_applies_and_none_it_skips(any_vault: Vault) -> None:
    hlc = "001764000000000:0000:srv"
    people = [
        replica.PulledRecord(
            "person", f"7a1f0c1e-0000-4000-8000-00000000030{i}", False, person(),
            dict.fromkeys(person(), hlc), author=f"officer{i}",
        )
        for i in range(5)
    ]  # fmt: skip
    invalid = replica.PulledRecord(
        "person", "7a1f0c1e-0000-4000-8000-000000000399", False, {"given_name": ""},
        {"given_name": hlc}, author="amy",
    )  # fmt: skip
    tombstone = replica.PulledRecord(
        "place", "7a1f0c1e-0000-4000-8000-000000000398", True, {}, {}, author=None
    )
    with any_vault.write() as conn:
        outcome = replica.apply_pulled(conn, [*people, invalid, tombstone], at="t")
    assert outcome.skipped == [("person", invalid.id)]
    with any_vault.read() as conn:
        assert replica.origin_of(conn, invalid.id) is None
        assert replica.origin_of(conn, people[3].id) is not None
        assert replica.origin_of(conn, people[3].id).author == "officer3"  # type: ignore[union-attr]
        assert replica.origin_of(conn, tombstone.id) == replica.RecordOrigin(
            tombstone.id, "place", None, "t", "t"
        )
    assert _origin_count(any_vault) == 6


def test_records_written_here_have_no_origin_and_purge_removes_it(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    mine = service.create(record_type="person", fields=person())
    service.update(record_type="person", record_id=mine.id, changes={"given_name": "Zoe"})
    with any_vault.write() as conn:
        replica.apply_pulled(conn, [_pulled(person(), "001764000000000:0000:srv")], at="t")
    # The laptop's own change coming back from the server, unchanged, is not an arrival.
    with any_vault.read() as conn:
        own = any_vault.records(conn).require(RecordType.PERSON, mine.id)
    echo = replica.PulledRecord(
        "person", mine.id, False, own.fields, own.versions, author="amy.officer"
    )
    with any_vault.write() as conn:
        assert replica.apply_pulled(conn, [echo], at="t2").unchanged == 1
    with any_vault.read() as conn:
        assert replica.origin_of(conn, mine.id) is None
        assert replica.origin_of(conn, SERVER_ID) is not None
    with any_vault.write() as conn:
        replica.purge(conn, [("person", SERVER_ID)])
    assert _origin_count(any_vault) == 0


def _conflict(conflict_id: int, **changes: object) -> replica.CachedConflict:
    item: replica.CachedConflict = {
        "id": conflict_id,
        "type": "person",
        "record_id": SERVER_ID,
        "field": "given_name",
        "kept_value": "Zoe",
        "kept_hlc": "001764000000002:0000:b",
        "kept_by": "ben",
        "other_value": "Zara",
        "other_hlc": "001764000000001:0000:a",
        "other_by": None,
        "detected_at": "2026-11-27T10:00:00+00:00",
        "district": None,
    }
    return {**item, **changes}  # type: ignore[typeddict-item]


def test_conflict_resolutions_queue_once_and_settle_out_of_queue_and_cache(
    any_vault: Vault,
) -> None:
    with any_vault.read() as conn:
        assert replica.pending_conflict_resolutions(conn) == []
        assert replica.cached_conflicts(conn) == []
        assert replica.conflicts_fetched_at(conn) is None
    with any_vault.write() as conn:
        replica.cache_conflicts(conn, [_conflict(7), _conflict(9, field="family_name")], at="t1")
        replica.queue_conflict_resolution(conn, 9)
        replica.queue_conflict_resolution(conn, 7)
        replica.queue_conflict_resolution(conn, 9)
    with any_vault.read() as conn:
        assert replica.pending_conflict_resolutions(conn) == [9, 7]
        assert [c["id"] for c in replica.cached_conflicts(conn)] == [7, 9]
        assert replica.cached_conflicts(conn)[0] == _conflict(7)
        assert replica.conflicts_fetched_at(conn) == "t1"
    with any_vault.write() as conn:
        replica.settle_conflict_resolution(conn, 9)
    with any_vault.read() as conn:
        assert replica.pending_conflict_resolutions(conn) == [7]
        assert [c["id"] for c in replica.cached_conflicts(conn)] == [7]
    with any_vault.write() as conn:
        replica.settle_conflict_resolution(conn, 7)
        replica.settle_conflict_resolution(conn, 7)  # the server answered twice: harmless
    with any_vault.read() as conn:
        assert replica.pending_conflict_resolutions(conn) == []
        assert replica.cached_conflicts(conn) == []


def test_a_conflict_id_must_be_a_positive_integer(any_vault: Vault) -> None:
    with any_vault.write() as conn:
        for bad in (0, -3, True, "7", 2**62 + 1):
            with pytest.raises(ValueError, match="positive integer"):
                replica.queue_conflict_resolution(conn, bad)  # type: ignore[arg-type]


def test_forgetting_conflicts_keeps_queued_resolutions(any_vault: Vault) -> None:
    with any_vault.write() as conn:
        replica.cache_conflicts(conn, [_conflict(3)], at="t1")
        replica.queue_conflict_resolution(conn, 3)
        replica.forget_conflicts(conn)
    with any_vault.read() as conn:
        assert replica.cached_conflicts(conn) == []
        assert replica.conflicts_fetched_at(conn) is None
        assert replica.pending_conflict_resolutions(conn) == [3]
