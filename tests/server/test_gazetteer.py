"""The gazetteer on the server: imported all or nothing, re-imported by UPRN, served in pages."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from fieldkit_server.cli import main
from fieldkit_server.db import make_engine
from fieldkit_server.models import AuditEvent, GazetteerAddress

HEADER = "uprn,address,postcode,lat,lon\n"


def _import(db_url: str, path: Path, text: str) -> int:
    path.write_text(text, encoding="utf-8")
    return main(["gazetteer", "import", "--db", db_url, str(path)], stdin=io.StringIO(""))


def _rows(n: int, start: int = 1, street: str = "Kirkgate") -> str:
    return "".join(
        f'{u},"{u} {street}, Huddersfield",HD1 1AB,53.64{u % 100:02d},-1.78\n'
        for u in range(start, start + n)
    )


def _held(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(select(func.count()).select_from(GazetteerAddress)).scalar_one()
            )
    finally:
        engine.dispose()


def test_a_file_with_bad_rows_imports_nothing_and_lists_each(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = HEADER + _rows(3) + '4,"Private Lane",NOT A CODE,53.6,-1.7\n' + '5,"",HD1 1AB,99,-1.7\n'
    assert _import(db_url, tmp_path / "g.csv", text) == 1
    err = capsys.readouterr().err
    assert "g.csv: line 5, column postcode: is not a UK postcode" in err
    assert "g.csv: line 6, column address: is empty" in err
    assert "g.csv: line 6, column lat: is not a latitude in the UK" in err
    assert "2 bad rows; nothing imported" in err
    assert "Private Lane" not in err
    assert _held(db_url) == 0


def test_a_file_without_coordinates_is_refused_without_a_traceback(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _import(db_url, tmp_path / "g.csv", "uprn,address,postcode\n1,a,HD1 1AB\n") == 1
    assert "easting and northing, or lat and lon" in capsys.readouterr().err
    assert _held(db_url) == 0


def test_a_file_of_no_addresses_does_not_empty_the_gazetteer(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _import(db_url, tmp_path / "g.csv", HEADER + _rows(2)) == 0
    assert _import(db_url, tmp_path / "g.csv", HEADER) == 1
    assert "holds no addresses; nothing imported" in capsys.readouterr().err
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            removed = conn.execute(
                select(func.count()).where(GazetteerAddress.removed.is_(True))
            ).scalar_one()
    finally:
        engine.dispose()
    assert removed == 0


def test_an_import_is_logged_by_counts_only(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _import(db_url, tmp_path / "g.csv", HEADER + _rows(3)) == 0
    assert json.loads(capsys.readouterr().out) == {
        "added": 3,
        "updated": 0,
        "removed": 0,
        "unchanged": 0,
        "version": 3,
    }
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            [detail] = conn.execute(
                select(AuditEvent.detail).where(AuditEvent.action == "gazetteer_import")
            ).scalars()
    finally:
        engine.dispose()
    assert "Kirkgate" not in str(detail)


def test_pages_carry_every_change_once_then_only_what_a_reimport_changed(
    team: Any, tmp_path: Path
) -> None:
    db_url = team.settings.db_url
    laptop = team.laptop("olive")
    assert _import(db_url, tmp_path / "g.csv", HEADER + _rows(7)) == 0
    held: dict[str, list[Any]] = {}
    since, pages = 0, 0
    for _ in range(10):
        reply = team.client.get(f"/v1/gazetteer?since={since}&limit=3", headers=laptop.auth)
        assert reply.status_code == 200
        body = reply.json()
        assert body["columns"] == ["uprn", "address", "postcode", "lat", "lon", "landmark"]
        held.update({row[0]: row for row in body["rows"]})
        since, pages = body["next"], pages + 1
        if not body["more"]:
            break
    assert (len(held), since, pages) == (7, 7, 3)
    assert held["2"] == ["2", "2 Kirkgate, Huddersfield", "HD1 1AB", 53.6402, -1.78, ""]

    # 1 and 2 go, 3 changes, 8 is new; 4-7 are unchanged and do not travel again.
    assert _import(db_url, tmp_path / "g.csv", HEADER + _rows(1, 3, "Westgate") + _rows(5, 4)) == 0
    body = team.client.get(f"/v1/gazetteer?since={since}", headers=laptop.auth).json()
    assert [r[0] for r in body["rows"]] == ["3", "8"]
    assert body["rows"][0][1] == "3 Westgate, Huddersfield"
    assert sorted(body["removed"]) == ["1", "2"]
    assert body["more"] is False
    # A laptop starting afresh is sent no tombstones.
    fresh = team.client.get("/v1/gazetteer?since=0", headers=laptop.auth).json()
    assert fresh["removed"] == []
    assert sorted(r[0] for r in fresh["rows"]) == ["3", "4", "5", "6", "7", "8"]


def test_a_page_not_changed_since_is_not_sent_again(team: Any, tmp_path: Path) -> None:
    laptop = team.laptop("olive")
    assert _import(team.settings.db_url, tmp_path / "g.csv", HEADER + _rows(2)) == 0
    reply = team.client.get("/v1/gazetteer?since=0", headers=laptop.auth)
    etag = reply.headers["etag"]
    again = team.client.get("/v1/gazetteer?since=0", headers={**laptop.auth, "If-None-Match": etag})
    assert again.status_code == 304
    assert _import(team.settings.db_url, tmp_path / "g.csv", HEADER + _rows(3)) == 0
    changed = team.client.get(
        "/v1/gazetteer?since=0", headers={**laptop.auth, "If-None-Match": etag}
    )
    assert changed.status_code == 200


def test_a_laptop_ahead_of_the_server_is_told_to_start_again(team: Any, tmp_path: Path) -> None:
    laptop = team.laptop("olive")
    assert _import(team.settings.db_url, tmp_path / "g.csv", HEADER + _rows(2)) == 0
    body = team.client.get("/v1/gazetteer?since=500", headers=laptop.auth).json()
    assert body["reset"] is True


@pytest.mark.parametrize("query", ["since=-1", "since=x", "limit=0", "limit=20001"])
def test_a_bad_page_request_is_refused(team: Any, query: str) -> None:
    laptop = team.laptop("olive")
    assert team.client.get(f"/v1/gazetteer?{query}", headers=laptop.auth).status_code == 422


def test_the_gazetteer_needs_a_signed_in_device(team: Any) -> None:
    assert team.client.get("/v1/gazetteer").status_code == 401


def test_a_large_import_and_reimport_keep_every_address_once(db_url: str, tmp_path: Path) -> None:
    # Past one batch: PostgreSQL takes the rows by COPY, SQLite in batches of INSERTs.
    assert _import(db_url, tmp_path / "g.csv", HEADER + _rows(2500)) == 0
    assert _held(db_url) == 2500
    # 2301-2400 gone, 2401-2500 renamed, 2501-2600 new.
    changed = _rows(2300, 1) + _rows(200, 2401, "Westgate")
    assert _import(db_url, tmp_path / "g.csv", HEADER + changed) == 0
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            live = conn.execute(
                select(func.count()).where(GazetteerAddress.removed.is_(False))
            ).scalar_one()
            renamed = conn.execute(
                select(GazetteerAddress.address, GazetteerAddress.version).where(
                    GazetteerAddress.uprn == "2450"
                )
            ).one()
            top = conn.execute(select(func.max(GazetteerAddress.version))).scalar_one()
    finally:
        engine.dispose()
    assert live == 2500
    assert renamed.address == "2450 Westgate, Huddersfield"
    assert 2500 < renamed.version <= top == 2500 + 100 + 100 + 100
