"""Index an officer's visits by time, for the Today screen's "my recent visits".

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_visit_officer_occurred", "visit", ["officer_id", "occurred_at"], unique=False
    )


def downgrade() -> None:
    raise NotImplementedError("a vault is never migrated backwards")
