"""`fieldkit letter / leaflet / bundle`: PDFs made from stored records, recorded and logged."""

from __future__ import annotations

import hashlib
import io
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from tests.factories import PASSPHRASE
from tests.kdf import TEST_KDF

from fieldkit.demo.generator import DemoSize, generate
from fieldkit.domain.records import RecordType
from fieldkit.services.transfer import import_records
from fieldkit.store import document_files
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault


@pytest.fixture(scope="module")
def demo_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs") / "vault"
    vault = Vault.create(folder, username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF)
    import_records(vault, generate(DemoSize.for_visits(1500), seed=3))
    vault.lock()
    return folder


def _ids(folder: Path, record_type: RecordType, want: int = 1, **match: object) -> list[str]:
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    with vault.read() as conn:
        found = [
            r.id
            for r in vault.records(conn).iter_all(record_type)
            if all(r.fields.get(k) == v for k, v in match.items())
        ]
    vault.lock()
    return found[:want]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fieldkit.cli", *args],
        input=PASSPHRASE + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        umask=0o022,  # the usual desktop umask, under which open() would make a 0644 file
    )


def _text(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)


def test_letter_for_a_red_warning_is_written_recorded_kept_and_logged(
    demo_vault: Path, tmp_path: Path
) -> None:
    (warning_id,) = _ids(demo_vault, RecordType.WARNING, level="red")
    out = tmp_path / "letter.pdf"
    result = _run(
        "letter",
        "--vault",
        str(demo_vault),
        "--passphrase-stdin",
        "--warning",
        warning_id,
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    text = _text(out)
    assert "RED WARNING" in text.upper()
    assert "Street drinking" in text
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    vault = Vault.unlock(demo_vault, passphrase=PASSPHRASE)
    with vault.read() as conn:
        documents = vault.records(conn).where(RecordType.DOCUMENT, "sha256", [digest])
        (document,) = documents
        assert document_files.load(conn, document.id) == out.read_bytes()
        logged = (
            connection(conn)
            .execute(select(AuditEntry.action).where(AuditEntry.reason == "red_letter made"))
            .scalars()
            .all()
        )
    vault.lock()
    assert document.fields["kind"] == "red_letter"
    assert document.fields["template_id"]
    assert logged == ["export"]


def test_leaflet_lists_the_chosen_services(demo_vault: Path, tmp_path: Path) -> None:
    services = _ids(demo_vault, RecordType.SERVICE, want=3)
    out = tmp_path / "leaflet.pdf"
    args = [a for s in services for a in ("--service", s)]
    result = _run(
        "leaflet", "--vault", str(demo_vault), "--passphrase-stdin", *args, "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    vault = Vault.unlock(demo_vault, passphrase=PASSPHRASE)
    with vault.read() as conn:
        names = [
            r.fields["name"] for r in vault.records(conn).get_many(RecordType.SERVICE, services)
        ]
    vault.lock()
    text = " ".join(_text(out).split())
    for name in names:
        assert " ".join(str(name).split()) in text


def test_bundle_for_a_case_with_a_closure_has_its_notes_and_deadlines(
    demo_vault: Path, tmp_path: Path
) -> None:
    vault = Vault.unlock(demo_vault, passphrase=PASSPHRASE)
    with vault.read() as conn:
        closure = next(iter(vault.records(conn).iter_all(RecordType.CLOSURE)))
        case_id = str(closure.fields["case_id"])
        notes = vault.records(conn).where(RecordType.TENANCY_NOTE, "case_id", [case_id])
    vault.lock()
    out = tmp_path / "bundle.pdf"
    result = _run(
        "bundle",
        "--vault",
        str(demo_vault),
        "--passphrase-stdin",
        "--case",
        case_id,
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    text = _text(out)
    assert "Bundle hash" in text
    assert notes
    assert notes[0].id in text.replace("\n", "")
    assert "Closure" in text


def test_document_commands_refuse_to_overwrite_and_name_missing_records(
    demo_vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "exists.pdf"
    out.write_bytes(b"keep me")
    refused = _run(
        "letter",
        "--vault",
        str(demo_vault),
        "--passphrase-stdin",
        "--warning",
        "7a1f0c1e-0000-4000-8000-000000000009",
        "--out",
        str(out),
    )
    assert refused.returncode == 2
    assert out.read_bytes() == b"keep me"
    missing = _run(
        "letter",
        "--vault",
        str(demo_vault),
        "--passphrase-stdin",
        "--warning",
        "7a1f0c1e-0000-4000-8000-000000000009",
        "--out",
        str(tmp_path / "n.pdf"),
    )
    assert missing.returncode == 1
    assert "not in this vault" in missing.stderr
    assert not (tmp_path / "n.pdf").exists()


def _logged(folder: Path, action: str, reason: str) -> list[str | None]:
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    with vault.read() as conn:
        found = (
            connection(conn)
            .execute(
                select(AuditEntry.record_id).where(
                    AuditEntry.action == action, AuditEntry.reason == reason
                )
            )
            .scalars()
            .all()
        )
    vault.lock()
    return list(found)


@pytest.mark.parametrize("command", ["letter", "leaflet", "bundle"])
def test_each_document_is_written_owner_only_and_its_saving_completed_in_the_log(
    demo_vault: Path, tmp_path: Path, command: str
) -> None:
    if command == "letter":
        chosen = ["--warning", *_ids(demo_vault, RecordType.WARNING, level="red")]
        kind = "red_letter"
    elif command == "leaflet":
        chosen = ["--service", *_ids(demo_vault, RecordType.SERVICE)]
        kind = "signposting_leaflet"
    else:
        chosen = ["--case", *_ids(demo_vault, RecordType.TENANCY_CASE)]
        kind = "evidence_bundle"
    out = tmp_path / f"{command}.pdf"
    before = len(_logged(demo_vault, "complete", f"{kind} made: 1 file"))
    result = _run(
        command, "--vault", str(demo_vault), "--passphrase-stdin", *chosen, "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [out.name]
    assert len(_logged(demo_vault, "complete", f"{kind} made: 1 file")) == before + 1


def test_a_bundle_logs_every_record_it_shows_before_it_is_written(
    demo_vault: Path, tmp_path: Path
) -> None:
    vault = Vault.unlock(demo_vault, passphrase=PASSPHRASE)
    with vault.read() as conn:
        repo = vault.records(conn)
        closure = next(iter(repo.iter_all(RecordType.CLOSURE)))
        case_id = str(closure.fields["case_id"])
        case = repo.require(RecordType.TENANCY_CASE, case_id)
        notes = [n.id for n in repo.where(RecordType.TENANCY_NOTE, "case_id", [case_id])]
        tenants = [str(t) for t in case.fields["tenant_ids"]]  # type: ignore[attr-defined]
    vault.lock()
    out = tmp_path / "bundle.pdf"
    result = _run(
        "bundle",
        "--vault",
        str(demo_vault),
        "--passphrase-stdin",
        "--case",
        case_id,
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    logged = set(_logged(demo_vault, "export", "evidence_bundle made"))
    assert {case_id, closure.id, *notes, *tenants} <= logged


def test_a_document_for_a_missing_folder_is_refused_before_anything_is_made(
    demo_vault: Path, tmp_path: Path
) -> None:
    (warning_id,) = _ids(demo_vault, RecordType.WARNING, level="red")
    before = _logged(demo_vault, "export", "red_letter made")
    result = _run(
        "letter",
        "--vault",
        str(demo_vault),
        "--passphrase-stdin",
        "--warning",
        warning_id,
        "--out",
        str(tmp_path / "missing" / "letter.pdf"),
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert _logged(demo_vault, "export", "red_letter made") == before
