"""Documents made from stored records: a warning's letter, a leaflet, a case's evidence bundle.

Each one is rendered, recorded as a `document` (which syncs), kept in the vault, and logged as a
disclosure of every record it shows, all in one transaction committed before the PDF is handed
back; `saved` adds the ``complete`` entry once the file is written. The command line uses these;
the app's warning screen renders before it stores.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from fieldkit.documents import (
    BundleEntry,
    BundleInput,
    CaseHeader,
    ClosureStep,
    LeafletInput,
    LetterInput,
    RenderedDocument,
    render_bundle,
)
from fieldkit.domain.legal_clocks import (
    LONDON,
    closure_notice_ends_at,
    closure_order_ends_at,
    hearing_deadline,
)
from fieldkit.domain.records import FieldError, RecordType, ValidationError, is_restricted
from fieldkit.domain.schemes import Scheme
from fieldkit.domain.vocabulary import (
    ClosureStatus,
    DocumentKind,
    NoteKind,
    ServedHow,
    VisitKind,
)
from fieldkit.services import disclosure
from fieldkit.services.directory import as_support_service, service_row, serving
from fieldkit.services.documents_service import DocumentService, KeptDocument, PrintOutcome
from fieldkit.services.evidence import AttachmentService
from fieldkit.services.people import parse_moment, person_name
from fieldkit.services.warnings import (
    GENERAL_SUPPORT_LIMIT,
    LETTER_FOR_LEVEL,
    next_step_wording,
    reference_for,
)
from fieldkit.store import audit, replica
from fieldkit.store.records import RecordRepository, StoredRecord
from fieldkit.store.transaction import Transaction
from fieldkit.store.vault import Vault

#: The court named on a bundle when the user has not set one.
DEFAULT_COURT = "Kirklees Magistrates' Court"


def cleared_for_restricted(conn: Transaction) -> bool:
    """Whether the server last said this vault's user may see others' restricted records.

    Supervisors and users cleared for safeguarding see restricted records in their districts
    (docs/sync-protocol.md, Policy); anyone else sees only the restricted records they made.
    """
    user = replica.get_state(conn, "user")
    if not isinstance(user, dict):
        return False
    return user.get("role") == "supervisor" or user.get("safeguarding") is True


def _visible_visits(
    visits: Sequence[StoredRecord], *, me: str, cleared: bool
) -> tuple[list[StoredRecord], int]:
    """The visits this user may put in a bundle, and how many restricted ones were left out."""
    shown = [
        v
        for v in visits
        if cleared or not is_restricted(v.fields) or str(v.fields.get("officer_id")) == me
    ]
    return shown, len(visits) - len(shown)


class NoLetterForWarning(Exception):
    """The warning's level has no letter (an enforcement step is not a letter)."""


@dataclass(frozen=True)
class Officer:
    """Who signs: name and collar or staff number."""

    name: str
    number: str

    @property
    def signature(self) -> str:
        """Name and number as a bundle's "prepared by" line."""
        return f"{self.name} ({self.number})" if self.number.strip() else self.name


@dataclass(frozen=True)
class VisitDocument:
    """A document made from a visit, to reprint: a warning's letter or a signposting leaflet."""

    kind: str
    title: str
    warning_id: str = ""
    signposting_id: str = ""


class PrintoutService:
    """Render documents from stored records, record and keep them, and log the disclosure.

    Args:
        vault: the unlocked vault.
        documents: renders and keeps documents.
        schemes: the schemes in force, by id.
        officer: the officer named on letters, or how to find them as each letter is made
            (so a name or staff number that arrives with a sign-in reaches the next letter).
        language: the document language.
    """

    def __init__(
        self,
        vault: Vault,
        *,
        documents: DocumentService,
        schemes: Mapping[str, Scheme],
        officer: Officer | Callable[[], Officer],
        language: str = "en",
    ) -> None:
        self._vault = vault
        self._documents = documents
        self._schemes = schemes
        self._officer_of = officer if callable(officer) else (lambda: officer)
        self._language = language

    def letter_for_warning(
        self, warning_id: str, *, served_how: str, reprint: bool = False
    ) -> KeptDocument:
        """The warning letter for a stored warning (a reprint says so on every page).

        It states what the warning record holds: where, when the behaviour happened, the
        comply-by date or notice period, and the right of appeal where there is one.

        Raises:
            RecordNotFoundError: no such warning (or its person).
            NoLetterForWarning: the warning's level has no letter.
        """
        officer = self._officer_of()
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            warning = repo.require(RecordType.WARNING, warning_id)
            w = warning.fields
            person = repo.require(RecordType.PERSON, str(w["person_id"]))
            place = repo.get(RecordType.PLACE, str(w["place_id"])) if w["place_id"] else None
            services = self._signposted_services(repo, w.get("signposting_id"))
            if not services:
                # As when it was first printed: never an empty support section.
                services = serving(repo.iter_all(RecordType.SERVICE), district=str(w["district"]))[
                    :GENERAL_SUPPORT_LIMIT
                ]
        kind = LETTER_FOR_LEVEL.get(str(w["level"]))
        scheme = self._schemes.get(str(w["scheme"]))
        if kind is None or scheme is None:
            raise NoLetterForWarning()
        step, power = next_step_wording(scheme, str(w["level"]))
        named = bool(person.fields.get("given_name") or person.fields.get("family_name"))
        issued = parse_moment(w["issued_at"]).astimezone(LONDON)
        expires = w.get("expires_at")
        deadline_text = w.get("comply_by") or w.get("period_ends")
        deadline = (
            date.fromisoformat(str(deadline_text))
            if deadline_text
            else parse_moment(expires).astimezone(LONDON).date()
            if expires
            else None
        )
        level = next((lv for lv in scheme.levels if lv.id == w["level"]), None)
        occurred = parse_moment(w.get("occurred_at") or w["issued_at"]).astimezone(LONDON)
        now = self._vault.now().astimezone(LONDON)
        letter = LetterInput(
            kind=kind,
            reference=reference_for(warning_id),
            issued_at=issued,
            person_name=person_name(person.fields) if named else None,
            person_description=None if named else str(person.fields.get("description") or ""),
            place_label=str(w.get("place_label") or (place.fields["label"] if place else "")),
            place_address=str(place.fields.get("address") or "") if place else "",
            occurred_at=occurred,
            behaviour=str(w["behaviour"]),
            conditions=tuple(
                c.strip() for c in str(w.get("conditions") or "").splitlines() if c.strip()
            )
            or ("repeat the behaviour described above",),
            scheme_name=scheme.name,
            next_step=step,
            next_step_power=power,
            officer_name=officer.name,
            officer_number=officer.number,
            support=tuple(as_support_service(service_row(s)) for s in services),
            deadline=deadline,
            review_on=date.fromisoformat(str(w["review_due"])) if w.get("review_due") else None,
            appeal_days=level.appeal_days if level else None,
            language=self._language,
            reprint_note=f"REPRINT {now:%d %b %Y %H:%M}" if reprint else "",
        )
        rendered = self._documents.render_letter(letter)
        return self._keep(rendered, person, str(w["district"]), served_how)

    def reprint_letter(
        self,
        warning_id: str,
        *,
        printer: str | None,
        recipient: str,
        served_how: str = "handed_over",
    ) -> tuple[KeptDocument, PrintOutcome]:
        """Reprint a warning's letter (from the profile, case, visit or document list).

        The reprint is marked as one on every page, recorded and kept like the first print,
        and its printing is logged (s62) with who it is for.

        Raises:
            RecordNotFoundError: no such warning.
            NoLetterForWarning: the warning's level has no letter.
            ValidationError: no recipient given.
        """
        if not recipient.strip():
            raise ValidationError([FieldError("recipient", "say who the reprint is for")])
        kept = self.letter_for_warning(warning_id, served_how=served_how, reprint=True)
        outcome = self._documents.print_document(kept, printer=printer, recipient=recipient.strip())
        return kept, outcome

    def visit_documents(self, visit_id: str) -> list[VisitDocument]:
        """The documents made from a visit: letters of the issued warnings that name it, and
        leaflets of the signposting given at it (or with those warnings).

        Raises:
            RecordNotFoundError: no such visit.
        """
        out: list[VisitDocument] = []
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            repo.require(RecordType.VISIT, visit_id)
            warnings = repo.where(RecordType.WARNING, "visit_id", [visit_id])
            signposting_ids = {
                s.id for s in repo.where(RecordType.SIGNPOSTING, "visit_id", [visit_id])
            }
            for w in sorted(warnings, key=lambda r: str(r.fields.get("issued_at") or "")):
                kind = LETTER_FOR_LEVEL.get(str(w.fields.get("level")))
                if kind is not None and w.fields.get("status") == "issued":
                    out.append(VisitDocument(kind.value, kind.label, warning_id=w.id))
                if w.fields.get("signposting_id"):
                    signposting_ids.add(str(w.fields["signposting_id"]))
            for sid in sorted(signposting_ids):
                given = repo.get(RecordType.SIGNPOSTING, sid)
                if given is not None and given.fields.get("service_ids"):
                    leaflet = DocumentKind.SIGNPOSTING_LEAFLET
                    out.append(VisitDocument(leaflet.value, leaflet.label, signposting_id=sid))
        return out

    def reprint_from_visit(
        self, document: VisitDocument, *, printer: str | None, recipient: str
    ) -> tuple[KeptDocument, PrintOutcome]:
        """Reprint a document made from a visit, kept and logged (s62) with who it is for.

        Raises:
            ValidationError: no recipient given.
            RecordNotFoundError: its warning or signposting is gone.
        """
        if document.warning_id:
            return self.reprint_letter(document.warning_id, printer=printer, recipient=recipient)
        if not recipient.strip():
            raise ValidationError([FieldError("recipient", "say who the reprint is for")])
        with self._vault.read() as conn:
            given = self._vault.records(conn).require(
                RecordType.SIGNPOSTING, document.signposting_id
            )
        services = [str(s) for s in given.fields.get("service_ids") or []]  # type: ignore[attr-defined]
        kept = self.leaflet(
            services, person_id=str(given.fields["person_id"]), served_how="handed_over"
        )
        outcome = self._documents.print_document(
            kept, printer=printer, recipient=recipient.strip(), reprint=True
        )
        return kept, outcome

    def leaflet(
        self, service_ids: Sequence[str], *, person_id: str | None, served_how: str
    ) -> KeptDocument:
        """A signposting leaflet of these services (for a person, if one is named).

        Raises:
            RecordNotFoundError: a service (or the person) is not in the vault.
        """
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            services = [repo.require(RecordType.SERVICE, s) for s in service_ids]
            subject = repo.require(RecordType.PERSON, person_id) if person_id else services[0]
        rendered = self._documents.render_leaflet(
            LeafletInput(
                services=tuple(as_support_service(service_row(s)) for s in services),
                issued_on=self._vault.now().astimezone(LONDON).date(),
                language=self._language,
            )
        )
        districts = subject.fields.get("districts") or [subject.fields.get("district")]
        assert isinstance(districts, list)
        return self._keep(rendered, subject, str(districts[0] or "huddersfield"), served_how)

    def bundle_for_case(
        self, case_id: str, *, served_how: str, court: str = DEFAULT_COURT
    ) -> KeptDocument:
        """The chronological evidence bundle of a tenancy case, for a Closure Order hearing.

        Restricted visits at the property go in only when this vault's user may see them (they
        recorded it, or they are a supervisor or cleared for safeguarding records); the index
        says how many were left out and why, never what they hold.

        Args:
            case_id: the tenancy case.
            served_how: how the bundle reaches the court.
            court: the court named on the bundle (the user's setting).

        Raises:
            RecordNotFoundError: no such case.
        """
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            case = repo.require(RecordType.TENANCY_CASE, case_id)
            c = case.fields
            place = repo.get(RecordType.PLACE, str(c["place_id"]))
            tenant_ids = [str(t) for t in c.get("tenant_ids") or []]  # type: ignore[attr-defined]
            tenants = repo.get_many(RecordType.PERSON, tenant_ids)
            notes = repo.where(RecordType.TENANCY_NOTE, "case_id", [case_id])
            visits = repo.where(RecordType.VISIT, "place_id", [str(c["place_id"])])
            letters = (
                repo.where(RecordType.DOCUMENT, "subject_id", tenant_ids) if tenant_ids else []
            )
            closures = repo.where(RecordType.CLOSURE, "case_id", [case_id])
            authors = {v.id: self._author(conn, v) for v in visits}
            cleared = cleared_for_restricted(conn)
        visits, withheld = _visible_visits(visits, me=self._vault.username, cleared=cleared)
        left_out = (
            (
                f"{withheld} restricted visit{'s' if withheld != 1 else ''} at this address "
                f"{'were' if withheld != 1 else 'was'} left out: the person who made this bundle "
                "is not cleared to see safeguarding records. A supervisor or a cleared officer "
                "can make a bundle that includes them.",
            )
            if withheld
            else ()
        )
        now = self._vault.now().astimezone(LONDON)
        entries = [
            *(_note_entry(n) for n in notes),
            *(_visit_entry(v, authors[v.id]) for v in visits),
            *(_letter_entry(d) for d in letters),
        ]
        entries.sort(key=lambda e: (e.when, e.record_id))
        address = (
            ", ".join(
                str(p) for p in (place.fields.get("address"), place.fields.get("postcode")) if p
            )
            if place
            else ""
        )
        bundle = BundleInput(
            case=CaseHeader(
                case_id=case_id,
                case_reference=str(c.get("tenancy_ref") or reference_for(case_id)),
                property_address=address or (str(place.fields["label"]) if place else ""),
                tenant_name=", ".join(person_name(t.fields) for t in tenants) or "Not recorded",
                prepared_by=self._officer_of().signature,
                prepared_at=now,
                court=court,
            ),
            entries=tuple(entries),
            closure_steps=tuple(step for cl in closures for step in _closure_steps(cl)),
            language=self._language,
            left_out=left_out,
        )
        shown = [case, *([place] if place else []), *tenants, *notes, *visits, *letters, *closures]
        # Photos and files on what the bundle shows become its numbered exhibits.
        me = self._vault.username
        exhibits, shown_files = AttachmentService(self._vault).exhibits(
            owner_ids=[r.id for r in shown], names={me: self._officer_of().name}
        )
        bundle = dataclasses.replace(bundle, exhibits=tuple(exhibits))
        template = self._documents.library.bundle(self._language)
        rendered = render_bundle(bundle, template)
        if shown_files:
            with self._vault.read() as conn:
                shown += self._vault.records(conn).get_many(RecordType.ATTACHMENT, shown_files)
        return self._keep(rendered, case, str(c["district"]), served_how, shown=shown)

    def _author(self, conn: Transaction, record: StoredRecord) -> str:
        """Who wrote a visit: for one that arrived by sync, the user the server says pushed it
        (never the name its own fields claim); for work written or imported here, its officer."""
        origin = replica.origin_of(conn, record.id)
        if origin is not None and origin.author:
            return origin.author
        return str(record.fields.get("officer_id") or "")

    def _signposted_services(
        self, repo: RecordRepository, signposting_id: object
    ) -> list[StoredRecord]:
        if not signposting_id:
            return []
        signposting = repo.get(RecordType.SIGNPOSTING, str(signposting_id))
        if signposting is None:
            return []
        ids = [str(s) for s in signposting.fields.get("service_ids") or []]  # type: ignore[attr-defined]
        return repo.get_many(RecordType.SERVICE, ids)

    def saved(self, kept: KeptDocument, *, served_how: str) -> None:
        """Log the ``complete`` entry of a document whose PDF has been written out.

        Args:
            kept: the document, as `letter_for_warning`, `leaflet` or `bundle_for_case` made it.
            served_how: how it reaches its recipient, as given when it was made.
        """
        disclosure.log_completion(
            self._vault, what=f"{kept.kind} made", count=1, unit="files", recipient=served_how
        )

    def _keep(
        self,
        rendered: RenderedDocument,
        subject: StoredRecord,
        district: str,
        served_how: str,
        *,
        shown: Sequence[StoredRecord] = (),
    ) -> KeptDocument:
        """Record and keep the document and log each record it shows, in one transaction."""
        disclosed = dict.fromkeys((r.type.value, r.id) for r in (subject, *shown))
        at = self._vault.now().isoformat(timespec="milliseconds")
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            kept = self._documents.keep(
                conn,
                repo,
                rendered,
                subject_type=subject.type.value,
                subject_id=subject.id,
                district=district,
                served_how=served_how,
            )
            audit.append(
                conn,
                [
                    audit.new_event(
                        at=at,
                        actor=self._vault.username,
                        action=audit.AuditAction.EXPORT,
                        record_type=record_type,
                        record_id=record_id,
                        reason=f"{rendered.kind.value} made",
                        recipient=served_how,
                    )
                    for record_type, record_id in disclosed
                ],
            )
        return kept


def _note_entry(note: StoredRecord) -> BundleEntry:
    f = note.fields
    return BundleEntry(
        record_id=note.id,
        when=parse_moment(f["written_at"]).astimezone(LONDON),
        kind=f"Note ({NoteKind.label_for(f['kind']).lower()})",
        title=NoteKind.label_for(f["kind"]) + " note",
        body=str(f["body"]),
    )


def _visit_entry(visit: StoredRecord, author: str) -> BundleEntry:
    f = visit.fields
    return BundleEntry(
        record_id=visit.id,
        when=parse_moment(f["occurred_at"]).astimezone(LONDON),
        kind="Visit",
        title=VisitKind.label_for(f["kind"]),
        body=str(f.get("narrative") or ""),
        author=author,
    )


def _letter_entry(document: StoredRecord) -> BundleEntry:
    f = document.fields
    return BundleEntry(
        record_id=document.id,
        when=parse_moment(f["printed_at"]).astimezone(LONDON),
        kind="Letter served",
        title=DocumentKind.label_for(f["kind"]),
        body=f"Served: {ServedHow.label_for(f['served_how']).lower()}. Template {f['template_id']} "
        f"version {f['template_version']}; SHA-256 {f['sha256']}.",
    )


def _closure_steps(closure: StoredRecord) -> list[ClosureStep]:
    f = closure.fields
    steps: list[ClosureStep] = []
    status = ClosureStatus.label_for(str(f["status"])) if f.get("status") else ""
    if f.get("notice_served_at"):
        served = parse_moment(f["notice_served_at"]).astimezone(LONDON)
        hours = int(f.get("notice_hours") or 24)  # type: ignore[call-overload]
        steps.append(
            ClosureStep(
                closure.id,
                f"Closure notice served ({hours} hours)",
                served,
                closure_notice_ends_at(served, notice_hours=hours),
                status,
            )
        )
        steps.append(
            ClosureStep(
                closure.id, "Application to be heard by", served, hearing_deadline(served), status
            )
        )
    if f.get("hearing_at"):
        heard = parse_moment(f["hearing_at"]).astimezone(LONDON)
        steps.append(ClosureStep(closure.id, "Hearing", heard, None, status))
    if f.get("order_made_at"):
        made = parse_moment(f["order_made_at"]).astimezone(LONDON)
        months = int(f.get("order_months") or 3)  # type: ignore[call-overload]
        steps.append(
            ClosureStep(
                closure.id,
                f"Closure order made ({months} months)",
                made,
                closure_order_ends_at(made, order_months=months),
                status,
            )
        )
    return steps
