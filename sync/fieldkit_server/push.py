"""Applying a push: idempotent, merged field by field, policy-checked, committed in one go."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from fieldkit.domain.digest import record_digest
from fieldkit.domain.hlc import Hlc, bound_hlc
from fieldkit.domain.merge import merge_change
from fieldkit.domain.records import (
    RecordType,
    ValidationError,
    is_restricted,
    record_spec,
    scope_districts,
    validate_fields,
)
from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.clock import millis, server_hlc
from fieldkit_server.models import (
    Base,
    Change,
    Conflict,
    Device,
    Record,
    RecordLink,
    SyncClock,
    User,
)
from fieldkit_server.policy import (
    ADDRESSEE_FIELDS,
    Principal,
    Scope,
    effectively_restricted,
    link_targets,
    link_values,
    lowering_refusal,
    write_refusal,
)

_RECORDS = Base.metadata.tables[Record.__tablename__]
_CLOCK = Base.metadata.tables[SyncClock.__tablename__]


class Op(StrEnum):
    UPSERT = "upsert"
    DELETE = "delete"


class ChangeStatus(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class IncomingChange:
    """One change as pushed, already checked for shape (ids, clock format, known fields)."""

    change_id: str
    type: RecordType
    id: str
    op: Op
    hlc: str
    fields: Mapping[str, object]
    base: Mapping[str, str]
    #: Why the writer lowers the record's restriction, when the change does (else ignored).
    reason: str | None = None


@dataclass(frozen=True)
class ChangeResult:
    change_id: str
    status: ChangeStatus
    reason: str | None = None
    #: The clock the change was stored with, when it was ahead of server time and clamped.
    hlc: str | None = None

    def wire(self) -> dict[str, object]:
        out: dict[str, object] = {
            "change_id": self.change_id,
            "status": self.status.value,
            "reason": self.reason,
        }
        if self.hlc is not None:
            out["hlc"] = self.hlc
            out["clamped"] = True
        return out


@dataclass(frozen=True)
class PushOutcome:
    results: list[ChangeResult]
    server_hlc: str


@dataclass(frozen=True)
class Writer:
    """Who is pushing: a signed-in user on a device, or the server itself (imports)."""

    principal: Principal
    device_id: str | None


@dataclass
class _Held:
    """A record as the push sees it while working through the batch."""

    id: str
    type: str
    district: str | None
    restricted: bool
    created_by: str | None
    addressee: str | None
    deleted: bool
    deleted_hlc: str | None
    fields: dict[str, object]
    versions: dict[str, str]
    created_at: datetime
    stored: bool
    dirty: bool = False
    #: Whether the batch applied a change to it (its links are then rewritten).
    touched: bool = False

    def scope(self) -> Scope:
        districts = scope_districts(self.type, self.fields) if self.fields else []
        if not districts and self.district:
            districts = [self.district]
        return Scope.of(
            self.type,
            districts,
            restricted=self.restricted,
            created_by=self.created_by,
            addressee=self.addressee,
        )


class _Users:
    """Finds users by the names records give (addressees) and by id (authors), cached."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._ids: dict[str, str | None] = {}
        self._names: dict[str, str | None] = {}

    def addressee(self, record_type: RecordType, fields: Mapping[str, object]) -> str | None:
        """The addressed user's id; None if the type names no one, or no user has the name."""
        name_field = ADDRESSEE_FIELDS.get(record_type)
        value = fields.get(name_field) if name_field else None
        if not isinstance(value, str) or not value.strip():
            return None
        # User names are kept trimmed and in lower case (as sign-in matches them).
        name = value.strip().lower()
        if name not in self._ids:
            self._ids[name] = self._session.scalar(select(User.id).where(User.username == name))
        return self._ids[name]

    def username(self, user_id: str | None) -> str | None:
        """The user name of a user id; None for the server itself or an unknown id."""
        if user_id is None:
            return None
        if user_id not in self._names:
            self._names[user_id] = self._session.scalar(
                select(User.username).where(User.id == user_id)
            )
        return self._names[user_id]


class _Restrictions:
    """Whether the records a change links to are restricted: as the batch leaves them, or as
    stored (read under a shared lock, so a concurrent push restricting one is waited for)."""

    def __init__(self, session: Session, states: Mapping[str, _Held]) -> None:
        self._session = session
        self._states = states
        self._stored: dict[str, bool] = {}
        #: Ids read and not found (records that have not arrived, or never will).
        self._absent: set[str] = set()

    def read(self, ids: Iterable[str]) -> None:
        """Read (once) whether each of these stored records is restricted."""
        wanted = sorted(
            {
                i
                for i in ids
                if i not in self._states and i not in self._stored and i not in self._absent
            }
        )
        if not wanted:
            return
        rows = self._session.execute(
            select(_RECORDS.c.id, _RECORDS.c.restricted)
            .where(_RECORDS.c.id.in_(wanted))
            .order_by(_RECORDS.c.id)
            .with_for_update(read=True)
        )
        self._stored.update({row.id: bool(row.restricted) for row in rows})
        self._absent.update(i for i in wanted if i not in self._stored)

    def forget_stored(self) -> None:
        """Forget what was read, so that the next reads see what has committed since."""
        self._stored.clear()
        self._absent.clear()

    def of(self, targets: frozenset[str]) -> list[bool]:
        """For each target the server holds, whether it is restricted (unknown ids: none)."""
        self.read(targets)
        return [
            self._states[t].restricted if t in self._states else self._stored[t]
            for t in sorted(targets)
            if t in self._states or t in self._stored
        ]


@dataclass
class _Batch:
    """Everything one push will write, gathered first and written in bulk at the end."""

    results: list[ChangeResult] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    top_hlc: str = ""


def _load(session: Session, ids: list[str]) -> dict[str, _Held]:
    # Locked in id order so that two pushes touching the same records queue instead of
    # deadlocking; a push that then inserts the same new record as another is retried whole.
    rows = session.execute(
        select(_RECORDS).where(_RECORDS.c.id.in_(ids)).order_by(_RECORDS.c.id).with_for_update()
    )
    return {
        row.id: _Held(
            id=row.id,
            type=row.type,
            district=row.district,
            restricted=row.restricted,
            created_by=row.created_by,
            addressee=row.addressee,
            deleted=row.deleted,
            deleted_hlc=row.deleted_hlc,
            fields=json.loads(row.fields),
            versions=json.loads(row.versions),
            created_at=row.created_at,
            stored=True,
        )
        for row in rows
    }


def _reason(error: ValidationError) -> str:
    return "invalid record: " + "; ".join(str(e) for e in error.errors)


def _authored(
    change: IncomingChange, held: _Held | None, principal: Principal, users: _Users
) -> tuple[dict[str, object], str | None]:
    """The change's fields with the author the server knows, or why the change names another.

    A visit's ``officer_id`` is its creator's user name: the pushing user's for a new visit,
    the stored creator's for an edit. A change may name that user (case and spaces ignored) or
    leave the field out; one naming anyone else is refused.
    """
    fields = dict(change.fields)
    if change.type is not RecordType.VISIT:
        return fields, None
    author = users.username(held.created_by if held else principal.user_id)
    if author is None:
        return fields, None
    named = fields.get("officer_id")
    if named is not None and (not isinstance(named, str) or named.strip().lower() != author):
        return fields, "a visit's officer is the user who recorded it"
    if held is None or named is not None:
        fields["officer_id"] = author
    return fields, None


def _apply_upsert(
    held: _Held | None,
    change: IncomingChange,
    hlc: str,
    writer: Writer,
    batch: _Batch,
    now: datetime,
    users: _Users,
    restrictions: _Restrictions,
) -> tuple[_Held | None, str | None]:
    """Merge one upsert; returns the new state, or a reason it was refused."""
    principal = writer.principal
    if held is not None:
        if held.type != change.type:
            return None, "the record id belongs to a record of another type"
        refusal = write_refusal(principal, before=held.scope(), after=held.scope())
        if refusal:
            return None, refusal
        if held.deleted:
            return None, "the record has been deleted"
    change_fields, refusal = _authored(change, held, principal, users)
    if refusal:
        return None, refusal
    current_fields = held.fields if held else {}
    spec = record_spec(change.type)
    try:
        # Normalise the incoming values as the whole record would be (trimmed text, UTC times),
        # so that a conflict is never reported between two spellings of one value.
        candidate = validate_fields(change.type, {**current_fields, **change_fields})
        incoming = {name: candidate[name] for name in change_fields}
        merged = merge_change(
            current_fields,
            held.versions if held else {},
            incoming_fields=incoming,
            incoming_hlc=hlc,
            base=change.base,
            append_only=spec.append_only,
        )
        fields = validate_fields(change.type, merged.fields)
    except ValidationError as exc:
        return None, _reason(exc)
    created_by = held.created_by if held else principal.user_id
    districts = scope_districts(change.type, fields)
    restricted = effectively_restricted(
        fields, linked_restricted=restrictions.of(link_targets(change.type, fields))
    )
    after = Scope.of(
        change.type,
        districts,
        restricted=restricted,
        created_by=created_by,
        addressee=users.addressee(change.type, fields),
    )
    refusal = write_refusal(
        principal, before=held.scope() if held else None, after=after
    ) or lowering_refusal(
        principal,
        own_before=held is not None and is_restricted(held.fields),
        own_after=is_restricted(fields),
        effective_before=held is not None and held.restricted,
        effective_after=restricted,
        reason=change.reason,
    )
    if refusal:
        return None, refusal
    lowered = held is not None and (
        (is_restricted(held.fields) and not is_restricted(fields))
        or (held.restricted and not restricted)
    )
    state = held or _Held(
        id=change.id,
        type=change.type.value,
        district=None,
        restricted=False,
        created_by=created_by,
        addressee=None,
        deleted=False,
        deleted_hlc=None,
        fields={},
        versions={},
        created_at=now,
        stored=False,
    )
    if fields != state.fields or merged.versions != state.versions:
        state.fields, state.versions, state.dirty = fields, merged.versions, True
    state.touched = True
    state.district = districts[0] if not spec.scoped_by_districts else None
    if state.restricted != after.restricted:
        # Who sees the record changes: a new position makes pulls send it or list it for purge.
        state.restricted, state.dirty = after.restricted, True
    if state.addressee != after.addressee:
        # Whom the record is addressed to changes who sees it: store it with a new position, so
        # that the new addressee's pull sends it and the old one's lists it for purge.
        state.addressee, state.dirty = after.addressee, True
    for conflict in merged.conflicts:
        batch.conflicts.append(
            {
                "record_type": change.type.value,
                "record_id": change.id,
                "district": state.district,
                "field": conflict.field,
                "kept_value": json.dumps(conflict.kept_value),
                "kept_hlc": conflict.kept_hlc,
                "other_value": json.dumps(conflict.other_value),
                "other_hlc": conflict.other_hlc,
                "change_id": change.change_id,
                "device_id": writer.device_id,
                "user_id": principal.user_id,
                "detected_at": now,
            }
        )
    batch.audit.append(
        audit.server_event(
            at=now,
            action=AuditAction.UPDATE if held else AuditAction.CREATE,
            user_id=principal.user_id,
            device_id=writer.device_id,
            record_type=change.type.value,
            record_id=change.id,
            detail={"fields": sorted(merged.changed), "change_id": change.change_id},
        )
    )
    if lowered:
        batch.audit.append(
            audit.server_event(
                at=now,
                action=AuditAction.LOWER_RESTRICTION,
                user_id=principal.user_id,
                device_id=writer.device_id,
                record_type=change.type.value,
                record_id=change.id,
                reason=(change.reason or "").strip(),
                detail={"change_id": change.change_id, "restricted": restricted},
            )
        )
    return state, None


def _apply_delete(
    held: _Held | None,
    change: IncomingChange,
    hlc: str,
    writer: Writer,
    batch: _Batch,
    now: datetime,
) -> tuple[_Held | None, str | None]:
    if held is None:
        return None, "no such record"
    if held.type != change.type:
        return None, "the record id belongs to a record of another type"
    refusal = write_refusal(writer.principal, before=held.scope(), after=held.scope())
    if refusal:
        return None, refusal
    if not held.deleted:
        # A tombstone keeps only its scope columns; the erased fields are gone for good, and
        # the log below names the record but holds none of its data.
        held.deleted, held.deleted_hlc, held.dirty = True, hlc, True
        # The tombstone keeps its restriction (and so do the records linked to it), but no
        # longer links to anything itself.
        held.fields, held.versions, held.touched = {}, {}, True
        batch.audit.append(
            audit.server_event(
                at=now,
                action=AuditAction.ERASE,
                user_id=writer.principal.user_id,
                device_id=writer.device_id,
                record_type=change.type.value,
                record_id=change.id,
                detail={"change_id": change.change_id},
            )
        )
    return held, None


def _record_row(state: _Held, seq: int, now: datetime) -> dict[str, Any]:
    return {
        "id": state.id,
        "type": state.type,
        "district": state.district,
        "restricted": state.restricted,
        "created_by": state.created_by,
        "addressee": state.addressee,
        "deleted": state.deleted,
        "deleted_hlc": state.deleted_hlc,
        "fields": json.dumps(state.fields, separators=(",", ":"), ensure_ascii=False),
        "versions": json.dumps(state.versions, separators=(",", ":")),
        "digest": record_digest(
            state.type, state.id, deleted=state.deleted, versions=state.versions
        ),
        "seq": seq,
        "created_at": state.created_at,
        "updated_at": now,
    }


def push_changes(
    session: Session,
    *,
    writer: Writer,
    changes: Sequence[IncomingChange],
    device_seq: int | None,
    now: datetime,
    hlc_tolerance_millis: int,
    before_commit: Callable[[], None] | None = None,
) -> PushOutcome:
    """Apply a batch of changes inside the caller's transaction.

    Each change applies at most once (a change id seen before is a duplicate). A change that is
    invalid or not allowed is rejected whole, with a reason, and logged; the others apply. All
    writes happen together at the end, and the records' commit positions are taken from the
    single-row clock as the very last step, so positions follow commit order.

    Args:
        session: the transaction to work in; the caller commits.
        writer: who is pushing.
        changes: the batch, in the order the device made them.
        device_seq: the device's highest local change number in this batch, if it sent one.
        now: server time.
        hlc_tolerance_millis: how far ahead of server time a change's clock may be.
        before_commit: called after every write, before the caller commits (tests use it to
            hold a transaction open).

    Returns:
        A result per change, and the server's clock.
    """
    batch = _Batch()
    ids = list(dict.fromkeys(c.change_id for c in changes))
    seen = set(session.scalars(select(Change.change_id).where(Change.change_id.in_(ids))))
    states = _load(session, sorted({c.id for c in changes}))
    users = _Users(session)
    restrictions = _Restrictions(session, states)
    nodes = _Nodes(session, writer.device_id)
    # The records the batch links to, read in one query rather than one per change.
    restrictions.read(t.lower() for c in changes for t in link_values(c.type, c.fields))
    now_ms = millis(now)
    # The last stamp each node got in this batch or holds on a record, so that successive
    # clamped edits from one fast laptop keep their order (see bound_hlc).
    last_by_node: dict[str, Hlc] = {}
    for change in changes:
        if change.change_id in seen:
            batch.results.append(ChangeResult(change.change_id, ChangeStatus.DUPLICATE))
            continue
        seen.add(change.change_id)
        incoming = Hlc.parse(change.hlc)
        held = states.get(change.id)
        after = max(
            [
                *(Hlc.parse(v) for v in (held.versions.values() if held else ())),
                *([last_by_node[incoming.node]] if incoming.node in last_by_node else []),
            ],
            key=lambda h: (h.node == incoming.node, h),
            default=None,
        )
        bounded_hlc = bound_hlc(
            incoming, now_millis=now_ms, tolerance_millis=hlc_tolerance_millis, after=after
        )
        last_by_node[incoming.node] = max(last_by_node.get(incoming.node, bounded_hlc), bounded_hlc)
        bounded = str(bounded_hlc)
        state: _Held | None = None
        reason = nodes.refusal(incoming.node)
        if reason is not None:
            pass
        elif change.op is Op.DELETE:
            state, reason = _apply_delete(held, change, bounded, writer, batch, now)
        else:
            state, reason = _apply_upsert(
                held, change, bounded, writer, batch, now, users, restrictions
            )
        if state is not None:
            states[change.id] = state
            batch.top_hlc = max(batch.top_hlc, bounded)
            status = ChangeStatus.APPLIED
        else:
            status = ChangeStatus.REJECTED
            batch.audit.append(
                audit.server_event(
                    at=now,
                    action=AuditAction.REFUSED,
                    user_id=writer.principal.user_id,
                    device_id=writer.device_id,
                    record_type=change.type.value,
                    record_id=change.id,
                    reason=reason,
                    detail={"change_id": change.change_id, "op": change.op.value},
                )
            )
        clamped = bounded if bounded != change.hlc and status is ChangeStatus.APPLIED else None
        batch.results.append(ChangeResult(change.change_id, status, reason, clamped))
        batch.changes.append(
            {
                "change_id": change.change_id,
                "device_id": writer.device_id,
                "user_id": writer.principal.user_id,
                "record_type": change.type.value,
                "record_id": change.id,
                "op": change.op.value,
                "hlc": bounded,
                "status": status.value,
                "reason": reason,
                "received_at": now,
            }
        )
    if any(s.touched for s in states.values()):
        # Derive restriction under the clock row's lock, which orders writing pushes: a push
        # that links to a record another push is committing sees it committed, and a push
        # writing a record sees every committed link to it, so neither misses the other.
        session.execute(select(_CLOCK.c.id).where(_CLOCK.c.id == 1).with_for_update())
        _rederive_dependents(session, states, restrictions, writer, batch, now)
        _write_links(session, states)
    highest = _write(session, batch, [s for s in states.values() if s.dirty], now)
    if writer.device_id is not None:
        _note_device(session, writer.device_id, device_seq, now)
    if before_commit is not None:
        before_commit()
    return PushOutcome(batch.results, server_hlc(now, highest))


class _Nodes:
    """Whether a change's clock node is the pushing device's.

    A laptop stamps its changes with its device id once signed in; before its first sign-in it
    stamps them with its vault id. The first push that carries such a node binds it to the
    device (one per device, and never a node another device has, or that is a device's id).
    """

    def __init__(self, session: Session, device_id: str | None) -> None:
        self._session = session
        self._device_id = device_id
        self._bound = (
            session.scalar(select(Device.vault_node).where(Device.id == device_id))
            if device_id is not None
            else None
        )

    def refusal(self, node: str) -> str | None:
        """Why a change stamped with this node is refused, or None if it is this device's."""
        if self._device_id is None or node in (self._device_id, self._bound):
            return None
        if self._bound is None:
            taken = self._session.scalar(
                select(Device.id).where(or_(Device.id == node, Device.vault_node == node)).limit(1)
            )
            if taken is None:
                self._session.execute(
                    update(Device)
                    .where(Device.id == self._device_id, Device.vault_node.is_(None))
                    .values(vault_node=node)
                )
                self._bound = node
                return None
        return "the change's clock names another device"


#: How many links deep a change's restriction is followed within one push; beyond it (a chain
#: that long, or a cycle that will not settle) every record reached is kept restricted.
_MAX_LINK_DEPTH = 32


def _rederive_dependents(
    session: Session,
    states: dict[str, _Held],
    restrictions: _Restrictions,
    writer: Writer,
    batch: _Batch,
    now: datetime,
) -> None:
    """Re-derive the restriction of every record linked to work this batch wrote, and of the
    records linked to those, so that a record arriving or restricted after the records that link
    to it restricts them too (they get new positions: pulls purge them where needed)."""
    links = {
        s.id: frozenset() if s.deleted else link_targets(s.type, s.fields)
        for s in states.values()
        if s.touched
    }
    # Read the linked records again now that concurrent pushes have committed.
    restrictions.forget_stored()
    for record_id in sorted(links):
        written = states[record_id]
        if written.deleted:
            continue
        restricted = effectively_restricted(
            written.fields, linked_restricted=restrictions.of(links[record_id])
        )
        if restricted != written.restricted:
            _mark(written, restricted, writer, batch, now)
    wave = set(links)
    reached: set[str] = set()
    for _depth in range(_MAX_LINK_DEPTH):
        if not wave:
            return
        stored = set(
            session.scalars(
                select(RecordLink.record_id).where(RecordLink.target_id.in_(sorted(wave)))
            )
        )
        # Stored links of the records this batch wrote are out of date: use their fields'.
        dependents = {d for d in stored if d not in links} | {
            d for d, targets in links.items() if targets & wave
        }
        missing = sorted(d for d in dependents if d not in states)
        states.update(_load(session, missing))
        changed: set[str] = set()
        for record_id in sorted(dependents):
            state = states.get(record_id)
            if state is None or state.deleted:
                continue
            reached.add(record_id)
            targets = links.get(record_id, link_targets(state.type, state.fields))
            restricted = effectively_restricted(
                state.fields, linked_restricted=restrictions.of(targets)
            )
            if restricted != state.restricted:
                _mark(state, restricted, writer, batch, now)
                changed.add(record_id)
        wave = changed
    for record_id in sorted(reached):
        if not states[record_id].restricted:
            _mark(states[record_id], True, writer, batch, now)


def _mark(state: _Held, restricted: bool, writer: Writer, batch: _Batch, now: datetime) -> None:
    state.restricted, state.dirty = restricted, True
    batch.audit.append(
        audit.server_event(
            at=now,
            action=AuditAction.RESTRICTION_DERIVED,
            user_id=writer.principal.user_id,
            device_id=writer.device_id,
            record_type=state.type,
            record_id=state.id,
            detail={"restricted": restricted},
        )
    )


def _write_links(session: Session, states: Mapping[str, _Held]) -> None:
    touched = sorted(s.id for s in states.values() if s.touched)
    if not touched:
        return
    session.execute(delete(RecordLink).where(RecordLink.record_id.in_(touched)))
    rows = [
        {"record_id": record_id, "target_id": target}
        for record_id in touched
        if not states[record_id].deleted
        for target in sorted(link_targets(states[record_id].type, states[record_id].fields))
    ]
    if rows:
        session.execute(insert(RecordLink), rows)


def _write(session: Session, batch: _Batch, dirty: list[_Held], now: datetime) -> str:
    """Write the batch; returns the highest clock the server has accepted."""
    if batch.changes:
        session.execute(insert(Change), batch.changes)
    if batch.conflicts:
        session.execute(insert(Conflict), batch.conflicts)
    audit.append(session, batch.audit)
    if not dirty:
        return str(session.scalar(select(SyncClock.max_hlc).where(SyncClock.id == 1)) or "")
    # The clock row is locked from here until commit: a later push waits for this one to commit
    # before it can take positions, so no puller ever sees position n+1 before position n.
    row = session.execute(
        update(_CLOCK)
        .where(_CLOCK.c.id == 1)
        .values(last_seq=_CLOCK.c.last_seq + len(dirty))
        .returning(_CLOCK.c.last_seq, _CLOCK.c.max_hlc)
    ).one()
    first = row.last_seq - len(dirty) + 1
    highest: str = max(str(row.max_hlc), batch.top_hlc)
    if highest != row.max_hlc:
        session.execute(update(_CLOCK).where(_CLOCK.c.id == 1).values(max_hlc=highest))
    new_rows = [_record_row(s, first + i, now) for i, s in enumerate(dirty) if not s.stored]
    old_rows = [
        {**_record_row(s, first + i, now), "_id": s.id} for i, s in enumerate(dirty) if s.stored
    ]
    if new_rows:
        session.execute(insert(_RECORDS), new_rows)
    if old_rows:
        session.execute(
            update(_RECORDS)
            .where(_RECORDS.c.id == bindparam("_id"))
            .values(
                {
                    name: bindparam(name)
                    for name in (
                        "district",
                        "restricted",
                        "addressee",
                        "deleted",
                        "deleted_hlc",
                        "fields",
                        "versions",
                        "digest",
                        "seq",
                        "updated_at",
                    )
                }
            ),
            old_rows,
        )
    return highest


def _note_device(session: Session, device_id: str, device_seq: int | None, now: datetime) -> None:
    values: dict[str, object] = {"last_seen_at": now}
    query = update(Device).where(Device.id == device_id)
    if device_seq is not None:
        session.execute(
            query.where(Device.last_device_seq < device_seq).values(last_device_seq=device_seq)
        )
    session.execute(query.values(values))
