"""Recorded crime: `fieldkit-server crime import`, and the boundaries and crime reference data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fieldkit.domain.crime import HEADER
from fieldkit_server import cli as server_cli

FORCE = "West Yorkshire Police"


def _row(
    month: str, crime_type: str = "Shoplifting", lon: str = "-1.78501", lat: str = "53.64502"
) -> str:
    place = "On or near New Street,E01011100,Kirklees 027A"
    return f",{month},{FORCE},{FORCE},{lon},{lat},{place},{crime_type},,"


def _file(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text(",".join(HEADER) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _import(db_url: str, path: Path) -> int:
    return server_cli.main(["crime", "import", "--db", db_url, str(path)])


def test_imported_crime_reaches_laptops_counted_by_point(
    team: Any, settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop = team.laptop("olive")
    rows = [_row("2026-01")] * 3 + [_row("2026-01", "Burglary"), _row("2026-02", lon="", lat="")]
    assert _import(settings.db_url, _file(tmp_path, "jan.csv", *rows)) == 0
    assert "imported 5 crimes in 2 force-months" in capsys.readouterr().err
    body = team.client.get("/v1/reference/crime", headers=laptop.auth).json()
    assert body["more"] is False
    jan, feb = body["months"]
    assert (jan["month"], jan["force"]) == ("2026-01", FORCE)
    assert jan["points"] == [
        ["Burglary", -1.78501, 53.64502, 1],
        ["Shoplifting", -1.78501, 53.64502, 3],
    ]
    assert feb["points"] == []
    assert feb["unplaced"] == {"Shoplifting": 1}
    cursor = body["seq"]
    none_new = team.client.get(f"/v1/reference/crime?since={cursor}", headers=laptop.auth).json()
    assert none_new["months"] == []
    assert none_new["seq"] == cursor


def test_reimporting_a_month_replaces_it_and_only_it(
    team: Any, settings: Any, tmp_path: Path
) -> None:
    laptop = team.laptop("olive")
    assert _import(settings.db_url, _file(tmp_path, "a.csv", _row("2026-01"), _row("2026-02"))) == 0
    cursor = team.client.get("/v1/reference/crime", headers=laptop.auth).json()["seq"]
    again = _file(tmp_path, "b.csv", *[_row("2026-02", "Robbery")] * 2)
    assert _import(settings.db_url, again) == 0
    body = team.client.get(f"/v1/reference/crime?since={cursor}", headers=laptop.auth).json()
    assert [(m["month"], m["points"]) for m in body["months"]] == [
        ("2026-02", [["Robbery", -1.78501, 53.64502, 2]])
    ]
    whole = team.client.get("/v1/reference/crime", headers=laptop.auth).json()
    assert [m["month"] for m in whole["months"]] == ["2026-01", "2026-02"]


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row(
    team: Any, settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop = team.laptop("olive")
    path = _file(
        tmp_path, "bad.csv", _row("2026-01"), _row("Jan 2026"), _row("2026-01", "Shop theft")
    )
    assert _import(settings.db_url, path) == 1
    err = capsys.readouterr().err
    assert "refused: row 3: Month is not YYYY-MM" in err
    assert "refused: row 4: Crime type is not a published crime type" in err
    assert "2 bad row(s); nothing imported" in err
    assert "New Street" not in err
    body = team.client.get("/v1/reference/crime", headers=laptop.auth).json()
    assert body["months"] == []


def test_crime_pages_never_split_an_import(team: Any, settings: Any, tmp_path: Path) -> None:
    laptop = team.laptop("olive")
    first = [_row(f"2024-{m:02d}") for m in range(1, 13)] + [
        _row(f"2025-{m:02d}") for m in range(1, 13)
    ]
    assert _import(settings.db_url, _file(tmp_path, "two-years.csv", *first)) == 0
    assert _import(settings.db_url, _file(tmp_path, "next.csv", _row("2026-01"))) == 0
    assert _import(settings.db_url, _file(tmp_path, "again.csv", _row("2026-02"))) == 0
    seen: list[str] = []
    cursor = 0
    for _ask in range(5):
        body = team.client.get(f"/v1/reference/crime?since={cursor}", headers=laptop.auth).json()
        seen += [m["month"] for m in body["months"]]
        cursor = body["seq"]
        if not body["more"]:
            break
    assert len(seen) == 26
    assert len(set(seen)) == 26


def test_boundaries_are_served_with_an_etag(team: Any) -> None:
    laptop = team.laptop("olive")
    reply = team.client.get("/v1/reference/boundaries", headers=laptop.auth)
    assert reply.status_code == 200
    codes = {f["properties"].get("LAD24CD") for f in reply.json()["features"]}
    assert {"huddersfield", "dewsbury_mirfield", "batley_spen", "rural"} <= codes
    again = team.client.get(
        "/v1/reference/boundaries", headers={**laptop.auth, "If-None-Match": reply.headers["etag"]}
    )
    assert again.status_code == 304


def test_reference_data_needs_a_device_token(team: Any) -> None:
    for path in ("/v1/reference/boundaries", "/v1/reference/crime"):
        assert team.client.get(path).status_code == 401
