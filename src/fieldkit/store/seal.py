"""The record seal: a running hash of every record row, so an old page spliced into the file shows.

SQLCipher authenticates each page on its own, so a page copied from an earlier state of the same
vault file passes its HMAC check and reads back as valid, silently undoing later changes.
The seal is a multiset hash over every row of every record table: the sum, mod 2^256, of the
SHA-256 of each row's canonical form. Triggers on the record tables (migration 0007) keep it
in ``vault_meta`` in the same transaction as the write, by calling SQL functions this module
registers on every connection; a write path that forgets nothing cannot forget the seal, and a
connection without the functions cannot write a record at all. An old record page spliced in
no longer sums to the seal held on another page.

The hash is unkeyed on purpose: writing any page needs the data key, so whoever can forge a
seal could as well write the record; splicing only replays pages the vault wrote itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from fieldkit.wire import json_text

#: Where the seal is kept in ``vault_meta``.
SEAL_KEY = "record_seal"
#: The tables the seal covers (one per record type; those of migration 0007, then the ASB
#: tables of 0012: a table is sealed from the migration that creates it).
SEALED_TABLES = (
    "person",
    "place",
    "visit",
    "warning",
    "signposting",
    "tenancy_case",
    "tenancy_note",
    "closure",
    "document",
    "service",
    "review",
    "asb_case",
    "asb_party",
    "asb_risk_assessment",
    "asb_action",
    "community_trigger",
    "meeting",
    "referral",
    "attachment",
)
EMPTY = "0" * 64
_MODULUS = 1 << 256


def row_digest(table: str, *values: object) -> str:
    """SHA-256 of a row's canonical form: its table and its column values in table order.

    Values arrive as SQLite stores them (text, integer, real, null; a record table holds no
    blob), so a trigger's NEW row and a later SELECT give the same digest.
    """
    canonical = _CANONICAL([table, values])
    return hashlib.sha256(canonical.encode()).hexdigest()


def add(seal: str | None, digest: str) -> str:
    """The seal with one row's digest added."""
    return f"{(int(seal or EMPTY, 16) + int(digest, 16)) % _MODULUS:064x}"


def subtract(seal: str | None, digest: str) -> str:
    """The seal with one row's digest taken away."""
    return f"{(int(seal or EMPTY, 16) - int(digest, 16)) % _MODULUS:064x}"


def register(dbapi_connection: Any) -> None:
    """Give a raw SQLite/SQLCipher connection the functions the seal triggers call."""
    dbapi_connection.create_function("fieldkit_seal_row", -1, row_digest, deterministic=True)
    dbapi_connection.create_function("fieldkit_seal_add", 2, add, deterministic=True)
    dbapi_connection.create_function("fieldkit_seal_sub", 2, subtract, deterministic=True)


def trigger_sql(table: str, names: list[str]) -> dict[str, str]:
    """The three triggers that keep the seal for one table, by name.

    A migration that adds, drops or rebuilds a record table's columns drops or outdates them:
    it must call `install` afterwards (`Vault.check` reports triggers out of step).
    """

    def row(which: str) -> str:
        return f"fieldkit_seal_row('{table}', " + ", ".join(f'{which}."{n}"' for n in names) + ")"

    where = f"WHERE key = '{SEAL_KEY}'"
    return {
        f"seal_{table}_insert": (
            f'CREATE TRIGGER seal_{table}_insert AFTER INSERT ON "{table}" BEGIN '  # noqa: S608 - names from the schema
            f"UPDATE vault_meta SET value = fieldkit_seal_add(value, {row('NEW')}) {where}; END"
        ),
        f"seal_{table}_update": (
            f'CREATE TRIGGER seal_{table}_update AFTER UPDATE ON "{table}" BEGIN '  # noqa: S608 - names from the schema
            "UPDATE vault_meta SET value = "
            f"fieldkit_seal_add(fieldkit_seal_sub(value, {row('OLD')}), {row('NEW')}) {where}; END"
        ),
        f"seal_{table}_delete": (
            f'CREATE TRIGGER seal_{table}_delete AFTER DELETE ON "{table}" BEGIN '  # noqa: S608 - names from the schema
            f"UPDATE vault_meta SET value = fieldkit_seal_sub(value, {row('OLD')}) {where}; END"
        ),
    }


def expected_triggers(conn: Connection) -> dict[str, str]:
    """Every seal trigger the record tables need as they stand, by name."""
    wanted: dict[str, str] = {}
    for table in SEALED_TABLES:
        names = columns(conn, table)
        # A table a later migration creates has no columns yet: nothing to seal until it does.
        if names:
            wanted.update(trigger_sql(table, names))
    return wanted


def stale_triggers(conn: Connection) -> list[str]:
    """Names of seal triggers that are missing or no longer match their table's columns."""
    present: dict[str, str] = dict(
        conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
    )
    return [name for name, sql in expected_triggers(conn).items() if present.get(name) != sql]


def install(conn: Connection) -> None:
    """(Re)create every seal trigger and recompute the seal from the rows as they stand.

    For a migration that changes a record table; it trusts the rows, so run it only where the
    vault has just been checked (a migration runs right after unlock's checks).
    """
    for name, sql in expected_triggers(conn).items():
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql(sql)
    seal, _ = compute(conn)
    conn.execute(text("DELETE FROM vault_meta WHERE key = :k"), {"k": SEAL_KEY})
    conn.execute(
        text("INSERT INTO vault_meta (key, value) VALUES (:k, :v)"), {"k": SEAL_KEY, "v": seal}
    )


@dataclass(frozen=True)
class SealReport:
    """Whether the records still add up to the seal, and how many rows were read."""

    rows: int
    held: str | None
    computed: str

    @property
    def ok(self) -> bool:
        return self.held == self.computed


def columns(conn: Connection, table: str) -> list[str]:
    """A table's columns in their stored order (the order a row's digest uses)."""
    return [row[1] for row in conn.exec_driver_sql(f'PRAGMA table_info("{table}")')]


def compute(conn: Connection) -> tuple[str, int]:
    """The seal the record tables add up to now, and how many rows that took."""
    seal = 0
    rows = 0
    for table in SEALED_TABLES:
        present = columns(conn, table)
        if not present:
            continue
        names = ", ".join(f'"{c}"' for c in present)
        query = f"SELECT fieldkit_seal_row('{table}', {names}) FROM \"{table}\""  # noqa: S608 - names from the schema
        for (digest,) in conn.exec_driver_sql(query):
            seal += int(digest, 16)
            rows += 1
    return f"{seal % _MODULUS:064x}", rows


def held(conn: Connection) -> str | None:
    """The seal kept in ``vault_meta`` (None before migration 0007)."""
    value = conn.execute(
        text("SELECT value FROM vault_meta WHERE key = :k"), {"k": SEAL_KEY}
    ).scalar()
    return None if value is None else str(value)


def verify(conn: Connection) -> SealReport:
    """Recompute the seal over every record row and compare it with the one kept."""
    computed, rows = compute(conn)
    return SealReport(rows, held(conn), computed)


def _blob(value: object) -> str:
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(type(value).__name__)


#: The canonical form's encoder, made once: every record row written runs `row_digest` (json.dumps
#: with options makes a new encoder per call).
_CANONICAL = json_text.encoder(separators=(",", ":"), ensure_ascii=False, default=_blob)
