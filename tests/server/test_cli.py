"""The admin command line, run in-process against each database."""

from __future__ import annotations

import io
import json
import os
import stat
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


@pytest.mark.parametrize(
    "content",
    [
        b'[{"name": "caf\xe9"}]',
        b"[" * 100_000 + b"]" * 100_000,
        b'[{"name": "x", "order": ' + b"9" * 5000 + b"}]",
    ],
)
def test_services_import_refuses_a_file_it_cannot_read_without_a_traceback(
    db_url: str, tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "services.json"
    path.write_bytes(content)
    assert _run(db_url, "services", "import", str(path)) == 1
    err = capsys.readouterr().err
    assert err.startswith("fieldkit-server: not ")
    assert "caf" not in err


def test_audit_export_writes_json_lines(team: Any, tmp_path: Path, make_visit: Any) -> None:
    laptop = team.laptop("olive")
    laptop.push(laptop.upsert("visit", make_visit()))
    out = tmp_path / "audit.jsonl"
    assert _run(team.settings.db_url, "audit", "export", "--output", str(out)) == 0
    actions = [json.loads(line)["action"] for line in out.read_text().splitlines()]
    assert actions == ["user_add", "login", "create"]


def test_audit_export_file_is_owner_only(team: Any, tmp_path: Path) -> None:
    team.laptop("olive")
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "audit.jsonl"
    out.write_text("old")
    out.chmod(0o644)
    previous = os.umask(0o022)
    try:
        assert _run(team.settings.db_url, "audit", "export", "--output", str(out)) == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    actions = [json.loads(line)["action"] for line in out.read_text().splitlines()]
    assert actions == ["user_add", "login"]
    assert [p.name for p in folder.iterdir()] == ["audit.jsonl"]


def test_people_duplicates_reports_likely_pairs_and_logs_the_disclosure(
    team: Any, tmp_path: Path, make_person: Any
) -> None:
    laptop = team.laptop("olive", districts=("huddersfield", "dewsbury_mirfield"))
    same = laptop.upsert(
        "person",
        make_person(given_name="Hamza", family_name="Chaudhry", date_of_birth="1989-03-12"),
    )
    variant = laptop.upsert(
        "person",
        make_person(given_name="Hamzah", family_name="Choudhury", date_of_birth="1989-03-12"),
    )
    namesake = laptop.upsert(
        "person",
        make_person(given_name="Hamza", family_name="Chaudhry", date_of_birth="2001-01-01"),
    )
    elsewhere = laptop.upsert(
        "person",
        make_person(
            "dewsbury_mirfield",
            given_name="Hamza",
            family_name="Chaudry",
            date_of_birth="1989-03-12",
        ),
    )
    laptop.push(same, variant, namesake, elsewhere, laptop.upsert("person", make_person()))
    out = tmp_path / "duplicates.jsonl"
    assert (
        _run(
            team.settings.db_url,
            "people",
            "duplicates",
            "--district",
            "huddersfield",
            "--output",
            str(out),
        )
        == 0
    )
    assert out.stat().st_mode & 0o777 == 0o600
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [{line["first"]["id"], line["second"]["id"]} for line in lines] == [
        {same["id"], variant["id"]}
    ]
    assert lines[0]["reasons"] == ["spelling variant", "born the same day"]
    everywhere = tmp_path / "all.jsonl"
    assert _run(team.settings.db_url, "people", "duplicates", "--output", str(everywhere)) == 0
    assert len(everywhere.read_text(encoding="utf-8").splitlines()) == 3  # the Dewsbury Hamza too
    exported = tmp_path / "audit.jsonl"
    assert _run(team.settings.db_url, "audit", "export", "--output", str(exported)) == 0
    events = [json.loads(line) for line in exported.read_text().splitlines()]
    reports = [e for e in events if e["reason"] == "duplicate person report"]
    assert [e["action"] for e in reports] == ["disclose", "disclose"]
    assert reports[0]["actor"] == "fieldkit-server people duplicates"
    assert "Hamza" not in json.dumps(reports)  # ids are logged, never names


def test_people_duplicates_leaves_out_a_person_already_merged(
    team: Any, tmp_path: Path, make_person: Any
) -> None:
    laptop = team.laptop("sue", role="supervisor")  # a supervisor merges people
    names = {"given_name": "Hamza", "family_name": "Chaudhry", "date_of_birth": "1989-03-12"}
    survivor = laptop.upsert("person", make_person(**names))
    # The same person recorded twice, already merged: it now stands for the survivor.
    merged = laptop.upsert("person", make_person(**names, merged_into=survivor["id"]))
    variant = laptop.upsert(
        "person",
        make_person(given_name="Hamzah", family_name="Choudhury", date_of_birth="1989-03-12"),
    )
    results = laptop.push(survivor, merged, variant)["results"]
    assert [r["status"] for r in results] == ["applied"] * 3, results
    out = tmp_path / "duplicates.jsonl"

    assert _run(team.settings.db_url, "people", "duplicates", "--output", str(out)) == 0

    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    pairs = [{line["first"]["id"], line["second"]["id"]} for line in lines]
    assert pairs == [{survivor["id"], variant["id"]}]


def test_people_duplicates_refuses_bad_name_rules_and_writes_nothing(
    db_url: str, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "ours.json").write_text("{not json", encoding="utf-8")
    out = tmp_path / "duplicates.jsonl"
    code = _run(db_url, "people", "duplicates", "--rules", str(rules), "--output", str(out))
    assert code == 1
    assert not out.exists()


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


def test_enrol_code_carries_the_server_and_user_and_no_secret(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from fieldkit.domain.enrolment import Enrolment, parse_enrolment_code

    assert _run(db_url, "init") == 0
    assert _add(db_url, "olive") == 0
    capsys.readouterr()
    server = "https://sync.kirklees.example"
    assert _run(db_url, "user", "enrol-code", "--username", "Olive", "--server-url", server) == 0
    code = capsys.readouterr().out.strip()
    assert parse_enrolment_code(code) == Enrolment(server, "olive")
    assert PASSWORD not in code
    assert _run(db_url, "user", "enrol-code", "--username", "nobody", "--server-url", server) == 1
    plain = "http://sync.kirklees.example"
    assert _run(db_url, "user", "enrol-code", "--username", "olive", "--server-url", plain) == 2
    assert "https://" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("variable", "value"),
    [("FIELDKIT_SERVER_LOG_LEVEL", "loud"), ("FIELDKIT_SERVER_MAX_CHANGES", "lots")],
)
def test_a_setting_of_the_wrong_kind_is_named_in_one_line_and_nothing_runs(
    db_url: str,
    variable: str,
    value: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    assert _run(db_url, "user", "list") == 2
    err = capsys.readouterr().err
    assert err == f"fieldkit-server: {variable} has the wrong kind of value\n"
    assert value not in err
