"""Users carry a staff or collar number, which letters and bundles are signed with.

Revision ID: 0007_staff_number
Revises: 0006_data_protection
Create Date: 2026-12-06

Adds ``users.staff_number`` (empty for existing users; set with ``fieldkit-server user set
--staff-number``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_staff_number"
down_revision = "0006_data_protection"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("staff_number", sa.String(length=40), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("staff_number")
