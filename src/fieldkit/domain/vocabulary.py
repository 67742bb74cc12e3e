"""The partnership's fixed vocabularies and the one home of the words people read for them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final, Self


class Vocabulary(StrEnum):
    """A fixed vocabulary: each value is a wire name with a label (and maybe a description).

    Labels are defined once, beside the vocabulary, with :func:`define_words`; every screen,
    letter, bundle, export header and message reads them from here.
    """

    @property
    def label(self) -> str:
        """The value as people read it."""
        return _LABELS[type(self)][self]

    @property
    def description(self) -> str:
        """A short sentence on what choosing the value means, or empty."""
        return _DESCRIPTIONS.get(type(self), {}).get(self, "")

    @classmethod
    def label_for(cls, value: object) -> str:
        """A stored value's label; a value this release does not know reads as plain words.

        Args:
            value: the stored wire name (a string, or a member).
        """
        try:
            return cls(str(value)).label
        except ValueError:
            return plain_words(str(value))

    @classmethod
    def choices(cls) -> tuple[tuple[str, str], ...]:
        """Every (value, label) pair in the vocabulary's order, for a choice on a form."""
        return tuple((m.value, m.label) for m in cls)

    @classmethod
    def parse(cls, value: object) -> Self | None:
        """The member a stored value names, or None for a value this release does not know."""
        try:
            return cls(str(value))
        except ValueError:
            return None


_LABELS: dict[type[Vocabulary], Mapping[Vocabulary, str]] = {}
_DESCRIPTIONS: dict[type[Vocabulary], Mapping[Vocabulary, str]] = {}


def define_words(
    vocabulary: type[Vocabulary],
    labels: Mapping[str, str],
    descriptions: Mapping[str, str] | None = None,
) -> None:
    """Give every value of a vocabulary its label (and, where a choice needs it, a description).

    Raises:
        ValueError: naming the vocabulary and the values left without a label, or labels for
            values it does not have.
    """
    members = {m.value for m in vocabulary}
    missing = sorted(members - set(labels))
    extra = sorted(set(labels) - members) + sorted(set(descriptions or {}) - members)
    if missing or extra:
        raise ValueError(
            f"{vocabulary.__name__}: values without a label {missing}, unknown values {extra}"
        )
    _LABELS[vocabulary] = {vocabulary(k): v for k, v in labels.items()}
    _DESCRIPTIONS[vocabulary] = {vocabulary(k): v for k, v in (descriptions or {}).items()}


def labelled_vocabularies() -> tuple[type[Vocabulary], ...]:
    """Every vocabulary that has had its words defined (the label test walks them)."""
    return tuple(_LABELS)


#: How a person or place a record names reads when its own record is not held here.
_UNKNOWN: Final = {"person": "Unknown person", "place": "Unknown place"}


def subject_name(kind: str, known: str | None) -> str:
    """A person's or place's name as shown: the recorded one, or words saying it is unknown.

    Args:
        kind: "person" or "place".
        known: The name as recorded, or None (or empty) if none is held.

    Returns:
        The name to show.
    """
    return known or _UNKNOWN.get(kind, f"Unknown {kind}")


def plain_words(value: str) -> str:
    """An identifier as plain words ("street_drinking" → "Street drinking"), for unknown values."""
    words = value.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


class District(Vocabulary):
    """The four problem-solving districts every record is filed under."""

    BATLEY_SPEN = "batley_spen"
    DEWSBURY_MIRFIELD = "dewsbury_mirfield"
    HUDDERSFIELD = "huddersfield"
    RURAL = "rural"


define_words(
    District,
    {
        District.BATLEY_SPEN: "Batley & Spen",
        District.DEWSBURY_MIRFIELD: "Dewsbury & Mirfield",
        District.HUDDERSFIELD: "Huddersfield",
        District.RURAL: "Rural (Kirklees Rural)",
    },
)


class Category(Vocabulary):
    """What an encounter was about."""

    STREET_DRINKING = "street_drinking"
    BEGGING = "begging"
    ROUGH_SLEEPING = "rough_sleeping"
    SHOPLIFTING = "shoplifting"
    THEFT_FROM_PERSON = "theft_from_person"
    ALCOHOL_NTE = "alcohol_nte"
    ASB_YOUTH = "asb_youth"
    ASB_NEIGHBOUR = "asb_neighbour"
    NOISE = "noise"
    DRUGS = "drugs"
    CRIMINAL_DAMAGE = "criminal_damage"
    DOMESTIC_ABUSE = "domestic_abuse"
    HATE_INCIDENT = "hate_incident"
    CSE_CONCERN = "cse_concern"
    OTHER = "other"


define_words(
    Category,
    {
        Category.STREET_DRINKING: "Street drinking",
        Category.BEGGING: "Begging",
        Category.ROUGH_SLEEPING: "Rough sleeping",
        Category.SHOPLIFTING: "Shoplifting",
        Category.THEFT_FROM_PERSON: "Theft from the person",
        Category.ALCOHOL_NTE: "Alcohol (night-time economy)",
        Category.ASB_YOUTH: "ASB (youth)",
        Category.ASB_NEIGHBOUR: "ASB (neighbour)",
        Category.NOISE: "Noise",
        Category.DRUGS: "Drugs",
        Category.CRIMINAL_DAMAGE: "Criminal damage",
        Category.DOMESTIC_ABUSE: "Domestic abuse",
        Category.HATE_INCIDENT: "Hate incident",
        Category.CSE_CONCERN: "CSE concern",
        Category.OTHER: "Other",
    },
    {
        Category.DOMESTIC_ABUSE: "Safeguarding: the visit is restricted automatically.",
        Category.HATE_INCIDENT: "Safeguarding: the visit is restricted automatically.",
        Category.CSE_CONCERN: "Child sexual exploitation concern. Safeguarding: the visit is "
        "restricted automatically.",
        Category.ALCOHOL_NTE: "Alcohol-related behaviour in the evening and night economy.",
    },
)

#: Safeguarding categories: a visit that has any of them is restricted automatically.
RESTRICTED_CATEGORIES = frozenset(
    {Category.DOMESTIC_ABUSE, Category.HATE_INCIDENT, Category.CSE_CONCERN}
)


class Sensitivity(Vocabulary):
    """Who may see a record: everyone in scope, or only those cleared for safeguarding data."""

    STANDARD = "standard"
    RESTRICTED = "restricted"


define_words(
    Sensitivity,
    {Sensitivity.STANDARD: "Standard", Sensitivity.RESTRICTED: "Restricted"},
    {
        Sensitivity.STANDARD: "Seen by the officers and supervisors who cover its district.",
        Sensitivity.RESTRICTED: "Safeguarding: only those cleared for it see what it says.",
    },
)


class VisitKind(Vocabulary):
    PATROL = "patrol"
    TENANCY_VISIT = "tenancy_visit"
    WELFARE_CHECK = "welfare_check"
    JOINT_VISIT = "joint_visit"


define_words(
    VisitKind,
    {
        VisitKind.PATROL: "Patrol",
        VisitKind.TENANCY_VISIT: "Tenancy visit",
        VisitKind.WELFARE_CHECK: "Welfare check",
        VisitKind.JOINT_VISIT: "Joint visit",
    },
)


class WarningStatus(Vocabulary):
    ISSUED = "issued"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"
    #: Prepared offline at a step countersigned before serving (a CPN): not yet served.
    AWAITING_COUNTERSIGNATURE = "awaiting_countersignature"


define_words(
    WarningStatus,
    {
        WarningStatus.ISSUED: "Issued",
        WarningStatus.WITHDRAWN: "Withdrawn",
        WarningStatus.SUPERSEDED: "Superseded",
        WarningStatus.AWAITING_COUNTERSIGNATURE: "Awaiting countersignature",
    },
)


class RiskMarker(Vocabulary):
    """Risks to an officer or to the person themselves, shown wherever the person is added."""

    VIOLENCE = "violence"
    WEAPONS = "weapons"
    LONE_VISIT_RISK = "lone_visit_risk"
    MENTAL_HEALTH = "mental_health"
    SUBSTANCE_USE = "substance_use"
    VULNERABLE_ADULT = "vulnerable_adult"
    CHILD_AT_RISK = "child_at_risk"


define_words(
    RiskMarker,
    {
        RiskMarker.VIOLENCE: "Violence",
        RiskMarker.WEAPONS: "Weapons",
        RiskMarker.LONE_VISIT_RISK: "Do not visit alone",
        RiskMarker.MENTAL_HEALTH: "Mental health",
        RiskMarker.SUBSTANCE_USE: "Substance use",
        RiskMarker.VULNERABLE_ADULT: "Vulnerable adult",
        RiskMarker.CHILD_AT_RISK: "Child at risk",
    },
    {
        RiskMarker.VIOLENCE: "Has been violent or threatened violence to staff or the public.",
        RiskMarker.WEAPONS: "Has carried or used a weapon, or one is kept where they live.",
        RiskMarker.LONE_VISIT_RISK: "Visit in pairs only: a risk to an officer on their own.",
        RiskMarker.MENTAL_HEALTH: "A mental health need that changes how to approach them.",
        RiskMarker.SUBSTANCE_USE: "Drink or drug use that may affect what they understand.",
        RiskMarker.VULNERABLE_ADULT: "An adult who may need care and support to stay safe.",
        RiskMarker.CHILD_AT_RISK: "A child linked to them may be at risk: think safeguarding.",
    },
)


def risk_marker_label(value: str) -> str:
    """A stored marker's label; a value this release does not know reads as plain words."""
    return RiskMarker.label_for(value)


class SignpostingMethod(Vocabulary):
    LEAFLET = "leaflet"
    VERBAL = "verbal"
    REFERRAL = "referral"


define_words(
    SignpostingMethod,
    {
        SignpostingMethod.LEAFLET: "Leaflet",
        SignpostingMethod.VERBAL: "Told in person",
        SignpostingMethod.REFERRAL: "Referral",
    },
)


class TenancyStatus(Vocabulary):
    OPEN = "open"
    MONITORING = "monitoring"
    CLOSURE_IN_PROGRESS = "closure_in_progress"
    CLOSED = "closed"


define_words(
    TenancyStatus,
    {
        "open": "Open",
        "monitoring": "Monitoring",
        "closure_in_progress": "Closure in progress",
        "closed": "Closed",
    },
)


def tenancy_status_label(value: str) -> str:
    """A tenancy case's status as the case screen says it."""
    return TenancyStatus.label_for(value)


class NoticeServedHow(Vocabulary):
    """How a closure notice was served (s79: fixed to the premises and given to people there)."""

    FIXED_TO_PREMISES = "fixed_to_premises"
    GIVEN_TO_OCCUPIER = "given_to_occupier"
    GIVEN_TO_OWNER = "given_to_owner"
    FIXED_AND_GIVEN = "fixed_and_given"


define_words(
    NoticeServedHow,
    {
        NoticeServedHow.FIXED_TO_PREMISES: "Fixed to the entrance of the premises",
        NoticeServedHow.GIVEN_TO_OCCUPIER: "Given to a person living at the premises",
        NoticeServedHow.GIVEN_TO_OWNER: "Given to the owner or landlord",
        NoticeServedHow.FIXED_AND_GIVEN: "Fixed to the premises and given to the people there",
    },
)


class NoteKind(Vocabulary):
    VISIT = "visit"
    INCIDENT = "incident"
    EVIDENCE = "evidence"
    SUPPORT = "support"
    LEGAL = "legal"


define_words(
    NoteKind,
    {
        NoteKind.VISIT: "Visit",
        NoteKind.INCIDENT: "Incident",
        NoteKind.EVIDENCE: "Evidence",
        NoteKind.SUPPORT: "Support",
        NoteKind.LEGAL: "Legal",
    },
)


class ClosureStatus(Vocabulary):
    PLANNED = "planned"
    NOTICE_SERVED = "notice_served"
    ADJOURNED = "adjourned"
    ORDER_MADE = "order_made"
    EXTENDED = "extended"
    REFUSED = "refused"
    DISCHARGED = "discharged"
    EXPIRED = "expired"


define_words(
    ClosureStatus,
    {
        "planned": "Planned",
        "notice_served": "Notice served",
        "adjourned": "Hearing adjourned",
        "order_made": "Order made",
        "extended": "Order extended",
        "refused": "Order refused",
        "discharged": "Order discharged",
        "expired": "Expired",
    },
)


def closure_status_label(value: str) -> str:
    """A closure's status as the case screen says it."""
    return ClosureStatus.label_for(value)


class DocumentKind(Vocabulary):
    YELLOW_LETTER = "yellow_letter"
    RED_LETTER = "red_letter"
    CPW_LETTER = "cpw_letter"
    #: A Community Protection Notice (ASBCPA 2014 s43): requirements, period, breach, appeal.
    CPN_NOTICE = "cpn_notice"
    #: An Acceptable Behaviour Contract: behaviours agreed, support, term, review, two signatures.
    ABC_CONTRACT = "abc_contract"
    SIGNPOSTING_LEAFLET = "signposting_leaflet"
    EVIDENCE_BUNDLE = "evidence_bundle"
    CLOSURE_NOTICE = "closure_notice"
    MEETING_PACK = "meeting_pack"
    SUBJECT_ACCESS = "subject_access"
    #: The letter telling a Community Trigger applicant the review's outcome (ASBCPA 2014 s104).
    COMMUNITY_TRIGGER_OUTCOME = "community_trigger_outcome"
    #: The minutes of a district problem-solving group meeting: attendees, decisions, actions.
    MEETING_MINUTES = "meeting_minutes"
    #: A referral on paper, for a partner without a Fieldkit account.
    REFERRAL_FORM = "referral_form"


define_words(
    DocumentKind,
    {
        DocumentKind.YELLOW_LETTER: "Yellow warning letter",
        DocumentKind.RED_LETTER: "Red warning letter",
        DocumentKind.CPW_LETTER: "Community Protection Warning letter",
        DocumentKind.CPN_NOTICE: "Community Protection Notice",
        DocumentKind.ABC_CONTRACT: "Acceptable Behaviour Contract",
        DocumentKind.SIGNPOSTING_LEAFLET: "Signposting leaflet",
        DocumentKind.EVIDENCE_BUNDLE: "Evidence bundle",
        DocumentKind.CLOSURE_NOTICE: "Closure notice",
        DocumentKind.MEETING_PACK: "Meeting pack",
        DocumentKind.SUBJECT_ACCESS: "Subject access response",
        DocumentKind.COMMUNITY_TRIGGER_OUTCOME: "Community Trigger outcome letter",
        DocumentKind.MEETING_MINUTES: "Problem-solving group minutes",
        DocumentKind.REFERRAL_FORM: "Referral form",
    },
)


class ReviewDecision(Vocabulary):
    """What a supervisor decided about a piece of the team's synced work."""

    APPROVED = "approved"
    RETURNED = "returned"
    COUNTERSIGNED = "countersigned"


define_words(
    ReviewDecision,
    {
        ReviewDecision.APPROVED: "Approved",
        ReviewDecision.RETURNED: "Returned",
        ReviewDecision.COUNTERSIGNED: "Countersigned",
    },
    {
        ReviewDecision.RETURNED: "Sent back to the officer with a comment saying what to change.",
        ReviewDecision.COUNTERSIGNED: "A supervisor signed off a step that needs it.",
    },
)


class ServedHow(Vocabulary):
    HANDED_OVER = "handed_over"
    LEFT_AT_ADDRESS = "left_at_address"
    POSTED = "posted"
    EXPORTED = "exported"
    #: Offered in person and refused: still served (the person was told what it says).
    REFUSED = "refused"


define_words(
    ServedHow,
    {
        ServedHow.HANDED_OVER: "Handed over",
        ServedHow.LEFT_AT_ADDRESS: "Left at the address",
        ServedHow.POSTED: "Posted",
        ServedHow.EXPORTED: "Exported",
        ServedHow.REFUSED: "Offered and refused",
    },
)

#: How a warning can be served on the spot (exporting is for documents, not for warnings).
WARNING_SERVICE = (
    ServedHow.HANDED_OVER,
    ServedHow.LEFT_AT_ADDRESS,
    ServedHow.POSTED,
    ServedHow.REFUSED,
)


class ServiceNeed(Vocabulary):
    """The needs a support service meets; a signposting leaflet is built from them."""

    ALCOHOL_DRUGS = "alcohol_drugs"
    HOUSING = "housing"
    MENTAL_HEALTH = "mental_health"
    FOOD = "food"
    BENEFITS = "benefits"
    DOMESTIC_ABUSE = "domestic_abuse"
    VICTIM_SUPPORT = "victim_support"
    YOUTH = "youth"


define_words(
    ServiceNeed,
    {
        ServiceNeed.ALCOHOL_DRUGS: "Alcohol and drugs",
        ServiceNeed.HOUSING: "Housing",
        ServiceNeed.MENTAL_HEALTH: "Mental health",
        ServiceNeed.FOOD: "Food",
        ServiceNeed.BENEFITS: "Benefits and money",
        ServiceNeed.DOMESTIC_ABUSE: "Domestic abuse",
        ServiceNeed.VICTIM_SUPPORT: "Victim support",
        ServiceNeed.YOUTH: "Young people",
    },
)


class Regime(Vocabulary):
    """The data-protection regime a record is processed under."""

    LAW_ENFORCEMENT = "dpa2018_part3"
    UK_GDPR = "uk_gdpr"


define_words(
    Regime,
    {
        Regime.LAW_ENFORCEMENT: "Law enforcement processing (DPA 2018 Part 3)",
        Regime.UK_GDPR: "UK GDPR",
    },
)


class UserRole(Vocabulary):
    """The roles the server gives users, as the app reads them from a sign-in or handshake."""

    OFFICER = "officer"
    HOUSING = "housing"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    #: Information governance: retention, subject access and rights requests, at the server.
    GOVERNANCE = "governance"
    #: Performance reporting: aggregate counts across districts, no case records.
    ANALYST = "analyst"


define_words(
    UserRole,
    {
        UserRole.OFFICER: "Officer",
        UserRole.HOUSING: "Housing officer",
        UserRole.SUPERVISOR: "Supervisor",
        UserRole.ADMIN: "Administrator",
        UserRole.GOVERNANCE: "Information governance",
        UserRole.ANALYST: "Analyst",
    },
)

#: The roles' labels by role (read from the vocabulary's one home).
USER_ROLE_LABELS: Final[dict[UserRole, str]] = {role: role.label for role in UserRole}


class AsbCategory(Vocabulary):
    """The Home Office's three ASB categories: whom the behaviour harms."""

    PERSONAL = "personal"
    NUISANCE = "nuisance"
    ENVIRONMENTAL = "environmental"


define_words(
    AsbCategory,
    {
        AsbCategory.PERSONAL: "Personal",
        AsbCategory.NUISANCE: "Nuisance",
        AsbCategory.ENVIRONMENTAL: "Environmental",
    },
)


class AsbStatus(Vocabulary):
    """Where an ASB case stands; closing it needs an outcome."""

    OPEN = "open"
    MONITORING = "monitoring"
    CLOSED = "closed"


define_words(
    AsbStatus,
    {
        AsbStatus.OPEN: "Open",
        AsbStatus.MONITORING: "Monitoring",
        AsbStatus.CLOSED: "Closed",
    },
)


class LeadAgency(Vocabulary):
    """The partner agency that leads an ASB case."""

    COUNCIL = "council"
    POLICE = "police"
    HOUSING = "housing"
    FIRE = "fire"
    OTHER = "other"


define_words(
    LeadAgency,
    {
        LeadAgency.COUNCIL: "Council",
        LeadAgency.POLICE: "Police",
        LeadAgency.HOUSING: "Housing provider",
        LeadAgency.FIRE: "Fire and rescue",
        LeadAgency.OTHER: "Other agency",
    },
)


class PartyRole(Vocabulary):
    """The part a person plays in an ASB case; one person may play several across cases."""

    COMPLAINANT = "complainant"
    VICTIM = "victim"
    WITNESS = "witness"
    ALLEGED_PERPETRATOR = "alleged_perpetrator"
    OTHER = "other"


define_words(
    PartyRole,
    {
        PartyRole.COMPLAINANT: "Complainant",
        PartyRole.VICTIM: "Victim",
        PartyRole.WITNESS: "Witness",
        PartyRole.ALLEGED_PERPETRATOR: "Alleged perpetrator",
        PartyRole.OTHER: "Other",
    },
)

#: The roles a risk assessment is made for (the matrix assesses the harm done to them).
ASSESSED_ROLES = frozenset({PartyRole.COMPLAINANT, PartyRole.VICTIM})


class RiskBand(Vocabulary):
    """A risk assessment's band, lowest first (the matrix names its bands these ids)."""

    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"


define_words(
    RiskBand,
    {
        RiskBand.STANDARD: "Standard risk",
        RiskBand.MEDIUM: "Medium risk",
        RiskBand.HIGH: "High risk",
    },
)


class ActionStatus(Vocabulary):
    """Where a task on a case's action plan stands."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


define_words(
    ActionStatus,
    {
        ActionStatus.OPEN: "Open",
        ActionStatus.DONE: "Done",
        ActionStatus.CANCELLED: "Cancelled",
    },
)
