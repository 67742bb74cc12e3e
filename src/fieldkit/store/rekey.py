"""Re-keying a vault's database under a new data key, one crash-safe step at a time.

The steps, each leaving a vault that its passphrase opens if the laptop dies right after it:

1. `export_copy`: the database is copied, re-encrypted under a fresh data key, to
   ``vault.db.rekey`` (``vault.key`` still opens ``vault.db``).
2. The new key, wrapped under the passphrase, is written to ``vault.key.pending``.
3. `swap_database`: ``vault.db.rekey`` atomically replaces ``vault.db``; now only the pending
   key opens it, and unlock tries the pending key when ``vault.key`` fails.
4. `promote_pending`: ``vault.key.pending`` atomically replaces ``vault.key``.

Unlock finishes step 4 when it finds the pending key is the one that opens the database, and
discards a half-done re-key (steps 1-2) when ``vault.key`` still opens it.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine

from fieldkit.store.errors import VaultDamagedError, VaultError
from fieldkit.store.keyfile import KeyFile
from fieldkit.store.secretbuffer import SecretBuffer
from fieldkit.store.vault_files import (
    DB_NAME,
    KEY_NAME,
    PENDING_KEY_NAME,
    REKEY_DB_NAME,
    fsync_folder,
    overwrite,
)


class VaultInUseError(VaultError):
    def __init__(self) -> None:
        super().__init__(
            "The vault is open in another Fieldkit window or command, so it was not re-keyed. "
            "Close it there and try again; nothing was changed."
        )


def export_copy(engine: Engine, key: SecretBuffer, folder: Path) -> None:
    """Step 1: copy the database, encrypted under `key`, to ``vault.db.rekey``.

    Holds the write lock while it copies, so the copy is one consistent state.
    """
    target = folder / REKEY_DB_NAME
    discard_leftovers(folder)
    # Owner-only from the first byte; SQLite gives its journal the same mode.
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        # A raw key, as `open_engine` gives one: the hex goes to SQLCipher, never to a log.
        cursor.execute(f"ATTACH DATABASE ? AS rekeyed KEY \"x'{key.hex()}'\"", (str(target),))
        try:
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("SELECT sqlcipher_export('rekeyed')")
            cursor.execute("COMMIT")
        finally:
            cursor.execute("DETACH DATABASE rekeyed")
    finally:
        raw.close()


def swap_database(folder: Path) -> None:
    """Step 3: put the re-encrypted copy in the database's place (the vault must be locked).

    Raises:
        VaultInUseError: another process still has the database open; the re-key is undone.
    """
    wal = folder / (DB_NAME + "-wal")
    if wal.exists():
        # The last connection to close checkpoints and removes the WAL: one left means the
        # vault is open elsewhere, and its writes would go to the replaced file.
        discard_leftovers(folder)
        raise VaultInUseError()
    (folder / (DB_NAME + "-shm")).unlink(missing_ok=True)
    os.replace(folder / REKEY_DB_NAME, folder / DB_NAME)
    fsync_folder(folder)


def promote_pending(folder: Path) -> None:
    """Step 4 (or unlock's recovery of it): the pending key file becomes the key file."""
    os.replace(folder / PENDING_KEY_NAME, folder / KEY_NAME)
    fsync_folder(folder)


def read_pending(folder: Path, current: KeyFile) -> KeyFile | None:
    """The pending key file of a re-key under way, if there is one for this same vault."""
    path = folder / PENDING_KEY_NAME
    try:
        pending = KeyFile.from_json(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, VaultDamagedError):
        return None
    same = (pending.vault_id, pending.username, pending.os_user) == (
        current.vault_id,
        current.username,
        current.os_user,
    )
    return pending if same else None


def discard_leftovers(folder: Path) -> None:
    """Remove what a re-key that never reached step 3 left behind (it holds an old copy)."""
    pending = folder / PENDING_KEY_NAME
    for path in (pending, pending.with_name(pending.name + ".new")):
        if path.exists():
            overwrite(path)
            path.unlink()
    for suffix in ("", "-journal", "-wal", "-shm"):
        (folder / (REKEY_DB_NAME + suffix)).unlink(missing_ok=True)
