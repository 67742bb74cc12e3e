"""Holdings as ranges of commit positions per device and scope, with records' scope history.

Revision ID: 0014_holding_ranges
Revises: 0013_file_names
Create Date: 2026-12-06

A pull page used to insert a ``holdings`` row per record sent (a B-tree insert per record, the
largest cost of a full pull). Now a page widens one ``holding_ranges`` row for the device and
scope, and purges are found from those ranges and each record's scope history: ``record_scopes``
keeps a record's scope columns as they were before a change moved them, and
``records.scope_seq`` the position from which the present values hold. Both are kept by
triggers on ``records``, so no write path can forget them.

Existing ``holdings`` rows are kept as they are (they stay exact, and anti-entropy fetches
still add single rows); existing records get ``scope_seq = seq``, which is exact for every
range served from now on (no older version of a record can be served any more).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_holding_ranges"
down_revision = "0013_file_names"
branch_labels = None
depends_on = None

#: The columns the pull's visibility rule reads, besides the id and positions.
_SCOPE = (
    "type",
    "district",
    "restricted",
    "created_by",
    "addressee",
    "processing_restricted",
    "agency",
    "categories",
    "to_agency",
)


def upgrade() -> None:
    op.add_column("records", sa.Column("scope_seq", sa.BigInteger(), nullable=True))
    op.execute("UPDATE records SET scope_seq = seq")
    op.create_table(
        "record_scopes",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("from_seq", sa.BigInteger(), nullable=False),
        sa.Column("to_seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=True),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("addressee", sa.String(length=36), nullable=True),
        sa.Column("processing_restricted", sa.Boolean(), nullable=False),
        sa.Column("agency", sa.String(length=16), nullable=True),
        sa.Column("categories", sa.Text(), nullable=True),
        sa.Column("to_agency", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_scopes")),
    )
    op.create_index(op.f("ix_record_scopes_record_id"), "record_scopes", ["record_id"])
    op.create_table(
        "holding_ranges",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("principal", sa.Text(), nullable=False),
        sa.Column("after_seq", sa.BigInteger(), nullable=False),
        sa.Column("upto_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "scope", name=op.f("pk_holding_ranges")),
    )
    columns = ", ".join(_SCOPE)
    old = ", ".join(f"OLD.{c}" for c in _SCOPE)
    new = ", ".join(f"NEW.{c}" for c in _SCOPE)
    # Built only from the fixed column names above, never from data.
    history = (
        f"INSERT INTO record_scopes (record_id, from_seq, to_seq, {columns}) "  # noqa: S608
        f"VALUES (OLD.id, COALESCE(OLD.scope_seq, 0), OLD.seq, {old});"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION records_scope_history() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    NEW.scope_seq := NEW.seq;
                    RETURN NEW;
                END IF;
                IF ({old}) IS DISTINCT FROM ({new}) THEN
                    {history}
                    NEW.scope_seq := NEW.seq;
                ELSE
                    NEW.scope_seq := OLD.scope_seq;
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER records_scope_history BEFORE INSERT OR UPDATE ON records "
            "FOR EACH ROW EXECUTE FUNCTION records_scope_history()"
        )
        return
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _SCOPE)
    op.execute(
        "CREATE TRIGGER records_scope_new AFTER INSERT ON records FOR EACH ROW "
        "BEGIN UPDATE records SET scope_seq = NEW.seq WHERE id = NEW.id; END"
    )
    op.execute(
        f"CREATE TRIGGER records_scope_history AFTER UPDATE ON records FOR EACH ROW "  # noqa: S608
        f"WHEN {changed} BEGIN {history} "
        "UPDATE records SET scope_seq = NEW.seq WHERE id = NEW.id; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER records_scope_history ON records")
        op.execute("DROP FUNCTION records_scope_history()")
    else:
        op.execute("DROP TRIGGER records_scope_history")
        op.execute("DROP TRIGGER records_scope_new")
    op.drop_table("holding_ranges")
    op.drop_index(op.f("ix_record_scopes_record_id"), table_name="record_scopes")
    op.drop_table("record_scopes")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("scope_seq")
