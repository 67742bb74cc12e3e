"""What a push is made of: incoming changes, their results, and the batch being built."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fieldkit.domain.records import (
    RecordType,
    scope_districts,
)
from fieldkit.wire import ChangeOp
from fieldkit.wire import ChangeStatus as ChangeStatus
from fieldkit_server.models import (
    Base,
    Record,
    SyncClock,
)
from fieldkit_server.policy import (
    Principal,
    Scope,
)

#: A change's operation and result: the protocol's words, from the core's wire module.
Op = ChangeOp

_RECORDS = Base.metadata.tables[Record.__tablename__]
_CLOCK = Base.metadata.tables[SyncClock.__tablename__]


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
    #: The user's name, when the caller has it (a visit's author): saves looking it up.
    username: str | None = None


@dataclass
class Held:
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
    #: Under a data subject's restriction of processing: laptops may not change it.
    processing_restricted: bool = False
    #: The owning agency, the categories (``,a,b,``) and the agency it is sent to.
    agency: str | None = None
    categories: str | None = None
    to_agency: str | None = None

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
            agency=self.agency,
            categories=[c for c in (self.categories or "").split(",") if c],
            to_agency=self.to_agency,
        )


@dataclass
class Batch:
    """Everything one push will write, gathered first and written in bulk at the end."""

    results: list[ChangeResult] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    top_hlc: str = ""
