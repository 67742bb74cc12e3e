"""Clock skew, scope changes, revoked devices, expired sign-ins, restored vaults, the command."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from datetime import timedelta

import requests
from tests.factories import PASSPHRASE, person, visit
from tests.sync.conftest import PASSWORD, Laptop, OffsetClock, Server, free_port

from fieldkit.services.records import RecordService
from fieldkit.services.sync_command import SyncExit, main
from fieldkit.services.sync_engine import EngineSyncController, SyncOutcome
from fieldkit.store import replica
from fieldkit.sync.status import SyncState, SyncStatus


def ok(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message


def test_laptops_days_ahead_and_behind_still_merge_by_the_protocols_clock(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    ahead = laptops("ahead", "amy", server.url, clock=OffsetClock(timedelta(days=3)))
    behind = laptops("behind", "amy", server.url, clock=OffsetClock(timedelta(days=-3)))
    shared = RecordService(behind.open()).create(record_type="person", fields=person())
    ok(behind)
    ok(ahead)
    # The fast laptop edits first; the server clamps its clock to server time + tolerance.
    RecordService(ahead.open()).update(
        record_type="person", record_id=shared.id, changes={"family_name": "Ahead"}
    )
    ok(ahead)
    ok(behind)
    assert behind.records()[shared.id][1]["family_name"] == "Ahead"
    # The slow laptop edits after seeing that: a later edit in real time must win, on both.
    RecordService(behind.open()).update(
        record_type="person", record_id=shared.id, changes={"family_name": "Behind"}
    )
    ok(behind)
    ok(ahead)
    view = server.view("amy")
    assert view[shared.id][1]["family_name"] == "Behind"
    assert ahead.records() == view
    assert behind.records() == view


def test_a_user_moved_to_another_district_while_offline_has_the_old_one_purged(
    server: Server, laptops: Callable[..., Laptop]
) -> None:
    server.admin.add_user("amy")
    server.admin.add_user("sue", role="supervisor", districts=("huddersfield", "rural"))
    sue = laptops("sue", "sue", server.url)
    old = RecordService(sue.open()).create(record_type="visit", fields=visit(officer_id="sue"))
    new = RecordService(sue.open()).create(
        record_type="visit", fields=visit(district="rural", officer_id="sue")
    )
    ok(sue)
    amy = laptops("amy", "amy", server.url)
    ok(amy)
    assert old.id in amy.records()
    assert new.id not in amy.records()
    server.admin.set_districts("amy", ("rural",))
    report = amy.sync()
    assert report.outcome is SyncOutcome.OK
    assert report.purged >= 1
    held = amy.records()
    assert old.id not in held
    assert new.id in held
    assert held == server.view("amy")
    assert amy.open().check().ok


def test_a_revoked_device_is_wiped_and_told_why(
    server: Server, laptops: Callable[..., Laptop]
) -> None:
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    ok(amy)
    with amy.open().read() as conn:
        device_id = replica.get_state(conn, "device_id")
    server.admin.revoke_device(device_id)
    seen: list[SyncStatus] = []
    engine = amy.engine()
    engine.subscribe(seen.append)
    report = engine.run()
    assert report.outcome is SyncOutcome.DEVICE_REVOKED
    assert report.wiped
    assert not amy.folder.exists()
    assert seen[-1].state is SyncState.NEEDS_ATTENTION
    assert "withdrawn" in seen[-1].message


def test_a_disabled_users_laptop_stops_and_is_wiped(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    ok(amy)
    server.admin.disable_user("amy")
    report = amy.sync()
    assert report.outcome is SyncOutcome.DEVICE_REVOKED
    assert report.wiped
    assert not amy.folder.exists()


def test_an_expired_sign_in_asks_for_the_password_and_loses_nothing(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    ok(amy)
    with amy.open().read() as conn:
        token = replica.get_state(conn, "token")
        device_id = replica.get_state(conn, "device_id")
    # The server forgets the token (signed out elsewhere, or expired while the laptop was away).
    reply = requests.post(
        server.url + "/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert reply.status_code == 204
    made = RecordService(amy.open()).create(record_type="person", fields=person())
    amy.password = None
    report = amy.sync()
    assert report.outcome is SyncOutcome.SIGN_IN_NEEDED
    assert "password" in report.next_step
    assert amy.engine().unsynced_count() == 1
    amy.password = PASSWORD
    ok(amy)
    with amy.open().read() as conn:
        assert replica.get_state(conn, "device_id") == device_id  # the same device, signed in
    assert made.id in server.view("amy")
    assert amy.engine().unsynced_count() == 0


def test_a_vault_restored_from_an_older_copy_is_flagged_and_recovers_the_servers_work(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    ok(amy)
    amy.close()
    backup = amy.folder.parent / "backup"
    shutil.copytree(amy.folder, backup)
    later = RecordService(amy.open()).create(record_type="person", fields=person())
    ok(amy)
    amy.close()
    shutil.rmtree(amy.folder)
    shutil.copytree(backup, amy.folder)
    report = amy.sync()
    assert report.outcome is SyncOutcome.ROLLED_BACK  # not OK: `fieldkit sync` exits 9
    assert report.rolled_back
    assert "older" in report.message
    assert later.id in amy.records()
    assert amy.records() == server.view("amy")
    exported = server.view("amy")
    assert later.id in exported


def test_the_controller_syncs_on_a_worker_thread_and_reports_status(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    RecordService(amy.open()).create(record_type="person", fields=person())
    controller = EngineSyncController(amy.engine())
    seen: list[SyncStatus] = []
    controller.subscribe(seen.append)
    assert controller.unsynced_count() == 1
    controller.sync_now()
    controller.wait(timeout=60)
    assert controller.last_report is not None
    assert controller.last_report.outcome is SyncOutcome.OK
    assert {s.step for s in seen if s.state is SyncState.SYNCING} >= {"handshake", "push", "pull"}
    assert seen[-1].state is SyncState.UP_TO_DATE
    assert seen[-1].last_synced_at is not None
    assert controller.unsynced_count() == 0


def test_locking_the_laptop_mid_sync_stops_the_sync_quietly_and_the_next_one_carries_on(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    record = RecordService(amy.open()).create(record_type="person", fields=person())
    controller = EngineSyncController(amy.engine())
    vault = amy.open()

    def lid_closes(status: SyncStatus) -> None:
        if status.step == "push" and not vault.locked:
            vault.lock()

    seen: list[SyncStatus] = []
    controller.subscribe(lid_closes)
    controller.subscribe(seen.append)
    controller.sync_now()
    controller.wait(timeout=60)

    assert controller.last_report is not None
    assert controller.last_report.outcome is SyncOutcome.STOPPED
    controller.unsubscribe(seen.append)
    heard = len(seen)
    report = amy.sync()  # unlocks again, as the officer would
    assert report.outcome is SyncOutcome.OK
    assert record.id in server.view("amy")
    assert len(seen) == heard


def test_a_status_subscriber_that_fails_does_not_stop_the_others(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    controller = EngineSyncController(amy.engine())

    calls: list[SyncStatus] = []

    def gone(status: SyncStatus) -> None:
        """A screen that has been deleted: it fails once the sync starts talking to it."""
        calls.append(status)
        if status.state is SyncState.SYNCING:
            raise RuntimeError("Signal source has been deleted")

    controller.subscribe(gone)
    heard: list[SyncStatus] = []
    controller.subscribe(heard.append)
    controller.sync_now()
    controller.wait(timeout=60)

    assert controller.last_report is not None
    assert controller.last_report.outcome is SyncOutcome.OK
    assert heard[-1].state is SyncState.UP_TO_DATE
    assert len(calls) > 2  # still told after failing, as the others were


def _cli(laptop: Laptop, server_url: str, stdin: str) -> tuple[int, str, str]:
    laptop.close()
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["sync", "--vault", str(laptop.folder), "--passphrase-stdin", "--server", server_url],
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
    )
    return code, out.getvalue(), err.getvalue()


def test_the_command_signs_in_once_syncs_and_tells_failures_apart(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    RecordService(amy.open()).create(record_type="person", fields=person())
    code, _out, err = _cli(amy, server.url, f"{PASSPHRASE}\nwrong password\n")
    assert code == SyncExit.REFUSED_CREDENTIALS, err
    code, _out, err = _cli(amy, server.url, f"{PASSPHRASE}\n")
    assert code == SyncExit.REFUSED_CREDENTIALS, err
    assert "password" in err
    code, out, err = _cli(amy, server.url, f"{PASSPHRASE}\n{PASSWORD}\n")
    assert code == SyncExit.OK, err
    assert "pushed 1" in out
    assert "sync: push" in err
    # Signed in now: the token in the vault is enough, no password needed.
    code, out, err = _cli(amy, server.url, f"{PASSPHRASE}\n")
    assert code == SyncExit.OK, err
    code, _out, err = _cli(amy, f"http://127.0.0.1:{free_port()}", f"{PASSPHRASE}\n")
    assert code == SyncExit.ERROR  # another server than the vault's
    dead = server.url
    server.process.stop()
    code, _out, err = _cli(amy, dead, f"{PASSPHRASE}\n")
    assert code == SyncExit.NETWORK, err
    code, _out, err = _cli(amy, dead, "not the passphrase\n")
    assert code == SyncExit.WRONG_PASSPHRASE
    code, _out, err = _cli(amy, "ftp://example.org", f"{PASSPHRASE}\n")
    assert code == SyncExit.USAGE
