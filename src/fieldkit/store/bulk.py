"""A large import's write: secondary indexes built after the rows, a page cache to match."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from fieldkit.domain.records import RecordType
from fieldkit.store.records import CheckedRecord, NewRecord
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
