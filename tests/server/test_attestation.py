"""Rolled-back laptops and gaps in numbered audit events are caught, logged and listed."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from fieldkit.domain.attestation import GENESIS
from fieldkit_server import audit
from fieldkit_server.db import make_engine, session_factory


def _events(team: Any) -> list[dict[str, Any]]:
    engine = make_engine(team.settings.db_url)
    try:
        with session_factory(engine)() as session:
            return list(audit.iter_events(session))
    finally:
        engine.dispose()


class Chain:
    """A laptop's audit chain, numbered as the laptop sends it."""

    def __init__(self) -> None:
        self.hashes = [GENESIS]

    def event(self, *, at: str = "2026-11-27T12:00:00+00:00") -> dict[str, Any]:
        event_id = str(uuid.uuid4())
        prev = self.hashes[-1]
        digest = hashlib.sha256(f"{prev}\n{event_id}".encode()).hexdigest()
        self.hashes.append(digest)
        position = len(self.hashes) - 1
        return {
            "event_id": event_id,
            "at": at,
            "actor": "olive",
            "action": "view",
            "chain": {"position": position, "prev_hash": prev, "hash": digest},
        }

    def head(self, change_seq: int = 0) -> dict[str, Any]:
        return {
            "audit_count": len(self.hashes) - 1,
            "audit_hash": self.hashes[-1],
            "change_seq": change_seq,
        }


def _post_audit(laptop: Any, events: list[dict[str, Any]]) -> None:
    reply = laptop.client.post("/v1/audit", json={"events": events}, headers=laptop.auth)
    assert reply.status_code == 200, reply.text


def _attest(laptop: Any, head: dict[str, Any], at_acknowledged: str | None) -> dict[str, Any]:
    reply = laptop.client.post(
        "/v1/sync/attest",
        json={"head": head, "hash_at_acknowledged": at_acknowledged},
        headers=laptop.auth,
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _acknowledge(laptop: Any, head: dict[str, Any]) -> Any:
    return laptop.client.post("/v1/sync/acknowledge", json=head, headers=laptop.auth)


def _alerts(laptop: Any) -> list[dict[str, Any]]:
    reply = laptop.client.get("/v1/device-alerts", headers=laptop.auth)
    assert reply.status_code == 200, reply.text
    found: list[dict[str, Any]] = reply.json()["alerts"]
    return found


def test_the_handshake_returns_the_head_acknowledged_at_the_last_sync(team: Any) -> None:
    olive = team.laptop("olive")
    chain = Chain()
    first = olive.client.get("/v1/handshake", headers=olive.auth).json()["attestation"]
    assert first["acknowledged"] == {"audit_count": 0, "audit_hash": GENESIS, "change_seq": 0}
    assert first["acknowledged_at"] is None
    _post_audit(olive, [chain.event(), chain.event()])
    assert _acknowledge(olive, chain.head()).status_code == 200
    later = olive.client.get("/v1/handshake", headers=olive.auth).json()["attestation"]
    assert later["acknowledged"] == chain.head()
    assert later["acknowledged_at"] is not None


def test_the_server_acknowledges_only_an_audit_head_it_holds(team: Any, make_person: Any) -> None:
    olive = team.laptop("olive")
    chain = Chain()
    _post_audit(olive, [chain.event()])
    unsent = chain.event()  # never sent
    del unsent
    refused = _acknowledge(olive, chain.head())
    assert refused.status_code == 409
    assert refused.json()["code"] == "head_unknown"
    olive.push(olive.upsert("person", make_person()), device_seq=3)
    behind_head = {"audit_count": 1, "audit_hash": chain.hashes[1], "change_seq": 2}
    behind = _acknowledge(olive, behind_head)
    assert behind.status_code == 409
    assert behind.json()["code"] == "counter_behind"


def test_a_laptop_that_extends_its_acknowledged_head_is_not_flagged(team: Any) -> None:
    olive = team.laptop("olive")
    team.add_user("sue", role="supervisor")
    chain = Chain()
    _post_audit(olive, [chain.event(), chain.event()])
    acknowledged = chain.head(change_seq=5)
    assert _acknowledge(olive, acknowledged).status_code == 200
    _post_audit(olive, [chain.event()])
    verdict = _attest(olive, chain.head(change_seq=6), chain.hashes[2])
    assert verdict["status"] == "extends"
    assert _alerts(team.login("sue")) == []
    assert not [e for e in _events(team) if e["action"] == "rollback"]


def test_a_restored_laptop_with_as_many_new_events_is_caught_and_listed_once(team: Any) -> None:
    olive = team.laptop("olive")
    sue = team.laptop("sue", role="supervisor")
    backup = Chain()
    _post_audit(olive, [backup.event()])
    assert _acknowledge(olive, backup.head(change_seq=1)).status_code == 200
    lost = Chain()
    lost.hashes = list(backup.hashes)
    _post_audit(olive, [lost.event(), lost.event()])
    assert _acknowledge(olive, lost.head(change_seq=3)).status_code == 200
    # The folder is restored from the backup and as many new entries and changes are made.
    restored = Chain()
    restored.hashes = list(backup.hashes)
    restored.event()
    restored.event()
    shown = restored.head(change_seq=3)
    assert shown["audit_count"] == lost.head()["audit_count"] == 3
    verdict = _attest(olive, shown, restored.hashes[3])
    assert verdict["status"] == "rolled_back"
    assert verdict["acknowledged"] == lost.head(change_seq=3)
    again = _attest(olive, shown, restored.hashes[3])
    assert again["status"] == "rolled_back"
    [alert] = _alerts(sue)
    assert alert["kind"] == "rollback"
    assert alert["username"] == "olive"
    assert alert["device_id"] == olive.device_id
    assert alert["acknowledged"] == lost.head(change_seq=3)
    assert alert["shown"] == shown
    [event] = [e for e in _events(team) if e["action"] == "rollback"]
    assert event["device_id"] == olive.device_id
    assert event["user_id"] == olive.user["id"]


def test_a_laptop_behind_the_change_number_it_pushed_is_rolled_back(
    team: Any, make_person: Any
) -> None:
    olive = team.laptop("olive")
    olive.push(olive.upsert("person", make_person()), device_seq=7)
    verdict = _attest(olive, Chain().head(change_seq=4), None)
    assert verdict["status"] == "rolled_back"
    assert verdict["last_device_seq"] == 7


def test_acknowledging_a_head_that_does_not_descend_from_the_last_is_a_rollback(team: Any) -> None:
    olive = team.laptop("olive")
    team.add_user("sue", role="supervisor")
    chain = Chain()
    _post_audit(olive, [chain.event(), chain.event()])
    assert _acknowledge(olive, chain.head()).status_code == 200
    other = Chain()
    _post_audit(olive, [other.event(), other.event(), other.event()])
    # A laptop that never attests still cannot move its acknowledged head unnoticed.
    assert _acknowledge(olive, other.head()).status_code == 200
    kinds = {a["kind"] for a in _alerts(team.login("sue"))}
    assert "rollback" in kinds


def test_a_jump_in_audit_numbers_is_recorded_for_supervisors(team: Any) -> None:
    olive = team.laptop("olive")
    team.add_user("sue", role="supervisor")
    chain = Chain()
    _post_audit(olive, [chain.event(), chain.event()])
    hidden = [chain.event(), chain.event()]  # marked sent on the laptop, never sent
    del hidden
    _post_audit(olive, [chain.event()])
    [alert] = _alerts(team.login("sue"))
    assert alert["kind"] == "audit_gap"
    assert alert["acknowledged"]["audit_count"] == 2
    assert alert["shown"]["audit_count"] == 5
    [event] = [e for e in _events(team) if e["action"] == "audit_gap"]
    assert event["reason"] == "audit_gap"
    assert event["detail"]["shown"]["audit_count"] == 5


def test_an_audit_number_reused_with_another_hash_is_recorded(team: Any) -> None:
    olive = team.laptop("olive")
    team.add_user("sue", role="supervisor")
    chain = Chain()
    _post_audit(olive, [chain.event(), chain.event()])
    rewritten = Chain()
    rewritten.hashes = chain.hashes[:2]
    _post_audit(olive, [rewritten.event()])  # number 2 again, another hash
    [alert] = _alerts(team.login("sue"))
    assert alert["kind"] == "audit_fork"
    assert alert["shown"]["audit_count"] == 2


def test_resent_events_raise_nothing_and_an_unnumbered_one_between_shows_as_a_gap(
    team: Any,
) -> None:
    olive = team.laptop("olive")
    team.add_user("sue", role="supervisor")
    chain = Chain()
    batch = [chain.event(), chain.event()]
    _post_audit(olive, batch)
    _post_audit(olive, batch)  # a reply lost, the batch sent again
    old_client = {k: v for k, v in chain.event().items() if k != "chain"}
    _post_audit(olive, [old_client])
    _post_audit(olive, [chain.event()])  # number 4 follows 3, which came unnumbered
    kinds = [a["kind"] for a in _alerts(team.login("sue"))]
    assert kinds == ["audit_gap"]


def test_device_alerts_are_for_supervisors_of_the_users_districts(team: Any) -> None:
    olive = team.laptop("olive", districts=("huddersfield",))
    near = team.laptop("sue", role="supervisor", districts=("huddersfield",))
    far = team.laptop("ray", role="supervisor", districts=("rural",))
    _attest(olive, Chain().head(), "f" * 64)
    reply = olive.client.get("/v1/device-alerts", headers=olive.auth)
    assert reply.status_code == 403
    assert [a["username"] for a in _alerts(near)] == ["olive"]
    assert _alerts(far) == []


def test_a_chain_number_is_kept_only_for_the_devices_own_events(team: Any) -> None:
    olive = team.laptop("olive")
    other = team.laptop("omar")
    chain = Chain()
    event = chain.event()
    _post_audit(olive, [event])
    _post_audit(other, [event])  # another device claims olive's event as its own entry 1
    refused = _acknowledge(other, chain.head())
    assert refused.status_code == 409
    assert _acknowledge(olive, chain.head()).status_code == 200
