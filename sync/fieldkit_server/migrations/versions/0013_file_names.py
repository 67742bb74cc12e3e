"""Which attachment records name which evidence files: the files' access check, by index.

Revision ID: 0013_file_names
Revises: 0012_referral_restriction
Create Date: 2026-12-06

Adds ``file_names`` (a live attachment record's ``sha256`` and ``thumbnail_sha256``), filled in
from the attachment records already held, so a file request finds the records naming its file
by index rather than by searching every attachment's fields.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0013_file_names"
down_revision = "0012_referral_restriction"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "file_names",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "sha256", name=op.f("pk_file_names")),
    )
    with op.batch_alter_table("file_names", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_file_names_sha256"), ["sha256"], unique=False)
    conn = op.get_bind()
    records = sa.table(
        "records",
        sa.column("id", sa.String),
        sa.column("type", sa.String),
        sa.column("deleted", sa.Boolean),
        sa.column("fields", sa.Text),
    )
    names = sa.table(
        "file_names", sa.column("record_id", sa.String), sa.column("sha256", sa.String)
    )
    rows = conn.execute(
        sa.select(records.c.id, records.c.fields).where(
            records.c.type == "attachment", records.c.deleted.is_(False)
        )
    ).all()
    found = set()
    for row in rows:
        fields = json.loads(row.fields)
        if not isinstance(fields, dict):
            continue
        for key in ("sha256", "thumbnail_sha256"):
            value = fields.get(key)
            if isinstance(value, str) and value:
                found.add((row.id, value))
    if found:
        conn.execute(sa.insert(names), [{"record_id": r, "sha256": d} for r, d in sorted(found)])


def downgrade() -> None:
    op.drop_table("file_names")
