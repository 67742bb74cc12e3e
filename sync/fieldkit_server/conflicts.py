"""Conflicts kept for supervisor review: listing the open ones and marking them resolved."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldkit_server.clock import aware
from fieldkit_server.models import Conflict
from fieldkit_server.policy import Principal, Role


class NotReviewer(PermissionError):
    """Only supervisors review conflicts, and only in their districts."""


def _check(principal: Principal) -> None:
    if principal.role is not Role.SUPERVISOR:
        raise NotReviewer("only supervisors review conflicts")


def list_conflicts(
    session: Session, *, principal: Principal, include_resolved: bool, limit: int
) -> list[dict[str, Any]]:
    """The conflicts on records in the supervisor's districts, oldest first."""
    _check(principal)
    query = (
        select(Conflict)
        .where(Conflict.district.in_(sorted(principal.districts)))
        .order_by(Conflict.id)
        .limit(limit)
    )
    if not include_resolved:
        query = query.where(Conflict.resolved_at.is_(None))
    return [
        {
            "id": c.id,
            "type": c.record_type,
            "record_id": c.record_id,
            "field": c.field,
            "kept": {"value": json.loads(c.kept_value), "hlc": c.kept_hlc},
            "other": {"value": json.loads(c.other_value), "hlc": c.other_hlc},
            "change_id": c.change_id,
            "device_id": c.device_id,
            "user_id": c.user_id,
            "detected_at": aware(c.detected_at).isoformat(),
            "resolved_at": aware(c.resolved_at).isoformat() if c.resolved_at else None,
            "resolved_by": c.resolved_by,
        }
        for c in session.scalars(query)
    ]


def resolve_conflict(
    session: Session, *, principal: Principal, conflict_id: int, now: datetime
) -> bool:
    """Mark a conflict reviewed. The supervisor pushes any correction as an ordinary change.

    Returns:
        False if there is no such conflict in the supervisor's districts.
    """
    _check(principal)
    conflict = session.get(Conflict, conflict_id)
    if conflict is None or conflict.district not in principal.districts:
        return False
    if conflict.resolved_at is None:
        conflict.resolved_at, conflict.resolved_by = now, principal.user_id
    session.flush()
    return True
