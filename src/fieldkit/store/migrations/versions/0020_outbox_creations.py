"""Outbox creations by reference: a creation's outbox row holds no copy of the record.

Revision ID: 0020_outbox_creations
Revises: 0019_attachments

No table changes. From this revision on, a local creation's ``change_log`` row has the
operation ``create`` and empty ``fields``: its content is the record's first version, which the
record row (or its history, once the record has changed) holds, and the push reads it from
there. A build from before this revision would send such a row as it stands, so the revision
exists to make those builds refuse a vault that may hold one. Rows written before it keep
their copies and are sent as they always were.
"""

from __future__ import annotations

from alembic import op

revision = "0020_outbox_creations"
down_revision = "0019_attachments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change in the tables: the revision marks the outbox's new form."""


def downgrade() -> None:
    """Refused while the outbox holds creations not yet sent: older builds cannot send them."""
    waiting = op.get_bind().exec_driver_sql(
        "SELECT count(*) FROM change_log WHERE op = 'create' AND pushed_at IS NULL"
    )
    if waiting.scalar_one():
        raise RuntimeError("sync before downgrading: the outbox holds new records to send")
