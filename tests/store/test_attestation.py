"""The vault's evidence for the server: head, numbered audit entries, renumbered outbox."""

from __future__ import annotations

from tests.factories import person

from fieldkit.domain.attestation import GENESIS, Head
from fieldkit.services.records import RecordService
from fieldkit.store import attestation, audit, replica
from fieldkit.store.vault import Vault


def test_the_head_is_the_last_audit_entry_and_the_highest_change_number(
    any_vault: Vault,
) -> None:
    with any_vault.read() as conn:
        empty = attestation.current_head(conn)
    assert empty.change_seq == 0
    service = RecordService(any_vault)
    made = service.create(record_type="person", fields=person())
    service.update(record_type="person", record_id=made.id, changes={"given_name": "Zoe"})
    with any_vault.read() as conn:
        head = attestation.current_head(conn)
        assert audit.verify(conn).entries == head.audit_count
        assert attestation.hash_at(conn, head.audit_count) == head.audit_hash
        assert attestation.hash_at(conn, 0) == GENESIS
        assert attestation.hash_at(conn, head.audit_count + 1) is None
        assert head.change_seq == replica.highest_change_seq(conn) == 2
        shown = attestation.shown(conn, Head(empty.audit_count, empty.audit_hash, 0))
    assert shown.head == head
    assert shown.hash_at_acknowledged == empty.audit_hash


def test_pending_audit_entries_carry_their_chain_position_and_link(any_vault: Vault) -> None:
    service = RecordService(any_vault)
    made = service.create(record_type="person", fields=person())
    for _ in range(2):
        service.view(record_type="person", record_id=made.id)
    with any_vault.write() as conn:
        first = attestation.pending_numbered_events(conn, limit=1)
        replica.mark_audit_synced(conn, [first[0]["event_id"]], at="t")
    with any_vault.read() as conn:
        rest = attestation.pending_numbered_events(conn, limit=10)
        total = attestation.current_head(conn).audit_count
        sent = attestation.sent_head(conn)
    assert [e["position"] for e in rest] == list(range(first[0]["position"] + 1, total + 1))
    assert rest[0]["prev_hash"] == first[0]["hash"]
    assert sent.audit_count == first[0]["position"]
    assert sent.audit_hash == first[0]["hash"]


def test_a_rolled_back_vault_numbers_its_unsent_changes_above_the_servers(
    any_vault: Vault,
) -> None:
    service = RecordService(any_vault)
    a = service.create(record_type="person", fields=person())
    b = service.create(record_type="person", fields=person(family_name="Other"))
    with any_vault.write() as conn:
        before = replica.pending_changes(conn, limit=10)
        replica.mark_pushed(conn, [before[0].change_id], at="t")
        moved = attestation.renumber_outbox(conn, above=7)
    assert moved == 1
    with any_vault.read() as conn:
        [pending] = replica.pending_changes(conn, limit=10)
        assert pending.seq == 8
        assert pending.change_id == before[1].change_id
        assert pending.id == b.id
        assert replica.highest_change_seq(conn) == 8
    later = service.create(record_type="person", fields=person(family_name="Later"))
    with any_vault.read() as conn:
        assert [c.id for c in replica.pending_changes(conn, limit=10)] == [b.id, later.id]
        assert replica.pending_changes(conn, limit=10)[1].seq == 9
    assert a.id != b.id
