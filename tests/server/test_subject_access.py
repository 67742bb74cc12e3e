"""Partnership-wide subject access: every record about a person and every device it reached."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, select

from fieldkit_server.cli import main
from fieldkit_server.models import AuditEvent

from .conftest import Laptop, Team, person, visit

OTHER_NAME = "Ottoline-Bystander"

#: A well-formed id no record has (fixed, so parallel workers collect the same tests).
NO_SUCH_PERSON = "5f0c1d3e-0000-4000-8000-00000000dead"


def _run(db_url: str, *args: str) -> int:
    return main([*args, "--db", db_url], stdin=io.StringIO(""))


def _push(laptop: Laptop, record_type: str, fields: dict[str, Any]) -> str:
    change = laptop.upsert(record_type, fields)
    result = laptop.push_one(change)
    assert result["status"] == "applied", result
    return str(change["id"])


def test_a_partnership_export_lists_every_record_and_device_and_withholds_others(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    olive = team.laptop("olive")
    rosa = team.laptop("rosa")
    dev = team.laptop("dev", districts=("rural",))
    sue = team.laptop("sue", role="supervisor", districts=("huddersfield", "rural"))
    subject = _push(olive, "person", person(given_name="Sam"))
    other = _push(olive, "person", person(given_name=OTHER_NAME))
    seen_with_other = _push(olive, "visit", visit(person_ids=[subject, other]))
    seen_again = _push(rosa, "visit", visit(person_ids=[subject], kind="tenancy_visit"))
    seen_rural = _push(dev, "visit", visit("rural", person_ids=[subject]))
    # A warning to the other person at the rural visit is theirs, not the subject's.
    others_warning = _push(
        dev,
        "warning",
        {
            "person_id": other,
            "scheme": "community_protection",
            "level": "cpw",
            "issued_at": "2026-11-27T10:00:00+00:00",
            "district": "rural",
            "behaviour": "Shouting",
            "visit_id": seen_rural,
        },
    )
    laptops = (olive, rosa, dev, sue)
    for laptop in laptops:
        laptop.sync()
    db_url = team.settings.db_url
    out = tmp_path / "sar"
    out.mkdir()
    capsys.readouterr()

    assert _run(db_url, "subject-access", subject, "--out", str(out)) == 0

    summary = json.loads(capsys.readouterr().out)
    body = Path(summary["json"]).read_text()
    export = json.loads(body)
    about = {r["id"]: r for r in export["records"]}
    assert set(about) == {subject, seen_with_other, seen_again, seen_rural}
    for record_id, record in about.items():
        reached = {d["device_id"] for d in record["disclosures"] if d["action"] == "disclose"}
        holders = {lt.device_id for lt in laptops if record_id in lt.records}
        assert reached == holders, record["type"]
    assert {d["scope"] for d in about[seen_rural]["disclosures"]} >= {"officer in rural"}
    assert about[seen_with_other]["fields"]["person_ids"] == [subject, "withheld: another person"]
    assert about[seen_with_other]["regime"] == "dpa2018_part3"
    assert about[seen_again]["regime"] == "uk_gdpr"
    assert other not in body
    assert OTHER_NAME not in body
    assert others_warning not in body
    for path in (Path(summary["json"]), Path(summary["pdf"])):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = "".join(page.extract_text() for page in PdfReader(summary["pdf"]).pages)
    assert summary["reference"] in text
    assert "Processed under the UK GDPR" in text
    assert OTHER_NAME not in text
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [Path(summary["json"]).name, Path(summary["pdf"]).name]
    )
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            logged = {
                row.record_id
                for row in conn.execute(
                    select(AuditEvent.record_id).where(AuditEvent.action == "subject_access")
                )
            }
    finally:
        engine.dispose()
    assert logged >= set(about)


@pytest.mark.parametrize(
    "person_id", ["not-an-id", "5f0c1d3e-0000-4000-8000-00000000beef", "VISIT"]
)
def test_a_subject_access_for_no_person_is_refused_and_writes_nothing(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str], person_id: str
) -> None:
    olive = team.laptop("olive")
    visit_id = _push(olive, "visit", visit())
    if person_id == "VISIT":
        person_id = visit_id
    out = tmp_path / "sar"
    out.mkdir()
    capsys.readouterr()
    assert _run(team.settings.db_url, "subject-access", person_id, "--out", str(out)) == 1
    err = capsys.readouterr().err
    assert "no person" in err or "not a record id" in err
    assert list(out.iterdir()) == []
