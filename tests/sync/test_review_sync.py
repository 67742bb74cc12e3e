"""Supervisor review over sync: who wrote what arrived, and conflicts fetched and resolved."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.factories import person
from tests.sync.conftest import Laptop, Server
from tests.sync.faultproxy import FaultProxy

from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncOutcome, SyncReport
from fieldkit.store import replica
from fieldkit.sync.protocol import BadReply, Conflict, ConflictsReply, ServerRefused, WireRecord

HLC_A = "001764000000000:0000:aaaaaaaa-0000-4000-8000-000000000001"
HLC_B = "001764000000001:0000:bbbbbbbb-0000-4000-8000-000000000002"


def ok(laptop: Laptop) -> SyncReport:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    return report


@pytest.fixture
def proxy() -> Iterator[Callable[[Server], FaultProxy]]:
    made: list[FaultProxy] = []

    def make(server: Server) -> FaultProxy:
        made.append(FaultProxy(server.process.port))
        return made[-1]

    yield make
    for p in made:
        p.close()


def record_calls(laptop: Laptop, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The order in which the laptop's transport is asked for each endpoint."""
    laptop.engine()  # makes the transport the next syncs use
    transport = laptop.transport
    assert transport is not None
    calls: list[str] = []
    for name in ("push", "pull", "resolve_conflict", "conflicts"):
        real = getattr(transport, name)

        def wrapper(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(transport, name, wrapper)
    return calls


def conflicting_edits(server: Server, laptops: Callable[..., Laptop], url: str) -> dict[str, Any]:
    """Amy (an officer) and Sam (a supervisor out on patrol) both change one person's given
    name offline; Sue, the reviewing supervisor, has synced before. Returns the laptops and the
    person's id. (An officer may edit only records they created, so the second writer of an
    officer's record is a supervisor, or the same officer on a second laptop.)"""
    server.admin.add_user("amy")
    server.admin.add_user("sam", role="supervisor")
    server.admin.add_user("sue", role="supervisor")
    amy = laptops("amy", "amy", server.url)
    sam = laptops("sam", "sam", server.url)
    sue = laptops("sue", "sue", url)
    shared = RecordService(amy.open()).create(record_type="person", fields=person())
    ok(amy)
    ok(sam)
    first = ok(sue)
    assert first.open_conflicts == 0
    with sue.open().read() as conn:
        assert replica.cached_conflicts(conn) == []
        assert replica.conflicts_fetched_at(conn) is not None
    change = {"record_type": "person", "record_id": shared.id}
    RecordService(amy.open()).update(**change, changes={"given_name": "Amy-set"})
    RecordService(sam.open()).update(**change, changes={"given_name": "Sam-set"})
    ok(amy)
    ok(sam)
    return {"amy": amy, "sam": sam, "sue": sue, "id": shared.id}


# The wire ------------------------------------------------------------------------------------


def _conflict_doc(**extra: object) -> dict[str, object]:
    return {
        "id": 4,
        "type": "person",
        "record_id": "7a1f0c1e-0000-4000-8000-000000000001",
        "field": "given_name",
        "kept": {"value": "Sam-set", "hlc": HLC_B},
        "other": {"value": "Amy-set", "hlc": HLC_A},
        "change_id": "7a1f0c1e-0000-4000-8000-0000000000c1",
        "device_id": None,
        "user_id": None,
        "detected_at": "2026-11-27T10:00:00+00:00",
        "resolved_at": None,
        "resolved_by": None,
        **extra,
    }


def test_a_conflict_parses_with_or_without_its_writers_names() -> None:
    bare = Conflict.parse(_conflict_doc())
    assert (bare.kept_value, bare.kept_hlc, bare.kept_by) == ("Sam-set", HLC_B, None)
    assert (bare.other_value, bare.other_hlc, bare.other_by) == ("Amy-set", HLC_A, None)
    assert bare.district is None
    named = Conflict.parse(
        _conflict_doc(kept_by="sam", other_by="amy", district="huddersfield", later="ignored")
    )
    assert (named.kept_by, named.other_by, named.district) == ("sam", "amy", "huddersfield")
    assert ConflictsReply.parse({"conflicts": [_conflict_doc()]}).conflicts == (bare,)
    null_value = Conflict.parse(_conflict_doc(kept={"value": None, "hlc": HLC_B}))
    assert null_value.kept_value is None


@pytest.mark.parametrize(
    "damage",
    [
        {"id": "4"},
        {"id": True},
        {"kept_by": 7},
        {"other_by": ["amy"]},
        {"kept": {"hlc": HLC_B}},
        {"other": {"value": "x"}},
        {"detected_at": None},
        {"district": 3},
    ],
)
def test_a_damaged_conflict_is_a_bad_reply(damage: dict[str, object]) -> None:
    with pytest.raises(BadReply):
        Conflict.parse(_conflict_doc(**damage))
    with pytest.raises(BadReply):
        ConflictsReply.parse({"conflicts": {}})


def test_a_pulled_record_carries_its_author_when_the_server_names_one() -> None:
    doc = {"type": "person", "id": "x", "deleted": False, "fields": {}, "versions": {}}
    assert WireRecord.parse(doc).author is None
    assert WireRecord.parse({**doc, "author": None}).author is None
    assert WireRecord.parse({**doc, "author": "amy"}).author == "amy"
    with pytest.raises(BadReply):
        WireRecord.parse({**doc, "author": 12})


# Origins -------------------------------------------------------------------------------------


def test_a_record_from_the_team_arrives_with_its_author_and_a_new_version_moves_changed_at(
    server: Server, laptops: Callable[..., Laptop]
) -> None:
    server.admin.add_user("amy")
    server.admin.add_user("sue", role="supervisor")
    amy = laptops("amy", "amy", server.url)
    sue = laptops("sue", "sue", server.url)
    made = RecordService(amy.open()).create(record_type="person", fields=person())
    own = RecordService(sue.open()).create(record_type="person", fields=person(given_name="Sue"))
    ok(amy)
    ok(sue)
    with sue.open().read() as conn:
        arrived = replica.origin_of(conn, made.id)
        assert replica.origin_of(conn, own.id) is None  # written on this laptop
    assert arrived is not None
    assert arrived.author == "amy"
    assert arrived.record_type == "person"
    assert arrived.received_at == arrived.changed_at

    RecordService(amy.open()).update(
        record_type="person", record_id=made.id, changes={"family_name": "Later"}
    )
    ok(amy)
    ok(sue)
    with sue.open().read() as conn:
        later = replica.origin_of(conn, made.id)
    assert later is not None
    assert later.author == "amy"
    assert later.received_at == arrived.received_at
    assert later.changed_at > arrived.changed_at
    assert sue.records()[made.id][1]["family_name"] == "Later"

    # A sync that brings nothing new moves nothing.
    ok(sue)
    with sue.open().read() as conn:
        assert replica.origin_of(conn, made.id) == later
    # Amy's own record came back to her laptop unchanged: no origin there.
    ok(amy)
    with amy.open().read() as conn:
        assert replica.origin_of(conn, made.id) is None
        assert replica.origin_of(conn, own.id) is not None


# Conflicts -----------------------------------------------------------------------------------


def test_a_supervisor_sees_the_conflict_resolves_it_after_the_correction_and_it_is_gone(
    server: Server, laptops: Callable[..., Laptop], monkeypatch: pytest.MonkeyPatch
) -> None:
    crew = conflicting_edits(server, laptops, server.url)
    sue: Laptop = crew["sue"]
    report = ok(sue)
    assert report.open_conflicts == 1
    with sue.open().read() as conn:
        cached = replica.cached_conflicts(conn)
    assert len(cached) == 1
    seen = cached[0]
    assert (seen["type"], seen["record_id"], seen["field"]) == ("person", crew["id"], "given_name")
    held = server.view("sue")[crew["id"]][1]["given_name"]
    assert seen["kept_value"] == held
    assert {seen["kept_value"], seen["other_value"]} == {"Amy-set", "Sam-set"}
    assert seen["kept_hlc"] > seen["other_hlc"]
    assert {seen["kept_by"], seen["other_by"]} == {"amy", "sam"}
    assert seen["kept_by"] == ("sam" if held == "Sam-set" else "amy")

    # Sue settles the name, then marks the conflict resolved; the sync sends both, in order.
    RecordService(sue.open()).update(
        record_type="person", record_id=crew["id"], changes={"given_name": "Agreed"}
    )
    with sue.open().write() as conn:
        replica.queue_conflict_resolution(conn, seen["id"])
    calls = record_calls(sue, monkeypatch)
    report = ok(sue)
    assert calls.index("push") < calls.index("resolve_conflict") < calls.index("conflicts")
    assert calls.count("resolve_conflict") == 1
    assert report.conflicts_resolved == 1
    assert report.open_conflicts == 0
    listed = {c["id"]: c for c in server.conflicts("sue")}
    assert listed[seen["id"]]["resolved_at"] is not None
    assert server.view("amy")[crew["id"]][1]["given_name"] == "Agreed"
    with sue.open().read() as conn:
        assert replica.cached_conflicts(conn) == []
        assert replica.pending_conflict_resolutions(conn) == []

    # A conflict the server does not have (or not in Sue's districts) is answered 404.
    assert sue.transport is not None
    assert sue.transport.resolve_conflict(10**12) is False


def test_a_resolution_queued_while_the_server_is_down_is_kept_and_sent_next_time(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    server = sqlite_server
    crew = conflicting_edits(server, laptops, server.url)
    sue: Laptop = crew["sue"]
    ok(sue)
    with sue.open().read() as conn:
        (conflict,) = replica.cached_conflicts(conn)
    server.process.stop()
    with sue.open().write() as conn:
        replica.queue_conflict_resolution(conn, conflict["id"])
    down = sue.sync()
    assert down.outcome is SyncOutcome.OFFLINE
    with sue.open().read() as conn:
        assert replica.pending_conflict_resolutions(conn) == [conflict["id"]]
        assert [c["id"] for c in replica.cached_conflicts(conn)] == [conflict["id"]]
    server.process.start()
    report = ok(sue)
    assert report.conflicts_resolved == 1
    assert report.open_conflicts == 0
    with sue.open().read() as conn:
        assert replica.pending_conflict_resolutions(conn) == []
        assert replica.cached_conflicts(conn) == []
    (listed,) = server.conflicts("sue")
    assert listed["resolved_at"] is not None


def test_a_resolution_whose_reply_is_lost_stays_queued_and_is_sent_again(
    sqlite_server: Server, laptops: Callable[..., Laptop], proxy: Callable[[Server], FaultProxy]
) -> None:
    server = sqlite_server
    faulty = proxy(server)
    crew = conflicting_edits(server, laptops, faulty.url)
    sue: Laptop = crew["sue"]
    ok(sue)
    with sue.open().write() as conn:
        (conflict,) = replica.cached_conflicts(conn)
        replica.queue_conflict_resolution(conn, conflict["id"])
    # The server marks the conflict resolved, then dies before the laptop hears so.
    faulty.drop_response_to(b"POST /v1/conflicts/", then=server.process.kill)
    report = sue.sync()
    assert faulty.fired == ["dropped response"]
    assert report.outcome is SyncOutcome.OFFLINE, report.message
    with sue.open().read() as conn:
        assert replica.pending_conflict_resolutions(conn) == [conflict["id"]]
    server.process.start()
    report = ok(sue)
    assert report.conflicts_resolved == 1  # resolving again is harmless
    with sue.open().read() as conn:
        assert replica.pending_conflict_resolutions(conn) == []
        assert replica.cached_conflicts(conn) == []


def test_an_officer_neither_sends_resolutions_nor_fetches_conflicts(
    sqlite_server: Server, laptops: Callable[..., Laptop], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = sqlite_server
    crew = conflicting_edits(server, laptops, server.url)
    amy: Laptop = crew["amy"]
    with amy.open().write() as conn:
        replica.queue_conflict_resolution(conn, 1)
    calls = record_calls(amy, monkeypatch)
    report = ok(amy)
    assert "resolve_conflict" not in calls
    assert "conflicts" not in calls
    assert report.open_conflicts == 0
    assert report.conflicts_resolved == 0
    with amy.open().read() as conn:
        assert replica.conflicts_fetched_at(conn) is None
        assert replica.pending_conflict_resolutions(conn) == [1]
    # The server would have refused her anyway.
    assert amy.transport is not None
    with pytest.raises(ServerRefused) as refused:
        amy.transport.conflicts()
    assert refused.value.status == 403
    assert (server.conflicts("sue")[0]["resolved_at"]) is None
