"""A laptop restored from an older copy of its vault is caught, recorded and recovers; gaps in
its numbered audit events are seen by the server."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from tests.factories import PASSPHRASE, person
from tests.sync.conftest import Laptop, Server

from fieldkit.domain.attestation import Head
from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncOutcome, _audit_wire
from fieldkit.store import attestation, replica
from fieldkit.store.attestation import cached_device_alerts
from fieldkit.sync.protocol import ServerUnreachable
from fieldkit.sync.transport import Transport, TransportConfig
from fieldkit_server import audit
from fieldkit_server.db import make_engine, session_factory

FIELDKIT = Path(sys.executable).parent / "fieldkit"


def fieldkit_sync(laptop: Laptop, server: Server) -> subprocess.CompletedProcess[str]:
    """`fieldkit sync`, the installed command, on the laptop's vault folder."""
    laptop.close()
    args = [str(FIELDKIT), "sync", "--vault", str(laptop.folder), "--passphrase-stdin"]
    args += ["--server", server.url]
    return subprocess.run(
        args, input=f"{PASSPHRASE}\n", capture_output=True, text=True, timeout=120, check=False
    )


def ok(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message


def server_audit(server: Server) -> list[dict[str, Any]]:
    engine = make_engine(server.admin.db_url)
    try:
        with session_factory(engine)() as session:
            return list(audit.iter_events(session))
    finally:
        engine.dispose()


def device_alerts(server: Server, supervisor: str) -> list[dict[str, Any]]:
    token = server.login(supervisor)["token"]
    reply = requests.get(
        server.url + "/v1/device-alerts", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert reply.status_code == 200, reply.text
    found: list[dict[str, Any]] = reply.json()["alerts"]
    return found


def copy_folder(laptop: Laptop) -> Path:
    laptop.close()
    backup = laptop.folder.parent / f"{laptop.folder.name}-copy"
    shutil.copytree(laptop.folder, backup)
    return backup


def restore_folder(laptop: Laptop, backup: Path) -> None:
    laptop.close()
    shutil.rmtree(laptop.folder)
    shutil.copytree(backup, laptop.folder)


def create_people(laptop: Laptop, count: int, family_name: str) -> list[str]:
    service = RecordService(laptop.open())
    return [
        service.create(record_type="person", fields=person(family_name=f"{family_name}{n}")).id
        for n in range(count)
    ]


def test_a_restored_vault_with_as_many_new_edits_exits_9_is_listed_and_loses_nothing(
    server: Server, laptops: Callable[..., Laptop]
) -> None:
    server.admin.add_user("amy")
    server.admin.add_user("sue", role="supervisor")
    amy = laptops("amy", "amy", server.url)
    first = create_people(amy, 1, "Before")
    ok(amy)
    backup = copy_folder(amy)
    lost = create_people(amy, 2, "Lost")
    ok(amy)
    acknowledged = server.view("amy")
    assert set(first + lost) <= set(acknowledged)
    with amy.open().read() as conn:
        lost_head = attestation.current_head(conn)

    restore_folder(amy, backup)
    after = create_people(amy, 2, "After")
    with amy.open().read() as conn:
        # The attack: the restored vault's counter and audit count are back where they were,
        # so the server's highest change number alone cannot tell.
        restored_head = attestation.current_head(conn)
    assert restored_head.change_seq == lost_head.change_seq
    assert restored_head.audit_count == lost_head.audit_count
    assert restored_head.audit_hash != lost_head.audit_hash

    done = fieldkit_sync(amy, server)
    assert done.returncode == 9, done.stderr
    assert "older than the copy the server last synced with" in done.stderr
    assert "Check your recent work is all there" in done.stderr
    assert "pushed 2" in done.stdout

    [rollback] = [e for e in server_audit(server) if e["action"] == "rollback"]
    assert rollback["detail"]["acknowledged"]["audit_count"] == lost_head.audit_count
    assert rollback["detail"]["acknowledged"]["audit_hash"] == lost_head.audit_hash
    assert rollback["detail"]["shown"]["audit_hash"] == restored_head.audit_hash
    [alert] = [a for a in device_alerts(server, "sue") if a["kind"] == "rollback"]
    assert alert["username"] == "amy"
    assert alert["acknowledged"]["change_seq"] == lost_head.change_seq
    assert alert["shown"]["change_seq"] == restored_head.change_seq

    view = server.view("amy")
    for record_id, (record_type, fields) in acknowledged.items():
        assert view[record_id] == (record_type, fields)  # nothing acknowledged was lost
    assert set(after) <= set(view)
    assert amy.records() == view  # the lost work came back to the laptop
    with amy.open().read() as conn:
        assert replica.pending_count(conn) == 0
        # The edits made after the restore went up under numbers the server had not seen.
        assert replica.highest_change_seq(conn) > lost_head.change_seq

    again = fieldkit_sync(amy, server)
    assert again.returncode == 0, again.stderr
    assert len([e for e in server_audit(server) if e["action"] == "rollback"]) == 1

    sue = laptops("sue", "sue", server.url)
    report = sue.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert report.device_alerts >= 1
    with sue.open().read() as conn:
        held = cached_device_alerts(conn)
    assert [a["username"] for a in held if a["kind"] == "rollback"] == ["amy"]


def test_a_vault_restored_and_synced_at_once_exits_9_and_gets_the_servers_work_back(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    ok(amy)
    backup = copy_folder(amy)
    later = create_people(amy, 1, "Later")
    ok(amy)
    restore_folder(amy, backup)
    done = fieldkit_sync(amy, server)
    assert done.returncode == 9, done.stderr
    assert "restored from a backup" in done.stderr
    assert set(later) <= set(amy.records())
    assert amy.records() == server.view("amy")
    assert [e["action"] for e in server_audit(server)].count("rollback") == 1
    assert fieldkit_sync(amy, server).returncode == 0


def test_audit_entries_kept_back_from_the_server_show_as_a_gap_to_supervisors(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    server.admin.add_user("sue", role="supervisor")
    amy = laptops("amy", "amy", server.url)
    [seen] = create_people(amy, 1, "Seen")
    ok(amy)
    service = RecordService(amy.open())
    for _ in range(3):
        service.view(record_type="person", record_id=seen, reason="checking")
    with amy.open().write() as conn:
        # Someone with the passphrase marks two consultations as sent, so they never go up.
        hidden = [e["event_id"] for e in replica.pending_audit_events(conn, limit=2)]
        replica.mark_audit_synced(conn, hidden, at="2026-12-06T00:00:00+00:00")
    ok(amy)
    stored = {e["event_id"] for e in server_audit(server)}
    assert not set(hidden) & stored
    [gap] = [a for a in device_alerts(server, "sue") if a["kind"] == "audit_gap"]
    assert gap["username"] == "amy"
    assert gap["shown"]["audit_count"] - gap["acknowledged"]["audit_count"] == 3
    assert [e for e in server_audit(server) if e["action"] == "audit_gap"]


class CutBeforeAcknowledge(Transport):
    """The connection fails just as the laptop asks for its head to be acknowledged."""

    def acknowledge(self, head: Head) -> Head:
        del head
        raise ServerUnreachable("The connection to the sync server failed.")


def test_a_copy_whose_last_sync_was_cut_before_its_acknowledgement_is_still_recorded(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    ok(amy)
    backup = copy_folder(amy)
    lost = create_people(amy, 2, "Lost")
    amy.transport = CutBeforeAcknowledge(TransportConfig(server_url=server.url, max_attempts=1))
    report = amy.sync()
    assert report.outcome is SyncOutcome.OFFLINE
    assert set(lost) <= set(server.view("amy"))  # pushed, but the head was not acknowledged
    restore_folder(amy, backup)
    done = fieldkit_sync(amy, server)
    assert done.returncode == 9, done.stderr
    # The server judges the vault as it was found, before the laptop raises its own counter.
    [rollback] = [e for e in server_audit(server) if e["action"] == "rollback"]
    assert (
        rollback["detail"]["shown"]["change_seq"] < rollback["detail"]["acknowledged"]["change_seq"]
    )
    assert set(lost) <= set(amy.records())


def test_a_vault_whose_log_went_up_unnumbered_gets_its_head_acknowledged(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    ok(amy)
    create_people(amy, 2, "Early")
    # As an older Fieldkit sent them: no chain numbers.
    with amy.open().read() as conn:
        events = replica.pending_audit_events(conn, limit=10)
    assert amy.transport is not None
    amy.transport.audit([_audit_wire(e) for e in events])
    with amy.open().write() as conn:
        replica.mark_audit_synced(conn, [e["event_id"] for e in events], at="t")
    ok(amy)
    with amy.open().read() as conn:
        head = attestation.current_head(conn)
    assert amy.transport is not None
    handshake = amy.transport.handshake()
    assert handshake.acknowledged == head
    assert not device_alerts_of_any_kind(server)


def device_alerts_of_any_kind(server: Server) -> list[dict[str, Any]]:
    server.admin.add_user("watcher", role="supervisor")
    return device_alerts(server, "watcher")
