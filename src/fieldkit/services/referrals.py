"""Referrals to partners: made from a visit, a case or a signposting; answered by the partner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from fieldkit.documents.referral_form import ReferralForm, render_referral_form
from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.records import FieldError, RecordType, ValidationError
from fieldkit.domain.referrals import (
    DEFAULT_RESPONSE_DAYS,
    Consent,
    LawfulException,
    PartnerAgency,
    ReferralSource,
    ReferralStatus,
    Urgency,
    is_overdue,
    respond_by,
)
from fieldkit.domain.vocabulary import ServedHow
from fieldkit.domain.working_days import BankHolidays, BankHolidaysError, shipped_bank_holidays
from fieldkit.services.documents_service import DocumentService, KeptDocument
from fieldkit.services.people import person_name
from fieldkit.store import replica
from fieldkit.store.records import RecordRepository, StoredRecord
from fieldkit.store.vault import Vault

#: What a person reads when the referred person's record is not shared with their agency.
NOT_SHARED = "Not shared with your agency"


@dataclass(frozen=True)
class ReferralView:
    """A referral as its screens show it."""

    id: str
    source_type: str
    source_id: str
    person_id: str
    person: str
    district: str
    to: str
    reason: str
    urgency: str
    consent: str
    #: The lawful exception relied on, in words ("" when none was needed).
    exception: str
    referred_by: str
    sent_at: str
    respond_by: date | None
    status: ReferralStatus
    decline_reason: str
    outcome: str
    #: Sent to the user's agency by someone else: theirs to answer.
    incoming: bool
    overdue: bool

    @property
    def status_text(self) -> str:
        return self.status.label


class ReferralService:
    """Make, list and answer referrals on this laptop.

    Args:
        vault: an unlocked vault.
        holidays: the bank holidays the response clock skips (the shipped list by default).
        response_days: working days a partner has to answer (the partnership's setting).
        documents: makes and keeps the referral form (no forms if None).
    """

    def __init__(
        self,
        vault: Vault,
        *,
        holidays: BankHolidays | None = None,
        response_days: int = DEFAULT_RESPONSE_DAYS,
        documents: DocumentService | None = None,
    ) -> None:
        self._documents = documents
        self._vault = vault
        self._holidays = holidays
        self._days = response_days

    def _today(self) -> date:
        return self._vault.now().astimezone(LONDON).date()

    def _agency(self) -> str:
        with self._vault.read() as conn:
            user = replica.get_state(conn, "user")
        return str(user.get("agency") or "") if isinstance(user, dict) else ""

    def refer(
        self,
        *,
        source_type: str,
        source_id: str,
        person_id: str,
        reason: str,
        consent: str,
        to_agency: str = "",
        to_service_id: str = "",
        urgency: str = Urgency.ROUTINE.value,
        lawful_exception: str = "",
    ) -> ReferralView:
        """Refer a person to a partner agency or a directory service from a piece of work.

        Raises:
            ValidationError: naming each bad field (refused consent without a lawful
                exception, no agency or service, an unknown source); nothing is written.
        """
        try:
            kind = RecordType(ReferralSource(source_type).value)
        except ValueError:
            raise ValidationError([FieldError("source_type", "unknown kind of work")]) from None
        now = self._vault.now()
        try:
            holidays = self._holidays or shipped_bank_holidays()
            due: str | None = str(respond_by(now.astimezone(LONDON).date(), holidays, self._days))
        except BankHolidaysError:
            due = None
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            source = repo.get(kind, source_id)
            if source is None or source.deleted:
                raise ValidationError([FieldError("source_id", "no such record on this laptop")])
            record = repo.create(
                RecordType.REFERRAL.value,
                {
                    "source_type": kind.value,
                    "source_id": source_id,
                    "person_id": person_id,
                    "district": source.fields.get("district"),
                    "to_agency": to_agency or None,
                    "to_service_id": to_service_id or None,
                    "reason": reason,
                    "urgency": urgency,
                    "consent": consent,
                    "lawful_exception": lawful_exception or None,
                    "referred_by": self._vault.username,
                    "sent_at": now.isoformat(timespec="seconds"),
                    "respond_by": due,
                },
            )
            return self._view(repo, record, self._agency())

    def answer(
        self, *, referral_id: str, status: str, decline_reason: str = "", outcome: str = ""
    ) -> ReferralView:
        """The receiving partner accepts, declines (with a reason) or records the outcome.

        Raises:
            RecordNotFoundError: no such referral.
            ValidationError: a decline without a reason, an outcome without words.
        """
        changes: dict[str, object] = {
            "status": ReferralStatus(status).value,
            "responded_at": self._vault.now().isoformat(timespec="seconds"),
        }
        if decline_reason:
            changes["decline_reason"] = decline_reason
        if outcome:
            changes["outcome"] = outcome
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            record = repo.update(RecordType.REFERRAL, referral_id, changes)
            return self._view(repo, record, self._agency())

    def referral_form(self, *, referral_id: str) -> KeptDocument:
        """Make the referral form for a partner without an account, and keep it as a document.

        Making it is logged as an export of the referral and the person (s62).

        Raises:
            RecordNotFoundError: no such referral.
        """
        if self._documents is None:
            raise RuntimeError("this workspace makes no documents")
        agency = self._agency()
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            view = self._view(repo, repo.require(RecordType.REFERRAL, referral_id), agency)
        form = ReferralForm(
            reference=f"REF-{referral_id[:8].upper()}",
            person=view.person,
            to=view.to,
            reason=view.reason,
            urgency=view.urgency,
            consent=view.consent,
            exception=view.exception,
            referred_by=view.referred_by,
            sent_on=datetime.fromisoformat(view.sent_at).astimezone(LONDON).date(),
            respond_by=view.respond_by,
        )
        rendered = render_referral_form(form, self._documents.library.bundle("en").branding)
        kept = self._documents.keep_made(
            rendered,
            subject_type=RecordType.REFERRAL,
            subject_id=referral_id,
            district=view.district,
            served_how=ServedHow.POSTED.value,
            about=((RecordType.REFERRAL, referral_id), (RecordType.PERSON, view.person_id)),
            recipient=view.to,
            reason="referral_form made",
        )
        return kept

    def people_of(self, *, source_type: str, source_id: str) -> list[tuple[str, str]]:
        """The people a piece of work names, as (id, name), to choose whom to refer."""
        kind = RecordType(ReferralSource(source_type).value)
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            source = repo.get(kind, source_id)
            if source is None:
                return []
            if kind is RecordType.ASB_CASE:
                ids = [
                    str(p.fields["person_id"])
                    for p in repo.where(RecordType.ASB_PARTY, "case_id", [source_id])
                ]
            elif kind is RecordType.VISIT:
                listed = source.fields.get("person_ids")
                ids = [str(i) for i in listed] if isinstance(listed, list) else []
            else:
                ids = [str(source.fields["person_id"])]
            found = repo.get_many(RecordType.PERSON, list(dict.fromkeys(ids)))
        return [(p.id, person_name(p.fields)) for p in found if not p.deleted]

    def all(self) -> list[ReferralView]:
        """Every referral on this laptop, newest first."""
        agency = self._agency()
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            found = [self._view(repo, r, agency) for r in repo.iter_all(RecordType.REFERRAL)]
        return sorted(found, key=lambda v: v.sent_at, reverse=True)

    def incoming(self) -> list[ReferralView]:
        """Referrals sent to the user's agency for it to answer."""
        return [v for v in self.all() if v.incoming]

    def made_from(self, source_ids: Sequence[str]) -> list[ReferralView]:
        """The referrals made from any of these pieces of work (a case and its visits)."""
        wanted = set(source_ids)
        return [v for v in self.all() if v.source_id in wanted]

    def _view(self, repo: RecordRepository, record: StoredRecord, agency: str) -> ReferralView:
        f = record.fields
        person = repo.get(RecordType.PERSON, str(f["person_id"]))
        to_agency = str(f.get("to_agency") or "")
        service = (
            repo.get(RecordType.SERVICE, str(f["to_service_id"]))
            if f.get("to_service_id")
            else None
        )
        to = (
            PartnerAgency.label_for(to_agency)
            if to_agency
            else str(service.fields.get("name"))
            if service is not None
            else "A listed service"
        )
        status = ReferralStatus(str(f.get("status") or "sent"))
        due = date.fromisoformat(str(f["respond_by"])) if f.get("respond_by") else None
        return ReferralView(
            id=record.id,
            source_type=str(f["source_type"]),
            source_id=str(f["source_id"]),
            person_id=str(f["person_id"]),
            person=person_name(person.fields) if person is not None else NOT_SHARED,
            district=str(f["district"]),
            to=to,
            reason=str(f.get("reason") or ""),
            urgency=Urgency.label_for(f.get("urgency") or "routine"),
            consent=Consent.label_for(f.get("consent")),
            exception=(
                LawfulException.label_for(f["lawful_exception"])
                if f.get("lawful_exception")
                else ""
            ),
            referred_by=str(f.get("referred_by") or ""),
            sent_at=str(f.get("sent_at") or ""),
            respond_by=due,
            status=status,
            decline_reason=str(f.get("decline_reason") or ""),
            outcome=str(f.get("outcome") or ""),
            incoming=bool(agency)
            and to_agency == agency
            and f.get("referred_by") != self._vault.username,
            overdue=is_overdue(status, str(f.get("respond_by") or ""), self._today()),
        )
