"""Keep printed documents' PDFs inside the vault.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_file",
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_file")),
    )


def downgrade() -> None:
    raise NotImplementedError("a vault is never migrated backwards")
