"""The address gazetteer on the laptop: reference data fetched from the server, with its own index.

Revision ID: 0017_gazetteer
Revises: 0015_person_merge

Frozen: the table, its full-text index and the triggers that keep the index in step are written
out here. The gazetteer is reference data, not records: it is not sealed, not in the outbox, and
the server's copy is the truth (a laptop can always fetch it again from version 0).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_gazetteer"
down_revision = "0016_meetings"
branch_labels = None
depends_on = None

#: The words an address is found by: landmark, address, postcode with and without its space.
_INSERT = (
    "INSERT INTO gazetteer_search_index(rowid, body) VALUES (new.rowid, "
    "lower(new.landmark || ' ' || new.address || ' ' || new.postcode || ' ' || "
    "replace(new.postcode, ' ', ''))); "
)


def upgrade() -> None:
    op.create_table(
        "gazetteer_address",
        sa.Column("uprn", sa.String(length=12), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("landmark", sa.String(length=120), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("uprn", name=op.f("pk_gazetteer_address")),
    )
    # A pin on the map finds the nearest address by a box around it.
    op.create_index("ix_gazetteer_address_lat", "gazetteer_address", ["lat", "lon"], unique=False)
    # Keyed by the address row's rowid; the triggers below keep it in step.
    op.execute(
        "CREATE VIRTUAL TABLE gazetteer_search_index USING fts5("
        "body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    op.execute(
        "CREATE TRIGGER gazetteer_address_ai AFTER INSERT ON gazetteer_address BEGIN "
        + _INSERT
        + "END"
    )
    op.execute(
        "CREATE TRIGGER gazetteer_address_ad AFTER DELETE ON gazetteer_address BEGIN "
        "DELETE FROM gazetteer_search_index WHERE rowid = old.rowid; END"
    )
    update_sql = "DELETE FROM gazetteer_search_index WHERE rowid = old.rowid; " + _INSERT  # noqa: S608
    op.execute(
        "CREATE TRIGGER gazetteer_address_au AFTER UPDATE ON gazetteer_address BEGIN "
        + update_sql
        + "END"
    )


def downgrade() -> None:
    for trigger in ("gazetteer_address_au", "gazetteer_address_ad", "gazetteer_address_ai"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS gazetteer_search_index")
    op.drop_index("ix_gazetteer_address_lat", table_name="gazetteer_address")
    op.drop_table("gazetteer_address")
