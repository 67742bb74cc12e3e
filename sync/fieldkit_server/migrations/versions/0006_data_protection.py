"""Data protection: retention decisions, rights requests, and restriction of processing.

Revision ID: 0006_data_protection
Revises: 0005_restriction
Create Date: 2026-12-06

New tables for retention decisions and rights requests (subject access, rectification,
restriction), and ``records.processing_restricted``: false for every existing record.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_data_protection"
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

    op.create_table(
        "rights_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("extended_reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restricted_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_requests")),
    )
    op.create_index(
        op.f("ix_rights_requests_person_id"), "rights_requests", ["person_id"], unique=False
    )
    with op.batch_alter_table("records") as batch:
        batch.add_column(
            sa.Column(
                "processing_restricted", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("processing_restricted")
    op.drop_index(op.f("ix_rights_requests_person_id"), table_name="rights_requests")
    op.drop_table("rights_requests")
    op.drop_index(op.f("ix_retention_decisions_record_id"), table_name="retention_decisions")
    op.drop_table("retention_decisions")
