"""An erased record leaves no trace of its content in any laptop's database file after sync."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from tests.factories import PASSPHRASE, person
from tests.sync.conftest import Laptop, Server

from fieldkit.domain.records import RecordType
from fieldkit.services.corrections import CorrectionService
from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.store.vault import DB_NAME, read_keyfile

PLANTED = "Quillonbrackwater"
KEPT = "Keepsakeholme"
#: SQLCipher 4's defaults, which the vault uses: 4 KiB pages, each ending in a 16-byte IV
#: and a 64-byte HMAC; the first page starts with the 16-byte salt.
PAGE, RESERVE, SALT = 4096, 80, 16


def decrypted_file(folder: Path) -> bytes:
    """Every page of a locked vault's database file, decrypted: free pages included."""
    key = read_keyfile(folder).unwrap(PASSPHRASE)
    raw = (folder / DB_NAME).read_bytes()
    assert (
        not (folder / f"{DB_NAME}-wal").exists() or not (folder / f"{DB_NAME}-wal").stat().st_size
    )
    plain = bytearray()
    try:
        for start in range(0, len(raw) - PAGE + 1, PAGE):
            page = raw[start : start + PAGE]
            iv = page[PAGE - RESERVE : PAGE - RESERVE + 16]
            body = page[SALT if start == 0 else 0 : PAGE - RESERVE]
            decryptor = Cipher(algorithms.AES(bytes(key.view)), modes.CBC(iv)).decryptor()
            plain += decryptor.update(body) + decryptor.finalize()
    finally:
        key.wipe()
    return bytes(plain)


def sync_ok(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert not report.refused


def test_an_erased_person_leaves_no_trace_in_any_laptops_database_after_sync(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy", role="officer")
    sqlite_server.admin.add_user("sue", role="supervisor")
    amy = laptops("amy", "amy", sqlite_server.url)
    sue = laptops("sue", "sue", sqlite_server.url)
    records = RecordService(amy.open())
    records.create(record_type="person", fields=person(family_name=KEPT))
    doomed = records.create(
        record_type="person",
        fields=person(description=f"{PLANTED} tattoo, left hand", aliases=[PLANTED]),
    )
    sync_ok(amy)
    sync_ok(sue)
    # An edit after both hold it: the earlier version is in each laptop's history.
    CorrectionService(amy.open()).edit(
        record_type="person",
        record_id=doomed.id,
        changes={"description": f"{PLANTED} tattoo, right hand"},
        reason="description corrected",
    )
    sync_ok(amy)
    sync_ok(sue)
    with sue.open().read() as conn:
        assert len(sue.open().records(conn).history(RecordType.PERSON, doomed.id)) == 2

    CorrectionService(amy.open()).erase(
        record_type="person", record_id=doomed.id, reason="erasure request granted"
    )
    sync_ok(amy)
    sync_ok(sue)

    for laptop in (amy, sue):
        assert doomed.id not in laptop.records()
        laptop.close()
        content = decrypted_file(laptop.folder)
        assert KEPT.encode() in content, "the decryption must read the records that stay"
        assert PLANTED.encode() not in content, laptop.folder.name
        assert PLANTED.lower().encode() not in content, laptop.folder.name
