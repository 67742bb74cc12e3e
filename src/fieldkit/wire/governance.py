"""Information governance: the retention due list, rights requests, subject access, agreements."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final, Literal

from pydantic import Field, StringConstraints

from fieldkit.domain.records import RecordType
from fieldkit.domain.rights_requests import RequestKind
from fieldkit.wire.messages import Reason, Uuid, Wire
from fieldkit.wire.reply import Reply

#: The longest free text a rights request carries (its detail, a reason, an answer).
MAX_REQUEST_TEXT: Final = 4000
RequestText = Annotated[str, StringConstraints(max_length=MAX_REQUEST_TEXT)]


# Retention (``/v1/governance/retention/...``) --------------------------------------------------


class DueItemOut(Reply):
    type: str
    id: str
    due: str
    rule: str
    action: str
    regime: str


class DueResponse(Reply):
    as_of: str
    items: list[DueItemOut]


class DecisionIn(Wire):
    type: RecordType
    id: Uuid
    decision: Literal["keep", "anonymise", "erase"]
    reason: Reason | None = None
    review_on: date | None = None


class DecisionsRequest(Wire):
    decisions: Annotated[list[DecisionIn], Field(min_length=1)]


class DecisionsResponse(Reply):
    kept: int
    anonymised: int
    erased: int


# Rights requests (``/v1/governance/requests``) --------------------------------------------------


class RequestOut(Reply):
    id: str
    kind: str
    person_id: str
    received: str
    due: str
    state: str
    extended: bool
    restricting: bool


class RequestsResponse(Reply):
    requests: list[RequestOut]


class RequestAddIn(Wire):
    kind: RequestKind
    person_id: Uuid
    received: date
    detail: RequestText | None = None


class RequestExtendIn(Wire):
    reason: RequestText


class RequestAnswerIn(Wire):
    decision: RequestText
    restrict: bool = False


# Subject access (``POST /v1/governance/subject-access``) ----------------------------------------


class SubjectAccessIn(Wire):
    person_id: Uuid


class SubjectAccessOut(Reply):
    reference: str
    records: int
    disclosures: int
    pdf_sha256: str
    #: The PDF, base64: the app keeps it in its vault as a document, never as a plain file.
    pdf: str
    #: The machine-readable export (format ``fieldkit-server-subject-access/1``).
    export: dict[str, Any]


# Information-sharing agreements (``GET /v1/admin/agreements``) ----------------------------------


# One agreement, as the route's response model declares it.
class AgreementOut(Reply):
    name: str
    agencies: list[str]
    types: list[str]
    categories: list[str]
    purpose: str
    basis: str
    start: str
    end: str | None
    ended_at: str | None = None
    in_force: bool


class AgreementsResponse(Reply):
    agreements: list[AgreementOut]
