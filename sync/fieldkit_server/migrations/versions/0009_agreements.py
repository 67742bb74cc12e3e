"""Information-sharing agreements, and the owning agency and categories of every record.

Revision ID: 0009_agreements
Revises: 0008_gazetteer
Create Date: 2026-12-06

Adds the ``agreements`` table and ``records.agency`` (the creator's agency), ``records.categories``
(``,a,b,``) and ``records.to_agency``, filled in for the records already held. Ships the worked
example's default agreement, which keeps the sharing council, police and housing had before
agreements were enforced; fire and the voluntary sector share only under agreements added later.
Frozen: the type list and the category fields are written out here.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009_agreements"
down_revision = "0008_gazetteer"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

DEFAULT_NAME = "Partnership core sharing (council, police, housing)"
_DEFAULT_TYPES = [
    "attachment",
    "person",
    "place",
    "visit",
    "warning",
    "signposting",
    "tenancy_case",
    "tenancy_note",
    "closure",
    "document",
    "review",
    "asb_case",
    "asb_party",
    "asb_risk_assessment",
    "asb_action",
    "community_trigger",
    "meeting",
    "referral",
]
_CATEGORY_FIELDS = {"visit": ("categories",), "asb_case": ("category", "local_categories")}


def _category_text(record_type: str, fields: dict[str, object]) -> str | None:
    found: set[str] = set()
    for name in _CATEGORY_FIELDS.get(record_type, ()):
        value = fields.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item:
                found.add(item)
    return "," + ",".join(sorted(found)) + "," if found else None


def upgrade() -> None:
    agreements = op.create_table(
        "agreements",
        sa.Column("id", _BIG_ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agencies", sa.Text(), nullable=False),
        sa.Column("types", sa.Text(), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("name", name=op.f("uq_agreements_name")),
    )
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("agency", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("categories", sa.Text(), nullable=True))
        batch.add_column(sa.Column("to_agency", sa.String(length=16), nullable=True))
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE records SET agency = "
            "(SELECT users.agency FROM users WHERE users.id = records.created_by)"
        )
    )
    rows = bind.execute(
        sa.text(
            "SELECT id, type, fields FROM records "
            "WHERE type IN ('visit', 'asb_case', 'referral') AND deleted = :no"
        ),
        {"no": False},
    ).all()
    for row in rows:
        fields = json.loads(row.fields)
        bind.execute(
            sa.text("UPDATE records SET categories = :c, to_agency = :t WHERE id = :id"),
            {
                "c": _category_text(row.type, fields),
                "t": fields.get("to_agency") if row.type == "referral" else None,
                "id": row.id,
            },
        )
    op.bulk_insert(
        agreements,
        [
            {
                "name": DEFAULT_NAME,
                "agencies": json.dumps(["council", "housing", "police"]),
                "types": json.dumps(sorted(_DEFAULT_TYPES)),
                "categories": "[]",
                "purpose": "Community safety casework across the partnership's districts",
                "basis": "Crime and Disorder Act 1998 s115; DPA 2018 Part 3 (law enforcement)",
                "start": date(2020, 1, 1),
                "end": None,
                "created_at": datetime(2026, 12, 6, tzinfo=UTC),
                "created_by": "migration 0009_agreements",
                "ended_at": None,
                "ended_by": None,
            }
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("to_agency")
        batch.drop_column("categories")
        batch.drop_column("agency")
    op.drop_table("agreements")
