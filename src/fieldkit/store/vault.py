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
from fieldkit.store import audit, blobs, consistency, migrate, name_index, rekey, seal
from fieldkit.store.database import open_engine
from fieldkit.store.errors import (
    FolderNotEmptyError,
    ForeignVaultError,
    VaultDamagedError,
    VaultError,
    VaultExistsError,
    VaultLockedError,
    VaultMissingError,
    WrongPassphraseError,
)
from fieldkit.store.keyfile import KdfParams, KeyFile
from fieldkit.store.records import RecordRepository
from fieldkit.store.schema import Meta
from fieldkit.store.secretbuffer import SecretBuffer
from fieldkit.store.transaction import Transaction, connection
from fieldkit.store.vault_files import (
    DB_NAME,
    KEY_NAME,
    PENDING_KEY_NAME,
    VAULT_FILES,
    erase,
    tighten,
)

__all__ = ["DB_NAME", "KEY_NAME", "VAULT_FILES", "Vault", "erase", "read_keyfile"]

#: SQLite's own default: the write-ahead log is folded into the file past this many pages.
_AUTOCHECKPOINT_PAGES = 1000

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
        self._checkpoint_deferred = False
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
        memory_security: bool = False,
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
            memory_security: see `unlock`.
            name_rules: see `unlock`.

        Raises:
            VaultExistsError: the folder already holds a vault.
            FolderNotEmptyError: the folder holds other files (or is not a folder).
        """
        folder = Path(folder)
        if (folder / KEY_NAME).exists() or (folder / DB_NAME).exists():
            raise VaultExistsError()
        # A vault's folder is its own: remote wipe removes the vault's files and then the
        # folder, and a folder shared with other files would invite removing those too.
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise FolderNotEmptyError()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.chmod(0o700)
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
                name_index.ensure_current(Transaction(conn), rules)
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
        memory_security: bool = False,
        name_rules: NameRules | None = None,
    ) -> Vault:
        """Open a vault, bringing its schema up to date.

        `memory_security=True` turns SQLCipher's `cipher_memory_security` back on; it exists
        only for the benchmarks that compare with that old setting (see docs/data-model.md).
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
        tighten(folder)
        try:
            engine, data_key = _open_database(folder, keyfile, passphrase, memory_security)
        except (WrongPassphraseError, VaultDamagedError):
            # A re-key that got as far as swapping the database: its pending key opens it.
            pending = rekey.read_pending(folder, keyfile)
            if pending is None:
                raise
            try:
                engine, data_key = _open_database(folder, pending, passphrase, memory_security)
            except (WrongPassphraseError, VaultDamagedError):
                pending = None
            if pending is None:
                raise
            rekey.promote_pending(folder)
            keyfile = pending
        else:
            # A re-key that stopped before the swap left an old copy of the data behind.
            with contextlib.suppress(OSError):
                rekey.discard_leftovers(folder)
        try:
            with engine.begin() as conn:
                held = conn.execute(select(Meta.value).where(Meta.key == "vault_id")).scalar()
                if held != keyfile.vault_id:
                    raise VaultDamagedError("database belongs to another vault")
                problems = consistency.quick_problems(conn)
                if problems:
                    raise VaultDamagedError(problems[0])
                if migrate.current_revision(conn) != migrate.head_revision():
                    migrate.upgrade(conn)
                if seal.stale_triggers(conn):
                    raise VaultDamagedError("record seal triggers missing or altered")
                rules = name_rules or shipped_name_rules()
                name_index.ensure_current(Transaction(conn), rules)
        except DBAPIError as exc:
            data_key.wipe()
            engine.dispose()
            raise VaultDamagedError("database unreadable") from exc
        except VaultDamagedError:
            data_key.wipe()
            engine.dispose()
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

        The old passphrase still opens any copy of the old key file; `rekey` as well (or
        `fieldkit vault passwd --rekey`) makes such copies useless against the database.

        Raises:
            WrongPassphraseError: `old` does not open the vault.
        """
        # Unlocking first finishes (or discards) a re-key the laptop died in the middle of,
        # so the key rewrapped is the one that opens the database.
        vault = Vault.unlock(Path(folder), passphrase=old, os_user=os_user)
        try:
            current = vault._keyfile
            rewrapped = KeyFile.wrap(
                vault._key,
                new,
                vault_id=current.vault_id,
                username=current.username,
                os_user=current.os_user,
                kdf=kdf or current.kdf,
            )
        finally:
            vault.lock()
        rewrapped.write(Path(folder) / KEY_NAME)

    @staticmethod
    def rekey(folder: Path, *, passphrase: str, os_user: str | None = None) -> None:
        """Re-encrypt the database under a new random data key and wrap that under `passphrase`.

        Afterwards an old copy of the key file, with the passphrase it was made under, no longer
        opens the database. Crash-safe at every step (see `store/rekey.py`). The vault must not
        be open elsewhere.

        Raises:
            WrongPassphraseError: the passphrase does not open the vault.
            VaultInUseError: the vault is open in another process; nothing changed.
            VaultError: the vault is an unencrypted baseline store.
        """
        folder = Path(folder)
        vault = Vault.unlock(folder, passphrase=passphrase, os_user=os_user)
        try:
            vault.stage_rekey(passphrase=passphrase)
        finally:
            vault.lock()
        rekey.swap_database(folder)
        rekey.promote_pending(folder)

    def stage_rekey(self, *, passphrase: str) -> None:
        """Steps 1 and 2 of a re-key: the database copied under a new key, that key staged.

        Nothing changes for the vault until `rekey.swap_database` runs on the locked vault;
        `rekey` runs the whole sequence.

        Raises:
            VaultError: the vault is an unencrypted baseline store.
        """
        if not self.encrypted:
            raise VaultError("An unencrypted baseline store has no key to change.")
        new_key = SecretBuffer.take(secrets.token_bytes(32))
        try:
            with self._clock_lock:  # no write from this process while the copy is made
                rekey.export_copy(self._require_engine(), new_key, self.folder)
            current = self._keyfile
            staged = KeyFile.wrap(
                new_key,
                passphrase,
                vault_id=current.vault_id,
                username=current.username,
                os_user=current.os_user,
                kdf=current.kdf,
            )
        finally:
            new_key.wipe()
        staged.write(self.folder / PENDING_KEY_NAME)

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
    def write(self, *, refetchable: bool = False) -> Iterator[Transaction]:
        """One write transaction (takes the write lock at once); commits if the block succeeds.

        Args:
            refetchable: the block writes only what the server can send again (chunks of a
                file still arriving, never anything captured here): its commit does not wait
                for the disk (``synchronous = NORMAL`` in write-ahead-log mode: still atomic
                and consistent, a power cut may lose it but never damages the vault). The next
                ordinary write syncs the log, which makes this one durable too.
        """
        engine = self._require_engine()
        try:
            with (
                self._clock_lock,
                engine.connect().execution_options(vault_write=True) as conn,
            ):
                raw = conn.connection.dbapi_connection
                assert raw is not None
                quiet = self._checkpoint_deferred
                if refetchable:
                    raw.execute("PRAGMA synchronous = NORMAL")
                if quiet:
                    raw.execute("PRAGMA wal_autocheckpoint = 0")
                try:
                    with conn.begin():
                        yield Transaction(conn)
                        _put_meta(conn, "hlc_last", str(self._clock.last))
                finally:
                    if refetchable:
                        raw.execute("PRAGMA synchronous = FULL")
                    if quiet:
                        raw.execute(f"PRAGMA wal_autocheckpoint = {_AUTOCHECKPOINT_PAGES}")
        except DBAPIError as exc:
            raise _translate(exc) from exc

    @contextlib.contextmanager
    def checkpoint_after(self) -> Iterator[None]:
        """Writes in the block leave the write-ahead log growing; it is folded in once at the end.

        For a long run of writes (files arriving): SQLite would otherwise copy the log into the
        database file, and sync both, every thousand pages along the way.
        """
        self._checkpoint_deferred = True
        try:
            yield
        finally:
            self._checkpoint_deferred = False
            if self._engine is not None:
                self.compact()

    @contextlib.contextmanager
    def read(self) -> Iterator[Transaction]:
        """One read transaction: a consistent snapshot."""
        engine = self._require_engine()
        try:
            with engine.connect() as conn, conn.begin():
                yield Transaction(conn)
        except DBAPIError as exc:
            raise _translate(exc) from exc

    def compact(self) -> None:
        """Fold the write-ahead log into the file and empty it (after an erasure).

        Deleted content is overwritten with zeros where it lay in the file (``secure_delete``,
        `store.database`), but older copies of the pages stay in the write-ahead log until
        it is checkpointed and truncated, which this does.
        """
        engine = self._require_engine()
        try:
            with self._clock_lock, engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                assert raw is not None
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except DBAPIError as exc:
            raise _translate(exc) from exc

    def records(self, tx: Transaction, *, actor: str | None = None) -> RecordRepository:
        """The record repository over a transaction from `write()` or `read()`."""
        return RecordRepository(
            tx,
            clock=self._clock,
            actor=actor or self.username,
            now=self._now,
            name_rules=self.name_rules,
        )

    def set_clock_node(self, tx: Transaction, node: str) -> None:
        """Stamp later changes with this node id (the device id the server assigned)."""
        _put_meta(connection(tx), "hlc_node", node)
        self._clock = HlcClock(node, lambda: int(self._now().timestamp() * 1000), self._clock.last)

    def observe_clock(self, tx: Transaction, remote: str) -> None:
        """Move the clock past a timestamp from the server, inside a `write()` transaction.

        Later local edits then sort after everything the laptop has seen, even when its wall
        clock is behind (the clock is saved with the transaction).
        """
        del tx  # the write transaction holds the clock lock and saves the clock on commit
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
                    chain = audit.verify(Transaction(conn))
                    entries = chain.entries
                    if not chain.ok:
                        problems.append(f"audit log entry {chain.broken_at}: {chain.problem}")
                    problems.extend(consistency.quick_problems(conn))
                    problems.extend(blobs.problems(conn))
                    stale = seal.stale_triggers(conn)
                    if stale:
                        problems.append(f"record seal triggers missing or altered: {len(stale)}")
                    sealed = seal.verify(conn)
                    if not sealed.ok:
                        problems.append(
                            "records do not match the record seal (a page was replaced with an "
                            "older copy, or a record was changed outside Fieldkit)"
                        )
            except DBAPIError as exc:
                problems.append(f"unreadable: {type(exc.orig).__name__}")
        return IntegrityReport(tuple(problems), entries)

    def verify_seal(self) -> seal.SealReport:
        """Recompute the record seal over every record and compare it with the one kept.

        Reads every record row (measured at 1.7 s of CPU for 100,000 visits), so unlock does
        not run it; `check` does, and sync may before it pushes.
        """
        with self.read() as tx:
            return seal.verify(connection(tx))

    @property
    def encrypted(self) -> bool:
        return not self._keyfile.username.endswith("\n" + PLAIN_MARK)

    def _require_engine(self) -> Engine:
        if self._engine is None:
            raise VaultLockedError()
        return self._engine


def _open_database(
    folder: Path, keyfile: KeyFile, passphrase: str, memory_security: bool
) -> tuple[Engine, SecretBuffer]:
    data_key = keyfile.unwrap(passphrase)
    encrypted = not keyfile.username.endswith("\n" + PLAIN_MARK)
    try:
        engine = open_engine(
            folder / DB_NAME, data_key if encrypted else None, memory_security=memory_security
        )
    except VaultDamagedError:
        data_key.wipe()
        raise
    return engine, data_key


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
    # One statement, built once: every save ends with this (the clock's last stamp).
    conn.execute(audit.PUT_META, {"key": key, "value": value})


def _translate(exc: DBAPIError) -> Exception:
    # SQLCipher reports a page whose HMAC fails as a plain DatabaseError ("file is not a
    # database"); integrity and locking errors are subclasses and are not damage.
    if type(exc.orig).__name__ == "DatabaseError":
        return VaultDamagedError("a page failed its check")
    return exc
