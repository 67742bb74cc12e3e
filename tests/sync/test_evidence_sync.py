"""Evidence files through a cutting network: byte-identical in district, nothing outside it."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text
from tests.evidence_files import photo, photo_of_size
from tests.factories import PASSPHRASE, visit
from tests.sync.conftest import PASSWORD, Laptop, Server, _start
from tests.sync.faultproxy import Direction, Fault, FaultKind, FaultProxy

from fieldkit.domain.evidence import sha256
from fieldkit.services.evidence import AttachmentService, FileArriving
from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.store import blobs

HERE = Path(__file__).parent


@pytest.fixture
def pg_server(tmp_path: Path) -> Iterator[Server]:
    """A real server on PostgreSQL: file metadata lives there, chunks in its data folder."""
    yield from _start("postgres", tmp_path)


@pytest.fixture
def proxy() -> Iterator[Callable[[Server], FaultProxy]]:
    made: list[FaultProxy] = []

    def make(server: Server) -> FaultProxy:
        made.append(FaultProxy(server.process.port))
        return made[-1]

    yield make
    for p in made:
        p.close()


def _attach_photos(laptop: Laptop, photos: list[bytes]) -> tuple[str, dict[str, bytes]]:
    vault = laptop.open()
    visit_id = RecordService(vault).create(record_type="visit", fields=visit()).id
    service = AttachmentService(vault)
    stored: dict[str, bytes] = {}
    for number, data in enumerate(photos):
        view = service.attach(
            owner_type="visit", owner_id=visit_id, data=data, caption=f"Photo {number}"
        )
        stored[view.id] = service.open(attachment_id=view.id)
    return visit_id, stored


def _sync_through_cuts(
    laptop: Laptop, faulty: FaultProxy, direction: Direction, cuts: list[int]
) -> None:
    """Sync once per cut (each mid-chunk, some without retries), then once cleanly."""
    assert laptop.transport is not None or laptop.engine()
    for number, at_byte in enumerate(cuts):
        assert laptop.transport is not None
        laptop.transport.config = dataclasses.replace(
            laptop.transport.config, max_attempts=1 + (number % 2) * 3
        )
        faulty.arm(Fault(FaultKind.RESET, direction, at_byte=at_byte))
        report = laptop.sync()
        assert report.outcome in {SyncOutcome.OK, SyncOutcome.OFFLINE}, report.message
        faulty.arm(None)
    assert laptop.transport is not None
    laptop.transport.config = dataclasses.replace(laptop.transport.config, max_attempts=4)
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert report.files_waiting == 0


def _files_held(laptop: Laptop, visit_id: str) -> dict[str, bytes]:
    service = AttachmentService(laptop.open())
    return {
        v.id: service.open(attachment_id=v.id)
        for v in service.list_for(owner_type="visit", owner_id=visit_id)
    }


def test_ten_4_mb_photos_cross_a_cutting_network_byte_identical_and_never_leave_the_district(
    pg_server: Server, laptops: Callable[..., Laptop], proxy: Callable[[Server], FaultProxy]
) -> None:
    server = pg_server
    server.admin.add_user("amy")
    server.admin.add_user("bob")
    server.admin.add_user("cara", districts=("rural",))
    faulty = proxy(server)
    amy = laptops("amy", "amy", faulty.url, read_timeout=10)
    bob = laptops("bob", "bob", faulty.url, read_timeout=10)
    cara = laptops("cara", "cara", server.url)
    for laptop in (amy, bob, cara):
        assert laptop.sync().outcome is SyncOutcome.OK  # signed in
    photos = [photo_of_size(4 * 1024 * 1024, seed=n) for n in range(10)]
    visit_id, stored = _attach_photos(amy, photos)
    total = sum(len(b) for b in stored.values())
    assert total > 30 * 1024 * 1024
    # Cuts land part-way into chunks (256 KiB plus an odd offset) across the whole upload.
    _sync_through_cuts(amy, faulty, Direction.UP, [total // 5 * k + 100_003 for k in range(4)])
    with amy.open().read() as conn:
        assert blobs.to_upload(conn) == []

    _sync_through_cuts(bob, faulty, Direction.DOWN, [total // 5 * k + 77_777 for k in range(4)])
    received = _files_held(bob, visit_id)
    assert {k: sha256(v) for k, v in received.items()} == {k: sha256(v) for k, v in stored.items()}
    assert received == stored
    assert bob.open().check().ok

    assert cara.sync().outcome is SyncOutcome.OK
    assert not any(kind == "attachment" for kind, _ in cara.records().values())
    with cara.open().read() as conn:
        assert conn.execute(text("SELECT count(*) FROM blob")).scalar_one() == 0
    token = server.login("cara")["token"]
    for digest in {sha256(v) for v in stored.values()}:
        for path in (f"/v1/files/{digest}", f"/v1/files/{digest}/chunks/0"):
            reply = requests.get(
                server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            assert reply.status_code == 404, path


def test_the_server_refuses_a_file_no_visible_record_names_and_a_chunk_that_lies(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    assert amy.sync().outcome is SyncOutcome.OK
    headers = {"Authorization": f"Bearer {server.login('amy')['token']}"}
    stray = "ab" * 32
    reply = requests.put(
        f"{server.url}/v1/files/{stray}", json={"size": 10}, headers=headers, timeout=30
    )
    assert reply.status_code == 404  # no attachment record names it: nothing is stored
    _visit_id, stored = _attach_photos(amy, [photo(seed=3)])
    [data] = stored.values()
    # The record goes first; its file is then sent. Here the file is held back to probe it.
    with amy.open().write() as conn:
        conn.execute(text("UPDATE blob SET uploaded = 1"))
    assert amy.sync().outcome is SyncOutcome.OK
    digest = sha256(data)
    started = requests.put(
        f"{server.url}/v1/files/{digest}", json={"size": len(data)}, headers=headers, timeout=30
    )
    assert started.status_code == 200, started.text
    assert started.json()["missing"] == list(range(started.json()["chunk_count"]))
    first = data[: 256 * 1024]
    lying = requests.put(
        f"{server.url}/v1/files/{digest}/chunks/0",
        data=b"x" + first[1:],
        headers={**headers, "X-Chunk-SHA256": sha256(first),
                 "Content-Type": "application/octet-stream"},
        timeout=30,
    )  # fmt: skip
    assert lying.status_code == 400
    too_big = requests.put(
        f"{server.url}/v1/files/{'cd' * 32}", json={"size": 26 * 1024 * 1024}, headers=headers,
        timeout=30,
    )  # fmt: skip
    assert too_big.status_code in (404, 413)


def test_a_file_whose_record_arrived_first_shows_as_arriving_until_its_file_does(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    server.admin.add_user("bob")
    amy = laptops("amy", "amy", server.url)
    bob = laptops("bob", "bob", server.url)
    visit_id, stored = _attach_photos(amy, [photo(seed=4)])
    with amy.open().write() as conn:  # the record is pushed, the file not yet
        conn.execute(text("UPDATE blob SET uploaded = 1"))
    assert amy.sync().outcome is SyncOutcome.OK
    report = bob.sync()
    assert report.outcome is SyncOutcome.OK
    assert report.files_waiting >= 1
    service = AttachmentService(bob.open())
    [view] = service.list_for(owner_type="visit", owner_id=visit_id)
    assert not view.available
    with pytest.raises(FileArriving):
        service.open(attachment_id=view.id)
    with amy.open().write() as conn:
        conn.execute(text("UPDATE blob SET uploaded = 0"))
    assert amy.sync().files_uploaded == 2
    assert bob.sync().files_downloaded == 2
    assert _files_held(bob, visit_id) == stored
    # The server logged each file it handed out as a disclosure of the attachment record.
    engine = create_engine(server.admin.db_url)
    try:
        with engine.connect() as conn:
            disclosed = (
                conn.execute(
                    text(
                        "SELECT record_id FROM audit_events WHERE action = 'disclose' "
                        "AND record_type = 'attachment'"
                    )
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert disclosed == [view.id, view.id]  # the photo and its thumbnail


def test_kill_9_during_file_sync_loses_nothing_and_leaves_no_partial_file_readable(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    server.admin.add_user("bob")
    amy = laptops("amy", "amy", server.url)
    bob = laptops("bob", "bob", server.url)
    photos = [photo(width=800, height=800, seed=10 + n) for n in range(3)]  # 3 chunks each
    visit_id, stored = _attach_photos(amy, photos)
    assert amy.sync().outcome is SyncOutcome.OK
    assert bob.sync().outcome is SyncOutcome.OK
    with amy.open().read() as conn:  # every chunk of the photos and their thumbnails
        chunks = int(conn.execute(text("SELECT count(*) FROM blob_chunk")).scalar_one())
    assert chunks >= 9
    runs = 20
    for run in range(runs):
        with bob.open().write() as conn:  # fetched again from nothing each run
            conn.execute(text("DELETE FROM blob_chunk"))
            conn.execute(text("DELETE FROM blob"))
        bob.close()
        stop_after = 1 + run % (chunks - 1)
        child = subprocess.Popen(
            [sys.executable, str(HERE / "crash_file_sync.py"), str(bob.folder), server.url, "bob",
             str(stop_after)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert child.stdin is not None
        assert child.stdout is not None
        child.stdin.write(f"{PASSPHRASE}\n{PASSWORD}\n")
        child.stdin.flush()
        line = child.stdout.readline()
        assert line.strip() == f"received {stop_after}", line
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
        child.stdin.close()
        child.stdout.close()
        vault = bob.open()
        assert vault.check().ok, vault.check().problems
        service = AttachmentService(vault)
        for view in service.list_for(owner_type="visit", owner_id=visit_id):
            if view.available:  # whatever is readable is whole and exact
                assert service.open(attachment_id=view.id) == stored[view.id]
    report = bob.sync()
    assert report.outcome is SyncOutcome.OK
    assert report.files_waiting == 0
    assert _files_held(bob, visit_id) == stored


def test_a_file_the_server_describes_wrongly_is_not_kept_and_the_records_still_sync(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    server.admin.add_user("bob")
    amy = laptops("amy", "amy", server.url)
    bob = laptops("bob", "bob", server.url)
    visit_id, stored = _attach_photos(amy, [photo(width=800, height=800, seed=51)])
    assert amy.sync().files_uploaded == 2
    engine = create_engine(server.admin.db_url)
    try:
        with engine.begin() as conn:  # a damaged (or hostile) server: sizes that do not fit
            conn.execute(text("UPDATE file_blobs SET size = size + 1"))
    finally:
        engine.dispose()
    report = bob.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert report.files_downloaded == 0
    assert report.files_waiting == 2
    service = AttachmentService(bob.open())
    [view] = service.list_for(owner_type="visit", owner_id=visit_id)
    assert not view.available
    with bob.open().read() as conn:
        assert conn.execute(text("SELECT count(*) FROM blob")).scalar_one() == 0
    assert bob.open().check().ok
    assert stored


def test_a_batch_of_chunks_with_one_that_lies_keeps_none_and_a_good_batch_makes_the_file_whole(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    server.admin.add_user("cara", districts=("rural",))
    amy = laptops("amy", "amy", server.url)
    assert amy.sync().outcome is SyncOutcome.OK
    _visit_id, stored = _attach_photos(amy, [photo(width=800, height=800, seed=61)])
    [data] = stored.values()
    with amy.open().write() as conn:  # the record goes; its file is held back to probe the server
        conn.execute(text("UPDATE blob SET uploaded = 1"))
    assert amy.sync().outcome is SyncOutcome.OK
    headers = {"Authorization": f"Bearer {server.login('amy')['token']}"}
    digest = sha256(data)
    started = requests.put(
        f"{server.url}/v1/files/{digest}", json={"size": len(data)}, headers=headers, timeout=30
    )
    assert started.status_code == 200, started.text
    count = started.json()["chunk_count"]
    assert count >= 3
    pieces = [data[i * 256 * 1024 : (i + 1) * 256 * 1024] for i in range(count)]
    digests = ",".join(sha256(p) for p in pieces)
    binary = {**headers, "X-Chunk-SHA256": digests, "Content-Type": "application/octet-stream"}
    lying = b"".join([pieces[0], bytes([pieces[1][0] ^ 0xFF]) + pieces[1][1:], *pieces[2:]])
    reply = requests.put(
        f"{server.url}/v1/files/{digest}/chunks", params={"first": 0}, data=lying,
        headers=binary, timeout=30,
    )  # fmt: skip
    assert reply.status_code == 400
    assert reply.json()["code"] == "chunk_mismatch"
    state = requests.get(f"{server.url}/v1/files/{digest}", headers=headers, timeout=30).json()
    assert state["missing"] == list(range(count))  # not even the good first chunk was kept
    short = requests.put(
        f"{server.url}/v1/files/{digest}/chunks", params={"first": 0}, data=b"".join(pieces)[:-1],
        headers=binary, timeout=30,
    )  # fmt: skip
    assert short.status_code == 400
    whole = requests.put(
        f"{server.url}/v1/files/{digest}/chunks", params={"first": 0}, data=b"".join(pieces),
        headers=binary, timeout=30,
    )  # fmt: skip
    assert whole.status_code == 200, whole.text
    assert whole.json()["complete"] is True
    got = requests.get(
        f"{server.url}/v1/files/{digest}/chunks", params={"first": 1, "count": 16},
        headers=headers, timeout=30,
    )  # fmt: skip
    assert got.status_code == 200
    assert got.content == data[256 * 1024 :]
    assert got.headers["X-Chunk-SHA256"] == ",".join(sha256(p) for p in pieces[1:])
    outsider = {"Authorization": f"Bearer {server.login('cara')['token']}"}
    hidden = requests.get(
        f"{server.url}/v1/files/{digest}/chunks", params={"first": 0}, headers=outsider,
        timeout=30,
    )  # fmt: skip
    assert hidden.status_code == 404


def test_opening_a_photo_on_a_thumbnails_only_laptop_fetches_that_one_file_when_online(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    from fieldkit.domain.evidence import FetchPolicy
    from fieldkit.services.settings import SettingsService
    from fieldkit.services.sync_engine import SyncEngine
    from fieldkit.sync.transport import Transport, TransportConfig

    server = sqlite_server
    server.admin.add_user("amy")
    server.admin.add_user("bob")
    amy = laptops("amy", "amy", server.url)
    bob = laptops("bob", "bob", server.url)
    assert bob.sync().outcome is SyncOutcome.OK  # signed in
    settings = SettingsService(bob.open())
    settings.save(dataclasses.replace(settings.load(), evidence_fetch=FetchPolicy.THUMBNAILS.value))
    visit_id, stored = _attach_photos(amy, [photo(seed=21), photo(seed=22)])
    assert amy.sync().outcome is SyncOutcome.OK
    report = bob.sync()
    assert report.outcome is SyncOutcome.OK
    assert report.files_downloaded == 2  # the thumbnails only
    first, second = AttachmentService(bob.open()).list_for(owner_type="visit", owner_id=visit_id)
    assert not first.available
    assert not second.available

    # Offline (here: a server this vault does not sync with): still "file arriving".
    elsewhere = SyncEngine(
        bob.open(),
        Transport(TransportConfig(server_url="http://127.0.0.1:9", max_attempts=1)),
        password=lambda: None,
    )
    with pytest.raises(FileArriving):
        AttachmentService(bob.open(), fetch=elsewhere.fetch_file).open(attachment_id=first.id)

    service = AttachmentService(bob.open(), fetch=bob.engine().fetch_file)
    assert service.open(attachment_id=first.id) == stored[first.id]
    assert service.get(attachment_id=first.id).available
    assert not service.get(attachment_id=second.id).available  # only the file opened
    assert bob.open().check().ok


def test_nothing_over_a_metered_connection_waits_for_an_unmetered_one(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    from fieldkit.domain.evidence import FetchPolicy
    from fieldkit.services.settings import SettingsService
    from fieldkit.services.sync_engine import SyncEngine

    server = sqlite_server
    server.admin.add_user("amy")
    server.admin.add_user("bob")
    amy = laptops("amy", "amy", server.url)
    bob = laptops("bob", "bob", server.url)
    assert bob.sync().outcome is SyncOutcome.OK  # signed in
    settings = SettingsService(bob.open())
    settings.save(
        dataclasses.replace(settings.load(), evidence_fetch=FetchPolicy.NONE_METERED.value)
    )
    visit_id, stored = _attach_photos(amy, [photo(seed=23), photo(seed=24)])
    assert amy.sync().outcome is SyncOutcome.OK
    metered: list[bool | None] = [True]
    asked: list[bool | None] = []

    def now_metered() -> bool | None:
        asked.append(metered[0])
        return metered[0]

    assert bob.transport is not None
    engine = SyncEngine(bob.open(), bob.transport, password=lambda: PASSWORD, metered=now_metered)
    report = engine.run()
    assert report.outcome is SyncOutcome.OK
    views = AttachmentService(bob.open()).list_for(owner_type="visit", owner_id=visit_id)
    assert len(views) == 2  # the records came
    assert report.files_downloaded == 0
    assert not any(v.available for v in views)  # their files wait

    metered[0] = None  # this laptop cannot tell: taken as not metered
    assert engine.run().outcome is SyncOutcome.OK
    assert asked == [True, None]  # asked at each sync
    assert _files_held(bob, visit_id) == stored
