"""Full-text search, drafts, and the visit-person link for fast timelines.

Frozen: the index's SQL is copied here. Filling it is the live store's job (it knows today's
searchable fields), so the migration only asks for it (`rebuild_search`, store/migrate.py).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draft",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_draft")),
    )
    op.create_table(
        "search_doc",
        sa.Column("rowid", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("rowid", name=op.f("pk_search_doc")),
        sa.UniqueConstraint("record_id", name=op.f("uq_search_doc_record_id")),
    )
    op.create_table(
        "visit_person",
        sa.Column("visit_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_visit_person_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("visit_id", "person_id", name=op.f("pk_visit_person")),
    )
    op.create_index(op.f("ix_visit_person_person_id"), "visit_person", ["person_id"], unique=False)
    op.execute(
        "INSERT INTO visit_person (visit_id, person_id) "
        "SELECT DISTINCT visit.id, j.value FROM visit, json_each(visit.person_ids) AS j"
    )
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    op.execute("INSERT INTO vault_meta (key, value) VALUES ('rebuild_search', 'yes')")


def downgrade() -> None:
    raise NotImplementedError("a vault is never migrated backwards")
