"""Merging two records of one person: which links move, and which edits a merge may make."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from fieldkit.domain.records import RecordType

#: For each type, the fields that name a person (one id, or a list of ids). A document's
#: ``subject_id`` names a person only when its ``subject_type`` says so (see `person_links`).
PERSON_LINK_FIELDS: Final[Mapping[RecordType, tuple[str, ...]]] = {
    RecordType.VISIT: ("person_ids",),
    RecordType.WARNING: ("person_id",),
    RecordType.SIGNPOSTING: ("person_id",),
    RecordType.TENANCY_CASE: ("tenant_ids",),
    RecordType.DOCUMENT: ("subject_id",),
    RecordType.ASB_PARTY: ("person_id",),
    RecordType.ASB_RISK: ("person_id",),
    RecordType.COMMUNITY_TRIGGER: ("applicant_id",),
    RecordType.REFERRAL: ("person_id",),
    # A photo or file attached to the person themselves (``owner_type`` says so).
    RecordType.ATTACHMENT: ("owner_id",),
}


def person_links(record_type: RecordType, fields: Mapping[str, object]) -> tuple[str, ...]:
    """The fields of this record that name a person (a document only when it is about one)."""
    if record_type is RecordType.DOCUMENT and fields.get("subject_type") != RecordType.PERSON:
        return ()
    if record_type is RecordType.ATTACHMENT and fields.get("owner_type") != RecordType.PERSON:
        return ()
    return PERSON_LINK_FIELDS.get(record_type, ())


def _moved(value: object, duplicate: str, survivor: str) -> object:
    if isinstance(value, list):
        out: list[object] = []
        for item in value:
            item = survivor if item == duplicate else item
            if item not in out:
                out.append(item)
        return out
    return survivor if value == duplicate else value


def repointed(
    record_type: RecordType, fields: Mapping[str, object], *, duplicate: str, survivor: str
) -> dict[str, object]:
    """The link fields that change when ``duplicate`` is merged into ``survivor``.

    Returns:
        Only the fields that change (empty: the record does not name the duplicate). A list
        naming both keeps the survivor once, where it stood first.
    """
    changes: dict[str, object] = {}
    for name in person_links(record_type, fields):
        value = fields.get(name)
        moved = _moved(value, duplicate, survivor)
        if moved != value:
            changes[name] = moved
    return changes


def merge_edit_refusal(
    record_type: RecordType,
    before: Mapping[str, object],
    after: Mapping[str, object],
    *,
    redirects: Mapping[str, str],
) -> str | None:
    """Why an edit of someone else's record is not a merge's repointing, or None if it is.

    A merge may change only the fields that name a person, and each only by putting the
    survivor in place of a merged duplicate: ``after`` must be ``before`` with some duplicates
    (keys of ``redirects``, each the person the server holds as ``merged_into`` its value)
    replaced by their survivors, and nothing else.

    Args:
        record_type: the record's type.
        before: its fields as held.
        after: its fields as they would be after the edit.
        redirects: merged duplicates the server holds, each to the person it was merged into.

    Returns:
        A reason fit to show the writer (it names no data), or None.
    """
    links = person_links(record_type, before)
    changed = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
    if not changed:
        return None
    if any(n not in links for n in changed) or person_links(record_type, after) != links:
        return "a merge changes only the fields that name a person"
    for name in changed:
        expected = before.get(name)
        for duplicate, survivor in redirects.items():
            expected = _moved(expected, duplicate, survivor)
        if expected != after.get(name) or not _names_a_duplicate(before.get(name), redirects):
            return "a merge only moves links from a merged record to the person it was merged into"
    return None


def _names_a_duplicate(value: object, redirects: Mapping[str, str]) -> bool:
    items = value if isinstance(value, list) else [value]
    return any(isinstance(i, str) and i in redirects for i in items)


def link_changes(
    record_type: RecordType, before: Mapping[str, object], after: Mapping[str, object]
) -> bool:
    """Whether an edit changes any field that names a person."""
    names = set(person_links(record_type, before)) | set(person_links(record_type, after))
    return any(before.get(n) != after.get(n) for n in names)


def named_people(record_type: RecordType, fields: Mapping[str, object]) -> frozenset[str]:
    """The person ids a record names in its link fields."""
    ids: set[str] = set()
    for name in person_links(record_type, fields):
        value = fields.get(name)
        items = value if isinstance(value, list) else [value]
        ids.update(i for i in items if isinstance(i, str) and i)
    return frozenset(ids)
