"""A large import's write: batches prepared a batch ahead, indexes built after the rows."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType

from sqlalchemy import Connection

from fieldkit.domain.records import RecordType
from fieldkit.store.records import CheckedRecord, NewRecord, PreparedBatch, RecordRepository
from fieldkit.store.schema import RECORD_TABLES, AuditEntry, Change, visit_person
from fieldkit.store.transaction import Transaction, connection

#: Fewer rows than this into a table and its indexes are kept up row by row: dropping and
#: re-creating them costs a full pass over the table, which only pays for a large batch.
MIN_ROWS = 5_000
#: The page cache (KiB) while a large import runs: the tables' primary keys take random ids,
#: and every page evicted and read back is decrypted and HMAC-checked again.
CACHE_KIB = 262_144

#: Tables an import adds to besides the record tables: one outbox and one audit row per
#: record, a visit's links to the people in it.
_OUTBOX, _AUDIT, _LINKS = Change.__tablename__, AuditEntry.__tablename__, visit_person.name


def builds_indexes_after(*, adding: int, holding: int) -> bool:
    """Whether a table's secondary indexes are dropped for an import and re-created after it.

    Re-creating sorts every row the table then holds once; keeping them up costs a B-tree
    descent per row and index, into pages scattered over the file. The first pays when the
    import at least doubles the table and is large enough to outweigh the statements.

    Args:
        adding: rows the import writes into the table.
        holding: rows the table holds before it.
    """
    return adding >= MIN_ROWS and adding >= holding


def rows_added(records: Iterable[NewRecord | CheckedRecord]) -> dict[str, int]:
    """How many rows an import of these records adds to each table (by table name).

    A record of a type the vault does not know counts for nothing here (its validation
    rejects it).
    """
    added: Counter[str] = Counter()
    for record in records:
        try:
            record_type = RecordType(record.type)
        except ValueError:
            continue
        added[RECORD_TABLES[record_type].name] += 1
        if record_type is RecordType.VISIT:
            people = record.fields.get("person_ids")
            added[_LINKS] += len(people) if isinstance(people, list) else 0
    total = sum(added.values()) - added[_LINKS]
    added[_OUTBOX] += total
    added[_AUDIT] += total
    return dict(added)


@dataclass(frozen=True)
class _Index:
    name: str
    sql: str


def _secondary_indexes(conn: Connection, table: str) -> list[_Index]:
    # The definitions as the migrations left them, read back from the schema itself, so a
    # re-created index is the migrated one word for word. Automatic indexes (primary keys,
    # UNIQUE constraints) have no SQL and stay; a UNIQUE index stays too, so a duplicate is
    # refused on its row as on any other write.
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY rowid",
        (table,),
    ).all()
    return [
        _Index(str(name), str(sql))
        for name, sql in rows
        if not str(sql).upper().startswith("CREATE UNIQUE")
    ]


def _count(conn: Connection, table: str) -> int:
    return int(conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar_one())  # noqa: S608 - a schema name


@contextlib.contextmanager
def large_import(tx: Transaction, added: Mapping[str, int]) -> Iterator[list[str]]:
    """Within a write transaction: a large import's rows go in, then its tables' indexes.

    For each table that `builds_indexes_after` chooses, its secondary indexes are dropped on
    entry and re-created, from their own stored definitions, when the block ends normally.
    DDL is part of the transaction: if the block raises, the caller's rollback restores the
    indexes with everything else, and no commit can happen in between. When any table is
    chosen, the page cache is raised for the block and put back after it.

    Args:
        tx: the import's write transaction.
        added: rows the import adds to each table (`rows_added`).

    Yields:
        The names of the tables whose indexes are built after the rows (for tests).
    """
    conn = connection(tx)
    chosen = [
        table
        for table, adding in sorted(added.items())
        if adding >= MIN_ROWS and builds_indexes_after(adding=adding, holding=_count(conn, table))
    ]
    if not chosen:
        yield []
        return
    dropped = [index for table in chosen for index in _secondary_indexes(conn, table)]
    cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
    try:
        for index in dropped:
            conn.exec_driver_sql(f'DROP INDEX "{index.name}"')
        yield chosen
        for index in dropped:
            conn.exec_driver_sql(index.sql)
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {cache}")


#: The worker thread's name: an import's stage 1 (checking and building rows) runs on it.
WORKER_NAME = "fieldkit-import-prepare"


class _Ahead:
    """Runs one batch's preparation at a time, on a worker thread or (unthreaded) at once.

    Leaving the block cancels a preparation not yet started and waits for one that has (it
    touches neither the connection nor the clock, and is at most one batch), so the worker
    thread is gone on every way out: an error, a rejected batch, KeyboardInterrupt.
    """

    def __init__(self, *, threaded: bool) -> None:
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=WORKER_NAME) if threaded else None
        )
        self._pending: Future[PreparedBatch] | None = None

    def __enter__(self) -> _Ahead:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            if self._pending is not None:
                self._pending.cancel()
            self._pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, prepare: Callable[[], PreparedBatch]) -> Future[PreparedBatch]:
        if self._pool is not None:
            self._pending = self._pool.submit(prepare)
            return self._pending
        done: Future[PreparedBatch] = Future()
        try:
            done.set_result(prepare())
        except Exception as exc:  # raised where a threaded run raises it: at .result()
            done.set_exception(exc)
        return done


def write_batches(
    repo: RecordRepository,
    batches: Sequence[Sequence[NewRecord | CheckedRecord]],
    *,
    threaded: bool,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write new records batch by batch, each batch prepared while the one before is written.

    Stage 1 (`RecordRepository.preparer`: checking, ids, row and JSON and search text) runs
    for batch N+1 on one worker thread while the calling thread writes batch N (stage 2:
    clock stamps, the taken-id check, every statement, outbox, audit chain, progress).
    SQLite releases the interpreter lock while it steps a statement, so the two overlap on
    two cores. At most one prepared batch waits. Unthreaded, the same steps run in the same
    order on the calling thread: what is written, stamped and chained is the same either way.

    Args:
        repo: the repository over the import's write transaction.
        batches: the records, batch by batch, in the order they are written.
        threaded: prepare on a worker thread (else inline, for a single batch).
        on_progress: called on the calling thread with the count written after each batch.

    Returns:
        The number of records written.

    Raises:
        ValidationError: a record is invalid (from stage 1, raised as the serial write raises
            it: after the batches before it are written) or its id is taken; the caller's
            transaction rolls back.
    """
    count = 0
    with _Ahead(threaded=threaded) as ahead:
        upcoming = ahead.submit(repo.preparer(batches[0])) if batches else None
        for n in range(len(batches)):
            assert upcoming is not None
            prepared = upcoming.result()
            if n + 1 < len(batches):
                upcoming = ahead.submit(repo.preparer(batches[n + 1]))
            count += len(repo.write_new(prepared))
            if on_progress:
                on_progress(count)
    return count
