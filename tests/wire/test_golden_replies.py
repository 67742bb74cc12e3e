"""Every reply and request the laptop exchanges: golden copies both sides read and produce alike."""

from __future__ import annotations

import gzip
import inspect
import json
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import BaseModel
from tests.server.conftest import Team

from fieldkit.domain.attestation import Head, Shown
from fieldkit.domain.rights_requests import RequestKind, RequestState
from fieldkit.sync import governance as gov
from fieldkit.sync import protocol
from fieldkit.sync.protocol import BadReply
from fieldkit.sync.transport import Transport, TransportConfig
from fieldkit.wire import audit, files, governance, messages, records, reply, session
from fieldkit_server import gazetteer, rights, sharing

GOLDEN = Path(__file__).parent / "golden"

if sys.version_info >= (3, 14):  # the standard library's own
    from compression import zstd
else:
    from backports import zstd


def golden(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def raw(name: str) -> bytes:
    return (GOLDEN / name).read_bytes()


# name -> the model the server reads or writes it with
MODELS: dict[str, type[BaseModel]] = {
    "login_request.json": session.LoginRequest,
    "login_response.json": session.LoginResponse,
    "handshake_response.json": session.HandshakeResponse,
    "attest_request.json": session.AttestRequest,
    "attest_response.json": session.AttestResponse,
    "acknowledge_request.json": session.HeadIn,
    "acknowledge_response.json": session.AcknowledgeResponse,
    "device_alerts_response.json": session.DeviceAlertsResponse,
    "audit_response.json": audit.AuditResponse,
    "conflicts_response.json": records.ConflictsResponse,
    "digest_response.json": records.DigestResponse,
    "buckets_response.json": records.BucketsResponse,
    "bucket_response.json": records.BucketResponse,
    "fetch_request.json": records.FetchRequest,
    "fetch_response.json": records.FetchResponse,
    "gazetteer_response.json": records.GazetteerResponse,
    "file_start_request.json": files.FileStart,
    "file_response.json": files.FileOut,
    "retention_due_response.json": governance.DueResponse,
    "retention_decisions_request.json": governance.DecisionsRequest,
    "retention_decisions_response.json": governance.DecisionsResponse,
    "rights_requests_response.json": governance.RequestsResponse,
    "rights_request_add_request.json": governance.RequestAddIn,
    "rights_request_extend_request.json": governance.RequestExtendIn,
    "rights_request_answer_request.json": governance.RequestAnswerIn,
    "rights_request_response.json": governance.RequestOut,
    "subject_access_request.json": governance.SubjectAccessIn,
    "subject_access_response.json": governance.SubjectAccessOut,
    "agreements_response.json": governance.AgreementsResponse,
    "push_request.json": messages.PushRequest,
    "push_response.json": messages.PushResponse,
    "pull_response.json": messages.PullResponse,
    "pull_response_compact.json": messages.PullResponse,
}

# name -> the laptop's parser of that reply
PARSERS: dict[str, Callable[[bytes], object]] = {
    "login_response.json": protocol.LoginReply.parse,
    "handshake_response.json": protocol.Handshake.parse,
    "attest_response.json": protocol.AttestReply.parse,
    "acknowledge_response.json": lambda b: protocol.head_from(
        protocol.read(session.AcknowledgeResponse, b).acknowledged
    ),
    "device_alerts_response.json": protocol.parse_device_alerts,
    "audit_response.json": protocol.AuditReply.parse,
    "conflicts_response.json": protocol.ConflictsReply.parse,
    "digest_response.json": protocol.DigestReply.parse,
    "buckets_response.json": protocol.BucketsReply.parse,
    "bucket_response.json": protocol.BucketReply.parse,
    "fetch_response.json": protocol.FetchReply.parse,
    "gazetteer_response.json": protocol.GazetteerPage.parse,
    "file_response.json": protocol.RemoteFile.parse,
    "retention_due_response.json": gov.DueList.parse,
    "retention_decisions_response.json": gov.Applied.parse,
    "rights_requests_response.json": gov.parse_requests,
    "rights_request_response.json": gov.RightsRequest.parse,
    "subject_access_response.json": gov.ServerSubjectAccess.parse,
    "agreements_response.json": gov.parse_agreements,
    "push_response.json": protocol.PushReply.parse,
    "pull_response.json": protocol.PullPage.parse,
    "pull_response_compact.json": protocol.PullPage.parse,
}


def test_every_golden_file_has_its_model() -> None:
    assert {p.name for p in GOLDEN.glob("*.json")} == set(MODELS) | {"audit_request.json"}


# The server's side -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MODELS))
def test_each_golden_message_reads_and_writes_unchanged_through_its_model(name: str) -> None:
    message = golden(name)
    model = MODELS[name]
    assert model.model_validate(message).model_dump(mode="json", exclude_unset=True) == message


def test_the_golden_audit_upload_reads_unchanged_but_for_how_utc_is_written() -> None:
    message = golden("audit_request.json")
    parsed = audit.AuditRequest.model_validate(message)
    written = parsed.model_dump(mode="json", exclude_unset=True)
    for event, sent in zip(written["events"], message["events"], strict=True):
        assert datetime.fromisoformat(event.pop("at")) == datetime.fromisoformat(sent["at"])
    assert written == {"events": [{k: v for k, v in e.items() if k != "at"} for e in
                                  message["events"]]}  # fmt: skip


def test_the_server_renders_a_gazetteer_page_in_the_golden_shape() -> None:
    message = golden("gazetteer_response.json")
    page = gazetteer.GazetteerPage(
        message["since"],
        message["version"],
        message["next"],
        message["more"],
        tuple(tuple(r) for r in message["rows"]),
        tuple(message["removed"]),
        reset=message["reset"],
    )
    assert json.loads(page.render()) == message
    assert protocol.GazetteerPage.parse(page.render()).rows[0][0] == "100050000001"


def test_the_server_words_agreements_and_requests_as_the_golden_replies() -> None:
    agreement = golden("agreements_response.json")["agreements"][0]
    view = sharing.AgreementView(
        name=agreement["name"],
        agencies=tuple(agreement["agencies"]),
        types=tuple(agreement["types"]),
        categories=tuple(agreement["categories"]),
        purpose=agreement["purpose"],
        basis=agreement["basis"],
        start=datetime.fromisoformat(agreement["start"]).date(),
        end=None,
        ended_at=None,
        in_force=True,
    )
    assert governance.AgreementOut.model_validate(view.wire()).model_dump(mode="json") == agreement
    request = golden("rights_request_response.json")
    view = rights.RequestView(
        id=request["id"],
        kind=RequestKind(request["kind"]),
        person_id=request["person_id"],
        received_on=date.fromisoformat(request["received"]),
        due_on=date.fromisoformat(request["due"]),
        state=RequestState(request["state"]),
        extended=request["extended"],
        restricting=request["restricting"],
    )
    assert governance.RequestOut.model_validate(view.wire()).model_dump(mode="json") == request


def _same_members(live: Any, model: Any, where: str = "") -> None:
    """The live reply has the golden one's members, object by object (free-form parts aside)."""
    if isinstance(model, dict) and where.rsplit(".", 1)[-1] not in _FREE_FORM:
        assert isinstance(live, dict), where
        assert live.keys() == model.keys(), where
        for key in model:
            _same_members(live[key], model[key], f"{where}.{key}")
    elif isinstance(model, list) and model and isinstance(live, list) and live:
        _same_members(live[0], model[0], f"{where}[0]")


_FREE_FORM = {"fields", "versions", "export", "value", "acknowledged", "shown"}


def test_a_live_server_answers_in_the_golden_shapes(team: Team) -> None:
    amy = team.laptop("amy.officer")
    _same_members(amy.user, golden("login_response.json")["user"], "user")
    client, auth = amy.client, amy.auth
    handshake = client.get("/v1/handshake", headers=auth).json()
    assert handshake.keys() <= golden("handshake_response.json").keys()
    protocol.Handshake.parse(json.dumps(handshake).encode())

    sent = golden("push_request.json")["changes"][0]
    amy.push(amy.upsert("visit", dict(sent["fields"], officer_id="amy.officer")))
    for path, name in [
        ("/v1/sync/digest", "digest_response.json"),
        ("/v1/device-alerts", "device_alerts_response.json"),
    ]:
        reply = client.get(path, headers=auth)
        if reply.status_code == 200:
            _same_members(reply.json(), golden(name))
            PARSERS[name](reply.content)
    digest = protocol.DigestReply.parse(client.get("/v1/sync/digest", headers=auth).content)
    visits = next(t for t in digest.types if t.key == "visit")
    assert visits.count == 1
    buckets = client.get("/v1/sync/digest/visit", headers=auth)
    _same_members(buckets.json(), golden("buckets_response.json"))
    bucket = protocol.BucketsReply.parse(buckets.content).buckets[0].key
    one = client.get(f"/v1/sync/digest/visit/{bucket}", headers=auth)
    _same_members(one.json(), golden("bucket_response.json"))
    (record_id, _), = protocol.BucketReply.parse(one.content).records  # fmt: skip
    fetched = client.post(
        "/v1/sync/fetch", json={"records": [{"type": "visit", "id": record_id}]}, headers=auth
    )
    _same_members(fetched.json(), golden("fetch_response.json"))
    assert [r.id for r in protocol.FetchReply.parse(fetched.content).records] == [record_id]
    audit_reply = client.post("/v1/audit", json=golden("audit_request.json"), headers=auth)
    _same_members(audit_reply.json(), golden("audit_response.json"))
    assert protocol.AuditReply.parse(audit_reply.content).stored >= 1

    gina = team.laptop("gina.ig", role="governance")
    due = client.get("/v1/governance/retention/due", headers=gina.auth)
    assert due.json().keys() == golden("retention_due_response.json").keys()
    gov.DueList.parse(due.content)
    person = amy.upsert("person", {"given_name": "Sam", "family_name": "Ito",
                                   "district": "huddersfield"})  # fmt: skip
    amy.push(person)
    added = client.post(
        "/v1/governance/requests",
        json=golden("rights_request_add_request.json") | {"person_id": person["id"]},
        headers=gina.auth,
    )
    assert added.status_code == 200, added.text
    _same_members(added.json(), golden("rights_request_response.json"))
    assert gov.RightsRequest.parse(added.content).person_id == person["id"]
    listed = client.get("/v1/governance/requests", headers=gina.auth)
    _same_members(listed.json(), golden("rights_requests_response.json"))
    assert len(gov.parse_requests(listed.content)) == 1

    ada = team.laptop("ada.admin", role="admin")
    agreements = client.get("/v1/admin/agreements", headers=ada.auth)
    assert agreements.status_code == 200
    gov.parse_agreements(agreements.content)


# The laptop's side: a real transport against a loopback server that answers with the goldens --


@dataclass
class Loopback:
    """A server on 127.0.0.1 that records each request and answers with the next golden reply."""

    replies: list[bytes] = field(default_factory=list)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    url: str = ""
    #: Each request's Accept-Encoding.
    accepted: list[str | None] = field(default_factory=list)
    #: Send the replies in zstd (when set).
    zstd: bool = False


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    state = Loopback()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            state.requests.append((self.command, self.path, json.loads(body) if body else None))
            state.accepted.append(self.headers.get("Accept-Encoding"))
            content = state.replies.pop(0)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if state.zstd:
                content = zstd.compress(content)
                self.send_header("Content-Encoding", "zstd")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, *args: object) -> None:
            del args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _transport(loopback: Loopback) -> Transport:
    transport = Transport(TransportConfig(server_url=loopback.url, max_attempts=1))
    transport.token = "fk_test"
    return transport


_REQUEST_ID = golden("rights_request_response.json")["id"]
_CHAIN = golden("attest_request.json")

# (reply golden, request golden or None, how the laptop makes the call)
CALLS: list[tuple[str, str | None, Callable[[Transport], object]]] = [
    (
        "login_response.json",
        "login_request.json",
        lambda t: t.login(
            username="amy.officer",
            password="correct horse battery staple",
            device_name="Amy's laptop",
            device_id="7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
        ),
    ),
    ("handshake_response.json", None, lambda t: t.handshake()),
    (
        "attest_response.json",
        "attest_request.json",
        lambda t: t.attest(
            Shown(
                Head(
                    _CHAIN["head"]["audit_count"],
                    _CHAIN["head"]["audit_hash"],
                    _CHAIN["head"]["change_seq"],
                ),
                _CHAIN["hash_at_acknowledged"],
            )
        ),
    ),
    (
        "acknowledge_response.json",
        "acknowledge_request.json",
        lambda t: t.acknowledge(Head(**golden("acknowledge_request.json"))),
    ),
    ("device_alerts_response.json", None, lambda t: t.device_alerts()),
    (
        "audit_response.json",
        "audit_request.json",
        lambda t: t.audit(golden("audit_request.json")["events"]),
    ),
    ("conflicts_response.json", None, lambda t: t.conflicts()),
    ("digest_response.json", None, lambda t: t.digest()),
    ("buckets_response.json", None, lambda t: t.digest_buckets("visit")),
    ("bucket_response.json", None, lambda t: t.digest_bucket("visit", "9b")),
    (
        "fetch_response.json",
        "fetch_request.json",
        lambda t: t.fetch([("visit", "9b2e4c71-1d3a-4f6b-8e0c-5a7d9f1b3c24")]),
    ),
    ("gazetteer_response.json", None, lambda t: t.gazetteer(since=0, limit=1000)),
    (
        "file_response.json",
        "file_start_request.json",
        lambda t: t.file_start("44" * 32, size=1500000),
    ),
    ("retention_due_response.json", None, lambda t: t.retention_due()),
    (
        "retention_decisions_response.json",
        "retention_decisions_request.json",
        lambda t: t.retention_decide(golden("retention_decisions_request.json")["decisions"]),
    ),
    ("rights_requests_response.json", None, lambda t: t.rights_requests()),
    (
        "rights_request_response.json",
        "rights_request_add_request.json",
        lambda t: t.add_rights_request(**golden("rights_request_add_request.json")),
    ),
    (
        "rights_request_response.json",
        "rights_request_extend_request.json",
        lambda t: t.extend_rights_request(_REQUEST_ID, reason="the request is complex"),
    ),
    (
        "rights_request_response.json",
        "rights_request_answer_request.json",
        lambda t: t.answer_rights_request(_REQUEST_ID, decision="disclosed in full"),
    ),
    (
        "subject_access_response.json",
        "subject_access_request.json",
        lambda t: t.server_subject_access("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
    ),
    ("agreements_response.json", None, lambda t: t.agreements()),
    (
        "push_response.json",
        "push_request.json",
        lambda t: t.push(
            golden("push_request.json")["changes"],
            device_seq=golden("push_request.json")["device_seq"],
        ),
    ),
    ("pull_response.json", None, lambda t: t.pull(since=None, limit=1000)),
    ("pull_response_compact.json", None, lambda t: t.pull(since=None, limit=1000)),
]


@pytest.mark.parametrize(
    ("reply_name", "request_name", "call"),
    CALLS,
    ids=[f"{r.removesuffix('_response.json')}-{i}" for i, (r, _, _) in enumerate(CALLS)],
)
def test_the_laptop_sends_the_golden_request_and_reads_the_golden_reply(
    loopback: Loopback,
    reply_name: str,
    request_name: str | None,
    call: Callable[[Transport], object],
) -> None:
    loopback.replies.append(raw(reply_name))
    transport = _transport(loopback)
    try:
        result = call(transport)
    finally:
        transport.close()
    assert result is not None
    expected = PARSERS[reply_name](raw(reply_name))
    if isinstance(expected, protocol.ConflictsReply):  # the transport hands out the list
        expected = list(expected.conflicts)
    assert result == expected
    (_method, _path, sent), = loopback.requests  # fmt: skip
    if request_name is not None:
        assert sent == golden(request_name)


def test_the_laptop_reads_what_the_golden_replies_say() -> None:
    hand = protocol.Handshake.parse(raw("handshake_response.json"))
    assert hand.acknowledged == Head(120, "3f" * 32, 41)
    assert (hand.max_file_bytes, hand.user.staff_number, hand.user.agency) == (
        52428800, "K1042", "council")  # fmt: skip
    conflict = protocol.ConflictsReply.parse(raw("conflicts_response.json")).conflicts[0]
    assert (conflict.kept_value, conflict.kept_by, conflict.other_by) == (
        "01484 000001", "amy.officer", None)  # fmt: skip
    file = protocol.RemoteFile.parse(raw("file_response.json"))
    assert (file.missing, file.chunks) == ((1,), ("55" * 32, None))
    export = gov.ServerSubjectAccess.parse(raw("subject_access_response.json"))
    assert export.pdf.startswith(b"%PDF")
    assert export.record_ids == (
        ("person", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
        ("visit", "9b2e4c71-1d3a-4f6b-8e0c-5a7d9f1b3c24"),
    )
    assert gov.parse_agreements(raw("agreements_response.json"))[0].end == ""
    alert = protocol.parse_device_alerts(raw("device_alerts_response.json"))[0]
    assert alert.shown["audit_count"] == 90


# Newer and older servers, and damaged replies --------------------------------------------------


_STRUCTURED = {"fields", "versions", "export", "acknowledged", "shown", "value"}


def _with_extras_outside_free_form(doc: Any, key: str = "") -> Any:
    if key in _STRUCTURED:
        return doc
    if isinstance(doc, dict):
        inner = {k: _with_extras_outside_free_form(v, k) for k, v in doc.items()}
        return {**inner, "added_later": {"x": [1]}}
    if isinstance(doc, list):
        return [_with_extras_outside_free_form(v, key) for v in doc]
    return doc


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_a_newer_servers_reply_with_more_members_reads_the_same(name: str) -> None:
    newer = json.dumps(_with_extras_outside_free_form(golden(name))).encode()
    assert PARSERS[name](newer) == PARSERS[name](raw(name))


def test_the_laptop_asks_for_the_compact_form_in_zstd_and_expands_it(loopback: Loopback) -> None:
    loopback.replies.append(raw("pull_response_compact.json"))
    loopback.zstd = True
    transport = _transport(loopback)
    try:
        page = transport.pull(since=None, limit=1000)
    finally:
        transport.close()
    (_method, path, _sent), = loopback.requests  # fmt: skip
    assert parse_qs(urlsplit(path).query) == {"limit": ["1000"], "form": ["compact"]}
    assert loopback.accepted == ["zstd, gzip"]
    assert page == protocol.PullPage.parse(raw("pull_response_compact.json"))
    assert all(v for r in page.records for v in r.versions.values())
    assert transport.stats.bytes_received < len(raw("pull_response_compact.json"))


def test_an_older_server_without_later_members_is_still_read() -> None:
    login = golden("login_response.json")
    del login["user"]["agency"], login["user"]["staff_number"], login["user"]["safeguarding"]
    user = protocol.LoginReply.parse(json.dumps(login).encode()).user
    assert (user.agency, user.staff_number, user.safeguarding) == ("", "", False)
    pull = golden("pull_response.json")
    for record in pull["records"]:
        del record["author"]
    page = protocol.PullPage.parse(json.dumps(pull).encode())
    assert [r.author for r in page.records] == [None, None]


SECRET = "Sam Ito, 4 Mill Lane"


@pytest.mark.parametrize(
    ("name", "damage", "member"),
    [
        ("login_response.json", lambda d: d.update(last_device_seq=SECRET), "last_device_seq"),
        ("handshake_response.json", lambda d: d["user"].update(districts=SECRET), "user.districts"),
        (
            "pull_response.json",
            lambda d: d["records"][1].update(deleted=SECRET),
            "records.1.deleted",
        ),
        (
            "push_response.json",
            lambda d: d["results"][0].update(status=SECRET),
            "results.0.status",
        ),
        (
            "conflicts_response.json",
            lambda d: d["conflicts"][0].update(kept_by=[SECRET]),
            "conflicts.0.kept_by",
        ),
        ("rights_request_response.json", lambda d: d.update(extended=SECRET), "extended"),
        ("gazetteer_response.json", lambda d: d.update(more=SECRET), "more"),
        ("file_response.json", lambda d: d.pop("chunks"), "chunks"),
    ],
    ids=["login", "handshake", "pull", "push", "conflicts", "rights", "gazetteer", "file"],
)
def test_a_malformed_reply_names_the_member_but_never_quotes_its_value(
    name: str, damage: Callable[[Any], object], member: str
) -> None:
    doc = golden(name)
    damage(doc)
    with pytest.raises(BadReply) as caught:
        PARSERS[name](json.dumps(doc).encode())
    message = str(caught.value)
    assert f"'{member}" in message
    assert "Sam" not in message
    assert "Mill" not in message


def test_a_reply_that_is_not_json_is_a_bad_reply() -> None:
    with pytest.raises(BadReply):
        protocol.PullPage.parse(raw("pull_response.json")[:-20])


def test_a_number_is_not_read_as_text_nor_text_as_a_number() -> None:
    reply = golden("audit_response.json")
    with pytest.raises(BadReply):
        protocol.AuditReply.parse(json.dumps({**reply, "stored": "1"}).encode())
    with pytest.raises(BadReply):
        protocol.AuditReply.parse(json.dumps({**reply, "stored": True}).encode())


def _reply_models() -> list[type[BaseModel]]:
    found = []
    for module in (audit, files, governance, messages, records, session):
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseModel)
                and not issubclass(value, messages.Wire)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def test_every_reply_model_ignores_members_it_does_not_know() -> None:
    models = _reply_models()
    assert len(models) > 30
    for model in models:
        assert model.model_config.get("extra", "ignore") == "ignore", model.__name__
    assert reply.Reply.model_config["extra"] == "ignore"
