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
        ["changed_at", "record_type", "deleted", "author", "district", "dated"],
        unique=False,
        sqlite_where=sa.text(
            "(record_origin.decided_at IS NULL OR "
            "substr(record_origin.decided_at, 1, 19) < substr(record_origin.changed_at, 1, 19))"
        ),
    )
    for statement in _TRIGGERS:
        op.execute(statement)


#: What each kind of reviewable work is dated by, and where its categories come from.
_DESCRIBE = {
    "visit": (
        "SELECT district, occurred_at, categories, deleted FROM visit WHERE id = NEW.record_id"
    ),
    "warning": (
        "SELECT w.district, w.issued_at, v.categories, w.deleted FROM warning AS w "
        "LEFT JOIN visit AS v ON v.id = w.visit_id WHERE w.id = NEW.record_id"
    ),
    "signposting": (
        "SELECT s.district, s.given_at, v.categories, s.deleted FROM signposting AS s "
        "LEFT JOIN visit AS v ON v.id = s.visit_id WHERE s.id = NEW.record_id"
    ),
    "tenancy_note": (
        "SELECT district, written_at, NULL, deleted FROM tenancy_note WHERE id = NEW.record_id"
    ),
    "closure": (
        "SELECT district, notice_served_at, NULL, deleted FROM closure WHERE id = NEW.record_id"
    ),
    "document": "SELECT district, printed_at, NULL, deleted FROM document WHERE id = NEW.record_id",
}
_DECIDED = "(SELECT max(decided_at) FROM review WHERE subject_id = {subject} AND deleted = 0)"

#: The review queue reads one table: each arrival copies what the queue filters on out of the
#: record (the record is written before its origin), and each decision is noted on its work.
_TRIGGERS = [
    *(
        f"CREATE TRIGGER record_origin_{event.lower()}_{kind} AFTER {event}{column} "  # noqa: S608 - names fixed in this file
        f"ON record_origin WHEN NEW.record_type = '{kind}' BEGIN "
        "UPDATE record_origin SET (district, dated, categories, deleted) = "
        f"({query}), decided_at = {_DECIDED.format(subject='NEW.record_id')} "
        "WHERE record_id = NEW.record_id; END"
        for kind, query in _DESCRIBE.items()
        for event, column in (("INSERT", ""), ("UPDATE", " OF changed_at"))
    ),
    *(
        f"CREATE TRIGGER review_{event.lower()}_decides AFTER {event} ON review BEGIN "  # noqa: S608 - names fixed in this file
        f"UPDATE record_origin SET decided_at = {_DECIDED.format(subject='NEW.subject_id')} "
        "WHERE record_id = NEW.subject_id; END"
        for event in ("INSERT", "UPDATE")
    ),
]


def downgrade() -> None:
    raise NotImplementedError("a vault is never migrated backwards")
