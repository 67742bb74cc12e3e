"""One change against the record it names: authorship, validation, field merge, policy."""

from __future__ import annotations

import json
from datetime import datetime

from fieldkit.domain.merge import merge_change
from fieldkit.domain.person_merge import link_changes, merge_edit_refusal, named_people
from fieldkit.domain.records import (
    RecordType,
    ValidationError,
    is_restricted,
    record_spec,
    scope_districts,
    validate_fields,
)
from fieldkit.domain.referrals import RESPONSE_FIELDS
from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.models import (
    Base,
    Record,
    SyncClock,
)
from fieldkit_server.policy import (
    Principal,
    Role,
    Scope,
    category_text,
    effectively_restricted,
    link_targets,
    lowering_refusal,
    receives,
    write_refusal,
)
from fieldkit_server.push.lookups import Merges, Restrictions, Users
from fieldkit_server.push.model import Batch, Held, IncomingChange, Writer

_RECORDS = Base.metadata.tables[Record.__tablename__]
_CLOCK = Base.metadata.tables[SyncClock.__tablename__]


def _reason(error: ValidationError) -> str:
    return "invalid record: " + "; ".join(str(e) for e in error.errors)


def _authored(
    change: IncomingChange, held: Held | None, principal: Principal, users: Users
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


def _merge_refusal(
    principal: Principal,
    held: Held | None,
    change: IncomingChange,
    fields: dict[str, object],
    merges: Merges,
) -> tuple[str | None, bool]:
    """Why the change is not allowed as far as merging people goes, and whether it is part of
    a merge (a person marked merged, or links moved from a merged person).

    Only a supervisor marks a person ``merged_into`` another. A supervisor's edit of someone
    else's record that changes who it names must be a merge's repointing: only link fields,
    each only from a merged duplicate to the person it was merged into.
    """
    before = held.fields if held else {}
    if change.type is RecordType.PERSON and fields.get("merged_into") != before.get("merged_into"):
        if principal.role is not Role.SUPERVISOR:
            return "only a supervisor merges people", False
        if fields.get("merged_into") == change.id:
            return "a person cannot be merged into their own record", False
        return None, True
    if held is None or not link_changes(change.type, before, fields):
        return None, False
    redirects = merges.redirects(named_people(change.type, before))
    refusal = merge_edit_refusal(change.type, before, fields, redirects=redirects)
    if held.created_by == principal.user_id or principal.role is not Role.SUPERVISOR:
        # Their own record: any relinking is theirs to make (write_refusal has the rest).
        return None, refusal is None and bool(redirects)
    return refusal, refusal is None


def apply_upsert(
    held: Held | None,
    change: IncomingChange,
    hlc: str,
    writer: Writer,
    batch: Batch,
    now: datetime,
    users: Users,
    restrictions: Restrictions,
    merges: Merges,
) -> tuple[Held | None, str | None]:
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
        # Validated once: when every incoming value won (a new record, or an edit no one
        # overtook), the merge is the record just checked (normalising a normalised value
        # changes nothing).
        all_won = merged.fields == {**current_fields, **incoming}
        fields = candidate if all_won else validate_fields(change.type, merged.fields)
    except ValidationError as exc:
        return None, _reason(exc)
    created_by = held.created_by if held else principal.user_id
    districts = scope_districts(change.type, fields)
    restricted = effectively_restricted(
        fields, linked_restricted=restrictions.of(link_targets(change.type, fields))
    )
    agency = held.agency if held else principal.agency
    categories = category_text(change.type, fields)
    to_agency = _to_agency(change.type, fields)
    after = Scope.of(
        change.type,
        districts,
        restricted=restricted,
        created_by=created_by,
        addressee=users.addressee(change.type, fields),
        agency=agency,
        categories=[c for c in (categories or "").split(",") if c],
        to_agency=to_agency,
    )
    if held is not None and receives(principal, held.scope()):
        # What the change asks for, whether or not its values win the merge.
        asked = {n for n, v in incoming.items() if held.fields.get(n) != v}
        answered = {n for n in {*held.fields, *fields} if held.fields.get(n) != fields.get(n)}
        if (asked | answered) - RESPONSE_FIELDS:
            return None, (
                "the receiving agency may change only its answer to a referral: "
                "status, decline reason, outcome and response time"
            )
    merge_refusal, merging = _merge_refusal(principal, held, change, fields, merges)
    refusal = (
        write_refusal(principal, before=held.scope() if held else None, after=after)
        or merge_refusal
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
    state = held or Held(
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
        agency=agency,
    )
    if state.categories != categories or state.to_agency != to_agency:
        # Who may see the record changes with them: a new position re-decides every pull.
        state.categories, state.to_agency, state.dirty = categories, to_agency, True
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
    if merging:
        batch.audit.append(
            audit.server_event(
                at=now,
                action=AuditAction.MERGE_PEOPLE,
                user_id=principal.user_id,
                device_id=writer.device_id,
                record_type=change.type.value,
                record_id=change.id,
                reason=(change.reason or "").strip() or None,
                detail={
                    "change_id": change.change_id,
                    "fields": sorted(merged.changed),
                    **(
                        {"merged_into": fields.get("merged_into")}
                        if change.type is RecordType.PERSON
                        else {}
                    ),
                },
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


def _to_agency(record_type: RecordType, fields: dict[str, object]) -> str | None:
    value = fields.get("to_agency") if record_type is RecordType.REFERRAL else None
    return value if isinstance(value, str) and value else None


def apply_delete(
    held: Held | None,
    change: IncomingChange,
    hlc: str,
    writer: Writer,
    batch: Batch,
    now: datetime,
) -> tuple[Held | None, str | None]:
    if held is None:
        return None, "no such record"
    if held.type != change.type:
        return None, "the record id belongs to a record of another type"
    refusal = write_refusal(writer.principal, before=held.scope(), after=held.scope())
    if refusal:
        return None, refusal
    if receives(writer.principal, held.scope()):
        return None, "only the referring agency may delete a referral"
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
