"""Tenancy cases: the list, a case with its notes timeline, and the closure tracker's clocks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from fieldkit.documents.closure_notice import (
    ClosureNoticeInput,
    render_closure_notice,
    shipped_closure_notice,
)
from fieldkit.domain.closure_steps import ClosureStepKind, StepDetails, step_changes
from fieldkit.domain.legal_clocks import (
    LONDON,
    closure_clocks,
    closure_facts,
    closure_notice_ends_at,
    format_datetime,
)
from fieldkit.domain.records import FieldError, RecordType, ValidationError, is_restricted
from fieldkit.domain.vocabulary import (
    ClosureStatus,
    District,
    NoteKind,
    NoticeServedHow,
    ServiceNeed,
    TenancyStatus,
    closure_status_label,
    tenancy_status_label,
)
from fieldkit.domain.vulnerability import (
    VulnerabilityCheck,
    check_fields,
    needs_check_for_step,
    rule_on,
)
from fieldkit.services import disclosure
from fieldkit.services.documents_service import DocumentService, KeptDocument
from fieldkit.services.people import parse_moment, person_name
from fieldkit.services.printouts import DEFAULT_COURT, Officer, PrintoutService
from fieldkit.services.records import RecordService
from fieldkit.services.settings import AppSettings
from fieldkit.store import audit, case_list
from fieldkit.store.vault import Vault


@dataclass(frozen=True)
class CaseRow:
    """A tenancy case in the list."""

    id: str
    reference: str
    place: str
    status: str
    district: str


@dataclass(frozen=True)
class NoteEntry:
    id: str
    when: datetime
    when_text: str
    kind: str
    body: str


@dataclass(frozen=True)
class ClockEntry:
    """One legal clock on a closure: its deadline and what is due."""

    name: str
    deadline_text: str
    due: str


@dataclass(frozen=True)
class ClosureEntry:
    """A closure on the case: its status, its clocks, and the facts recorded for each step."""

    id: str
    status: str
    clocks: tuple[ClockEntry, ...]
    problem: str
    facts: tuple[tuple[str, str], ...] = ()
    status_value: str = ""


@dataclass(frozen=True)
class CaseView:
    """Everything the case screen shows."""

    id: str
    reference: str
    place: str
    landlord: str
    status: str
    district: str
    tenants: tuple[str, ...]
    vulnerability: tuple[str, ...]
    restricted: bool
    notes: tuple[NoteEntry, ...]
    closures: tuple[ClosureEntry, ...]
    agencies: tuple[str, ...] = ()
    outcome: str = ""
    status_value: str = ""


NOTE_KINDS = tuple(k.value for k in NoteKind)


def _status_text(value: object) -> str:
    return tenancy_status_label(str(value or ""))


#: Statuses a housing officer may set by hand (closing needs an outcome: `close_case`).
STATUS_CHOICES = tuple(
    (s.value, tenancy_status_label(s.value)) for s in TenancyStatus if s is not TenancyStatus.CLOSED
)
STEP_CHOICES = tuple((k.value, k.label) for k in ClosureStepKind)
SERVED_HOW_CHOICES = tuple((h.value, h.label) for h in NoticeServedHow)


#: How a closure notice's service is recorded on its document record.
_DOCUMENT_SERVED = {
    NoticeServedHow.FIXED_TO_PREMISES.value: "left_at_address",
    NoticeServedHow.GIVEN_TO_OCCUPIER.value: "handed_over",
    NoticeServedHow.GIVEN_TO_OWNER.value: "handed_over",
    NoticeServedHow.FIXED_AND_GIVEN.value: "handed_over",
}


def _texts(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _clean_list(values: Sequence[str]) -> list[str]:
    return [v.strip() for v in values if v.strip()]


class TenancyService:
    """Tenancy cases for housing officers.

    Args:
        vault: the unlocked vault.
        records: record use cases (opening a case is logged).
    """

    def __init__(
        self,
        vault: Vault,
        records: RecordService,
        *,
        documents: DocumentService | None = None,
        settings: Callable[[], AppSettings] = AppSettings,
    ) -> None:
        self._vault = vault
        self._records = records
        self._documents = documents
        self._settings = settings

    def cases(self, *, offset: int = 0, limit: int = 500) -> list[CaseRow]:
        """Open and closed cases, open ones first, then by reference."""
        with self._vault.read() as conn:
            listed = case_list.cases(conn, offset=offset, limit=limit)
        return [
            CaseRow(
                c.id,
                str(c.tenancy_ref or "—"),
                str(c.place_label or ""),
                _status_text(c.status),
                District(str(c.district)).label
                if c.district in District.__members__.values()
                else str(c.district),
            )
            for c in listed
        ]

    def case(self, case_id: str) -> CaseView:
        """Open a case, logging the consultation (s62).

        Raises:
            RecordNotFoundError: no such case.
        """
        case = self._records.view(record_type="tenancy_case", record_id=case_id)
        f = case.fields
        now = self._vault.now()
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            place = repo.get(RecordType.PLACE, str(f["place_id"]))
            tenant_ids = [str(t) for t in f["tenant_ids"] or []]  # type: ignore[attr-defined]
            tenants = repo.get_many(RecordType.PERSON, tenant_ids)
            notes = repo.where(RecordType.TENANCY_NOTE, "case_id", [case_id])
            closures = repo.where(RecordType.CLOSURE, "case_id", [case_id])
        place_text = ""
        if place is not None:
            pf = place.fields
            place_text = ", ".join(
                dict.fromkeys(str(p) for p in (pf["label"], pf["address"], pf["postcode"]) if p)
            )
        note_entries = sorted(
            (
                NoteEntry(
                    n.id,
                    parse_moment(n.fields["written_at"]),
                    format_datetime(parse_moment(n.fields["written_at"])),
                    str(n.fields["kind"]),
                    str(n.fields["body"]),
                )
                for n in notes
            ),
            key=lambda e: e.when,
        )
        return CaseView(
            id=case.id,
            reference=str(f["tenancy_ref"] or "—"),
            place=place_text,
            landlord=str(f["landlord"] or ""),
            status=_status_text(f["status"]),
            district=str(f["district"]),
            tenants=tuple(person_name(t.fields) for t in tenants),
            vulnerability=tuple(str(v) for v in f["vulnerability"] or []),  # type: ignore[attr-defined]
            restricted=is_restricted(f),
            notes=tuple(note_entries),
            closures=tuple(_closure_entry(c.id, c.fields, now) for c in closures),
            agencies=tuple(str(a) for a in f.get("agencies") or []),  # type: ignore[attr-defined]
            outcome=str(f.get("outcome") or ""),
            status_value=str(f["status"] or ""),
        )

    # Opening, changing and closing a case ---------------------------------------------------

    def open_case(
        self,
        *,
        address: str,
        postcode: str = "",
        place_id: str | None = None,
        tenants: Sequence[str] = (),
        landlord: str = "",
        tenancy_ref: str = "",
        vulnerability: Sequence[str] = (),
        agencies: Sequence[str] = (),
        district: str,
        restricted: bool = True,
    ) -> str:
        """Open a tenancy case on a property, with its tenants (new people records).

        The property is ``place_id`` if given, else a new place from ``address`` and
        ``postcode``. A tenancy case is housing's own work and restricted unless said otherwise.

        Returns:
            The new case's id.

        Raises:
            ValidationError: naming each bad field; nothing is written.
        """
        errors: list[FieldError] = []
        if not place_id and not address.strip():
            errors.append(FieldError("address", "give the property's address"))
        if district not in {d.value for d in District}:
            errors.append(FieldError("district", "choose one of the districts"))
        if errors:
            raise ValidationError(errors)
        sensitivity = "restricted" if restricted else "standard"
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            if not place_id:
                place_id = repo.create(
                    RecordType.PLACE.value,
                    {
                        "label": address.strip().splitlines()[0][:200],
                        "address": address.strip(),
                        "postcode": postcode.strip() or None,
                        "district": district,
                    },
                ).id
            tenant_ids = []
            for name in _clean_list(tenants):
                given, _, family = name.rpartition(" ")
                tenant_ids.append(
                    repo.create(
                        RecordType.PERSON.value,
                        {
                            "given_name": given or None,
                            "family_name": family,
                            "district": district,
                        },
                    ).id
                )
            case = repo.create(
                RecordType.TENANCY_CASE.value,
                {
                    "place_id": place_id,
                    "tenant_ids": tenant_ids,
                    "landlord": landlord.strip() or None,
                    "tenancy_ref": tenancy_ref.strip() or None,
                    "district": district,
                    "status": TenancyStatus.OPEN.value,
                    "vulnerability": _clean_list(vulnerability),
                    "agencies": _clean_list(agencies),
                    "sensitivity": sensitivity,
                },
            )
        return case.id

    def change_status(self, *, case_id: str, status: str) -> None:
        """Change an open case's status (open, monitoring, closure in progress).

        Raises:
            ValidationError: the status is not one of those (closing is `close_case`).
            RecordNotFoundError: no such case.
        """
        if status not in {value for value, _label in STATUS_CHOICES}:
            raise ValidationError([FieldError("status", "choose open, monitoring or closure")])
        self._records.update(
            record_type="tenancy_case", record_id=case_id, changes={"status": status}
        )

    def close_case(self, *, case_id: str, outcome: str) -> None:
        """Close a case with its outcome, stamped now.

        Raises:
            ValidationError: no outcome was given.
            RecordNotFoundError: no such case.
        """
        if not outcome.strip():
            raise ValidationError([FieldError("outcome", "say how the case ended")])
        self._records.update(
            record_type="tenancy_case",
            record_id=case_id,
            changes={
                "status": TenancyStatus.CLOSED.value,
                "outcome": outcome.strip(),
                "closed_at": self._vault.now().isoformat(timespec="seconds"),
            },
        )

    # Closure steps ----------------------------------------------------------------------------

    def record_step(
        self,
        *,
        case_id: str,
        step: str,
        details: StepDetails,
        closure_id: str | None = None,
        vulnerability: VulnerabilityCheck | None = None,
    ) -> str:
        """Record a closure step on a case: a new closure for a notice, else the given one.

        The case moves to "closure in progress" when a notice is served. A notice, an order or
        an extension first needs the vulnerability answer (domain/vulnerability.py): with a
        vulnerability recorded, a safeguarding referral or a reason; the answer is kept on the
        closure.

        Returns:
            The closure's id.

        Raises:
            ValidationError: the step lacks what the Act needs (naming the fields).
            RecordNotFoundError: no such case or closure.
        """
        try:
            kind = ClosureStepKind(step)
        except ValueError:
            raise ValidationError([FieldError("step", "choose a closure step")]) from None
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            case = repo.require(RecordType.TENANCY_CASE, case_id)
            current: dict[str, object] = {}
            if closure_id:
                closure = repo.require(RecordType.CLOSURE, closure_id)
                if closure.fields["case_id"] != case_id:
                    raise ValidationError([FieldError("closure", "belongs to another case")])
                current = dict(closure.fields)
            elif kind is not ClosureStepKind.NOTICE_SERVED:
                raise ValidationError([FieldError("closure", "serve a closure notice first")])
            changes = step_changes(kind, details, current)
            if needs_check_for_step(kind.value):
                check = vulnerability or VulnerabilityCheck(None)
                ruling = rule_on(check)
                if not ruling.allowed:
                    raise ValidationError([FieldError(ruling.field, ruling.problem)])
                changes = {**changes, **check_fields(check)}
            if closure_id:
                repo.update(RecordType.CLOSURE, closure_id, changes)
            else:
                closure_id = repo.create(
                    RecordType.CLOSURE.value,
                    {"case_id": case_id, "district": case.fields["district"], **changes},
                ).id
            if kind is ClosureStepKind.NOTICE_SERVED and case.fields["status"] != "closed":
                repo.update(
                    RecordType.TENANCY_CASE,
                    case_id,
                    {"status": TenancyStatus.CLOSURE_IN_PROGRESS.value},
                )
        return closure_id

    # Documents from the case screen ----------------------------------------------------------

    def _require_documents(self) -> DocumentService:
        if self._documents is None:
            raise RuntimeError("this tenancy service was made without documents")
        return self._documents

    def closure_notice(self, *, closure_id: str) -> KeptDocument:
        """Make the closure notice (s76) for a closure whose notice and hearing are recorded.

        The notice is recorded as a document of the case (it syncs), kept in the vault, and
        logged as a disclosure of the records it shows.

        Raises:
            ValidationError: the closure lacks what the notice must say (naming the fields).
            RecordNotFoundError: no such closure.
        """
        documents = self._require_documents()
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            closure = repo.require(RecordType.CLOSURE, closure_id)
            f = closure.fields
            case = repo.require(RecordType.TENANCY_CASE, str(f["case_id"]))
            place = repo.get(RecordType.PLACE, str(case.fields["place_id"]))
            district = str(case.fields["district"])
            advisers = [
                s
                for s in repo.iter_all(RecordType.SERVICE)
                if ServiceNeed.HOUSING.value in _texts(s.fields.get("categories"))
                and district in _texts(s.fields.get("districts"))
            ]
        missing = [
            FieldError(name, why)
            for name, why in (
                ("notice_served_at", "record when the notice is served"),
                ("authorised_by", "record who authorised it"),
                ("hearing_at", "list the hearing first"),
                ("court", "name the court"),
            )
            if not f.get(name)
        ]
        if missing:
            raise ValidationError(missing)
        served = parse_moment(f["notice_served_at"]).astimezone(LONDON)
        hours = int(str(f.get("notice_hours") or 24))
        premises = ""
        if place is not None:
            premises = ", ".join(
                str(p)
                for p in (
                    place.fields.get("address") or place.fields["label"],
                    place.fields["postcode"],
                )
                if p
            )
        notice = ClosureNoticeInput(
            reference=str(case.fields.get("tenancy_ref") or closure_id[:8]),
            premises=premises,
            served_at=served,
            ends_at=closure_notice_ends_at(served, notice_hours=hours),
            hours=hours,
            permitted=str(f.get("notice_permits") or ""),
            court=str(f["court"]),
            hearing_at=parse_moment(f["hearing_at"]).astimezone(LONDON),
            authorised_by=str(f["authorised_by"]),
            authorised_rank=str(f.get("authorised_rank") or ""),
            advice=tuple(
                " — ".join(str(p) for p in (s.fields["name"], s.fields.get("phone")) if p)
                for s in advisers[:4]
            ),
        )
        branding = documents.library.bundle("en").branding
        rendered = render_closure_notice(notice, shipped_closure_notice("en"), branding)
        at = self._vault.now().isoformat(timespec="milliseconds")
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            kept = documents.keep(
                conn,
                repo,
                rendered,
                subject_type=RecordType.CLOSURE.value,
                subject_id=closure_id,
                district=str(f["district"]),
                served_how=_DOCUMENT_SERVED.get(str(f.get("notice_served_how")), "handed_over"),
            )
            audit.append(
                conn,
                [
                    audit.new_event(
                        at=at,
                        actor=self._vault.username,
                        action=audit.AuditAction.EXPORT,
                        record_type=r.type.value,
                        record_id=r.id,
                        reason="closure_notice made",
                        recipient="premises",
                    )
                    for r in (closure, case, *([place] if place else []))
                ],
            )
        disclosure.log_completion(
            self._vault, what="closure_notice made", count=1, unit="files", recipient="premises"
        )
        return kept

    def evidence_bundle(self, *, case_id: str) -> KeptDocument:
        """Make the case's evidence bundle, naming the court from Settings.

        Restricted visits go in only for users cleared to see them; the index says what was
        left out and why.

        Raises:
            RecordNotFoundError: no such case.
        """
        documents = self._require_documents()
        settings = self._settings()
        printouts = PrintoutService(
            self._vault,
            documents=documents,
            schemes={},
            officer=Officer(settings.officer_name or self._vault.username, settings.officer_number),
            language=settings.language
            if settings.language in documents.library.languages()
            else "en",
        )
        kept = printouts.bundle_for_case(
            case_id, served_how="exported", court=settings.court_name or DEFAULT_COURT
        )
        printouts.saved(kept, served_how="exported")
        return kept

    def add_note(self, *, case_id: str, kind: str, body: str) -> NoteEntry:
        """Add a note to a case's chronology, stamped now.

        Raises:
            ValidationError: the kind or body is not valid.
        """
        with self._vault.read() as conn:
            case = self._vault.records(conn).require(RecordType.TENANCY_CASE, case_id)
        view = self._records.create(
            record_type="tenancy_note",
            fields={
                "case_id": case_id,
                "written_at": self._vault.now().isoformat(timespec="seconds"),
                "kind": kind,
                "body": body,
                "district": case.fields["district"],
                "sensitivity": case.fields.get("sensitivity") or "standard",
            },
        )
        when = parse_moment(view.fields["written_at"])
        return NoteEntry(view.id, when, format_datetime(when), kind, str(view.fields["body"]))


def _closure_entry(closure_id: str, f: object, now: datetime) -> ClosureEntry:
    assert isinstance(f, dict) or hasattr(f, "get")
    fields = dict(f)  # type: ignore[call-overload]
    status = ClosureStatus(fields["status"] or "planned")
    label = closure_status_label(status.value)
    facts_text = _closure_facts_text(fields)
    try:
        facts = closure_facts(fields)
    except ValueError as exc:
        return ClosureEntry(
            closure_id, label, (), f"The closure's dates: {exc}.", facts_text, status.value
        )
    clocks = tuple(
        ClockEntry(c.name.label, format_datetime(c.deadline), c.due)
        for c in closure_clocks(facts, now=now)
    )
    return ClosureEntry(closure_id, label, clocks, "", facts_text, status.value)


def _closure_facts_text(f: dict[str, object]) -> tuple[tuple[str, str], ...]:
    """The recorded facts of each step, as (what, value) lines for the case screen."""

    def moment(name: str) -> str:
        value = f.get(name)
        return format_datetime(parse_moment(value)) if value else ""

    served_how = str(f.get("notice_served_how") or "")
    lines = (
        (
            "Notice authorised by",
            " — ".join(str(p) for p in (f.get("authorised_by"), f.get("authorised_rank")) if p),
        ),
        ("Notice served", moment("notice_served_at")),
        ("Notice length", f"{f.get('notice_hours')} hours" if f.get("notice_served_at") else ""),
        ("Served how", NoticeServedHow(served_how).label if served_how else ""),
        ("Served on", str(f.get("notice_served_on") or "")),
        ("Notice still lets in", str(f.get("notice_permits") or "")),
        ("First hearing", moment("first_hearing_at")),
        ("Hearing", moment("hearing_at")),
        ("Court", str(f.get("court") or "")),
        ("Order made", moment("order_made_at")),
        ("Order length", f"{f.get('order_months')} months" if f.get("order_months") else ""),
        ("Order lets in", str(f.get("order_permits") or "")),
        ("Order covers", str(f.get("order_areas") or "")),
        ("Extended until", str(f.get("extended_until") or "")),
        ("Discharged", moment("discharged_at")),
        ("Appealed", moment("appealed_at")),
    )
    return tuple((what, value) for what, value in lines if value)
