"""The partnership's fixed vocabularies: districts, categories, record kinds and states."""

from __future__ import annotations

from enum import StrEnum


class District(StrEnum):
    """The four problem-solving districts every record is filed under."""

    BATLEY_SPEN = "batley_spen"
    DEWSBURY_MIRFIELD = "dewsbury_mirfield"
    HUDDERSFIELD = "huddersfield"
    RURAL = "rural"

    @property
    def label(self) -> str:
        """The district's name as people say it."""
        return _DISTRICT_LABELS[self]


_DISTRICT_LABELS = {
    District.BATLEY_SPEN: "Batley & Spen",
    District.DEWSBURY_MIRFIELD: "Dewsbury & Mirfield",
    District.HUDDERSFIELD: "Huddersfield",
    District.RURAL: "Rural (Kirklees Rural)",
}


class Category(StrEnum):
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


#: Safeguarding categories: a visit that has any of them is restricted automatically.
RESTRICTED_CATEGORIES = frozenset(
    {Category.DOMESTIC_ABUSE, Category.HATE_INCIDENT, Category.CSE_CONCERN}
)


class Sensitivity(StrEnum):
    """Who may see a record: everyone in scope, or only those cleared for safeguarding data."""

    STANDARD = "standard"
    RESTRICTED = "restricted"


class VisitKind(StrEnum):
    PATROL = "patrol"
    TENANCY_VISIT = "tenancy_visit"
    WELFARE_CHECK = "welfare_check"
    JOINT_VISIT = "joint_visit"


class WarningStatus(StrEnum):
    ISSUED = "issued"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"
    #: Prepared offline at a step countersigned before serving (a CPN): not yet served.
    AWAITING_COUNTERSIGNATURE = "awaiting_countersignature"


class RiskMarker(StrEnum):
    """Risks to an officer or to the person themselves, shown wherever the person is added."""

    VIOLENCE = "violence"
    WEAPONS = "weapons"
    LONE_VISIT_RISK = "lone_visit_risk"
    MENTAL_HEALTH = "mental_health"
    SUBSTANCE_USE = "substance_use"
    VULNERABLE_ADULT = "vulnerable_adult"
    CHILD_AT_RISK = "child_at_risk"

    @property
    def label(self) -> str:
        """The marker as it is shown on the profile, the visit form and the warning screen."""
        return _RISK_MARKER_LABELS[self]


_RISK_MARKER_LABELS = {
    RiskMarker.VIOLENCE: "Violence",
    RiskMarker.WEAPONS: "Weapons",
    RiskMarker.LONE_VISIT_RISK: "Do not visit alone",
    RiskMarker.MENTAL_HEALTH: "Mental health",
    RiskMarker.SUBSTANCE_USE: "Substance use",
    RiskMarker.VULNERABLE_ADULT: "Vulnerable adult",
    RiskMarker.CHILD_AT_RISK: "Child at risk",
}


def risk_marker_label(value: str) -> str:
    """A stored marker's label; a value this release does not know is shown as stored."""
    try:
        return RiskMarker(value).label
    except ValueError:
        return value


class SignpostingMethod(StrEnum):
    LEAFLET = "leaflet"
    VERBAL = "verbal"
    REFERRAL = "referral"


class TenancyStatus(StrEnum):
    OPEN = "open"
    MONITORING = "monitoring"
    CLOSURE_IN_PROGRESS = "closure_in_progress"
    CLOSED = "closed"


_TENANCY_STATUS_LABELS = {
    "open": "Open",
    "monitoring": "Monitoring",
    "closure_in_progress": "Closure in progress",
    "closed": "Closed",
}


def tenancy_status_label(value: str) -> str:
    """A tenancy case's status as the case screen says it."""
    return _TENANCY_STATUS_LABELS.get(value, value)


class NoticeServedHow(StrEnum):
    """How a closure notice was served (s79: fixed to the premises and given to people there)."""

    FIXED_TO_PREMISES = "fixed_to_premises"
    GIVEN_TO_OCCUPIER = "given_to_occupier"
    GIVEN_TO_OWNER = "given_to_owner"
    FIXED_AND_GIVEN = "fixed_and_given"

    @property
    def label(self) -> str:
        """How the case screen and the bundle say it."""
        return _NOTICE_SERVED_LABELS[self]


_NOTICE_SERVED_LABELS = {
    NoticeServedHow.FIXED_TO_PREMISES: "Fixed to the entrance of the premises",
    NoticeServedHow.GIVEN_TO_OCCUPIER: "Given to a person living at the premises",
    NoticeServedHow.GIVEN_TO_OWNER: "Given to the owner or landlord",
    NoticeServedHow.FIXED_AND_GIVEN: "Fixed to the premises and given to the people there",
}


class NoteKind(StrEnum):
    VISIT = "visit"
    INCIDENT = "incident"
    EVIDENCE = "evidence"
    SUPPORT = "support"
    LEGAL = "legal"


class ClosureStatus(StrEnum):
    PLANNED = "planned"
    NOTICE_SERVED = "notice_served"
    ADJOURNED = "adjourned"
    ORDER_MADE = "order_made"
    EXTENDED = "extended"
    REFUSED = "refused"
    DISCHARGED = "discharged"
    EXPIRED = "expired"


_CLOSURE_STATUS_LABELS = {
    "planned": "Planned",
    "notice_served": "Notice served",
    "adjourned": "Hearing adjourned",
    "order_made": "Order made",
    "extended": "Order extended",
    "refused": "Order refused",
    "discharged": "Order discharged",
    "expired": "Expired",
}


def closure_status_label(value: str) -> str:
    """A closure's status as the case screen says it."""
    return _CLOSURE_STATUS_LABELS.get(value, value)


class DocumentKind(StrEnum):
    YELLOW_LETTER = "yellow_letter"
    RED_LETTER = "red_letter"
    CPW_LETTER = "cpw_letter"
    #: A Community Protection Notice (ASBCPA 2014 s43): requirements, period, breach, appeal.
    CPN_NOTICE = "cpn_notice"
    SIGNPOSTING_LEAFLET = "signposting_leaflet"
    EVIDENCE_BUNDLE = "evidence_bundle"
    CLOSURE_NOTICE = "closure_notice"
    MEETING_PACK = "meeting_pack"
    SUBJECT_ACCESS = "subject_access"
    #: The letter telling a Community Trigger applicant the review's outcome (ASBCPA 2014 s104).
    COMMUNITY_TRIGGER_OUTCOME = "community_trigger_outcome"


class ReviewDecision(StrEnum):
    """What a supervisor decided about a piece of the team's synced work."""

    APPROVED = "approved"
    RETURNED = "returned"
    COUNTERSIGNED = "countersigned"


class ServedHow(StrEnum):
    HANDED_OVER = "handed_over"
    LEFT_AT_ADDRESS = "left_at_address"
    POSTED = "posted"
    EXPORTED = "exported"
    #: Offered in person and refused: still served (the person was told what it says).
    REFUSED = "refused"

    @property
    def label(self) -> str:
        """How it was served, as the form and the timeline say it."""
        return _SERVED_HOW_LABELS[self]


_SERVED_HOW_LABELS = {
    ServedHow.HANDED_OVER: "Handed over",
    ServedHow.LEFT_AT_ADDRESS: "Left at the address",
    ServedHow.POSTED: "Posted",
    ServedHow.EXPORTED: "Exported",
    ServedHow.REFUSED: "Offered and refused",
}

#: How a warning can be served on the spot (exporting is for documents, not for warnings).
WARNING_SERVICE = (
    ServedHow.HANDED_OVER,
    ServedHow.LEFT_AT_ADDRESS,
    ServedHow.POSTED,
    ServedHow.REFUSED,
)


class ServiceNeed(StrEnum):
    """The needs a support service meets; a signposting leaflet is built from them."""

    ALCOHOL_DRUGS = "alcohol_drugs"
    HOUSING = "housing"
    MENTAL_HEALTH = "mental_health"
    FOOD = "food"
    BENEFITS = "benefits"
    DOMESTIC_ABUSE = "domestic_abuse"
    VICTIM_SUPPORT = "victim_support"
    YOUTH = "youth"


class Regime(StrEnum):
    """The data-protection regime a record is processed under."""

    LAW_ENFORCEMENT = "dpa2018_part3"
    UK_GDPR = "uk_gdpr"
