"""Closure steps (ss76-84): what each step must record, and the closure fields it changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from fieldkit.domain.legal_clocks import CLOSURE_NOTICE_HOURS, closure_facts
from fieldkit.domain.records import FieldError, ValidationError
from fieldkit.domain.vocabulary import ClosureStatus, NoticeServedHow, Vocabulary, define_words


class ClosureStepKind(Vocabulary):
    """A step in a closure: a notice served, a hearing listed or adjourned, an order's life."""

    NOTICE_SERVED = "notice_served"
    HEARING_LISTED = "hearing_listed"
    ADJOURNED = "adjourned"
    ORDER_MADE = "order_made"
    EXTENDED = "extended"
    DISCHARGED = "discharged"
    APPEALED = "appealed"
    REFUSED = "refused"


define_words(
    ClosureStepKind,
    {
        ClosureStepKind.NOTICE_SERVED: "Closure notice served",
        ClosureStepKind.HEARING_LISTED: "Hearing listed",
        ClosureStepKind.ADJOURNED: "Hearing adjourned",
        ClosureStepKind.ORDER_MADE: "Closure order made",
        ClosureStepKind.EXTENDED: "Closure order extended",
        ClosureStepKind.DISCHARGED: "Closure order discharged",
        ClosureStepKind.APPEALED: "Closure order appealed",
        ClosureStepKind.REFUSED: "Closure order refused",
    },
)

#: Words in a rank or designation that may authorise a 48-hour notice (s77(2): a police
#: superintendent or above, or the council's chief executive officer or their designate).
SENIOR_RANK_WORDS = ("superintendent", "chief constable", "chief executive", "designate")


def is_senior_rank(rank: str) -> bool:
    """Whether a rank or designation may authorise a 48-hour closure notice."""
    text = " ".join(rank.lower().split())
    return any(word in text for word in SENIOR_RANK_WORDS)


@dataclass(frozen=True)
class StepDetails:
    """What the officer entered for one step; which fields matter depends on the step.

    Attributes:
        at: when the step happened (served, made, discharged, appealed, refused).
        authorised_by: who authorised the notice.
        authorised_rank: their rank or designation.
        notice_hours: 24, or 48 when authorised at senior level.
        served_how: a `NoticeServedHow` value.
        served_on: on whom the notice was served.
        notice_permits: who the notice still lets in (never the resident or owner).
        hearing_at: when the hearing is listed (or adjourned to).
        court: where it is heard.
        order_months: the order's length, 1 to 3.
        order_permits: who the order still lets in.
        order_areas: which parts of the premises it covers.
        extended_until: the day an extended order runs to.
    """

    at: datetime | None = None
    authorised_by: str = ""
    authorised_rank: str = ""
    notice_hours: int = 24
    served_how: str = ""
    served_on: str = ""
    notice_permits: str = ""
    hearing_at: datetime | None = None
    court: str = ""
    order_months: int | None = None
    order_permits: str = ""
    order_areas: str = ""
    extended_until: date | None = None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def _need_text(errors: list[FieldError], name: str, value: str, why: str) -> str:
    text = value.strip()
    if not text:
        errors.append(FieldError(name, why))
    return text


def _need_moment(errors: list[FieldError], name: str, value: datetime | None, why: str) -> None:
    if value is None:
        errors.append(FieldError(name, why))
    elif value.tzinfo is None:
        errors.append(FieldError(name, "must carry a time zone"))


def step_changes(
    step: ClosureStepKind, details: StepDetails, current: Mapping[str, object]
) -> dict[str, object]:
    """The closure fields a step sets, after checking the step records what the Act needs.

    Args:
        step: which step is being recorded.
        details: what the officer entered.
        current: the closure's fields as they stand (empty for a new closure).

    Returns:
        The changed fields, including the new ``status``.

    Raises:
        ValidationError: naming each missing or inconsistent field (never quoting a value).
    """
    errors: list[FieldError] = []
    changes: dict[str, object] = {}
    status = str(current.get("status") or ClosureStatus.PLANNED)
    match step:
        case ClosureStepKind.NOTICE_SERVED:
            _need_moment(errors, "notice_served_at", details.at, "say when it was served")
            changes["authorised_by"] = _need_text(
                errors, "authorised_by", details.authorised_by, "say who authorised the notice"
            )
            rank = _need_text(
                errors, "authorised_rank", details.authorised_rank, "give their rank or designation"
            )
            changes["authorised_rank"] = rank
            if details.notice_hours not in CLOSURE_NOTICE_HOURS:
                errors.append(FieldError("notice_hours", "must be 24 or 48"))
            elif details.notice_hours == 48 and rank and not is_senior_rank(rank):
                errors.append(
                    FieldError(
                        "authorised_rank",
                        "a 48-hour notice needs a superintendent or above, or the council's "
                        "chief executive or their designate",
                    )
                )
            if details.served_how not in {h.value for h in NoticeServedHow}:
                errors.append(FieldError("notice_served_how", "say how it was served"))
            changes["notice_served_on"] = _need_text(
                errors, "notice_served_on", details.served_on, "say on whom it was served"
            )
            if details.hearing_at is not None:
                # The notice must say when and where the application is heard (s76(6)(e)),
                # so the hearing is often listed as the notice is served.
                _need_moment(errors, "hearing_at", details.hearing_at, "say when it is heard")
                changes["hearing_at"] = _iso(details.hearing_at)
                changes["court"] = _need_text(errors, "court", details.court, "name the court")
            changes |= {
                "notice_served_at": _iso(details.at),
                "notice_hours": details.notice_hours,
                "notice_served_how": details.served_how or None,
                "notice_permits": details.notice_permits.strip() or None,
                "status": ClosureStatus.NOTICE_SERVED.value,
            }
        case ClosureStepKind.HEARING_LISTED:
            if not current.get("notice_served_at"):
                errors.append(FieldError("notice_served_at", "record the notice first"))
            _need_moment(errors, "hearing_at", details.hearing_at, "say when it is heard")
            changes["court"] = _need_text(errors, "court", details.court, "name the court")
            changes["hearing_at"] = _iso(details.hearing_at)
        case ClosureStepKind.ADJOURNED:
            if not current.get("hearing_at"):
                errors.append(FieldError("hearing_at", "list the first hearing first"))
            _need_moment(errors, "hearing_at", details.hearing_at, "say when it is adjourned to")
            changes |= {
                "first_hearing_at": current.get("first_hearing_at") or current.get("hearing_at"),
                "hearing_at": _iso(details.hearing_at),
                "status": ClosureStatus.ADJOURNED.value,
            }
            if details.court.strip():
                changes["court"] = details.court.strip()
        case ClosureStepKind.ORDER_MADE:
            _need_moment(errors, "order_made_at", details.at, "say when the order was made")
            if details.order_months is None or not 1 <= details.order_months <= 3:
                errors.append(FieldError("order_months", "must be from 1 to 3 months"))
            changes |= {
                "order_made_at": _iso(details.at),
                "order_months": details.order_months,
                "order_permits": _need_text(
                    errors, "order_permits", details.order_permits, "say who may still enter"
                ),
                "order_areas": _need_text(
                    errors, "order_areas", details.order_areas, "say which areas it covers"
                ),
                "status": ClosureStatus.ORDER_MADE.value,
            }
        case ClosureStepKind.EXTENDED:
            if status not in (ClosureStatus.ORDER_MADE, ClosureStatus.EXTENDED):
                errors.append(FieldError("status", "only a closure order can be extended"))
            if details.extended_until is None:
                errors.append(FieldError("extended_until", "say the day it now runs to"))
            changes |= {
                "extended_until": None
                if details.extended_until is None
                else details.extended_until.isoformat(),
                "status": ClosureStatus.EXTENDED.value,
            }
        case ClosureStepKind.DISCHARGED:
            if status not in (ClosureStatus.ORDER_MADE, ClosureStatus.EXTENDED):
                errors.append(FieldError("status", "only a closure order can be discharged"))
            _need_moment(errors, "discharged_at", details.at, "say when it was discharged")
            changes |= {"discharged_at": _iso(details.at), "status": ClosureStatus.DISCHARGED}
        case ClosureStepKind.APPEALED:
            if not (current.get("order_made_at") or status == ClosureStatus.REFUSED):
                errors.append(FieldError("status", "only a decision on an order can be appealed"))
            _need_moment(errors, "appealed_at", details.at, "say when the appeal was made")
            changes["appealed_at"] = _iso(details.at)
        case ClosureStepKind.REFUSED:
            if not current.get("hearing_at"):
                errors.append(FieldError("hearing_at", "list the hearing first"))
            changes["status"] = ClosureStatus.REFUSED.value
    if errors:
        raise ValidationError(errors)
    changes = {k: (str(v) if isinstance(v, ClosureStatus) else v) for k, v in changes.items()}
    try:
        closure_facts({**current, **changes})
    except ValueError as exc:
        # The message names fields and dates the officer entered, never personal data.
        raise ValidationError([FieldError("closure", str(exc))]) from None
    return changes
