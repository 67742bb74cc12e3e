"""Records carry a digest of their version, so anti-entropy can compare copies in one scan.

Revision ID: 0003_record_digest
Revises: 0002
Create Date: 2026-12-06

The digest is `fieldkit.domain.digest.record_digest` over (type, id, deleted, versions). Existing
rows are filled in here, in batches, with this file's own copy of that function (a migration is
history and must not change when today's code does).
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0003_record_digest"
down_revision = "0002"
branch_labels = None
depends_on = None

_BATCH = 2000


def _digest(record_type: str, record_id: str, deleted: bool, versions: dict[str, str]) -> int:
    held = {} if deleted else {str(k): str(v) for k, v in versions.items()}
    canonical = json.dumps(
        [record_type, record_id.lower(), bool(deleted), held],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:8], "big") >> 2


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest", sa.BigInteger(), nullable=True))
    records = sa.table(
        "records",
        sa.column("id", sa.String),
        sa.column("type", sa.String),
        sa.column("deleted", sa.Boolean),
        sa.column("versions", sa.Text),
        sa.column("digest", sa.BigInteger),
    )
    conn = op.get_bind()
    after = ""
    while True:
        rows = conn.execute(
            sa.select(records.c.id, records.c.type, records.c.deleted, records.c.versions)
            .where(records.c.id > after)
            .order_by(records.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            records.update()
            .where(records.c.id == sa.bindparam("_id"))
            .values(digest=sa.bindparam("_digest")),
            [
                {
                    "_id": row.id,
                    "_digest": _digest(row.type, row.id, row.deleted, json.loads(row.versions)),
                }
                for row in rows
            ],
        )
        after = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("digest")
