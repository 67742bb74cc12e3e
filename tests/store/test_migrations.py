"""The migrations build exactly the schema the code describes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, event

from fieldkit.store import seal
from fieldkit.store.migrate import upgrade
from fieldkit.store.schema import Base


def test_migrating_an_empty_database_gives_the_schema_the_models_describe(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")

    # The record seal's triggers call functions every vault connection registers (0007).
    @event.listens_for(engine, "connect")
    def _functions(dbapi_connection: Any, _record: Any) -> None:
        seal.register(dbapi_connection)

    with engine.begin() as conn:
        upgrade(conn)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # The full-text index is made by raw SQL and is not in the models.
    differences = [d for d in differences if "search_index" not in repr(d)]
    assert differences == []
