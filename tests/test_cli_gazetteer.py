"""`fieldkit gazetteer search TEXT --vault DIR --passphrase-stdin`: JSON Lines, best first."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.factories import PASSPHRASE
from tests.kdf import TEST_KDF

from fieldkit.cli import Exit, main
from fieldkit.domain.gazetteer import GazetteerEntry
from fieldkit.store import gazetteer as store
from fieldkit.store.vault import Vault

ENTRIES = [
    GazetteerEntry("100", "12 Kirkgate, Huddersfield", "HD1 1AB", 53.6466086, -1.7821281),
    GazetteerEntry("101", "120 Kirkgate, Huddersfield", "HD1 1AD", 53.6467, -1.7822),
    GazetteerEntry(
        "102",
        "Bus Station, Upperhead Row, Huddersfield",
        "HD1 2JN",
        53.6445,
        -1.7885,
        "Bus Station",
    ),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    vault = Vault.create(tmp_path / "v", username="amy", passphrase=PASSPHRASE, kdf=TEST_KDF)
    try:
        with vault.write() as conn:
            rows = [e.wire() for e in ENTRIES]
            store.apply_changes(conn, rows=rows, removed=(), version=3)  # type: ignore[arg-type]
    finally:
        vault.lock()
    return tmp_path / "v"


def _search(folder: Path, *words: str, passphrase: str = PASSPHRASE) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    out = io.StringIO()
    code = main(
        ["gazetteer", "search", *words, "--vault", str(folder), "--passphrase-stdin"],
        stdin=io.StringIO(passphrase + "\n"),
        stdout=out,
    )
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_search_prints_json_lines_best_first_with_wgs84_points(folder: Path) -> None:
    code, lines = _search(folder, "12", "kirkagte")
    assert code == Exit.OK
    assert lines[0] == {
        "uprn": "100",
        "address": "12 Kirkgate, Huddersfield",
        "postcode": "HD1 1AB",
        "lat": 53.6466086,
        "lon": -1.7821281,
    }


def test_a_landmark_is_found_and_named(folder: Path) -> None:
    _code, lines = _search(folder, "bus", "station")
    assert lines[0]["uprn"] == "102"
    assert lines[0]["landmark"] == "Bus Station"


def test_nothing_found_prints_nothing_and_succeeds(folder: Path) -> None:
    assert _search(folder, "zzzzqqq") == (Exit.OK, [])


def test_a_wrong_passphrase_is_its_own_exit_code(folder: Path) -> None:
    assert _search(folder, "kirkgate", passphrase="not the passphrase")[0] == Exit.WRONG_PASSPHRASE


def test_a_limit_out_of_range_is_a_usage_error(folder: Path) -> None:
    assert _search(folder, "kirkgate", "--limit", "0")[0] == Exit.USAGE


def test_the_installed_command_takes_the_passphrase_on_stdin(folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fieldkit.cli", "gazetteer", "search", "HD1 2JN", "--vault",
         str(folder), "--passphrase-stdin"],
        input=PASSPHRASE + "\n", capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[0])["uprn"] == "102"
