"""Tenancy cases and closures in the app: a case's agencies and outcome, each step's facts.

Revision ID: 0011_closures
Revises: 0010_warnings

Frozen: the columns are written out here, not derived from today's record specs. Adding columns
to record tables changes their seal triggers, so the triggers are rebuilt and the seal
recomputed by the store after the upgrade (store/migrate.py).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011_closures"
down_revision = "0010_warnings"
branch_labels = None
depends_on = None

_CASE_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("agencies", sa.JSON()),
    ("outcome", sa.Text()),
    ("closed_at", sa.String(length=32)),
)
_CLOSURE_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("authorised_by", sa.Text()),
    ("authorised_rank", sa.Text()),
    ("notice_served_how", sa.String(length=64)),
    ("notice_served_on", sa.Text()),
    ("notice_permits", sa.Text()),
    ("court", sa.Text()),
    ("first_hearing_at", sa.String(length=32)),
    ("order_permits", sa.Text()),
    ("order_areas", sa.Text()),
    ("discharged_at", sa.String(length=32)),
    ("appealed_at", sa.String(length=32)),
)


def upgrade() -> None:
    for name, kind in _CASE_COLUMNS:
        op.add_column("tenancy_case", sa.Column(name, kind, nullable=True))
    for name, kind in _CLOSURE_COLUMNS:
        op.add_column("closure", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("closure") as batch:
        for name, _kind in reversed(_CLOSURE_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("tenancy_case") as batch:
        for name, _kind in reversed(_CASE_COLUMNS):
            batch.drop_column(name)
