"""Information governance from the laptop: retention decisions, rights requests, subject access.

Everything here is done at the server (the governance role holds no case records on its laptop);
the laptop only calls the ``/v1/governance`` endpoints with the device token its last sync kept.
Offline, each call says plainly that it needs the server. A partnership subject access PDF is
kept inside the vault (encrypted, like a printed document), never in a plain file, and its
receipt is logged in the laptop's own s62 log as an export to the data subject.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from fieldkit.domain.legal_clocks import format_date
from fieldkit.domain.retention import EndAction
from fieldkit.domain.rights_requests import RequestKind, RequestState
from fieldkit.domain.vocabulary import Regime
from fieldkit.store import audit, document_files, replica
from fieldkit.store.vault import Vault
from fieldkit.sync.governance import Applied, DueList, DueRecord, RightsRequest, SharingAgreement
from fieldkit.sync.protocol import (
    CertificateProblem,
    ServerNotFound,
    ServerRefused,
    ServerUnreachable,
    SyncError,
    TokenExpired,
)
from fieldkit.sync.transport import Transport, TransportConfig

T = TypeVar("T")

#: The reason the laptop's log gives for a partnership subject access kept here.
REASON = "subject access request (partnership-wide)"
#: The role the server gives information governance users.
GOVERNANCE = "governance"
#: Who a subject access export goes to.
RECIPIENT = "the data subject"


class NeedsServer(Exception):
    """The work needs the sync server and this laptop cannot reach it (or is not signed in)."""


class GovernanceRefused(Exception):
    """The server refused the work; the message says why (never a person's details)."""


@dataclass(frozen=True)
class KeptSubjectAccess:
    """A partnership subject access export kept in the vault."""

    document_id: str
    reference: str
    records: int


class GovernanceService:
    """Information governance work at the server, through the laptop's sync transport.

    Args:
        vault: the unlocked vault (its kept device token signs the calls).
        transport: the sync transport to the vault's server; None to make one, when needed,
            to the server the vault syncs with (trusting ``ca_certificate()`` if it names one).
        ca_certificate: the CA certificate file the app's settings name ("" for none).
    """

    def __init__(
        self,
        vault: Vault,
        transport: Transport | None = None,
        *,
        ca_certificate: Callable[[], str] = lambda: "",
    ) -> None:
        self._vault = vault
        self._transport = transport
        self._ca_certificate = ca_certificate
        # Today and the Governance screen both call from worker threads: one call at a time
        # through the one transport (its session and token).
        self._calling = threading.Lock()

    def is_governance(self) -> bool:
        """Whether the server last said this vault's user holds the governance role."""
        with self._vault.read() as conn:
            user = replica.get_state(conn, "user")
        return isinstance(user, dict) and user.get("role") == GOVERNANCE

    def is_admin(self) -> bool:
        """Whether the server last said this vault's user is an administrator."""
        with self._vault.read() as conn:
            user = replica.get_state(conn, "user")
        return isinstance(user, dict) and user.get("role") == "admin"

    def agreements(self) -> list[SharingAgreement]:
        """The information-sharing agreements, for an administrator to read (not change)."""
        return self._call(lambda t: t.agreements())

    def due(self, *, as_of: date | None = None) -> DueList:
        """Records due for a retention decision on or before ``as_of`` (today by default)."""
        day = as_of.isoformat() if as_of else None
        return self._call(lambda t: t.retention_due(as_of=day))

    def decide(
        self,
        *,
        record_type: str,
        record_id: str,
        decision: str,
        reason: str | None = None,
        review_on: date | None = None,
    ) -> Applied:
        """Keep (with a reason and a review date), anonymise or erase one record that is due."""
        item: dict[str, object] = {"type": record_type, "id": record_id, "decision": decision}
        if reason:
            item["reason"] = reason
        if review_on is not None:
            item["review_on"] = review_on.isoformat()
        return self._call(lambda t: t.retention_decide([item]))

    def requests(self, *, open_only: bool = True) -> list[RightsRequest]:
        """Data subjects' requests, overdue and due soon first, then by deadline."""
        found = self._call(lambda t: t.rights_requests(open_only=open_only))
        return sorted(found, key=request_order)

    def add_request(
        self, *, kind: str, person_id: str, received: date, detail: str | None = None
    ) -> RightsRequest:
        """Record a data subject's request; its deadline runs from the day it was received."""
        return self._call(
            lambda t: t.add_rights_request(
                kind=kind, person_id=person_id, received=received.isoformat(), detail=detail
            )
        )

    def extend_request(self, *, request_id: str, reason: str) -> RightsRequest:
        """Extend an open request by two months, once, giving the reason."""
        return self._call(lambda t: t.extend_rights_request(request_id, reason=reason))

    def answer_request(
        self, *, request_id: str, decision: str, restrict: bool = False
    ) -> RightsRequest:
        """Record the answer; ``restrict`` grants a restriction of processing."""
        return self._call(
            lambda t: t.answer_rights_request(request_id, decision=decision, restrict=restrict)
        )

    def lift_request(self, *, request_id: str) -> RightsRequest:
        """Lift a restriction of processing."""
        return self._call(lambda t: t.lift_rights_request(request_id))

    def subject_access(self, *, person_id: str) -> KeptSubjectAccess:
        """Start a partnership subject access and keep its PDF in the vault.

        The server logs each record as disclosed before it renders the export; the laptop logs
        each as exported to the data subject in the same transaction that keeps the PDF, so the
        copy on this laptop is never unlogged and never a plain file.
        """
        export = self._call(lambda t: t.server_subject_access(person_id))
        document_id = str(uuid.uuid4())
        at = self._vault.now().isoformat(timespec="milliseconds")
        with self._vault.write() as conn:
            audit.append(
                conn,
                [
                    audit.new_event(
                        at=at,
                        actor=self._vault.username,
                        action=audit.AuditAction.EXPORT,
                        record_type=record_type,
                        record_id=record_id,
                        reason=f"{REASON} {export.reference}",
                        recipient=RECIPIENT,
                    )
                    for record_type, record_id in export.record_ids
                ],
            )
            document_files.keep(conn, document_id, export.pdf, at=at)
        return KeptSubjectAccess(document_id, export.reference, export.records)

    def kept_pdf(self, document_id: str) -> bytes | None:
        """A kept subject access PDF (to open or print through the document service)."""
        with self._vault.read() as conn:
            return document_files.load(conn, document_id)

    def _call(self, work: Callable[[Transport], T]) -> T:
        with self._calling:
            return self._call_now(work)

    def _call_now(self, work: Callable[[Transport], T]) -> T:
        with self._vault.read() as conn:
            token = replica.get_state(conn, "token")
            server = replica.get_state(conn, "server_url")
        if not token or not server:
            raise NeedsServer(
                "This needs the sync server, and this laptop is not signed in to it. "
                "Sync once while connected, then try again."
            )
        if self._transport is None:
            ca = self._ca_certificate().strip()
            self._transport = Transport(
                TransportConfig(server_url=str(server), ca_bundle=Path(ca) if ca else None)
            )
        self._transport.token = str(token)
        try:
            return work(self._transport)
        except (ServerUnreachable, ServerNotFound, CertificateProblem):
            raise NeedsServer(
                "This needs the sync server, which cannot be reached now. "
                "Connect to the network and try again."
            ) from None
        except TokenExpired:
            raise NeedsServer(
                "This laptop's sign-in to the sync server has expired. Sync to sign in again."
            ) from None
        except ServerRefused as exc:
            raise GovernanceRefused(str(exc)) from None
        except SyncError as exc:
            raise NeedsServer(str(exc)) from None


_STATE_ORDER = {"overdue": 0, "due_soon": 1, "open": 2, "answered": 3}


def request_order(request: RightsRequest) -> tuple[int, str, str]:
    """Overdue first, then due soon, then open, then answered; each by deadline."""
    return (_STATE_ORDER.get(request.state, 4), request.due, request.id)


@dataclass(frozen=True)
class RequestLine:
    """A rights request in words, as the Governance screen and a governance Today list it."""

    id: str
    person_id: str
    #: "Subject access", "Restriction of processing", ...
    kind: str
    #: "Overdue", "Due soon", "Open", "Answered".
    state: str
    #: "Answer by 27 December 2026" (", extended" when it was).
    deadline: str
    #: ``problem`` for overdue, ``alert`` for due soon, ``""`` otherwise (``theme.set_tone``).
    tone: str
    restricting: bool
    #: The request kind's value (``restriction``...), for what the forms offer.
    kind_value: str = ""
    #: The request's state value (``overdue``...).
    state_value: str = ""


def _word(vocabulary: type[RequestKind] | type[RequestState] | type[Regime], value: str) -> str:
    try:
        return vocabulary(value).label
    except ValueError:
        return value


def request_lines(requests: list[RightsRequest]) -> list[RequestLine]:
    """Requests in words, overdue first, then due soon, then the rest by deadline."""
    out: list[RequestLine] = []
    for r in sorted(requests, key=request_order):
        try:
            due = format_date(date.fromisoformat(r.due))
        except ValueError:
            due = r.due
        tone = {"overdue": "problem", "due_soon": "alert"}.get(r.state, "")
        deadline = f"Answer by {due}" + (" (extended)" if r.extended else "")
        out.append(
            RequestLine(
                r.id,
                r.person_id,
                _word(RequestKind, r.kind),
                _word(RequestState, r.state),
                deadline,
                tone,
                r.restricting,
                r.kind,
                r.state,
            )
        )
    return out


def today_lines(requests: list[RightsRequest]) -> list[RequestLine]:
    """A governance user's Today: the open requests with their one-month deadline."""
    return [line for line in request_lines(requests) if line.state != RequestState.ANSWERED.label]


@dataclass(frozen=True)
class DueLine:
    """A record due for a retention decision, in words."""

    type: str
    id: str
    due: str
    rule: str
    #: What the rule expects: "Review", "Anonymise", "Delete".
    action: str
    regime: str


def due_lines(due: DueList) -> list[DueLine]:
    """The due list in words (earliest first, as the server sends it)."""

    def line(item: DueRecord) -> DueLine:
        try:
            when = format_date(date.fromisoformat(item.due))
        except ValueError:
            when = item.due
        try:
            action = EndAction(item.action).label
        except ValueError:
            action = item.action
        return DueLine(item.type, item.id, when, item.rule, action, _word(Regime, item.regime))

    return [line(i) for i in due.items]


class DecisionError(ValueError):
    """A decision the form cannot send; the message says what to fix."""


def check_decision(
    *, decision: str, reason: str, review_on: str, today: date
) -> tuple[str, str | None, date | None]:
    """Check a decision form before it goes to the server.

    Returns:
        The decision, its reason (None if blank) and review date (only to keep).

    Raises:
        DecisionError: what to fix (keeping needs a reason and a later review date).
    """
    if decision not in ("keep", "anonymise", "erase"):
        raise DecisionError("Choose keep, anonymise or erase.")
    words = " ".join(reason.split()) or None
    if decision != "keep":
        return decision, words, None
    if words is None:
        raise DecisionError("Give the reason for keeping the record.")
    try:
        day = date.fromisoformat(review_on.strip())
    except ValueError:
        raise DecisionError("Give the review date as YYYY-MM-DD.") from None
    if day <= today:
        raise DecisionError("The review date must be after today.")
    return decision, words, day


#: The longest text a request's detail, reason or decision may hold (as the server allows).
MAX_REQUEST_TEXT = 4000


class RequestFormError(ValueError):
    """A request form the screen cannot send; the message says what to fix."""


@dataclass(frozen=True)
class NewRequest:
    """A data subject's request as the add form gives it, checked."""

    kind: str
    person_id: str
    received: date
    detail: str | None


def _form_text(value: str, what: str, *, required: bool) -> str | None:
    words = value.strip()
    if not words:
        if required:
            raise RequestFormError(f"Give {what}.")
        return None
    if len(words) > MAX_REQUEST_TEXT:
        raise RequestFormError(f"Shorten {what} to at most {MAX_REQUEST_TEXT} characters.")
    return words


def check_new_request(
    *, kind: str, person_id: str, received: str, detail: str, today: date
) -> NewRequest:
    """Check the add-request form before it goes to the server.

    Args:
        kind: ``subject_access``, ``rectification`` or ``restriction``.
        person_id: the person's record id, as typed.
        received: the day the request was received, YYYY-MM-DD (today if blank).
        detail: who asked and what they ask for or dispute (a rectification needs it).
        today: the laptop's today.

    Raises:
        RequestFormError: what to fix; never quotes what was typed.
    """
    try:
        request_kind = RequestKind(kind)
    except ValueError:
        raise RequestFormError(
            "Choose the kind of request: subject access, rectification or restriction."
        ) from None
    try:
        person = str(uuid.UUID(person_id.strip()))
    except ValueError:
        raise RequestFormError(
            "Give the person's record id (as shown on their profile, 36 characters)."
        ) from None
    text = received.strip()
    try:
        day = date.fromisoformat(text) if text else today
    except ValueError:
        raise RequestFormError("Give the day the request was received as YYYY-MM-DD.") from None
    if day > today:
        raise RequestFormError("The day the request was received cannot be in the future.")
    words = _form_text(
        detail,
        "who asked and what they dispute",
        required=request_kind is RequestKind.RECTIFICATION,
    )
    return NewRequest(request_kind.value, person, day, words)


def check_extension(reason: str) -> str:
    """Check an extension's reason (required: the law asks why the request is complex).

    Raises:
        RequestFormError: what to fix.
    """
    return _form_text(reason, "the reason for extending", required=True) or ""


def check_answer(decision: str) -> str:
    """Check an answer's decision text (required).

    Raises:
        RequestFormError: what to fix.
    """
    return _form_text(decision, "the decision", required=True) or ""
