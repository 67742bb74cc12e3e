"""A record erased by a retention decision leaves every laptop, history included, after sync."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.factories import person
from tests.sync.conftest import Laptop, Server
from tests.sync.test_erasure_everywhere import KEPT, PLANTED, decrypted_file, sync_ok

from fieldkit.domain.records import RecordType
from fieldkit.services.corrections import CorrectionService
from fieldkit.services.records import RecordService
from fieldkit_server.cli import main


def test_a_retention_erasure_leaves_no_trace_on_a_second_laptop_and_logs_no_content(
    sqlite_server: Server,
    laptops: Callable[..., Laptop],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sqlite_server.admin.add_user("amy", role="officer")
    sqlite_server.admin.add_user("sue", role="supervisor")
    amy = laptops("amy", "amy", sqlite_server.url)
    sue = laptops("sue", "sue", sqlite_server.url)
    records = RecordService(amy.open())
    records.create(record_type="person", fields=person(family_name=KEPT))
    doomed = records.create(
        record_type="person", fields=person(description=f"{PLANTED} tattoo, left hand")
    )
    sync_ok(amy)
    sync_ok(sue)
    # An edit after both hold it: the earlier version is in each laptop's history.
    CorrectionService(amy.open()).edit(
        record_type="person",
        record_id=doomed.id,
        changes={"description": f"{PLANTED} tattoo, right hand"},
        reason="description corrected",
    )
    sync_ok(amy)
    sync_ok(sue)
    with sue.open().read() as conn:
        assert len(sue.open().records(conn).history(RecordType.PERSON, doomed.id)) == 2
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text(
        json.dumps({"type": "person", "id": doomed.id, "decision": "erase", "reason": "time up"})
        + "\n"
    )
    db = ["--db", sqlite_server.admin.db_url]

    assert main(["retention", "apply", "--decisions", str(decisions), *db]) == 0

    sync_ok(amy)
    sync_ok(sue)
    for laptop in (amy, sue):
        assert doomed.id not in laptop.records()
        laptop.close()
        content = decrypted_file(laptop.folder)
        assert KEPT.encode() in content, "the decryption must read the records that stay"
        assert PLANTED.encode() not in content, laptop.folder.name
        assert PLANTED.lower().encode() not in content, laptop.folder.name
    capsys.readouterr()
    assert main(["audit", "export", *db], stdin=io.StringIO("")) == 0
    log = capsys.readouterr().out
    events = [json.loads(line) for line in log.splitlines()]
    about = {e["action"] for e in events if e.get("record_id") == doomed.id}
    assert {"erase", "retention_decision"} <= about
    assert PLANTED not in log
