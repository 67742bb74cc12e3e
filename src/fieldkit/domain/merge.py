"""The per-field merge both the laptop and the server apply, so that every copy converges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldConflict:
    """Two writers changed one field without seeing each other's value; both values are kept."""

    field: str
    kept_value: object
    kept_hlc: str
    other_value: object
    other_hlc: str


@dataclass(frozen=True)
class MergeResult:
    """A record's state after a change is merged in."""

    fields: dict[str, object]
    versions: dict[str, str]
    changed: frozenset[str]
    conflicts: tuple[FieldConflict, ...]


def merge_change(
    current_fields: Mapping[str, object],
    current_versions: Mapping[str, str],
    *,
    incoming_fields: Mapping[str, object],
    incoming_hlc: str,
    base: Mapping[str, str],
    append_only: bool = False,
) -> MergeResult:
    """Merge one change into a record, field by field.

    The later hybrid-logical-clock timestamp wins each field (the text form sorts in clock order
    and ends with the node id, which breaks ties). Where the change's ``base`` for a field is not
    the version it is merged onto, the writer never saw that value: if the two values differ, a
    conflict is reported with both. Append-only records never conflict.

    The result does not depend on the order changes arrive in: merging A then B gives the same
    fields and versions as B then A.

    Args:
        current_fields: the record as held now (empty for a new record).
        current_versions: the timestamp of each held field.
        incoming_fields: the fields the change sets.
        incoming_hlc: the change's timestamp.
        base: for each field, the version the writer last saw (absent for a new field).
        append_only: the record type never conflicts.

    Returns:
        The merged fields and versions, which fields changed, and any conflicts.
    """
    fields = dict(current_fields)
    versions = dict(current_versions)
    changed: set[str] = set()
    conflicts: list[FieldConflict] = []
    for name, value in incoming_fields.items():
        held_hlc = versions.get(name)
        incoming_wins = held_hlc is None or incoming_hlc > held_hlc
        if held_hlc is not None and not append_only:
            held_value = fields.get(name)
            unseen = base.get(name) != held_hlc and held_hlc != incoming_hlc
            if unseen and held_value != value:
                if incoming_wins:
                    conflicts.append(FieldConflict(name, value, incoming_hlc, held_value, held_hlc))
                else:
                    conflicts.append(FieldConflict(name, held_value, held_hlc, value, incoming_hlc))
        if incoming_wins:
            if fields.get(name) != value or name not in fields:
                changed.add(name)
            fields[name] = value
            versions[name] = incoming_hlc
    return MergeResult(fields, versions, frozenset(changed), tuple(conflicts))


def merge_record(
    current_fields: Mapping[str, object],
    current_versions: Mapping[str, str],
    *,
    incoming_fields: Mapping[str, object],
    incoming_versions: Mapping[str, str],
) -> MergeResult:
    """Merge a whole record whose fields each carry their own version (a pulled record).

    Field by field this is `merge_change` with the field's own timestamp and the held version as
    base, so a local edit that is newer (not yet pushed) is kept and nothing is reported as a
    conflict: the server has already recorded any conflict when it merged the edits.
    """
    fields = dict(current_fields)
    versions = dict(current_versions)
    changed: set[str] = set()
    for name, value in incoming_fields.items():
        hlc = incoming_versions.get(name)
        if hlc is None:
            continue
        step = merge_change(
            fields,
            versions,
            incoming_fields={name: value},
            incoming_hlc=hlc,
            base={name: versions[name]} if name in versions else {},
        )
        fields, versions = step.fields, step.versions
        changed |= step.changed
    return MergeResult(fields, versions, frozenset(changed), ())
