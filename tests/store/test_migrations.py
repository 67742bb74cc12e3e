"""The migrations build exactly the schema the code describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event

from fieldkit.store import seal
from fieldkit.store.migrate import upgrade
from fieldkit.store.schema import Base


def _plain_engine(path: Path) -> Engine:
    """A plain SQLite database that can hold the vault's schema."""
    engine = create_engine(f"sqlite:///{path}")

    # The record seal's triggers call functions every vault connection registers (0007).
    @event.listens_for(engine, "connect")
    def _functions(dbapi_connection: Any, _record: Any) -> None:
        seal.register(dbapi_connection)

    return engine


def test_migrating_an_empty_database_gives_the_schema_the_models_describe(tmp_path: Path) -> None:
    engine = _plain_engine(tmp_path / "plain.db")
    with engine.begin() as conn:
        upgrade(conn)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The full-text index is made by raw SQL and is not in the models.
    differences = [d for d in differences if "search_index" not in repr(d)]
    assert differences == []


def test_a_vault_with_new_records_still_to_send_cannot_go_back_past_outbox_creations(
    tmp_path: Path,
) -> None:
    from alembic import command
    from sqlalchemy import text

    from fieldkit.store.migrate import _config

    engine = _plain_engine(tmp_path / "plain.db")
    with engine.begin() as conn:
        upgrade(conn)
        conn.execute(
            text(
                "INSERT INTO change_log (change_id, record_type, record_id, op, hlc, fields, "
                "base, created_at) VALUES ('c1', 'person', 'p1', 'create', 'h', '{}', '{}', 't')"
            )
        )
    # Builds before 0020 would send the row as it stands, with no fields.
    with engine.begin() as conn, pytest.raises(RuntimeError, match="sync before downgrading"):
        command.downgrade(_config(conn), "0019_attachments")
    with engine.begin() as conn:
        conn.execute(text("UPDATE change_log SET pushed_at = 't2'"))
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0019_attachments")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "0019_attachments"
        )
