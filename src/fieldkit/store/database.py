"""Opening the vault's database: SQLCipher with a raw key, or plain SQLite as a baseline."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from fieldkit.store import seal
from fieldkit.store.errors import VaultDamagedError
from fieldkit.store.secretbuffer import SecretBuffer

#: Errors from either driver that mean the file cannot be read as a database.
DATABASE_ERRORS: tuple[type[Exception], ...] = (sqlcipher.DatabaseError, sqlite3.DatabaseError)

_PRAGMAS = (
    "PRAGMA temp_store = MEMORY",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 10000",
    # A REPLACE that removes a row then fires its delete trigger, so the record seal
    # (store/seal.py) sees every row that leaves a record table.
    "PRAGMA recursive_triggers = ON",
    # Deleted and overwritten content is zeroed where it lay, so an erased record (or an
    # earlier version of any record) is not left in free space of the decrypted file.
    "PRAGMA secure_delete = ON",
    # 64 MiB of page cache: a bulk import touches index pages all over, and with the cipher on
    # every page evicted and read back is decrypted and HMAC-checked again.
    "PRAGMA cache_size = -65536",
)


def _open_cipher(path: Path, key: SecretBuffer, memory_security: bool) -> Callable[[], Any]:
    def connect() -> Any:
        conn = sqlcipher.connect(str(path), check_same_thread=False, isolation_level=None)
        try:
            # Off, SQLCipher's own default since 4.5: locking and wiping every allocation cost 2x
            # on saves and up to 20x on search. The key itself is protected where it matters:
            # held in a wiped SecretBuffer, dropped at lock, core dumps off (docs/data-model.md).
            conn.execute(f"PRAGMA cipher_memory_security = {'ON' if memory_security else 'OFF'}")
            # Damage is reported through our own errors, not SQLCipher's stderr log.
            conn.execute("PRAGMA cipher_log_level = NONE")
            # A raw key: SQLCipher skips its own KDF; the hex never holds the passphrase.
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            _prepare(conn)
        except DATABASE_ERRORS:
            conn.close()
            raise
        return conn

    return connect


def _open_plain(path: Path) -> Callable[[], Any]:
    def connect() -> Any:
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        _prepare(conn)
        return conn

    return connect


def _prepare(conn: Any) -> None:
    # The test read: PRAGMA key alone always succeeds, a wrong key or damaged header fails here.
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    for pragma in _PRAGMAS:
        conn.execute(pragma)
    seal.register(conn)


def open_engine(path: Path, key: SecretBuffer | None, *, memory_security: bool = False) -> Engine:
    """An engine over the vault's database file.

    Args:
        path: the database file (created if absent).
        key: the raw 256-bit data key; None for an unencrypted baseline store (benchmarks).
        memory_security: SQLCipher wipes and locks the memory it frees (off in the field,
            as SQLCipher ships it; the benchmarks turn it on to compare with the old setting).

    Raises:
        VaultDamagedError: the file is not a database this key opens.
    """
    if not path.exists():
        # Owner-only from the first byte; SQLite gives the -wal and -shm files the same mode.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    connect = _open_cipher(path, key, memory_security) if key is not None else _open_plain(path)
    try:
        connect().close()
    except DATABASE_ERRORS:
        raise VaultDamagedError("database unreadable with this vault's key") from None
    engine = create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher if key is not None else sqlite3,
        creator=connect,
        poolclass=QueuePool,
        # Statement parameters are personal data: keep them out of every error message.
        hide_parameters=True,
        pool_size=4,
        max_overflow=4,
    )
    _begin_explicitly(engine)
    return engine


def _begin_explicitly(engine: Engine) -> None:
    # pysqlite defers BEGIN until the first write, so two writers could both read the audit
    # head before either writes. The driver runs in autocommit and we emit BEGIN ourselves:
    # IMMEDIATE for writes (takes the write lock up front), DEFERRED for reads.
    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("vault_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")
