"""The demo aged two years: the due list is exactly the planted records, and an erasure leaves."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.sync.conftest import BIN, SERVER_ENV, Laptop, Server, _start
from tests.sync.test_erasure_everywhere import decrypted_file, sync_ok

from fieldkit.demo.generator import (
    AGED_MONTHS,
    DemoSize,
    due_when_aged,
    generate,
    planted_records,
)
from fieldkit.domain.records import RecordType
from fieldkit.domain.retention import add_months
from fieldkit.domain.vocabulary import District
from fieldkit.services.transfer import import_records

ALL_DISTRICTS = tuple(d.value for d in District)


@pytest.fixture
def postgres_server(tmp_path: Path) -> Iterator[Server]:
    """A real server process on a fresh PostgreSQL schema (fails, never skips, in CI)."""
    yield from _start("postgres", tmp_path)


def server_cli(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args, "--db", db],
        capture_output=True,
        text=True,
        timeout=120,
        env=SERVER_ENV,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.postgres
def test_the_demo_aged_two_years_lists_exactly_the_planted_records_and_an_erasure_leaves(
    postgres_server: Server, laptops: Callable[..., Laptop], tmp_path: Path
) -> None:
    server = postgres_server
    db = server.admin.db_url
    today = datetime.now(UTC).date()
    records = list(generate(DemoSize.for_visits(200), today=today, plant_retention=True))
    services = [{"id": r.id, **r.fields} for r in records if r.type == RecordType.SERVICE.value]
    directory = tmp_path / "services.json"
    directory.write_text(json.dumps(services), encoding="utf-8")
    assert server_cli("services", "import", str(directory), db=db).returncode == 0
    server.admin.add_user("demo.officer", role="housing", districts=ALL_DISTRICTS)
    server.admin.add_user("sue", role="supervisor", districts=ALL_DISTRICTS)
    officer = laptops("officer", "demo.officer", server.url, push_batch=200)
    import_records(officer.open(), (r for r in records if r.type != RecordType.SERVICE.value))
    sync_ok(officer)
    sue = laptops("sue", "sue", server.url)
    sync_ok(sue)
    visit, case, note = planted_records(today)
    assert visit.id in sue.records(), "the second laptop must hold the planted visit first"

    aged = add_months(today, AGED_MONTHS)
    listed = server_cli("retention", "due", "--as-of", aged.isoformat(), db=db)

    assert listed.returncode == 0, listed.stderr
    lines = [json.loads(line) for line in listed.stdout.splitlines()]
    assert {line["id"] for line in lines} == due_when_aged(records, today=today)
    assert {(line["type"], line["id"]) for line in lines} >= {
        (p.type.value, p.id) for p in (visit, case, note)
    }
    assert all(set(line) == {"type", "id", "due", "rule", "action", "regime"} for line in lines)
    # Nothing else is due: no person, place, service or routine visit or case.
    assert {line["type"] for line in lines} <= {
        "signposting",
        "warning",
        "visit",
        "tenancy_case",
        "tenancy_note",
    }
    assert sum(line["type"] == "visit" for line in lines) == 1
    # A day before the planted visit falls due, the ordinary demo visits are far from it.
    before = server_cli("retention", "due", "--as-of", today.isoformat(), db=db)
    assert visit.id not in before.stdout

    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text(
        json.dumps({"type": "visit", "id": visit.id, "decision": "erase", "reason": "time up"})
        + "\n",
        encoding="utf-8",
    )
    applied = server_cli("retention", "apply", "--decisions", str(decisions), db=db)
    assert applied.returncode == 0, applied.stderr
    sync_ok(sue)

    assert visit.id not in sue.records()
    assert case.id in sue.records()
    sue.close()
    content = decrypted_file(sue.folder)
    assert case.word.encode() in content, "the decryption must read the records that stay"
    assert visit.word.encode() not in content
    assert visit.word.lower().encode() not in content
    exported = server_cli("audit", "export", db=db)
    assert exported.returncode == 0, exported.stderr
    events = [json.loads(line) for line in exported.stdout.splitlines()]
    about = {e["action"] for e in events if e.get("record_id") == visit.id}
    assert {"erase", "retention_decision"} <= about
    assert visit.word not in exported.stdout
    after = server_cli("retention", "due", "--as-of", aged.isoformat(), db=db)
    assert visit.id not in after.stdout
