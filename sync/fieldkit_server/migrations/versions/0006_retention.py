"""Retention decisions: what the governance role decided for each record whose time was up.

Revision ID: 0006_retention
Revises: 0005_restriction
Create Date: 2026-12-06

A new table only; nothing existing changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_retention"
down_revision = "0005_restriction"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "retention_decisions",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_decisions")),
    )
    op.create_index(
        op.f("ix_retention_decisions_record_id"),
        "retention_decisions",
        ["record_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_retention_decisions_record_id"), table_name="retention_decisions")
    op.drop_table("retention_decisions")
