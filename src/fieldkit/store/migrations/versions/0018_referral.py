"""Referrals to partner agencies and directory services, with consent and the partner's answer.

Revision ID: 0018_referral
Revises: 0017_gazetteer

Frozen: the columns are written out here, not derived from today's record specs. A new record
table changes the seal triggers, so the store rebuilds them (and recomputes the seal) after
the upgrade (store/migrate.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_referral"
down_revision = "0017_gazetteer"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "referral",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source_type", sa.String(length=64), nullable=True),
        sa.Column("source_id", sa.String(length=36), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("to_agency", sa.String(length=64), nullable=True),
        sa.Column("to_service_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("urgency", sa.String(length=64), nullable=True),
        sa.Column("consent", sa.String(length=64), nullable=True),
        sa.Column("lawful_exception", sa.String(length=64), nullable=True),
        sa.Column("referred_by", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.String(length=32), nullable=True),
        sa.Column("respond_by", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("responded_at", sa.String(length=32), nullable=True),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_hlc", sa.String(length=96), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    for name in ("source_id", "person_id", "district", "status"):
        op.create_index(f"ix_referral_{name}", "referral", [name], unique=False)


def downgrade() -> None:
    op.drop_table("referral")
