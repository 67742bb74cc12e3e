"""The Log-a-visit form's logic, without widgets: state, drafts, validation messages, saving."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from fieldkit.domain.records import ValidationError
from fieldkit.services.drafts import DraftService
from fieldkit.services.people import PersonRow
from fieldkit.services.visits import PlaceChoice, VisitService

DRAFT_KEY = "visit"

#: What each visit field is called on the form, for error messages.
FIELD_LABELS: Mapping[str, str] = {
    "occurred_at": "When",
    "place_id": "Where",
    "district": "District",
    "kind": "Kind",
    "categories": "What it was about",
    "person_ids": "Who",
    "narrative": "Narrative",
    "actions": "What was done",
    "follow_up_due": "Follow up by",
    "officer_id": "Officer",
}

COMMON_ACTIONS = (
    "Advice given",
    "Moved on",
    "Alcohol seized and disposed of",
    "Signposted to support",
    "Warning letter issued",
    "Referred to partner agency",
    "Welfare check completed",
)


@dataclass
class VisitForm:
    """What is on the form right now."""

    occurred_at: datetime
    district: str
    kind: str = "patrol"
    place: PlaceChoice | None = None
    people: list[PersonRow] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    narrative: str = ""
    follow_up_due: date | None = None

    def to_fields(self) -> dict[str, object]:
        """The visit's wire fields (the service adds the officer)."""
        return {
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat(timespec="seconds"),
            "place_id": self.place.id if self.place else None,
            "district": self.place.district if self.place else self.district,
            "kind": self.kind,
            "categories": list(self.categories),
            "person_ids": [p.id for p in self.people],
            "narrative": self.narrative,
            "actions": list(self.actions),
            "follow_up_due": self.follow_up_due.isoformat() if self.follow_up_due else None,
        }

    def to_draft(self) -> dict[str, Any]:
        """Plain JSON for the draft table."""
        return {
            "occurred_at": self.occurred_at.isoformat(),
            "district": self.district,
            "kind": self.kind,
            "place": vars(self.place) if self.place else None,
            "people": [vars(p) for p in self.people],
            "categories": list(self.categories),
            "actions": list(self.actions),
            "narrative": self.narrative,
            "follow_up_due": self.follow_up_due.isoformat() if self.follow_up_due else None,
        }

    @classmethod
    def from_draft(cls, body: Mapping[str, Any]) -> VisitForm:
        """The form as a draft left it.

        Raises:
            KeyError, ValueError, TypeError: the draft is from an incompatible version.
        """
        place = body.get("place")
        return cls(
            occurred_at=datetime.fromisoformat(body["occurred_at"]),
            district=str(body["district"]),
            kind=str(body["kind"]),
            place=PlaceChoice(**place) if place else None,
            people=[PersonRow(**p) for p in body.get("people", [])],
            categories=[str(c) for c in body.get("categories", [])],
            actions=[str(a) for a in body.get("actions", [])],
            narrative=str(body.get("narrative", "")),
            follow_up_due=(
                date.fromisoformat(body["follow_up_due"]) if body.get("follow_up_due") else None
            ),
        )

    @property
    def is_blank(self) -> bool:
        return not (self.place or self.people or self.categories or self.actions or self.narrative)


@dataclass(frozen=True)
class SubmitResult:
    """The outcome of Save: the new visit's id, or the problems by field."""

    visit_id: str | None
    errors: Mapping[str, str]

    @property
    def message(self) -> str:
        """All problems as one sentence per field."""
        return " ".join(
            f"{FIELD_LABELS.get(name, name)}: {reason}." for name, reason in self.errors.items()
        )


def local_check(form: VisitForm, *, now: datetime) -> dict[str, str]:
    """Problems the form can see before asking the vault (instant feedback)."""
    errors: dict[str, str] = {}
    if (
        form.occurred_at > now.astimezone(form.occurred_at.tzinfo)
        and (form.occurred_at - now).total_seconds() > 300
    ):
        errors["occurred_at"] = "is in the future"
    if form.follow_up_due is not None and form.follow_up_due < form.occurred_at.date():
        errors["follow_up_due"] = "is before the visit"
    if not (form.narrative.strip() or form.categories):
        errors["categories"] = "choose at least one, or write a narrative"
    return errors


class VisitFormPresenter:
    """Holds the form, keeps its draft in the vault and saves the visit.

    Args:
        visits: the visit service.
        drafts: the draft store.
        now: the wall clock (local time).
        district: the officer's home district, the default for new forms.
    """

    def __init__(
        self,
        visits: VisitService,
        drafts: DraftService,
        *,
        now: Callable[[], datetime],
        district: str,
    ) -> None:
        self._visits = visits
        self._drafts = drafts
        self._now = now
        self._district = district
        self.form = self.blank()

    def blank(self) -> VisitForm:
        return VisitForm(
            occurred_at=self._now().replace(second=0, microsecond=0), district=self._district
        )

    def restore(self) -> bool:
        """Put back the form from its draft; True if there was one."""
        body = self._drafts.load(DRAFT_KEY)
        if not body:
            return False
        try:
            self.form = VisitForm.from_draft(body)
        except (KeyError, ValueError, TypeError):
            self._drafts.discard(DRAFT_KEY)
            return False
        return True

    def save_draft(self, snapshot: Mapping[str, Any]) -> None:
        """Keep a snapshot of the form (taken on the GUI thread) in the vault."""
        self._drafts.save(DRAFT_KEY, snapshot)

    def submit(self) -> SubmitResult:
        """Check and store the visit; on success the draft is dropped and the form cleared."""
        errors = local_check(self.form, now=self._now())
        if errors:
            return SubmitResult(None, errors)
        try:
            visit_id = self._visits.log(fields=self.form.to_fields())
        except ValidationError as exc:
            return SubmitResult(None, {e.field: e.reason for e in exc.errors})
        self._drafts.discard(DRAFT_KEY)
        self.form = self.blank()
        return SubmitResult(visit_id, {})

    def clear(self) -> None:
        """Start again with an empty form and no draft."""
        self._drafts.discard(DRAFT_KEY)
        self.form = self.blank()

    def add_person(self, person: PersonRow) -> bool:
        """Add someone to the visit; False (and nothing changes) if they are already on it."""
        if any(p.id == person.id for p in self.form.people):
            return False
        self.form.people.append(person)
        return True

    def remove_person(self, person_id: str) -> None:
        """Take someone off the visit."""
        self.form.people = [p for p in self.form.people if p.id != person_id]

    def risk_lines(self) -> list[str]:
        """Each chosen person's risk markers, in words, for the top of the form."""
        return [f"RISK — {p.name}: {p.risk_text}" for p in self.form.people if p.risk_markers]


def chosen_line(person: PersonRow) -> str:
    """A person on the visit as listed: flagged with ⚠, their risk markers after the name."""
    risks = f"  (RISK: {person.risk_text})" if person.risk_markers else ""
    return ("⚠ " if person.has_risk_flag else "") + person.name + risks


def may_be(count: int) -> str:
    """How a duplicate check's finds are introduced ("This person may be one of 3 people")."""
    return "This person may be" if count == 1 else f"This person may be one of {count} people"
