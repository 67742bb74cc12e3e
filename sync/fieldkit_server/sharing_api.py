"""Endpoints for agreements (administrators, read-only) and the analyst's aggregate counts."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query
from sqlalchemy import false, select
from sqlalchemy.orm import Session

from fieldkit.domain.records import RecordType
from fieldkit.domain.vocabulary import RESTRICTED_CATEGORIES
from fieldkit.wire.governance import AgreementsResponse
from fieldkit_server import audit, sharing
from fieldkit_server.accounts import Authenticated
from fieldkit_server.api import _PROBLEMS, Context, current_device
from fieldkit_server.audit import AuditAction
from fieldkit_server.db import run_in_transaction
from fieldkit_server.models import Record
from fieldkit_server.policy import Role
from fieldkit_server.problems import Problem

router = APIRouter(prefix="/v1", tags=["sharing"])

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

#: Counts below this are too small to publish: a count of 1 to 4 in one district, category and
#: month can point at a household. The threshold UK official statistics use for small cells.
SMALL_COUNT: Final = 5
#: How a suppressed count is shown.
SUPPRESSED: Final = "<5"


def shown_count(count: int) -> int | str:
    """A cell's count as the analyst may see it: 1 to 4 is shown as ``"<5"``, others as they are.

    Zero is shown as 0 (an empty cell names no one); the summary lists no empty cells anyway.
    """
    return SUPPRESSED if 0 < count < SMALL_COUNT else count


def _only(role: Role, what: str) -> Any:
    def dependency(
        auth: Annotated[Authenticated, Depends(current_device)], context: Context
    ) -> Authenticated:
        if auth.principal.role is role:
            return auth
        now = context.clock()
        run_in_transaction(
            context.sessions,
            lambda s: audit.append(
                s,
                [
                    audit.server_event(
                        at=now,
                        action=AuditAction.REFUSED,
                        user_id=auth.user.id,
                        device_id=auth.device_id,
                        reason=f"{what} is for the {role.value} role only",
                        detail={"endpoint": what},
                    )
                ],
            ),
        )
        raise Problem(403, "Forbidden", f"only the {role.value} role may do this", code="forbidden")

    return dependency


Admin = Annotated[Authenticated, Depends(_only(Role.ADMIN, "agreements"))]
Analyst = Annotated[Authenticated, Depends(_only(Role.ANALYST, "analytics"))]


@router.get("/admin/agreements", response_model=AgreementsResponse, responses=_PROBLEMS)
def list_agreements(auth: Admin, context: Context) -> Any:
    """Every information-sharing agreement and whether it is in force today (read-only)."""
    day = context.clock().date()
    views = run_in_transaction(context.sessions, lambda s: sharing.list_agreements(s, day=day))
    return {"agreements": [v.wire() for v in views]}


def summary(session: Session, *, start: str, end: str) -> list[dict[str, Any]]:
    """Visits counted by district, category and month (``start``..``end``, YYYY-MM, inclusive).

    Counts only: no name, no free text, no record id. Records under a restriction of processing
    and restricted (safeguarding) visits are left out, and so are the safeguarding categories;
    a count of 1 to 4 is shown as ``"<5"`` (``shown_count``).
    """
    rows = session.execute(
        select(Record.district, Record.fields).where(
            Record.type == RecordType.VISIT.value,
            Record.deleted == false(),
            Record.processing_restricted == false(),
            Record.restricted == false(),
        )
    )
    counts: Counter[tuple[str, str, str]] = Counter()
    for row in rows:
        fields = json.loads(row.fields)
        month = str(fields.get("occurred_at") or "")[:7]
        if not (start <= month <= end):
            continue
        for category in fields.get("categories") or ["(none)"]:
            if category not in RESTRICTED_CATEGORIES:
                counts[(str(row.district), str(category), month)] += 1
    return [
        {"district": d, "category": c, "month": m, "count": shown_count(n)}
        for (d, c, m), n in sorted(counts.items())
    ]


@router.get("/analytics/summary", responses=_PROBLEMS)
def analytics_summary(
    auth: Analyst,
    context: Context,
    start: Annotated[str, Query(alias="from", max_length=7)],
    end: Annotated[str, Query(alias="to", max_length=7)],
) -> Any:
    """Visit counts by district, category and month across the partnership; logged."""
    if not _MONTH.match(start) or not _MONTH.match(end) or end < start:
        raise Problem(
            400, "Bad months", "from and to are months as YYYY-MM, in order", code="bad_months"
        )
    now = context.clock()

    def work(session: Session) -> list[dict[str, Any]]:
        counted = summary(session, start=start, end=end)
        audit.append(
            session,
            [
                audit.server_event(
                    at=now,
                    action=AuditAction.ANALYTICS_QUERY,
                    user_id=auth.user.id,
                    device_id=auth.device_id,
                    detail={"query": "summary", "from": start, "to": end, "rows": len(counted)},
                )
            ],
        )
        return counted

    return {"from": start, "to": end, "counts": run_in_transaction(context.sessions, work)}
