"""Rights requests at the server: deadlines, answers, and restriction of processing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from fieldkit.domain.records import normalise_id
from fieldkit.domain.rights_requests import Deadline, RequestKind, RequestState, request_state
from fieldkit.wire.governance import MAX_REQUEST_TEXT
from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.clock import aware
from fieldkit_server.models import Base, Record, RightsRequest, SyncClock
from fieldkit_server.subject_access import SubjectAccessError, records_about

_RECORDS = Base.metadata.tables[Record.__tablename__]
_CLOCK = Base.metadata.tables[SyncClock.__tablename__]
#: Longest detail, decision or extension reason kept.
MAX_TEXT: Final = MAX_REQUEST_TEXT
#: Fields that name a person: a record naming a restricted person is restricted with them.
PERSON_FIELDS: Final = ("person_id", "person_ids", "tenant_ids", "subject_id")


class RequestError(ValueError):
    """A request command that cannot be done; the message names no personal data."""


@dataclass(frozen=True)
class RequestView:
    """A request as listed: what, about whom (by id), when due, where it stands."""

    id: str
    kind: RequestKind
    person_id: str
    received_on: date
    due_on: date
    state: RequestState
    extended: bool
    restricting: bool

    def wire(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "person_id": self.person_id,
            "received": self.received_on.isoformat(),
            "due": self.due_on.isoformat(),
            "state": self.state.value,
            "extended": self.extended,
            "restricting": self.restricting,
        }


def _text(value: str | None, what: str, *, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise RequestError(f"give the {what}")
        return None
    if len(text) > MAX_TEXT:
        raise RequestError(f"the {what} must be at most {MAX_TEXT} characters")
    return text


def _log(
    session: Session, action: AuditAction, request: RightsRequest, *, actor: str, now: datetime
) -> None:
    audit.log_admin(
        session,
        action,
        now=now,
        actor=actor,
        detail={"request": request.id, "kind": request.kind, "person": request.person_id},
    )


def add_request(
    session: Session,
    *,
    kind: RequestKind,
    person_id: str,
    received_on: date,
    detail: str | None,
    actor: str,
    now: datetime,
) -> RequestView:
    """Record a request from a data subject; its deadline runs from the day it was received.

    Raises:
        RequestError: the person is not one the server holds, or the date is in the future.
    """
    try:
        person_id = normalise_id(person_id)
        records_about(session, person_id)
    except (ValueError, SubjectAccessError):
        raise RequestError("the server holds no person with that id") from None
    if received_on > aware(now).date():
        raise RequestError("a request cannot be received in the future")
    request = RightsRequest(
        id=str(uuid.uuid4()),
        kind=kind.value,
        person_id=person_id,
        received_on=received_on,
        detail=_text(detail, "detail", required=kind is RequestKind.RECTIFICATION),
        created_by=actor,
        created_at=now,
    )
    session.add(request)
    session.flush()
    _log(session, AuditAction.REQUEST_ADD, request, actor=actor, now=now)
    return _view(request, aware(now).date())


def list_requests(session: Session, *, today: date, open_only: bool) -> list[RequestView]:
    """Requests by deadline, earliest first (what a governance Today shows)."""
    query = select(RightsRequest)
    if open_only:
        query = query.where(RightsRequest.answered_at.is_(None))
    views = [_view(r, today) for r in session.scalars(query)]
    return sorted(views, key=lambda v: (v.due_on, v.id))


def extend_request(
    session: Session, *, request_id: str, reason: str, actor: str, now: datetime
) -> RequestView:
    """Extend an open request's deadline by two months, once, giving the reason.

    Raises:
        RequestError: no such request, already answered or extended, or no reason.
    """
    request = _get(session, request_id)
    if request.answered_at is not None:
        raise RequestError("the request is already answered")
    if request.extended_reason is not None:
        raise RequestError("the request is already extended")
    request.extended_reason = _text(reason, "reason for the extension", required=True)
    _log(session, AuditAction.REQUEST_EXTEND, request, actor=actor, now=now)
    return _view(request, aware(now).date())


def answer_request(
    session: Session,
    *,
    request_id: str,
    decision: str,
    restrict: bool,
    actor: str,
    now: datetime,
) -> RequestView:
    """Record the answer to a request; for a restriction granted, restrict the person's records.

    Raises:
        RequestError: no such request, already answered, no decision, or ``restrict`` for a
            request that is not a restriction.
    """
    request = _get(session, request_id)
    if request.answered_at is not None:
        raise RequestError("the request is already answered")
    if restrict and request.kind != RequestKind.RESTRICTION.value:
        raise RequestError("only a restriction request restricts processing")
    request.decision = _text(decision, "decision", required=True)
    request.answered_at = now
    _log(session, AuditAction.REQUEST_ANSWER, request, actor=actor, now=now)
    if restrict:
        request.restricted_from = now
        set_processing_restricted(
            session, person_id=request.person_id, restricted=True, actor=actor, now=now
        )
    return _view(request, aware(now).date())


def lift_restriction(
    session: Session, *, request_id: str, actor: str, now: datetime
) -> RequestView:
    """Lift a restriction of processing: the person's records sync as before.

    Raises:
        RequestError: no such request, or it restricts nothing now.
    """
    request = _get(session, request_id)
    if request.restricted_from is None or request.lifted_at is not None:
        raise RequestError("the request restricts nothing now")
    request.lifted_at = now
    session.flush()
    still = session.scalar(
        select(RightsRequest.id).where(
            RightsRequest.person_id == request.person_id,
            RightsRequest.restricted_from.is_not(None),
            RightsRequest.lifted_at.is_(None),
        )
    )
    if still is None:
        set_processing_restricted(
            session, person_id=request.person_id, restricted=False, actor=actor, now=now
        )
    return _view(request, aware(now).date())


def set_processing_restricted(
    session: Session, *, person_id: str, restricted: bool, actor: str, now: datetime
) -> int:
    """Mark (or unmark) every record about a person, each at a new commit position.

    Runs under the clock row's lock, which orders writing pushes: a push naming the person that
    commits before sees its record marked here; one that commits after finds the restriction and
    marks its own record (``restricted_people``). New positions make every device's next pull
    list the records for purge where they may no longer be held (or send them back when lifted).

    Returns:
        How many records changed.
    """
    session.execute(select(_CLOCK.c.id).where(_CLOCK.c.id == 1).with_for_update())
    about = records_about(session, person_id)
    ids = sorted(i for i, (row, _) in about.items() if row.processing_restricted != restricted)
    if not ids:
        return 0
    row = session.execute(
        update(_CLOCK)
        .where(_CLOCK.c.id == 1)
        .values(last_seq=_CLOCK.c.last_seq + len(ids))
        .returning(_CLOCK.c.last_seq)
    ).one()
    first = row.last_seq - len(ids) + 1
    session.execute(
        update(_RECORDS)
        .where(_RECORDS.c.id == bindparam("_id"))
        .values(
            processing_restricted=bindparam("_held"),
            seq=bindparam("_seq"),
            updated_at=bindparam("_at"),
        ),
        [
            {"_id": record_id, "_held": restricted, "_seq": first + i, "_at": now}
            for i, record_id in enumerate(ids)
        ],
    )
    action = AuditAction.RESTRICT_PROCESSING if restricted else AuditAction.LIFT_RESTRICTION
    audit.append(
        session,
        [
            audit.server_event(
                at=now,
                action=action,
                user_id=None,
                device_id=None,
                actor=actor,
                record_type=about[record_id][0].type,
                record_id=record_id,
                detail={"person": person_id},
            )
            for record_id in ids
        ],
    )
    return len(ids)


def restricted_people(session: Session, ids: Sequence[str]) -> set[str]:
    """Which of these ids are people under a restriction of processing now."""
    if not ids:
        return set()
    return set(
        session.scalars(
            select(RightsRequest.person_id).where(
                RightsRequest.person_id.in_(sorted(set(ids))),
                RightsRequest.restricted_from.is_not(None),
                RightsRequest.lifted_at.is_(None),
            )
        )
    )


def named_people(fields: Mapping[str, object]) -> set[str]:
    """The ids a record's fields name as people (or as the subject of a document)."""
    out: set[str] = set()
    for name in PERSON_FIELDS:
        value = fields.get(name)
        if isinstance(value, str):
            out.add(value)
        elif isinstance(value, list):
            out.update(v for v in value if isinstance(v, str))
    return out


def _get(session: Session, request_id: str) -> RightsRequest:
    try:
        request_id = normalise_id(request_id)
    except ValueError:
        raise RequestError("no such request") from None
    request = session.get(RightsRequest, request_id)
    if request is None:
        raise RequestError("no such request")
    return request


def _view(request: RightsRequest, today: date) -> RequestView:
    deadline = Deadline(request.received_on, request.extended_reason is not None)
    return RequestView(
        id=request.id,
        kind=RequestKind(request.kind),
        person_id=request.person_id,
        received_on=request.received_on,
        due_on=deadline.due_on,
        state=request_state(deadline, answered=request.answered_at is not None, today=today),
        extended=request.extended_reason is not None,
        restricting=request.restricted_from is not None and request.lifted_at is None,
    )
