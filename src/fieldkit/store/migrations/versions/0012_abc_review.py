"""Warnings carry an Acceptable Behaviour Contract's review date and when it was reviewed.

Revision ID: 0012_abc_review
Revises: 0011_closures

Frozen: the columns are written out here, not derived from today's record specs. Adding columns
to a record table changes its seal triggers, so the store reinstalls them after the upgrade
(store/migrate.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_abc_review"
down_revision = "0011_closures"
branch_labels = None
depends_on = None

_WARNING = (
    ("review_due", sa.String(length=10)),
    ("reviewed_at", sa.String(length=32)),
)


def upgrade() -> None:
    for name, kind in _WARNING:
        op.add_column("warning", sa.Column(name, kind, nullable=True))
