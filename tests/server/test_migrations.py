"""The server's migrations build exactly the schema its models describe, and step back down."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, select

from fieldkit_server.db import alembic_config, make_engine, migrate, schema_revision
from fieldkit_server.models import Base, Record, RecordLink, SyncClock


def test_the_migrated_schema_is_the_one_the_models_describe(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_the_addressee_column_comes_and_goes_with_its_migration(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
        assert schema_revision(engine) == head
        command.downgrade(alembic_config(engine), "0001")
        assert "addressee" not in {c["name"] for c in inspect(engine).get_columns("records")}
        migrate(engine)
        columns = {c["name"]: c for c in inspect(engine).get_columns(Record.__tablename__)}
        assert columns["addressee"]["nullable"]
    finally:
        engine.dispose()


def test_existing_users_get_an_empty_staff_number_with_its_migration(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        command.downgrade(alembic_config(engine), "0005_restriction")
        assert "staff_number" not in {c["name"] for c in inspect(engine).get_columns("users")}
        migrate(engine)
        columns = {c["name"]: c for c in inspect(engine).get_columns("users")}
        assert not columns["staff_number"]["nullable"]
    finally:
        engine.dispose()


def test_the_crime_tables_come_and_go_with_their_migration(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        command.downgrade(alembic_config(engine), "0007_staff_number")
        assert "recorded_crime" not in inspect(engine).get_table_names()
        migrate(engine)
        assert {"recorded_crime", "crime_months"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _row(
    record_id: str, record_type: str, seq: int, restricted: bool, **fields: str
) -> dict[str, object]:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    return {
        "id": record_id,
        "type": record_type,
        "district": "huddersfield",
        "restricted": restricted,
        "created_by": None,
        "addressee": None,
        "deleted": False,
        "deleted_hlc": None,
        "fields": json.dumps(fields),
        "versions": "{}",
        "seq": seq,
        "created_at": now,
        "updated_at": now,
    }


def test_upgrading_restricts_records_already_linked_to_restricted_work(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        command.downgrade(alembic_config(engine), "0002")
        visit_id, signposting_id, review_id = (str(uuid.uuid4()) for _ in range(3))

        records = Record.__table__
        with engine.begin() as conn:
            conn.execute(
                insert(records),
                [
                    _row(visit_id, "visit", 1, True, sensitivity="restricted"),
                    _row(signposting_id, "signposting", 2, False, visit_id=visit_id),
                    _row(review_id, "review", 3, False, subject_id=signposting_id),
                ],
            )
            conn.execute(SyncClock.__table__.update().values(last_seq=3))
        migrate(engine)
        with engine.connect() as conn:
            stored = {r.id: r for r in conn.execute(select(records))}
            links = set(conn.execute(select(RecordLink.record_id, RecordLink.target_id)))
            last_seq = conn.execute(select(SyncClock.last_seq)).scalar_one()
        assert stored[signposting_id].restricted
        assert stored[review_id].restricted
        assert {stored[signposting_id].seq, stored[review_id].seq} == {4, 5}
        assert last_seq == 5
        assert links == {(signposting_id, visit_id), (review_id, signposting_id)}
    finally:
        engine.dispose()


def test_upgrading_restricts_referrals_already_made_from_restricted_work(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        command.downgrade(alembic_config(engine), "0011_file_blobs")
        visit_id, referral_id, letter_id, open_visit_id, open_referral_id = (
            str(uuid.uuid4()) for _ in range(5)
        )
        records = Record.__table__
        with engine.begin() as conn:
            conn.execute(
                insert(records),
                [
                    _row(visit_id, "visit", 1, True, sensitivity="restricted"),
                    _row(referral_id, "referral", 2, False, source_id=visit_id),
                    _row(letter_id, "document", 3, False, subject_id=referral_id),
                    _row(open_visit_id, "visit", 4, False, sensitivity="standard"),
                    _row(open_referral_id, "referral", 5, False, source_id=open_visit_id),
                ],
            )
            conn.execute(
                insert(RecordLink.__table__), [{"record_id": letter_id, "target_id": referral_id}]
            )
            conn.execute(SyncClock.__table__.update().values(last_seq=5))
        migrate(engine)
        with engine.connect() as conn:
            stored = {r.id: r for r in conn.execute(select(records))}
            links = set(conn.execute(select(RecordLink.record_id, RecordLink.target_id)))
            last_seq = conn.execute(select(SyncClock.last_seq)).scalar_one()
        assert stored[referral_id].restricted
        assert stored[letter_id].restricted
        assert not stored[open_referral_id].restricted
        assert {stored[referral_id].seq, stored[letter_id].seq} == {6, 7}
        assert last_seq == 7
        assert (referral_id, visit_id) in links
        assert (open_referral_id, open_visit_id) in links
    finally:
        engine.dispose()
