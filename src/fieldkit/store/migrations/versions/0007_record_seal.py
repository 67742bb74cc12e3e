"""Record seal: triggers keep a multiset hash of every record row, to catch spliced old pages.

Revision ID: 0007
Revises: 0006

Frozen: the table list and trigger text are copied here, not imported, so that this migration
builds the same triggers whatever the live code later becomes. The SQL functions it calls
(fieldkit_seal_row, fieldkit_seal_add, fieldkit_seal_sub) are registered on every vault
connection by the store (store/seal.py); their meaning is a contract that does not change.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TABLES = (
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
)
_KEY = "record_seal"
_MODULUS = 1 << 256


def _triggers(table: str, names: list[str]) -> list[str]:
    def row(which: str) -> str:
        return f"fieldkit_seal_row('{table}', " + ", ".join(f'{which}."{n}"' for n in names) + ")"

    where = f"WHERE key = '{_KEY}'"
    return [
        f'CREATE TRIGGER seal_{table}_insert AFTER INSERT ON "{table}" BEGIN '  # noqa: S608 - names from the schema
        f"UPDATE vault_meta SET value = fieldkit_seal_add(value, {row('NEW')}) {where}; END",
        f'CREATE TRIGGER seal_{table}_update AFTER UPDATE ON "{table}" BEGIN '  # noqa: S608 - names from the schema
        "UPDATE vault_meta SET value = "
        f"fieldkit_seal_add(fieldkit_seal_sub(value, {row('OLD')}), {row('NEW')}) {where}; END",
        f'CREATE TRIGGER seal_{table}_delete AFTER DELETE ON "{table}" BEGIN '  # noqa: S608 - names from the schema
        f"UPDATE vault_meta SET value = fieldkit_seal_sub(value, {row('OLD')}) {where}; END",
    ]


def upgrade() -> None:
    bind = op.get_bind()
    seal = 0
    for table in _TABLES:
        names = [r[1] for r in bind.exec_driver_sql(f'PRAGMA table_info("{table}")')]
        cells = ", ".join(f'"{n}"' for n in names)
        query = f"SELECT fieldkit_seal_row('{table}', {cells}) FROM \"{table}\""  # noqa: S608 - names from the schema
        for (digest,) in bind.exec_driver_sql(query):
            seal += int(digest, 16)
        for statement in _triggers(table, names):
            op.execute(statement)
    op.execute(f"DELETE FROM vault_meta WHERE key = '{_KEY}'")  # noqa: S608 - fixed text
    op.execute(
        f"INSERT INTO vault_meta (key, value) VALUES ('{_KEY}', '{seal % _MODULUS:064x}')"  # noqa: S608 - fixed text
    )
