"""Police recorded crime, imported by month and served to laptops as reference data.

Revision ID: 0010_recorded_crime
Revises: 0009_agreements
Create Date: 2026-12-06

Adds ``crime_months`` (one row per force and month, with the import sequence laptops fetch
after) and ``recorded_crime`` (the published rows).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_recorded_crime"
down_revision = "0009_agreements"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "crime_months",
        sa.Column("force", sa.String(length=200), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("seq", _BIG_ID, nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("force", "month", name="pk_crime_months"),
    )
    op.create_index("ix_crime_months_seq", "crime_months", ["seq"])
    op.create_table(
        "recorded_crime",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("force", sa.String(length=200), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("crime_type", sa.String(length=64), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lsoa_code", sa.String(length=9), nullable=False),
        sa.Column("crime_id", sa.String(length=128), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recorded_crime"),
    )
    op.create_index("ix_recorded_crime_force_month", "recorded_crime", ["force", "month"])


def downgrade() -> None:
    op.drop_index("ix_recorded_crime_force_month", table_name="recorded_crime")
    op.drop_table("recorded_crime")
    op.drop_index("ix_crime_months_seq", table_name="crime_months")
    op.drop_table("crime_months")
