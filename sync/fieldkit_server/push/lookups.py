"""What a push reads as it goes: users by name, linked records' restriction, clock nodes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from fieldkit.domain.records import (
    RecordType,
)
from fieldkit_server.models import (
    Base,
    Device,
    Record,
    SyncClock,
    User,
)
from fieldkit_server.policy import (
    ADDRESSEE_FIELDS,
)
from fieldkit_server.push.model import Held
from fieldkit_server.push.store import ids_in

_RECORDS = Base.metadata.tables[Record.__tablename__]
_CLOCK = Base.metadata.tables[SyncClock.__tablename__]


class Users:
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

    def know(self, user_id: str, username: str) -> None:
        """Remember a user's name the caller already read (the pushing user's)."""
        self._names[user_id] = username

    def username(self, user_id: str | None) -> str | None:
        """The user name of a user id; None for the server itself or an unknown id."""
        if user_id is None:
            return None
        if user_id not in self._names:
            self._names[user_id] = self._session.scalar(
                select(User.username).where(User.id == user_id)
            )
        return self._names[user_id]


class Restrictions:
    """Whether the records a change links to are restricted: as the batch leaves them, or as
    stored (read under a shared lock, so a concurrent push restricting one is waited for)."""

    def __init__(self, session: Session, states: Mapping[str, Held]) -> None:
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
            .where(ids_in(self._session, _RECORDS.c.id, wanted))
            .order_by(_RECORDS.c.id)
            .with_for_update(read=True)
        )
        self._stored.update({row.id: bool(row.restricted) for row in rows})
        self._absent.update(i for i in wanted if i not in self._stored)

    def absent(self, ids: Iterable[str]) -> list[str]:
        """Those of ``ids`` neither in the batch nor read as stored (not held when read)."""
        return sorted({i for i in ids if i not in self._states and i not in self._stored})

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


class Nodes:
    """Whether a change's clock node is the pushing device's.

    A laptop stamps its changes with its device id once signed in; before its first sign-in it
    stamps them with its vault id. The first push that carries such a node binds it to the
    device (one per device, and never a node another device has, or that is a device's id).
    """

    def __init__(
        self, session: Session, device_id: str | None, *, bound: tuple[str | None] | None = None
    ) -> None:
        """``bound``: the device's vault node as the caller read it (in a 1-tuple), if it did."""
        self._session = session
        self._device_id = device_id
        if bound is not None:
            self._bound = bound[0]
        elif device_id is not None:
            self._bound = session.scalar(select(Device.vault_node).where(Device.id == device_id))
        else:
            self._bound = None

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


class Merges:
    """Merged people the batch's edits may repoint from: each duplicate to its survivor.

    Reads the batch's own records first (a merge pushes the duplicate's ``merged_into`` before
    the repointing edits), then the stored ones, without locking them.
    """

    def __init__(self, session: Session, states: Mapping[str, Held]) -> None:
        self._session = session
        self._states = states

    def redirects(self, ids: Iterable[str]) -> dict[str, str]:
        """For those of ``ids`` that are live merged people, the person each was merged into."""
        wanted = sorted(set(ids))
        found: dict[str, tuple[str, bool, dict[str, object]]] = {}
        missing = [i for i in wanted if i not in self._states]
        if missing:
            rows = self._session.execute(
                select(_RECORDS.c.id, _RECORDS.c.type, _RECORDS.c.deleted, _RECORDS.c.fields).where(
                    ids_in(self._session, _RECORDS.c.id, missing)
                )
            )
            for row in rows:
                found[row.id] = (row.type, row.deleted, json.loads(row.fields))
        for i in wanted:
            held = self._states.get(i)
            if held is not None:
                found[i] = (held.type, held.deleted, held.fields)
        out: dict[str, str] = {}
        for i, (record_type, deleted, fields) in found.items():
            target = fields.get("merged_into")
            if record_type == RecordType.PERSON.value and not deleted and isinstance(target, str):
                out[i] = target
        return out
