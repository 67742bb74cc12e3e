"""Device attestation: acknowledged laptop heads, numbered audit events, and device alerts.

Revision ID: 0004_device_attestation
Revises: 0003_record_digest
Create Date: 2026-12-06

New tables only; nothing existing changes. Devices start with no acknowledged head (the next
sync acknowledges one), and audit events stored before this revision carry no chain number.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_device_attestation"
down_revision = "0003_record_digest"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "device_heads",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("audit_count", sa.BigInteger(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_device_heads_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_heads")),
    )
    op.create_table(
        "audit_chain_links",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_audit_chain_links")),
    )
    op.create_index(
        "ix_audit_chain_links_device_position",
        "audit_chain_links",
        ["device_id", "position"],
        unique=False,
    )
    op.create_table(
        "device_alerts",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_count", sa.BigInteger(), nullable=True),
        sa.Column("acknowledged_hash", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_seq", sa.BigInteger(), nullable=True),
        sa.Column("shown_count", sa.BigInteger(), nullable=True),
        sa.Column("shown_hash", sa.String(length=64), nullable=True),
        sa.Column("shown_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_alerts")),
    )
    with op.batch_alter_table("device_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_alerts_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_device_alerts_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("device_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_alerts_user_id"))
        batch_op.drop_index(batch_op.f("ix_device_alerts_device_id"))
    op.drop_table("device_alerts")
    op.drop_index("ix_audit_chain_links_device_position", table_name="audit_chain_links")
    op.drop_table("audit_chain_links")
    op.drop_table("device_heads")
