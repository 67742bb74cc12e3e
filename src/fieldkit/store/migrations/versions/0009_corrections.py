"""Corrections: who made each version of a record, when and why (no field values kept here).

Revision ID: 0009_corrections
Revises: 0008_name_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_corrections"
down_revision = "0008_name_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_version",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("hlc", sa.String(length=96), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_record_version")),
    )
    op.create_index("ix_record_version_record_id", "record_version", ["record_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_record_version_record_id", table_name="record_version")
    op.drop_table("record_version")
