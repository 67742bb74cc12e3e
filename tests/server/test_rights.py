"""Rights requests at the server: deadlines, answers, and restriction of processing."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from fieldkit_server.cli import main
from fieldkit_server.models import AuditEvent

from .conftest import Laptop, Team, person, visit

DISPUTED = "Says the address on file is wrong: it is Flat 9"

#: A well-formed id no record has (fixed, so parallel workers collect the same tests).
NO_SUCH_PERSON = "5f0c1d3e-0000-4000-8000-00000000dead"


def _run(db_url: str, *args: str, stdin: str = "") -> int:
    return main([*args, "--db", db_url], stdin=io.StringIO(stdin))


def _json_out(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def _push(laptop: Laptop, record_type: str, fields: dict[str, Any]) -> str:
    change = laptop.upsert(record_type, fields)
    result = laptop.push_one(change)
    assert result["status"] == "applied", result
    return str(change["id"])


def _audit(db_url: str) -> list[Any]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(AuditEvent)))
    finally:
        engine.dispose()


def test_a_restricted_persons_records_sync_to_governance_only_until_lifted(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    olive = team.laptop("olive")
    sue = team.laptop("sue", role="supervisor", safeguarding=True)
    gina = team.laptop("gina", role="governance", districts=())
    subject = _push(olive, "person", person())
    about = _push(olive, "visit", visit(person_ids=[subject]))
    unrelated = _push(olive, "visit", visit())
    sue.sync()
    assert {subject, about, unrelated} <= set(sue.records)
    db_url = team.settings.db_url
    capsys.readouterr()
    assert (
        _run(
            db_url,
            "request",
            "add",
            "--kind",
            "restriction",
            "--person",
            subject,
            "--received",
            "2026-11-27",
            stdin=DISPUTED,
        )
        == 0
    )
    request_id = _json_out(capsys)["id"]

    assert _run(db_url, "request", "answer", request_id, "--restrict", stdin="granted") == 0

    purged = {p["id"] for p in sue.sync()}
    assert purged == {subject, about}
    assert unrelated in sue.records
    gina.sync()
    assert {subject, about} <= set(gina.records)
    assert unrelated not in gina.records
    # Written about the person after the restriction: held back with them.
    later = _push(olive, "visit", visit(person_ids=[subject]))
    sue.sync()
    assert later not in sue.records
    gina.sync()
    assert later in gina.records
    restricted = {e.record_id for e in _audit(db_url) if e.action == "restrict_processing"}
    assert restricted == {subject, about}

    capsys.readouterr()
    assert _run(db_url, "request", "lift", request_id) == 0

    sue.sync()
    assert {subject, about, later} <= set(sue.records)
    gina.sync()
    lifted = {e.record_id for e in _audit(db_url) if e.action == "lift_restriction"}
    assert lifted == {subject, about, later}
    log = json.dumps([e._asdict() for e in _audit(db_url)], default=str)
    assert DISPUTED not in log


def test_a_request_is_due_in_a_month_extendable_once_by_two_with_a_reason(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    olive = team.laptop("olive")
    subject = _push(olive, "person", person())
    db_url = team.settings.db_url
    capsys.readouterr()
    add = ["request", "add", "--kind", "subject_access", "--person", subject]
    assert _run(db_url, *add, "--received", "2026-11-20") == 0
    added = _json_out(capsys)
    assert (added["due"], added["extended"]) == ("2026-12-20", False)
    assert _run(db_url, "request", "list", "--as-of", "2026-12-15") == 0
    assert _json_out(capsys)["state"] == "due_soon"
    assert _run(db_url, "request", "list", "--as-of", "2026-12-21") == 0
    assert _json_out(capsys)["state"] == "overdue"

    assert _run(db_url, "request", "extend", added["id"], "--reason", "complex: 3 agencies") == 0
    assert _json_out(capsys)["due"] == "2027-02-20"
    assert _run(db_url, "request", "extend", added["id"], "--reason", "again") == 1
    assert "already extended" in capsys.readouterr().err

    assert _run(db_url, "request", "answer", added["id"], stdin="export sent") == 0
    assert _json_out(capsys)["state"] == "answered"
    assert _run(db_url, "request", "list", "--open") == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("kind", "person_id", "received", "stdin", "message"),
    [
        ("rectification", "PERSON", "2026-11-20", "", "give the detail"),
        ("subject_access", "VISIT", "2026-11-20", "", "no person with that id"),
        (
            "subject_access",
            "5f0c1d3e-0000-4000-8000-00000000dead",
            "2026-11-20",
            "",
            "no person with that id",
        ),
        ("subject_access", "PERSON", "2999-01-01", "", "in the future"),
    ],
)
def test_a_bad_request_is_refused_and_records_nothing(
    team: Team,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    person_id: str,
    received: str,
    stdin: str,
    message: str,
) -> None:
    olive = team.laptop("olive")
    ids = {"PERSON": _push(olive, "person", person()), "VISIT": _push(olive, "visit", visit())}
    db_url = team.settings.db_url
    capsys.readouterr()
    person_id = ids.get(person_id, person_id)
    args = ["request", "add", "--kind", kind, "--person", person_id, "--received", received]
    assert _run(db_url, *args, stdin=stdin) == 1
    assert message in capsys.readouterr().err
    assert _run(db_url, "request", "list") == 0
    assert capsys.readouterr().out == ""


def test_only_a_restriction_request_restricts(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    olive = team.laptop("olive")
    subject = _push(olive, "person", person())
    db_url = team.settings.db_url
    capsys.readouterr()
    add = ["request", "add", "--kind", "rectification", "--person", subject]
    assert _run(db_url, *add, "--received", "2026-11-20", stdin=DISPUTED) == 0
    request_id = _json_out(capsys)["id"]
    assert _run(db_url, "request", "answer", request_id, "--restrict", stdin="no") == 1
    assert "only a restriction request" in capsys.readouterr().err
    assert _run(db_url, "request", "lift", request_id) == 1


def test_an_officer_cannot_change_or_erase_a_record_under_a_restriction_of_processing(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    olive = team.laptop("olive")
    subject = _push(olive, "person", person())
    about = _push(olive, "visit", visit(person_ids=[subject]))
    db_url = team.settings.db_url
    capsys.readouterr()
    add = ["request", "add", "--kind", "restriction", "--person", subject]
    assert _run(db_url, *add, "--received", "2026-11-20") == 0
    request_id = _json_out(capsys)["id"]
    assert _run(db_url, "request", "answer", request_id, "--restrict", stdin="granted") == 0

    edit = olive.push_one(
        olive.upsert("visit", visit(person_ids=[subject], narrative="edited"), record_id=about)
    )
    erase = olive.push_one(olive.delete("visit", about))

    assert edit["status"] == "rejected"
    assert edit["reason"] == "processing of this record is restricted"
    assert erase["status"] == "rejected"
    gina = team.laptop("gina", role="governance", districts=())
    gina.sync()
    assert gina.records[about]["deleted"] is False
    assert gina.records[about]["fields"]["narrative"] != "edited"
