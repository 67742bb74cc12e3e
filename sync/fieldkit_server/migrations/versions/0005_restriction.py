"""Records inherit the restriction of the work they link to; a laptop's vault node is bound.

Revision ID: 0005_restriction
Revises: 0004_device_attestation
Create Date: 2026-12-06

Adds ``record_links`` (which records link to which, for re-deriving dependents' restriction)
and ``devices.vault_node``. Existing records' links are filled in from their fields, and every
record linked to restricted work is marked restricted and given a new commit position, so that
the next pull of each device that holds one and may no longer see it lists it for purge.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0005_restriction"
down_revision = "0004_device_attestation"
branch_labels = None
depends_on = None

#: policy.LINK_FIELDS as it stood when this migration was written.
_LINK_FIELDS: dict[str, tuple[str, ...]] = {
    "warning": ("visit_id", "signposting_id"),
    "signposting": ("visit_id",),
    "document": ("subject_id",),
    "review": ("subject_id",),
    "tenancy_note": ("case_id",),
    "closure": ("case_id",),
}


def upgrade() -> None:
    op.create_table(
        "record_links",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("target_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "target_id", name=op.f("pk_record_links")),
    )
    with op.batch_alter_table("record_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_links_target_id"), ["target_id"], unique=False)
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vault_node", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_devices_vault_node"), ["vault_node"])
    _derive_existing()


def _derive_existing() -> None:
    conn = op.get_bind()
    records = sa.table(
        "records",
        sa.column("id", sa.String),
        sa.column("type", sa.String),
        sa.column("restricted", sa.Boolean),
        sa.column("deleted", sa.Boolean),
        sa.column("fields", sa.Text),
        sa.column("seq", sa.BigInteger),
    )
    links_table = sa.table(
        "record_links", sa.column("record_id", sa.String), sa.column("target_id", sa.String)
    )
    clock = sa.table(
        "sync_clock", sa.column("id", sa.Integer), sa.column("last_seq", sa.BigInteger)
    )
    rows = conn.execute(
        sa.select(
            records.c.id, records.c.type, records.c.restricted, records.c.deleted, records.c.fields
        )
    ).all()
    restricted = {row.id: bool(row.restricted) for row in rows}
    links: dict[str, set[str]] = {}
    for row in rows:
        if row.deleted or row.type not in _LINK_FIELDS:
            continue
        fields = json.loads(row.fields)
        targets = {
            str(fields[name])
            for name in _LINK_FIELDS[row.type]
            if isinstance(fields.get(name), str)
        }
        if targets:
            links[row.id] = targets
    if links:
        conn.execute(
            sa.insert(links_table),
            [{"record_id": r, "target_id": t} for r, targets in links.items() for t in targets],
        )
    # Tighten to a fixed point: each round marks the records linked to one more step of a chain.
    changed: list[str] = []
    for _round in range(len(links) + 1):
        newly = [
            r
            for r, targets in links.items()
            if not restricted[r] and any(restricted.get(t, False) for t in targets)
        ]
        if not newly:
            break
        for r in newly:
            restricted[r] = True
        changed.extend(newly)
    if not changed:
        return
    last_seq = conn.execute(sa.select(clock.c.last_seq).where(clock.c.id == 1)).scalar_one()
    for offset, record_id in enumerate(sorted(changed), start=1):
        conn.execute(
            sa.update(records)
            .where(records.c.id == record_id)
            .values(restricted=True, seq=last_seq + offset)
        )
    conn.execute(sa.update(clock).where(clock.c.id == 1).values(last_seq=last_seq + len(changed)))


def downgrade() -> None:
    # Records marked restricted by a link stay restricted: lowering them is not a migration's call.
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_devices_vault_node"), type_="unique")
        batch_op.drop_column("vault_node")
    with op.batch_alter_table("record_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_links_target_id"))
    op.drop_table("record_links")
