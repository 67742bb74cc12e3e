"""Warnings carry where, when, how served, comply-by and withdrawal; people carry risk markers.

Adds nullable columns only (old rows read as "not recorded"). The record-seal triggers list every
column of the table they guard, so the store reinstalls them after the upgrade (store/migrate.py).

Revision ID: 0010_warnings
Revises: 0009_corrections
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_warnings"
down_revision = "0009_corrections"
branch_labels = None
depends_on = None

_PERSON = (
    ("risk_markers", sa.JSON()),
    ("risk_notes", sa.Text()),
)
_WARNING = (
    ("occurred_at", sa.String(length=32)),
    ("place_label", sa.Text()),
    ("served_how", sa.String(length=64)),
    ("served_at", sa.String(length=32)),
    ("comply_by", sa.String(length=10)),
    ("period_ends", sa.String(length=10)),
    ("withdrawn_at", sa.String(length=32)),
    ("withdrawn_by", sa.Text()),
    ("withdrawal_reason", sa.Text()),
)


def upgrade() -> None:
    for table, columns in (("person", _PERSON), ("warning", _WARNING)):
        for name, kind in columns:
            op.add_column(table, sa.Column(name, kind, nullable=True))
