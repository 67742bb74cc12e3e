"""Demo data is the demo extra: found through its entry point, and plainly absent without it."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from tests.factories import PASSPHRASE
from tests.kdf import TEST_KDF

from fieldkit import cli
from fieldkit.domain.records import RecordType
from fieldkit.services import demo_data
from fieldkit.store.vault import Vault

ABSENT_GROUP = "fieldkit.demo-not-installed"


def _digest(folder: Path) -> str:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()


def test_demo_records_come_from_the_demo_extras_entry_point() -> None:
    assert demo_data.demo_available()
    records = list(demo_data.demo_records(40, seed=7, officer_ids=("amy.officer",)))
    visits = [r for r in records if r.type == RecordType.VISIT]
    assert len(visits) == 40
    assert {v.fields["officer_id"] for v in visits} == {"amy.officer"}
    assert [r.id for r in demo_data.demo_records(40, seed=7)] == [r.id for r in records]


def test_without_the_demo_extra_asking_for_demo_records_says_how_to_get_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(demo_data, "ENTRY_POINT_GROUP", ABSENT_GROUP)
    assert not demo_data.demo_available()
    with pytest.raises(demo_data.DemoNotInstalled, match=r"fieldkit\[demo\]"):
        demo_data.demo_records(10)


def test_without_the_demo_extra_demo_data_says_so_and_leaves_the_vault_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "vault"
    Vault.create(folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF).lock()
    before = _digest(folder)
    monkeypatch.setattr(demo_data, "ENTRY_POINT_GROUP", ABSENT_GROUP)
    code = cli.main(
        ["demo-data", "--vault", str(folder), "--passphrase-stdin", "--visits", "10"],
        stdin=io.StringIO(PASSPHRASE + "\n"),
        stdout=io.StringIO(),
    )
    assert code == cli.Exit.ERROR
    assert demo_data.NOT_INSTALLED in capsys.readouterr().err
    assert _digest(folder) == before


def test_without_the_demo_extra_the_demo_command_says_so_and_makes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(demo_data, "ENTRY_POINT_GROUP", ABSENT_GROUP)
    folder = tmp_path / "demo"
    code = cli.main(["demo", "--headless", "--dir", str(folder)], stdout=io.StringIO())
    assert code == cli.Exit.ERROR
    assert demo_data.NOT_INSTALLED in capsys.readouterr().err
    assert not folder.exists()
