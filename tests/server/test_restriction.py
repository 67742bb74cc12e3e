"""The server decides restriction: records inherit it from the work they link to, and only
supervisors and safeguarding users lower it, with a reason; authorship is the server's."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from fieldkit.domain.hlc import Hlc
from fieldkit.domain.records import RecordType
from fieldkit_server.db import make_engine, session_factory
from fieldkit_server.models import AuditEvent
from fieldkit_server.policy import (
    LINK_FIELDS,
    Principal,
    Role,
    effectively_restricted,
    link_targets,
    lowering_refusal,
)
from fieldkit_server.push import IncomingChange, Op

from .conftest import Laptop, Team, visit
from .test_commit_order import NOW as SERVER_NOW
from .test_commit_order import Server

ME = "u-me"


# --- pure rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record_type", "field"),
    [(t, f) for t, fields in LINK_FIELDS.items() for f in fields],
)
def test_each_link_field_names_a_target(record_type: RecordType, field: str) -> None:
    target = str(uuid.uuid4())
    assert link_targets(record_type, {field: target}) == {target}
    assert link_targets(record_type, {field: None}) == frozenset()


@pytest.mark.parametrize("record_type", sorted(set(RecordType) - set(LINK_FIELDS)))
def test_types_without_link_fields_link_to_nothing(record_type: RecordType) -> None:
    assert link_targets(record_type, {"visit_id": str(uuid.uuid4())}) == frozenset()


@pytest.mark.parametrize(
    ("own", "linked", "restricted"),
    [
        ("standard", [], False),
        ("standard", [False, False], False),
        ("standard", [False, True], True),
        ("restricted", [], True),
        ("restricted", [False], True),
        (None, [True], True),
    ],
)
def test_a_record_is_restricted_if_marked_or_linked_to_restricted_work(
    own: str | None, linked: list[bool], restricted: bool
) -> None:
    fields = {"sensitivity": own} if own else {}
    assert effectively_restricted(fields, linked_restricted=linked) is restricted


@pytest.mark.parametrize(
    ("role", "safeguarding", "before", "after", "reason", "allowed"),
    [
        # Tightening, or keeping, is anyone's.
        (Role.OFFICER, False, (False, False), (True, True), None, True),
        (Role.OFFICER, False, (True, True), (True, True), None, True),
        (Role.OFFICER, False, (False, True), (False, True), None, True),
        # Lowering its own marking, or unlinking it from restricted work.
        (Role.OFFICER, False, (True, True), (False, False), "wrongly marked", False),
        (Role.OFFICER, False, (False, True), (False, False), "wrongly linked", False),
        (Role.OFFICER, False, (True, True), (False, True), "still linked", False),
        (Role.HOUSING, False, (True, True), (False, False), "wrongly marked", False),
        (Role.OFFICER, True, (True, True), (False, False), None, False),
        (Role.OFFICER, True, (True, True), (False, False), "  ", False),
        (Role.OFFICER, True, (True, True), (False, False), "wrongly marked", True),
        (Role.SUPERVISOR, False, (True, True), (False, False), None, False),
        (Role.SUPERVISOR, False, (True, True), (False, False), "wrongly marked", True),
        (Role.SUPERVISOR, False, (False, True), (False, False), "wrongly linked", True),
    ],
)
def test_who_may_lower_a_records_restriction(
    role: Role,
    safeguarding: bool,
    before: tuple[bool, bool],
    after: tuple[bool, bool],
    reason: str | None,
    allowed: bool,
) -> None:
    principal = Principal(ME, role, frozenset({"huddersfield"}), safeguarding)
    refusal = lowering_refusal(
        principal,
        own_before=before[0],
        effective_before=before[1],
        own_after=after[0],
        effective_after=after[1],
        reason=reason,
    )
    assert (refusal is None) is allowed


# --- every link, through the server -----------------------------------------------------------

NOW = "2026-11-27T10:00:00+00:00"


def _visit(restricted: bool) -> tuple[str, dict[str, Any]]:
    return "visit", visit(categories=["domestic_abuse" if restricted else "street_drinking"])


def _case(restricted: bool, dependent_type: str = "tenancy_note") -> tuple[str, dict[str, Any]]:
    if dependent_type.startswith("asb_") or dependent_type == "community_trigger":
        return "asb_case", {
            "reference": "HUD-2026-4B7Q2M-0001",
            "title": "Noise from the flat above",
            "category": "nuisance",
            "owner": "sue",
            "opened_on": "2026-11-01",
            "district": "huddersfield",
            "sensitivity": "restricted" if restricted else "standard",
        }
    return "tenancy_case", {
        "place_id": str(uuid.uuid4()),
        "district": "huddersfield",
        "sensitivity": "restricted" if restricted else "standard",
    }


def _dependent(record_type: str, field: str, target_id: str) -> dict[str, Any]:
    person = str(uuid.uuid4())
    fields: dict[str, Any] = {
        "signposting": {
            "person_id": person,
            "service_ids": [],
            "given_at": NOW,
            "method": "leaflet",
        },
        "warning": {
            "person_id": person,
            "scheme": "acceptable_behaviour",
            "level": "first",
            "issued_at": NOW,
            "behaviour": "Shouting at a neighbour in the stairwell.",
        },
        "document": {
            "kind": "yellow_letter",
            "subject_type": "visit",
            "template_id": "yellow",
            "template_version": "1",
            "language": "en",
            "sha256": "a" * 64,
            "printed_at": NOW,
            "served_how": "handed_over",
        },
        "review": {
            "subject_type": "visit",
            "decision": "returned",
            "comment": "Please add who was present.",
            "decided_at": NOW,
            "reviewer": "Sue",
            "officer": "nobody",
        },
        "tenancy_note": {"written_at": NOW, "kind": "incident", "body": "Door kicked in at 2am."},
        "closure": {},
        "asb_party": {"person_id": person, "role": "victim"},
        "asb_risk_assessment": {
            "person_id": person,
            "matrix_id": "asb_victim_risk",
            "matrix_version": 1,
            "score": 25,
            "band": "high",
            "assessed_at": NOW,
            "assessed_by": "sue",
        },
        "asb_action": {"what": "Fit a door camera.", "agency": "Housing"},
        "community_trigger": {
            "applicant_id": person,
            "received_on": NOW[:10],
            "account": "Reported the noise three times since the summer.",
            "owner": "nobody",
        },
        "referral": {
            "source_type": "visit",
            "person_id": person,
            "to_agency": "voluntary",
            "reason": "Isolated and drinking daily; would like befriending.",
            "consent": "given",
            "referred_by": "sue",
            "sent_at": NOW,
        },
        # A photo of the visit: the record travels by sync whether or not its file has.
        "attachment": {
            "owner_type": "visit",
            "sha256": "b" * 64,
            "media_type": "image/jpeg",
            "bytes": 4096,
            "captured_by": "sue",
            "captured_at": NOW,
        },
    }[record_type]
    # A list link (an application's reports) names the work among others.
    value: Any = [str(uuid.uuid4()), target_id] if field.endswith("_ids") else target_id
    return {**fields, field: value, "district": "huddersfield"}


#: Each link: the dependent's type, its link field, and how to make the work it links to
#: (restricted or not). A warning's signposting is restricted through the signposting's visit.
LINKS: list[tuple[str, str]] = [
    ("signposting", "visit_id"),
    ("warning", "visit_id"),
    ("warning", "signposting_id"),
    ("document", "subject_id"),
    ("review", "subject_id"),
    ("tenancy_note", "case_id"),
    ("closure", "case_id"),
    ("asb_party", "case_id"),
    ("asb_risk_assessment", "case_id"),
    ("asb_action", "case_id"),
    ("asb_action", "meeting_id"),
    ("community_trigger", "visit_ids"),
    ("community_trigger", "case_id"),
    ("referral", "source_id"),
    ("attachment", "owner_id"),
]


def test_the_table_covers_every_link_field() -> None:
    assert sorted(LINKS) == sorted((t.value, f) for t, fs in LINK_FIELDS.items() for f in fs)


def _targets(
    sue: Laptop, field: str, restricted: bool, dependent_type: str
) -> tuple[list[dict[str, Any]], str]:
    """The changes making the work a link field points at, and the id the dependent names."""
    if field == "case_id":
        record_type, fields = _case(restricted, dependent_type)
        change = sue.upsert(record_type, fields)
        return [change], change["id"]
    if field == "meeting_id":
        meeting = sue.upsert(
            "meeting",
            {
                "district": "huddersfield",
                "held_on": NOW[:10],
                "chair": "sue",
                "sensitivity": "restricted" if restricted else "standard",
            },
        )
        return [meeting], meeting["id"]
    record_type, fields = _visit(restricted)
    visit_change = sue.upsert(record_type, fields)
    if field != "signposting_id":
        return [visit_change], visit_change["id"]
    signposting = sue.upsert(
        "signposting", _dependent("signposting", "visit_id", visit_change["id"])
    )
    return [visit_change, signposting], signposting["id"]


ORDERS = ["work_first", "dependent_first", "one_batch_dependent_first"]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("restricted", [True, False], ids=["restricted", "standard"])
@pytest.mark.parametrize(("record_type", "field"), LINKS)
def test_a_record_linked_to_restricted_work_reaches_only_those_cleared_for_it(
    team: Team, record_type: str, field: str, restricted: bool, order: str
) -> None:
    sue = team.laptop("sue", role="supervisor")
    hana = team.laptop("hana", role="housing", agency="housing")
    sam = team.laptop("sam", role="housing", agency="housing", safeguarding=True)
    work, target_id = _targets(sue, field, restricted, record_type)
    dependent = sue.upsert(record_type, _dependent(record_type, field, target_id))
    if order == "work_first":
        assert {r["status"] for r in sue.push(*work)["results"]} == {"applied"}
        assert sue.push_one(dependent)["status"] == "applied"
    elif order == "dependent_first":
        assert sue.push_one(dependent)["status"] == "applied"
        hana.sync()
        assert dependent["id"] in hana.records
        assert {r["status"] for r in sue.push(*work)["results"]} == {"applied"}
    else:
        assert {r["status"] for r in sue.push(dependent, *work)["results"]} == {"applied"}
    purged = hana.sync()
    sam.sync()
    assert (dependent["id"] in hana.records) is not restricted
    assert dependent["id"] in sam.records
    if restricted and order == "dependent_first":
        assert {"type": record_type, "id": dependent["id"]} in purged


# --- lowering ---------------------------------------------------------------------------------


def _events(team: Team, action: str) -> list[AuditEvent]:
    engine = make_engine(team.settings.db_url)
    try:
        with session_factory(engine)() as session:
            return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
    finally:
        engine.dispose()


def _lower(laptop: Laptop, record: dict[str, Any], **extra: Any) -> dict[str, Any]:
    laptop.clock.advance(seconds=1)
    change = laptop.upsert(
        "visit",
        {"categories": [], "sensitivity": "standard"},
        record_id=record["id"],
        base={"categories": record["hlc"], "sensitivity": record["hlc"]},
    )
    return laptop.push_one({**change, **extra})


def test_officer_cannot_lower_a_restricted_visit(team: Team) -> None:
    olive = team.laptop("olive")
    oscar = team.laptop("oscar")
    record = olive.upsert("visit", visit(categories=["domestic_abuse"]))
    olive.push(record)
    result = _lower(olive, record, reason="not really domestic")
    assert result["status"] == "rejected"
    assert result["reason"] == (
        "only a supervisor or safeguarding officer may lower a record's restriction"
    )
    oscar.sync()
    assert record["id"] not in oscar.records
    olive.sync()
    assert olive.records[record["id"]]["fields"]["sensitivity"] == "restricted"
    assert [e.record_id for e in _events(team, "refused")] == [record["id"]]


@pytest.mark.parametrize("role", ["supervisor", "safeguarding"])
def test_a_cleared_user_lowers_a_restriction_only_with_a_reason_and_it_is_audited(
    team: Team, role: str
) -> None:
    olive = team.laptop("olive", safeguarding=role == "safeguarding")
    oscar = team.laptop("oscar")
    sue = team.laptop("sue", role="supervisor") if role == "supervisor" else olive
    record = olive.upsert("visit", visit(categories=["domestic_abuse"]))
    signposting = olive.upsert("signposting", _dependent("signposting", "visit_id", record["id"]))
    olive.push(record, signposting)
    assert _lower(sue, record)["status"] == "rejected"
    oscar.sync()
    assert oscar.records == {}
    assert _lower(sue, record, reason="Recorded under the wrong category")["status"] == "applied"
    oscar.sync()
    assert set(oscar.records) == {record["id"], signposting["id"]}
    (lowered,) = _events(team, "lower_restriction")
    assert (lowered.record_id, lowered.reason) == (
        record["id"],
        "Recorded under the wrong category",
    )
    assert "domestic" not in (lowered.detail or "")
    derived = _events(team, "restriction_derived")
    assert [(e.record_id, json.loads(e.detail or "{}")) for e in derived][-1] == (
        signposting["id"],
        {"restricted": False},
    )


def test_officer_cannot_unlink_a_signposting_from_a_restricted_visit(team: Team) -> None:
    olive = team.laptop("olive")
    oscar = team.laptop("oscar")
    record = olive.upsert("visit", visit(categories=["domestic_abuse"]))
    signposting = olive.upsert("signposting", _dependent("signposting", "visit_id", record["id"]))
    olive.push(record, signposting)
    olive.clock.advance(seconds=1)
    unlink = olive.upsert(
        "signposting",
        {"visit_id": None},
        record_id=signposting["id"],
        base={"visit_id": signposting["hlc"]},
    )
    assert olive.push_one(unlink)["status"] == "rejected"
    oscar.sync()
    assert oscar.records == {}


def test_a_review_of_restricted_work_pushed_without_sensitivity_reaches_only_the_cleared(
    team: Team,
) -> None:
    sue = team.laptop("sue", role="supervisor")
    olive = team.laptop("olive")
    oscar = team.laptop("oscar")
    work = olive.upsert("visit", visit(categories=["hate_incident"]))
    olive.push(work)
    review = sue.upsert(
        "review", {**_dependent("review", "subject_id", work["id"]), "officer": "olive"}
    )
    assert sue.push_one(review)["status"] == "applied"
    olive.sync()
    oscar.sync()
    assert review["id"] in olive.records
    assert review["id"] not in oscar.records


def test_a_warning_on_a_visit_that_becomes_restricted_is_purged_from_officers(
    team: Team,
) -> None:
    sue = team.laptop("sue", role="supervisor")
    oscar = team.laptop("oscar")
    record = sue.upsert("visit", visit())
    warning = sue.upsert("warning", _dependent("warning", "visit_id", record["id"]))
    review = sue.upsert("review", _dependent("review", "subject_id", warning["id"]))
    sue.push(record, warning, review)
    oscar.sync()
    assert {warning["id"], review["id"]} <= set(oscar.records)
    sue.clock.advance(seconds=1)
    restrict = sue.upsert(
        "visit",
        {"categories": ["domestic_abuse"]},
        record_id=record["id"],
        base={"categories": record["hlc"]},
    )
    assert sue.push_one(restrict)["status"] == "applied"
    purged = oscar.sync()
    assert {p["id"] for p in purged} == {record["id"], warning["id"], review["id"]}
    assert oscar.records == {}


# --- authorship -------------------------------------------------------------------------------


def test_a_visit_naming_another_officer_is_rejected(team: Team) -> None:
    olive = team.laptop("olive")
    forged = olive.upsert("visit", visit(officer_id="sue"))
    result = olive.push_one(forged)
    assert (result["status"], result["reason"]) == (
        "rejected",
        "a visit's officer is the user who recorded it",
    )


@pytest.mark.parametrize("named", [None, "olive", " Olive "])
def test_a_visit_is_stamped_with_the_officer_who_pushed_it(team: Team, named: str | None) -> None:
    olive = team.laptop("olive")
    fields = visit() if named is None else visit(officer_id=named)
    record = olive.upsert("visit", fields)
    assert olive.push_one(record)["status"] == "applied"
    olive.sync()
    assert olive.records[record["id"]]["fields"]["officer_id"] == "olive"
    assert olive.records[record["id"]]["author"] == "olive"


def test_a_supervisors_edit_keeps_the_visits_officer(team: Team) -> None:
    olive = team.laptop("olive")
    sue = team.laptop("sue", role="supervisor")
    record = olive.upsert("visit", visit())
    olive.push(record)
    sue.clock.advance(seconds=1)
    edit = sue.upsert("visit", {"actions": ["Referred"]}, record_id=record["id"])
    assert sue.push_one(edit)["status"] == "applied"
    takeover = sue.upsert("visit", {"officer_id": "sue"}, record_id=record["id"])
    assert sue.push_one(takeover)["status"] == "rejected"
    sue.sync()
    assert sue.records[record["id"]]["fields"]["officer_id"] == "olive"


def _stamped(laptop: Laptop, node: str) -> dict[str, Any]:
    return laptop.upsert(
        "person", {"given_name": "Sam", "district": "huddersfield"}, hlc=laptop.clock.hlc(node)
    )


def test_a_change_stamped_with_another_devices_clock_is_rejected(team: Team) -> None:
    olive = team.laptop("olive")
    oscar = team.laptop("oscar")
    result = olive.push_one(_stamped(olive, oscar.device_id))
    assert (result["status"], result["reason"]) == (
        "rejected",
        "the change's clock names another device",
    )


def test_a_laptops_vault_node_is_bound_to_its_device_and_no_other(team: Team) -> None:
    olive = team.laptop("olive")
    oscar = team.laptop("oscar")
    vault_node = str(uuid.uuid4())
    assert olive.push_one(_stamped(olive, vault_node))["status"] == "applied"
    assert olive.push_one(_stamped(olive, vault_node))["status"] == "applied"
    assert olive.push_one(_stamped(olive, olive.device_id))["status"] == "applied"
    assert oscar.push_one(_stamped(oscar, vault_node))["status"] == "rejected"
    assert olive.push_one(_stamped(olive, str(uuid.uuid4())))["status"] == "rejected"


# --- concurrent pushes ------------------------------------------------------------------------


def _incoming(record_type: str, fields: dict[str, Any], device: str) -> IncomingChange:
    return IncomingChange(
        change_id=str(uuid.uuid4()),
        type=RecordType(record_type),
        id=str(uuid.uuid4()),
        op=Op.UPSERT,
        hlc=str(Hlc(int(SERVER_NOW.timestamp() * 1000), 0, device)),
        fields=fields,
        base={},
    )


@pytest.mark.postgres
@pytest.mark.parametrize("held_open", ["dependent", "work"])
def test_a_link_to_work_restricted_by_a_concurrent_push_is_restricted(
    pg_url: str, held_open: str
) -> None:
    # Named, so that only this test's own connections are counted as waiting for the clock's
    # lock (other tests run on the same database at the same time).
    name = "fk-restriction-" + uuid.uuid4().hex[:8]
    server = Server(
        make_url(pg_url)
        .update_query_dict({"application_name": name})
        .render_as_string(hide_password=False)
    )
    work = _incoming("visit", visit(categories=["domestic_abuse"], officer_id="sue"), "dev-w")
    dependent = _incoming("signposting", _dependent("signposting", "visit_id", work.id), "dev-d")
    first, second = (dependent, work) if held_open == "dependent" else (work, dependent)
    paused, release = threading.Event(), threading.Event()

    def hold_open() -> None:
        paused.set()
        release.wait(timeout=30)

    a = threading.Thread(
        target=server.push, args=([first],), kwargs={"device": "dev-a", "before_commit": hold_open}
    )
    a.start()
    assert paused.wait(timeout=30)
    b = threading.Thread(target=server.push, args=([second],), kwargs={"device": "dev-b"})
    b.start()
    waiting = 0
    with server.engine.connect() as conn:
        for _ in range(2000):
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                    "AND wait_event_type = 'Lock' AND query LIKE '%sync_clock%'"
                ),
                {"name": name},
            ).scalar_one()
            if waiting:
                break
            conn.rollback()
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)
    assert waiting == 1
    with server.engine.connect() as conn:
        restricted = dict(
            conn.execute(
                text("SELECT id, restricted FROM records WHERE id IN (:w, :d)"),
                {"w": work.id, "d": dependent.id},
            ).all()
        )
    server.engine.dispose()
    assert restricted == {work.id: True, dependent.id: True}
