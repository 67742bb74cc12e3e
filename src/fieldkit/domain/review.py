"""Supervisor review as pure rules: what needs countersignature, which decisions fit, what stands.

A review decision is a ``review`` record (see records.py). A piece of work is awaiting review
until a decision is made after its latest version arrived: amending work that was returned (or
even approved) puts it back in the queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from fieldkit.domain.records import RecordType
from fieldkit.domain.schemes import Scheme
from fieldkit.domain.vocabulary import ClosureStatus, ReviewDecision, Sensitivity

#: Closure steps that commit the partnership in court: a notice served, an order made or
#: extended. Each needs a supervisor's countersignature.
COUNTERSIGNED_CLOSURE_STEPS: Final = frozenset(
    {ClosureStatus.NOTICE_SERVED, ClosureStatus.ORDER_MADE, ClosureStatus.EXTENDED}
)

#: What each decision is called on screen and on the officer's Today.
DECISION_WORDS: Final[Mapping[ReviewDecision, str]] = {d: d.label for d in ReviewDecision}


def needs_countersignature(
    record_type: RecordType, fields: Mapping[str, object], schemes: Mapping[str, Scheme]
) -> bool:
    """Whether a supervisor must countersign this record rather than simply approve it.

    A warning needs it when its scheme says so for its level (e.g. a Red letter); a closure
    when it records a notice served or an order made or extended. Unknown schemes or levels
    need nothing: the rule set is the partnership's to set.
    """
    if record_type is RecordType.WARNING:
        scheme = schemes.get(str(fields.get("scheme") or ""))
        if scheme is None:
            return False
        return any(level.countersign for level in scheme.levels if level.id == fields.get("level"))
    if record_type is RecordType.CLOSURE:
        return fields.get("status") in COUNTERSIGNED_CLOSURE_STEPS
    return False


#: Work only housing staff see: a decision about it is not for every officer in the district.
_HOUSING_WORK: Final = frozenset({RecordType.TENANCY_NOTE, RecordType.CLOSURE})


def review_sensitivity(record_type: RecordType, fields: Mapping[str, object]) -> str:
    """How restricted a decision about this work is: as restricted as the work itself.

    A decision's comment can repeat what the work says, so a decision about safeguarding work
    or about housing's tenancy work is restricted: the server then sends it only to
    supervisors, safeguarding staff and the officer it is addressed to.
    """
    if record_type in _HOUSING_WORK or fields.get("sensitivity") == Sensitivity.RESTRICTED:
        return Sensitivity.RESTRICTED.value
    return Sensitivity.STANDARD.value


def decisions_for(*, countersign: bool) -> tuple[ReviewDecision, ...]:
    """The decisions a supervisor may make: countersigning takes the place of approval."""
    if countersign:
        return (ReviewDecision.COUNTERSIGNED, ReviewDecision.RETURNED)
    return (ReviewDecision.APPROVED, ReviewDecision.RETURNED)


def decision_refusal(decision: ReviewDecision, *, countersign: bool, comment: str) -> str | None:
    """Why a decision cannot be recorded as asked, in words for the supervisor; None if it can."""
    if decision not in decisions_for(countersign=countersign):
        if countersign:
            return "This needs your countersignature, not only an approval."
        return "This does not need countersigning; approve it instead."
    if decision is ReviewDecision.RETURNED and not comment.strip():
        return "Say what needs changing when you return work to the officer."
    return None


@dataclass(frozen=True)
class Decision:
    """One review decision about one piece of work."""

    decision: ReviewDecision
    decided_at: str
    reviewer: str
    comment: str = ""


def latest(decisions: Iterable[Decision]) -> Decision | None:
    """The decision that stands: the last one made (ties broken by the decision's order)."""
    ordered = sorted(decisions, key=lambda d: (d.decided_at, d.decision.value))
    return ordered[-1] if ordered else None


def awaiting_review(changed_at: str, decisions: Iterable[Decision]) -> bool:
    """Whether work whose latest version arrived at ``changed_at`` still waits for a decision.

    Times are stored UTC ISO 8601 text, which sorts as time does.
    """
    last = latest(decisions)
    return last is None or last.decided_at < changed_at
