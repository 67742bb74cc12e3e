"""The address gazetteer: one row per UPRN, each change numbered so laptops fetch increments.

Revision ID: 0008_gazetteer
Revises: 0007_staff_number
Create Date: 2026-12-06

``gazetteer_address`` holds the partnership's imported addresses (reference data, no personal
data). ``version`` is the change number of the row's last change; a removed address stays as a
tombstone (``removed`` true, its text emptied) so a laptop that held it learns to drop it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_gazetteer"
down_revision = "0007_staff_number"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gazetteer_address",
        sa.Column("uprn", sa.String(length=12), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("landmark", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("uprn", name="pk_gazetteer_address"),
    )
    op.create_index("ix_gazetteer_address_version", "gazetteer_address", ["version"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_gazetteer_address_version", table_name="gazetteer_address")
    op.drop_table("gazetteer_address")
