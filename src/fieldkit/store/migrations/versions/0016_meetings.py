"""Problem-solving group meetings, and actions that a meeting (not only a case) decides.

Revision ID: 0016_meetings
Revises: 0015_person_merge

Frozen: the columns are written out here, not derived from today's record specs. The new
table and the new columns change the seal triggers, so the store rebuilds them (and recomputes
the seal) after the upgrade (store/migrate.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_meetings"
down_revision = "0015_person_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("held_on", sa.String(length=10), nullable=True),
        sa.Column("chair", sa.Text(), nullable=True),
        sa.Column("attendees", sa.JSON(), nullable=True),
        sa.Column("agenda_items", sa.JSON(), nullable=True),
        sa.Column("decisions", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("previous_meeting_id", sa.String(length=36), nullable=True),
        sa.Column("sensitivity", sa.String(length=64), nullable=True),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_hlc", sa.String(length=96), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    for name in ("district", "held_on"):
        op.create_index(f"ix_meeting_{name}", "meeting", [name], unique=False)
    op.add_column("asb_action", sa.Column("meeting_id", sa.String(length=36), nullable=True))
    op.add_column("asb_action", sa.Column("decision", sa.Text(), nullable=True))
    op.create_index("ix_asb_action_meeting_id", "asb_action", ["meeting_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_asb_action_meeting_id", table_name="asb_action")
    with op.batch_alter_table("asb_action") as batch:
        batch.drop_column("decision")
        batch.drop_column("meeting_id")
    op.drop_index("ix_meeting_held_on", table_name="meeting")
    op.drop_index("ix_meeting_district", table_name="meeting")
    op.drop_table("meeting")
