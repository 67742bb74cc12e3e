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
    SIGNPOSTING_LEAFLET = "signposting_leaflet"
    EVIDENCE_BUNDLE = "evidence_bundle"
    CLOSURE_NOTICE = "closure_notice"
    MEETING_PACK = "meeting_pack"
    SUBJECT_ACCESS = "subject_access"


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
