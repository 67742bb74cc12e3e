"""Restriction re-derived along links: the records that link to what a push wrote."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from fieldkit.domain.records import RecordType
from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.db import insert_rows
from fieldkit_server.models import (
    Base,
    FileName,
    Record,
    RecordLink,
    RightsRequest,
    SyncClock,
)
from fieldkit_server.policy import (
    effectively_restricted,
    link_targets,
)
from fieldkit_server.push.lookups import Restrictions
from fieldkit_server.push.model import Batch, Held, Writer
from fieldkit_server.push.store import ids_in, load

_RECORDS = Base.metadata.tables[Record.__tablename__]
_LINKS = Base.metadata.tables[RecordLink.__tablename__]
_CLOCK = Base.metadata.tables[SyncClock.__tablename__]


#: How many links deep a change's restriction is followed within one push; beyond it (a chain
#: that long, or a cycle that will not settle) every record reached is kept restricted.
_MAX_LINK_DEPTH = 32


def rederive_dependents(
    session: Session,
    states: dict[str, Held],
    restrictions: Restrictions,
    writer: Writer,
    batch: Batch,
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
                select(RecordLink.record_id).where(
                    ids_in(session, RecordLink.target_id, sorted(wave))
                )
            )
        )
        # Stored links of the records this batch wrote are out of date: use their fields'.
        dependents = {d for d in stored if d not in links} | {
            d for d, targets in links.items() if targets & wave
        }
        missing = sorted(d for d in dependents if d not in states)
        states.update(load(session, missing))
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


def _mark(state: Held, restricted: bool, writer: Writer, batch: Batch, now: datetime) -> None:
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


def write_links(session: Session, states: Mapping[str, Held]) -> None:
    touched = sorted(s.id for s in states.values() if s.touched)
    if not touched:
        return
    # A record new to the server has no links stored yet.
    stored = [record_id for record_id in touched if states[record_id].stored]
    if stored:
        session.execute(delete(RecordLink).where(ids_in(session, RecordLink.record_id, stored)))
    rows = [
        {"record_id": record_id, "target_id": target}
        for record_id in touched
        if not states[record_id].deleted
        for target in sorted(link_targets(states[record_id].type, states[record_id].fields))
    ]
    insert_rows(session, _LINKS, rows)


def write_file_names(session: Session, states: Mapping[str, Held]) -> None:
    """Keep ``file_names`` in step with the attachment records a push wrote or erased."""
    touched = sorted(
        s.id for s in states.values() if s.touched and s.type == RecordType.ATTACHMENT.value
    )
    if not touched:
        return
    session.execute(delete(FileName).where(ids_in(session, FileName.record_id, touched)))
    rows = [
        {"record_id": record_id, "sha256": digest}
        for record_id in touched
        if not states[record_id].deleted
        for digest in _file_digests(states[record_id].fields)
    ]
    if rows:
        session.execute(insert(FileName), rows)


def _file_digests(fields: Mapping[str, object]) -> list[str]:
    values = (fields.get("sha256"), fields.get("thumbnail_sha256"))
    return sorted({v for v in values if isinstance(v, str) and v})


#: Fields naming a person: a record naming one under a restriction of processing is held back.
_PERSON_FIELDS: Final = ("person_id", "person_ids", "tenant_ids", "subject_id")


def named_by(states: Mapping[str, Held]) -> dict[str, set[str]]:
    """For each live record the push wrote, the ids it names: its own, its links', people's."""
    names: dict[str, set[str]] = {}
    for state in states.values():
        if not state.touched or state.deleted:
            continue
        named = {state.id} | set(link_targets(state.type, state.fields))
        for name in _PERSON_FIELDS:
            value = state.fields.get(name)
            if isinstance(value, str):
                named.add(value)
            elif isinstance(value, list):
                named.update(v for v in value if isinstance(v, str))
        names[state.id] = named
    return names


def hold_back(session: Session, states: Mapping[str, Held]) -> None:
    """Restrict, with the person, what a push wrote about someone under a restriction of
    processing, or linked to work under one.

    Read under the clock row's lock (taken before any record is written), as
    ``rights.set_processing_restricted`` reads: whichever commits first, the other sees it.
    """
    names = named_by(states)
    if not names:
        return
    wanted = sorted(set().union(*names.values()))
    # The push's own records are locked by it (or new in it): their mark is known already.
    under = {i for i in wanted if i in states and states[i].processing_restricted}
    others = [i for i in wanted if i not in states]
    under |= set(
        session.scalars(
            select(RightsRequest.person_id).where(
                ids_in(session, RightsRequest.person_id, wanted),
                RightsRequest.restricted_from.is_not(None),
                RightsRequest.lifted_at.is_(None),
            )
        )
    )
    if others:
        under |= set(
            session.scalars(
                select(_RECORDS.c.id).where(
                    ids_in(session, _RECORDS.c.id, others),
                    _RECORDS.c.processing_restricted.is_(True),
                )
            )
        )
    ids = sorted(record_id for record_id, named in names.items() if named & under)
    if ids:
        session.execute(
            update(_RECORDS)
            .where(ids_in(session, _RECORDS.c.id, ids))
            .values(processing_restricted=True)
        )
