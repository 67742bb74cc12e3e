"""Full-text search over people, places, narratives and notes (FTS5), taking user text literally."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, func, insert, inspect, select, text

from fieldkit.domain.names import fold
from fieldkit.domain.records import SPECS, RecordType
from fieldkit.store.schema import RECORD_TABLES, search_doc
from fieldkit.store.transaction import Transaction, connection

CREATE_INDEX_SQL = (
    "CREATE VIRTUAL TABLE search_index USING fts5("
    "body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
)

SEARCHABLE_TYPES: tuple[RecordType, ...] = tuple(t for t, s in SPECS.items() if s.searchable)
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


# Folding (accents and strokes removed) is the name matcher's, so both search the same way.


@dataclass(frozen=True)
class SearchHit:
    record_type: str
    record_id: str


def index_text(record_type: RecordType, fields: Mapping[str, object]) -> str:
    """The words a record is found by: its searchable fields (and a person's date of birth)."""
    parts: list[str] = []
    names = SPECS[record_type].searchable + (
        ("date_of_birth",) if record_type is RecordType.PERSON else ()
    )
    for name in names:
        value = fields.get(name)
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
        elif value:
            parts.append(str(value))
    if record_type is RecordType.PLACE and fields.get("postcode"):
        # Found whether typed "HD1 2JN" or "HD12JN".
        parts.append(str(fields["postcode"]).replace(" ", ""))
    return fold("\n".join(parts))


def match_expression(user_text: str) -> str | None:
    """An FTS5 query that finds records containing every word of the text, as prefixes.

    Each word becomes a quoted prefix string, so operators (``OR``, ``NEAR``), ``*``, quotes,
    ``%`` and column filters in the user's text are plain words, never query syntax.
    Punctuation separates words the same way the index tokenizer does.

    Returns:
        The expression, or None when the text holds no word to search for.
    """
    words = _WORD.findall(fold(user_text))[:MAX_TERMS]
    if not words:
        return None
    # A one-letter prefix would expand to every indexed word with that initial; match it whole.
    return " ".join(f'"{w}"*' if len(w) > 1 else f'"{w}"' for w in words)


def upsert(conn: Connection, record_type: RecordType, record_id: str, body: str) -> None:
    """Put a record's words in the index, replacing what was there."""
    rowid = conn.execute(
        select(search_doc.c.rowid).where(search_doc.c.record_id == record_id)
    ).scalar()
    if rowid is None:
        rowid = conn.execute(
            insert(search_doc).values(record_type=record_type.value, record_id=record_id)
        ).inserted_primary_key[0]  # type: ignore[index]
    else:
        conn.execute(text("DELETE FROM search_index WHERE rowid = :r"), {"r": rowid})
    conn.execute(
        text("INSERT INTO search_index (rowid, body) VALUES (:r, :b)"), {"r": rowid, "b": body}
    )


#: Built once: saving a record runs them (building a statement costs more than running it).
_LAST_ROWID = select(func.coalesce(func.max(search_doc.c.rowid), 0))
_INSERT_DOC = "INSERT INTO search_doc (rowid, record_type, record_id) VALUES (?, ?, ?)"
_INSERT_BODY = "INSERT INTO search_index (rowid, body) VALUES (?, ?)"


def insert_new(conn: Connection, record_type: RecordType, rows: Iterable[tuple[str, str]]) -> None:
    """Index records known to be new (bulk import): (record_id, body) pairs, in two statements."""
    batch = list(rows)
    if not batch:
        return
    # Inside the write transaction nobody else can take these row ids.
    start = conn.execute(_LAST_ROWID).scalar_one() + 1
    kind = record_type.value
    conn.exec_driver_sql(
        _INSERT_DOC, [(n, kind, record_id) for n, (record_id, _) in enumerate(batch, start)]
    )
    conn.exec_driver_sql(_INSERT_BODY, [(n, body) for n, (_, body) in enumerate(batch, start)])


def replace_many(
    conn: Connection, record_type: RecordType, rows: Sequence[tuple[str, str]]
) -> None:
    """Put records' words in the index, replacing what was there, a few statements in all.

    The bulk form of `upsert` (a page of pulled changes): each record keeps its index row id,
    so its place in "newest-indexed first" is the same either way.
    """
    if not rows:
        return
    ids = [record_id for record_id, _ in rows]
    held: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        query = select(search_doc.c.record_id, search_doc.c.rowid).where(
            search_doc.c.record_id.in_(ids[start : start + 500])
        )
        held.update((str(row[0]), int(row[1])) for row in conn.execute(query))
    if held:
        conn.execute(
            text("DELETE FROM search_index WHERE rowid = :r"), [{"r": r} for r in held.values()]
        )
    missing = [(record_id, body) for record_id, body in rows if record_id not in held]
    if held:
        conn.execute(
            text("INSERT INTO search_index (rowid, body) VALUES (:r, :b)"),
            [{"r": held[record_id], "b": body} for record_id, body in rows if record_id in held],
        )
    insert_new(conn, record_type, missing)


def remove(conn: Connection, record_id: str) -> None:
    """Drop a record from the index (it was deleted)."""
    rowid = conn.execute(
        select(search_doc.c.rowid).where(search_doc.c.record_id == record_id)
    ).scalar()
    if rowid is not None:
        conn.execute(text("DELETE FROM search_index WHERE rowid = :r"), {"r": rowid})
        conn.execute(delete(search_doc).where(search_doc.c.rowid == rowid))


def find(
    tx: Transaction,
    user_text: str,
    *,
    types: Sequence[RecordType] | None = None,
    limit: int = 50,
) -> list[SearchHit]:
    """Records matching every word of the text, newest-indexed first.

    Args:
        conn: an open connection.
        user_text: whatever the user typed; taken literally.
        types: only these record types (all searchable ones if None).
        limit: at most this many hits.
    """
    conn = connection(tx)
    expression = match_expression(user_text)
    if expression is None:
        return []
    wanted = [t.value for t in (types or SEARCHABLE_TYPES)]
    # rowid order lets FTS5 stop after `limit` hits instead of ranking every match.
    query = text(
        "SELECT d.record_type, d.record_id FROM search_index AS s "
        "JOIN search_doc AS d ON d.rowid = s.rowid "
        "WHERE search_index MATCH :q AND d.record_type IN :types "
        "ORDER BY s.rowid DESC LIMIT :n"
    ).bindparams(bindparam("types", expanding=True))
    rows = conn.execute(query, {"q": expression, "types": wanted, "n": limit})
    return [SearchHit(r[0], r[1]) for r in rows]


def rebuild(conn: Connection) -> None:
    """Index every live record from scratch (used by the migration that adds search)."""
    conn.execute(text("DELETE FROM search_index"))
    conn.execute(delete(search_doc))
    present = set(inspect(conn).get_table_names())
    for record_type in SEARCHABLE_TYPES:
        table = RECORD_TABLES[record_type]
        if table.name not in present:
            continue  # migration 0002 runs before later migrations create newer record tables
        names = [*SPECS[record_type].searchable]
        if record_type is RecordType.PERSON:
            names.append("date_of_birth")
        cols = [table.c.id, *(table.c[n] for n in names)]
        result = conn.execute(select(*cols).where(table.c.deleted.is_(False)))
        insert_new(
            conn,
            record_type,
            (
                (row[0], index_text(record_type, dict(zip(names, row[1:], strict=True))))
                for row in result.all()
            ),
        )
