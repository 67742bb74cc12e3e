"""ASB cases through the pinned command lines: JSON Lines import and export, and `edit`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.factories import person
from tests.test_cli import _jsonl, cheap_vault, run

__all__ = ["cheap_vault"]

CASE_ID = "6a0f2f7e-3c1d-4d55-9a0e-000000000001"
PERSON_ID = "6a0f2f7e-3c1d-4d55-9a0e-000000000002"


def _old_system(tmp_path: Path) -> Path:
    """Open cases as a partnership brings them from its old system: party, assessment, action."""
    return _jsonl(
        tmp_path / "cases.jsonl",
        [
            {
                "type": "asb_action",
                "fields": {
                    "case_id": CASE_ID,
                    "what": "Install a noise recorder",
                    "agency": "Environmental Health",
                    "due_on": "2026-12-01",
                    "district": "huddersfield",
                },
            },
            {
                "type": "asb_risk_assessment",
                "fields": {
                    "case_id": CASE_ID,
                    "person_id": PERSON_ID,
                    "matrix_id": "asb_victim_risk",
                    "matrix_version": 1,
                    "score": 24,
                    "band": "high",
                    "assessed_at": "2026-11-20T10:00:00+00:00",
                    "assessed_by": "legacy",
                    "district": "huddersfield",
                },
            },
            {
                "type": "asb_party",
                "fields": {
                    "case_id": CASE_ID,
                    "person_id": PERSON_ID,
                    "role": "victim",
                    "district": "huddersfield",
                },
            },
            {"type": "person", "id": PERSON_ID, "fields": person()},
            {
                "type": "asb_case",
                "id": CASE_ID,
                "fields": {
                    "reference": "HUD-2025-LEGACY-0412",
                    "title": "Noise from the flat above",
                    "category": "nuisance",
                    "owner": "amy.officer",
                    "opened_on": "2025-09-01",
                    "district": "huddersfield",
                },
            },
        ],
    )


def test_open_cases_from_an_old_system_import_and_export_with_every_new_type(
    cheap_vault: Path, tmp_path: Path
) -> None:
    imported = run("import", "--vault", str(cheap_vault), "--passphrase-stdin",
                   str(_old_system(tmp_path)))  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert "Imported 5" in imported.stdout
    for record_type in ("asb_case", "asb_party", "asb_risk_assessment", "asb_action"):
        exported = run("export", "--vault", str(cheap_vault), "--passphrase-stdin",
                       "--type", record_type)  # fmt: skip
        assert exported.returncode == 0, exported.stderr
        (line,) = [json.loads(x) for x in exported.stdout.splitlines()]
        assert line["type"] == record_type
    exported = run("export", "--vault", str(cheap_vault), "--passphrase-stdin",
                   "--type", "asb_case")  # fmt: skip
    case = json.loads(exported.stdout)
    assert case["fields"]["reference"] == "HUD-2025-LEGACY-0412"
    assert case["fields"]["status"] == "open"


def test_a_closed_case_without_an_outcome_is_refused_naming_the_line(
    cheap_vault: Path, tmp_path: Path
) -> None:
    source = _jsonl(
        tmp_path / "bad.jsonl",
        [
            {
                "type": "asb_case",
                "fields": {
                    "reference": "HUD-2025-LEGACY-0413",
                    "title": "Graffiti",
                    "category": "environmental",
                    "owner": "amy.officer",
                    "opened_on": "2025-09-01",
                    "closed_on": "2025-10-01",
                    "status": "closed",
                    "district": "huddersfield",
                },
            }
        ],
    )
    imported = run("import", "--vault", str(cheap_vault), "--passphrase-stdin", str(source))
    assert imported.returncode != 0
    assert "outcome" in imported.stderr
    assert "Graffiti" not in imported.stderr


def test_edit_asb_case_makes_a_new_version(cheap_vault: Path, tmp_path: Path) -> None:
    run("import", "--vault", str(cheap_vault), "--passphrase-stdin", str(_old_system(tmp_path)))
    done = run(
        "edit", "asb_case", CASE_ID, "--set", "next_review_on=2026-12-14",
        "--reason", "review brought forward",
        "--vault", str(cheap_vault), "--passphrase-stdin",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    history = run("history", "asb_case", CASE_ID, "--vault", str(cheap_vault),
                  "--passphrase-stdin")  # fmt: skip
    versions = [json.loads(line) for line in history.stdout.splitlines()]
    assert [v["fields"]["next_review_on"] for v in versions] == [None, "2026-12-14"]
