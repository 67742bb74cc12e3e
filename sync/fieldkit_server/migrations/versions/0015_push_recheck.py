"""A function a push calls to abandon its quick commit when what it read before the lock changed.

Revision ID: 0015_push_recheck
Revises: 0014_holding_ranges
Create Date: 2026-12-06

A small push sends its last writes, the commit clock's lock and its commit in one round trip
(``fieldkit_server.push.quick``). The statement after the lock re-reads what the push decided
from before it (links to its records, the records its records link to, restrictions of
processing) and, if any of it is there, calls ``push_recheck_failed()``: the transaction fails
as a serialisation failure, nothing is committed, and the push is run again the ordinary way.
PostgreSQL only (on SQLite a push always takes the ordinary way).
"""

from __future__ import annotations

from alembic import op

revision = "0015_push_recheck"
down_revision = "0014_holding_ranges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION push_recheck_failed() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            RAISE EXCEPTION 'what the push read before taking the commit clock has changed'
                USING ERRCODE = 'serialization_failure';
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION push_recheck_failed()")
