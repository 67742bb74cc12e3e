"""Who may see and who may write which records: the partnership's access policy as pure rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from fieldkit.domain.records import ASB_TYPES, RecordType, is_restricted
from fieldkit.domain.vocabulary import AsbCategory, Category
from fieldkit.wire import Role as Role  # the roles are part of the protocol (sign-in replies)

#: Roles that work across the partnership rather than in districts (need no district).
PARTNERSHIP_ROLES: Final = frozenset({Role.ADMIN, Role.GOVERNANCE, Role.ANALYST})


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
        RecordType.REFERRAL,
        RecordType.ATTACHMENT,
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
    Role.ANALYST: frozenset(),
}
#: The case-record types each role sees: what it writes, and (read-only) the review decisions
#: on the team's work. Administrators see no case data.
ROLE_SEES: Final[dict[Role, frozenset[RecordType]]] = {
    Role.OFFICER: OFFICER_TYPES | REVIEW_TYPES,
    Role.HOUSING: OFFICER_TYPES | TENANCY_TYPES | REVIEW_TYPES,
    Role.SUPERVISOR: CASE_TYPES,
    Role.ADMIN: frozenset(),
    Role.GOVERNANCE: frozenset(),
    Role.ANALYST: frozenset(),
}

# Information-sharing agreements ----------------------------------------------------------------

#: The fields holding each type's categories; an agreement listing categories shares a record
#: of these types only if every category it carries is listed (and it carries one).
CATEGORY_FIELDS: Final[dict[RecordType, tuple[str, ...]]] = {
    RecordType.VISIT: ("categories",),
    RecordType.ASB_CASE: ("category", "local_categories"),
}
#: Every category an agreement may name.
KNOWN_CATEGORIES: Final = frozenset(c.value for c in Category) | frozenset(
    c.value for c in AsbCategory
)
#: The basis named in the s62 log for a record the user's own agency owns (or the server does).
OWN_AGENCY: Final = "(own agency)"
#: The basis for a record sent to the user (addressed to them, or a referral to their agency).
ADDRESSED: Final = "(addressed)"


def category_text(record_type: str, fields: Mapping[str, object]) -> str | None:
    """A record's categories as stored for the pull's filter (``,a,b,``); None if it has none."""
    found: set[str] = set()
    for name in CATEGORY_FIELDS.get(RecordType(record_type), ()):
        value = fields.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item:
                found.add(item)
    return "," + ",".join(sorted(found)) + "," if found else None


@dataclass(frozen=True)
class Agreement:
    """An information-sharing agreement as the policy reads it."""

    name: str
    agencies: frozenset[str]
    types: frozenset[str]
    #: Empty: every category of the types.
    categories: frozenset[str]
    start: date
    end: date | None
    ended: bool = False

    def in_force(self, day: date) -> bool:
        """Whether the agreement shares anything on ``day`` (``end`` is its last day)."""
        return not self.ended and self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, order=True)
class Grant:
    """What one agreement lets a user's agency see of another agency's records."""

    agreement: str
    #: The owning agency whose records it shares.
    agency: str
    types: tuple[str, ...]
    #: Empty: every category.
    categories: tuple[str, ...] = ()


def grants_for(agency: str, agreements: Iterable[Agreement], *, day: date) -> tuple[Grant, ...]:
    """What the agreements in force on ``day`` let ``agency``'s users see of other agencies'.

    Args:
        agency: the user's agency.
        agreements: every agreement (in force or not).
        day: today, at the server.

    Returns:
        One grant per agreement in force and other agency party to it, in a stable order.
    """
    grants = [
        Grant(a.name, other, tuple(sorted(a.types)), tuple(sorted(a.categories)))
        for a in agreements
        if agency in a.agencies and a.in_force(day)
        for other in a.agencies
        if other != agency
    ]
    return tuple(sorted(grants))


def agreement_problems(
    *,
    name: str,
    agencies: Iterable[str],
    types: Iterable[str],
    categories: Iterable[str],
    purpose: str,
    basis: str,
    start: date,
    end: date | None,
) -> list[str]:
    """What is wrong with an agreement as given at the command line (empty when nothing is).

    Names the bad value only when it is one of ours (an agency, type or category name).
    """
    problems: list[str] = []
    agency_set, type_set, category_set = set(agencies), set(types), set(categories)
    if not name.strip() or len(name) > 200 or name.strip().startswith("("):
        problems.append("--name must be 1 to 200 characters and not start with '('")
    unknown = sorted(agency_set - {a.value for a in Agency})
    if unknown:
        problems.append(f"--agency {unknown[0]!r} is not an agency")
    if len(agency_set) < 2:
        problems.append("an agreement needs at least two different --agency")
    shareable = {t.value for t in CASE_TYPES}
    bad_types = sorted(type_set - shareable)
    if bad_types:
        problems.append(f"--type {bad_types[0]!r} is not a case record type")
    if not type_set:
        problems.append("an agreement shares at least one --type")
    bad_categories = sorted(category_set - KNOWN_CATEGORIES)
    if bad_categories:
        problems.append(f"--category {bad_categories[0]!r} is not a category")
    if not purpose.strip():
        problems.append("--purpose is required")
    if not basis.strip():
        problems.append("--basis is required")
    if end is not None and end < start:
        problems.append("--end must not be before --start")
    return problems


@dataclass(frozen=True)
class Principal:
    """The signed-in user a request acts for, as far as the policy needs to know."""

    user_id: str
    role: Role
    districts: frozenset[str]
    safeguarding: bool
    #: The user's agency; None for the server's own work (retention, imports), which is not
    #: bound by agreements.
    agency: str | None = None
    #: What the agreements in force today let the user's agency see of other agencies' records.
    grants: tuple[Grant, ...] = ()

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
    #: The owning agency (its creator's); None for the server's own.
    agency: str | None = None
    #: Its categories (see ``CATEGORY_FIELDS``).
    categories: frozenset[str] = frozenset()
    #: The agency it is sent to (a referral's).
    to_agency: str | None = None

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
        agency: str | None = None,
        categories: Iterable[str] = (),
        to_agency: str | None = None,
    ) -> Scope:
        return cls(
            RecordType(record_type),
            frozenset(districts),
            restricted,
            created_by,
            addressee,
            processing_restricted,
            agency,
            frozenset(categories),
            to_agency,
        )


def covers(grant: Grant, scope: Scope) -> bool:
    """Whether one grant shares the record: its owning agency, its type and its categories."""
    if scope.agency != grant.agency or scope.type.value not in grant.types:
        return False
    if not grant.categories or scope.type not in CATEGORY_FIELDS:
        return True
    return bool(scope.categories) and scope.categories <= set(grant.categories)


def sharing_basis(principal: Principal, scope: Scope) -> str | None:
    """What lets the user's agency hold the record, as the s62 log names it; None if nothing.

    Their own agency's record (or the server's, or any record for the server's own work); a
    record addressed to them, or a referral sent to their agency; else the first agreement in
    force (by name) that shares it. Role, districts and restriction are ``can_see``'s.
    """
    if principal.agency is None or scope.agency is None or scope.agency == principal.agency:
        return OWN_AGENCY
    if scope.addressee is not None and scope.addressee == principal.user_id:
        return ADDRESSED
    if scope.type is RecordType.REFERRAL and scope.to_agency == principal.agency:
        return ADDRESSED
    for grant in principal.grants:
        if covers(grant, scope):
            return grant.agreement
    return None


def receives(principal: Principal, scope: Scope) -> bool:
    """Whether the user is a receiving partner of this referral, not of its owning agency."""
    return (
        scope.type is RecordType.REFERRAL
        and principal.agency is not None
        and scope.to_agency == principal.agency
        and scope.agency != principal.agency
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
    if sharing_basis(principal, scope) is None:
        return False
    return (
        not scope.restricted
        or principal.sees_restricted
        or scope.created_by == principal.user_id
        or scope.addressee == principal.user_id
        or receives(principal, scope)
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
        if sharing_basis(principal, before) is None or sharing_basis(principal, after) is None:
            return "no information-sharing agreement in force lets your agency change this record"
        if receives(principal, before):
            if after.to_agency != before.to_agency:
                return "you may not pass on a referral sent to your agency"
            outside = sorted(after.districts - principal.districts)
            return f"district {outside[0]} is not one of yours" if outside else None
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
    # An action decided at a restricted meeting is restricted too (its assignee still sees it).
    RecordType.ASB_ACTION: ("case_id", "meeting_id"),
    # An application relying on a restricted report (a hate incident) is restricted too.
    RecordType.COMMUNITY_TRIGGER: ("visit_ids", "case_id"),
    # A photo or file is as restricted as the record it is attached to.
    RecordType.ATTACHMENT: ("owner_id",),
    # A referral made from a safeguarding visit or case, or from a signposting given at one, is
    # restricted too: its reason says why. The agency it is sent to still sees it (``receives``).
    RecordType.REFERRAL: ("source_id",),
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
