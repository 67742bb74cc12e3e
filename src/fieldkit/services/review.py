"""Supervisor review: the queue of the team's synced work, opening it, and deciding about it.

Listing the queue shows what kind of work waits, whose, where and when, never its contents:
like a search result, that is not a consultation. Opening a piece of work is, and is logged
(s62). A decision is a ``review`` record, written in one transaction after the decision is
checked; it syncs to the server and on to the officer, whose Today shows it (`feedback`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from fieldkit.domain.legal_clocks import format_date, format_datetime
from fieldkit.domain.records import (
    REVIEWABLE_TYPES,
    FieldKind,
    RecordType,
    field_label,
    record_spec,
    value_label,
)
from fieldkit.domain.review import (
    DECISION_WORDS,
    Decision,
    awaiting_review,
    decision_refusal,
    decisions_for,
    latest,
    needs_countersignature,
    review_sensitivity,
)
from fieldkit.domain.schemes import Scheme
from fieldkit.domain.vocabulary import (
    ClosureStatus,
    DocumentKind,
    NoteKind,
    ReviewDecision,
    SignpostingMethod,
    VisitKind,
    WarningStatus,
)
from fieldkit.domain.vulnerability import labels as vulnerability_labels
from fieldkit.services.directory import colleague_names, shown_as
from fieldkit.services.intelligence import district_label
from fieldkit.services.people import category_label, person_name
from fieldkit.services.records import RecordService
from fieldkit.store import replica, review_queue
from fieldkit.store.records import StoredRecord
from fieldkit.store.review_queue import QueueFilter
from fieldkit.store.transaction import Transaction
from fieldkit.store.vault import Vault

__all__ = [
    "FeedbackItem",
    "Queue",
    "QueueFilter",
    "QueueItem",
    "ReviewDetail",
    "ReviewRefused",
    "ReviewService",
]

SUPERVISOR = "supervisor"
_LAST_LOOK = "review_last_look"

#: How each kind of work is named on screen.
KIND_WORDS: Mapping[RecordType, str] = {
    t: t.label
    for t in (
        RecordType.VISIT,
        RecordType.WARNING,
        RecordType.SIGNPOSTING,
        RecordType.TENANCY_NOTE,
        RecordType.CLOSURE,
        RecordType.DOCUMENT,
    )
}


class ReviewRefused(ValueError):
    """A decision that cannot be recorded; the message says why, in words for the supervisor."""


@dataclass(frozen=True)
class QueueItem:
    """One piece of waiting work as the queue lists it: no names, no narrative."""

    type: str
    id: str
    kind: str
    summary: str
    officer: str
    district: str
    dated: str
    arrived: str
    new: bool
    countersign: bool
    #: The decision made before the work last changed (e.g. returned, then amended).
    earlier: str
    #: Held on the officer's laptop until countersigned (a notice countersigned before it is
    #: served): listed first, because someone is waiting to serve it.
    holds_serving: bool = False


@dataclass(frozen=True)
class Queue:
    items: tuple[QueueItem, ...]
    total: int
    last_look: str | None
    officers: tuple[str, ...]


@dataclass(frozen=True)
class ReviewDetail:
    """A piece of work opened for review (a logged consultation)."""

    type: str
    id: str
    kind: str
    officer: str
    district: str
    #: Still waiting: no decision since its latest version arrived (another supervisor's
    #: decision may have come in with a sync since the queue was listed).
    waiting: bool
    lines: tuple[tuple[str, str], ...]
    history: tuple[str, ...]
    decisions: tuple[ReviewDecision, ...]
    countersign: bool


@dataclass(frozen=True)
class FeedbackItem:
    """A supervisor's decision about the officer's own work, for Today."""

    subject_type: str
    subject_id: str
    what: str
    decision: str
    returned: bool
    by: str
    when: str
    comment: str


def _when(stored: str | None) -> str:
    if not stored:
        return ""
    moment = datetime.fromisoformat(stored)
    return format_datetime(moment) if "T" in stored else format_date(moment)


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _decision_text(decision: Decision) -> str:
    words = (
        f"{DECISION_WORDS[decision.decision]} by {decision.reviewer}, {_when(decision.decided_at)}"
    )
    return f"{words}: {decision.comment}" if decision.comment else words


class ReviewService:
    """The supervisor's review of the team's synced work.

    Args:
        vault: the unlocked vault.
        records: record use cases (opening work logs the consultation through it).
        schemes: warning schemes by id, for which steps need countersignature.
    """

    def __init__(self, vault: Vault, records: RecordService, schemes: Mapping[str, Scheme]) -> None:
        self._vault = vault
        self._records = records
        self._schemes = schemes

    # Who is looking --------------------------------------------------------------------------

    def is_supervisor(self) -> bool:
        """Whether the server last said this vault's user is a supervisor."""
        with self._vault.read() as conn:
            user = replica.get_state(conn, "user")
        return isinstance(user, dict) and user.get("role") == SUPERVISOR

    # The queue -------------------------------------------------------------------------------

    def queue(self, wanted: QueueFilter | None = None, *, limit: int = 300) -> Queue:
        """The newest waiting work matching the filter (a listing, not a consultation)."""
        wanted = wanted or QueueFilter()
        me = self._vault.username
        with self._vault.read() as conn:
            last_look = replica.get_state(conn, _LAST_LOOK)
            rows, total = review_queue.waiting_work(conn, me=me, wanted=wanted, limit=limit)
            earlier = review_queue.decisions_about(conn, [r.id for r in rows])
            by_type: dict[RecordType, list[str]] = {}
            for row in rows:
                by_type.setdefault(row.type, []).append(row.id)
            repo = self._vault.records(conn)
            found = {r.id: r for t, ids in by_type.items() for r in repo.get_many(t, ids)}
            officers = review_queue.authors(conn, me=me)
            people = colleague_names(conn)
        items = []
        for row in rows:
            record = found.get(row.id)
            if record is None:
                continue
            before = latest(earlier.get(row.id, ()))
            items.append(
                QueueItem(
                    type=row.type.value,
                    id=row.id,
                    kind=KIND_WORDS[row.type],
                    summary=self._summary(record.type, record.fields),
                    officer=shown_as(people, row.author),
                    district=district_label(row.district),
                    dated=_when(row.dated),
                    arrived=_when(row.changed_at),
                    new=last_look is None or row.changed_at[:19] > str(last_look)[:19],
                    countersign=needs_countersignature(row.type, record.fields, self._schemes),
                    earlier="" if before is None else _decision_text(before),
                    holds_serving=record.type is RecordType.WARNING
                    and record.fields.get("status")
                    == WarningStatus.AWAITING_COUNTERSIGNATURE.value,
                )
            )
        items.sort(key=lambda i: not i.holds_serving)  # stable: otherwise as listed
        return Queue(
            tuple(items),
            total,
            None if last_look is None else str(last_look),
            tuple(officers),
        )

    def mark_looked(self) -> None:
        """Remember now as when the supervisor last looked: later arrivals are marked new."""
        stamp = self._vault.now().isoformat(timespec="seconds")
        with self._vault.write() as conn:
            replica.put_state(conn, _LAST_LOOK, stamp)

    @staticmethod
    def since_last_look(queue: Queue) -> QueueFilter:
        """A filter for only the work that arrived since the last look."""
        return QueueFilter(arrived_after=queue.last_look)

    # One piece of work -----------------------------------------------------------------------

    def open(self, *, record_type: str, record_id: str) -> ReviewDetail:
        """Open waiting work to review it, logging the consultation.

        Raises:
            RecordNotFoundError: no such record.
        """
        kind = self._reviewable(record_type)
        view = self._records.view(record_type=kind.value, record_id=record_id, reason="review")
        with self._vault.read() as conn:
            origin = replica.origin_of(conn, record_id)
            history = review_queue.decisions_about(conn, [record_id]).get(record_id, [])
            names = self._names(conn, view.fields)
            people = colleague_names(conn)
        countersign = needs_countersignature(kind, view.fields, self._schemes)
        return ReviewDetail(
            type=kind.value,
            id=record_id,
            kind=KIND_WORDS[kind],
            officer=shown_as(people, origin.author if origin else None),
            district=district_label(str(view.fields.get("district") or "")),
            waiting=origin is not None and awaiting_review(origin.changed_at, history),
            lines=tuple(self._lines(kind, view.fields, names)),
            history=tuple(_decision_text(d) for d in history),
            decisions=decisions_for(countersign=countersign),
            countersign=countersign,
        )

    def decide(
        self,
        *,
        record_type: str,
        record_id: str,
        decision: ReviewDecision,
        comment: str = "",
    ) -> str:
        """Record a decision about a piece of work; it syncs to the officer.

        Returns:
            The new review record's id.

        Raises:
            ReviewRefused: the decision does not fit (e.g. returning without a comment).
            RecordNotFoundError: no such record.
        """
        kind = self._reviewable(record_type)
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            subject = repo.require(kind, record_id)
            countersign = needs_countersignature(kind, subject.fields, self._schemes)
            reason = decision_refusal(decision, countersign=countersign, comment=comment)
            if reason is not None:
                raise ReviewRefused(reason)
            origin = replica.origin_of(conn, record_id)
            review = repo.create(
                RecordType.REVIEW.value,
                {
                    "subject_type": kind.value,
                    "subject_id": record_id,
                    "decision": decision.value,
                    "comment": comment.strip() or None,
                    "decided_at": self._vault.now().isoformat(timespec="seconds"),
                    "reviewer": self._vault.username,
                    "officer": origin.author if origin else None,
                    "district": subject.fields["district"],
                    "sensitivity": review_sensitivity(kind, subject.fields),
                },
            )
        return review.id

    # The officer's side ----------------------------------------------------------------------

    def feedback(self, *, days: int = 30, limit: int = 20) -> list[FeedbackItem]:
        """Decisions about this user's own work in the last ``days`` days, returned work first."""
        since = (self._vault.now() - timedelta(days=days)).isoformat(timespec="seconds")
        with self._vault.read() as conn:
            found = review_queue.feedback_for(
                conn, officer=self._vault.username, since=since, limit=limit
            )
            repo = self._vault.records(conn)
            subjects = {f.subject_id: repo.get(f.subject_type, f.subject_id) for f in found}
            people = colleague_names(conn)
            waiting = review_queue.own_work_not_countersigned(
                conn,
                me=self._vault.username,
                types=(RecordType.WARNING, RecordType.CLOSURE),
                since=since,
            )
        decided_ids = {f.subject_id for f in found}
        items = [
            FeedbackItem(
                subject_type=f.subject_type.value,
                subject_id=f.subject_id,
                what=self._what(f.subject_type, subjects.get(f.subject_id)),
                decision=DECISION_WORDS[f.decision.decision],
                returned=f.decision.decision is ReviewDecision.RETURNED,
                by=shown_as(people, f.decision.reviewer),
                when=_when(f.decision.decided_at),
                comment=f.decision.comment,
            )
            for f in found
        ]
        for kind, fields, dated in waiting:
            if fields["id"] in decided_ids:
                continue  # returned already: that decision is what the officer needs to see
            if not needs_countersignature(kind, fields, self._schemes):
                continue
            items.append(
                FeedbackItem(
                    subject_type=kind.value,
                    subject_id=str(fields["id"]),
                    what=f"{KIND_WORDS[kind]}: {self._summary(kind, fields)}",
                    decision="Awaiting countersignature",
                    returned=False,
                    by="",
                    when=_when(dated),
                    comment="A supervisor countersigns this after your next sync.",
                )
            )
        return sorted(items[:limit], key=lambda i: not i.returned)

    # Words -----------------------------------------------------------------------------------

    @staticmethod
    def _reviewable(record_type: str) -> RecordType:
        kind = record_spec(record_type).type
        if kind not in REVIEWABLE_TYPES:
            raise ReviewRefused(f"{kind.value} records are not reviewed")
        return kind

    def _what(self, kind: RecordType, record: StoredRecord | None) -> str:
        if record is None:
            return KIND_WORDS[kind]
        return f"{KIND_WORDS[kind]}: {self._summary(record.type, record.fields)}"

    def _summary(self, kind: RecordType, f: Mapping[str, object]) -> str:
        """What kind of work it is, in a few words that name nobody."""
        match kind:
            case RecordType.VISIT:
                listed = f.get("categories")
                cats = ", ".join(category_label(str(c)) for c in _items(listed))
                what = VisitKind.label_for(f["kind"])
                return f"{what} — {cats}" if cats else what
            case RecordType.WARNING:
                scheme = self._schemes.get(str(f["scheme"]))
                if scheme is None:
                    return str(f["level"])
                try:
                    return scheme.levels[scheme.rank(str(f["level"]))].name
                except (KeyError, ValueError, IndexError):
                    return str(f["level"])
            case RecordType.SIGNPOSTING:
                count = len(_items(f.get("service_ids")))
                method = SignpostingMethod.label_for(f["method"]).lower()
                return f"{count} service{'s' if count != 1 else ''}, {method}"
            case RecordType.TENANCY_NOTE:
                return NoteKind.label_for(f["kind"]) + " note"
            case RecordType.CLOSURE:
                return ClosureStatus.label_for(f["status"])
            case RecordType.DOCUMENT:
                return DocumentKind.label_for(f["kind"])
            case _:
                return kind.label

    def _names(self, conn: Transaction, fields: Mapping[str, object]) -> dict[str, str]:
        """Names for the people and places a record refers to."""
        repo = self._vault.records(conn)
        people: list[str] = []
        for key in ("person_id", "person_ids", "tenant_ids"):
            value = fields.get(key)
            if isinstance(value, str):
                people.append(value)
            elif isinstance(value, list):
                people.extend(str(v) for v in value)
        names = {p.id: person_name(p.fields) for p in repo.get_many(RecordType.PERSON, people)}
        place = fields.get("place_id")
        if isinstance(place, str):
            for p in repo.get_many(RecordType.PLACE, [place]):
                names[p.id] = str(p.fields.get("label") or "")
        return names

    @staticmethod
    def _lines(
        kind: RecordType, fields: Mapping[str, object], names: Mapping[str, str]
    ) -> list[tuple[str, str]]:
        lines: list[tuple[str, str]] = []
        for spec in record_spec(kind.value).fields:
            value = fields.get(spec.name)
            if value is None or value == [] or value == "":
                continue
            label = field_label(spec.name)
            if spec.name == "vulnerabilities" and isinstance(value, list):
                text = ", ".join(vulnerability_labels(str(v) for v in value))
            elif spec.choices:
                text = value_label(kind, spec.name, value)
            elif isinstance(value, list):
                text = ", ".join(names.get(str(v), str(v)) for v in value)
            elif isinstance(value, bool):
                text = "yes" if value else "no"
            else:
                text = names.get(str(value), str(value))
                if spec.kind is FieldKind.DATETIME:
                    text = _when(str(value))
            lines.append((label, text))
        return lines
