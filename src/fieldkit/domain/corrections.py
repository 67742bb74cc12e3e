"""Corrections and erasure: when a reason is owed, what a tombstone keeps, how versions read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from fieldkit.domain.records import (
    SPECS,
    FieldError,
    FieldKind,
    FieldSpec,
    RecordType,
    ValidationError,
)

#: What an erased record keeps: only what scoping needs (the server keeps the same).
TOMBSTONE_KEEPS: Final = frozenset({"district", "districts", "sensitivity"})

#: Record types whose every change is a rectification of personal data or a correction of a
#: served document's record: the law expects a reason (UK GDPR art. 16, DPA 2018 s46, s62).
_REASON_FOR_ANY_CHANGE: Final = frozenset({RecordType.PERSON, RecordType.DOCUMENT})

#: Fields whose change needs a reason: withdrawing a warning, and anything that can lower a
#: record's restriction (the server refuses a lowering without one, and audits it).
_REASON_FOR_FIELD: Final = {
    RecordType.WARNING: frozenset({"status", "visit_id", "signposting_id"}),
    RecordType.VISIT: frozenset({"sensitivity", "categories"}),
    RecordType.SIGNPOSTING: frozenset({"visit_id"}),
    RecordType.TENANCY_CASE: frozenset({"sensitivity"}),
    RecordType.TENANCY_NOTE: frozenset({"sensitivity", "case_id"}),
    RecordType.CLOSURE: frozenset({"case_id"}),
    RecordType.ASB_CASE: frozenset({"sensitivity"}),
    RecordType.ASB_PARTY: frozenset({"sensitivity", "case_id"}),
    RecordType.ASB_RISK: frozenset({"sensitivity", "case_id"}),
    RecordType.ASB_ACTION: frozenset({"sensitivity", "case_id", "meeting_id"}),
    RecordType.MEETING: frozenset({"sensitivity"}),
}

#: Fields Fieldkit stamps or that say what a record is: an editor shows them read-only and a
#: change to one is refused (who recorded a visit, a warning's step and when it was issued or
#: served, which template and when a document was printed).
READ_ONLY: Final[Mapping[RecordType, frozenset[str]]] = {
    # Set only by a supervisor's merge (services/person_merge.py), which moves the links too.
    RecordType.PERSON: frozenset({"merged_into"}),
    RecordType.VISIT: frozenset({"officer_id"}),
    RecordType.WARNING: frozenset(
        {"scheme", "level", "issued_at", "served_at", "withdrawn_at", "withdrawn_by"}
    ),
    RecordType.DOCUMENT: frozenset(
        {"kind", "subject_type", "template_id", "template_version", "language", "printed_at"}
    ),
}


def refuse_read_only(record_type: RecordType, changed: Iterable[str]) -> None:
    """Refuse a change to a field Fieldkit stamps.

    Raises:
        ValidationError: naming each such field; nothing is written.
    """
    stamped = sorted(READ_ONLY.get(record_type, frozenset()) & set(changed))
    if stamped:
        raise ValidationError(
            [FieldError(name, "is set by Fieldkit and cannot be changed") for name in stamped]
        )


#: Longest reason kept; a reason names why, never the data itself.
MAX_REASON: Final = 500


def reason_required(record_type: RecordType, changed: Iterable[str]) -> bool:
    """Whether changing these fields of a record needs a reason.

    Args:
        record_type: the record's type.
        changed: the names of the fields the change sets.
    """
    if record_type in _REASON_FOR_ANY_CHANGE:
        return True
    return bool(_REASON_FOR_FIELD.get(record_type, frozenset()) & set(changed))


def checked_reason(reason: str | None, *, required: bool) -> str | None:
    """The reason as kept (trimmed; None when blank and not required).

    Raises:
        ValidationError: a reason is required and none was given, or it is too long.
    """
    text = " ".join((reason or "").split())
    if not text:
        if required:
            raise ValidationError([FieldError("reason", "say why the record is changed")])
        return None
    if len(text) > MAX_REASON:
        raise ValidationError([FieldError("reason", f"must be at most {MAX_REASON} characters")])
    return text


def tombstone_fields(record_type: RecordType, fields: Mapping[str, object]) -> dict[str, object]:
    """An erased record's fields: its scope kept, everything else emptied."""
    return {
        name: (fields.get(name) if name in TOMBSTONE_KEEPS else None)
        for name in SPECS[record_type].by_name
    }


@dataclass(frozen=True)
class State:
    """One state a record had: its clock and fields (empty for a tombstone)."""

    hlc: str
    fields: Mapping[str, object]
    deleted: bool = False


@dataclass(frozen=True)
class Note:
    """Who made the version with this clock, when and why."""

    hlc: str
    op: str
    at: str | None
    by: str | None
    reason: str | None


@dataclass(frozen=True)
class Version:
    """One line of a record's history, oldest first."""

    version: int
    at: str | None
    by: str | None
    reason: str | None
    deleted: bool
    fields: Mapping[str, object]

    def wire(self) -> dict[str, object]:
        """As `fieldkit history` prints it."""
        return {
            "version": self.version,
            "at": self.at,
            "by": self.by,
            "reason": self.reason,
            "deleted": self.deleted,
            "fields": dict(self.fields),
        }


def versions(states: Sequence[State], notes: Sequence[Note]) -> list[Version]:
    """A record's versions from the states kept and the notes about who made them.

    States come oldest first (the history rows, then the record itself); a state repeated with
    the same clock (a pull that changed nothing visible) is one version. A state with no note
    (made before notes were kept) has no time, author or reason.
    """
    by_hlc: dict[str, Note] = {}
    for made in notes:
        by_hlc.setdefault(made.hlc, made)
    out: list[Version] = []
    seen: set[str] = set()
    for state in states:
        if state.hlc in seen:
            continue
        seen.add(state.hlc)
        note = by_hlc.get(state.hlc)
        out.append(
            Version(
                version=len(out) + 1,
                at=note.at if note else None,
                by=note.by if note else None,
                reason=note.reason if note else None,
                deleted=state.deleted,
                fields={} if state.deleted else dict(state.fields),
            )
        )
    return out


#: Fields an editor shows as text. Links to other records (ids) are changed with their own
#: pickers, and a document's fingerprint never by hand.
_NOT_TYPED: Final = frozenset({FieldKind.ID, FieldKind.ID_LIST, FieldKind.SHA256})

#: How list items are separated when a list is edited as one line of text.
LIST_SEPARATOR: Final = "; "

_YES: Final = frozenset({"yes", "y", "true", "1"})
_NO: Final = frozenset({"no", "n", "false", "0"})


def editable_fields(record_type: RecordType) -> tuple[FieldSpec, ...]:
    """The fields of a record type an editor lets the user type."""
    return tuple(f for f in SPECS[record_type].fields if f.kind not in _NOT_TYPED)


def field_text(spec: FieldSpec, value: object) -> str:
    """A field's value as the editor shows it (lists one line, ``; `` between items)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def text_value(spec: FieldSpec, text: str) -> object:
    """What the user typed as the field's value; `validate_fields` then checks it.

    Text that cannot be the field's kind is passed on as typed, so validation names the field.
    """
    typed = text.strip()
    if spec.is_list:
        return [item.strip() for item in typed.split(";") if item.strip()]
    if not typed:
        return None
    if spec.kind is FieldKind.BOOL:
        lowered = typed.lower()
        return True if lowered in _YES else False if lowered in _NO else typed
    if spec.kind is FieldKind.INT:
        try:
            return int(typed)
        except ValueError:
            return typed
    if spec.kind is FieldKind.FLOAT:
        try:
            return float(typed)
        except ValueError:
            return typed
    return text if spec.max_length > 200 else typed
