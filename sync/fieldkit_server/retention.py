"""Retention review at the server: what is due, and governance decisions applied through push."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final, TextIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fieldkit.domain.corrections import MAX_REASON
from fieldkit.domain.hlc import Hlc
from fieldkit.domain.records import RecordType, ValidationError, normalise_id, validate_fields
from fieldkit.domain.retention import (
    DueItem,
    HeldRecord,
    RetentionRule,
    anonymised_fields,
    due_items,
)
from fieldkit.domain.vocabulary import District
from fieldkit_server import audit, blobs
from fieldkit_server.audit import AuditAction
from fieldkit_server.clock import SERVER_NODE, aware, millis
from fieldkit_server.models import Conflict, Record, RetentionDecision
from fieldkit_server.policy import Principal, Role
from fieldkit_server.push import ChangeStatus, IncomingChange, Op, Writer, push_changes

#: The server applying governance decisions: it may erase any record in any district. Its
#: changes go through the push path, so laptops receive them as any erasure (history purged).
RETENTION: Final = Principal(
    user_id="retention",
    role=Role.SUPERVISOR,
    districts=frozenset(d.value for d in District),
    safeguarding=True,
)

#: The most decisions one file may carry.
MAX_DECISIONS: Final = 10_000


class Decision(StrEnum):
    """What the governance role decided for a record that is due."""

    KEEP = "keep"
    ANONYMISE = "anonymise"
    ERASE = "erase"


class DecisionsError(ValueError):
    """A decisions file that cannot be applied; the message names the line, never its data."""


@dataclass(frozen=True)
class DecisionLine:
    """One decision as read from the file."""

    line: int
    type: RecordType
    id: str
    decision: Decision
    reason: str | None
    review_on: date | None


@dataclass(frozen=True)
class Applied:
    """What applying a decisions file did."""

    kept: int
    anonymised: int
    erased: int
    #: Attachment records erased because the record they were attached to was.
    attachments_erased: int = 0
    #: Files no live attachment names any more: remove them from the blob store after commit.
    files_forgotten: tuple[str, ...] = ()


def held_records(session: Session) -> list[HeldRecord]:
    """Every record the server holds that is not erased, as retention looks at it."""
    rows = session.execute(
        select(Record.type, Record.id, Record.fields, Record.created_at, Record.updated_at).where(
            Record.deleted.is_(False)
        )
    )
    return [
        HeldRecord(
            RecordType(row.type),
            row.id,
            json.loads(row.fields),
            aware(row.created_at).date(),
            aware(row.updated_at).date(),
        )
        for row in rows
    ]


def kept_until(session: Session) -> dict[str, date]:
    """Record id -> review date of its latest decision to keep it."""
    rows = session.execute(
        select(RetentionDecision.record_id, RetentionDecision.review_on)
        .where(RetentionDecision.decision == Decision.KEEP.value)
        .order_by(RetentionDecision.decided_at, RetentionDecision.id)
    )
    return {row.record_id: row.review_on for row in rows if row.review_on is not None}


def due(
    session: Session, *, rules: Mapping[RecordType, RetentionRule], today: date
) -> list[DueItem]:
    """Every record due for a retention decision on or before ``today``, earliest first."""
    return due_items(held_records(session), rules, today=today, kept_until=kept_until(session))


def write_due(items: Sequence[DueItem], out: TextIO) -> int:
    """Write the due list as JSON Lines (type, id, due, rule, action, regime); returns the count."""
    for item in items:
        out.write(
            json.dumps(
                {
                    "type": item.type.value,
                    "id": item.id,
                    "due": item.due.isoformat(),
                    "rule": item.rule.describe(),
                    "action": item.rule.action.value,
                    "regime": item.regime.value,
                }
            )
            + "\n"
        )
    return len(items)


def parse_decisions(data: bytes, *, today: date) -> list[DecisionLine]:
    """Read a decisions file: JSON Lines of type, id, decision, reason and (to keep) review_on.

    Args:
        data: the file's bytes (UTF-8).
        today: a kept record's review date must come after it.

    Raises:
        DecisionsError: a line is wrong; the message names the line and what is wrong.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DecisionsError("the decisions file is not UTF-8 text") from None
    decisions: list[DecisionLine] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        line = _decision(number, raw, today)
        if line.id in seen:
            raise DecisionsError(
                f"line {number}: a second decision for the record on line {seen[line.id]}"
            )
        seen[line.id] = number
        decisions.append(line)
        if len(decisions) > MAX_DECISIONS:
            raise DecisionsError(f"line {number}: more than {MAX_DECISIONS} decisions in one file")
    if not decisions:
        raise DecisionsError("the decisions file holds no decisions")
    return decisions


_KEYS: Final = frozenset({"type", "id", "decision", "reason", "review_on"})


def _decision(number: int, raw: str, today: date) -> DecisionLine:
    where = f"line {number}"
    try:
        item = json.loads(raw)
    except (ValueError, RecursionError):
        raise DecisionsError(f"{where}: not a JSON object") from None
    if not isinstance(item, dict):
        raise DecisionsError(f"{where}: not a JSON object")
    unknown = sorted(k for k in item if k not in _KEYS)
    if unknown:
        raise DecisionsError(f"{where}: unknown key (allowed: {', '.join(sorted(_KEYS))})")
    try:
        record_type = RecordType(str(item.get("type")))
    except ValueError:
        raise DecisionsError(f"{where}: type must be a record type") from None
    try:
        record_id = normalise_id(item.get("id"))
    except ValueError:
        raise DecisionsError(f"{where}: id must be a record id") from None
    try:
        decision = Decision(str(item.get("decision")))
    except ValueError:
        raise DecisionsError(f"{where}: decision must be keep, anonymise or erase") from None
    reason_value = item.get("reason")
    if reason_value is not None and not isinstance(reason_value, str):
        raise DecisionsError(f"{where}: reason must be text")
    reason = " ".join((reason_value or "").split()) or None
    if reason is not None and len(reason) > MAX_REASON:
        raise DecisionsError(f"{where}: reason must be at most {MAX_REASON} characters")
    review_value = item.get("review_on")
    review_on: date | None = None
    if decision is Decision.KEEP:
        if reason is None:
            raise DecisionsError(f"{where}: keeping a record needs a reason")
        try:
            review_on = date.fromisoformat(str(review_value)) if review_value else None
        except ValueError:
            raise DecisionsError(f"{where}: review_on must be a date (YYYY-MM-DD)") from None
        if review_on is None:
            raise DecisionsError(f"{where}: keeping a record needs a review_on date")
        if review_on <= today:
            raise DecisionsError(f"{where}: review_on must be after today")
    elif review_value is not None:
        raise DecisionsError(f"{where}: review_on is only for a record kept")
    return DecisionLine(number, record_type, record_id, decision, reason, review_on)


def apply_decisions(
    session: Session,
    *,
    decisions: Sequence[DecisionLine],
    rules: Mapping[RecordType, RetentionRule],
    actor: str,
    now: datetime,
) -> Applied:
    """Apply governance decisions in the caller's transaction: all of them, or none.

    Erasing goes through the push path as a delete: the record keeps only a tombstone, and every
    laptop that holds it drops it with its history at its next pull. Anonymising erases the
    record the same way and stores an anonymised copy under a new id (only the fields the rule
    keeps), so that nothing links the copy back to the person. Conflicts recorded on the record
    (they hold values) go too. The s62 log says what was decided, by whom, never the content.

    Raises:
        DecisionsError: a decision names a record the server does not hold (or holds as another
            type, or has erased), or anonymises a type the rules cannot anonymise; nothing is
            applied.
    """
    ids = [d.id for d in decisions]
    held = {
        row.id: row
        for row in session.execute(
            select(Record.id, Record.type, Record.deleted, Record.fields)
            .where(Record.id.in_(ids))
            .order_by(Record.id)
            .with_for_update()
        )
    }
    hlc = str(Hlc(millis(now), 0, SERVER_NODE))
    changes: list[IncomingChange] = []
    for d in decisions:
        row = held.get(d.id)
        if row is None or row.type != d.type.value or row.deleted:
            raise DecisionsError(f"line {d.line}: the server holds no such {d.type.value} record")
        if d.decision is Decision.KEEP:
            continue
        changes.append(_change(d.type, d.id, Op.DELETE, hlc, {}))
        if d.decision is Decision.ANONYMISE:
            rule = rules[d.type]
            if not rule.anonymise_keeps:
                raise DecisionsError(
                    f"line {d.line}: {d.type.value} records cannot be anonymised under the rules"
                )
            try:
                copy = validate_fields(
                    d.type.value, anonymised_fields(rule, json.loads(row.fields))
                )
            except ValidationError as exc:
                names = ", ".join(sorted({e.field for e in exc.errors}))
                raise DecisionsError(
                    f"line {d.line}: the anonymised copy would not be a valid record ({names})"
                ) from None
            changes.append(_change(d.type, str(uuid.uuid4()), Op.UPSERT, hlc, copy))
    # An erased or anonymised record takes its photos and files with it: they are about the
    # same people and would outlive the record otherwise.
    gone = {d.id for d in decisions if d.decision is not Decision.KEEP}
    cascaded = [
        attachment_id
        for attachment_id, _owner in blobs.attachments_of(session, gone)
        if attachment_id not in gone
    ]
    changes.extend(
        _change(RecordType.ATTACHMENT, attachment_id, Op.DELETE, hlc, {})
        for attachment_id in cascaded
    )
    if changes:
        outcome = push_changes(
            session,
            writer=Writer(RETENTION, None),
            changes=changes,
            device_seq=None,
            now=now,
            hlc_tolerance_millis=0,
        )
        refused = [r for r in outcome.results if r.status is not ChangeStatus.APPLIED]
        if refused:
            # Should not happen (the server may erase anything); never apply half a file.
            raise DecisionsError(f"a change was refused: {refused[0].reason}")
    erased = [d.id for d in decisions if d.decision is not Decision.KEEP] + cascaded
    if erased:
        session.execute(delete(Conflict).where(Conflict.record_id.in_(erased)))
    session.add_all(
        RetentionDecision(
            record_type=d.type.value,
            record_id=d.id,
            decision=d.decision.value,
            reason=d.reason,
            review_on=d.review_on,
            decided_by=actor,
            decided_at=now,
        )
        for d in decisions
    )
    audit.append(
        session,
        [
            audit.server_event(
                at=now,
                action=AuditAction.RETENTION_DECISION,
                user_id=None,
                device_id=None,
                actor=actor,
                record_type=d.type.value,
                record_id=d.id,
                reason=d.reason,
                detail=_detail(d),
            )
            for d in decisions
        ],
    )
    return Applied(
        kept=sum(d.decision is Decision.KEEP for d in decisions),
        anonymised=sum(d.decision is Decision.ANONYMISE for d in decisions),
        erased=sum(d.decision is Decision.ERASE for d in decisions),
        attachments_erased=len(cascaded),
        files_forgotten=tuple(blobs.collect_garbage(session)),
    )


def _detail(d: DecisionLine) -> dict[str, Any]:
    detail: dict[str, Any] = {"decision": d.decision.value}
    if d.review_on is not None:
        detail["review_on"] = d.review_on.isoformat()
    return detail


def _change(
    record_type: RecordType, record_id: str, op: Op, hlc: str, fields: Mapping[str, object]
) -> IncomingChange:
    return IncomingChange(
        change_id=str(uuid.uuid4()),
        type=record_type,
        id=record_id,
        op=op,
        hlc=hlc,
        fields=fields,
        base={},
    )
