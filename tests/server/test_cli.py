"""The admin command line, run in-process against each database."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from fieldkit_server.cli import main

PASSWORD = "correct horse battery"


def _run(db_url: str, *args: str, stdin: str = "") -> int:
    return main([*args, "--db", db_url], stdin=io.StringIO(stdin))


def _add(db_url: str, username: str, *extra: str) -> int:
    return _run(
        db_url,
        "user",
        "add",
        "--username",
        username,
        "--role",
        "officer",
        "--agency",
        "council",
        "--district",
        "huddersfield",
        *extra,
        "--password-stdin",
        stdin=PASSWORD,
    )


def test_user_add_list_and_disable(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(db_url, "init") == 0
    assert _add(db_url, "olive", "--safeguarding") == 0
    assert _add(db_url, "olive") == 1
    capsys.readouterr()
    assert _run(db_url, "user", "list") == 0
    [listed] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert listed["username"] == "olive"
    assert listed["safeguarding"] is True
    assert "password" not in json.dumps(listed)
    assert _run(db_url, "user", "disable", "--username", "olive") == 0
    capsys.readouterr()
    _run(db_url, "user", "list")
    assert json.loads(capsys.readouterr().out)["disabled"] is True


def test_device_list_and_revoke(team: Any, capsys: pytest.CaptureFixture[str]) -> None:
    laptop = team.laptop("olive")
    db_url = team.settings.db_url
    assert _run(db_url, "device", "list") == 0
    [device] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert device["id"] == laptop.device_id
    assert device["revoked"] is False
    assert _run(db_url, "device", "revoke", "--device", laptop.device_id) == 0
    reply = team.client.get("/v1/handshake", headers=laptop.auth)
    assert reply.json()["code"] == "device_revoked"
    assert _run(db_url, "device", "revoke", "--device", "no-such-device") == 1


def test_services_import_reaches_laptops_through_reference_and_pull(
    team: Any, tmp_path: Path
) -> None:
    services = [
        {
            "id": "5b4c0e0a-7a8e-4e39-9a4e-3f1d2f9c0a01",
            "name": "Kirklees Alcohol Service",
            "categories": ["alcohol_drugs"],
            "phone": "01484 000000",
            "districts": ["huddersfield"],
        }
    ]
    path = tmp_path / "services.json"
    path.write_text(json.dumps(services))
    assert _run(team.settings.db_url, "services", "import", str(path)) == 0
    assert _run(team.settings.db_url, "services", "import", str(path)) == 0
    laptop = team.laptop("olive")
    reference = team.client.get("/v1/reference", headers=laptop.auth).json()
    assert [s["name"] for s in reference["services"]] == ["Kirklees Alcohol Service"]
    laptop.sync()
    assert laptop.records[services[0]["id"]]["type"] == "service"


def test_services_import_refuses_a_file_that_is_not_a_list(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "services.json"
    path.write_text('{"name": "x"}')
    assert _run(db_url, "services", "import", str(path)) == 1


def test_audit_export_writes_json_lines(team: Any, tmp_path: Path, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    laptop.push(laptop.upsert("visit", make_visit()))
    out = tmp_path / "audit.jsonl"
    assert _run(team.settings.db_url, "audit", "export", "--output", str(out)) == 0
    actions = [json.loads(line)["action"] for line in out.read_text().splitlines()]
    assert actions == ["user_add", "login", "create"]


def _audit(db_url: str, tmp_path: Path) -> tuple[list[dict[str, Any]], str]:
    out = tmp_path / "audit.jsonl"
    assert _run(db_url, "audit", "export", "--output", str(out)) == 0
    text = out.read_text()
    return [json.loads(line) for line in text.splitlines()], text


def test_every_admin_command_leaves_an_audit_entry_naming_who_ran_it(
    team: Any, tmp_path: Path
) -> None:
    db_url = team.settings.db_url
    assert _add(db_url, "olive") == 0
    laptop = team.login("olive")
    assert _run(db_url, "user", "districts", "--username", "olive", "--district", "rural") == 0
    assert _run(db_url, "user", "set", "--username", "olive", "--safeguarding", "yes") == 0
    assert _run(db_url, "device", "revoke", "--device", laptop.device_id) == 0
    assert _run(db_url, "user", "disable", "--username", "olive") == 0
    path = tmp_path / "services.json"
    path.write_text(json.dumps([{"name": "Kirklees Alcohol Service", "districts": ["rural"]}]))
    assert _run(db_url, "services", "import", str(path)) == 0
    events, text = _audit(db_url, tmp_path)
    admin = [e for e in events if e["actor"] is not None]
    assert [e["action"] for e in admin] == [
        "user_add",
        "user_districts",
        "user_set",
        "device_revoke",
        "user_disable",
        "services_import",
    ]
    assert all(e["actor"].startswith("os:") and e["user_id"] is None for e in admin)
    assert admin[1]["detail"]["changed"] == {"districts": [["huddersfield"], ["rural"]]}
    assert admin[2]["detail"]["changed"] == {"safeguarding": [False, True]}
    assert admin[3]["detail"]["device"] == laptop.device_id
    assert admin[4]["detail"]["devices_revoked"] == []
    assert admin[5]["detail"]["applied"] == 1
    assert PASSWORD not in text
    # Exporting the log is itself logged, after the export it describes.
    again, _ = _audit(db_url, tmp_path)
    assert again[-1]["action"] == "audit_export"
    assert again[-1]["actor"].startswith("os:")
    assert again[-1]["detail"]["events"] == len(events)


def test_user_set_changes_role_safeguarding_and_districts(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add(db_url, "olive") == 0
    capsys.readouterr()
    args = ["user", "set", "--username", "Olive", "--role", "supervisor", "--safeguarding", "yes"]
    assert _run(db_url, *args, "--district", "rural", "--district", "huddersfield") == 0
    changed = json.loads(capsys.readouterr().out)
    assert (changed["role"], changed["safeguarding"], changed["districts"]) == (
        "supervisor",
        True,
        ["huddersfield", "rural"],
    )
    assert _run(db_url, "user", "set", "--username", "olive", "--safeguarding", "no") == 0
    kept = json.loads(capsys.readouterr().out)
    assert (kept["role"], kept["safeguarding"]) == ("supervisor", False)


def test_user_set_of_an_unknown_user_is_a_plain_error(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(db_url, "user", "set", "--username", "ghost", "--role", "officer") == 1
    assert capsys.readouterr().err.strip() == "fieldkit-server: no user ghost"


def test_user_set_with_nothing_to_change_is_a_usage_error(db_url: str) -> None:
    assert _add(db_url, "olive") == 0
    with pytest.raises(SystemExit) as exited:
        _run(db_url, "user", "set", "--username", "olive")
    assert exited.value.code == 2


def test_an_officer_who_loses_safeguarding_has_restricted_records_purged(
    team: Any, make_visit: Any
) -> None:
    olive = team.laptop("olive")
    sam = team.laptop("sam", safeguarding=True)
    restricted = olive.upsert("visit", make_visit(categories=["domestic_abuse"]))
    plain = olive.upsert("visit", make_visit())
    olive.push(restricted, plain)
    sam.sync()
    assert set(sam.records) == {restricted["id"], plain["id"]}
    assert (
        _run(team.settings.db_url, "user", "set", "--username", "sam", "--safeguarding", "no") == 0
    )
    purged = sam.sync()
    assert purged == [{"type": "visit", "id": restricted["id"]}]
    assert set(sam.records) == {plain["id"]}
