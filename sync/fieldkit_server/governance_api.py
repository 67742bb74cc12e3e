"""Endpoints for information governance in the app: retention, rights requests, subject access."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy.orm import Session

from fieldkit.domain.records import RecordType
from fieldkit.domain.retention import RetentionRule, load_rules
from fieldkit.wire.governance import (
    DecisionsRequest,
    DecisionsResponse,
    DueResponse,
    RequestAddIn,
    RequestAnswerIn,
    RequestExtendIn,
    RequestOut,
    RequestsResponse,
    SubjectAccessIn,
    SubjectAccessOut,
)
from fieldkit_server import audit, retention, rights
from fieldkit_server import subject_access as sar
from fieldkit_server.accounts import Authenticated
from fieldkit_server.api import _PROBLEMS, Context, current_device
from fieldkit_server.audit import AuditAction
from fieldkit_server.db import run_in_transaction
from fieldkit_server.policy import Role
from fieldkit_server.problems import Problem

router = APIRouter(prefix="/v1/governance", tags=["governance"])

#: The most decisions one request may carry (a due list is worked through in pages).
MAX_DECISIONS_PER_CALL = 500


@cache
def _rules() -> dict[RecordType, RetentionRule]:
    return load_rules()


def governance_user(
    auth: Annotated[Authenticated, Depends(current_device)], context: Context
) -> Authenticated:
    """The signed-in user, if they hold the governance role; anyone else is refused and logged."""
    if auth.principal.role is not Role.GOVERNANCE:
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
                        reason="governance endpoints are for information governance only",
                        detail={"endpoint": "governance"},
                    )
                ],
            ),
        )
        raise Problem(
            403,
            "Forbidden",
            "only information governance may do this",
            code="forbidden",
        )
    return auth


Governance = Annotated[Authenticated, Depends(governance_user)]


def _log(
    session: Session, auth: Authenticated, action: AuditAction, detail: dict[str, Any], **at: Any
) -> None:
    audit.append(
        session,
        [
            audit.server_event(
                action=action,
                user_id=auth.user.id,
                device_id=auth.device_id,
                actor=auth.user.username,
                detail=detail,
                **at,
            )
        ],
    )


# Retention ------------------------------------------------------------------------------------


@router.get("/retention/due", response_model=DueResponse, responses=_PROBLEMS)
def retention_due(
    auth: Governance,
    context: Context,
    as_of: Annotated[date | None, Query()] = None,
) -> Any:
    """Records due for a retention decision on or before ``as_of`` (today by default)."""
    now = context.clock()
    today = as_of or now.date()
    if not date(2000, 1, 1) <= today <= date(2200, 1, 1):
        raise Problem(422, "Invalid request", "as_of is out of range", code="bad_date")

    def work(session: Session) -> list[Any]:
        items = retention.due(session, rules=_rules(), today=today)
        _log(
            session,
            auth,
            AuditAction.RETENTION_DUE,
            {"as_of": today.isoformat(), "due": len(items)},
            at=now,
        )
        return items

    items = run_in_transaction(context.sessions, work)
    return {
        "as_of": today.isoformat(),
        "items": [
            {
                "type": i.type.value,
                "id": i.id,
                "due": i.due.isoformat(),
                "rule": i.rule.describe(),
                "action": i.rule.action.value,
                "regime": i.regime.value,
            }
            for i in items
        ],
    }


@router.post(
    "/retention/decisions",
    response_model=DecisionsResponse,
    responses={**_PROBLEMS, 422: _PROBLEMS[400]},
)
def retention_decide(body: DecisionsRequest, auth: Governance, context: Context) -> Any:
    """Apply decisions (keep with reason and review date, anonymise, erase): all or none.

    The same path as ``fieldkit-server retention apply``: each decision is logged under the
    signed-in user's name; an erasure reaches every laptop as a purge at its next pull.
    """
    if len(body.decisions) > MAX_DECISIONS_PER_CALL:
        raise Problem(
            413,
            "Too many items",
            f"send at most {MAX_DECISIONS_PER_CALL} decisions per request",
            code="too_many",
        )
    now = context.clock()
    lines = "\n".join(
        json.dumps(
            {
                "type": d.type.value,
                "id": d.id,
                "decision": d.decision,
                "reason": d.reason,
                **({"review_on": d.review_on.isoformat()} if d.review_on else {}),
            }
        )
        for d in body.decisions
    ).encode("utf-8")
    try:
        decisions = retention.parse_decisions(lines, today=now.date())
        applied = run_in_transaction(
            context.sessions,
            lambda s: retention.apply_decisions(
                s, decisions=decisions, rules=_rules(), actor=auth.user.username, now=now
            ),
        )
    except retention.DecisionsError as exc:
        # "line N" is the Nth decision in the request; nothing was applied.
        detail = str(exc).replace("line ", "decision ", 1)
        raise Problem(
            422, "Not applied", f"{detail}; nothing applied", code="bad_decision"
        ) from None
    return {"kept": applied.kept, "anonymised": applied.anonymised, "erased": applied.erased}


# Rights requests ------------------------------------------------------------------------------


def _request_call(context: Context, work: Any) -> Any:
    try:
        view = run_in_transaction(context.sessions, work)
    except rights.RequestError as exc:
        code = "not_found" if str(exc) == "no such request" else "request_refused"
        status = 404 if code == "not_found" else 422
        raise Problem(status, "Not done", str(exc), code=code) from None
    return view.wire()


_RequestId = Annotated[str, Path(pattern=r"^[0-9a-fA-F-]{32,36}$")]


@router.get("/requests", response_model=RequestsResponse, responses=_PROBLEMS)
def requests_list(
    auth: Governance,
    context: Context,
    open_only: Annotated[bool, Query(alias="open")] = False,
) -> Any:
    """Data subjects' requests by deadline, earliest first."""
    now = context.clock()

    def work(session: Session) -> list[rights.RequestView]:
        views = rights.list_requests(session, today=now.date(), open_only=open_only)
        _log(session, auth, AuditAction.REQUEST_LIST, {"listed": len(views)}, at=now)
        return views

    return {"requests": [v.wire() for v in run_in_transaction(context.sessions, work)]}


@router.post("/requests", response_model=RequestOut, responses={**_PROBLEMS, 422: _PROBLEMS[400]})
def requests_add(body: RequestAddIn, auth: Governance, context: Context) -> Any:
    """Record a request from a data subject; its one-month deadline runs from ``received``."""
    now = context.clock()
    return _request_call(
        context,
        lambda s: rights.add_request(
            s,
            kind=body.kind,
            person_id=body.person_id,
            received_on=body.received,
            detail=body.detail,
            actor=auth.user.username,
            now=now,
        ),
    )


@router.post(
    "/requests/{request_id}/extend",
    response_model=RequestOut,
    responses={**_PROBLEMS, 422: _PROBLEMS[400]},
)
def requests_extend(
    request_id: _RequestId, body: RequestExtendIn, auth: Governance, context: Context
) -> Any:
    """Extend an open request by two months, once, giving the reason."""
    now = context.clock()
    return _request_call(
        context,
        lambda s: rights.extend_request(
            s, request_id=request_id, reason=body.reason, actor=auth.user.username, now=now
        ),
    )


@router.post(
    "/requests/{request_id}/answer",
    response_model=RequestOut,
    responses={**_PROBLEMS, 422: _PROBLEMS[400]},
)
def requests_answer(
    request_id: _RequestId, body: RequestAnswerIn, auth: Governance, context: Context
) -> Any:
    """Record the answer; ``restrict`` grants a restriction of processing."""
    now = context.clock()
    return _request_call(
        context,
        lambda s: rights.answer_request(
            s,
            request_id=request_id,
            decision=body.decision,
            restrict=body.restrict,
            actor=auth.user.username,
            now=now,
        ),
    )


@router.post(
    "/requests/{request_id}/lift",
    response_model=RequestOut,
    responses={**_PROBLEMS, 422: _PROBLEMS[400]},
)
def requests_lift(request_id: _RequestId, auth: Governance, context: Context) -> Any:
    """Lift a restriction of processing: the person's records sync as before."""
    now = context.clock()
    return _request_call(
        context,
        lambda s: rights.lift_restriction(
            s, request_id=request_id, actor=auth.user.username, now=now
        ),
    )


# Subject access -------------------------------------------------------------------------------


@router.post(
    "/subject-access",
    response_model=SubjectAccessOut,
    responses={**_PROBLEMS, 422: _PROBLEMS[400]},
)
def subject_access(body: SubjectAccessIn, auth: Governance, context: Context) -> Any:
    """A partnership-wide subject access export: the JSON and the PDF, in the response.

    Every record is logged as disclosed to the data subject (committed before the export is
    rendered, as at the command line), so no copy leaves unlogged.
    """
    now = context.clock()
    reference = sar.new_reference()
    by = auth.user.username

    def work(session: Session) -> sar.Gathered:
        gathered = sar.gather(session, body.person_id)
        sar.log_export(session, gathered, reference=reference, actor=by, now=now)
        return gathered

    try:
        gathered = run_in_transaction(context.sessions, work)
    except sar.SubjectAccessError:
        raise Problem(
            404, "Not found", "the server holds no person with that id", code="not_found"
        ) from None
    export, pdf = sar.render_export(gathered, reference=reference, prepared_by=by, now=now)
    return {
        "reference": reference,
        "records": len(gathered.records),
        "disclosures": sum(len(v) for v in gathered.disclosures.values()),
        "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
        "pdf": base64.b64encode(pdf).decode("ascii"),
        "export": json.loads(export),
    }
