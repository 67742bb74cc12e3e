"""Golden sync messages: the server's models and the laptop's parsers read and write them alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel
from tests.factories import visit
from tests.server.conftest import Team

from fieldkit import wire
from fieldkit.services.records import RecordService
from fieldkit.store import replica
from fieldkit.store.vault import Vault
from fieldkit.sync import protocol
from fieldkit.wire import messages
from fieldkit_server import attestation, audit, settings
from fieldkit_server.push.model import ChangeResult, ChangeStatus, Op

GOLDEN = Path(__file__).parent / "golden"


def golden(name: str) -> dict[str, Any]:
    message: dict[str, Any] = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    return message


# One vocabulary --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "vocabulary"),
    [
        (messages.ChangeOpText, wire.ChangeOp),
        (messages.ChangeStatusText, wire.ChangeStatus),
        (messages.AuditActionText, wire.AuditAction),
        (messages.AttestStatusText, wire.AttestStatus),
        (messages.DeviceAlertKindText, wire.DeviceAlertKind),
    ],
    ids=["op", "status", "audit", "attest", "alert"],
)
def test_each_message_member_lists_exactly_its_vocabulary(member: Any, vocabulary: Any) -> None:
    assert list(get_args(member)) == [word.value for word in vocabulary]


def test_both_sides_speak_the_one_protocol_and_its_words() -> None:
    assert protocol.PROTOCOL is settings.PROTOCOL is wire.PROTOCOL
    assert protocol.ChangeStatus is ChangeStatus is wire.ChangeStatus
    assert Op is wire.ChangeOp
    assert protocol.AttestStatus is wire.AttestStatus
    assert [kind.value for kind in attestation.AlertKind] == list(wire.DeviceAlertKind)
    # The server logs more than laptops send, but every word a laptop sends it knows.
    assert {action.value for action in wire.AuditAction} <= {a.value for a in audit.AuditAction}


@pytest.mark.parametrize(
    "hlc",
    ["001795770000000:0000:7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f", "000000000000001:9999:server"],
)
def test_a_clock_the_protocol_writes_is_recognised(hlc: str) -> None:
    assert wire.is_wire_hlc(hlc)


@pytest.mark.parametrize(
    "hlc",
    [
        "1795770000000:0000:x",
        "001795770000000:0000:",
        "001795770000000:0000:a b",
        "0" * 15 + ":0000:" + "n" * 65,
    ],
)
def test_a_clock_off_the_pattern_is_not(hlc: str) -> None:
    assert not wire.is_wire_hlc(hlc)


# The server's side -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("push_request.json", messages.PushRequest),
        ("push_response.json", messages.PushResponse),
        ("pull_response.json", messages.PullResponse),
    ],
)
def test_the_server_reads_and_writes_each_golden_message_unchanged(
    name: str, model: type[BaseModel]
) -> None:
    message = golden(name)
    assert model.model_validate(message).model_dump(mode="json", exclude_unset=True) == message


def test_the_server_words_its_push_results_as_the_golden_reply() -> None:
    reply = golden("push_response.json")
    built = [
        ChangeResult(
            r["change_id"],
            ChangeStatus(r["status"]),
            r["reason"],
            r.get("hlc"),
        ).wire()
        for r in reply["results"]
    ]
    body = messages.PushResponse(results=built, server_hlc=reply["server_hlc"])  # type: ignore[arg-type]
    # A result names a clock only when the server clamped the change's own.
    assert body.model_dump(mode="json", exclude_unset=True) == reply


def test_a_live_server_answers_a_push_and_a_pull_in_the_golden_shapes(team: Team) -> None:
    laptop = team.laptop("olive")
    sent = golden("push_request.json")["changes"][0]
    pushed = laptop.push(laptop.upsert("visit", dict(sent["fields"], officer_id="olive")))
    golden_push = golden("push_response.json")
    assert pushed.keys() == golden_push.keys()
    assert pushed["results"][0].keys() == golden_push["results"][0].keys()
    assert protocol.PushReply.parse(pushed).results[0].status is wire.ChangeStatus.APPLIED

    pulled = laptop.pull_page()
    golden_pull = golden("pull_response.json")
    assert pulled.keys() == golden_pull.keys()
    assert pulled["records"][0].keys() == golden_pull["records"][0].keys()
    messages.PullResponse.model_validate(pulled)
    page = protocol.PullPage.parse(pulled)
    assert [r.type for r in page.records] == ["visit"]


# The laptop's side -----------------------------------------------------------------------------


def test_the_laptop_reads_the_golden_push_reply() -> None:
    reply = protocol.PushReply.parse(golden("push_response.json"))
    assert [r.status for r in reply.results] == [
        wire.ChangeStatus.APPLIED,
        wire.ChangeStatus.APPLIED,
        wire.ChangeStatus.REJECTED,
    ]
    assert [r.clamped_hlc for r in reply.results] == [None, "001795770000900:0000:server", None]
    assert reply.results[2].reason == "not_permitted"
    assert reply.server_hlc == "001795770002000:0000:server"


def test_a_live_server_answers_the_compact_form_in_its_golden_shape(team: Team) -> None:
    laptop = team.laptop("olive")
    sent = golden("push_request.json")["changes"][0]
    laptop.push(laptop.upsert("visit", dict(sent["fields"], officer_id="olive")))
    reply = team.client.get("/v1/sync/pull", params={"form": "compact"}, headers=laptop.auth)
    assert reply.status_code == 200
    pulled = reply.json()
    golden_pull = golden("pull_response_compact.json")
    assert pulled.keys() == golden_pull.keys()
    assert pulled["records"][0].keys() == golden_pull["records"][0].keys()
    messages.PullResponse.model_validate(pulled)
    (record,) = protocol.PullPage.parse(pulled).records  # fmt: skip
    assert set(record.versions.values()) == {pulled["records"][0]["hlc"]}


def test_the_laptop_expands_the_golden_compact_pull_page() -> None:
    full = protocol.PullPage.parse(golden("pull_response.json"))
    page = protocol.PullPage.parse(golden("pull_response_compact.json"))
    live, tombstone = page.records
    stamp = golden("pull_response.json")["records"][0]["versions"]["district"]
    later = golden("pull_response_compact.json")["records"][0]["versions"]["narrative"]
    assert dict(live.versions) == {**full.records[0].versions, "narrative": later}
    assert stamp != later
    assert tombstone == full.records[1]
    assert (page.next, page.more, page.purge) == (full.next, full.more, full.purge)
    # One record on its own (a fetch's shape) expands the same way.
    one = protocol.WireRecord.parse(golden("pull_response_compact.json")["records"][0])
    assert one == live


def test_the_laptop_reads_the_golden_pull_page() -> None:
    page = protocol.PullPage.parse(golden("pull_response.json"))
    live, tombstone = page.records
    assert (live.deleted, live.author, live.fields["district"]) == (
        False,
        "amy.officer",
        "huddersfield",
    )
    assert set(live.versions) == set(live.fields)
    assert tombstone.deleted
    assert tombstone.fields == {}
    assert page.purge == (("person", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),)
    assert (page.next, page.more) == ("1795770002000:17", False)


def test_the_laptop_writes_its_outbox_as_the_golden_push_request() -> None:
    request = golden("push_request.json")
    outbox = [
        replica.OutgoingChange(seq, **change) for seq, change in enumerate(request["changes"], 40)
    ]
    # As the transport sends a batch: the changes' own shape, and the batch's highest number.
    body = {"changes": [c.wire() for c in outbox], "device_seq": max(c.seq for c in outbox)}
    assert body == request


def test_a_visit_saved_in_a_real_vault_goes_out_as_the_server_reads_it(vault: Vault) -> None:
    RecordService(vault).create(record_type="visit", fields=visit())
    with vault.read() as conn:
        outbox = replica.pending_changes(conn, limit=10)
    body = {"changes": [c.wire() for c in outbox], "device_seq": max(c.seq for c in outbox)}
    parsed = messages.PushRequest.model_validate(body)
    assert [c.op for c in parsed.changes] == [wire.ChangeOp.UPSERT]
    assert parsed.model_dump(mode="json", exclude_unset=True) == body
