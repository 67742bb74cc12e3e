"""`fieldkit export` and `fieldkit report` as real processes: logged before the data leaves."""

from __future__ import annotations

import csv
import io
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.factories import PASSPHRASE
from tests.kdf import TEST_KDF

from fieldkit.domain.schemes import load_schemes
from fieldkit.services.intelligence import IntelligenceService, ReportName, Scope, period_ending
from fieldkit.services.transfer import EXPORT_BATCH
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault

FIELDKIT = [sys.executable, "-m", "fieldkit.cli"]
#: Enough visits that an export is several batches and far more than a pipe holds (64 KiB).
VISITS = 300


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FIELDKIT, *args],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        umask=0o022,
    )


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault filled by `fieldkit demo-data`, copied afresh for each test."""
    folder = tmp_path_factory.mktemp("demo") / "vault"
    Vault.create(folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF).lock()
    made = _run("demo-data", "--vault", str(folder), "--passphrase-stdin", "--visits", str(VISITS))
    assert made.returncode == 0, made.stderr
    return folder


@pytest.fixture
def demo_vault(demo_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    shutil.copytree(demo_template, folder)
    return folder


def _log(folder: Path, action: str) -> list[tuple[str | None, str | None]]:
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        with vault.read() as conn:
            rows = connection(conn).execute(
                select(AuditEntry.record_id, AuditEntry.reason)
                .where(AuditEntry.action == action)
                .order_by(AuditEntry.seq)
            )
            return [(i, r) for i, r in rows]
    finally:
        vault.lock()


def _exported_ids(folder: Path) -> set[str | None]:
    return {record_id for record_id, _ in _log(folder, "export")}


def _ids_in(output: bytes) -> list[str]:
    """The record ids of the complete lines a reader received."""
    return [str(json.loads(line)["id"]) for line in output.split(b"\n")[:-1]]


def _export_process(folder: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [*FIELDKIT, "export", "--vault", str(folder), "--passphrase-stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None
    process.stdin.write(PASSPHRASE.encode() + b"\n")
    process.stdin.close()
    return process


# Export -----------------------------------------------------------------------------------------


def test_an_export_read_only_to_its_third_line_has_logged_what_was_printed(
    demo_vault: Path,
) -> None:
    export = _export_process(demo_vault)
    assert export.stdout is not None
    head = subprocess.Popen(["head", "-n", "3"], stdin=export.stdout, stdout=subprocess.PIPE)
    export.stdout.close()  # head is now the only reader
    printed, _ = head.communicate(timeout=180)
    assert export.stderr is not None
    errors = export.stderr.read()
    export.stderr.close()
    export.wait(timeout=180)

    shown = _ids_in(printed)
    assert len(shown) == 3
    logged = _exported_ids(demo_vault)
    assert set(shown) <= logged
    assert len(logged) <= EXPORT_BATCH  # over-reports by at most the batch it was writing
    assert _log(demo_vault, "complete") == []
    assert export.returncode == 1
    assert b"reader closed the output" in errors
    assert b"Traceback" not in errors


def test_an_export_killed_mid_stream_has_logged_every_record_it_wrote(demo_vault: Path) -> None:
    export = _export_process(demo_vault)
    assert export.stdout is not None
    first = export.stdout.readline()
    assert first.endswith(b"\n")
    # The pipe holds far less than the export, so the process is still writing when killed.
    export.kill()
    rest = export.stdout.read()
    export.wait(timeout=60)
    export.stdout.close()
    assert export.stderr is not None
    export.stderr.close()

    written = _ids_in(first + rest)
    assert written
    assert export.returncode == -9
    assert set(written) <= _exported_ids(demo_vault)
    assert _log(demo_vault, "complete") == []


def test_a_finished_export_logs_each_record_then_a_completion_with_the_count(
    demo_vault: Path,
) -> None:
    result = _run("export", "--vault", str(demo_vault), "--passphrase-stdin")
    assert result.returncode == 0, result.stderr
    written = _ids_in(result.stdout.encode())
    assert len(written) > 2 * EXPORT_BATCH
    exports = _log(demo_vault, "export")
    assert sorted(i or "" for i, _ in exports) == sorted(written)
    assert {r for _, r in exports} == {"command-line export"}
    assert _log(demo_vault, "complete") == [(None, f"command-line export: {len(written)} records")]


def test_search_results_printed_are_logged_as_disclosed_without_the_search_words(
    demo_vault: Path,
) -> None:
    result = _run("search", "--vault", str(demo_vault), "--passphrase-stdin", "--limit", "20", "a")
    assert result.returncode == 0, result.stderr
    printed = [line.split("\t")[1] for line in result.stdout.splitlines()]
    assert len(printed) == 20
    exports = _log(demo_vault, "export")
    assert sorted(i or "" for i, _ in exports) == sorted(printed)
    assert {r for _, r in exports} == {"command-line search"}
    assert _log(demo_vault, "complete") == [(None, "command-line search: 20 records")]


# Report -----------------------------------------------------------------------------------------


def _expected(
    folder: Path, name: ReportName, *, district: str | None, weeks: int
) -> list[list[str]]:
    """The table as the service builds it for the same choices, as a spreadsheet reads it."""
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        service = IntelligenceService(vault, schemes=load_schemes())
        table = service.report(
            name=name,
            period=period_ending(service.today(), weeks),
            scope=Scope(districts=(district,)) if district else Scope(),
        )
    finally:
        vault.lock()
    return [list(table.headers), *(list(row) for row in table.rows)]


@pytest.mark.parametrize("name", list(ReportName))
def test_each_report_writes_its_table_as_an_owner_only_logged_csv(
    demo_vault: Path, tmp_path: Path, name: ReportName
) -> None:
    out = tmp_path / f"{name.value}.csv"
    result = _run(
        "report",
        name.value,
        "--out",
        str(out),
        "--weeks",
        "52",
        "--vault",
        str(demo_vault),
        "--passphrase-stdin",
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows == _expected(demo_vault, name, district=None, weeks=52)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, "vault"])
    (completed,) = _log(demo_vault, "complete")
    assert completed[1] is not None
    assert completed[1].endswith(f": {len(rows) - 1} row{'' if len(rows) == 2 else 's'}")
    assert _log(demo_vault, "export")


def test_a_report_for_one_district_over_the_screens_default_weeks(
    demo_vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "hotspots.csv"
    result = _run(
        "report",
        "hotspots",
        "--out",
        str(out),
        "--district",
        "huddersfield",
        "--vault",
        str(demo_vault),
        "--passphrase-stdin",
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows == _expected(demo_vault, ReportName.HOTSPOTS, district="huddersfield", weeks=8)
    assert "Huddersfield" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ["pipeline"],
            "the reports are: trends, hotspots, repeats, early-warning, warnings-pipeline, "
            "closures",
        ),
        (
            ["trends", "--district", "leeds"],
            "the districts are: batley_spen, dewsbury_mirfield, huddersfield, rural",
        ),
        (["trends", "--weeks", "0"], "--weeks must be a number from 1 to 52"),
        (["trends", "--weeks", "many"], "--weeks must be a number from 1 to 52"),
    ],
)
def test_a_report_of_an_unknown_name_district_or_period_is_a_usage_error_writing_nothing(
    demo_vault: Path, tmp_path: Path, args: list[str], says: str
) -> None:
    out = tmp_path / "report.csv"
    name, *options = args
    result = _run(
        "report",
        name,
        "--out",
        str(out),
        *options,
        "--vault",
        str(demo_vault),
        "--passphrase-stdin",
    )
    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert _log(demo_vault, "export") == []
