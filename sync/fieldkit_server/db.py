"""Database engines, transactions and schema migrations for SQLite and PostgreSQL alike."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Executable,
    String,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    insert,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import QueryableAttribute, Session, sessionmaker

T = TypeVar("T")

#: Key for PostgreSQL advisory locks taken while migrating (two servers starting at once).
_MIGRATION_LOCK = 0x46_4B_53_56  # "FKSV"


def make_engine(url: str) -> Engine:
    """An engine for a SQLite file or a PostgreSQL server, set up for the server's transactions.

    On SQLite every transaction starts with BEGIN IMMEDIATE: a push reads then writes, and
    upgrading a deferred read to a write under concurrency fails instead of waiting.
    """
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 60},
            pool_size=8,
            max_overflow=16,
            hide_parameters=True,  # parameters are record content: keep them out of logs
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling would issue a plain (deferred) BEGIN.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No ping before every checkout (a round trip per request): a connection the database
    # dropped fails its transaction's first statement instead, and ``run_in_transaction``
    # runs the work again on a fresh one.
    return create_engine(
        url, pool_size=10, max_overflow=20, pool_pre_ping=False, hide_parameters=True
    )


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _retryable(exc: DBAPIError) -> bool:
    """Whether a failed transaction may succeed if run again from the start.

    Concurrent pushes of the same new record or change id meet a unique constraint; crossing
    locks give a deadlock; a repeatable-read pull can meet a serialisation failure; a pooled
    connection the database (or a restart of it) closed fails as a disconnect.
    """
    if isinstance(exc, IntegrityError) or exc.connection_invalidated:
        return True
    code = getattr(exc.orig, "sqlstate", None)
    if code in ("40001", "40P01"):
        return True
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig)


#: ``Session.info`` key: the writes ``at_commit`` held back for the transaction's COMMIT.
_AT_COMMIT = "fieldkit.at_commit"


def at_commit(session: Session, statement: Executable, params: dict[str, Any]) -> None:
    """Run ``statement`` as the transaction's last write, sent to the database with its COMMIT.

    In a transaction of ``run_in_transaction`` on PostgreSQL the statement waits for the
    commit, and the two go in one pipeline: one round trip where there were two (nothing
    reads its result; a failure fails the commit, and the transaction is retried or raised
    as any other). Anywhere else it runs now. Nothing may read what it writes before the
    commit; a rollback before the commit discards it with the rest of the transaction.
    """
    held = session.info.get(_AT_COMMIT)
    if held is None:
        session.execute(statement, params)
    else:
        # Noted with its transaction: one rolled back in the meantime does not commit it.
        held.append((session.get_transaction(), statement, params))


def _commit(session: Session) -> None:
    """Commit, sending the writes ``at_commit`` held back with the COMMIT (PostgreSQL).

    The COMMIT in the pipeline is the driver's own: the session's commit would hand the
    connection back to the pool while the pipeline still held it. The session's commit that
    follows finds the transaction over and only closes its books.

    Raises:
        DBAPIError: a write or the COMMIT failed (a concurrency failure is retried by
            ``run_in_transaction``); nothing was committed.
    """
    transaction = session.get_transaction()
    held = [
        (statement, params)
        for begun, statement, params in session.info.pop(_AT_COMMIT, None) or ()
        if transaction is not None and begun is transaction
    ]
    if held:
        import psycopg  # the PostgreSQL driver: only installed where it is used

        driver = session.connection().connection.driver_connection
        assert driver is not None  # a live connection, checked out for this transaction
        failed: psycopg.Error | None = None
        try:
            # In a pipeline nothing waits for a statement's result until the COMMIT's: the
            # writes and the COMMIT leave together, and their results come back together.
            with driver.pipeline():
                for statement, params in held:
                    session.execute(statement, params)
                try:
                    driver.commit()
                except psycopg.Error as exc:
                    failed = exc  # raised below, once the pipeline is closed
        except psycopg.Error as exc:
            # Closing the pipeline after a failed COMMIT reports that it was aborted: the
            # COMMIT's own failure is the one that says why.
            failed = failed or exc
        if failed is not None:
            raise DBAPIError.instance("COMMIT", None, failed, psycopg.Error) from None
    session.commit()


def run_in_transaction(
    sessions: sessionmaker[Session],
    work: Callable[[Session], T],
    *,
    isolation: str | None = None,
    attempts: int = 8,
) -> T:
    """Run ``work`` in one transaction, committing at the end; retry on concurrency failures.

    ``work`` must not have effects outside the database, since it may run more than once.

    Args:
        sessions: where sessions come from.
        work: the unit of work; it never commits.
        isolation: a PostgreSQL isolation level for this transaction (ignored on SQLite).
        attempts: how many times to try before giving up.

    Raises:
        DBAPIError: the last failure, once attempts run out or if it is not a concurrency one.
    """
    for attempt in range(1, attempts + 1):
        with sessions() as session:
            try:
                postgres = session.get_bind().dialect.name == "postgresql"
                if isolation and postgres:
                    session.connection(execution_options={"isolation_level": isolation})
                if postgres:
                    session.info[_AT_COMMIT] = []
                result = work(session)
                _commit(session)
                return result
            except DBAPIError as exc:
                session.rollback()
                if attempt == attempts or not _retryable(exc):
                    raise
            # Back off a little so that two retrying pushes do not collide again in step.
            time.sleep(0.005 * attempt)
    raise AssertionError("unreachable")


def run_autocommit(engine: Engine, work: Callable[[Connection], T], *, attempts: int = 3) -> T:
    """Run ``work`` on a connection in autocommit mode: each statement is its own transaction.

    For a read that one statement answers (a statement sees one snapshot): no BEGIN and no
    COMMIT, so one round trip instead of three. A pooled connection the database dropped is
    retried on a fresh one, as ``run_in_transaction`` does; ``work`` may run more than once.

    Raises:
        DBAPIError: the last failure, once attempts run out or if it is not a retryable one.
    """
    for attempt in range(1, attempts + 1):
        try:
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                return work(conn)
        except DBAPIError as exc:
            if attempt == attempts or not _retryable(exc):
                raise
    raise AssertionError("unreachable")


def one_of(
    session: Session, column: ColumnElement[Any] | QueryableAttribute[Any], values: Collection[str]
) -> Any:
    """``column IN values`` for text ids, as one array parameter on PostgreSQL.

    A push asks about hundreds of ids at once: ``= ANY(%s)`` keeps one short statement text
    (parsed once, prepared by the driver) where ``IN (%s, %s, ...)`` makes a new, long one for
    every batch size.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))
    return column.in_(list(values))


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (each with the same keys) in the session's transaction, in bulk.

    PostgreSQL takes them with one ``COPY ... FROM STDIN``; SQLite with one executemany. A
    failure (a concurrent push's unique id) is raised as SQLAlchemy's error, so that
    ``run_in_transaction`` retries it as it would an INSERT's.
    """
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    import psycopg  # the PostgreSQL driver: only needed, and only installed, where it is used

    names = list(rows[0])
    for name in names:
        if name not in table.c:
            raise ValueError(f"{table.name} has no column {name}")
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    driver = session.connection().connection.driver_connection
    assert driver is not None  # a live connection, checked out for this transaction
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in names])
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from None


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "fieldkit_server:migrations")
    config.attributes["engine"] = engine
    return config


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if not is_postgres(engine):
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK})
            conn.commit()


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest migration; safe to run from two processes at once."""
    with _migration_lock(engine):
        command.upgrade(alembic_config(engine), "head")


def schema_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
