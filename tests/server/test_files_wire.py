"""Evidence chunks on the wire: sent as they are, never gzipped (they do not compress)."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

import pytest
from tests.server.conftest import FAST_ARGON2, Laptop, Team, visit

from fieldkit.domain.evidence import chunks, sha256
from fieldkit_server.settings import Settings

DATA = random.Random(9).randbytes(600_000)
DIGEST = sha256(DATA)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """The server's settings, its files kept in the test's own folder."""
    return Settings(  # type: ignore[arg-type]
        db_url=db_url, data_dir=tmp_path, migrate_on_start=False, **FAST_ARGON2
    )


def _upload(amy: Laptop) -> None:
    owner = amy.upsert("visit", visit())
    attachment = amy.upsert(
        "attachment",
        {
            "owner_type": "visit", "owner_id": owner["id"], "sha256": DIGEST,
            "media_type": "application/pdf", "bytes": len(DATA), "captured_by": "amy",
            "captured_at": "2026-11-27T12:00:00+00:00", "district": "huddersfield",
        },
    )  # fmt: skip
    assert {r["status"] for r in amy.push(owner, attachment)["results"]} == {"applied"}
    reply = amy.client.put(f"/v1/files/{DIGEST}", json={"size": len(DATA)}, headers=amy.auth)
    assert reply.status_code == 200, reply.text
    pieces = chunks(DATA)
    headers: dict[str, Any] = {
        **amy.auth,
        "Content-Type": "application/octet-stream",
        "X-Chunk-SHA256": ",".join(hashlib.sha256(p).hexdigest() for p in pieces),
    }
    reply = amy.client.put(
        f"/v1/files/{DIGEST}/chunks", params={"first": 0}, content=DATA, headers=headers
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["complete"]


def test_chunks_are_downloaded_as_they_are_even_to_a_client_that_accepts_gzip(
    team: Team,
) -> None:
    amy = team.laptop("amy")
    _upload(amy)
    reply = amy.client.get(
        f"/v1/files/{DIGEST}/chunks",
        params={"first": 0},
        headers={**amy.auth, "Accept-Encoding": "gzip"},
    )
    assert reply.status_code == 200
    assert "content-encoding" not in reply.headers
    assert reply.content == DATA
