"""The governance endpoints: information governance only, every call audited, same paths as CLI."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, select

from fieldkit_server.models import AuditEvent

from .conftest import Laptop, Team, person, visit

PLANTED = "Quillon Marchbanks"

#: Every governance endpoint, with a body that would be valid for governance.
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/governance/retention/due", None),
    (
        "POST",
        "/v1/governance/retention/decisions",
        {
            "decisions": [
                {
                    "type": "visit",
                    "id": "5f0c1d3e-0000-4000-8000-00000000dead",
                    "decision": "erase",
                }
            ]
        },
    ),
    ("GET", "/v1/governance/requests", None),
    (
        "POST",
        "/v1/governance/requests",
        {
            "kind": "subject_access",
            "person_id": "5f0c1d3e-0000-4000-8000-00000000dead",
            "received": "2026-11-27",
        },
    ),
    (
        "POST",
        "/v1/governance/requests/5f0c1d3e-0000-4000-8000-00000000dead/extend",
        {"reason": "complex"},
    ),
    (
        "POST",
        "/v1/governance/requests/5f0c1d3e-0000-4000-8000-00000000dead/answer",
        {"decision": "done"},
    ),
    ("POST", "/v1/governance/requests/5f0c1d3e-0000-4000-8000-00000000dead/lift", None),
    (
        "POST",
        "/v1/governance/subject-access",
        {"person_id": "5f0c1d3e-0000-4000-8000-00000000dead"},
    ),
]


def _audit(db_url: str) -> list[Any]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(AuditEvent).order_by(AuditEvent.id)))
    finally:
        engine.dispose()


def _push(laptop: Laptop, record_type: str, fields: dict[str, Any]) -> str:
    change = laptop.upsert(record_type, fields)
    result = laptop.push_one(change)
    assert result["status"] == "applied", result
    return str(change["id"])


def _call(laptop: Laptop, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return laptop.client.request(method, path, json=body, headers=laptop.auth)


@pytest.mark.parametrize("role", ["officer", "housing", "supervisor", "admin"])
@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_only_governance_may_call_a_governance_endpoint_and_refusals_are_logged(
    team: Team, role: str, method: str, path: str, body: dict[str, Any] | None
) -> None:
    districts = () if role == "admin" else ("huddersfield",)
    agency = "housing" if role == "housing" else "council"
    someone = team.laptop("someone", role=role, districts=districts, agency=agency)
    before = len(_audit(team.settings.db_url))

    reply = _call(someone, method, path, body)

    assert reply.status_code == 403, reply.text
    assert reply.json()["code"] == "forbidden"
    new = _audit(team.settings.db_url)[before:]
    assert [(e.action, e.user_id) for e in new] == [("refused", someone.user["id"])]


def test_a_call_without_a_token_is_refused_as_not_signed_in(team: Team) -> None:
    reply = team.client.get("/v1/governance/retention/due")
    assert reply.status_code == 401


def test_governance_sees_the_due_list_and_its_listing_is_logged(team: Team) -> None:
    olive = team.laptop("olive")
    gina = team.laptop("gina", role="governance", districts=())
    someone = _push(olive, "person", person())
    signposting = _push(
        olive,
        "signposting",
        {
            "person_id": someone,
            "given_at": "2026-11-20T10:00:00Z",
            "method": "leaflet",
            "district": "huddersfield",
        },
    )

    reply = _call(gina, "GET", "/v1/governance/retention/due?as_of=2028-11-27")

    assert reply.status_code == 200, reply.text
    assert [(i["type"], i["id"], i["due"]) for i in reply.json()["items"]] == [
        ("signposting", signposting, "2027-11-20")
    ]
    [event] = [e for e in _audit(team.settings.db_url) if e.action == "retention_due"]
    assert (event.user_id, event.device_id) == (gina.user["id"], gina.device_id)
    assert json.loads(event.detail) == {"as_of": "2028-11-27", "due": 1}


def test_governance_erases_a_record_from_the_app_and_every_laptop_loses_it(team: Team) -> None:
    olive = team.laptop("olive")
    rosa = team.laptop("rosa")
    gina = team.laptop("gina", role="governance", districts=())
    visit_id = _push(olive, "visit", visit(narrative=f"Spoke to {PLANTED} at the shops"))
    rosa.sync()
    assert PLANTED in json.dumps(rosa.records[visit_id])

    reply = _call(
        gina,
        "POST",
        "/v1/governance/retention/decisions",
        {"decisions": [{"type": "visit", "id": visit_id, "decision": "erase", "reason": "up"}]},
    )

    assert reply.status_code == 200, reply.text
    assert reply.json() == {"kept": 0, "anonymised": 0, "erased": 1}
    rosa.sync()
    assert rosa.records[visit_id]["deleted"] is True
    assert PLANTED not in json.dumps(rosa.records)
    events = [e for e in _audit(team.settings.db_url) if e.record_id == visit_id]
    decided = [e for e in events if e.action == "retention_decision"]
    assert [e.actor for e in decided] == ["gina"]
    assert not any(PLANTED in json.dumps(e._asdict(), default=str) for e in events)


def test_a_bad_decision_applies_nothing_and_names_which_one(team: Team) -> None:
    olive = team.laptop("olive")
    gina = team.laptop("gina", role="governance", districts=())
    visit_id = _push(olive, "visit", visit(narrative=f"Saw {PLANTED}"))
    decisions = [
        {"type": "visit", "id": visit_id, "decision": "erase"},
        # Keeping needs a reason and a review date.
        {"type": "visit", "id": "5f0c1d3e-0000-4000-8000-00000000beef", "decision": "keep"},
    ]

    reply = _call(gina, "POST", "/v1/governance/retention/decisions", {"decisions": decisions})

    assert reply.status_code == 422
    assert reply.json()["code"] == "bad_decision"
    assert "decision 2" in reply.json()["detail"]
    olive.sync()
    assert olive.records[visit_id]["deleted"] is False


def test_a_kept_record_needs_a_future_review_date(team: Team) -> None:
    olive = team.laptop("olive")
    gina = team.laptop("gina", role="governance", districts=())
    visit_id = _push(olive, "visit", visit())
    keep = {"type": "visit", "id": visit_id, "decision": "keep", "reason": "open case"}

    past = _call(
        gina,
        "POST",
        "/v1/governance/retention/decisions",
        {"decisions": [{**keep, "review_on": "2020-01-01"}]},
    )
    future = _call(
        gina,
        "POST",
        "/v1/governance/retention/decisions",
        {"decisions": [{**keep, "review_on": "2099-01-01"}]},
    )

    assert past.status_code == 422
    assert "review_on must be after today" in past.json()["detail"]
    assert future.status_code == 200, future.text
    assert future.json()["kept"] == 1


def test_governance_works_a_request_through_add_extend_answer_and_lift(team: Team) -> None:
    olive = team.laptop("olive")
    sue = team.laptop("sue", role="supervisor", safeguarding=True)
    gina = team.laptop("gina", role="governance", districts=())
    subject = _push(olive, "person", person())
    about = _push(olive, "visit", visit(person_ids=[subject]))
    sue.sync()

    added = _call(
        gina,
        "POST",
        "/v1/governance/requests",
        {
            "kind": "restriction",
            "person_id": subject,
            "received": "2026-11-20",
            "detail": f"{PLANTED} disputes the address",
        },
    )
    assert added.status_code == 200, added.text
    request_id = added.json()["id"]
    assert added.json()["due"] == "2026-12-20"
    listed = _call(gina, "GET", "/v1/governance/requests?open=true").json()["requests"]
    assert [r["id"] for r in listed] == [request_id]
    extended = _call(
        gina, "POST", f"/v1/governance/requests/{request_id}/extend", {"reason": "complex"}
    )
    assert extended.json()["extended"] is True
    again = _call(gina, "POST", f"/v1/governance/requests/{request_id}/extend", {"reason": "x"})
    assert again.status_code == 422
    assert again.json()["detail"] == "the request is already extended"
    answered = _call(
        gina,
        "POST",
        f"/v1/governance/requests/{request_id}/answer",
        {"decision": "granted", "restrict": True},
    )
    assert answered.json()["restricting"] is True
    assert {p["id"] for p in sue.sync()} == {subject, about}
    lifted = _call(gina, "POST", f"/v1/governance/requests/{request_id}/lift")
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["restricting"] is False
    sue.sync()
    assert {subject, about} <= set(sue.records)
    assert _call(gina, "GET", "/v1/governance/requests?open=true").json()["requests"] == []

    events = _audit(team.settings.db_url)
    actions = [e.action for e in events if e.actor == "gina"]
    for action in ("request_add", "request_list", "request_extend", "request_answer"):
        assert action in actions
    assert not any(PLANTED in json.dumps(e._asdict(), default=str) for e in events)


def test_an_unknown_request_is_not_found(team: Team) -> None:
    gina = team.laptop("gina", role="governance", districts=())
    path = "/v1/governance/requests/5f0c1d3e-0000-4000-8000-00000000dead/lift"
    reply = _call(gina, "POST", path)
    assert reply.status_code == 404
    assert reply.json()["code"] == "not_found"


def test_a_subject_access_from_the_app_returns_the_pdf_and_logs_each_disclosure(
    team: Team,
) -> None:
    olive = team.laptop("olive")
    gina = team.laptop("gina", role="governance", districts=())
    subject = _push(olive, "person", person(given_name="Quillon", family_name="Marchbanks"))
    about = _push(olive, "visit", visit(person_ids=[subject]))

    reply = _call(gina, "POST", "/v1/governance/subject-access", {"person_id": subject})

    assert reply.status_code == 200, reply.text
    body = reply.json()
    pdf = base64.b64decode(body["pdf"])
    assert hashlib.sha256(pdf).hexdigest() == body["pdf_sha256"]
    assert body["export"]["pdf_sha256"] == body["pdf_sha256"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert PLANTED in " ".join(text.split())
    assert body["reference"] in text
    assert {r["id"] for r in body["export"]["records"]} == {subject, about}
    logged = {
        e.record_id
        for e in _audit(team.settings.db_url)
        if e.action == "subject_access" and e.actor == "gina"
    }
    assert logged == {subject, about}


def test_a_subject_access_for_no_such_person_is_not_found(team: Team) -> None:
    gina = team.laptop("gina", role="governance", districts=())
    reply = _call(
        gina,
        "POST",
        "/v1/governance/subject-access",
        {"person_id": "5f0c1d3e-0000-4000-8000-00000000dead"},
    )
    assert reply.status_code == 404
