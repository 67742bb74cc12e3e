"""A supervisor lowers a record's restriction from the laptop, with the reason the server needs."""

from __future__ import annotations

from collections.abc import Callable

from tests.factories import visit
from tests.sync.conftest import Laptop, Server

from fieldkit.domain.records import RecordType
from fieldkit.services.corrections import CorrectionService
from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.store import replica

REASON = "recorded as domestic abuse in error; confirmed with the officer"


def sync_ok(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert not report.refused, report.refused


def holds(laptop: Laptop, visit_id: str) -> bool:
    vault = laptop.open()
    with vault.read() as conn:
        record = vault.records(conn).get(RecordType.VISIT, visit_id)
    return record is not None and not record.deleted


def test_a_supervisors_reasoned_lowering_reaches_the_server_and_the_district(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy", role="officer")
    sqlite_server.admin.add_user("bob", role="officer")
    sqlite_server.admin.add_user("sue", role="supervisor")
    amy = laptops("amy", "amy", sqlite_server.url)
    bob = laptops("bob", "bob", sqlite_server.url)
    sue = laptops("sue", "sue", sqlite_server.url)
    mistaken = RecordService(amy.open()).create(
        record_type="visit",
        fields=visit(officer_id="amy", categories=["domestic_abuse"], sensitivity="restricted"),
    )
    sync_ok(amy)
    sync_ok(bob)
    sync_ok(sue)
    assert not holds(bob, mistaken.id)
    assert holds(sue, mistaken.id)

    CorrectionService(sue.open()).edit(
        record_type="visit",
        record_id=mistaken.id,
        changes={"categories": ["street_drinking"], "sensitivity": "standard"},
        reason=REASON,
    )
    with sue.open().read() as conn:
        (outgoing,) = replica.pending_changes(conn, limit=10)
    assert outgoing.wire()["reason"] == REASON
    sync_ok(sue)
    sync_ok(bob)
    assert holds(bob, mistaken.id)


def test_changes_without_a_reason_send_none() -> None:
    plain = replica.OutgoingChange(1, "c", "visit", "v", "upsert", "h", {}, {})
    assert "reason" not in plain.wire()
