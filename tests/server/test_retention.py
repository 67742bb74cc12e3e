"""Retention review at the server: the due list, and keep, anonymise and erase decisions."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from fieldkit_server.cli import main
from fieldkit_server.models import AuditEvent, Conflict, Record, RetentionDecision

from .conftest import Laptop, Team, person, visit

PLANTED = "Zebedee-Quillfeather"
#: The day the demo's records are two years old (the server's test clock starts 2026-11-27).
AGED = "2028-11-28"


def _run(db_url: str, *args: str) -> int:
    return main([*args, "--db", db_url], stdin=io.StringIO(""))


def _due(db_url: str, capsys: pytest.CaptureFixture[str], *, as_of: str = AGED) -> list[Any]:
    capsys.readouterr()
    assert _run(db_url, "retention", "due", "--as-of", as_of) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _signposting(person_id: str, given_at: str) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "given_at": given_at,
        "method": "leaflet",
        "district": "huddersfield",
    }


def _warning(person_id: str, expires_at: str) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "scheme": "community_protection",
        "level": "cpw",
        "issued_at": "2026-01-05T10:00:00+00:00",
        "expires_at": expires_at,
        "district": "huddersfield",
        "behaviour": "Drinking in the precinct",
        "status": "issued",
    }


def _push(laptop: Laptop, record_type: str, fields: dict[str, Any]) -> str:
    change = laptop.upsert(record_type, fields)
    result = laptop.push_one(change)
    assert result["status"] == "applied", result
    return str(change["id"])


def _decisions(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "decisions.jsonl"
    path.write_text(
        "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    )
    return path


def _rows(db_url: str, model: Any) -> list[Any]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(model)))
    finally:
        engine.dispose()


def test_the_due_list_names_exactly_the_records_whose_time_is_up(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop = team.laptop("olive")
    someone = _push(laptop, "person", person())
    # Signposting is kept 12 months: given in 2026, due in 2027.
    old_signposting = _push(laptop, "signposting", _signposting(someone, "2026-11-20T10:00:00Z"))
    # Given in 2028: not due by the day the data is two years old.
    _push(laptop, "signposting", _signposting(someone, "2028-06-01T10:00:00Z"))
    # Warnings are reviewed 24 months after they end: expired early 2026, due early 2028.
    expired = _push(laptop, "warning", _warning(someone, "2026-02-01T00:00:00+00:00"))
    # Expires 2027: not due until 2029.
    _push(laptop, "warning", _warning(someone, "2027-02-01T00:00:00+00:00"))
    # Visits (72 months) and people (72 months after their last visit) are years off.
    _push(laptop, "visit", visit(person_ids=[someone]))

    due = _due(team.settings.db_url, capsys)

    assert [(d["type"], d["id"], d["due"], d["rule"]) for d in due] == [
        ("signposting", old_signposting, "2027-11-20", "12 months after recorded, then delete"),
        ("warning", expired, "2028-02-01", "24 months after warning_ended, then review"),
    ]
    # Nothing is due yet today.
    assert _due(team.settings.db_url, capsys, as_of="2026-11-27") == []


def test_erasing_a_record_sends_a_tombstone_to_every_laptop_and_logs_no_content(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    writer = team.laptop("olive")
    reader = team.laptop("rosa")
    visit_id = _push(writer, "visit", visit(narrative=f"Spoke to {PLANTED} at the shops"))
    reader.sync()
    assert PLANTED in json.dumps(reader.records[visit_id])
    db_url = team.settings.db_url
    decisions = _decisions(
        tmp_path, {"type": "visit", "id": visit_id, "decision": "erase", "reason": "time up"}
    )

    assert _run(db_url, "retention", "apply", "--decisions", str(decisions)) == 0

    reader.sync()
    erased = reader.records[visit_id]
    assert erased["deleted"] is True
    assert erased["fields"] == {}
    assert erased["versions"] == {}
    [stored] = [r for r in _rows(db_url, Record) if r.id == visit_id]
    assert PLANTED not in stored.fields + stored.versions
    events = [e for e in _rows(db_url, AuditEvent) if e.record_id == visit_id]
    actions = {e.action for e in events}
    assert {"erase", "retention_decision"} <= actions
    assert not any(PLANTED in json.dumps(e._asdict(), default=str) for e in events)
    [decision] = _rows(db_url, RetentionDecision)
    assert (decision.record_id, decision.decision) == (visit_id, "erase")


def test_erasing_a_record_drops_the_conflicts_that_held_its_values(
    team: Team, tmp_path: Path
) -> None:
    officer = team.laptop("olive")
    supervisor = team.laptop("sue", role="supervisor")
    place = {"label": "Precinct", "district": "huddersfield"}
    place_id = _push(officer, "place", {**place, "address": f"Flat 2, home of {PLANTED}"})
    # An edit made without seeing the first: the server keeps both values as a conflict.
    result = supervisor.push_one(
        supervisor.upsert("place", {**place, "address": "Flat 3"}, record_id=place_id)
    )
    assert result["status"] == "applied"
    db_url = team.settings.db_url
    assert [c for c in _rows(db_url, Conflict) if c.record_id == place_id]
    decisions = _decisions(tmp_path, {"type": "place", "id": place_id, "decision": "erase"})
    assert _run(db_url, "retention", "apply", "--decisions", str(decisions)) == 0
    assert not [c for c in _rows(db_url, Conflict) if c.record_id == place_id]


def test_anonymising_a_visit_keeps_only_the_kept_fields_under_a_new_id(
    team: Team, tmp_path: Path
) -> None:
    writer = team.laptop("olive")
    reader = team.laptop("rosa")
    someone = _push(writer, "person", person())
    visit_id = _push(writer, "visit", visit(narrative=f"Saw {PLANTED}", person_ids=[someone]))
    reader.sync()
    db_url = team.settings.db_url
    decisions = _decisions(tmp_path, {"type": "visit", "id": visit_id, "decision": "anonymise"})

    assert _run(db_url, "retention", "apply", "--decisions", str(decisions)) == 0

    reader.sync()
    assert reader.records[visit_id]["deleted"] is True
    copies = [
        r
        for r in reader.records.values()
        if r["type"] == "visit" and not r["deleted"] and r["id"] != visit_id
    ]
    [copy] = copies
    assert PLANTED not in json.dumps(copy)
    assert someone not in json.dumps(copy)
    assert copy["fields"]["district"] == "huddersfield"
    assert copy["fields"]["categories"] == ["street_drinking"]
    assert copy["fields"]["occurred_at"] == "2026-11-27T00:00:00+00:00"


def test_a_kept_record_leaves_the_due_list_until_its_review_date(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    laptop = team.laptop("olive")
    someone = _push(laptop, "person", person())
    signposting = _push(laptop, "signposting", _signposting(someone, "2026-11-20T10:00:00Z"))
    db_url = team.settings.db_url
    review_on = "2099-01-01"
    decisions = _decisions(
        tmp_path,
        {
            "type": "signposting",
            "id": signposting,
            "decision": "keep",
            "reason": "referral still open with the service",
            "review_on": review_on,
        },
    )
    assert _run(db_url, "retention", "apply", "--decisions", str(decisions)) == 0
    assert _due(db_url, capsys) == []
    assert signposting not in [d["id"] for d in _due(db_url, capsys, as_of="2098-12-31")]
    assert signposting in [d["id"] for d in _due(db_url, capsys, as_of=review_on)]


@pytest.mark.parametrize(
    ("second_line", "message"),
    [
        ("{not json", "line 2: not a JSON object"),
        ({"type": "visit", "id": "ID", "decision": "shred"}, "line 2: decision must be"),
        ({"type": "gizmo", "id": "ID", "decision": "erase"}, "line 2: type must be"),
        ({"type": "visit", "id": "not-an-id", "decision": "erase"}, "line 2: id must be"),
        ({"type": "visit", "id": "ID", "decision": "keep"}, "line 2: keeping a record needs"),
        (
            {
                "type": "visit",
                "id": "ID",
                "decision": "keep",
                "reason": "x",
                "review_on": "2020-01-01",
            },
            "line 2: review_on must be after today",
        ),
        ({"type": "visit", "id": "ID", "decision": "erase", "colour": 1}, "line 2: unknown key"),
        ({"type": "visit", "id": "OTHER", "decision": "erase"}, "line 2: the server holds no such"),
        ({"type": "person", "id": "ID", "decision": "erase"}, "line 2: the server holds no such"),
        ({"type": "visit", "id": "FIRST", "decision": "erase"}, "line 2: a second decision"),
        ({"type": "person", "id": "PERSON", "decision": "anonymise"}, "line 2: person records"),
    ],
)
def test_a_bad_decisions_file_names_the_line_and_applies_nothing(
    team: Team,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    second_line: object,
    message: str,
) -> None:
    laptop = team.laptop("olive")
    first = _push(laptop, "visit", visit(narrative=f"Saw {PLANTED}"))
    second = _push(laptop, "visit", visit())
    someone = _push(laptop, "person", person(given_name=PLANTED))
    if isinstance(second_line, dict):
        second_line = json.loads(
            json.dumps(second_line)
            .replace('"ID"', json.dumps(second))
            .replace('"FIRST"', json.dumps(first))
            .replace('"OTHER"', json.dumps(str(uuid.uuid4())))
            .replace('"PERSON"', json.dumps(someone))
        )
    db_url = team.settings.db_url
    decisions = _decisions(
        tmp_path, {"type": "visit", "id": first, "decision": "erase"}, second_line
    )
    capsys.readouterr()

    assert _run(db_url, "retention", "apply", "--decisions", str(decisions)) == 1

    err = capsys.readouterr().err
    assert message in err
    assert "nothing applied" in err
    assert PLANTED not in err
    assert not any(r.deleted for r in _rows(db_url, Record))
    assert _rows(db_url, RetentionDecision) == []


def test_information_governance_needs_no_district_and_writes_no_case_data_by_sync(
    team: Team,
) -> None:
    governance = team.laptop("gina", role="governance", districts=())
    result = governance.push_one(governance.upsert("visit", visit()))
    assert result["status"] == "rejected"
    assert "information governance" in result["reason"]
    assert governance.sync() == []
    assert [r for r in governance.records.values() if r["type"] != "service"] == []
