"""The field vault: one user's encrypted database and key file in a folder of their own."""

from __future__ import annotations

import contextlib
import getpass
import os
import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import DBAPIError

from fieldkit.domain.hlc import Hlc, HlcClock
from fieldkit.domain.names import NameRules, shipped_name_rules
from fieldkit.store import audit, migrate, name_index
from fieldkit.store.database import open_engine
from fieldkit.store.errors import (
    ForeignVaultError,
    VaultDamagedError,
    VaultExistsError,
    VaultLockedError,
    VaultMissingError,
)
from fieldkit.store.keyfile import KdfParams, KeyFile
from fieldkit.store.records import RecordRepository
from fieldkit.store.schema import Meta
from fieldkit.store.secretbuffer import SecretBuffer

DB_NAME = "vault.db"
KEY_NAME = "vault.key"
PLAIN_MARK = "plain-baseline"


def os_account() -> str:
    """The operating-system account this process runs as; a vault is bound to it."""
    uid = os.getuid() if hasattr(os, "getuid") else None
    return f"{uid}:{getpass.getuser()}" if uid is not None else getpass.getuser()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _disable_core_dumps() -> None:
    # A core dump would write the unlocked key and decrypted pages to disk in the clear.
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on POSIX
        pass


@dataclass(frozen=True)
class IntegrityReport:
    """The result of a full check of a vault."""

    problems: tuple[str, ...]
    audit_entries: int

    @property
    def ok(self) -> bool:
        return not self.problems


class Vault:
    """An unlocked vault. Build it with `create` or `unlock`; `lock` drops the key.

    Every write goes through `write()`, one transaction that keeps the record, its history, the
    change log, the audit log and the search index in step.
    """

    def __init__(
        self,
        folder: Path,
        engine: Engine,
        key: SecretBuffer,
        keyfile: KeyFile,
        now: Callable[[], datetime],
        name_rules: NameRules,
    ) -> None:
        self.folder = folder
        self.name_rules = name_rules
        self._engine: Engine | None = engine
        self._key = key
        self._keyfile = keyfile
        self._now = now
        self._clock_lock = threading.Lock()
        with self._engine.connect() as conn:
            node = conn.execute(select(Meta.value).where(Meta.key == "hlc_node")).scalar()
            last = conn.execute(select(Meta.value).where(Meta.key == "hlc_last")).scalar()
        node = node or keyfile.vault_id
        self._clock = HlcClock(
            node, lambda: int(self._now().timestamp() * 1000), Hlc.parse(last) if last else None
        )

    # Life cycle ------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        folder: Path,
        *,
        username: str,
        passphrase: str,
        kdf: KdfParams | None = None,
        os_user: str | None = None,
        now: Callable[[], datetime] = _utc_now,
        encrypted: bool = True,
        schema_revision: str = "head",
        memory_security: bool = True,
        name_rules: NameRules | None = None,
    ) -> Vault:
        """Make a new vault in an empty (or absent) folder and return it unlocked.

        Args:
            folder: where the vault lives; created with owner-only permissions.
            username: the Fieldkit user the vault belongs to.
            passphrase: the user's passphrase; only a key derived from it is used.
            kdf: Argon2id cost (the default is tuned for field laptops).
            os_user: the operating-system account (the current one by default).
            now: the wall clock.
            encrypted: False makes an unencrypted baseline store for benchmarks only.
            schema_revision: build the schema only up to this revision (migration tests).
            memory_security: see `unlock` (off only to measure its cost).
            name_rules: see `unlock`.

        Raises:
            VaultExistsError: the folder already holds a vault.
        """
        folder = Path(folder)
        if (folder / KEY_NAME).exists() or (folder / DB_NAME).exists():
            raise VaultExistsError()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        vault_id = str(uuid.uuid4())
        data_key = SecretBuffer.take(secrets.token_bytes(32))
        keyfile = KeyFile.wrap(
            data_key,
            passphrase,
            vault_id=vault_id,
            username=username if encrypted else f"{username}\n{PLAIN_MARK}",
            os_user=os_user or os_account(),
            kdf=kdf or KdfParams(),
        )
        engine = open_engine(
            folder / DB_NAME, data_key if encrypted else None, memory_security=memory_security
        )
        with engine.begin() as conn:
            migrate.upgrade(conn, schema_revision)
            conn.execute(
                insert(Meta),
                [
                    {"key": "vault_id", "value": vault_id},
                    {"key": "username", "value": username},
                    {"key": "created_at", "value": now().isoformat()},
                ],
            )
            rules = name_rules or shipped_name_rules()
            if schema_revision == "head":
                name_index.ensure_current(conn, rules)
        keyfile.write(folder / KEY_NAME)
        _disable_core_dumps()
        return cls(folder, engine, data_key, keyfile, now, rules)

    @classmethod
    def unlock(
        cls,
        folder: Path,
        *,
        passphrase: str,
        os_user: str | None = None,
        now: Callable[[], datetime] = _utc_now,
        memory_security: bool = True,
        name_rules: NameRules | None = None,
    ) -> Vault:
        """Open a vault, bringing its schema up to date.

        `memory_security=False` exists only for the benchmark that measures its cost.
        People's name keys are remade if `name_rules` (the shipped rules if None) are not the
        rules they were made with: once after the upgrade that adds them, and whenever a
        partnership changes its name rules.

        Raises:
            VaultMissingError: no vault in the folder.
            ForeignVaultError: the vault belongs to another operating-system account.
            WrongPassphraseError: the passphrase does not open it.
            VaultDamagedError: its files are damaged, altered or from another vault.
        """
        folder = Path(folder)
        keyfile = read_keyfile(folder)
        if keyfile.os_user != (os_user or os_account()):
            raise ForeignVaultError()
        data_key = keyfile.unwrap(passphrase)
        encrypted = not keyfile.username.endswith("\n" + PLAIN_MARK)
        try:
            engine = open_engine(
                folder / DB_NAME,
                data_key if encrypted else None,
                memory_security=memory_security,
            )
            with engine.begin() as conn:
                held = conn.execute(select(Meta.value).where(Meta.key == "vault_id")).scalar()
                if held != keyfile.vault_id:
                    raise VaultDamagedError("database belongs to another vault")
                if migrate.current_revision(conn) != migrate.head_revision():
                    migrate.upgrade(conn)
                rules = name_rules or shipped_name_rules()
                name_index.ensure_current(conn, rules)
        except DBAPIError as exc:
            data_key.wipe()
            raise VaultDamagedError("database unreadable") from exc
        except VaultDamagedError:
            data_key.wipe()
            raise
        _disable_core_dumps()
        return cls(folder, engine, data_key, keyfile, now, rules)

    @staticmethod
    def change_passphrase(
        folder: Path,
        *,
        old: str,
        new: str,
        kdf: KdfParams | None = None,
        os_user: str | None = None,
    ) -> None:
        """Rewrap the data key under a new passphrase; the database is not rewritten.

        Raises:
            WrongPassphraseError: `old` does not open the vault.
        """
        folder = Path(folder)
        keyfile = read_keyfile(folder)
        if keyfile.os_user != (os_user or os_account()):
            raise ForeignVaultError()
        data_key = keyfile.unwrap(old)
        try:
            rewrapped = KeyFile.wrap(
                data_key,
                new,
                vault_id=keyfile.vault_id,
                username=keyfile.username,
                os_user=keyfile.os_user,
                kdf=kdf or keyfile.kdf,
            )
        finally:
            data_key.wipe()
        rewrapped.write(folder / KEY_NAME)

    def lock(self) -> None:
        """Close every connection and wipe the key; the object is unusable afterwards."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        self._key.wipe()

    @property
    def locked(self) -> bool:
        return self._engine is None

    @property
    def vault_id(self) -> str:
        return self._keyfile.vault_id

    @property
    def username(self) -> str:
        return self._keyfile.username.split("\n", 1)[0]

    def now(self) -> datetime:
        return self._now()

    # Transactions ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (takes the write lock at once); commits if the block succeeds."""
        engine = self._require_engine()
        try:
            with (
                self._clock_lock,
                engine.connect().execution_options(vault_write=True) as conn,
                conn.begin(),
            ):
                yield conn
                _put_meta(conn, "hlc_last", str(self._clock.last))
        except DBAPIError as exc:
            raise _translate(exc) from exc

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction: a consistent snapshot."""
        engine = self._require_engine()
        try:
            with engine.connect() as conn, conn.begin():
                yield conn
        except DBAPIError as exc:
            raise _translate(exc) from exc

    def records(self, conn: Connection, *, actor: str | None = None) -> RecordRepository:
        """The record repository over a connection from `write()` or `read()`."""
        return RecordRepository(
            conn,
            clock=self._clock,
            actor=actor or self.username,
            now=self._now,
            name_rules=self.name_rules,
        )

    def set_clock_node(self, conn: Connection, node: str) -> None:
        """Stamp later changes with this node id (the device id the server assigned)."""
        _put_meta(conn, "hlc_node", node)
        self._clock = HlcClock(node, lambda: int(self._now().timestamp() * 1000), self._clock.last)

    def observe_clock(self, conn: Connection, remote: str) -> None:
        """Move the clock past a timestamp from the server, inside a `write()` transaction.

        Later local edits then sort after everything the laptop has seen, even when its wall
        clock is behind (the clock is saved with the transaction).
        """
        del conn  # the write transaction holds the clock lock and saves the clock on commit
        self._clock.observe(Hlc.parse(remote))

    def check(self) -> IntegrityReport:
        """Read every page and check every HMAC, the b-tree, and the audit chain."""
        engine = self._require_engine()
        problems: list[str] = []
        entries = 0
        with engine.connect() as conn:
            if self.encrypted:
                with conn.begin():
                    for row in conn.exec_driver_sql("PRAGMA cipher_integrity_check"):
                        problems.append(f"page check: {row[0]}")
            try:
                with conn.begin():
                    rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
                    if rows != ["ok"]:
                        problems.extend(f"structure: {r}" for r in rows[:10])
                    chain = audit.verify(conn)
                    entries = chain.entries
                    if not chain.ok:
                        problems.append(f"audit log entry {chain.broken_at}: {chain.problem}")
            except DBAPIError as exc:
                problems.append(f"unreadable: {type(exc.orig).__name__}")
        return IntegrityReport(tuple(problems), entries)

    @property
    def encrypted(self) -> bool:
        return not self._keyfile.username.endswith("\n" + PLAIN_MARK)

    def _require_engine(self) -> Engine:
        if self._engine is None:
            raise VaultLockedError()
        return self._engine


def read_keyfile(folder: Path) -> KeyFile:
    """Read a vault folder's key file.

    Raises:
        VaultMissingError: the folder holds no vault.
        VaultDamagedError: the key file cannot be read.
    """
    path = Path(folder) / KEY_NAME
    if not path.exists() or not (Path(folder) / DB_NAME).exists():
        raise VaultMissingError()
    return KeyFile.from_json(path.read_text(encoding="utf-8"))


def _put_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(Meta.__table__.delete().where(Meta.key == key))  # type: ignore[attr-defined]
    conn.execute(insert(Meta).values(key=key, value=value))


def _translate(exc: DBAPIError) -> Exception:
    # SQLCipher reports a page whose HMAC fails as a plain DatabaseError ("file is not a
    # database"); integrity and locking errors are subclasses and are not damage.
    if type(exc.orig).__name__ == "DatabaseError":
        return VaultDamagedError("a page failed its check")
    return exc
