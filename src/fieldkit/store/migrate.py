"""Bringing a vault's schema up to date with alembic, on the vault's own connection.

Migrations are frozen: each holds its own SQL and never imports live code, so a migration does
the same thing whatever the code later becomes (`tests/store/test_migrations_frozen.py`). What
is *derived* from the records — the search index and the record seal's triggers, whose text
lists every column — is the live store's job: after the schema reaches head, `upgrade` rebuilds
whatever a migration left stale. A migration asks for a search rebuild by writing
`REBUILD_SEARCH` into `vault_meta`; seal triggers are compared with the tables as they stand.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from fieldkit.store import seal, search

SCRIPT_LOCATION = "fieldkit.store:migrations"

#: The `vault_meta` key a migration writes when the search index must be rebuilt from the records.
REBUILD_SEARCH = "rebuild_search"


def _config(conn: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if conn is not None:
        config.attributes["connection"] = conn
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection, target: str = "head") -> None:
    """Apply every migration up to `target` in the caller's transaction.

    At head, the derived data is then brought up to date (see the module's docstring). It trusts
    the rows, as migrations always have: run it only right after unlock's checks.
    """
    command.upgrade(_config(conn), target)
    if target == "head":
        refresh_derived(conn)


def refresh_derived(conn: Connection) -> None:
    """Rebuild what the migrations just applied left stale: the search index, the seal triggers."""
    asked = conn.execute(
        text("SELECT 1 FROM vault_meta WHERE key = :k"), {"k": REBUILD_SEARCH}
    ).first()
    if asked is not None:
        search.rebuild(conn)
        conn.execute(text("DELETE FROM vault_meta WHERE key = :k"), {"k": REBUILD_SEARCH})
    if seal.stale_triggers(conn):
        seal.install(conn)
