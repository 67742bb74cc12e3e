"""`fieldkit edit`, `history` and `delete`: the pinned command lines for scripted corrections."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests.factories import PASSPHRASE, person
from tests.kdf import TEST_KDF

from fieldkit.services.records import RecordService
from fieldkit.store.vault import Vault

FIELDKIT = [sys.executable, "-m", "fieldkit.cli"]
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FIELDKIT, *args],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def held(tmp_path: Path) -> tuple[Path, str]:
    """A vault holding one person; the person's id."""
    folder = tmp_path / "vault"
    vault = Vault.create(folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF)
    created = RecordService(vault).create(record_type="person", fields=person())
    vault.lock()
    return folder, created.id


def _history(folder: Path, record_id: str) -> list[dict[str, object]]:
    done = run("history", "person", record_id, "--vault", str(folder), "--passphrase-stdin")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_edit_makes_a_new_version_that_history_lists_oldest_first(
    held: tuple[Path, str],
) -> None:
    folder, person_id = held
    done = run(
        "edit", "person", person_id,
        "--set", "family_name=O'Brian",
        "--set", 'aliases=["Zed", "Zee"]',
        "--reason", "rectification: surname misspelt",
        "--vault", str(folder), "--passphrase-stdin",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    versions = _history(folder, person_id)
    assert [v["version"] for v in versions] == [1, 2]
    assert all(set(v) >= {"version", "at", "by", "reason", "fields"} for v in versions)
    first, second = versions
    assert first["fields"]["family_name"] == "O'Brien"  # type: ignore[index]
    assert second["fields"]["family_name"] == "O'Brian"  # type: ignore[index]
    assert second["fields"]["aliases"] == ["Zed", "Zee"]  # type: ignore[index]
    assert second["by"] == "amy.officer"
    assert second["reason"] == "rectification: surname misspelt"


def test_edit_of_an_unknown_field_exits_5_naming_it_and_changes_nothing(
    held: tuple[Path, str],
) -> None:
    folder, person_id = held
    done = run(
        "edit", "person", person_id,
        "--set", "family_name=Other",
        "--set", "shoe_size=9",
        "--reason", "rectification",
        "--vault", str(folder), "--passphrase-stdin",
    )  # fmt: skip
    assert done.returncode == 5
    assert "shoe_size" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(_history(folder, person_id)) == 1


def test_edit_with_a_value_that_is_not_valid_exits_5_without_quoting_it(
    held: tuple[Path, str],
) -> None:
    folder, person_id = held
    done = run(
        "edit", "person", person_id,
        "--set", "aliases=not json Secretname",
        "--reason", "rectification",
        "--vault", str(folder), "--passphrase-stdin",
    )  # fmt: skip
    assert done.returncode == 5
    assert "aliases" in done.stderr
    assert "Secretname" not in done.stderr
    assert len(_history(folder, person_id)) == 1


@pytest.mark.parametrize(
    "command",
    [
        ("edit", "person", UNKNOWN, "--set", "family_name=X", "--reason", "r"),
        ("history", "person", UNKNOWN),
        ("delete", "person", UNKNOWN, "--reason", "r"),
        ("edit", "spaceship", UNKNOWN, "--set", "family_name=X", "--reason", "r"),
    ],
)
def test_an_unknown_record_exits_5(held: tuple[Path, str], command: tuple[str, ...]) -> None:
    folder, _ = held
    done = run(*command, "--vault", str(folder), "--passphrase-stdin")
    assert done.returncode == 5, done.stderr
    assert "Traceback" not in done.stderr


def test_delete_erases_the_earlier_versions_and_later_edits_are_refused(
    held: tuple[Path, str],
) -> None:
    folder, person_id = held
    done = run(
        "delete", "person", person_id, "--reason", "erasure request granted",
        "--vault", str(folder), "--passphrase-stdin",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [tombstone] = _history(folder, person_id)
    assert tombstone["fields"] == {}
    assert tombstone["reason"] == "erasure request granted"
    again = run(
        "edit", "person", person_id, "--set", "family_name=X", "--reason", "r",
        "--vault", str(folder), "--passphrase-stdin",
    )  # fmt: skip
    assert again.returncode == 5
