"""The `fieldkit` command line, run as a real process with the passphrase on standard input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.factories import PASSPHRASE, person, place, visit
from tests.kdf import TEST_KDF

from fieldkit.services.settings import SettingsService
from fieldkit.store.transaction import connection
from fieldkit.store.vault import DB_NAME, Vault

FIELDKIT = [sys.executable, "-m", "fieldkit.cli"]


def run(*args: str, stdin: str = PASSPHRASE + "\n") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FIELDKIT, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def cheap_vault(tmp_path: Path) -> Path:
    """A vault made with cheap key derivation; the CLI reads the cost from its key file."""
    folder = tmp_path / "vault"
    Vault.create(folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF).lock()
    return folder


def _jsonl(path: Path, lines: list[object]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_vault_create_then_check_succeeds(tmp_path: Path) -> None:
    folder = tmp_path / "v"
    created = run(
        "vault", "create", "--vault", str(folder), "--username", "amy", "--passphrase-stdin"
    )
    assert created.returncode == 0, created.stderr
    checked = run("vault", "check", "--vault", str(folder), "--passphrase-stdin")
    assert checked.returncode == 0, checked.stderr
    assert "sound" in checked.stdout


def test_vault_create_keeps_the_officers_name_and_staff_number_for_letters(tmp_path: Path) -> None:
    folder = tmp_path / "v"
    created = run(
        "vault", "create", "--vault", str(folder), "--username", "amy",
        "--display-name", "Amy  Okafor", "--staff-number", "PCSO 4471", "--passphrase-stdin",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        settings = SettingsService(vault).load()
    finally:
        vault.lock()
    assert (settings.officer_name, settings.officer_number) == ("Amy Okafor", "PCSO 4471")


def test_vault_create_refuses_a_staff_number_it_cannot_print_and_writes_nothing(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "v"
    created = run(
        "vault", "create", "--vault", str(folder), "--username", "amy",
        "--display-name", "Amy", "--staff-number", "PCSO\n4471" + "9" * 40, "--passphrase-stdin",
    )  # fmt: skip
    assert created.returncode == 2
    assert "--staff-number" in created.stderr
    assert not folder.exists()


def test_check_with_wrong_passphrase_exits_3_without_a_traceback(cheap_vault: Path) -> None:
    result = run(
        "vault", "check", "--vault", str(cheap_vault), "--passphrase-stdin", stdin="not it\n"
    )
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "passphrase is not right" in result.stderr


def test_check_of_a_tampered_vault_exits_4(cheap_vault: Path) -> None:
    vault = Vault.unlock(cheap_vault, passphrase=PASSPHRASE)
    with vault.write() as conn:
        repo = vault.records(conn)
        for i in range(100):
            repo.create("person", person(family_name=f"F{i}"))
    vault.lock()
    db = cheap_vault / DB_NAME
    data = bytearray(db.read_bytes())
    data[len(data) // 2] ^= 0x40
    db.write_bytes(bytes(data))
    result = run("vault", "check", "--vault", str(cheap_vault), "--passphrase-stdin")
    assert result.returncode == 4
    assert "damaged" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_passwd_takes_old_then_new_passphrase(cheap_vault: Path) -> None:
    changed = run(
        "vault",
        "passwd",
        "--vault",
        str(cheap_vault),
        "--passphrase-stdin",
        stdin=f"{PASSPHRASE}\nan entirely new one\n",
    )
    assert changed.returncode == 0, changed.stderr
    assert (
        run(
            "vault",
            "check",
            "--vault",
            str(cheap_vault),
            "--passphrase-stdin",
            stdin="an entirely new one\n",
        ).returncode
        == 0
    )
    assert run("vault", "check", "--vault", str(cheap_vault), "--passphrase-stdin").returncode == 3


def test_missing_passphrase_on_stdin_is_a_usage_error(cheap_vault: Path) -> None:
    result = run("vault", "check", "--vault", str(cheap_vault), "--passphrase-stdin", stdin="")
    assert result.returncode == 2
    assert "standard input" in result.stderr


def test_import_then_export_round_trips_and_export_is_logged(
    cheap_vault: Path, tmp_path: Path
) -> None:
    p_id = "5f0f2f7e-3c1d-4d55-9a0e-111111111111"
    source = _jsonl(
        tmp_path / "in.jsonl",
        [
            {"type": "place", "id": "5f0f2f7e-3c1d-4d55-9a0e-222222222222", "fields": place()},
            {"type": "person", "id": p_id, "fields": person()},
            {
                "type": "service",
                "fields": {
                    "name": "Food bank",
                    "categories": ["food"],
                    "districts": ["huddersfield"],
                },
            },
        ],
    )
    imported = run("import", "--vault", str(cheap_vault), "--passphrase-stdin", str(source))
    assert imported.returncode == 0, imported.stderr
    assert "Imported 3" in imported.stdout
    exported = run("export", "--vault", str(cheap_vault), "--passphrase-stdin", "--type", "person")
    assert exported.returncode == 0, exported.stderr
    (line,) = [json.loads(x) for x in exported.stdout.splitlines()]
    assert line["id"] == p_id
    assert line["fields"]["given_name"] == "Zoë"
    vault = Vault.unlock(cheap_vault, passphrase=PASSPHRASE)
    with vault.read() as conn:
        from sqlalchemy import select

        from fieldkit.store.schema import AuditEntry

        exports = (
            connection(conn)
            .execute(select(AuditEntry.record_id).where(AuditEntry.action == "export"))
            .scalars()
            .all()
        )
    vault.lock()
    assert exports == [p_id]


def test_import_with_bad_lines_reports_every_one_and_imports_nothing(
    cheap_vault: Path, tmp_path: Path
) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps({"type": "person", "fields": person()}),
                "{not json",
                json.dumps({"type": "place", "fields": place(postcode="XX")}),
                json.dumps({"type": "visit", "fields": {"kind": "stroll"}}),
                json.dumps({"type": "gizmo", "fields": {}}),
                json.dumps({"type": "person", "id": "not-a-uuid", "fields": person()}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = run("import", "--vault", str(cheap_vault), "--passphrase-stdin", str(source))
    assert result.returncode == 5
    err = result.stderr
    assert "line 2: -: not valid JSON" in err
    assert "line 3: postcode: is not a UK postcode" in err
    assert "line 4: kind: must be one of" in err
    assert "line 4: occurred_at: is required" in err
    assert "line 5: type: unknown record type" in err
    assert "line 6: id:" in err
    assert "Nothing was imported" in err
    exported = run("export", "--vault", str(cheap_vault), "--passphrase-stdin")
    assert exported.stdout == ""


def test_search_prints_matches_and_takes_hostile_text_literally(
    cheap_vault: Path, tmp_path: Path
) -> None:
    source = _jsonl(tmp_path / "in.jsonl", [{"type": "person", "fields": person()}])
    assert (
        run("import", "--vault", str(cheap_vault), "--passphrase-stdin", str(source)).returncode
        == 0
    )
    found = run("search", "--vault", str(cheap_vault), "--passphrase-stdin", "zoe")
    assert found.returncode == 0
    assert "Zoë O'Brien" in found.stdout
    hostile = run("search", "--vault", str(cheap_vault), "--passphrase-stdin", '"*', "OR", "%")
    assert hostile.returncode == 0
    assert hostile.stdout == ""


def test_demo_data_is_deterministic_for_a_seed(tmp_path: Path) -> None:
    exports = []
    for name in ("a", "b"):
        folder = tmp_path / name
        Vault.create(folder, username="demo", passphrase=PASSPHRASE, kdf=TEST_KDF).lock()
        made = run(
            "demo-data",
            "--vault",
            str(folder),
            "--passphrase-stdin",
            "--visits",
            "300",
            "--seed",
            "7",
        )
        assert made.returncode == 0, made.stderr
        exports.append(run("export", "--vault", str(folder), "--passphrase-stdin").stdout)
    assert exports[0] == exports[1]
    assert exports[0].count('"type":"visit"') == 300


def test_passphrase_is_never_accepted_on_the_command_line(cheap_vault: Path) -> None:
    result = run("vault", "check", "--vault", str(cheap_vault), "--passphrase", PASSPHRASE)
    assert result.returncode == 2
    assert PASSPHRASE not in result.stderr


def test_foreign_vault_exits_8(tmp_path: Path) -> None:
    folder = tmp_path / "v"
    Vault.create(
        folder, username="x", passphrase=PASSPHRASE, kdf=TEST_KDF, os_user="99999:someone-else"
    ).lock()
    result = run("vault", "check", "--vault", str(folder), "--passphrase-stdin")
    assert result.returncode == 8
    assert "another account" in result.stderr


def test_cli_runs_without_a_display(cheap_vault: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [*FIELDKIT, "vault", "check", "--vault", str(cheap_vault), "--passphrase-stdin"],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_importing_a_record_already_in_the_vault_names_its_line(
    cheap_vault: Path, tmp_path: Path
) -> None:
    record = {"type": "person", "id": "5f0f2f7e-3c1d-4d55-9a0e-333333333333", "fields": person()}
    first = _jsonl(tmp_path / "one.jsonl", [record])
    assert (
        run("import", "--vault", str(cheap_vault), "--passphrase-stdin", str(first)).returncode == 0
    )
    again = _jsonl(tmp_path / "two.jsonl", [{"type": "place", "fields": place()}, record])
    result = run("import", "--vault", str(cheap_vault), "--passphrase-stdin", str(again))
    assert result.returncode == 5
    assert "line 2: id: 5f0f2f7e-3c1d-4d55-9a0e-333333333333 is already in the vault" in (
        result.stderr
    )
    exported = run("export", "--vault", str(cheap_vault), "--passphrase-stdin", "--type", "place")
    assert exported.stdout == ""


@pytest.mark.parametrize("param", ["time_cost", "memory_kib", "parallelism"])
@pytest.mark.parametrize(
    "value", [2**40, 0, -1, "3", 2.5, True, None, "missing"], ids=lambda v: repr(v)
)
def test_edited_key_derivation_cost_exits_4_without_trying_it(
    cheap_vault: Path, param: str, value: object
) -> None:
    key = cheap_vault / "vault.key"
    doc = json.loads(key.read_text(encoding="utf-8"))
    if value == "missing":
        del doc["kdf"][param]
    else:
        doc["kdf"][param] = value
    key.write_text(json.dumps(doc), encoding="utf-8")
    result = run("vault", "check", "--vault", str(cheap_vault), "--passphrase-stdin")
    assert result.returncode == 4, result.stderr
    assert "damaged" in result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr


def test_vault_create_refuses_a_folder_with_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "letter.docx").write_bytes(b"x")
    result = run(
        "vault", "create", "--vault", str(folder), "--username", "amy", "--passphrase-stdin"
    )
    assert result.returncode == 1
    assert "other files" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in folder.iterdir()] == ["letter.docx"]


def test_vault_rekey_replaces_the_data_key_and_the_vault_stays_sound(
    cheap_vault: Path, tmp_path: Path
) -> None:
    vault = Vault.unlock(cheap_vault, passphrase=PASSPHRASE)
    with vault.write() as conn:
        kept = vault.records(conn).create("person", person(family_name="Kept"))
    vault.lock()
    old_key = (cheap_vault / "vault.key").read_bytes()
    result = run("vault", "rekey", "--vault", str(cheap_vault), "--passphrase-stdin")
    assert result.returncode == 0, result.stderr
    assert "data key was replaced" in result.stdout
    checked = run("vault", "check", "--vault", str(cheap_vault), "--passphrase-stdin")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    vault = Vault.unlock(cheap_vault, passphrase=PASSPHRASE)
    with vault.read() as conn:
        assert vault.records(conn).require(kept.type, kept.id) == kept
    vault.lock()
    (cheap_vault / "vault.key").write_bytes(old_key)
    stale = run("vault", "check", "--vault", str(cheap_vault), "--passphrase-stdin")
    assert stale.returncode == 4
    assert "Traceback" not in stale.stderr


def test_passwd_with_rekey_leaves_the_old_key_file_useless(cheap_vault: Path) -> None:
    old_key = (cheap_vault / "vault.key").read_bytes()
    changed = run(
        "vault",
        "passwd",
        "--rekey",
        "--vault",
        str(cheap_vault),
        "--passphrase-stdin",
        stdin=f"{PASSPHRASE}\nan entirely new one\n",
    )
    assert changed.returncode == 0, changed.stderr
    assert "data key replaced" in changed.stdout
    new_check = run(
        "vault",
        "check",
        "--vault",
        str(cheap_vault),
        "--passphrase-stdin",
        stdin="an entirely new one\n",
    )
    assert new_check.returncode == 0
    (cheap_vault / "vault.key").write_bytes(old_key)
    assert run("vault", "check", "--vault", str(cheap_vault), "--passphrase-stdin").returncode == 4


def test_search_finds_a_person_by_a_spelling_variant_and_says_why(
    cheap_vault: Path, tmp_path: Path
) -> None:
    source = _jsonl(
        tmp_path / "in.jsonl",
        [
            {
                "type": "person",
                "fields": person(given_name="Hamza", family_name="Chaudhry", aliases=[]),
            },
            {"type": "place", "fields": place(label="Chaudhry's corner shop")},
        ],
    )
    assert (
        run("import", "--vault", str(cheap_vault), "--passphrase-stdin", str(source)).returncode
        == 0
    )
    found = run("search", "--vault", str(cheap_vault), "--passphrase-stdin", "Chaudry", "12/4/88")
    assert found.returncode == 0
    lines = [line.split("\t") for line in found.stdout.splitlines()]
    assert [(f[0], f[2], f[4]) for f in lines] == [
        ("person", "Hamza Chaudhry", "spelling variant, born the same day")
    ]
    places = run("search", "--vault", str(cheap_vault), "--passphrase-stdin", "chaudhry")
    assert [line.split("\t")[0] for line in places.stdout.splitlines()] == ["person", "place"]


def test_an_export_names_each_records_regime_and_imports_again(
    cheap_vault: Path, tmp_path: Path
) -> None:
    patrol_id = "5f0f2f7e-3c1d-4d55-9a0e-333333333333"
    tenancy_id = "5f0f2f7e-3c1d-4d55-9a0e-444444444444"
    source = _jsonl(
        tmp_path / "in.jsonl",
        [
            {"type": "visit", "id": patrol_id, "fields": visit()},
            {"type": "visit", "id": tenancy_id, "fields": visit(kind="tenancy_visit")},
        ],
    )
    imported = run("import", "--vault", str(cheap_vault), "--passphrase-stdin", str(source))
    assert imported.returncode == 0, imported.stderr

    exported = run("export", "--vault", str(cheap_vault), "--passphrase-stdin", "--type", "visit")

    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(x) for x in exported.stdout.splitlines()]
    assert {line["id"]: line["regime"] for line in lines} == {
        patrol_id: "dpa2018_part3",
        tenancy_id: "uk_gdpr",
    }
    # An export (regime included) imports into another vault as it is.
    again = tmp_path / "again"
    Vault.create(again, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF).lock()
    back = tmp_path / "back.jsonl"
    back.write_text(exported.stdout, encoding="utf-8")
    reimported = run("import", "--vault", str(again), "--passphrase-stdin", str(back))
    assert reimported.returncode == 0, reimported.stderr
