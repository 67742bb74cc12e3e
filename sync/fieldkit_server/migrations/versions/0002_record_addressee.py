"""Records name the user they are addressed to, who sees them even when restricted.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

Existing rows are left null: no stored record is both restricted and addressed yet (reviews,
the only addressed type, could not be restricted before), and the next accepted change to a
review fills its addressee in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("addressee", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("addressee")
