"""Holdings kept as ranges of positions: purges still reach exactly the devices sent a record."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from fieldkit_server import accounts
from fieldkit_server.cli import main
from fieldkit_server.db import make_engine, run_in_transaction, session_factory
from fieldkit_server.models import Holding, HoldingRange, Record, RecordScope

from .conftest import Laptop, Team, visit


def _count(team: Team, model: Any) -> int:
    engine = make_engine(team.settings.db_url)
    try:
        with session_factory(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


def _change(laptop: Laptop, record: dict[str, Any], fields: dict[str, Any]) -> None:
    laptop.clock.advance(seconds=1)
    change = laptop.upsert(
        "visit",
        fields,
        record_id=record["id"],
        base=dict.fromkeys(fields, record["hlc"]),
    )
    assert laptop.push_one(change)["status"] == "applied"


def _large_pull_world(team: Team) -> tuple[Laptop, Laptop, Laptop, Laptop, list[dict[str, Any]]]:
    """Sue writes 600 visits; Oscar pulls them in pages; Lee pulled before they existed; Rob
    works in another district."""
    sue = team.laptop("sue", role="supervisor", districts=("huddersfield", "rural"))
    oscar = team.laptop("oscar")
    lee = team.laptop("lee")
    rob = team.laptop("rob", districts=("rural",))
    lee.sync()
    rob.sync()
    visits = [sue.upsert("visit", visit()) for _ in range(600)]
    for start in range(0, len(visits), 300):
        sue.push(*visits[start : start + 300])
    oscar.sync(limit=250)
    assert len(oscar.records) == 600
    return sue, oscar, lee, rob, visits


def test_a_large_pull_writes_a_range_not_a_row_per_record(team: Team) -> None:
    _large_pull_world(team)
    assert _count(team, Holding) == 0
    # Oscar's three pages widened one range; Lee and Rob pulled nothing.
    assert _count(team, HoldingRange) == 1


def test_a_record_restricted_after_a_range_kept_pull_is_purged_from_that_device_only(
    team: Team,
) -> None:
    sue, oscar, lee, rob, visits = _large_pull_world(team)
    target = visits[417]
    _change(sue, target, {"categories": ["hate_incident"]})
    # A later edit that leaves it restricted: the device is still told, from the earlier scope.
    _change(sue, target, {"narrative": "Follow-up noted"})

    assert oscar.sync() == [{"type": "visit", "id": target["id"]}]
    assert target["id"] not in oscar.records
    # Lee's range never covered the record (it came after his pull), Rob never could see it.
    assert lee.sync() == []
    assert target["id"] not in lee.records
    assert len(lee.records) == 599
    assert rob.sync() == []
    assert _count(team, RecordScope) == 1


def test_a_record_moved_out_of_district_after_a_range_kept_pull_is_purged_from_that_device_only(
    team: Team,
) -> None:
    sue, oscar, lee, rob, visits = _large_pull_world(team)
    target = visits[3]
    _change(sue, target, {"district": "rural"})

    assert oscar.sync() == [{"type": "visit", "id": target["id"]}]
    assert lee.sync() == []
    assert target["id"] not in lee.records
    # Rob may see it now: it arrives as a record, not a purge.
    assert rob.sync() == []
    assert set(rob.records) == {target["id"]}


def test_a_record_erased_after_a_range_kept_pull_reaches_that_device(
    team: Team, tmp_path: Path
) -> None:
    _, oscar, _, rob, visits = _large_pull_world(team)
    target = visits[599]
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text(
        json.dumps({"type": "visit", "id": target["id"], "decision": "erase", "reason": "due"})
        + "\n"
    )
    args = ["retention", "apply", "--decisions", str(decisions), "--db", team.settings.db_url]
    assert main(args, stdin=io.StringIO("")) == 0

    oscar.sync()
    assert oscar.records[target["id"]]["deleted"] is True
    assert oscar.records[target["id"]]["fields"] == {}
    assert rob.sync() == []
    assert rob.records == {}


def test_a_user_who_loses_a_district_after_a_range_kept_pull_purges_only_that_district(
    team: Team,
) -> None:
    olive = team.laptop("olive", districts=("huddersfield", "rural"))
    kept = [olive.upsert("visit", visit()) for _ in range(40)]
    gone = [olive.upsert("visit", visit(district="rural")) for _ in range(40)]
    olive.push(*kept, *gone)
    olive.sync(limit=25)
    engine = make_engine(team.settings.db_url)
    try:
        run_in_transaction(
            session_factory(engine),
            lambda s: accounts.set_user_districts(s, username="olive", districts=["huddersfield"]),
        )
    finally:
        engine.dispose()

    purged = olive.sync(limit=25)
    # (A later page of the same walk may name one again: the device knows the id already.)
    assert {p["id"] for p in purged} == {g["id"] for g in gone}
    assert set(olive.records) == {k["id"] for k in kept}
    # Once the device has pulled everything under its new scope, the old scope's range goes,
    # and a record it kept is still purged when it moves out of sight later.
    assert _count(team, HoldingRange) == 1
    sue = team.laptop("sue", role="supervisor", districts=("huddersfield", "rural"))
    _change(sue, kept[5], {"district": "rural"})
    assert olive.sync() == [{"type": "visit", "id": kept[5]["id"]}]


def test_every_record_gets_the_position_its_scope_began_at(team: Team) -> None:
    sue = team.laptop("sue", role="supervisor", districts=("huddersfield", "rural"))
    record = sue.upsert("visit", visit())
    sue.push(record)
    _change(sue, record, {"narrative": "Nothing in scope changed"})
    engine = make_engine(team.settings.db_url)
    try:
        with session_factory(engine)() as session:
            row = session.execute(select(Record.seq, Record.scope_seq)).one()
            assert (row.seq, row.scope_seq) == (2, 1)
    finally:
        engine.dispose()
    _change(sue, record, {"district": "rural"})
    engine = make_engine(team.settings.db_url)
    try:
        with session_factory(engine)() as session:
            row = session.execute(select(Record.seq, Record.scope_seq)).one()
            assert (row.seq, row.scope_seq) == (3, 3)
            [before] = session.execute(select(RecordScope)).scalars()
            assert (before.from_seq, before.to_seq, before.district) == (1, 2, "huddersfield")
    finally:
        engine.dispose()


def test_the_migration_keeps_held_records_and_dates_every_scope_from_its_position(
    db_url: str,
) -> None:
    from alembic import command
    from sqlalchemy import Boolean, Integer, String, column, insert, table

    from fieldkit_server.db import alembic_config, migrate

    engine = make_engine(db_url)
    old_records = table(
        "records",
        *(column(n, String) for n in ("id", "type", "district", "fields", "versions")),
        *(column(n, Boolean) for n in ("restricted", "deleted")),
        column("seq", Integer),
        *(column(n) for n in ("created_at", "updated_at")),
    )
    try:
        command.downgrade(alembic_config(engine), "0013_file_names")
        with engine.begin() as conn:
            conn.execute(
                insert(old_records).values(
                    id="0b8c2f4e-3c1a-4d59-9a52-6c3f3f0e8a11",
                    type="visit",
                    district="huddersfield",
                    fields="{}",
                    versions="{}",
                    restricted=False,
                    deleted=False,
                    seq=7,
                    created_at=datetime(2026, 11, 27, tzinfo=UTC),
                    updated_at=datetime(2026, 11, 27, tzinfo=UTC),
                )
            )
            # What a pull before ranges left: a row per record sent.
            conn.execute(
                insert(Holding.__table__).values(
                    device_id="5d0c7f34-7a53-4c0e-8f55-1f9f7f0b2a22",
                    record_id="0b8c2f4e-3c1a-4d59-9a52-6c3f3f0e8a11",
                )
            )
        migrate(engine)
        with session_factory(engine)() as session:
            assert session.execute(select(Record.seq, Record.scope_seq)).one() == (7, 7)
            assert session.scalar(select(func.count()).select_from(Holding)) == 1
            # A scope change from now on keeps the scope before it.
            session.execute(Record.__table__.update().values(district="rural", seq=8))
            session.commit()
            assert session.execute(select(Record.seq, Record.scope_seq)).one() == (8, 8)
            [before] = session.execute(select(RecordScope)).scalars()
            assert (before.from_seq, before.to_seq, before.district) == (7, 7, "huddersfield")
    finally:
        engine.dispose()
