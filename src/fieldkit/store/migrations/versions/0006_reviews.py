"""Supervisor review: review decisions as records, and where synced records came from.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_type", sa.String(length=64), nullable=True),
        sa.Column("subject_id", sa.String(length=36), nullable=True),
        sa.Column("decision", sa.String(length=64), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.String(length=32), nullable=True),
        sa.Column("reviewer", sa.Text(), nullable=True),
        sa.Column("officer", sa.Text(), nullable=True),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("sensitivity", sa.String(length=64), nullable=True),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("updated_hlc", sa.String(length=96), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review")),
    )
    op.create_index("ix_review_subject_id", "review", ["subject_id"], unique=False)
    op.create_index("ix_review_decided_at", "review", ["decided_at"], unique=False)
    op.create_index("ix_review_officer", "review", ["officer"], unique=False)
    op.create_table(
        "record_origin",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=True),
        sa.Column("dated", sa.String(length=32), nullable=True),
        sa.Column("categories", sa.JSON(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=True),
        sa.Column("decided_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_record_origin")),
    )
    op.create_index("ix_record_origin_changed", "record_origin", ["changed_at"], unique=False)
    op.create_index("ix_record_origin_author", "record_origin", ["author"], unique=False)
    op.create_index(
        "ix_record_origin_waiting",
        "record_origin",
        ["changed_at", "record_type", "deleted", "author", "district", "dated", "categories"],
        unique=False,
        sqlite_where=sa.text(
            "(record_origin.decided_at IS NULL OR "
            "substr(record_origin.decided_at, 1, 19) < substr(record_origin.changed_at, 1, 19))"
        ),
    )
    for statement in _TRIGGERS:
        op.execute(statement)


_DECIDED = "(SELECT max(decided_at) FROM review WHERE subject_id = NEW.subject_id AND deleted = 0)"

#: Each decision is noted on the work it is about, so the review queue reads one table. (What
#: the queue filters on is copied onto `record_origin` when a record arrives, by the sync.)
_TRIGGERS = [
    f"CREATE TRIGGER review_{event.lower()}_decides AFTER {event} ON review BEGIN "  # noqa: S608 - names fixed in this file
    f"UPDATE record_origin SET decided_at = {_DECIDED} WHERE record_id = NEW.subject_id; END"
    for event in ("INSERT", "UPDATE")
]
