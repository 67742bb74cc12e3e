"""`files gc` against pushes and uploads in flight: never a file the server acknowledged."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from tests.server.conftest import FAST_ARGON2, FakeClock, Laptop, Team, visit

from fieldkit.domain.evidence import chunks, sha256
from fieldkit_server import blobs
from fieldkit_server.app import create_app
from fieldkit_server.db import make_engine, run_in_transaction, session_factory
from fieldkit_server.settings import Settings

pytestmark = pytest.mark.postgres

#: A photo of three chunks (the last one short).
DATA = random.Random(7).randbytes(600_000)
DIGEST = sha256(DATA)


def _with_lock_timeout(url: str) -> str:
    """The URL with a lock timeout: a request that would wait for `files gc` fails instead."""
    parsed = make_url(url)
    options = parsed.query.get("options", "")
    assert isinstance(options, str)
    return parsed.update_query_dict(
        {"options": f"{options} -c lock_timeout=1500"}
    ).render_as_string(hide_password=False)


@pytest.fixture
def server(pg_url: str, tmp_path: Path) -> Iterator[tuple[Team, Settings]]:
    settings = Settings(  # type: ignore[arg-type]
        db_url=_with_lock_timeout(pg_url), data_dir=tmp_path, migrate_on_start=False, **FAST_ARGON2
    )
    clock = FakeClock()
    app = create_app(settings, clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Team(client, clock, settings), settings


def _attachment(amy: Laptop, visit_id: str) -> dict[str, Any]:
    fields = {
        "owner_type": "visit", "owner_id": visit_id, "sha256": DIGEST,
        "media_type": "image/jpeg", "bytes": len(DATA), "captured_by": "amy",
        "captured_at": "2026-11-27T12:00:00+00:00", "district": "huddersfield",
    }  # fmt: skip
    return amy.upsert("attachment", fields)


def _push(amy: Laptop, change: dict[str, Any]) -> int:
    reply = amy.client.post("/v1/sync/push", json={"changes": [change]}, headers=amy.auth)
    if reply.status_code == 200:
        assert reply.json()["results"][0]["status"] == "applied", reply.text
    return reply.status_code


def _upload(amy: Laptop) -> bool:
    """Start (or resume) the upload and send what the server lacks: whether it says whole.

    False when a request failed (it waited for `files gc` past the lock timeout).
    """
    reply = amy.client.put(f"/v1/files/{DIGEST}", json={"size": len(DATA)}, headers=amy.auth)
    if reply.status_code != 200:
        return False
    held = reply.json()
    pieces = chunks(DATA)
    for index in held["missing"]:
        reply = amy.client.put(
            f"/v1/files/{DIGEST}/chunks",
            params={"first": index},
            content=pieces[index],
            headers={
                **amy.auth,
                "Content-Type": "application/octet-stream",
                "X-Chunk-SHA256": hashlib.sha256(pieces[index]).hexdigest(),
            },
        )
        if reply.status_code != 200:
            return False
        held = reply.json()
    return bool(held["complete"])


def _held_whole(amy: Laptop, settings: Settings) -> bool:
    reply = amy.client.get(f"/v1/files/{DIGEST}", headers=amy.auth)
    whole = reply.status_code == 200 and reply.json()["complete"]
    store = blobs.FileSystemBlobStore(settings.files_dir())
    return bool(whole) and blobs.read_whole(store, DIGEST) == DATA


def _orphaned_file(team: Team) -> tuple[Laptop, str]:
    """A file uploaded whole for an attachment since erased: no live record names it."""
    amy = team.laptop("amy")
    visit_change = amy.upsert("visit", visit())
    assert _push(amy, visit_change) == 200
    first = _attachment(amy, visit_change["id"])
    assert _push(amy, first) == 200
    assert _upload(amy)
    assert _push(amy, amy.delete("attachment", first["id"])) == 200
    return amy, visit_change["id"]


def _once_after(engine: Engine, matches: Callable[[str], bool], hook: Callable[[], None]) -> None:
    """Run ``hook`` once, right after the first statement ``matches`` accepts runs on ``engine``."""
    fired: list[bool] = []

    def after(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if not fired and matches(statement):
            fired.append(True)
            hook()

    event.listen(engine, "after_cursor_execute", after)


def test_files_gc_never_forgets_a_file_whose_attachment_is_pushed_while_it_collects(
    server: tuple[Team, Settings], pg_url: str
) -> None:
    team, settings = server
    amy, visit_id = _orphaned_file(team)
    acknowledged: list[bool] = []
    second = _attachment(amy, visit_id)

    def push_and_upload_meanwhile() -> None:
        # Another photo of the same bytes, pushed after gc read the live attachments: the
        # server already holds the file whole, so the laptop is told it need send nothing.
        if _push(amy, second) == 200:
            acknowledged.append(_upload(amy))

    engine = make_engine(pg_url)
    try:
        _once_after(engine, lambda sql: "FROM records" in sql, push_and_upload_meanwhile)
        sessions = session_factory(engine)
        forgotten = run_in_transaction(sessions, blobs.collect_garbage)
        store = blobs.FileSystemBlobStore(settings.files_dir())
        run_in_transaction(sessions, lambda s: blobs.sweep(s, store, forgotten))
    finally:
        engine.dispose()
    if not acknowledged:  # the push waited for gc (and timed out): it goes now
        assert _push(amy, second) == 200
    if not any(acknowledged):
        assert _upload(amy)
    assert _held_whole(amy, settings)


def test_files_gc_never_removes_the_chunks_of_an_upload_that_starts_while_it_sweeps(
    server: tuple[Team, Settings], pg_url: str
) -> None:
    team, settings = server
    amy, visit_id = _orphaned_file(team)
    engine = make_engine(pg_url)
    acknowledged: list[bool] = []
    try:
        sessions = session_factory(engine)
        forgotten = run_in_transaction(sessions, blobs.collect_garbage)
        assert forgotten == [DIGEST]

        def upload_meanwhile() -> None:
            # A new photo of the same bytes, uploaded whole after the sweep read what the
            # database knows and before it removed what was forgotten.
            assert _push(amy, _attachment(amy, visit_id)) == 200
            acknowledged.append(_upload(amy))

        _once_after(engine, lambda sql: "FROM file_blobs" in sql, upload_meanwhile)
        store = blobs.FileSystemBlobStore(settings.files_dir())
        run_in_transaction(sessions, lambda s: blobs.sweep(s, store, forgotten))
    finally:
        engine.dispose()
    assert acknowledged
    if not acknowledged[0]:  # the upload waited for gc (and timed out): it resumes now
        assert _upload(amy)
    assert _held_whole(amy, settings)
