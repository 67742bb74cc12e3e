"""Plain frozen data that the renderers turn into letters, leaflets and evidence bundles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from fieldkit.domain.vocabulary import DocumentKind, ServiceNeed

#: The kinds of document that are warning letters.
LETTER_KINDS = frozenset(
    {
        DocumentKind.YELLOW_LETTER,
        DocumentKind.RED_LETTER,
        DocumentKind.CPW_LETTER,
        DocumentKind.CPN_NOTICE,
        DocumentKind.ABC_CONTRACT,
    }
)


class DocumentInputError(ValueError):
    """The data handed to a renderer cannot make a correct document (our caller's bug)."""


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise DocumentInputError(f"{what} must be a timezone-aware datetime")


@dataclass(frozen=True, slots=True)
class SupportService:
    """A support service as printed on a leaflet, or named in a letter's offer of support.

    ``website`` is only ever printed and encoded into a QR code; nothing is fetched from it.
    """

    name: str
    description: str = ""
    phone: str = ""
    address: str = ""
    opening_hours: str = ""
    website: str = ""
    needs: tuple[ServiceNeed, ...] = ()


@dataclass(frozen=True, slots=True)
class LetterInput:
    """Everything a Yellow, Red or Community Protection Warning letter says about one warning.

    Datetimes are printed in their own timezone (pass local time), so the same input gives the
    same letter on any machine. ``person_name`` or ``person_description`` must be given.
    """

    kind: DocumentKind
    reference: str
    issued_at: datetime
    person_name: str | None
    person_description: str | None
    place_label: str
    occurred_at: datetime
    behaviour: str
    conditions: tuple[str, ...]
    scheme_name: str
    next_step: str
    next_step_power: str
    officer_name: str
    officer_number: str
    place_address: str = ""
    support: tuple[SupportService, ...] = ()
    #: By when the conduct must change; required for a Community Protection Warning.
    deadline: date | None = None
    language: str = "en"
    #: Days the person has to appeal to the magistrates' court; required for a notice (CPN).
    appeal_days: int | None = None
    #: When an Acceptable Behaviour Contract is reviewed; required for one (with ``deadline``,
    #: the day its term ends).
    review_on: date | None = None
    #: Printed in every page's footer when this is a reprint, e.g. "REPRINT 3 Dec 2026 of …".
    reprint_note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in LETTER_KINDS:
            raise DocumentInputError(f"{self.kind} is not a warning letter")
        _require_aware(self.issued_at, "issued_at")
        _require_aware(self.occurred_at, "occurred_at")
        if not (self.person_name or "").strip() and not (self.person_description or "").strip():
            raise DocumentInputError("a letter needs the person's name or a description")
        if not self.conditions:
            raise DocumentInputError("a letter must say what must stop or change")
        if self.kind is DocumentKind.CPW_LETTER and self.deadline is None:
            raise DocumentInputError("a Community Protection Warning must say by when")
        if self.kind is DocumentKind.CPN_NOTICE and (self.deadline is None or not self.appeal_days):
            raise DocumentInputError(
                "a Community Protection Notice must give its period and appeal"
            )
        if self.kind is DocumentKind.ABC_CONTRACT and (
            self.deadline is None or self.review_on is None
        ):
            raise DocumentInputError(
                "an Acceptable Behaviour Contract must give its term and review date"
            )


@dataclass(frozen=True, slots=True)
class LeafletInput:
    """The support services chosen for one person's needs, in the order to print them."""

    services: tuple[SupportService, ...]
    issued_on: date
    reference: str = ""
    language: str = "en"

    def __post_init__(self) -> None:
        if not self.services:
            raise DocumentInputError("a signposting leaflet needs at least one service")


@dataclass(frozen=True, slots=True)
class CaseHeader:
    """Who and what a tenancy evidence bundle is about, and who prepared it."""

    case_id: str
    case_reference: str
    property_address: str
    tenant_name: str
    prepared_by: str
    prepared_at: datetime
    court: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.prepared_at, "prepared_at")


@dataclass(frozen=True, slots=True)
class BundleEntry:
    """One dated item in a tenancy chronology: a note, incident, visit or letter served."""

    record_id: str
    when: datetime
    kind: str
    title: str
    body: str
    author: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.when, f"entry {self.record_id!r} when")


@dataclass(frozen=True, slots=True)
class BundleExhibit:
    """A photo or file produced as an exhibit: its reference (JS/3), what it is, and its hash.

    ``image`` holds an image's stored bytes to print at a readable size; other files (and files
    not yet on this laptop) are listed with their hash only.
    """

    reference: str
    attachment_id: str
    caption: str
    media_label: str
    size: int
    captured_by: str
    captured_at: datetime
    sha256: str
    image: bytes | None = None

    def __post_init__(self) -> None:
        _require_aware(self.captured_at, f"exhibit {self.reference!r} captured_at")


@dataclass(frozen=True, slots=True)
class ClosureStep:
    """A closure step with its date and, where the law sets one, its deadline."""

    record_id: str
    step: str
    when: datetime
    deadline: datetime | None = None
    status: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.when, f"closure step {self.record_id!r} when")
        if self.deadline is not None:
            _require_aware(self.deadline, f"closure step {self.record_id!r} deadline")


@dataclass(frozen=True, slots=True)
class BundleInput:
    """A tenancy case's chronology for a Closure Order hearing."""

    case: CaseHeader
    entries: tuple[BundleEntry, ...]
    closure_steps: tuple[ClosureStep, ...] = field(default_factory=tuple)
    language: str = "en"
    #: What was left out and why, one sentence each (never the content of what was left out).
    left_out: tuple[str, ...] = field(default_factory=tuple)
    #: Photos and files produced as exhibits, in reference order.
    exhibits: tuple[BundleExhibit, ...] = field(default_factory=tuple)
