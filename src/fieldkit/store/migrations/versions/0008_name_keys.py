"""Name keys: finding a person whatever the spelling, and a date-of-birth index.

The keys are left empty here: they are made from the spelling-variant rules in force, which a
partnership may change between releases, so the vault fills them when it is next unlocked (as
it does whenever the rules change; store/name_index.py). The migration stays plain SQL.

Revision ID: 0008_name_keys
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_name_keys"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_name_key",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("key", "person_id", name=op.f("pk_person_name_key")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_person_name_key_person_id", "person_name_key", ["person_id"], unique=False)
    op.create_index("ix_person_date_of_birth", "person", ["date_of_birth"], unique=False)
    # No rules fingerprint yet: the next unlock makes every person's keys.
    op.execute("DELETE FROM vault_meta WHERE key = 'name_rules'")


def downgrade() -> None:
    op.drop_index("ix_person_date_of_birth", table_name="person")
    op.drop_index("ix_person_name_key_person_id", table_name="person_name_key")
    op.drop_table("person_name_key")
    op.execute("DELETE FROM vault_meta WHERE key = 'name_rules'")
