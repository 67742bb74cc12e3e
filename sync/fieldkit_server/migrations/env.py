"""Alembic environment: runs against the engine the server hands over, never a config file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from fieldkit_server.models import Base

_engine = context.config.attributes["engine"]
assert isinstance(_engine, Engine)

with _engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
