"""Who may see and who may write which records: the partnership's access policy as pure rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from fieldkit.domain.records import ASB_TYPES, RecordType, is_restricted
from fieldkit.wire import Role as Role  # the roles are part of the protocol (sign-in replies)

#: Roles that work across the partnership rather than in districts (need no district).
PARTNERSHIP_ROLES: Final = frozenset({Role.ADMIN, Role.GOVERNANCE})


class Agency(StrEnum):
    COUNCIL = "council"
    POLICE = "police"
    FIRE = "fire"
    HOUSING = "housing"
    VOLUNTARY = "voluntary"


#: Reference data: visible to everyone, written by administrators (and supervisors in district).
REFERENCE_TYPES: Final = frozenset({RecordType.SERVICE})
CASE_TYPES: Final = frozenset(RecordType) - REFERENCE_TYPES
OFFICER_TYPES: Final = frozenset(
    {
        RecordType.VISIT,
        RecordType.PERSON,
        RecordType.PLACE,
        RecordType.WARNING,
        RecordType.SIGNPOSTING,
        RecordType.DOCUMENT,
        RecordType.COMMUNITY_TRIGGER,
    }
    | ASB_TYPES
)
TENANCY_TYPES: Final = frozenset(
    {RecordType.TENANCY_CASE, RecordType.TENANCY_NOTE, RecordType.CLOSURE}
)

#: Supervisors' decisions on the team's work: the team reads them, only supervisors write them.
REVIEW_TYPES: Final = frozenset({RecordType.REVIEW})

#: The field, for each type that has one, naming (by user name) the user a record is addressed
#: to: the addressee sees the record as its creator does, restricted or not.
ADDRESSEE_FIELDS: Final[dict[RecordType, str]] = {
    RecordType.REVIEW: "officer",
    RecordType.ASB_CASE: "owner",
    RecordType.ASB_ACTION: "assignee",
    # A Community Trigger application's owner answers it, even if someone else recorded it.
    RecordType.COMMUNITY_TRIGGER: "owner",
}
#: Types whose addressee may also change the record (an ASB case's owner keeps it up to date;
#: an action's assignee records its outcome; an application's owner records the meeting and
#: the outcome), but not hand it to someone else.
ADDRESSEE_EDITS: Final = frozenset(
    {RecordType.ASB_CASE, RecordType.ASB_ACTION, RecordType.COMMUNITY_TRIGGER}
)

#: The case-record types each role writes.
ROLE_WRITES: Final[dict[Role, frozenset[RecordType]]] = {
    Role.OFFICER: OFFICER_TYPES,
    Role.HOUSING: OFFICER_TYPES | TENANCY_TYPES,
    Role.SUPERVISOR: CASE_TYPES,
    Role.ADMIN: frozenset(),
    Role.GOVERNANCE: frozenset(),
}
#: The case-record types each role sees: what it writes, and (read-only) the review decisions
#: on the team's work. Administrators see no case data.
ROLE_SEES: Final[dict[Role, frozenset[RecordType]]] = {
    Role.OFFICER: OFFICER_TYPES | REVIEW_TYPES,
    Role.HOUSING: OFFICER_TYPES | TENANCY_TYPES | REVIEW_TYPES,
    Role.SUPERVISOR: CASE_TYPES,
    Role.ADMIN: frozenset(),
    Role.GOVERNANCE: frozenset(),
}


@dataclass(frozen=True)
class Principal:
    """The signed-in user a request acts for, as far as the policy needs to know."""

    user_id: str
    role: Role
    districts: frozenset[str]
    safeguarding: bool

    @property
    def sees_restricted(self) -> bool:
        """Sees every restricted record in district, not only the ones they wrote."""
        return self.role is Role.SUPERVISOR or self.safeguarding


@dataclass(frozen=True)
class Scope:
    """What the policy looks at in a record: its type, districts, sensitivity, author and the
    user it is addressed to (if any)."""

    type: RecordType
    districts: frozenset[str]
    restricted: bool
    created_by: str | None
    addressee: str | None = None
    #: A data subject's restriction of processing covers it (governance only, until lifted).
    processing_restricted: bool = False

    @classmethod
    def of(
        cls,
        record_type: str,
        districts: Iterable[str],
        *,
        restricted: bool,
        created_by: str | None,
        addressee: str | None = None,
        processing_restricted: bool = False,
    ) -> Scope:
        return cls(
            RecordType(record_type),
            frozenset(districts),
            restricted,
            created_by,
            addressee,
            processing_restricted,
        )


def can_see(principal: Principal, scope: Scope) -> bool:
    """Whether a record may be disclosed to the user (sent in a pull).

    A record under a data subject's restriction of processing goes to information governance
    and to no one else, whatever their role, districts or clearance.
    """
    if scope.type in REFERENCE_TYPES:
        return True
    if scope.processing_restricted:
        return principal.role is Role.GOVERNANCE
    if scope.type not in ROLE_SEES[principal.role]:
        return False
    if not scope.districts <= principal.districts or not scope.districts:
        return False
    return (
        not scope.restricted
        or principal.sees_restricted
        or scope.created_by == principal.user_id
        or scope.addressee == principal.user_id
    )


def write_refusal(principal: Principal, *, before: Scope | None, after: Scope) -> str | None:
    """Why the user may not make a record look like ``after``, or None if they may.

    Args:
        principal: who is writing.
        before: the record as held now; None for a new record.
        after: the record as it would be after the change (for a delete, as it is now).

    Returns:
        A reason fit to show the writer (it names no data they could not see), or None.
    """
    if after.type in REFERENCE_TYPES:
        if principal.role is Role.ADMIN:
            return None
        if (
            principal.role is Role.SUPERVISOR
            and after.districts
            and (
                after.districts <= principal.districts
                and (before is None or before.districts <= principal.districts)
            )
        ):
            return None
        return "only administrators, and supervisors within their districts, write reference data"
    if principal.role is Role.ADMIN:
        return "administrators do not write case data"
    if principal.role is Role.GOVERNANCE:
        return "information governance decides on records at the server, not by sync"
    if after.type in REVIEW_TYPES and principal.role is not Role.SUPERVISOR:
        return "only supervisors record review decisions"
    if after.type not in ROLE_WRITES[principal.role]:
        return f"a {principal.role.value} may not write {after.type.value} records"
    if before is not None:
        if before.type != after.type:
            return "the record id belongs to a record of another type"
        if not before.districts <= principal.districts:
            return "the record is outside your districts"
        addressee_edit = (
            after.type in ADDRESSEE_EDITS
            and before.addressee is not None
            and before.addressee == principal.user_id
        )
        if (
            principal.role is not Role.SUPERVISOR
            and before.created_by != principal.user_id
            and not addressee_edit
        ):
            return "you may edit only records you created"
        if (
            addressee_edit
            and principal.role is not Role.SUPERVISOR
            and before.created_by != principal.user_id
            and after.addressee != before.addressee
        ):
            return "you may not hand over work that was given to you"
    outside = sorted(after.districts - principal.districts)
    if outside:
        return f"district {outside[0]} is not one of yours"
    return None


#: For each type, the fields that link a record to other work whose restriction it inherits:
#: a signposting or warning given at a safeguarding visit, a letter or review about restricted
#: work, a note or closure on a restricted tenancy case. A record is restricted while any record
#: it links to is (the link is followed through chains: a review of a letter about a restricted
#: visit is restricted too).
LINK_FIELDS: Final[dict[RecordType, tuple[str, ...]]] = {
    RecordType.WARNING: ("visit_id", "signposting_id"),
    RecordType.SIGNPOSTING: ("visit_id",),
    RecordType.DOCUMENT: ("subject_id",),
    RecordType.REVIEW: ("subject_id",),
    RecordType.TENANCY_NOTE: ("case_id",),
    RecordType.CLOSURE: ("case_id",),
    RecordType.ASB_PARTY: ("case_id",),
    RecordType.ASB_RISK: ("case_id",),
    RecordType.ASB_ACTION: ("case_id",),
    # An application relying on a restricted report (a hate incident) is restricted too.
    RecordType.COMMUNITY_TRIGGER: ("visit_ids", "case_id"),
}


def link_values(record_type: str, fields: Mapping[str, object]) -> list[str]:
    """The ids a record's link fields hold (one id, or a list of ids), as given."""
    values: list[str] = []
    for name in LINK_FIELDS.get(RecordType(record_type), ()):
        value = fields.get(name)
        items = value if isinstance(value, list) else [value]
        values.extend(t for t in items if isinstance(t, str) and t)
    return values


def link_targets(record_type: str, fields: Mapping[str, object]) -> frozenset[str]:
    """The ids of the records whose restriction this record inherits (see ``LINK_FIELDS``)."""
    return frozenset(link_values(record_type, fields))


def effectively_restricted(
    fields: Mapping[str, object], *, linked_restricted: Iterable[bool]
) -> bool:
    """Whether a record is restricted: marked so itself, or linked to restricted work.

    Args:
        fields: the record's validated fields (a safeguarding visit already says restricted).
        linked_restricted: for each record it links to that the server holds, whether that
            record is (effectively) restricted.
    """
    return is_restricted(fields) or any(linked_restricted)


def lowering_refusal(
    principal: Principal,
    *,
    own_before: bool,
    own_after: bool,
    effective_before: bool,
    effective_after: bool,
    reason: str | None,
) -> str | None:
    """Why the user may not lower a record's restriction this way, or None if they may.

    Lowering is taking ``sensitivity`` from restricted to standard, removing the safeguarding
    categories that made a visit restricted, or unlinking a record from restricted work. Only a
    supervisor or a safeguarding user may, and only giving a reason; everyone may tighten.

    Args:
        principal: who is writing.
        own_before: the record's own marking (its fields alone) as held; False for a new record.
        own_after: its own marking after the change.
        effective_before: whether it was restricted, links included, as held.
        effective_after: whether it would be, links included, after the change.
        reason: the reason the change carries, if any.
    """
    lowered = (own_before and not own_after) or (effective_before and not effective_after)
    if not lowered:
        return None
    if not principal.sees_restricted:
        return "only a supervisor or safeguarding officer may lower a record's restriction"
    if reason is None or not reason.strip():
        return "give a reason for lowering the record's restriction"
    return None
