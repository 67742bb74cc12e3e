"""The supervisor's conflicts queue: two writers changed one field, and someone must choose.

The server keeps the value with the later clock and lists the conflict for supervisors; each
sync brings the open ones into the vault (see `replica.cached_conflicts`), so the queue works
offline. Resolving one is an ordinary edit of the record when the chosen value is not the one
held (so it syncs and is logged like any change), plus a note for the next sync to tell the
server the conflict is settled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from fieldkit.domain.hlc import Hlc
from fieldkit.domain.legal_clocks import format_datetime
from fieldkit.domain.records import FieldKind, RecordType, record_spec
from fieldkit.services.device_alerts import DeviceAlertLine, device_alert_lines
from fieldkit.services.records import RecordService
from fieldkit.store import replica
from fieldkit.store.replica import CachedConflict
from fieldkit.store.vault import Vault

__all__ = ["Choice", "ConflictItem", "ConflictList", "ConflictService", "ConflictSide"]

#: How a record type is named in the queue.
_TYPE_WORDS: Mapping[str, str] = {
    "person": "Person",
    "place": "Place",
    "signposting": "Signposting",
    "tenancy_case": "Tenancy case",
    "closure": "Closure",
    "visit": "Visit",
    "warning": "Warning",
    "tenancy_note": "Tenancy note",
    "document": "Document",
    "service": "Support service",
    "asb_case": "ASB case",
    "asb_party": "Party to an ASB case",
    "asb_risk_assessment": "Risk assessment",
    "asb_action": "ASB case action",
}


class Choice(StrEnum):
    """Which value a supervisor settles a conflict on."""

    KEPT = "kept"
    OTHER = "other"
    MERGED = "merged"


class ConflictNotFound(LookupError):
    """No such open conflict in this vault (already settled, or never fetched)."""


@dataclass(frozen=True)
class ConflictSide:
    """One writer's value: what it was, who wrote it, when."""

    value: object
    text: str
    by: str
    when: str


@dataclass(frozen=True)
class ConflictItem:
    """One conflict, both values side by side."""

    id: int
    record_type: str
    record_id: str
    what: str
    field: str
    field_label: str
    kept: ConflictSide
    other: ConflictSide
    detected: str
    #: Resolved here; the server is told at the next sync.
    waiting: bool
    #: A free-text field, where the supervisor may write a merged value.
    mergeable: bool


@dataclass(frozen=True)
class ConflictList:
    items: tuple[ConflictItem, ...]
    #: When the list was fetched from the server (words), or "" if never.
    fetched: str
    #: Laptops in the supervisor's districts the server caught rolled back or missing audit
    #: entries, newest first (see `fieldkit.services.device_alerts`).
    device_alerts: tuple[DeviceAlertLine, ...] = ()


def value_text(value: object) -> str:
    """A field value in words for the side-by-side view."""
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _hlc_when(text: str) -> str:
    try:
        millis = Hlc.parse(text).millis
    except ValueError:
        return "unknown time"
    return format_datetime(datetime.fromtimestamp(millis / 1000, tz=UTC))


def _stored_when(text: str) -> str:
    try:
        return format_datetime(datetime.fromisoformat(text))
    except ValueError:
        return text


def _item(raw: CachedConflict, waiting: bool) -> ConflictItem:
    try:
        spec = record_spec(raw["type"]).by_name.get(raw["field"])
    except ValueError:
        spec = None
    label = raw["field"].replace("_", " ").capitalize()
    return ConflictItem(
        id=int(raw["id"]),
        record_type=raw["type"],
        record_id=raw["record_id"],
        what=f"{_TYPE_WORDS.get(raw['type'], raw['type'])} record",
        field=raw["field"],
        field_label=label,
        kept=ConflictSide(
            raw["kept_value"],
            value_text(raw["kept_value"]),
            raw.get("kept_by") or "unknown",
            _hlc_when(raw["kept_hlc"]),
        ),
        other=ConflictSide(
            raw["other_value"],
            value_text(raw["other_value"]),
            raw.get("other_by") or "unknown",
            _hlc_when(raw["other_hlc"]),
        ),
        detected=_stored_when(raw["detected_at"]),
        waiting=waiting,
        mergeable=spec is not None and spec.kind is FieldKind.TEXT,
    )


class ConflictService:
    """Lists and settles the conflicts the last sync brought in.

    Args:
        vault: the unlocked vault.
        records: record use cases (opening a conflict's record is a logged consultation).
    """

    def __init__(self, vault: Vault, records: RecordService) -> None:
        self._vault = vault
        self._records = records

    def conflicts(self) -> ConflictList:
        """The open conflicts, oldest first (a listing: values are shown only when opened)."""
        with self._vault.read() as conn:
            held = replica.cached_conflicts(conn)
            waiting = set(replica.pending_conflict_resolutions(conn))
            fetched = replica.conflicts_fetched_at(conn)
        return ConflictList(
            tuple(_item(c, c["id"] in waiting) for c in held),
            "" if fetched is None else _stored_when(fetched),
            device_alert_lines(self._vault),
        )

    def open(self, conflict_id: int) -> ConflictItem:
        """One conflict with both values, logging the look at the record (s62).

        Raises:
            ConflictNotFound: no such open conflict here.
        """
        item = self._find(conflict_id)
        self._records.view(
            record_type=item.record_type, record_id=item.record_id, reason="conflict review"
        )
        return item

    def resolve(self, conflict_id: int, choice: Choice, merged: str | None = None) -> None:
        """Settle a conflict on one value; the edit and the settlement sync next time.

        Args:
            choice: keep the value the record holds, take the other one, or a merged text.
            merged: the merged value (for ``Choice.MERGED`` on a free-text field).

        Raises:
            ConflictNotFound: no such open conflict here.
            ValueError: a merged value for a field that is not free text, or none given.
            ValidationError: the chosen value is not valid for the field; nothing is written.
        """
        item = self._find(conflict_id)
        if choice is Choice.MERGED:
            if not item.mergeable:
                raise ValueError("Only a free-text field can take a merged value.")
            if merged is None or not merged.strip():
                raise ValueError("Write the merged text first.")
            value: object = merged
        else:
            value = item.kept.value if choice is Choice.KEPT else item.other.value
        kind = RecordType(item.record_type)
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            record = repo.get(kind, item.record_id)
            if record is not None and not record.deleted and record.fields.get(item.field) != value:
                repo.update(kind, item.record_id, {item.field: value})
            replica.queue_conflict_resolution(conn, conflict_id)

    def _find(self, conflict_id: int) -> ConflictItem:
        for item in self.conflicts().items:
            if item.id == conflict_id:
                return item
        raise ConflictNotFound("That conflict is no longer open here; sync to refresh the list.")
