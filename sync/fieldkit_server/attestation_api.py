"""Endpoints of the attestation extension: a laptop proves its state; supervisors see alerts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from fieldkit.domain.attestation import Head, Shown
from fieldkit.wire import AttestStatus
from fieldkit_server import attestation
from fieldkit_server.api import _PROBLEMS, Context, CurrentDevice
from fieldkit_server.db import run_in_transaction
from fieldkit_server.problems import Problem
from fieldkit_server.schemas import (
    AcknowledgeResponse,
    AttestRequest,
    AttestResponse,
    DeviceAlertsResponse,
    HeadIn,
)

router = APIRouter(prefix="/v1")


def _head(body: HeadIn) -> Head:
    return Head(body.audit_count, body.audit_hash, body.change_seq)


@router.post("/sync/attest", response_model=AttestResponse, responses=_PROBLEMS)
def attest(body: AttestRequest, auth: CurrentDevice, context: Context) -> Any:
    """Judge whether the laptop extends the head acknowledged at its last sync.

    A laptop that does not (restored from an older copy) is recorded once per acknowledged
    head: a ``rollback`` audit event and a device alert for supervisors.
    """
    now = context.clock()
    shown = Shown(_head(body.head), body.hash_at_acknowledged)
    verdict = run_in_transaction(
        context.sessions,
        lambda s: attestation.check_shown(
            s, user_id=auth.user.id, device_id=auth.device_id, shown=shown, now=now
        ),
    )
    return {
        "status": AttestStatus.ROLLED_BACK if verdict.rolled_back else AttestStatus.EXTENDS,
        "acknowledged": verdict.acknowledged.wire(),
        "last_device_seq": verdict.last_device_seq,
    }


@router.post(
    "/sync/acknowledge",
    response_model=AcknowledgeResponse,
    responses={**_PROBLEMS, 409: _PROBLEMS[400]},
)
def acknowledge(body: HeadIn, auth: CurrentDevice, context: Context) -> Any:
    """Acknowledge the laptop's head at the end of a sync; the next sync must extend it."""
    now = context.clock()
    head = _head(body)

    def work(session: Session) -> Head:
        return attestation.acknowledge(
            session, user_id=auth.user.id, device_id=auth.device_id, head=head, now=now
        )

    try:
        done = run_in_transaction(context.sessions, work)
    except attestation.AcknowledgeRefused as exc:
        raise Problem(409, "Not acknowledged", str(exc), code=exc.code) from None
    return {"acknowledged": done.wire(), "acknowledged_at": now.isoformat()}


@router.get("/device-alerts", response_model=DeviceAlertsResponse, responses=_PROBLEMS)
def device_alerts(
    auth: CurrentDevice,
    context: Context,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Any:
    """Rolled-back laptops and audit gaps of users in the supervisor's districts, newest first."""
    try:
        found = run_in_transaction(
            context.sessions,
            lambda s: attestation.list_alerts(s, principal=auth.principal, limit=limit),
        )
    except attestation.NotReviewer as exc:
        raise Problem(403, "Forbidden", str(exc), code="forbidden") from None
    return {"alerts": found}
