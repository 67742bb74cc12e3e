"""Indexes for the intelligence pictures: warnings by issue date, closures by status, and one
covering index of visits by date holding every column the pictures read, so that counting a
year of visits never reads (and decrypts) the visit rows themselves, and one by id and date so
that a person's visits (through visit_person) are dated without reading the rows either.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_warning_issued_at", "warning", ["issued_at"], unique=False)
    op.create_index("ix_closure_status", "closure", ["status"], unique=False)
    op.create_index(
        "ix_visit_analytics",
        "visit",
        [
            "occurred_at",
            "district",
            "deleted",
            "sensitivity",
            "place_id",
            "categories",
            "person_ids",
        ],
        unique=False,
    )
    op.create_index(
        "ix_visit_id_occurred_at", "visit", ["id", "occurred_at", "deleted"], unique=False
    )


def downgrade() -> None:
    raise NotImplementedError("a vault is never migrated backwards")
