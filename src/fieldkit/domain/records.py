"""Record types, their fields and validation: the wire format shared by store, sync and import."""

from __future__ import annotations

import math
import re
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Final
from urllib.parse import urlsplit

from fieldkit.domain.community_trigger import TriggerStatus
from fieldkit.domain.evidence import MediaType
from fieldkit.domain.meeting import MeetingStatus
from fieldkit.domain.postcode import normalise_postcode
from fieldkit.domain.referrals import (
    Consent,
    LawfulException,
    PartnerAgency,
    ReferralSource,
    ReferralStatus,
    Urgency,
    referral_problems,
)
from fieldkit.domain.vocabulary import (
    RESTRICTED_CATEGORIES,
    ActionStatus,
    AsbCategory,
    AsbStatus,
    Category,
    ClosureStatus,
    District,
    DocumentKind,
    LeadAgency,
    NoteKind,
    NoticeServedHow,
    PartyRole,
    ReviewDecision,
    RiskBand,
    RiskMarker,
    Sensitivity,
    ServedHow,
    ServiceNeed,
    SignpostingMethod,
    TenancyStatus,
    VisitKind,
    Vocabulary,
    WarningStatus,
    define_words,
    labelled_vocabularies,
    plain_words,
)
from fieldkit.domain.vulnerability import Vulnerability


class RecordType(Vocabulary):
    """Every kind of record Fieldkit keeps; the values are the wire names."""

    PERSON = "person"
    PLACE = "place"
    VISIT = "visit"
    WARNING = "warning"
    SIGNPOSTING = "signposting"
    TENANCY_CASE = "tenancy_case"
    TENANCY_NOTE = "tenancy_note"
    CLOSURE = "closure"
    DOCUMENT = "document"
    SERVICE = "service"
    REVIEW = "review"
    ASB_CASE = "asb_case"
    ASB_PARTY = "asb_party"
    ASB_RISK = "asb_risk_assessment"
    ASB_ACTION = "asb_action"
    COMMUNITY_TRIGGER = "community_trigger"
    MEETING = "meeting"
    REFERRAL = "referral"
    ATTACHMENT = "attachment"


define_words(
    RecordType,
    {
        RecordType.PERSON: "Person",
        RecordType.PLACE: "Place",
        RecordType.VISIT: "Visit",
        RecordType.WARNING: "Warning",
        RecordType.SIGNPOSTING: "Signposting",
        RecordType.TENANCY_CASE: "Tenancy case",
        RecordType.TENANCY_NOTE: "Tenancy note",
        RecordType.CLOSURE: "Closure step",
        RecordType.DOCUMENT: "Document",
        RecordType.SERVICE: "Support service",
        RecordType.REVIEW: "Review decision",
        RecordType.ASB_CASE: "ASB case",
        RecordType.ASB_PARTY: "Party to an ASB case",
        RecordType.ASB_RISK: "Risk assessment",
        RecordType.ASB_ACTION: "ASB case action",
        RecordType.COMMUNITY_TRIGGER: "Community Trigger application",
        RecordType.MEETING: "Problem-solving group meeting",
        RecordType.REFERRAL: "Referral",
        RecordType.ATTACHMENT: "Photo or file",
    },
)

#: Field names that read badly as they are; any other field reads as plain words.
FIELD_WORDS: Final[Mapping[str, str]] = {
    "person_id": "Person",
    "person_ids": "People",
    "merged_into": "Merged into",
    "place_id": "Place",
    "tenant_ids": "Tenants",
    "service_ids": "Services",
    "case_id": "Case",
    "visit_id": "Visit",
    "signposting_id": "Signposting",
    "officer_id": "Recorded by",
    "subject_id": "About record",
    "subject_type": "About",
    "tenancy_ref": "Tenancy reference",
    "sha256": "SHA-256",
    "uprn": "UPRN",
    "lat": "Latitude",
    "lon": "Longitude",
    "dob": "Date of birth",
    "kind": "Kind",
    "served_how": "How it was served",
    "notice_served_how": "How the notice was served",
    "comply_by": "Comply by",
    "review_due": "Review due",
    "reviewed_at": "Reviewed on",
    "risk_notes": "Risk notes",
    "risk_markers": "Risk markers",
    "categories": "Categories",
    "meeting_id": "Meeting",
    "held_on": "Held on",
    "agenda_items": "Agenda",
    "previous_meeting_id": "Previous meeting",
    "owner_type": "Attached to",
    "owner_id": "Attached to record",
    "media_type": "Kind of file",
    "bytes": "Size in bytes",
    "thumbnail_sha256": "Thumbnail SHA-256",
    "original_id": "Edited from",
}


def field_label(name: str) -> str:
    """A record field's name as a form, an editor or an export header says it."""
    return FIELD_WORDS.get(name) or plain_words(name)


#: The team's work a supervisor reviews: what an officer writes in the field.
REVIEWABLE_TYPES: Final = frozenset(
    {
        RecordType.VISIT,
        RecordType.WARNING,
        RecordType.SIGNPOSTING,
        RecordType.TENANCY_NOTE,
        RecordType.CLOSURE,
        RecordType.DOCUMENT,
    }
)

#: The records a photo or file may be attached to (``attachment.owner_type``).
ATTACHMENT_OWNERS: Final = frozenset(
    {
        RecordType.VISIT,
        RecordType.TENANCY_NOTE,
        RecordType.TENANCY_CASE,
        RecordType.ASB_CASE,
        RecordType.WARNING,
        RecordType.PERSON,
    }
)

#: The ASB case and what hangs off it by ``case_id``.
ASB_TYPES: Final = frozenset(
    {RecordType.ASB_CASE, RecordType.ASB_PARTY, RecordType.ASB_RISK, RecordType.ASB_ACTION}
)


class FieldKind(StrEnum):
    """How a field's value is checked and normalised."""

    TEXT = "text"
    TEXT_LIST = "text_list"
    CHOICE = "choice"
    CHOICE_LIST = "choice_list"
    ID = "id"
    ID_LIST = "id_list"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    POSTCODE = "postcode"
    URL = "url"
    SHA256 = "sha256"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a record type.

    Attributes:
        name: the wire name.
        kind: how the value is checked.
        required: a value (not null, not empty) must be given.
        choices: allowed values for CHOICE and CHOICE_LIST fields.
        max_length: longest text (per item for lists).
        low, high: inclusive numeric range for INT and FLOAT fields (both required for them:
            every number is range-checked before any arithmetic is done with it).
        default: value used when the field is absent (lists default to empty).
    """

    name: str
    kind: FieldKind
    required: bool = False
    choices: frozenset[str] = frozenset()
    max_length: int = 200
    low: float | None = None
    high: float | None = None
    default: object = None
    #: A list of values (TEXT_LIST, CHOICE_LIST, ID_LIST): worked out once, as every record
    #: checked asks it of every field.
    is_list: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        numeric = self.kind in (FieldKind.INT, FieldKind.FLOAT)
        if numeric and (self.low is None or self.high is None):
            raise TypeError(f"numeric field {self.name} needs both low and high bounds")
        listed = self.kind in (FieldKind.TEXT_LIST, FieldKind.CHOICE_LIST, FieldKind.ID_LIST)
        object.__setattr__(self, "is_list", listed)


@dataclass(frozen=True)
class RecordSpec:
    """A record type: its fields and scoping (retention and regime: ``domain.retention``)."""

    type: RecordType
    fields: tuple[FieldSpec, ...]
    #: Append-only in practice: edits never conflict (notes, visits, warnings, documents).
    append_only: bool = False
    #: Text fields that feed the full-text search index.
    searchable: tuple[str, ...] = ()
    by_name: Mapping[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    @property
    def has_sensitivity(self) -> bool:
        return "sensitivity" in self.by_name

    @property
    def scoped_by_districts(self) -> bool:
        """Reference data (services) is scoped by a list of districts, not one."""
        return "district" not in self.by_name


def _choices(enum: type[StrEnum]) -> frozenset[str]:
    return frozenset(e.value for e in enum)


_DISTRICTS = _choices(District)
_LONG = 20_000


def _district() -> FieldSpec:
    return FieldSpec("district", FieldKind.CHOICE, required=True, choices=_DISTRICTS)


def _vulnerability_check() -> tuple[FieldSpec, ...]:
    # Asked before escalating against a person (domain/vulnerability.py): kept on the step.
    return (
        FieldSpec("vulnerability_considered", FieldKind.BOOL),
        FieldSpec("vulnerabilities", FieldKind.CHOICE_LIST, choices=_choices(Vulnerability)),
        FieldSpec("safeguarding_referral", FieldKind.BOOL),
        FieldSpec("no_referral_reason", FieldKind.TEXT, max_length=2000),
    )


def _sensitivity() -> FieldSpec:
    return FieldSpec(
        "sensitivity", FieldKind.CHOICE, choices=_choices(Sensitivity), default="standard"
    )


SPECS: Final[Mapping[RecordType, RecordSpec]] = {
    spec.type: spec
    for spec in (
        RecordSpec(
            RecordType.PERSON,
            (
                FieldSpec("given_name", FieldKind.TEXT),
                FieldSpec("family_name", FieldKind.TEXT),
                FieldSpec("aliases", FieldKind.TEXT_LIST),
                FieldSpec("date_of_birth", FieldKind.DATE),
                FieldSpec("description", FieldKind.TEXT, max_length=2000),
                FieldSpec("flags", FieldKind.TEXT_LIST, max_length=100),
                FieldSpec("risk_markers", FieldKind.CHOICE_LIST, choices=_choices(RiskMarker)),
                FieldSpec("risk_notes", FieldKind.TEXT, max_length=1000),
                _district(),
                # Set by a supervisor's merge: this record is a duplicate of that person, whose
                # record now carries the links (see domain/person_merge.py). Kept, not erased.
                FieldSpec("merged_into", FieldKind.ID),
            ),
            searchable=("given_name", "family_name", "aliases", "description"),
        ),
        RecordSpec(
            RecordType.PLACE,
            (
                FieldSpec("label", FieldKind.TEXT, required=True),
                FieldSpec("address", FieldKind.TEXT, max_length=500),
                FieldSpec("postcode", FieldKind.POSTCODE),
                FieldSpec("uprn", FieldKind.TEXT, max_length=12),
                _district(),
                FieldSpec("lat", FieldKind.FLOAT, low=-90, high=90),
                FieldSpec("lon", FieldKind.FLOAT, low=-180, high=180),
            ),
            searchable=("label", "address", "postcode"),
        ),
        RecordSpec(
            RecordType.VISIT,
            (
                FieldSpec("occurred_at", FieldKind.DATETIME, required=True),
                FieldSpec("place_id", FieldKind.ID),
                _district(),
                FieldSpec("kind", FieldKind.CHOICE, required=True, choices=_choices(VisitKind)),
                FieldSpec("categories", FieldKind.CHOICE_LIST, choices=_choices(Category)),
                FieldSpec("person_ids", FieldKind.ID_LIST),
                FieldSpec("narrative", FieldKind.TEXT, max_length=_LONG),
                FieldSpec("actions", FieldKind.TEXT_LIST, max_length=500),
                FieldSpec("officer_id", FieldKind.TEXT, required=True, max_length=100),
                FieldSpec("follow_up_due", FieldKind.DATE),
                _sensitivity(),
            ),
            append_only=True,
            searchable=("narrative",),
        ),
        RecordSpec(
            RecordType.WARNING,
            (
                FieldSpec("person_id", FieldKind.ID, required=True),
                FieldSpec("scheme", FieldKind.TEXT, required=True, max_length=64),
                FieldSpec("level", FieldKind.TEXT, required=True, max_length=32),
                FieldSpec("issued_at", FieldKind.DATETIME, required=True),
                FieldSpec("place_id", FieldKind.ID),
                _district(),
                FieldSpec("behaviour", FieldKind.TEXT, required=True, max_length=4000),
                FieldSpec("conditions", FieldKind.TEXT, max_length=4000),
                FieldSpec("expires_at", FieldKind.DATETIME),
                FieldSpec(
                    "status", FieldKind.CHOICE, choices=_choices(WarningStatus), default="issued"
                ),
                FieldSpec("visit_id", FieldKind.ID),
                FieldSpec("signposting_id", FieldKind.ID),
                FieldSpec("occurred_at", FieldKind.DATETIME),
                FieldSpec("place_label", FieldKind.TEXT, max_length=300),
                FieldSpec("served_how", FieldKind.CHOICE, choices=_choices(ServedHow)),
                FieldSpec("served_at", FieldKind.DATETIME),
                FieldSpec("comply_by", FieldKind.DATE),
                FieldSpec("period_ends", FieldKind.DATE),
                FieldSpec("withdrawn_at", FieldKind.DATETIME),
                FieldSpec("withdrawn_by", FieldKind.TEXT, max_length=100),
                FieldSpec("withdrawal_reason", FieldKind.TEXT, max_length=2000),
                FieldSpec("review_due", FieldKind.DATE),
                FieldSpec("reviewed_at", FieldKind.DATETIME),
                *_vulnerability_check(),
            ),
            append_only=True,
        ),
        RecordSpec(
            RecordType.SIGNPOSTING,
            (
                FieldSpec("person_id", FieldKind.ID, required=True),
                FieldSpec("service_ids", FieldKind.ID_LIST),
                FieldSpec("consent_to_referral", FieldKind.BOOL, default=False),
                FieldSpec("given_at", FieldKind.DATETIME, required=True),
                FieldSpec(
                    "method", FieldKind.CHOICE, required=True, choices=_choices(SignpostingMethod)
                ),
                FieldSpec("visit_id", FieldKind.ID),
                _district(),
            ),
        ),
        RecordSpec(
            RecordType.TENANCY_CASE,
            (
                FieldSpec("place_id", FieldKind.ID, required=True),
                FieldSpec("tenant_ids", FieldKind.ID_LIST),
                FieldSpec("landlord", FieldKind.TEXT),
                FieldSpec("tenancy_ref", FieldKind.TEXT, max_length=64),
                _district(),
                FieldSpec(
                    "status", FieldKind.CHOICE, choices=_choices(TenancyStatus), default="open"
                ),
                FieldSpec("vulnerability", FieldKind.TEXT_LIST),
                _sensitivity(),
                FieldSpec("agencies", FieldKind.TEXT_LIST),
                FieldSpec("outcome", FieldKind.TEXT, max_length=2000),
                FieldSpec("closed_at", FieldKind.DATETIME),
            ),
            searchable=("tenancy_ref", "landlord"),
        ),
        RecordSpec(
            RecordType.TENANCY_NOTE,
            (
                FieldSpec("case_id", FieldKind.ID, required=True),
                FieldSpec("written_at", FieldKind.DATETIME, required=True),
                FieldSpec("kind", FieldKind.CHOICE, required=True, choices=_choices(NoteKind)),
                FieldSpec("body", FieldKind.TEXT, required=True, max_length=_LONG),
                _district(),
                _sensitivity(),
            ),
            append_only=True,
            searchable=("body",),
        ),
        RecordSpec(
            RecordType.CLOSURE,
            (
                FieldSpec("case_id", FieldKind.ID, required=True),
                _district(),
                FieldSpec("notice_served_at", FieldKind.DATETIME),
                FieldSpec("notice_hours", FieldKind.INT, low=24, high=48, default=24),
                FieldSpec("hearing_at", FieldKind.DATETIME),
                FieldSpec("order_made_at", FieldKind.DATETIME),
                FieldSpec("order_months", FieldKind.INT, low=1, high=3),
                FieldSpec("extended_until", FieldKind.DATE),
                FieldSpec(
                    "status", FieldKind.CHOICE, choices=_choices(ClosureStatus), default="planned"
                ),
                # What the Act needs of each step (s76-s84): who authorised the notice and in
                # what rank, how and on whom it was served, where the hearing is, the order's
                # terms, and when it was discharged or appealed.
                FieldSpec("authorised_by", FieldKind.TEXT, max_length=200),
                FieldSpec("authorised_rank", FieldKind.TEXT, max_length=200),
                FieldSpec("notice_served_how", FieldKind.CHOICE, choices=_choices(NoticeServedHow)),
                FieldSpec("notice_served_on", FieldKind.TEXT, max_length=500),
                FieldSpec("notice_permits", FieldKind.TEXT, max_length=2000),
                FieldSpec("court", FieldKind.TEXT, max_length=200),
                FieldSpec("first_hearing_at", FieldKind.DATETIME),
                FieldSpec("order_permits", FieldKind.TEXT, max_length=2000),
                FieldSpec("order_areas", FieldKind.TEXT, max_length=2000),
                FieldSpec("discharged_at", FieldKind.DATETIME),
                FieldSpec("appealed_at", FieldKind.DATETIME),
                *_vulnerability_check(),
            ),
        ),
        RecordSpec(
            RecordType.DOCUMENT,
            (
                FieldSpec("kind", FieldKind.CHOICE, required=True, choices=_choices(DocumentKind)),
                FieldSpec(
                    "subject_type", FieldKind.CHOICE, required=True, choices=_choices(RecordType)
                ),
                FieldSpec("subject_id", FieldKind.ID, required=True),
                FieldSpec("template_id", FieldKind.TEXT, required=True, max_length=100),
                FieldSpec("template_version", FieldKind.TEXT, required=True, max_length=32),
                FieldSpec("language", FieldKind.TEXT, required=True, max_length=16),
                FieldSpec("sha256", FieldKind.SHA256, required=True),
                FieldSpec("printed_at", FieldKind.DATETIME, required=True),
                FieldSpec(
                    "served_how", FieldKind.CHOICE, required=True, choices=_choices(ServedHow)
                ),
                _district(),
            ),
            append_only=True,
        ),
        RecordSpec(
            RecordType.SERVICE,
            (
                FieldSpec("name", FieldKind.TEXT, required=True),
                FieldSpec("categories", FieldKind.CHOICE_LIST, choices=_choices(ServiceNeed)),
                FieldSpec("description", FieldKind.TEXT, max_length=2000),
                FieldSpec("phone", FieldKind.TEXT, max_length=40),
                FieldSpec("address", FieldKind.TEXT, max_length=500),
                FieldSpec("opening_hours", FieldKind.TEXT, max_length=500),
                FieldSpec("website", FieldKind.URL, max_length=500),
                FieldSpec("districts", FieldKind.CHOICE_LIST, choices=_DISTRICTS),
            ),
            searchable=("name", "description"),
        ),
        RecordSpec(
            RecordType.REVIEW,
            (
                FieldSpec(
                    "subject_type",
                    FieldKind.CHOICE,
                    required=True,
                    choices=frozenset(t.value for t in REVIEWABLE_TYPES),
                ),
                FieldSpec("subject_id", FieldKind.ID, required=True),
                FieldSpec(
                    "decision", FieldKind.CHOICE, required=True, choices=_choices(ReviewDecision)
                ),
                FieldSpec("comment", FieldKind.TEXT, max_length=2000),
                FieldSpec("decided_at", FieldKind.DATETIME, required=True),
                FieldSpec("reviewer", FieldKind.TEXT, required=True, max_length=100),
                FieldSpec("officer", FieldKind.TEXT, max_length=100),
                _district(),
                # Restricted when the work is (safeguarding) or is housing's own (tenancy):
                # then only supervisors, safeguarding staff and the officer named see it.
                _sensitivity(),
            ),
            append_only=True,
        ),
        RecordSpec(
            RecordType.ASB_CASE,
            (
                # Readable and unique across laptops without asking the server: see
                # domain/asb.py, `case_reference`.
                FieldSpec("reference", FieldKind.TEXT, required=True, max_length=32),
                FieldSpec("title", FieldKind.TEXT, required=True, max_length=200),
                FieldSpec(
                    "category", FieldKind.CHOICE, required=True, choices=_choices(AsbCategory)
                ),
                FieldSpec("local_categories", FieldKind.CHOICE_LIST, choices=_choices(Category)),
                _district(),
                FieldSpec("place_ids", FieldKind.ID_LIST),
                FieldSpec("owner", FieldKind.TEXT, required=True, max_length=100),
                FieldSpec(
                    "lead_agency", FieldKind.CHOICE, choices=_choices(LeadAgency), default="council"
                ),
                FieldSpec("status", FieldKind.CHOICE, choices=_choices(AsbStatus), default="open"),
                FieldSpec("outcome", FieldKind.TEXT, max_length=2000),
                FieldSpec("opened_on", FieldKind.DATE, required=True),
                FieldSpec("closed_on", FieldKind.DATE),
                FieldSpec("next_review_on", FieldKind.DATE),
                FieldSpec("visit_ids", FieldKind.ID_LIST),
                FieldSpec("warning_ids", FieldKind.ID_LIST),
                FieldSpec("signposting_ids", FieldKind.ID_LIST),
                FieldSpec("tenancy_case_ids", FieldKind.ID_LIST),
                FieldSpec("summary", FieldKind.TEXT, max_length=_LONG),
                _sensitivity(),
            ),
            searchable=("reference", "title", "summary"),
        ),
        RecordSpec(
            RecordType.ASB_PARTY,
            (
                FieldSpec("case_id", FieldKind.ID, required=True),
                FieldSpec("person_id", FieldKind.ID, required=True),
                FieldSpec("role", FieldKind.CHOICE, required=True, choices=_choices(PartyRole)),
                FieldSpec("agency_contacts", FieldKind.TEXT_LIST, max_length=300),
                FieldSpec("added_on", FieldKind.DATE),
                _district(),
                _sensitivity(),
            ),
        ),
        RecordSpec(
            RecordType.ASB_RISK,
            (
                FieldSpec("case_id", FieldKind.ID, required=True),
                FieldSpec("person_id", FieldKind.ID, required=True),
                FieldSpec("matrix_id", FieldKind.TEXT, required=True, max_length=64),
                FieldSpec("matrix_version", FieldKind.INT, required=True, low=1, high=10_000),
                # "question_id=answer_id" pairs: the matrix gives them their words and scores.
                FieldSpec("answers", FieldKind.TEXT_LIST, max_length=200),
                FieldSpec("score", FieldKind.INT, required=True, low=0, high=100_000),
                FieldSpec("band", FieldKind.CHOICE, required=True, choices=_choices(RiskBand)),
                FieldSpec("assessed_at", FieldKind.DATETIME, required=True),
                FieldSpec("assessed_by", FieldKind.TEXT, required=True, max_length=100),
                FieldSpec("reassess_by", FieldKind.DATE),
                FieldSpec("notes", FieldKind.TEXT, max_length=4000),
                _district(),
                _sensitivity(),
            ),
            append_only=True,
        ),
        RecordSpec(
            RecordType.ASB_ACTION,
            (
                # On a case's action plan, or decided at a problem-solving group meeting (or
                # both): at least one of the two (see `_asb_errors`).
                FieldSpec("case_id", FieldKind.ID),
                FieldSpec("what", FieldKind.TEXT, required=True, max_length=1000),
                # A user name (the action is addressed to them) or an agency, or both.
                FieldSpec("assignee", FieldKind.TEXT, max_length=100),
                FieldSpec("agency", FieldKind.TEXT, max_length=200),
                FieldSpec("due_on", FieldKind.DATE),
                FieldSpec(
                    "status", FieldKind.CHOICE, choices=_choices(ActionStatus), default="open"
                ),
                FieldSpec("outcome", FieldKind.TEXT, max_length=2000),
                # The case's header, copied so that the assignee's Today names the case even
                # where they may not see the case itself (a restricted case they did not write).
                FieldSpec("case_reference", FieldKind.TEXT, max_length=32),
                FieldSpec("case_title", FieldKind.TEXT, max_length=200),
                _district(),
                _sensitivity(),
                FieldSpec("meeting_id", FieldKind.ID),
                # The decision it carries out, copied from the meeting so that the assignee's
                # Today says why, though only supervisors see the meeting itself.
                FieldSpec("decision", FieldKind.TEXT, max_length=2000),
            ),
        ),
        RecordSpec(
            RecordType.COMMUNITY_TRIGGER,
            (
                # The application (s104 ASBCPA 2014): who asked, when, and what they reported.
                FieldSpec("applicant_id", FieldKind.ID, required=True),
                FieldSpec("received_on", FieldKind.DATE, required=True),
                FieldSpec("account", FieldKind.TEXT, required=True, max_length=_LONG),
                FieldSpec("visit_ids", FieldKind.ID_LIST),
                # The ASB case the application is about, when there is one.
                FieldSpec("case_id", FieldKind.ID),
                _district(),
                FieldSpec("owner", FieldKind.TEXT, required=True, max_length=100),
                FieldSpec(
                    "status", FieldKind.CHOICE, choices=_choices(TriggerStatus), default="received"
                ),
                # The threshold result and the decision-due day as decided on the owner's laptop,
                # so every laptop shows the same (the bank-holiday list may differ between them).
                FieldSpec("threshold_met", FieldKind.BOOL),
                FieldSpec("threshold_reason", FieldKind.TEXT, max_length=500),
                FieldSpec("decision_due", FieldKind.DATE),
                FieldSpec("decided_on", FieldKind.DATE),
                FieldSpec("meeting_at", FieldKind.DATETIME),
                FieldSpec("attendees", FieldKind.TEXT_LIST),
                FieldSpec("recommendations", FieldKind.TEXT_LIST, max_length=2000),
                FieldSpec("outcome", FieldKind.TEXT, max_length=4000),
                FieldSpec("outcome_sent_at", FieldKind.DATETIME),
                _sensitivity(),
            ),
        ),
        RecordSpec(
            RecordType.MEETING,
            (
                # A district problem-solving group meeting (domain/meeting.py): who came for
                # which agency, the agenda it worked from, what it decided. Its actions are
                # `asb_action` records carrying its id.
                _district(),
                FieldSpec("held_on", FieldKind.DATE, required=True),
                FieldSpec("chair", FieldKind.TEXT, required=True, max_length=100),
                # "name | agency" each (domain/meeting.py, `attendee_item`).
                FieldSpec("attendees", FieldKind.TEXT_LIST, max_length=300),
                FieldSpec("agenda_items", FieldKind.TEXT_LIST, max_length=500),
                FieldSpec("decisions", FieldKind.TEXT_LIST, max_length=2000),
                FieldSpec(
                    "status", FieldKind.CHOICE, choices=_choices(MeetingStatus), default="planned"
                ),
                # The meeting before in the district, whose open actions this one took up.
                FieldSpec("previous_meeting_id", FieldKind.ID),
                _sensitivity(),
            ),
        ),
        RecordSpec(
            RecordType.REFERRAL,
            (
                FieldSpec(
                    "source_type", FieldKind.CHOICE, required=True, choices=_choices(ReferralSource)
                ),
                FieldSpec("source_id", FieldKind.ID, required=True),
                FieldSpec("person_id", FieldKind.ID, required=True),
                _district(),
                FieldSpec("to_agency", FieldKind.CHOICE, choices=_choices(PartnerAgency)),
                FieldSpec("to_service_id", FieldKind.ID),
                FieldSpec("reason", FieldKind.TEXT, required=True, max_length=4000),
                FieldSpec(
                    "urgency", FieldKind.CHOICE, choices=_choices(Urgency), default="routine"
                ),
                FieldSpec("consent", FieldKind.CHOICE, required=True, choices=_choices(Consent)),
                FieldSpec("lawful_exception", FieldKind.CHOICE, choices=_choices(LawfulException)),
                FieldSpec("referred_by", FieldKind.TEXT, required=True, max_length=100),
                FieldSpec("sent_at", FieldKind.DATETIME, required=True),
                FieldSpec("respond_by", FieldKind.DATE),
                FieldSpec(
                    "status", FieldKind.CHOICE, choices=_choices(ReferralStatus), default="sent"
                ),
                FieldSpec("decline_reason", FieldKind.TEXT, max_length=2000),
                FieldSpec("outcome", FieldKind.TEXT, max_length=4000),
                FieldSpec("responded_at", FieldKind.DATETIME),
            ),
            searchable=("reason",),
        ),
        RecordSpec(
            RecordType.ATTACHMENT,
            (
                # What the file belongs to; its district and sensitivity are copied from that
                # record when it is attached, so it is scoped (and synced) as its owner is.
                FieldSpec(
                    "owner_type",
                    FieldKind.CHOICE,
                    required=True,
                    choices=frozenset(t.value for t in ATTACHMENT_OWNERS),
                ),
                FieldSpec("owner_id", FieldKind.ID, required=True),
                # The stored bytes' SHA-256, computed at capture; the file is never changed.
                FieldSpec("sha256", FieldKind.SHA256, required=True),
                FieldSpec(
                    "media_type", FieldKind.CHOICE, required=True, choices=_choices(MediaType)
                ),
                FieldSpec("bytes", FieldKind.INT, required=True, low=1, high=2**40),
                FieldSpec("thumbnail_sha256", FieldKind.SHA256),
                FieldSpec("caption", FieldKind.TEXT, max_length=2000),
                FieldSpec("captured_by", FieldKind.TEXT, required=True, max_length=100),
                FieldSpec("captured_at", FieldKind.DATETIME, required=True),
                # An edited image is a new attachment naming the one it was made from.
                FieldSpec("original_id", FieldKind.ID),
                _district(),
                _sensitivity(),
            ),
            append_only=True,
        ),
    )
}


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with a record: which field, and why. Never holds the offending value."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class ValidationError(ValueError):
    """A record is not valid; `errors` names every field that is wrong and why."""

    def __init__(self, errors: list[FieldError] | tuple[FieldError, ...]) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


def record_spec(record_type: str) -> RecordSpec:
    """The spec for a wire type name.

    Raises:
        ValidationError: the type is not one Fieldkit knows.
    """
    try:
        return _SPECS_BY_NAME[record_type]
    except (KeyError, TypeError):  # TypeError: a value no type name could be (a list, ...)
        raise ValidationError([FieldError("type", "unknown record type")]) from None


#: Each spec by its wire type name: a dict lookup, where building the enum member first cost
#: as much as checking a short field (every record validated asks).
_SPECS_BY_NAME: Final[Mapping[str, RecordSpec]] = {t.value: spec for t, spec in SPECS.items()}


def new_id() -> str:
    """A fresh record id."""
    return str(uuid.uuid4())


def new_ordered_id(millis: int) -> str:
    """A fresh UUID whose leading bits are a millisecond timestamp (RFC 9562 version 7).

    Journal entries (changes, audit events) get these: their unique indexes then grow at the
    end instead of at random pages, which keeps bulk writes to an encrypted database fast.
    """
    return _ordered_id(millis, secrets.randbits(80))


def new_ordered_ids(millis: Sequence[int]) -> list[str]:
    """`new_ordered_id` for each of many timestamps, reading the system's randomness once.

    For bulk writes (an import's outbox and audit entries): one read of 10 random bytes per
    id was a few percent of an import.
    """
    pool = secrets.token_bytes(10 * len(millis))
    return [
        _ordered_id(ms, int.from_bytes(pool[10 * i : 10 * i + 10], "big"))
        for i, ms in enumerate(millis)
    ]


def _ordered_id(millis: int, random80: int) -> str:
    value = (millis & ((1 << 48) - 1)) << 80 | random80
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    h = f"{value:032x}"  # str(uuid.UUID(int=value)), without building the object
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def normalise_id(value: object) -> str:
    """A canonical lower-case UUID string.

    Raises:
        ValueError: not a UUID.
    """
    if not isinstance(value, str):
        raise ValueError("must be a UUID string")
    if _CANONICAL_UUID.fullmatch(value):
        # Already canonical (nearly every id): building a UUID object for it was a tenth of
        # an import's CPU.
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError("must be a UUID") from None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# JSON can spell half of a UTF-16 pair ("\\ud800") on its own; such text is not Unicode, and no
# database or file can store it.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: Either of the two above, so that good text (nearly all of it) is searched once, not twice.
_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

#: The earliest and latest dates and times Fieldkit accepts. Anything outside is a typing slip
#: or an attack; the range also keeps every conversion to UTC (offsets up to ±23:59) from
#: overflowing the calendar.
EARLIEST: Final = date(1900, 1, 1)
LATEST: Final = date(2200, 12, 31)
EARLIEST_AT: Final = datetime.combine(EARLIEST, time.min, UTC)
LATEST_AT: Final = datetime.combine(LATEST, time.max, UTC)
_RANGE_TEXT: Final = f"must be between {EARLIEST.year} and {LATEST.year}"


def _text(value: object, spec: FieldSpec) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    text = value.strip()
    if _BAD_TEXT.search(text):
        if _CONTROL.search(text):
            raise ValueError("contains control characters")
        raise ValueError("contains an unpaired surrogate (not valid Unicode)")
    if len(text) > spec.max_length:
        raise ValueError(f"longer than {spec.max_length} characters")
    return text


def _datetime(value: object, _spec: FieldSpec) -> str:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date and time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("must be an ISO 8601 date and time") from None
    if parsed.tzinfo is None:
        raise ValueError("must include a UTC offset")
    # Compared before converting: comparing aware times cannot overflow, converting can.
    if not EARLIEST_AT <= parsed <= LATEST_AT:
        raise ValueError(_RANGE_TEXT)
    return parsed.astimezone(UTC).isoformat(timespec="seconds")


def _date(value: object, _spec: FieldSpec) -> str:
    # [0-9], not \d: \d also matches other scripts' digits.
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a real date") from None
    if not EARLIEST <= parsed <= LATEST:
        raise ValueError(_RANGE_TEXT)
    return parsed.isoformat()


def _choice(value: object, spec: FieldSpec) -> str:
    if not isinstance(value, str) or value not in spec.choices:
        raise ValueError("must be one of " + ", ".join(sorted(spec.choices)))
    return value


def _bool(value: object, _spec: FieldSpec) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _number(value: object, spec: FieldSpec) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a number")
    # FieldSpec insists on both bounds for numbers.
    low = spec.low if spec.low is not None else -math.inf
    high = spec.high if spec.high is not None else math.inf
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    # The range check comes first and compares the value as given: Python compares ints and
    # floats exactly, whereas float() of a 400-digit integer overflows.
    if not low <= value <= high:
        raise ValueError(f"must be between {low:g} and {high:g}")
    if spec.kind is FieldKind.INT:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("must be a whole number")
        return int(value)
    return float(value) + 0.0  # + 0.0 makes -0.0 plain 0.0


def _postcode(value: object, _spec: FieldSpec) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return normalise_postcode(value)


def _url(value: object, spec: FieldSpec) -> str:
    text = _text(value, spec)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        raise ValueError("must be an http or https web address")
    return text


def _sha256(value: object, _spec: FieldSpec) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        raise ValueError("must be 64 hexadecimal digits")
    return value.lower()


def _id(value: object, _spec: FieldSpec) -> str:
    return normalise_id(value)


_SCALAR: Mapping[FieldKind, Callable[[object, FieldSpec], object]] = {
    FieldKind.TEXT: _text,
    FieldKind.TEXT_LIST: _text,
    FieldKind.CHOICE: _choice,
    FieldKind.CHOICE_LIST: _choice,
    FieldKind.ID: _id,
    FieldKind.ID_LIST: _id,
    FieldKind.DATE: _date,
    FieldKind.DATETIME: _datetime,
    FieldKind.BOOL: _bool,
    FieldKind.INT: _number,
    FieldKind.FLOAT: _number,
    FieldKind.POSTCODE: _postcode,
    FieldKind.URL: _url,
    FieldKind.SHA256: _sha256,
}

_MAX_ITEMS = 200


def _checked(
    spec: FieldSpec, value: object, check: Callable[[object, FieldSpec], object], is_list: bool
) -> object:
    if is_list:
        if not isinstance(value, list):
            raise ValueError("must be a list")
        if len(value) > _MAX_ITEMS:
            raise ValueError(f"more than {_MAX_ITEMS} items")
        items: list[object] = []
        for position, item in enumerate(value, start=1):
            try:
                normalised = check(item, spec)
            except ValueError as exc:
                raise ValueError(f"item {position} {exc}") from None
            if normalised != "" and normalised not in items:
                items.append(normalised)
        return items
    if value is None or value == "":
        return None
    return check(value, spec)


#: A field's check, worked out once per record type: (spec, name, default, is list, required,
#: the value's check). Validation runs for every record pushed, saved and imported.
_Step = tuple[FieldSpec, str, object, bool, bool, Callable[[object, FieldSpec], object]]
_STEPS: dict[RecordType, tuple[_Step, ...]] = {}


def _steps(spec: RecordSpec) -> tuple[_Step, ...]:
    steps = _STEPS.get(spec.type)
    if steps is None:
        steps = _STEPS[spec.type] = tuple(
            (f, f.name, f.default, f.is_list, f.required, _SCALAR[f.kind]) for f in spec.fields
        )
    return steps


def validate_fields(
    record_type: str, fields: Mapping[str, object], *, today: date | None = None
) -> dict[str, object]:
    """Check a whole record's fields and return them normalised, every field present.

    Absent fields take their defaults; text is trimmed; datetimes become UTC ISO 8601; postcodes
    are normalised; a visit with a safeguarding category becomes restricted.

    Args:
        record_type: the wire type name.
        fields: the record's fields, as on the wire.
        today: the caller's date, to refuse dates of birth in the future (unchecked if None).

    Returns:
        The normalised fields, in spec order.

    Raises:
        ValidationError: naming every field that is wrong and why.
    """
    spec = record_spec(record_type)
    by_name = spec.by_name
    errors = (
        []
        if by_name.keys() >= fields.keys()
        else [_unknown_field(name) for name in fields if name not in by_name]
    )
    out: dict[str, object] = {}
    for fspec, name, default, is_list, required, check in _steps(spec):
        raw = fields.get(name, default)
        if raw is None and is_list:
            raw = []
        try:
            # An absent or empty single value is None, unchecked (most fields of most records).
            value = (
                None
                if not is_list and (raw is None or raw == "")
                else _checked(fspec, raw, check, is_list)
            )
        except ValueError as exc:
            errors.append(FieldError(name, str(exc)))
            continue
        except ArithmeticError:
            # A value so extreme that a check overflowed: still the sender's fault, not ours.
            errors.append(FieldError(name, "is out of range"))
            continue
        if required and (value is None or value == []):
            errors.append(FieldError(name, "is required"))
            continue
        out[name] = value
    if not errors:
        errors.extend(_cross_field_errors(spec.type, out, today))
    if errors:
        raise ValidationError(errors)
    if spec.type is RecordType.VISIT:
        out["sensitivity"] = visit_sensitivity(out)
    return out


_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def _unknown_field(name: object) -> FieldError:
    # A name that could be a field's is echoed so the sender can fix it; anything else (long
    # text, control characters) could be data put in the wrong place, and is not repeated.
    if isinstance(name, str) and _FIELD_NAME.fullmatch(name):
        return FieldError(name, "unknown field")
    return FieldError("fields", "has a field name that is not one of this record type's")


def visit_sensitivity(fields: Mapping[str, object]) -> str:
    """A visit is restricted if marked so or if any of its categories is a safeguarding one."""
    categories = fields.get("categories") or []
    assert isinstance(categories, list)
    # isdisjoint: one C loop, where a generator over the categories cost 1% of an import.
    if fields.get("sensitivity") == Sensitivity.RESTRICTED or not RESTRICTED_CATEGORIES.isdisjoint(
        categories
    ):
        return Sensitivity.RESTRICTED.value
    return Sensitivity.STANDARD.value


def _cross_field_errors(
    record_type: RecordType, f: Mapping[str, object], today: date | None
) -> list[FieldError]:
    errors: list[FieldError] = []
    if record_type is RecordType.PERSON and not (
        f.get("given_name") or f.get("family_name") or f.get("description")
    ):
        errors.append(FieldError("given_name", "a name or a description is required"))
    if record_type is RecordType.PLACE and (f.get("lat") is None) != (f.get("lon") is None):
        errors.append(FieldError("lon", "latitude and longitude go together"))
    if record_type is RecordType.PLACE and f.get("uprn") and not str(f["uprn"]).isdigit():
        errors.append(FieldError("uprn", "must be digits only"))
    if record_type is RecordType.CLOSURE and f.get("notice_hours") not in (24, 48):
        errors.append(FieldError("notice_hours", "must be 24 or 48"))
    if (
        record_type is RecordType.PERSON
        and str(f.get("date_of_birth") or "") > (today or date.max).isoformat()
    ):
        errors.append(FieldError("date_of_birth", "is in the future"))
    if (
        record_type is RecordType.REVIEW
        and f.get("decision") == ReviewDecision.RETURNED
        and not f.get("comment")
    ):
        errors.append(FieldError("comment", "say what needs changing when returning work"))
    errors.extend(_asb_errors(record_type, f))
    if record_type is RecordType.REFERRAL:
        errors.extend(FieldError(name, reason) for name, reason in referral_problems(f))
    if record_type is RecordType.WARNING:
        issued, expires = f.get("issued_at"), f.get("expires_at")
        if isinstance(issued, str) and isinstance(expires, str) and expires <= issued:
            errors.append(FieldError("expires_at", "must be after issued_at"))
    return errors


def _asb_errors(record_type: RecordType, f: Mapping[str, object]) -> list[FieldError]:
    errors: list[FieldError] = []
    if record_type is RecordType.ASB_CASE:
        if f.get("status") == AsbStatus.CLOSED and not f.get("outcome"):
            errors.append(FieldError("outcome", "say how the case ended when closing it"))
        if f.get("status") == AsbStatus.CLOSED and not f.get("closed_on"):
            errors.append(FieldError("closed_on", "a closed case needs the date it closed"))
        opened, closed = f.get("opened_on"), f.get("closed_on")
        if isinstance(opened, str) and isinstance(closed, str) and closed < opened:
            errors.append(FieldError("closed_on", "must not be before opened_on"))
    if record_type is RecordType.ASB_ACTION and not (f.get("assignee") or f.get("agency")):
        errors.append(FieldError("assignee", "assign the action to a user or an agency"))
    if record_type is RecordType.ASB_ACTION and not (f.get("case_id") or f.get("meeting_id")):
        errors.append(FieldError("case_id", "an action belongs to a case or a meeting"))
    if (
        record_type is RecordType.MEETING
        and f.get("status") == MeetingStatus.HELD
        and not f.get("attendees")
    ):
        errors.append(FieldError("attendees", "a held meeting names who attended"))
    return errors


def scope_districts(record_type: str, fields: Mapping[str, object]) -> list[str]:
    """The districts a record is scoped to (one for case data, several for reference data)."""
    if record_spec(record_type).scoped_by_districts:
        districts = fields.get("districts") or []
        assert isinstance(districts, list)
        return [str(d) for d in districts]
    return [str(fields["district"])]


def is_restricted(fields: Mapping[str, object]) -> bool:
    """Whether a record holds safeguarding data with tighter access."""
    return fields.get("sensitivity") == Sensitivity.RESTRICTED


def _vocabulary_of(choices: frozenset[str]) -> type[Vocabulary] | None:
    """The smallest vocabulary a field's choices are drawn from (a field may allow only some)."""
    holding = [v for v in labelled_vocabularies() if choices <= {m.value for m in v}]
    return min(holding, key=len, default=None)


def value_description(record_type: str, field_name: str, value: object) -> str:
    """The short description of a stored choice, shown as its tooltip ("" when it has none).

    Args:
        record_type: the record's wire type.
        field_name: the field's wire name.
        value: one stored choice.
    """
    known = RecordType.parse(record_type)
    spec = SPECS.get(known) if known is not None else None
    field_spec = spec.by_name.get(field_name) if spec else None
    vocabulary = _vocabulary_of(field_spec.choices) if field_spec and field_spec.choices else None
    member = vocabulary.parse(value) if vocabulary is not None else None
    return member.description if member is not None else ""


def value_label(record_type: str, field_name: str, value: object) -> str:
    """A stored value of a record's field as people read it.

    A choice shows its vocabulary's label (a list of choices, each one's, joined by commas);
    anything else is shown as it is.

    Args:
        record_type: the record's wire type.
        field_name: the field's wire name.
        value: the stored value.
    """
    known = RecordType.parse(record_type)
    spec = SPECS.get(known) if known is not None else None
    field_spec = spec.by_name.get(field_name) if spec else None
    vocabulary = _vocabulary_of(field_spec.choices) if field_spec and field_spec.choices else None
    if vocabulary is None:
        return "" if value is None else str(value)
    if isinstance(value, list | tuple):
        return ", ".join(vocabulary.label_for(v) for v in value)
    return "" if value in (None, "") else vocabulary.label_for(value)
