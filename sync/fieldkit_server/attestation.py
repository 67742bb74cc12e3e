"""Device attestation: acknowledged laptop heads, rollback detection, numbered audit events."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldkit.domain.attestation import (
    GENESIS,
    NOTHING_ACKNOWLEDGED,
    ChainBreak,
    Head,
    Shown,
    chain_break,
    extends,
)
from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.clock import aware
from fieldkit_server.models import (
    AuditChainLink,
    AuditEvent,
    Device,
    DeviceAlert,
    DeviceHead,
    User,
)
from fieldkit_server.policy import Principal, Role

#: The longest stretch of a laptop's chain walked when checking an acknowledgement.
MAX_WALK = 100_000


class AlertKind(StrEnum):
    """What a supervisor is told about a laptop."""

    ROLLBACK = "rollback"
    AUDIT_GAP = ChainBreak.GAP.value
    AUDIT_FORK = ChainBreak.FORK.value


class NotReviewer(PermissionError):
    """Only supervisors see device alerts, and only for users in their districts."""


class AcknowledgeRefused(ValueError):
    """The server cannot acknowledge the head a laptop asked it to; the message says why.

    Attributes:
        code: ``head_unknown`` (the server holds no such audit event from this device) or
            ``counter_behind`` (the counter is below what the device has pushed).
    """

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ChainLink:
    """A client audit event's place in its laptop's chain, as the laptop numbered it."""

    event_id: str
    position: int
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Verdict:
    """The answer to a laptop's attestation."""

    rolled_back: bool
    acknowledged: Head
    last_device_seq: int


def acknowledged_head(session: Session, device_id: str) -> tuple[Head, datetime | None]:
    """The head the server last acknowledged for a device, and when (never: nothing, None)."""
    row = session.get(DeviceHead, device_id)
    if row is None:
        return NOTHING_ACKNOWLEDGED, None
    return Head(row.audit_count, row.audit_hash, row.change_seq), aware(row.acknowledged_at)


def check_shown(
    session: Session, *, user_id: str, device_id: str, shown: Shown, now: datetime
) -> Verdict:
    """Judge a laptop's shown state against the acknowledged head; record a rollback once.

    A rollback is logged (``rollback`` in the audit log) and listed for supervisors the first
    time it is shown against a given acknowledged head; showing it again (a sync that was cut
    short and is tried again) records nothing more.
    """
    acknowledged, _at = acknowledged_head(session, device_id)
    device = session.get(Device, device_id)
    last_seq = device.last_device_seq if device is not None else 0
    if extends(acknowledged, shown, last_device_seq=last_seq):
        return Verdict(False, acknowledged, last_seq)
    expected = Head(
        acknowledged.audit_count,
        acknowledged.audit_hash,
        max(acknowledged.change_seq, last_seq),
    )
    _record_rollback(
        session, user_id=user_id, device_id=device_id, expected=expected, shown=shown.head, now=now
    )
    return Verdict(True, acknowledged, last_seq)


def acknowledge(
    session: Session, *, user_id: str, device_id: str, head: Head, now: datetime
) -> Head:
    """Acknowledge the head a laptop reached at the end of a sync.

    The server acknowledges only what it holds: the audit event at the head's position with
    the head's hash, stored from this device, and a counter not below what it pushed. When the
    new head does not descend from the one acknowledged before (a laptop that skipped its
    attestation), the rollback is recorded here instead.

    Raises:
        AcknowledgeRefused: the server holds no such audit event, or the counter is behind.
    """
    device = session.get(Device, device_id)
    last_seq = device.last_device_seq if device is not None else 0
    if head.change_seq < last_seq:
        raise AcknowledgeRefused(
            "the change counter is behind what this device has pushed", code="counter_behind"
        )
    if head.audit_count and not _holds(session, device_id, head.audit_count, head.audit_hash):
        raise AcknowledgeRefused(
            "the server holds no audit event from this device at that position with that hash",
            code="head_unknown",
        )
    before, _at = acknowledged_head(session, device_id)
    if not _descends(session, device_id, head, before):
        _record_rollback(
            session, user_id=user_id, device_id=device_id, expected=before, shown=head, now=now
        )
    row = session.get(DeviceHead, device_id)
    if row is None:
        session.add(
            DeviceHead(
                device_id=device_id,
                audit_count=head.audit_count,
                audit_hash=head.audit_hash,
                change_seq=head.change_seq,
                acknowledged_at=now,
            )
        )
    else:
        row.audit_count, row.audit_hash = head.audit_count, head.audit_hash
        row.change_seq, row.acknowledged_at = head.change_seq, now
    session.flush()
    return head


def note_chain(
    session: Session,
    *,
    user_id: str,
    device_id: str,
    links: Sequence[ChainLink],
    now: datetime,
) -> list[AlertKind]:
    """Store numbered audit events' chain positions; record a gap or a fork for supervisors.

    At most one alert of each kind is recorded per call (the first place it shows), with a
    ``audit_gap``/``audit_fork`` audit event naming the positions and hashes, never content.

    Returns:
        The kinds of break found, in the order found.
    """
    ids = [link.event_id for link in links]
    known = set(
        session.scalars(select(AuditChainLink.event_id).where(AuditChainLink.event_id.in_(ids)))
    )
    # Only this device's own events: a link names a place in this device's chain.
    own = set(
        session.scalars(
            select(AuditEvent.event_id).where(
                AuditEvent.event_id.in_(ids), AuditEvent.device_id == device_id
            )
        )
    )
    fresh = {link.event_id: link for link in links if link.event_id in own - known}
    if not fresh:
        return []
    ordered = sorted(fresh.values(), key=lambda link: link.position)
    positions = {p for link in ordered for p in (link.position, link.position - 1)}
    held: dict[int, set[str]] = defaultdict(set)
    any_held = session.scalar(
        select(func.count())
        .select_from(AuditChainLink)
        .where(AuditChainLink.device_id == device_id)
    )
    rows = session.execute(
        select(AuditChainLink.position, AuditChainLink.hash).where(
            AuditChainLink.device_id == device_id,
            AuditChainLink.position.in_(sorted(positions)),
        )
    )
    for position, digest in rows:
        held[position].add(digest)
    highest = session.scalar(
        select(func.max(AuditChainLink.position)).where(AuditChainLink.device_id == device_id)
    )
    found: list[AlertKind] = []
    started = bool(any_held)
    for link in ordered:
        broken = chain_break(
            held,
            numbered_before=started,
            position=link.position,
            prev_hash=link.prev_hash,
            digest=link.hash,
        )
        if broken is not None and AlertKind(broken.value) not in found:
            kind = AlertKind(broken.value)
            found.append(kind)
            before_position = (highest or 0) if kind is AlertKind.AUDIT_GAP else link.position - 1
            before_hashes = sorted(held.get(before_position, ())) or [GENESIS]
            expected = Head(before_position, before_hashes[0], 0)
            _record_alert(
                session,
                kind=kind,
                user_id=user_id,
                device_id=device_id,
                expected=expected,
                shown=Head(link.position, link.hash, 0),
                counters=False,
                now=now,
            )
        held[link.position].add(link.hash)
        highest = max(highest or 0, link.position)
        started = True
    session.add_all(
        AuditChainLink(
            event_id=link.event_id,
            device_id=device_id,
            position=link.position,
            prev_hash=link.prev_hash,
            hash=link.hash,
        )
        for link in ordered
    )
    session.flush()
    return found


def list_alerts(session: Session, *, principal: Principal, limit: int) -> list[dict[str, Any]]:
    """Device alerts for users who share a district with the supervisor, newest first.

    Raises:
        NotReviewer: the user is not a supervisor.
    """
    if principal.role is not Role.SUPERVISOR:
        raise NotReviewer("only supervisors see device alerts")
    rows = session.execute(
        select(DeviceAlert, User.username, User.districts, Device.name)
        .join(User, User.id == DeviceAlert.user_id)
        .outerjoin(Device, Device.id == DeviceAlert.device_id)
        .order_by(DeviceAlert.id.desc())
    )
    out: list[dict[str, Any]] = []
    for alert, username, districts, device_name in rows:
        if not principal.districts & set(json.loads(districts)):
            continue
        out.append(
            {
                "id": alert.id,
                "kind": alert.kind,
                "device_id": alert.device_id,
                "device_name": device_name,
                "user_id": alert.user_id,
                "username": username,
                "detected_at": aware(alert.detected_at).isoformat(),
                "acknowledged": _side(
                    alert.acknowledged_count, alert.acknowledged_hash, alert.acknowledged_seq
                ),
                "shown": _side(alert.shown_count, alert.shown_hash, alert.shown_seq),
            }
        )
        if len(out) >= limit:
            break
    return out


# Parts ---------------------------------------------------------------------------------------


def _side(count: int | None, digest: str | None, seq: int | None) -> dict[str, Any]:
    return {"audit_count": count, "audit_hash": digest, "change_seq": seq}


def _holds(session: Session, device_id: str, position: int, digest: str) -> bool:
    found = session.scalar(
        select(func.count())
        .select_from(AuditChainLink)
        .where(
            AuditChainLink.device_id == device_id,
            AuditChainLink.position == position,
            AuditChainLink.hash == digest,
        )
    )
    return bool(found)


def _descends(session: Session, device_id: str, head: Head, before: Head) -> bool:
    """Whether `head` continues `before`: its counter is not behind, and its chain, walked back
    through the numbered events the server holds, passes through `before`'s entry.

    A stretch the server holds no numbers for (events sent before numbering, or a gap already
    recorded) cannot be walked; it is given the benefit of the doubt here.
    """
    if head.change_seq < before.change_seq or head.audit_count < before.audit_count:
        return False
    if before.audit_count == 0 or head.audit_count == before.audit_count:
        return before.audit_count == 0 or head.audit_hash == before.audit_hash
    if head.audit_count - before.audit_count > MAX_WALK:
        return True
    rows = session.execute(
        select(AuditChainLink.position, AuditChainLink.hash, AuditChainLink.prev_hash).where(
            AuditChainLink.device_id == device_id,
            AuditChainLink.position > before.audit_count,
            AuditChainLink.position <= head.audit_count,
        )
    )
    prev_of: dict[tuple[int, str], str] = {(p, h): prev for p, h, prev in rows}
    digest = head.audit_hash
    for position in range(head.audit_count, before.audit_count, -1):
        prev = prev_of.get((position, digest))
        if prev is None:
            return True
        digest = prev
    return digest == before.audit_hash


def _record_rollback(
    session: Session, *, user_id: str, device_id: str, expected: Head, shown: Head, now: datetime
) -> None:
    seen = session.scalar(
        select(func.count())
        .select_from(DeviceAlert)
        .where(
            DeviceAlert.device_id == device_id,
            DeviceAlert.kind == AlertKind.ROLLBACK.value,
            DeviceAlert.acknowledged_count == expected.audit_count,
            DeviceAlert.acknowledged_hash == expected.audit_hash,
        )
    )
    if seen:
        return
    _record_alert(
        session,
        kind=AlertKind.ROLLBACK,
        user_id=user_id,
        device_id=device_id,
        expected=expected,
        shown=shown,
        counters=True,
        now=now,
    )


def _record_alert(
    session: Session,
    *,
    kind: AlertKind,
    user_id: str,
    device_id: str,
    expected: Head,
    shown: Head,
    counters: bool,
    now: datetime,
) -> None:
    session.add(
        DeviceAlert(
            kind=kind.value,
            device_id=device_id,
            user_id=user_id,
            detected_at=now,
            acknowledged_count=expected.audit_count,
            acknowledged_hash=expected.audit_hash,
            acknowledged_seq=expected.change_seq if counters else None,
            shown_count=shown.audit_count,
            shown_hash=shown.audit_hash,
            shown_seq=shown.change_seq if counters else None,
        )
    )
    detail: dict[str, Any] = {
        "acknowledged": _side(
            expected.audit_count, expected.audit_hash, expected.change_seq if counters else None
        ),
        "shown": _side(shown.audit_count, shown.audit_hash, shown.change_seq if counters else None),
    }
    action = AuditAction.ROLLBACK if kind is AlertKind.ROLLBACK else AuditAction.AUDIT_GAP
    audit.append(
        session,
        [
            audit.server_event(
                at=now,
                action=action,
                user_id=user_id,
                device_id=device_id,
                reason=kind.value,
                detail=detail,
            )
        ],
    )
    session.flush()
