"""Conflicts kept for supervisor review: listing the open ones and marking them resolved."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fieldkit.domain.hlc import Hlc
from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.clock import aware
from fieldkit_server.models import Change, Conflict, Device, User
from fieldkit_server.policy import Principal, Role


class NotReviewer(PermissionError):
    """Only supervisors review conflicts, and only in their districts."""


def _check(principal: Principal) -> None:
    if principal.role is not Role.SUPERVISOR:
        raise NotReviewer("only supervisors review conflicts")


def _node(hlc: str) -> str | None:
    try:
        return Hlc.parse(hlc).node
    except ValueError:
        return None


def _device_users(session: Session, nodes: Iterable[str | None]) -> dict[str, str]:
    """The user name behind each clock node that is a device this server registered, or the
    vault node bound to one (a laptop's clock before its first sign-in)."""
    ids = sorted({n for n in nodes if n is not None})
    if not ids:
        return {}
    rows = session.execute(
        select(Device.id, Device.vault_node, User.username)
        .join(User, User.id == Device.user_id)
        .where(or_(Device.id.in_(ids), Device.vault_node.in_(ids)))
    )
    found: dict[str, str] = {}
    for row in rows:
        found[row.id] = row.username
        if row.vault_node is not None:
            found[row.vault_node] = row.username
    return found


def list_conflicts(
    session: Session, *, principal: Principal, include_resolved: bool, limit: int
) -> list[dict[str, Any]]:
    """The conflicts on records in the supervisor's districts, oldest first.

    Each side names its writer. The side the conflicting change wrote (its clock is the
    change's) is the change's user; the other side was written by the device its clock's node
    names. Either is null when the server cannot tell (a clock stamped before the laptop was
    first signed in carries the vault's id, not a device's).
    """
    _check(principal)
    query = (
        select(Conflict, Change.hlc, User.username)
        .outerjoin(Change, Change.change_id == Conflict.change_id)
        .outerjoin(User, User.id == Conflict.user_id)
        .where(Conflict.district.in_(sorted(principal.districts)))
        .order_by(Conflict.id)
        .limit(limit)
    )
    if not include_resolved:
        query = query.where(Conflict.resolved_at.is_(None))
    rows = list(session.execute(query))
    by_device = _device_users(
        session, (_node(hlc) for c, _, _ in rows for hlc in (c.kept_hlc, c.other_hlc))
    )

    def writer(hlc: str, change_hlc: str | None, pusher: str | None) -> str | None:
        if hlc == change_hlc:
            return pusher
        node = _node(hlc)
        return by_device.get(node) if node is not None else None

    out: list[dict[str, Any]] = []
    for c, change_hlc, pusher_name in rows:
        out.append(
            {
                "id": c.id,
                "type": c.record_type,
                "record_id": c.record_id,
                "field": c.field,
                "district": c.district,
                "kept": {"value": json.loads(c.kept_value), "hlc": c.kept_hlc},
                "kept_by": writer(c.kept_hlc, change_hlc, pusher_name),
                "other": {"value": json.loads(c.other_value), "hlc": c.other_hlc},
                "other_by": writer(c.other_hlc, change_hlc, pusher_name),
                "change_id": c.change_id,
                "device_id": c.device_id,
                "user_id": c.user_id,
                "detected_at": aware(c.detected_at).isoformat(),
                "resolved_at": aware(c.resolved_at).isoformat() if c.resolved_at else None,
                "resolved_by": c.resolved_by,
            }
        )
    return out


def resolve_conflict(
    session: Session,
    *,
    principal: Principal,
    device_id: str | None,
    conflict_id: int,
    now: datetime,
) -> bool:
    """Mark a conflict reviewed. The supervisor pushes any correction as an ordinary change.

    The first resolution is logged (``resolve``): the supervisor, their device, the record and
    the field's name — never either value.

    Returns:
        False if there is no such conflict in the supervisor's districts.
    """
    _check(principal)
    conflict = session.get(Conflict, conflict_id)
    if conflict is None or conflict.district not in principal.districts:
        return False
    if conflict.resolved_at is None:
        conflict.resolved_at, conflict.resolved_by = now, principal.user_id
        event = audit.server_event(
            at=now,
            action=AuditAction.RESOLVE,
            user_id=principal.user_id,
            device_id=device_id,
            record_type=conflict.record_type,
            record_id=conflict.record_id,
            detail={"conflict_id": conflict.id, "field": conflict.field},
        )
        audit.append(session, [event])
    session.flush()
    return True
