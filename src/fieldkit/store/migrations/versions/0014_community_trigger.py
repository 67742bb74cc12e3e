"""Community Trigger applications, and the vulnerability check on warnings and closure steps.

Revision ID: 0014_community_trigger
Revises: 0013_asb_cases

Frozen: the columns are written out here, not derived from today's record specs. The new
table and the new columns change the seal triggers, so the store rebuilds them (and recomputes
the seal) after the upgrade (store/migrate.py).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014_community_trigger"
down_revision = "0013_asb_cases"
branch_labels = None
depends_on = None

_CHECK_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("vulnerability_considered", sa.Boolean()),
    ("vulnerabilities", sa.JSON()),
    ("safeguarding_referral", sa.Boolean()),
    ("no_referral_reason", sa.Text()),
)


def upgrade() -> None:
    op.create_table(
        "community_trigger",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("applicant_id", sa.String(length=36), nullable=True),
        sa.Column("received_on", sa.String(length=10), nullable=True),
        sa.Column("account", sa.Text(), nullable=True),
        sa.Column("visit_ids", sa.JSON(), nullable=True),
        sa.Column("case_id", sa.String(length=36), nullable=True),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("threshold_met", sa.Boolean(), nullable=True),
        sa.Column("threshold_reason", sa.Text(), nullable=True),
        sa.Column("decision_due", sa.String(length=10), nullable=True),
        sa.Column("decided_on", sa.String(length=10), nullable=True),
        sa.Column("meeting_at", sa.String(length=32), nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=True),
        sa.Column("recommendations", sa.JSON(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("outcome_sent_at", sa.String(length=32), nullable=True),
        sa.Column("sensitivity", sa.String(length=64), nullable=True),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_hlc", sa.String(length=96), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_community_trigger")),
    )
    for name in ("applicant_id", "district", "decision_due"):
        op.create_index(f"ix_community_trigger_{name}", "community_trigger", [name], unique=False)
    for table in ("warning", "closure"):
        for name, kind in _CHECK_COLUMNS:
            op.add_column(table, sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for table in ("closure", "warning"):
        with op.batch_alter_table(table) as batch:
            for name, _kind in reversed(_CHECK_COLUMNS):
                batch.drop_column(name)
    op.drop_table("community_trigger")
