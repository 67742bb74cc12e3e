"""Issuing a warning: the engine's proposal, then warning, signposting and documents in one go."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from fieldkit.documents.inputs import LeafletInput, LetterInput
from fieldkit.domain.escalation import Outcome, next_step
from fieldkit.domain.legal_clocks import (
    LONDON,
    acceptable_behaviour_contract_term,
    format_date,
)
from fieldkit.domain.records import FieldError, RecordType, ValidationError, new_id
from fieldkit.domain.schemes import CountersignWhen, Scheme
from fieldkit.domain.vocabulary import (
    WARNING_SERVICE,
    DocumentKind,
    ReviewDecision,
    ServedHow,
    WarningStatus,
)
from fieldkit.domain.vulnerability import (
    VulnerabilityCheck,
    VulnerabilityRuling,
    check_fields,
    needs_check,
    rule_on,
)
from fieldkit.services.directory import DirectoryService, ServiceRow, as_support_service
from fieldkit.services.documents_service import DocumentService, KeptDocument
from fieldkit.services.people import parse_moment, person_name, warning_facts
from fieldkit.services.settings import AppSettings
from fieldkit.store import replica
from fieldkit.store.records import StoredRecord
from fieldkit.store.transaction import Transaction
from fieldkit.store.vault import Vault

#: The letter printed for each level id the shipped schemes use.
LETTER_FOR_LEVEL: Mapping[str, DocumentKind] = {
    "yellow": DocumentKind.YELLOW_LETTER,
    "red": DocumentKind.RED_LETTER,
    "cpw": DocumentKind.CPW_LETTER,
    "cpn": DocumentKind.CPN_NOTICE,
    "abc": DocumentKind.ABC_CONTRACT,
}


@dataclass(frozen=True)
class SchemeChoice:
    id: str
    name: str


@dataclass(frozen=True)
class WarningProposal:
    """What the engine proposes for a person under a scheme, and why."""

    person_id: str
    person_name: str
    scheme_id: str
    outcome: str
    level_id: str
    level_name: str
    reason: str
    stage: str
    window_ends: str
    support_first: bool
    power: str

    @property
    def can_issue(self) -> bool:
        return self.outcome == Outcome.ISSUE_WARNING.value


@dataclass(frozen=True)
class WarningRequest:
    """What the officer recorded on the warning form."""

    person_id: str
    scheme_id: str
    behaviour: str
    conditions: tuple[str, ...]
    district: str
    place_id: str | None = None
    place_label: str = ""
    occurred_at: datetime | None = None
    service_ids: tuple[str, ...] = ()
    consent_to_referral: bool = False
    method: str = "leaflet"
    deadline: date | None = None
    visit_id: str | None = None
    served_how: str = ServedHow.HANDED_OVER.value
    #: The vulnerability answer, asked before a Red warning or CPN (None: not asked).
    vulnerability: VulnerabilityCheck | None = None


@dataclass(frozen=True)
class WithdrawnWarning:
    """A warning after withdrawal, with what the engine now proposes for the person."""

    warning_id: str
    person_id: str
    proposal: WarningProposal


#: A CPW's "comply by" date when the officer gives none: two weeks from the day it is issued.
CPW_COMPLY_DAYS = 14

#: How long a CPN's requirements run when the officer gives no end date (twelve months).
CPN_PERIOD_DAYS = 365

#: At most this many of the district's general services on a letter with no signposting.
GENERAL_SUPPORT_LIMIT = 4


@dataclass(frozen=True)
class IssuedWarning:
    """The warning as stored, with the documents made for it."""

    warning_id: str
    signposting_id: str | None
    level_name: str
    documents: tuple[KeptDocument, ...]
    #: Prepared but held: the step is countersigned before it is served (a CPN).
    awaiting_countersignature: bool = False


class WarningService:
    """Proposes and issues warnings.

    Args:
        vault: the unlocked vault.
        schemes: the schemes in force, by id.
        directory: the support-services directory.
        documents: renders and keeps letters and leaflets.
        settings: the current settings (officer name and number, language).
    """

    def __init__(
        self,
        vault: Vault,
        *,
        schemes: Mapping[str, Scheme],
        directory: DirectoryService,
        documents: DocumentService,
        settings: Callable[[], AppSettings],
    ) -> None:
        self._vault = vault
        self._schemes = schemes
        self._directory = directory
        self._documents = documents
        self._settings = settings

    def now(self) -> datetime:
        """The vault's clock: the default for when the behaviour happened."""
        return self._vault.now()

    def schemes(self) -> list[SchemeChoice]:
        """The schemes an officer can warn under."""
        return [SchemeChoice(s.id, s.name) for s in self._schemes.values()]

    def propose(self, *, person_id: str, scheme_id: str) -> WarningProposal:
        """What the engine proposes for this person under this scheme.

        Raises:
            RecordNotFoundError: no such person.
            KeyError: no such scheme.
        """
        scheme = self._schemes[scheme_id]
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            person = repo.require(RecordType.PERSON, person_id)
            warnings = repo.where(RecordType.WARNING, "person_id", [person_id])
        dob_text = person.fields.get("date_of_birth")
        dob = date.fromisoformat(str(dob_text)) if dob_text else None
        proposal = next_step(
            scheme, warning_facts(warnings, scheme_id), now=self._vault.now(), date_of_birth=dob
        )
        level = proposal.proposed_level
        return WarningProposal(
            person_id=person_id,
            person_name=person_name(person.fields),
            scheme_id=scheme_id,
            outcome=proposal.outcome.value,
            level_id=level.id if level else "",
            level_name=(
                level.name
                if level
                else proposal.enforcement.name
                if proposal.enforcement
                else "No warning can be issued"
            ),
            reason=proposal.reason,
            stage=proposal.current_stage.name if proposal.current_stage else "No warning standing",
            window_ends=format_date(proposal.window_ends_at) if proposal.window_ends_at else "",
            support_first=proposal.support_first,
            power=level.power if level else "",
        )

    def vulnerability_needed(self, *, level_id: str) -> bool:
        """Whether issuing at this level first asks whether vulnerability was considered."""
        return needs_check(level_id)

    def rule_on_vulnerability(self, check: VulnerabilityCheck) -> VulnerabilityRuling:
        """What the engine says of a vulnerability answer: allowed, and is a referral proposed."""
        return rule_on(check)

    def issue(self, request: WarningRequest) -> IssuedWarning:
        """Store the warning and its signposting, and make and keep the letter and leaflet.

        Everything is written in one transaction: all of it, or (on any error) none.

        A Red warning or CPN needs the vulnerability answer first (domain/vulnerability.py):
        a vulnerable person is escalated only with a safeguarding referral or a reason, and the
        answer is kept on the warning for the supervisor's review.

        Raises:
            ValidationError: naming what is wrong on the form.
        """
        problems = [
            *([] if request.behaviour.strip() else [FieldError("behaviour", "is required")]),
            *(
                []
                if any(c.strip() for c in request.conditions)
                else [FieldError("conditions", "say what must stop or change")]
            ),
        ]
        now = self._vault.now()
        if request.served_how not in {h.value for h in WARNING_SERVICE}:
            problems.append(FieldError("served_how", "choose how it was served"))
        if request.occurred_at is not None and request.occurred_at > now:
            problems.append(FieldError("occurred_at", "is in the future"))
        if problems:
            raise ValidationError(problems)
        request = self._with_context(request)
        proposal = self.propose(person_id=request.person_id, scheme_id=request.scheme_id)
        if not proposal.can_issue:
            raise ValidationError([FieldError("scheme", proposal.reason)])
        check_kept: dict[str, object] = {}
        if needs_check(proposal.level_id):
            check = request.vulnerability or VulnerabilityCheck(None)
            ruling = rule_on(check)
            if not ruling.allowed:
                raise ValidationError([FieldError(ruling.field, ruling.problem)])
            check_kept = check_fields(check)
        scheme = self._schemes[request.scheme_id]
        settings = self._settings()
        warning_id = new_id()
        services = self._directory.by_ids(list(request.service_ids))
        comply_by = self._comply_by(request, proposal.level_id, now)
        period_ends = self._period_ends(request, proposal.level_id, now)
        review_due = None
        if LETTER_FOR_LEVEL.get(proposal.level_id) is DocumentKind.ABC_CONTRACT:
            period_ends, review_due = abc_dates(now, ends_on=request.deadline)
        level = scheme.levels[scheme.rank(proposal.level_id)]
        held = level.countersign_when is CountersignWhen.BEFORE_SERVING
        letter = self._letter(
            request,
            scheme,
            proposal.level_id,
            settings,
            now,
            warning_id,
            services,
            comply_by or period_ends,
            review_due,
        )
        # A step countersigned before serving is only checked here (the letter renders); the
        # document is made and kept when it is served, after the countersignature arrives.
        rendered = [self._documents.render_letter(letter)] if letter else []
        if held:
            rendered = []
        if services and not held:
            rendered.append(
                self._documents.render_leaflet(
                    LeafletInput(
                        services=tuple(as_support_service(s) for s in services),
                        issued_on=now.astimezone(LONDON).date(),
                        reference=reference_for(warning_id),
                        language=settings.language,
                    )
                )
            )
        stamp = now.isoformat(timespec="seconds")
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            signposting_id: str | None = None
            if services or request.consent_to_referral:
                signposting_id = repo.create(
                    "signposting",
                    {
                        "person_id": request.person_id,
                        "service_ids": [s.id for s in services],
                        "consent_to_referral": request.consent_to_referral,
                        "given_at": stamp,
                        "method": "referral" if request.consent_to_referral else request.method,
                        "district": request.district,
                    },
                ).id
            repo.create(
                "warning",
                {
                    "person_id": request.person_id,
                    "scheme": request.scheme_id,
                    "level": proposal.level_id,
                    "issued_at": stamp,
                    "place_id": request.place_id,
                    "district": request.district,
                    "behaviour": request.behaviour,
                    "conditions": "\n".join(c.strip() for c in request.conditions if c.strip()),
                    "signposting_id": signposting_id,
                    "visit_id": request.visit_id,
                    "occurred_at": (request.occurred_at or now).isoformat(timespec="seconds"),
                    "place_label": request.place_label,
                    "served_how": None if held else request.served_how,
                    "served_at": None if held else stamp,
                    "comply_by": comply_by.isoformat() if comply_by else None,
                    "period_ends": period_ends.isoformat() if period_ends else None,
                    "review_due": review_due.isoformat() if review_due else None,
                    "status": (
                        WarningStatus.AWAITING_COUNTERSIGNATURE.value
                        if held
                        else WarningStatus.ISSUED.value
                    ),
                    **check_kept,
                },
                record_id=warning_id,
            )
            kept = tuple(
                self._documents.keep(
                    conn,
                    repo,
                    doc,
                    subject_type="person",
                    subject_id=request.person_id,
                    district=request.district,
                    served_how=(
                        request.served_how
                        if doc.kind in LETTER_FOR_LEVEL.values()
                        else ServedHow.HANDED_OVER.value
                    ),
                )
                for doc in rendered
            )
        return IssuedWarning(warning_id, signposting_id, proposal.level_name, kept, held)

    def serve(self, *, warning_id: str, served_how: str) -> IssuedWarning:
        """Serve a step held for countersignature, once the countersignature has arrived.

        Makes and keeps the document (recorded with how it was served) and starts its clocks
        (a CPN's appeal period runs from today).

        Raises:
            RecordNotFoundError: no such warning.
            ValidationError: it is not waiting to be served, no supervisor has countersigned it
                yet, or ``served_how`` is not a way to serve it.
        """
        if served_how not in {h.value for h in WARNING_SERVICE}:
            raise ValidationError([FieldError("served_how", "choose how it was served")])
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            warning = repo.require(RecordType.WARNING, warning_id)
            countersigned = any(
                _countersigned_by_another(conn, r, self._vault.username)
                for r in repo.where(RecordType.REVIEW, "subject_id", [warning_id])
            )
        f = warning.fields
        if f.get("status") != WarningStatus.AWAITING_COUNTERSIGNATURE.value:
            raise ValidationError([FieldError("status", "is not waiting to be served")])
        if not countersigned:
            raise ValidationError(
                [FieldError("countersignature", "has not arrived yet: sync, then try again")]
            )
        scheme = self._schemes[str(f["scheme"])]
        settings = self._settings()
        now = self._vault.now()
        request = WarningRequest(
            person_id=str(f["person_id"]),
            scheme_id=scheme.id,
            behaviour=str(f["behaviour"]),
            conditions=tuple(str(f["conditions"] or "").splitlines()),
            district=str(f["district"]),
            place_id=_text_or_none(f.get("place_id")),
            place_label=str(f.get("place_label") or ""),
            occurred_at=parse_moment(f["occurred_at"] or f["issued_at"]),
            visit_id=_text_or_none(f.get("visit_id")),
            served_how=served_how,
        )
        services = self._directory.by_ids(_signposted(self._vault, f.get("signposting_id")))
        period = date.fromisoformat(str(f["period_ends"])) if f.get("period_ends") else None
        review = date.fromisoformat(str(f["review_due"])) if f.get("review_due") else None
        letter = self._letter(
            request, scheme, str(f["level"]), settings, now, warning_id, services, period, review
        )
        rendered = [self._documents.render_letter(letter)] if letter else []
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            repo.update(
                RecordType.WARNING,
                warning_id,
                {
                    "status": WarningStatus.ISSUED.value,
                    "served_how": served_how,
                    "served_at": now.isoformat(timespec="seconds"),
                },
            )
            kept = tuple(
                self._documents.keep(
                    conn,
                    repo,
                    doc,
                    subject_type="person",
                    subject_id=request.person_id,
                    district=request.district,
                    served_how=served_how,
                )
                for doc in rendered
            )
        level = scheme.levels[scheme.rank(str(f["level"]))]
        return IssuedWarning(warning_id, _text_or_none(f.get("signposting_id")), level.name, kept)

    def _letter(
        self,
        request: WarningRequest,
        scheme: Scheme,
        level_id: str,
        settings: AppSettings,
        now: datetime,
        warning_id: str,
        services: Sequence[ServiceRow],
        deadline: date | None,
        review_on: date | None = None,
    ) -> LetterInput | None:
        kind = LETTER_FOR_LEVEL.get(level_id)
        if kind is None:
            return None
        step, power = next_step_wording(scheme, level_id)
        local_now = now.astimezone(LONDON)
        with self._vault.read() as conn:
            person = self._vault.records(conn).require(RecordType.PERSON, request.person_id)
        named = bool(person.fields.get("given_name") or person.fields.get("family_name"))
        return LetterInput(
            kind=kind,
            reference=reference_for(warning_id),
            issued_at=local_now,
            person_name=person_name(person.fields) if named else None,
            person_description=None if named else str(person.fields.get("description") or ""),
            place_label=request.place_label,
            occurred_at=(request.occurred_at or now).astimezone(LONDON),
            behaviour=request.behaviour.strip(),
            conditions=tuple(c.strip() for c in request.conditions if c.strip()),
            scheme_name=scheme.name,
            next_step=step,
            next_step_power=power,
            officer_name=settings.officer_name or self._vault.username,
            officer_number=settings.officer_number,
            support=tuple(
                as_support_service(s) for s in (services or self._general_support(request))
            ),
            deadline=deadline,
            review_on=review_on,
            appeal_days=scheme.levels[scheme.rank(level_id)].appeal_days,
            language=settings.language,
        )

    def _with_context(self, request: WarningRequest) -> WarningRequest:
        """The request with place, time and district taken from its visit and place records.

        The district is the place's (where it happened), not the officer's setting.

        Raises:
            ValidationError: the visit or place named does not exist.
        """
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            place_id, occurred_at = request.place_id, request.occurred_at
            if request.visit_id:
                visit = repo.get(RecordType.VISIT, request.visit_id)
                if visit is None:
                    raise ValidationError([FieldError("visit_id", "no such visit")])
                place_id = place_id or _text_or_none(visit.fields.get("place_id"))
                occurred_at = occurred_at or parse_moment(str(visit.fields["occurred_at"]))
            district, label = request.district, request.place_label
            if place_id:
                place = repo.get(RecordType.PLACE, place_id)
                if place is None:
                    raise ValidationError([FieldError("place_id", "no such place")])
                district = str(place.fields["district"])
                label = label or str(place.fields["label"])
        if not label.strip():
            raise ValidationError([FieldError("place", "say where it happened")])
        if occurred_at is None:
            raise ValidationError([FieldError("occurred_at", "say when it happened")])
        return replace(
            request,
            place_id=place_id,
            place_label=label.strip(),
            occurred_at=occurred_at,
            district=district,
        )

    @staticmethod
    def _comply_by(request: WarningRequest, level_id: str, now: datetime) -> date | None:
        if LETTER_FOR_LEVEL.get(level_id) is not DocumentKind.CPW_LETTER:
            return request.deadline
        return request.deadline or now.astimezone(LONDON).date() + timedelta(days=CPW_COMPLY_DAYS)

    @staticmethod
    def _period_ends(request: WarningRequest, level_id: str, now: datetime) -> date | None:
        if LETTER_FOR_LEVEL.get(level_id) is not DocumentKind.CPN_NOTICE:
            return None
        return request.deadline or now.astimezone(LONDON).date() + timedelta(days=CPN_PERIOD_DAYS)

    def _general_support(self, request: WarningRequest) -> list[ServiceRow]:
        """The district's general services, so that a letter's support section is never empty."""
        return self._directory.services(district=request.district)[:GENERAL_SUPPORT_LIMIT]

    def record_review(
        self, *, warning_id: str, reviewed_on: date | None = None, note: str = ""
    ) -> None:
        """Record that an Acceptable Behaviour Contract was reviewed: its clock leaves Today.

        Args:
            warning_id: the ABC's warning.
            reviewed_on: the day the review took place (today if not given); not in the future.
            note: what the review found, kept with the version and in the audit log as its
                reason (so, like any reason, it should name no one).

        Raises:
            RecordNotFoundError: no such warning.
            ValidationError: it has no review date, it was reviewed already, or the day is
                in the future.
        """
        now = self._vault.now()
        today = now.astimezone(LONDON).date()
        day = reviewed_on or today
        if day > today:
            raise ValidationError([FieldError("reviewed_at", "cannot be in the future")])
        moment = now if day == today else datetime.combine(day, time(12), tzinfo=LONDON)
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            current = repo.require(RecordType.WARNING, warning_id)
            if not current.fields.get("review_due"):
                raise ValidationError([FieldError("review_due", "this step has no review")])
            if current.fields.get("reviewed_at"):
                raise ValidationError([FieldError("reviewed_at", "is reviewed already")])
            repo.update(
                RecordType.WARNING,
                warning_id,
                {"reviewed_at": moment.isoformat(timespec="seconds")},
                reason=note.strip() or None,
            )

    def withdraw(self, *, warning_id: str, reason: str) -> WithdrawnWarning:
        """Withdraw a warning: the ladder stops counting it and the person's stage is recomputed.

        The warning is kept (status withdrawn, with when, by whom and why), so the timeline and
        the audit log show the withdrawal; the change syncs like any other.

        Raises:
            ValidationError: no reason given, or the warning is already withdrawn.
            RecordNotFoundError: no such warning.
        """
        why = reason.strip()
        if not why:
            raise ValidationError([FieldError("reason", "say why the warning is withdrawn")])
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            current = repo.require(RecordType.WARNING, warning_id)
            if current.fields.get("status") == WarningStatus.WITHDRAWN.value:
                raise ValidationError([FieldError("status", "is already withdrawn")])
            repo.update(
                RecordType.WARNING,
                warning_id,
                {
                    "status": WarningStatus.WITHDRAWN.value,
                    "withdrawn_at": self._vault.now().isoformat(timespec="seconds"),
                    "withdrawn_by": self._vault.username,
                    "withdrawal_reason": why,
                },
            )
            person_id = str(current.fields["person_id"])
            scheme_id = str(current.fields["scheme"])
        proposal = self.propose(person_id=person_id, scheme_id=scheme_id)
        return WithdrawnWarning(warning_id, person_id, proposal)


def abc_dates(now: datetime, *, ends_on: date | None = None) -> tuple[date, date]:
    """An Acceptable Behaviour Contract's last day and review date, as (ends, review).

    Six months with a review at three (custom and practice, `acceptable_behaviour_contract_term`);
    a shorter term the officer gave ends it sooner, and the review is never after the end.
    """
    term = acceptable_behaviour_contract_term(now)
    ends = ends_on or term.ends_at.astimezone(LONDON).date()
    review = min(term.review_due_at.astimezone(LONDON).date(), ends)
    return ends, review


def _text_or_none(value: object) -> str | None:
    return str(value) if value else None


def _countersigned_by_another(conn: Transaction, review: StoredRecord, me: str) -> bool:
    """A countersignature that counts: it arrived by sync and a supervisor other than me wrote it.

    The server takes review records only from supervisors, so one that came from the server
    with another author is a supervisor's. A review written on this laptop (by import, or by a
    supervisor countersigning their own notice) does not count.
    """
    if review.fields.get("decision") != ReviewDecision.COUNTERSIGNED.value:
        return False
    origin = replica.origin_of(conn, review.id)
    return (
        origin is not None
        and origin.author not in (None, me)
        and review.fields.get("reviewer") != me
    )


def _signposted(vault: Vault, signposting_id: object) -> list[str]:
    """The services a warning's signposting gave (none if it has none)."""
    if not signposting_id:
        return []
    with vault.read() as conn:
        record = vault.records(conn).get(RecordType.SIGNPOSTING, str(signposting_id))
    return [str(s) for s in (record.fields.get("service_ids") if record else None) or []]  # type: ignore[attr-defined]


def next_step_wording(scheme: Scheme, level_id: str) -> tuple[str, str]:
    """What a letter at this level says comes next, and under which power."""
    rank = scheme.rank(level_id)
    if rank + 1 < len(scheme.levels):
        following = scheme.levels[rank + 1]
        return f"a {following.name}", following.power
    return f"a referral for {scheme.enforcement.options[0]}", scheme.enforcement.power


def reference_for(record_id: str) -> str:
    """The short reference printed on a document (from the record id)."""
    return "FK-" + record_id[:8].upper()
