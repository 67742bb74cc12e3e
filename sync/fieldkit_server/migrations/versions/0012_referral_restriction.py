"""Referrals inherit the restriction of the visit, case or signposting they were made from.

Revision ID: 0012_referral_restriction
Revises: 0011_file_blobs
Create Date: 2026-12-06

Fills in ``record_links`` for the referrals already held (``source_id``) and marks restricted,
with a new commit position, every referral made from restricted work (and anything linked to
such a referral), so that the next pull of each device that holds one and may no longer see it
lists it for purge. Frozen: it reads only the tables, never the live policy.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0012_referral_restriction"
down_revision = "0011_file_blobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    referrals = conn.execute(
        sa.select(records.c.id, records.c.fields).where(
            records.c.type == "referral", records.c.deleted == sa.false()
        )
    ).all()
    stored = {(r.record_id, r.target_id) for r in conn.execute(sa.select(links_table)).all()}
    new_links = []
    for row in referrals:
        source = json.loads(row.fields).get("source_id")
        if isinstance(source, str) and source and (row.id, source) not in stored:
            new_links.append({"record_id": row.id, "target_id": source})
    if not new_links:
        return
    conn.execute(sa.insert(links_table), new_links)
    links: dict[str, set[str]] = {}
    for record_id, target_id in stored | {(x["record_id"], x["target_id"]) for x in new_links}:
        links.setdefault(record_id, set()).add(target_id)
    rows = conn.execute(
        sa.select(records.c.id, records.c.restricted).where(records.c.deleted == sa.false())
    ).all()
    restricted = {row.id: bool(row.restricted) for row in rows}
    # Tighten to a fixed point: each round marks the records linked to one more step of a chain.
    changed: list[str] = []
    for _round in range(len(links) + 1):
        newly = [
            r
            for r, targets in links.items()
            if r in restricted
            and not restricted[r]
            and any(restricted.get(t, False) for t in targets)
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
    # Referrals marked restricted stay restricted: lowering them is not a migration's call.
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "DELETE FROM record_links WHERE record_id IN "
            "(SELECT id FROM records WHERE type = 'referral')"
        )
    )
