"""Applying a push: idempotent, merged field by field, policy-checked, committed in one go."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldkit.domain.hlc import Hlc, bound_hlc
from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.clock import millis, server_hlc
from fieldkit_server.models import (
    Base,
    Record,
    SyncClock,
)
from fieldkit_server.policy import OWN_AGENCY, link_values, sharing_basis
from fieldkit_server.push import quick
from fieldkit_server.push.lookups import Merges, Nodes, Restrictions, Users
from fieldkit_server.push.merge import apply_delete, apply_upsert
from fieldkit_server.push.model import (
    Batch,
    ChangeResult,
    ChangeStatus,
    Held,
    IncomingChange,
    Op,
    PushOutcome,
    Writer,
)
from fieldkit_server.push.restriction import (
    hold_back,
    rederive_dependents,
    write_file_names,
    write_links,
)
from fieldkit_server.push.store import (
    load,
    note_device,
    record_rows,
    seen_and_node,
    take_positions,
    write,
    write_log,
)

_RECORDS = Base.metadata.tables[Record.__tablename__]
_CLOCK = Base.metadata.tables[SyncClock.__tablename__]


def push_changes(
    session: Session,
    *,
    writer: Writer,
    changes: Sequence[IncomingChange],
    device_seq: int | None,
    now: datetime,
    hlc_tolerance_millis: int,
    before_commit: Callable[[], None] | None = None,
    may_commit: bool = False,
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
        may_commit: the push may commit the transaction itself, in one round trip with its
            last writes, when it is small and only adds records (``quick``); the caller's
            commit then finds nothing to do. Such a push fails with a serialisation failure
            if what it read changed before it took the clock: run it again without this.

    Returns:
        A result per change, and the server's clock.
    """
    batch = Batch()
    ids = list(dict.fromkeys(c.change_id for c in changes))
    seen, bound = seen_and_node(session, ids, writer.device_id)
    states = load(session, sorted({c.id for c in changes}))
    users = Users(session)
    if writer.username is not None:
        users.know(writer.principal.user_id, writer.username)
    restrictions = Restrictions(session, states)
    nodes = Nodes(session, writer.device_id, bound=bound)
    merges = Merges(session, states)
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
        state: Held | None = None
        reason = nodes.refusal(incoming.node)
        if reason is not None:
            pass
        elif held is not None and held.processing_restricted and writer.device_id is not None:
            # Restricted processing: stored, not changed, until governance lifts it (the server's
            # own retention and import work, with no device, is not a laptop's processing).
            reason = "processing of this record is restricted"
        elif change.op is Op.DELETE:
            state, reason = apply_delete(held, change, bounded, writer, batch, now)
        else:
            state, reason = apply_upsert(
                held, change, bounded, writer, batch, now, users, restrictions, merges
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
                    detail={
                        "change_id": change.change_id,
                        "op": change.op.value,
                        # What the writer's agency relied on (None: no agreement shares it).
                        "agreement": (
                            sharing_basis(writer.principal, held.scope())
                            if held is not None
                            else OWN_AGENCY
                        ),
                    },
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
    if may_commit and before_commit is None and quick.can_finish(session, states, batch, len(ids)):
        write_links(session, states)
        write_file_names(session, states)
        rows = list(record_rows([s for s in states.values() if s.dirty], now).values())
        device = (writer.device_id, device_seq) if writer.device_id is not None else None
        highest = quick.finish(
            session,
            batch=batch,
            states=states,
            rows=rows,
            restrictions=restrictions,
            device=device,
            now=now,
        )
        return PushOutcome(batch.results, server_hlc(now, highest))
    write_log(session, batch)
    if writer.device_id is not None:
        # The device's own row needs no commit position: noted before the clock row's lock, so
        # that concurrent pushes do not queue behind it.
        note_device(session, writer.device_id, device_seq, now)
    # Nor do the touched records' links and file names (the records are locked, or new to this
    # transaction), nor the encoding of the rows to write: all done before the lock, so that
    # the lock is held only for what must be ordered. Links written here are seen by other
    # pushes once this one commits, which is after it has taken and used the lock below.
    write_links(session, states)
    write_file_names(session, states)
    prepared = record_rows([s for s in states.values() if s.dirty], now)
    taken: tuple[list[int], str] | None = None
    if any(s.touched for s in states.values()):
        # Derive restriction under the clock row's lock, which orders writing pushes: a push
        # that links to a record another push is committing sees it committed, and a push
        # writing a record sees every committed link to it, so neither misses the other. The
        # lock is taken by taking the positions (any more are taken after re-deriving).
        if prepared:
            taken = take_positions(session, len(prepared), batch.top_hlc)
        else:
            session.execute(select(_CLOCK.c.id).where(_CLOCK.c.id == 1).with_for_update())
        rederive_dependents(session, states, restrictions, writer, batch, now)
    dirty = [s for s in states.values() if s.dirty]
    highest = write(session, batch, dirty, now, prepared, taken)
    hold_back(session, states)
    if before_commit is not None:
        before_commit()
    return PushOutcome(batch.results, server_hlc(now, highest))
