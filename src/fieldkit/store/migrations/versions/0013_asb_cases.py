"""ASB cases: the case, its parties, risk assessments and action plan, each a sealed record table.

Revision ID: 0013_asb_cases
Revises: 0012_abc_review

Frozen: the tables are written out here, not derived from today's record specs. New record
tables need seal triggers; the store installs them and recomputes the seal after the upgrade
(store/migrate.py).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013_asb_cases"
down_revision = "0012_abc_review"
branch_labels = None
depends_on = None

_ID = sa.String(length=36)
_CHOICE = sa.String(length=64)
_DATE = sa.String(length=10)
_AT = sa.String(length=32)

_TABLES: dict[str, tuple[tuple[str, sa.types.TypeEngine[Any]], ...]] = {
    "asb_case": (
        ("reference", sa.Text()),
        ("title", sa.Text()),
        ("category", _CHOICE),
        ("local_categories", sa.JSON()),
        ("district", _CHOICE),
        ("place_ids", sa.JSON()),
        ("owner", sa.Text()),
        ("lead_agency", _CHOICE),
        ("status", _CHOICE),
        ("outcome", sa.Text()),
        ("opened_on", _DATE),
        ("closed_on", _DATE),
        ("next_review_on", _DATE),
        ("visit_ids", sa.JSON()),
        ("warning_ids", sa.JSON()),
        ("signposting_ids", sa.JSON()),
        ("tenancy_case_ids", sa.JSON()),
        ("summary", sa.Text()),
        ("sensitivity", _CHOICE),
    ),
    "asb_party": (
        ("case_id", _ID),
        ("person_id", _ID),
        ("role", _CHOICE),
        ("agency_contacts", sa.JSON()),
        ("added_on", _DATE),
        ("district", _CHOICE),
        ("sensitivity", _CHOICE),
    ),
    "asb_risk_assessment": (
        ("case_id", _ID),
        ("person_id", _ID),
        ("matrix_id", sa.Text()),
        ("matrix_version", sa.Integer()),
        ("answers", sa.JSON()),
        ("score", sa.Integer()),
        ("band", _CHOICE),
        ("assessed_at", _AT),
        ("assessed_by", sa.Text()),
        ("reassess_by", _DATE),
        ("notes", sa.Text()),
        ("district", _CHOICE),
        ("sensitivity", _CHOICE),
    ),
    "asb_action": (
        ("case_id", _ID),
        ("what", sa.Text()),
        ("assignee", sa.Text()),
        ("agency", sa.Text()),
        ("due_on", _DATE),
        ("status", _CHOICE),
        ("outcome", sa.Text()),
        ("case_reference", sa.Text()),
        ("case_title", sa.Text()),
        ("district", _CHOICE),
        ("sensitivity", _CHOICE),
    ),
}
_INDEXES: dict[str, tuple[str, ...]] = {
    "asb_case": ("district", "status", "owner", "next_review_on"),
    "asb_party": ("case_id", "person_id"),
    "asb_risk_assessment": ("case_id",),
    "asb_action": ("case_id", "assignee", "due_on"),
}


def upgrade() -> None:
    for table, columns in _TABLES.items():
        op.create_table(
            table,
            sa.Column("id", _ID, nullable=False),
            *(sa.Column(name, kind, nullable=True) for name, kind in columns),
            sa.Column("versions", sa.JSON(), nullable=False),
            sa.Column("deleted", sa.Boolean(), nullable=False),
            sa.Column("updated_hlc", sa.String(length=96), nullable=False),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        )
        for column in _INDEXES[table]:
            op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
    # Covering: the high-risk cases are found without reading the assessments.
    op.create_index(
        "ix_asb_risk_assessment_band",
        "asb_risk_assessment",
        ["band", "deleted", "case_id", "person_id", "assessed_at", "updated_hlc"],
        unique=False,
    )


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.drop_table(table)
