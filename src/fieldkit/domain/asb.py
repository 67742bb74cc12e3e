"""ASB case rules: readable references allocated offline, review and action clocks."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from fieldkit.domain.vocabulary import ActionStatus, AsbStatus, District

#: The short district prefix a reference starts with.
DISTRICT_PREFIX: Final[Mapping[District, str]] = {
    District.BATLEY_SPEN: "BS",
    District.DEWSBURY_MIRFIELD: "DM",
    District.HUDDERSFIELD: "HUD",
    District.RURAL: "RUR",
}
#: Crockford's base 32: no I, L, O or U, so a reference read over the phone is not misheard.
_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DEVICE_CODE_LENGTH: Final = 6
MAX_NUMBER: Final = 99_999
REFERENCE: Final = re.compile(r"^(BS|DM|HUD|RUR)-[0-9]{4}-[0-9A-HJKMNP-TV-Z]{6}-[0-9]{4,5}$")


def device_code(vault_id: str) -> str:
    """A laptop's part of every reference it allocates: 30 bits of its vault id, in base 32.

    The vault id is a random UUID made when the vault was created, and the server binds each
    vault id to one device (``devices.vault_node`` is unique), so two laptops share a code only
    if their random ids agree in all 30 leading bits.

    Raises:
        ValueError: the vault id is not a UUID.
    """
    bits = uuid.UUID(vault_id).int >> (128 - 5 * DEVICE_CODE_LENGTH)
    chars = []
    for _ in range(DEVICE_CODE_LENGTH):
        chars.append(_ALPHABET[bits & 31])
        bits >>= 5
    return "".join(reversed(chars))


def case_reference(*, district: str, year: int, device: str, number: int) -> str:
    """A case reference such as ``HUD-2026-4B7Q2M-0042``.

    District and year make it readable; the device code and the laptop's own running number
    (kept in its vault, per district and year) make it unique without asking the server: two
    laptops can only produce the same reference if their device codes are equal (see
    `device_code`), and one laptop never hands out the same number twice.

    Raises:
        ValueError: an unknown district, a year outside 1900-2200, or a number out of range.
    """
    prefix = DISTRICT_PREFIX[District(district)]
    if not 1900 <= year <= 2200:
        raise ValueError("year out of range")
    if not 1 <= number <= MAX_NUMBER:
        raise ValueError("case number out of range")
    return f"{prefix}-{year:04d}-{device}-{number:04d}"


def review_overdue(fields: Mapping[str, object], *, today: date) -> bool:
    """Whether a case that is not closed has passed its next review date."""
    due = fields.get("next_review_on")
    return (
        fields.get("status") != AsbStatus.CLOSED
        and isinstance(due, str)
        and due < today.isoformat()
    )


def to_discuss(
    *, status: str | None, high_risk: bool, overdue_actions: int, review_overdue: bool
) -> bool:
    """Whether a problem-solving group should discuss a case.

    Args:
        status: The case's status value.
        high_risk: Whether someone's latest risk assessment on the case is high.
        overdue_actions: How many of its open actions are past their due date.
        review_overdue: Whether the case has passed its next review date (`review_overdue`).

    Returns:
        True for a case that is not closed and is high risk, behind on actions or overdue for
        review.
    """
    return status != AsbStatus.CLOSED and (high_risk or overdue_actions > 0 or review_overdue)


def reassessment_overdue(fields: Mapping[str, object], *, today: date) -> bool:
    """Whether a case that is not closed has passed the date its risk must be assessed again."""
    due = fields.get("reassess_by")
    return (
        fields.get("status") != AsbStatus.CLOSED
        and isinstance(due, str)
        and due < today.isoformat()
    )


@dataclass(frozen=True)
class ActionClock:
    """Where an open action stands against its due date."""

    overdue: bool
    days: int | None


def action_clock(fields: Mapping[str, object], *, today: date) -> ActionClock | None:
    """An open action's clock (None for a done or cancelled one).

    ``days`` is how many days until it is due (negative when overdue), None with no due date.
    """
    if fields.get("status", ActionStatus.OPEN) != ActionStatus.OPEN:
        return None
    due = fields.get("due_on")
    if not isinstance(due, str):
        return ActionClock(False, None)
    days = (date.fromisoformat(due) - today).days
    return ActionClock(days < 0, days)


def action_order(fields: Mapping[str, object], *, today: date) -> tuple[int, str]:
    """Sort key for a list of actions: overdue first, then soonest due, undated last."""
    clock = action_clock(fields, today=today)
    due = fields.get("due_on")
    if clock is None:
        return (3, "")
    if clock.overdue:
        return (0, str(due))
    if isinstance(due, str):
        return (1, due)
    return (2, "")
