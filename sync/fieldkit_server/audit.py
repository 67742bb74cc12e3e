"""The s62 log: server events for alterations and disclosures, client events, and the export."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TextIO

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from fieldkit.wire import json_text
from fieldkit_server.clock import aware
from fieldkit_server.models import AuditEvent, Base

#: The table itself: rows go in through Core, without the ORM's per-row bulk bookkeeping.
_AUDIT = Base.metadata.tables[AuditEvent.__tablename__]

#: The detail key under which a pull page's disclosure row lists the ids it sent, by type.
PAGE_RECORDS = "records_by_type"
#: The detail key under which it lists the same ids by the basis each was disclosed on: the
#: agreement relied on, or ``policy.OWN_AGENCY`` / ``policy.ADDRESSED``.
PAGE_AGREEMENTS = "records_by_agreement"


class AuditAction(StrEnum):
    """What happened to a record, in s62's terms."""

    # Sent by laptops.
    VIEW = "view"
    CREATE = "create"
    UPDATE = "update"
    PRINT = "print"
    EXPORT = "export"
    ERASE = "erase"
    #: A print or export logged record by record beforehand has finished (the reason counts).
    COMPLETE = "complete"
    # Logged by the server.
    DISCLOSE = "disclose"
    REFUSED = "refused"
    LOGIN = "login"
    LOGOUT = "logout"
    #: A supervisor marked a conflict reviewed.
    RESOLVE = "resolve"
    #: A laptop showed a state older than the one the server acknowledged (restored vault).
    ROLLBACK = "rollback"
    #: A laptop's numbered audit events skipped numbers or reused one with another hash.
    AUDIT_GAP = "audit_gap"
    #: A supervisor or safeguarding user lowered a record's restriction, giving a reason.
    LOWER_RESTRICTION = "lower_restriction"
    #: A record's restriction was re-derived from the work it links to.
    RESTRICTION_DERIVED = "restriction_derived"
    #: A supervisor merged a duplicate person record into another (the duplicate's
    #: ``merged_into`` was set), or repointed a record's links in such a merge.
    MERGE_PEOPLE = "merge_people"
    # Run by an administrator at the command line (the actor is their OS account).
    USER_ADD = "user_add"
    USER_SET = "user_set"
    USER_DISTRICTS = "user_districts"
    USER_DISABLE = "user_disable"
    DEVICE_REVOKE = "device_revoke"
    SERVICES_IMPORT = "services_import"
    #: The address gazetteer was imported (counts of added, updated, removed addresses only).
    GAZETTEER_IMPORT = "gazetteer_import"
    #: Police recorded crime was imported (months and counts; it names no one).
    CRIME_IMPORT = "crime_import"
    AUDIT_EXPORT = "audit_export"
    #: An information-sharing agreement was added or ended (its name and terms, no record).
    AGREEMENT_ADD = "agreement_add"
    AGREEMENT_END = "agreement_end"
    #: An analyst ran an aggregate query (its parameters and the row count, never a name).
    ANALYTICS_QUERY = "analytics_query"
    #: Information governance decided on a record whose retention period was up (keep,
    #: anonymise or erase); the detail names the decision, never the record's content.
    RETENTION_DECISION = "retention_decision"
    #: The retention due list was produced (record types and ids only).
    RETENTION_DUE = "retention_due"
    #: A record went to its data subject in a partnership-wide subject access export.
    SUBJECT_ACCESS = "subject_access"
    #: A data subject's request was recorded, extended or answered (ids only, never its text).
    REQUEST_ADD = "request_add"
    REQUEST_EXTEND = "request_extend"
    REQUEST_ANSWER = "request_answer"
    #: A record came under (or left) a data subject's restriction of processing.
    RESTRICT_PROCESSING = "restrict_processing"
    LIFT_RESTRICTION = "lift_restriction"
    #: Information governance listed the rights requests from the app (ids and counts only).
    REQUEST_LIST = "request_list"


CLIENT_ACTIONS = frozenset(
    {
        AuditAction.VIEW,
        AuditAction.CREATE,
        AuditAction.UPDATE,
        AuditAction.PRINT,
        AuditAction.EXPORT,
        AuditAction.ERASE,
        AuditAction.COMPLETE,
    }
)


@dataclass(frozen=True)
class ClientEvent:
    """An audit event a laptop logged offline (a view, a print, an export, ...)."""

    event_id: str
    at: datetime
    actor: str
    action: AuditAction
    record_type: str | None
    record_id: str | None
    reason: str | None
    recipient: str | None


#: An event's detail as stored: ``json.dumps(detail, sort_keys=True)``, from an encoder made
#: once (a push logs an event for every record).
_DETAIL_JSON = json_text.encoder(sort_keys=True)


def server_event(
    *,
    at: datetime,
    action: AuditAction,
    user_id: str | None,
    device_id: str | None,
    record_type: str | None = None,
    record_id: str | None = None,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    """A row for the audit table, to insert in bulk with the transaction's other writes.

    Args:
        at: when it happened (server time).
        action: what happened.
        user_id: the signed-in user it happened for; None at the command line.
        device_id: their device.
        record_type: the record's type, if it concerns one.
        record_id: the record's id.
        reason: a refusal's reason, or the reason a user gave.
        detail: field names, ids, counts: never values or passwords.
        actor: who ran a command-line action (their OS account).
    """
    return {
        "event_id": None,
        "at": at,
        "received_at": at,
        "source": "server",
        "action": action.value,
        "user_id": user_id,
        "device_id": device_id,
        "actor": actor,
        "record_type": record_type,
        "record_id": record_id,
        "reason": reason,
        "recipient": None,
        "detail": _DETAIL_JSON(detail) if detail else None,
    }


def append(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(_AUDIT), list(rows))


def log_admin(
    session: Session,
    action: AuditAction,
    *,
    now: datetime,
    actor: str | None,
    detail: dict[str, Any],
) -> None:
    """Log an administrator's command: who ran it and what changed, never a password.

    Args:
        session: the transaction the command's change is made in.
        action: the command.
        now: server time.
        actor: who ran it (their OS account): there is no signed-in user at the command line.
        detail: what changed (names, ids, settings, counts).
    """
    append(
        session,
        [
            server_event(
                at=now, action=action, user_id=None, device_id=None, actor=actor, detail=detail
            )
        ],
    )


def store_client_events(
    session: Session,
    *,
    events: Sequence[ClientEvent],
    user_id: str,
    device_id: str,
    now: datetime,
) -> tuple[int, int]:
    """Store laptops' audit events once each, keyed by their event id.

    Returns:
        How many were stored and how many had been stored before.
    """
    ids = list(dict.fromkeys(e.event_id for e in events))
    known = set(session.scalars(select(AuditEvent.event_id).where(AuditEvent.event_id.in_(ids))))
    rows: list[dict[str, Any]] = []
    for event in events:
        if event.event_id in known:
            continue
        known.add(event.event_id)
        rows.append(
            {
                "event_id": event.event_id,
                "at": event.at,
                "received_at": now,
                "source": "client",
                "action": event.action.value,
                "user_id": user_id,
                "device_id": device_id,
                "actor": event.actor,
                "record_type": event.record_type,
                "record_id": event.record_id,
                "reason": event.reason,
                "recipient": event.recipient,
                "detail": None,
            }
        )
    append(session, rows)
    return len(rows), len(events) - len(rows)


def _wire(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.id,
        "event_id": event.event_id,
        "at": aware(event.at).isoformat(),
        "received_at": aware(event.received_at).isoformat(),
        "source": event.source,
        "action": event.action,
        "user_id": event.user_id,
        "device_id": event.device_id,
        "actor": event.actor,
        "record_type": event.record_type,
        "record_id": event.record_id,
        "reason": event.reason,
        "recipient": event.recipient,
        "detail": json.loads(event.detail) if event.detail else None,
    }


def _expanded(event: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A pull page's one disclosure row as one event per record sent (the rest as it is).

    Each has the page's ``seq``, time, user and device, the record's type and id, and the
    page's scope and commit range in ``detail``.
    """
    detail = event["detail"]
    if event["action"] != AuditAction.DISCLOSE or not detail or PAGE_RECORDS not in detail:
        yield event
        return
    page = {k: v for k, v in detail.items() if k not in (PAGE_RECORDS, PAGE_AGREEMENTS)}
    basis = {i: name for name, ids in detail.get(PAGE_AGREEMENTS, {}).items() for i in ids}
    for record_type, ids in sorted(detail[PAGE_RECORDS].items()):
        for record_id in ids:
            one = {**page, "agreement": basis[record_id]} if record_id in basis else page
            yield {**event, "record_type": record_type, "record_id": record_id, "detail": one}


def iter_events(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    agreement: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Every audit event in the order it was stored, as plain JSON-ready dicts.

    A pull page is stored as one disclosure row; it is given here as one event per record it
    sent, so that every disclosure of a record is a line of its own.

    Args:
        session: a read transaction.
        since: from this time (received), inclusive.
        until: to this time, exclusive.
        agreement: only the events that name this agreement (disclosures made under it,
            refusals that relied on it, and the agreement's own management).
    """
    if agreement is not None:
        yield from (
            e
            for e in iter_events(session, since=since, until=until)
            if names_agreement(e, agreement)
        )
        return
    query = select(AuditEvent).order_by(AuditEvent.id)
    if since is not None:
        query = query.where(AuditEvent.received_at >= since)
    if until is not None:
        query = query.where(AuditEvent.received_at < until)
    for event in session.scalars(query.execution_options(yield_per=1000)):
        yield from _expanded(_wire(event))


def names_agreement(event: dict[str, Any], name: str) -> bool:
    """Whether an (expanded) event names the agreement: relied on, refused under, or managed."""
    detail = event.get("detail")
    return isinstance(detail, dict) and name in (detail.get("agreement"), detail.get("name"))


@dataclass(frozen=True)
class Disclosure:
    """A record sent to a device: when, to whom, on which device, under which scope."""

    at: datetime
    user_id: str | None
    device_id: str | None
    #: The pull's scope key (see pull.scope_key); None for a fetch or a report.
    scope: str | None
    #: The agreement the disclosure relied on (or policy.OWN_AGENCY / ADDRESSED); None for a
    #: disclosure logged before agreements were enforced, or a report's.
    agreement: str | None = None


def disclosures_of(session: Session, *, record_id: str) -> list[Disclosure]:
    """Every disclosure of one record, oldest first: pull pages, fetches and reports.

    Args:
        session: a read transaction.
        record_id: the record's id (a UUID; anything else matches nothing).
    """
    try:
        wanted = str(uuid.UUID(record_id))
    except ValueError:
        return []
    rows = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == AuditAction.DISCLOSE.value,
            or_(
                AuditEvent.record_id == wanted,
                # The id is quoted in a page's (or a report's) list: narrow to those rows here,
                # then read each exactly below.
                AuditEvent.detail.contains(f'"{wanted}"'),
            ),
        )
        .order_by(AuditEvent.id)
    )
    found: list[Disclosure] = []
    for row in rows:
        detail = json.loads(row.detail) if row.detail else {}
        listed = [i for ids in detail.get(PAGE_RECORDS, {}).values() for i in ids]
        listed += detail.get("record_ids", [])
        if row.record_id == wanted or wanted in listed:
            bases = detail.get(PAGE_AGREEMENTS, {})
            basis = next((n for n, ids in bases.items() if wanted in ids), detail.get("agreement"))
            found.append(
                Disclosure(aware(row.at), row.user_id, row.device_id, detail.get("scope"), basis)
            )
    return found


def export_jsonl(session: Session, out: TextIO, **window: Any) -> int:
    """Write the audit log as JSON Lines, one event a line (``window``: ``iter_events``'s).

    Returns:
        How many events were written.
    """
    count = 0
    for event in iter_events(session, **window):
        out.write(json.dumps(event, sort_keys=True, ensure_ascii=False) + "\n")
        count += 1
    return count
