"""Attachments: the ``attachment`` record table and the content-addressed, chunked blob store.

Revision ID: 0019_attachments
Revises: 0018_referral

Frozen: the columns are written out here, not derived from today's record specs. The new
record table changes the seal triggers, so the store installs them (and recomputes the seal)
after the upgrade (store/migrate.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_attachments"
down_revision = "0018_referral"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_type", sa.String(length=64), nullable=True),
        sa.Column("owner_id", sa.String(length=36), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("media_type", sa.String(length=64), nullable=True),
        sa.Column("bytes", sa.Integer(), nullable=True),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("captured_by", sa.Text(), nullable=True),
        sa.Column("captured_at", sa.String(length=32), nullable=True),
        sa.Column("original_id", sa.String(length=36), nullable=True),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("sensitivity", sa.String(length=64), nullable=True),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_hlc", sa.String(length=96), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    for name in ("owner_id", "sha256"):
        op.create_index(f"ix_attachment_{name}", "attachment", [name], unique=False)
    op.create_table(
        "blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("uploaded", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blob")),
    )
    op.create_table(
        "blob_chunk",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["blob.sha256"],
            name=op.f("fk_blob_chunk_sha256_blob"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sha256", "idx", name=op.f("pk_blob_chunk")),
    )


def downgrade() -> None:
    op.drop_table("blob_chunk")
    op.drop_table("blob")
    op.drop_table("attachment")
