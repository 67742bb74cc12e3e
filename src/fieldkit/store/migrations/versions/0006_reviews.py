"""Supervisor review: review decisions as records, and where synced records came from.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_type", sa.String(length=64), nullable=True),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("decision", sa.String(length=64), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.String(length=32), nullable=True),
        sa.Column("reviewer", sa.Text(), nullable=True),
        sa.Column("officer", sa.Text(), nullable=True),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_hlc", sa.String(length=96), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
    )
    op.create_index("ix_review_subject_id", "review", ["subject_id"], unique=False)
    op.create_index("ix_review_decided_at", "review", ["decided_at"], unique=False)
    op.create_index("ix_review_officer", "review", ["officer"], unique=False)
    op.create_table(
        "record_origin",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_record_origin")),
    )
    op.create_index("ix_record_origin_changed", "record_origin", ["changed_at"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("a vault is never migrated backwards")
