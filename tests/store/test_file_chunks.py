"""Files arriving in the vault: checked batches, commits that may skip the disk, one checkpoint."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.factories import PASSPHRASE
from tests.kdf import TEST_KDF

from fieldkit.domain.evidence import CHUNK_SIZE, chunks, sha256
from fieldkit.store import blobs
from fieldkit.store.transaction import connection
from fieldkit.store.vault import DB_NAME, Vault

AT = "2026-11-27T12:00:00+00:00"


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return Vault.create(tmp_path / "vault", username="amy", passphrase=PASSPHRASE, kdf=TEST_KDF)


def _arriving(vault: Vault, data: bytes) -> tuple[str, list[tuple[int, bytes, str]]]:
    digest = sha256(data)
    with vault.write() as conn:
        blobs.begin_incoming(conn, digest, size=len(data), chunk_size=CHUNK_SIZE, at=AT)
    pieces = [(i, p, hashlib.sha256(p).hexdigest()) for i, p in enumerate(chunks(data))]
    return digest, pieces


def _synchronous(vault: Vault) -> int:
    with vault.read() as conn:
        return int(connection(conn).exec_driver_sql("PRAGMA synchronous").scalar_one())


def test_a_batch_of_chunks_with_one_that_lies_keeps_none(vault: Vault) -> None:
    digest, pieces = _arriving(vault, random.Random(1).randbytes(3 * CHUNK_SIZE))
    lying = [pieces[0], (1, pieces[1][1], pieces[2][2]), pieces[2]]
    with pytest.raises(blobs.BlobError), vault.write(refetchable=True) as conn:
        blobs.put_chunks(conn, digest, lying)
    with vault.read() as conn:
        assert blobs.missing_chunks(conn, digest) == [0, 1, 2]
    with vault.write(refetchable=True) as conn:
        blobs.put_chunks(conn, digest, pieces)
    with vault.write() as conn:
        assert blobs.finish(conn, digest)


def test_a_refetchable_write_skips_the_disk_only_for_itself(vault: Vault) -> None:
    digest, pieces = _arriving(vault, random.Random(2).randbytes(2 * CHUNK_SIZE))
    assert _synchronous(vault) == 2  # FULL: every ordinary commit waits for the disk
    with vault.write(refetchable=True) as conn:
        synchronous = connection(conn).exec_driver_sql("PRAGMA synchronous").scalar_one()
        assert int(synchronous) == 1  # NORMAL
        blobs.put_chunks(conn, digest, pieces)
    # The same pooled connection serves the next transaction: it is back to FULL.
    assert _synchronous(vault) == 2
    with vault.write() as conn:
        assert int(connection(conn).exec_driver_sql("PRAGMA synchronous").scalar_one()) == 2
        assert blobs.finish(conn, digest)


def test_files_arriving_grow_the_log_and_are_folded_into_the_vault_once_at_the_end(
    vault: Vault,
) -> None:
    log = vault.folder / f"{DB_NAME}-wal"
    files = [random.Random(10 + n).randbytes(8 * CHUNK_SIZE) for n in range(3)]  # 2 MB each
    with vault.checkpoint_after():
        for data in files:
            digest, pieces = _arriving(vault, data)
            with vault.write(refetchable=True) as conn:
                blobs.put_chunks(conn, digest, pieces)
            with vault.write() as conn:
                assert blobs.finish(conn, digest)
        # Past SQLite's thousand pages, and never folded in (which would let the log be reused
        # from its start): the log holds every file.
        assert log.stat().st_size > sum(len(d) for d in files)
    assert not log.exists() or log.stat().st_size == 0
    with vault.read() as conn:
        for data in files:
            assert blobs.read(conn, sha256(data)) == data
        wal_pages = connection(conn).execute(text("PRAGMA wal_autocheckpoint")).scalar_one()
    assert wal_pages == 1000  # automatic checkpoints are back for everything else
    assert vault.check().ok
