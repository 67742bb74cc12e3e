"""ASB cases: opening one, its parties, risk assessments, action plan, links and timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from fieldkit.domain.asb import (
    action_clock,
    action_order,
    case_reference,
    device_code,
    review_overdue,
)
from fieldkit.domain.legal_clocks import LONDON, format_date
from fieldkit.domain.records import FieldError, RecordType, ValidationError, is_restricted
from fieldkit.domain.risk import (
    AnswerError,
    Matrix,
    RiskResult,
    answers_to_wire,
    higher_band,
    score,
)
from fieldkit.domain.vocabulary import (
    ActionStatus,
    AsbCategory,
    AsbStatus,
    District,
    LeadAgency,
    PartyRole,
    RiskBand,
)
from fieldkit.services.people import person_name
from fieldkit.services.records import RecordService
from fieldkit.store import asb_cases, audit, replica
from fieldkit.store.asb_cases import CaseFilter
from fieldkit.store.records import RecordRepository, StoredRecord
from fieldkit.store.vault import Vault

#: The case list's page.
PAGE = 200

#: Which case field lists each kind of linked work.
LINK_LISTS: Mapping[RecordType, str] = {
    RecordType.VISIT: "visit_ids",
    RecordType.WARNING: "warning_ids",
    RecordType.SIGNPOSTING: "signposting_ids",
    RecordType.TENANCY_CASE: "tenancy_case_ids",
}


@dataclass(frozen=True)
class CaseRow:
    """An ASB case in the list, in words."""

    id: str
    reference: str
    title: str
    category: str
    status: str
    district: str
    owner: str
    next_review: str
    review_overdue: bool
    high_risk: bool


@dataclass(frozen=True)
class PartyEntry:
    """A person in the case in a role, with their latest assessment if any."""

    id: str
    person_id: str
    name: str
    role: str
    role_value: str
    agency_contacts: tuple[str, ...]
    band: str
    band_value: str
    reassess_by: str


@dataclass(frozen=True)
class ActionEntry:
    """A task on the action plan."""

    id: str
    case_id: str
    what: str
    assignee: str
    agency: str
    due: str
    status: str
    status_value: str
    outcome: str
    overdue: bool
    case_reference: str
    case_title: str
    #: The problem-solving group meeting that decided it, if one did, and the decision.
    meeting_id: str = ""
    decision: str = ""

    @property
    def about(self) -> str:
        """What the action is for: its case, or the meeting decision it carries out."""
        case = f"{self.case_reference} {self.case_title}".strip()
        if case or not self.meeting_id:
            return case
        group = "Problem-solving group"
        return f"{group}: {self.decision}" if self.decision else group


@dataclass(frozen=True)
class TimelineEntry:
    """One piece of linked work on the case timeline, oldest first."""

    when: str
    when_text: str
    kind: str
    summary: str
    record_type: str
    record_id: str


@dataclass(frozen=True)
class AsbCaseView:
    """Everything the case screen shows."""

    id: str
    reference: str
    title: str
    category: str
    local_categories: tuple[str, ...]
    district: str
    owner: str
    lead_agency: str
    status: str
    status_value: str
    outcome: str
    opened: str
    closed: str
    next_review: str
    review_overdue: bool
    restricted: bool
    risk_band: str
    risk_band_value: str
    reassess_by: str
    parties: tuple[PartyEntry, ...]
    actions: tuple[ActionEntry, ...]
    timeline: tuple[TimelineEntry, ...]
    documents: tuple[TimelineEntry, ...]
    summary: str = ""
    #: Panels other parts of Fieldkit add to the case screen (e.g. case reviews), by title.
    extra_panels: tuple[str, ...] = ()


def _label(
    enum: type[AsbStatus | AsbCategory | PartyRole | RiskBand | LeadAgency | ActionStatus],
    v: object,
) -> str:
    try:
        return enum(str(v)).label
    except ValueError:
        return str(v or "")


def _district_label(value: object) -> str:
    try:
        return District(str(value)).label
    except ValueError:
        return str(value or "")


def _day(value: object) -> str:
    return format_date(date.fromisoformat(str(value))) if value else ""


class AsbCaseService:
    """ASB cases for officers and supervisors.

    Args:
        vault: the unlocked vault.
        records: record use cases (opening a case is logged).
        matrix: the partnership's risk-assessment matrix.
    """

    def __init__(self, vault: Vault, records: RecordService, *, matrix: Matrix) -> None:
        self._vault = vault
        self._records = records
        self._matrix = matrix

    @property
    def matrix(self) -> Matrix:
        return self._matrix

    def _today(self) -> date:
        return self._vault.now().astimezone(LONDON).date()

    # Opening and changing a case --------------------------------------------------------------

    def open_case(
        self,
        *,
        title: str,
        category: str,
        district: str | None = None,
        owner: str | None = None,
        lead_agency: str = LeadAgency.COUNCIL.value,
        local_categories: Sequence[str] = (),
        summary: str = "",
        next_review_on: date | None = None,
        from_visit: str | None = None,
        person_id: str | None = None,
        role: str | None = None,
        restricted: bool = False,
    ) -> str:
        """Open a case, from a visit (its district, place, categories and restriction carry
        over, and the visit is linked) or a person (added as a party in ``role``), or neither.

        The reference is allocated on this laptop (see `domain.asb.case_reference`).

        Returns:
            The new case's id.

        Raises:
            ValidationError: naming each bad field; nothing is written.
            RecordNotFoundError: no such visit or person.
        """
        errors: list[FieldError] = []
        if person_id and role not in {r.value for r in PartyRole}:
            errors.append(FieldError("role", "choose the person's role in the case"))
        if errors:
            raise ValidationError(errors)
        today = self._today()
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            places: list[str] = []
            categories = list(local_categories)
            visit_ids: list[str] = []
            if from_visit:
                visit = repo.require(RecordType.VISIT, from_visit)
                district = district or str(visit.fields["district"])
                if visit.fields.get("place_id"):
                    places.append(str(visit.fields["place_id"]))
                categories += [str(c) for c in _list(visit.fields.get("categories"))]
                restricted = restricted or is_restricted(visit.fields)
                visit_ids.append(visit.id)
            if person_id:
                person = repo.require(RecordType.PERSON, person_id)
                district = district or str(person.fields["district"])
            if district not in {d.value for d in District}:
                raise ValidationError([FieldError("district", "choose one of the districts")])
            number = asb_cases.allocate_number(conn, district=district, year=today.year)
            reference = case_reference(
                district=district,
                year=today.year,
                device=device_code(self._vault.vault_id),
                number=number,
            )
            case = repo.create(
                RecordType.ASB_CASE.value,
                {
                    "reference": reference,
                    "title": title,
                    "category": category,
                    "local_categories": list(dict.fromkeys(categories)),
                    "district": district,
                    "place_ids": places,
                    "owner": (owner or self._vault.username).strip(),
                    "lead_agency": lead_agency,
                    "status": AsbStatus.OPEN.value,
                    "opened_on": today.isoformat(),
                    "next_review_on": next_review_on.isoformat() if next_review_on else None,
                    "visit_ids": visit_ids,
                    "summary": summary,
                    "sensitivity": "restricted" if restricted else "standard",
                },
            )
            if person_id and role:
                self._create_party(repo, case, person_id=person_id, role=role, contacts=())
        return case.id

    def change(self, *, case_id: str, changes: Mapping[str, object]) -> None:
        """Change a case's header fields (title, category, owner, review date, status ...).

        Raises:
            ValidationError: naming each bad field; nothing is written.
            RecordNotFoundError: no such case.
        """
        self._records.update(record_type="asb_case", record_id=case_id, changes=changes)

    def close_case(self, *, case_id: str, outcome: str) -> None:
        """Close a case with its outcome, dated today.

        Raises:
            ValidationError: no outcome was given.
            RecordNotFoundError: no such case.
        """
        if not outcome.strip():
            raise ValidationError([FieldError("outcome", "say how the case ended")])
        self.change(
            case_id=case_id,
            changes={
                "status": AsbStatus.CLOSED.value,
                "outcome": outcome.strip(),
                "closed_on": self._today().isoformat(),
            },
        )

    def link(self, *, case_id: str, record_type: str, record_id: str) -> None:
        """Link a visit, warning, signposting or tenancy case to the case.

        Raises:
            ValidationError: a type that cannot be linked this way.
            RecordNotFoundError: no such case or record.
        """
        try:
            field = LINK_LISTS[RecordType(record_type)]
        except (ValueError, KeyError):
            raise ValidationError(
                [FieldError("record_type", "link a visit, warning, signposting or tenancy case")]
            ) from None
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            repo.require(RecordType(record_type), record_id)
            case = repo.require(RecordType.ASB_CASE, case_id)
            held = [str(i) for i in _list(case.fields.get(field))]
            if record_id not in held:
                repo.update(RecordType.ASB_CASE, case_id, {field: [*held, record_id]})

    # Parties and risk -------------------------------------------------------------------------

    def add_party(
        self, *, case_id: str, person_id: str, role: str, agency_contacts: Sequence[str] = ()
    ) -> str:
        """Add a person to the case in a role (a person may be in many cases, in any role).

        Returns:
            The party's id.

        Raises:
            ValidationError: naming each bad field; nothing is written.
            RecordNotFoundError: no such case or person.
        """
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            case = repo.require(RecordType.ASB_CASE, case_id)
            repo.require(RecordType.PERSON, person_id)
            return self._create_party(
                repo, case, person_id=person_id, role=role, contacts=agency_contacts
            )

    def _create_party(
        self,
        repo: RecordRepository,
        case: StoredRecord,
        *,
        person_id: str,
        role: str,
        contacts: Sequence[str],
    ) -> str:
        return repo.create(
            RecordType.ASB_PARTY.value,
            {
                "case_id": case.id,
                "person_id": person_id,
                "role": role,
                "agency_contacts": [c.strip() for c in contacts if c.strip()],
                "added_on": self._today().isoformat(),
                "district": case.fields["district"],
                "sensitivity": case.fields["sensitivity"],
            },
        ).id

    def assess_risk(
        self, *, case_id: str, person_id: str, answers: Mapping[str, str], notes: str = ""
    ) -> RiskResult:
        """Record a risk assessment of a victim or complainant on the case.

        A high band marks the case and the person, puts the case on the owner's and the
        supervisors' Today, and starts the reassessment clock (the matrix's interval for the
        band).

        Raises:
            ValidationError: the answers do not fit the matrix (naming the question), or the
                person is not a victim or complainant on the case.
            RecordNotFoundError: no such case.
        """
        try:
            result = score(self._matrix, answers, assessed_on=self._today())
        except AnswerError as exc:
            raise ValidationError([FieldError("answers", str(exc))]) from None
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            case = repo.require(RecordType.ASB_CASE, case_id)
            roles = {
                str(p.fields["role"])
                for p in repo.where(RecordType.ASB_PARTY, "case_id", [case_id])
                if p.fields["person_id"] == person_id
            }
            if not roles & {PartyRole.VICTIM.value, PartyRole.COMPLAINANT.value}:
                raise ValidationError(
                    [FieldError("person_id", "assess a victim or complainant on this case")]
                )
            repo.create(
                RecordType.ASB_RISK.value,
                {
                    "case_id": case_id,
                    "person_id": person_id,
                    "matrix_id": self._matrix.id,
                    "matrix_version": self._matrix.version,
                    "answers": answers_to_wire(answers),
                    "score": result.score,
                    "band": result.band.value,
                    "assessed_at": self._vault.now().isoformat(timespec="seconds"),
                    "assessed_by": self._vault.username,
                    "reassess_by": result.reassess_by.isoformat(),
                    "notes": notes,
                    "district": case.fields["district"],
                    "sensitivity": case.fields["sensitivity"],
                },
            )
        return result

    # Actions ----------------------------------------------------------------------------------

    def add_action(
        self,
        *,
        case_id: str,
        what: str,
        assignee: str = "",
        agency: str = "",
        due_on: date | None = None,
    ) -> str:
        """Add a task to the case's action plan, given to a user (by user name) or an agency.

        The action carries the case's reference and title, so that its assignee's Today names
        the case even where they may not open it.

        Returns:
            The action's id.

        Raises:
            ValidationError: naming each bad field; nothing is written.
            RecordNotFoundError: no such case.
        """
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            case = repo.require(RecordType.ASB_CASE, case_id)
            return repo.create(
                RecordType.ASB_ACTION.value,
                {
                    "case_id": case_id,
                    "what": what,
                    "assignee": assignee.strip().lower() or None,
                    "agency": agency,
                    "due_on": due_on.isoformat() if due_on else None,
                    "status": ActionStatus.OPEN.value,
                    "case_reference": case.fields["reference"],
                    "case_title": case.fields["title"],
                    "district": case.fields["district"],
                    "sensitivity": case.fields["sensitivity"],
                },
            ).id

    def finish_action(
        self, *, action_id: str, outcome: str, status: str = ActionStatus.DONE.value
    ) -> None:
        """Mark an action done (or cancelled) with its outcome note.

        Raises:
            ValidationError: no outcome, or not a finishing status.
            RecordNotFoundError: no such action.
        """
        if status not in (ActionStatus.DONE.value, ActionStatus.CANCELLED.value):
            raise ValidationError([FieldError("status", "choose done or cancelled")])
        if not outcome.strip():
            raise ValidationError([FieldError("outcome", "say what came of the action")])
        with self._vault.write() as conn:
            self._vault.records(conn).update(
                RecordType.ASB_ACTION, action_id, {"status": status, "outcome": outcome.strip()}
            )

    def my_actions(self) -> list[ActionEntry]:
        """Open actions given to this laptop's user, overdue first, then soonest due."""
        with self._vault.read() as conn:
            found = asb_cases.open_actions(conn, assignee=self._vault.username)
        return self._action_entries(found)

    def team_overdue_actions(self) -> list[ActionEntry]:
        """Every open action past its due date that this laptop holds (a supervisor's team's)."""
        with self._vault.read() as conn:
            found = asb_cases.open_actions(conn, due_before=self._today().isoformat())
        return self._action_entries(found)

    def _action_entries(self, found: list[tuple[str, str, dict[str, object]]]) -> list[ActionEntry]:
        today = self._today()
        ordered = sorted(found, key=lambda a: (action_order(a[2], today=today), a[0]))
        return [_action_entry(i, case_id, f, today) for i, case_id, f in ordered]

    # Reading ----------------------------------------------------------------------------------

    def cases(self, where: CaseFilter | None = None, *, offset: int = 0) -> list[CaseRow]:
        """A page of cases matching the filter (listing is not a consultation)."""
        today = self._today()
        with self._vault.read() as conn:
            listed = asb_cases.cases(conn, where or CaseFilter(), offset=offset, limit=PAGE)
        return [
            CaseRow(
                c.id,
                c.reference,
                c.title,
                _label(AsbCategory, c.category),
                _label(AsbStatus, c.status),
                _district_label(c.district),
                c.owner or "",
                _day(c.next_review_on),
                review_overdue(
                    {"status": c.status, "next_review_on": c.next_review_on}, today=today
                ),
                c.high_risk,
            )
            for c in listed
        ]

    def overdue_review_filter(self) -> CaseFilter:
        """The filter for cases whose review date has passed."""
        return CaseFilter(review_before=self._today().isoformat())

    def is_supervisor(self) -> bool:
        """Whether the server last said this laptop's user is a supervisor."""
        with self._vault.read() as conn:
            user = replica.get_state(conn, "user")
        return isinstance(user, dict) and user.get("role") == "supervisor"

    def high_risk_cases(self) -> list[CaseRow]:
        """Open high-risk cases for Today: the user's own, or every one a supervisor holds."""
        supervisor = self.is_supervisor()
        where = CaseFilter(owner=None if supervisor else self._vault.username, high_risk=True)
        return [c for c in self.cases(where) if c.status != AsbStatus.CLOSED.label]

    def case(self, case_id: str) -> AsbCaseView:
        """Open a case with its parties, risk, actions and timeline, logging the consultation.

        Raises:
            RecordNotFoundError: no such case.
        """
        case = self._records.view(record_type="asb_case", record_id=case_id)
        f = case.fields
        today = self._today()
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            parties = repo.where(RecordType.ASB_PARTY, "case_id", [case_id])
            people = {
                p.id: p
                for p in repo.get_many(
                    RecordType.PERSON, list({str(p.fields["person_id"]) for p in parties})
                )
            }
            actions = repo.where(RecordType.ASB_ACTION, "case_id", [case_id])
            linked = {
                t: repo.get_many(t, [str(i) for i in _list(f.get(field))])
                for t, field in LINK_LISTS.items()
            }
            assessments = repo.where(RecordType.ASB_RISK, "case_id", [case_id])
            documents = repo.where(RecordType.DOCUMENT, "subject_id", [case_id])
        latest = _latest_by_person(assessments)
        band: RiskBand | None = None
        reassess: str | None = None
        for a in latest.values():
            band = higher_band(band, RiskBand(a.band))
            if a.reassess_by and (reassess is None or a.reassess_by < reassess):
                reassess = a.reassess_by
        party_entries = tuple(
            _party_entry(p, people.get(str(p.fields["person_id"])), latest)
            for p in sorted(parties, key=lambda p: (str(p.fields["role"]), p.id))
        )
        action_entries = tuple(
            _action_entry(a.id, case_id, a.fields, today)
            for a in sorted(actions, key=lambda a: (action_order(a.fields, today=today), a.id))
        )
        timeline = sorted(
            [
                *(_timeline_entry(r) for rs in linked.values() for r in rs),
                *(_timeline_entry(r, people) for r in assessments),
                *(_timeline_entry(r) for r in actions),
            ],
            key=lambda e: (e.when, e.record_id),
        )
        return AsbCaseView(
            id=case.id,
            reference=str(f["reference"]),
            title=str(f["title"]),
            category=_label(AsbCategory, f["category"]),
            local_categories=tuple(str(c) for c in _list(f.get("local_categories"))),
            district=_district_label(f["district"]),
            owner=str(f["owner"]),
            lead_agency=_label(LeadAgency, f.get("lead_agency")),
            status=_label(AsbStatus, f.get("status")),
            status_value=str(f.get("status") or ""),
            outcome=str(f.get("outcome") or ""),
            opened=_day(f.get("opened_on")),
            closed=_day(f.get("closed_on")),
            next_review=_day(f.get("next_review_on")),
            review_overdue=review_overdue(f, today=today),
            restricted=is_restricted(f),
            risk_band=band.label if band else "Not assessed",
            risk_band_value=band.value if band else "",
            reassess_by=_day(reassess),
            parties=party_entries,
            actions=action_entries,
            timeline=tuple(timeline),
            documents=tuple(_timeline_entry(d) for d in documents),
            summary=str(f.get("summary") or ""),
        )

    def cases_of_person(self, person_id: str) -> list[tuple[str, str]]:
        """The (case id, role label) of each case a person is a party to."""
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            parties = repo.where(RecordType.ASB_PARTY, "person_id", [person_id])
        return [(str(p.fields["case_id"]), _label(PartyRole, p.fields["role"])) for p in parties]

    def log_consultation(self, *, case_id: str) -> None:
        """Log that the case was consulted outside `case` (a print, an export)."""
        with self._vault.write() as conn:
            audit.append(
                conn,
                [
                    audit.new_event(
                        at=self._vault.now().isoformat(timespec="milliseconds"),
                        actor=self._vault.username,
                        action=audit.AuditAction.VIEW,
                        record_type=RecordType.ASB_CASE.value,
                        record_id=case_id,
                    )
                ],
            )


def _latest_by_person(
    assessments: Sequence[StoredRecord],
) -> dict[str, asb_cases.LatestAssessment]:
    """Each person's latest assessment (by when it was made, then by clock)."""
    latest: dict[str, asb_cases.LatestAssessment] = {}
    for a in sorted(assessments, key=lambda r: (str(r.fields["assessed_at"]), r.updated_hlc)):
        f = a.fields
        latest[str(f["person_id"])] = asb_cases.LatestAssessment(
            a.id,
            str(f["case_id"]),
            str(f["person_id"]),
            str(f["band"]),
            int(str(f["score"])),
            str(f["assessed_at"]),
            str(f["reassess_by"]) if f.get("reassess_by") else None,
        )
    return latest


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _party_entry(
    party: StoredRecord,
    person: StoredRecord | None,
    latest: Mapping[str, asb_cases.LatestAssessment],
) -> PartyEntry:
    f = party.fields
    assessed = latest.get(str(f["person_id"]))
    return PartyEntry(
        id=party.id,
        person_id=str(f["person_id"]),
        name=person_name(person.fields) if person else "Person not on this laptop",
        role=_label(PartyRole, f["role"]),
        role_value=str(f["role"]),
        agency_contacts=tuple(str(c) for c in _list(f.get("agency_contacts"))),
        band=_label(RiskBand, assessed.band) if assessed else "",
        band_value=assessed.band if assessed else "",
        reassess_by=_day(assessed.reassess_by) if assessed else "",
    )


def _action_entry(
    action_id: str, case_id: str, f: Mapping[str, object], today: date
) -> ActionEntry:
    clock = action_clock(f, today=today)
    status = str(f.get("status") or ActionStatus.OPEN.value)
    return ActionEntry(
        id=action_id,
        case_id=case_id,
        what=str(f.get("what") or ""),
        assignee=str(f.get("assignee") or ""),
        agency=str(f.get("agency") or ""),
        due=_day(f.get("due_on")),
        status=_label(ActionStatus, status),
        status_value=status,
        outcome=str(f.get("outcome") or ""),
        overdue=bool(clock and clock.overdue),
        case_reference=str(f.get("case_reference") or ""),
        case_title=str(f.get("case_title") or ""),
        meeting_id=str(f.get("meeting_id") or ""),
        decision=str(f.get("decision") or ""),
    )


_WHEN_FIELD: Mapping[RecordType, str] = {
    RecordType.VISIT: "occurred_at",
    RecordType.WARNING: "issued_at",
    RecordType.SIGNPOSTING: "given_at",
    RecordType.ASB_RISK: "assessed_at",
    RecordType.ASB_ACTION: "due_on",
    RecordType.DOCUMENT: "printed_at",
}


def _timeline_entry(
    record: StoredRecord, people: Mapping[str, StoredRecord] | None = None
) -> TimelineEntry:
    f = record.fields
    when = str(f.get(_WHEN_FIELD.get(record.type, "")) or "")
    match record.type:
        case RecordType.VISIT:
            kind, summary = "Visit", str(f.get("narrative") or "")[:120]
        case RecordType.WARNING:
            kind, summary = "Warning", f"{f.get('scheme')}: {f.get('level')}"
        case RecordType.SIGNPOSTING:
            kind, summary = "Signposting", str(f.get("method") or "")
        case RecordType.TENANCY_CASE:
            kind, summary = "Tenancy case", str(f.get("tenancy_ref") or "")
        case RecordType.ASB_RISK:
            person = (people or {}).get(str(f.get("person_id")))
            name = person_name(person.fields) if person else "a party"
            kind = "Risk assessment"
            summary = f"{name}: {_label(RiskBand, f.get('band'))} (score {f.get('score')})"
        case RecordType.ASB_ACTION:
            kind, summary = "Action due", str(f.get("what") or "")[:120]
        case RecordType.DOCUMENT:
            kind, summary = "Document", str(f.get("kind") or "")
        case _:
            kind, summary = record.type.value, ""
    return TimelineEntry(when, _when_text(when), kind, summary, record.type.value, record.id)


def _when_text(when: str) -> str:
    if not when:
        return "Undated"
    if len(when) == 10:
        return format_date(date.fromisoformat(when))
    return format_date(datetime.fromisoformat(when))
