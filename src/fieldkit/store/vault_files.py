"""The files a vault keeps in its folder, and removing them (remote wipe) but nothing else."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

DB_NAME = "vault.db"
KEY_NAME = "vault.key"
#: The data key being rotated in, wrapped like `KEY_NAME`, while a re-key is under way.
PENDING_KEY_NAME = "vault.key.pending"
#: The database re-encrypted under the pending key, before it takes `DB_NAME`'s place.
REKEY_DB_NAME = "vault.db.rekey"

#: Files holding key material: overwritten before they are removed.
_KEY_FILES = (KEY_NAME, KEY_NAME + ".new", PENDING_KEY_NAME, PENDING_KEY_NAME + ".new")
#: Every file Fieldkit may make in a vault folder; nothing else there is Fieldkit's.
VAULT_FILES = (
    *_KEY_FILES,
    *(
        db + suffix
        for db in (DB_NAME, REKEY_DB_NAME)
        for suffix in ("", "-wal", "-shm", "-journal")
    ),
)


def tighten(folder: Path) -> None:
    """Make the folder owner-only (0700) and each of the vault's files in it 0600.

    SQLite gives the -wal and -shm files the database file's mode, so a database someone made
    group-readable would leak through them too; unlock puts the modes back.
    """
    with contextlib.suppress(OSError):
        if folder.stat().st_mode & 0o077:
            folder.chmod(0o700)
    for name in VAULT_FILES:
        path = folder / name
        with contextlib.suppress(OSError):
            if not path.is_symlink() and path.stat().st_mode & 0o077:
                path.chmod(0o600)


def erase(folder: Path) -> tuple[str, ...]:
    """Remove a vault's own files from its folder, key files overwritten first; nothing else.

    For remote wipe: the key file is overwritten in place (then removed) so that the database
    left on disk, or recovered from it, cannot be opened; then the database and its journals go.
    The folder itself is removed only if nothing else is left in it. The vault must be locked.

    Args:
        folder: the vault folder.

    Returns:
        The names of Fieldkit's files that could not be removed (empty when all went).
    """
    folder = Path(folder)
    left: list[str] = []
    for name in VAULT_FILES:
        path = folder / name
        try:
            if name in _KEY_FILES:
                overwrite(path)
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError:
            left.append(name)
    fsync_folder(folder)
    with contextlib.suppress(OSError):
        folder.rmdir()  # only succeeds when the folder is empty
    return tuple(left)


def overwrite(path: Path) -> None:
    """Overwrite a file's bytes in place with random ones (a link is left for unlinking)."""
    # O_NOFOLLOW: a key file replaced by a link must not make us overwrite what it points to.
    try:
        fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return  # a link: unlinking it is all that is ours to do
        raise
    try:
        size = os.fstat(fd).st_size
        os.write(fd, secrets.token_bytes(max(size, 1)))
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    """Make renames and removals in a folder durable (best effort)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
