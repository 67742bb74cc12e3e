"""A record erased at the server takes its photos with it: off every laptop and off the server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from tests.evidence_files import photo
from tests.factories import visit
from tests.sync.conftest import Laptop, Server
from tests.sync.test_erasure_everywhere import sync_ok

from fieldkit.domain.evidence import sha256
from fieldkit.services.evidence import AttachmentService
from fieldkit.services.records import RecordService
from fieldkit.store.transaction import connection
from fieldkit_server.cli import main


def _server_files(server: Server) -> tuple[set[str], set[str]]:
    """The files the server's database knows, and those its blob store folder holds."""
    engine = create_engine(server.admin.db_url)
    try:
        with engine.connect() as conn:
            known = set(conn.execute(text("SELECT sha256 FROM file_blobs")).scalars())
    finally:
        engine.dispose()
    folder = Path(server.admin.db_url.removeprefix("sqlite:///") + ".files")
    stored = {p.name for p in folder.glob("*/*") if p.is_dir()} if folder.exists() else set()
    return known, stored


def _attach(laptop: Laptop, seed: int) -> tuple[str, str, bytes]:
    vault = laptop.open()
    visit_id = RecordService(vault).create(record_type="visit", fields=visit(officer_id="amy")).id
    view = AttachmentService(vault).attach(
        owner_type="visit", owner_id=visit_id, data=photo(seed=seed), caption="Damage"
    )
    return visit_id, view.id, AttachmentService(vault).open(attachment_id=view.id)


def test_a_retention_erasure_takes_the_visits_photos_off_laptops_and_the_server(
    sqlite_server: Server, laptops: Callable[..., Laptop], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    server = sqlite_server
    server.admin.add_user("amy")
    server.admin.add_user("bob")
    amy = laptops("amy", "amy", server.url)
    bob = laptops("bob", "bob", server.url)
    doomed_visit, doomed_photo, doomed_bytes = _attach(amy, seed=71)
    kept_visit, kept_photo, kept_bytes = _attach(amy, seed=72)
    sync_ok(amy)
    sync_ok(bob)
    assert bob.sync().files_downloaded == 0  # both photos and thumbnails already arrived
    assert doomed_photo in bob.records()
    known, stored = _server_files(server)
    assert sha256(doomed_bytes) in known & stored
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text(
        json.dumps({"type": "visit", "id": doomed_visit, "decision": "erase", "reason": "time up"})
        + "\n"
    )
    capsys.readouterr()

    assert main(["retention", "apply", "--decisions", str(decisions), "--db",
                 server.admin.db_url]) == 0  # fmt: skip

    said = capsys.readouterr().err
    assert "1 attachments with them" in said
    known, stored = _server_files(server)
    assert sha256(doomed_bytes) not in known | stored
    assert sha256(kept_bytes) in known & stored
    assert len(known) == len(stored) == 2  # the kept photo and its thumbnail
    sync_ok(amy)
    sync_ok(bob)
    for laptop in (amy, bob):
        held = laptop.records()
        assert doomed_visit not in held
        assert doomed_photo not in held
        assert kept_photo in held
        service = AttachmentService(laptop.open())
        assert service.open(attachment_id=kept_photo) == kept_bytes
        with laptop.open().read() as conn:
            digests = set(connection(conn).execute(text("SELECT sha256 FROM blob")).scalars())
        assert sha256(doomed_bytes) not in digests
    assert kept_visit in bob.records()


def test_files_gc_removes_files_no_attachment_names_and_orphans_left_by_a_cut_removal(
    sqlite_server: Server, laptops: Callable[..., Laptop], capsys: pytest.CaptureFixture[str]
) -> None:
    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    _visit, photo_id, data = _attach(amy, seed=81)
    sync_ok(amy)
    known, stored = _server_files(server)
    assert sha256(data) in known & stored
    db = ["--db", server.admin.db_url]
    capsys.readouterr()
    assert main(["files", "gc", *db]) == 0
    assert "removed 0 files" in capsys.readouterr().err
    assert _server_files(server) == (known, stored)  # everything is still named

    # The attachment goes by a server-side route that does not collect files itself, and a
    # stray folder is left as by a removal cut short after its rows were committed.
    engine = create_engine(server.admin.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE records SET deleted = 1 WHERE id = :id"), {"id": photo_id})
    finally:
        engine.dispose()
    orphan = "ef" * 32
    folder = Path(server.admin.db_url.removeprefix("sqlite:///") + ".files") / "ef" / orphan
    folder.mkdir(parents=True)
    (folder / "00000000").write_bytes(b"left behind")
    assert main(["files", "gc", *db]) == 0
    assert f"removed {len(known) + 1} files" in capsys.readouterr().err
    assert _server_files(server) == (set(), set())


def test_the_servers_subject_access_export_holds_the_photos_of_the_persons_visits(
    sqlite_server: Server, laptops: Callable[..., Laptop], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from tests.factories import person

    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    vault = amy.open()
    records = RecordService(vault)
    zoe = records.create(record_type="person", fields=person()).id
    visit_id = records.create(
        record_type="visit", fields=visit(officer_id="amy", person_ids=[zoe])
    ).id
    service = AttachmentService(vault)
    hers = service.attach(owner_type="visit", owner_id=visit_id, data=photo(seed=95))
    _other_visit, others, _other_bytes = _attach(amy, seed=96)  # a visit not about her
    sync_ok(amy)
    out = tmp_path / "sar"
    out.mkdir()
    capsys.readouterr()

    assert main(["subject-access", zoe, "--out", str(out), "--db", server.admin.db_url]) == 0

    said = json.loads(capsys.readouterr().out)
    [written] = said["files"]
    assert Path(written).name == f"subject-access-{said['reference']}-{hers.id}.jpg"
    assert Path(written).read_bytes() == service.open(attachment_id=hers.id)
    assert not any(others in p.name for p in out.iterdir())
    exported = json.loads(Path(said["json"]).read_text(encoding="utf-8"))
    assert hers.id in json.dumps(exported)


def test_the_file_names_migration_indexes_the_attachments_pushed_before_it(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    from alembic import command

    from fieldkit_server.db import alembic_config, make_engine, migrate

    server = sqlite_server
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    _visit, photo_id, data = _attach(amy, seed=97)
    sync_ok(amy)
    view = AttachmentService(amy.open()).get(attachment_id=photo_id)
    expected = {(photo_id, sha256(data)), (photo_id, view.thumbnail_sha256)}
    engine = make_engine(server.admin.db_url)
    try:
        with engine.connect() as conn:  # the push kept the index in step
            assert set(conn.execute(text("SELECT record_id, sha256 FROM file_names")).all()) == (
                expected
            )
        command.downgrade(alembic_config(engine), "0011_file_blobs")
        migrate(engine)
        with engine.connect() as conn:
            rows = set(conn.execute(text("SELECT record_id, sha256 FROM file_names")).all())
    finally:
        engine.dispose()
    assert rows == expected
