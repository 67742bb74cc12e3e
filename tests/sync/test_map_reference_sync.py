"""Outlines and recorded crime reach a laptop's vault by sync, and a re-imported month replaces."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import update
from tests.sync.conftest import Server

from fieldkit.domain.crime import HEADER
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.store import reference_data, replica
from fieldkit_server import cli as server_cli
from fieldkit_server.models import RecordedCrime

FORCE = "West Yorkshire Police"


def _import(server: Server, path: Path, *rows: tuple[str, str]) -> None:
    lines = [
        f",{month},{FORCE},{FORCE},-1.785,53.645,On or near X,E01011100,Kirklees 1,{kind},,"
        for month, kind in rows
    ]
    path.write_text(",".join(HEADER) + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    assert server_cli.main(["crime", "import", "--db", server.admin.db_url, str(path)]) == 0


def _held(laptop: Any) -> list[tuple[str, str, int]]:
    with laptop.open().read() as conn:
        return [(p.month, p.crime_type, p.count) for p in reference_data.crime_points(conn)]


def test_a_laptop_holds_outlines_and_crime_and_takes_only_what_changed(
    sqlite_server: Server, laptops: Callable[..., Any], tmp_path: Path
) -> None:
    sqlite_server.admin.add_user("olive")
    _import(sqlite_server, tmp_path / "a.csv", *[("2026-01", "Shoplifting")] * 3)
    laptop = laptops("olive-laptop", "olive", sqlite_server.url)
    laptop.sync()
    assert _held(laptop) == [("2026-01", "Shoplifting", 3)]
    with laptop.open().read() as conn:
        outlines = reference_data.held_boundaries(conn)
        first_cursor = replica.get_state(conn, "crime_seq")
    assert outlines is not None
    assert any(f["properties"].get("LAD24CD") == "rural" for f in outlines["features"])

    _import(sqlite_server, tmp_path / "b.csv", ("2026-01", "Robbery"), ("2026-02", "Burglary"))
    laptop.sync()
    assert _held(laptop) == [("2026-01", "Robbery", 1), ("2026-02", "Burglary", 1)]
    with laptop.open().read() as conn:
        assert replica.get_state(conn, "crime_seq") > first_cursor


def test_crime_rewritten_in_the_servers_database_out_of_range_is_not_taken(
    sqlite_server: Server, laptops: Callable[..., Any], tmp_path: Path
) -> None:
    sqlite_server.admin.add_user("olive")
    _import(sqlite_server, tmp_path / "a.csv", ("2026-01", "Shoplifting"))
    # Someone with the database moves a crime off the globe.
    sqlite_server.admin._run(lambda s: s.execute(update(RecordedCrime).values(lon=500.0)))
    laptop = laptops("olive-laptop", "olive", sqlite_server.url)
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OFFLINE  # "the reply was damaged"
    assert _held(laptop) == []
    with laptop.open().read() as conn:
        assert not replica.get_state(conn, "crime_seq")
