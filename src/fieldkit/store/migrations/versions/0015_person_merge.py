"""People carry ``merged_into``: the record a merged duplicate now redirects to.

Revision ID: 0015_person_merge
Revises: 0014_community_trigger

Frozen: the column is written out here, not derived from today's record specs. Adding a column
to a record table changes its seal triggers, so the store reinstalls them after the upgrade
(store/migrate.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_person_merge"
down_revision = "0014_community_trigger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("person", sa.Column("merged_into", sa.String(length=36), nullable=True))


def downgrade() -> None:
    op.drop_column("person", "merged_into")
