"""The server's migrations build exactly the schema its models describe, and step back down."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from fieldkit_server.db import alembic_config, make_engine, migrate, schema_revision
from fieldkit_server.models import Base, Record


def test_the_migrated_schema_is_the_one_the_models_describe(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_the_addressee_column_comes_and_goes_with_its_migration(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert schema_revision(engine) == "0003_restriction"
        command.downgrade(alembic_config(engine), "0001")
        assert "addressee" not in {c["name"] for c in inspect(engine).get_columns("records")}
        migrate(engine)
        columns = {c["name"]: c for c in inspect(engine).get_columns(Record.__tablename__)}
        assert columns["addressee"]["nullable"]
    finally:
        engine.dispose()
