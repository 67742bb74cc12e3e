"""Referrals to partners: their words, the consent rule and the response clock."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final

from fieldkit.domain.vocabulary import Vocabulary, define_words
from fieldkit.domain.working_days import BankHolidays, add_working_days


class ReferralSource(Vocabulary):
    """The work a referral is made from."""

    VISIT = "visit"
    ASB_CASE = "asb_case"
    SIGNPOSTING = "signposting"


define_words(
    ReferralSource,
    {
        ReferralSource.VISIT: "Visit",
        ReferralSource.ASB_CASE: "ASB case",
        ReferralSource.SIGNPOSTING: "Signposting",
    },
)


class PartnerAgency(Vocabulary):
    """An agency of the partnership a referral can go to (the server's agencies)."""

    COUNCIL = "council"
    POLICE = "police"
    FIRE = "fire"
    HOUSING = "housing"
    VOLUNTARY = "voluntary"


define_words(
    PartnerAgency,
    {
        PartnerAgency.COUNCIL: "Council",
        PartnerAgency.POLICE: "Police",
        PartnerAgency.FIRE: "Fire and rescue",
        PartnerAgency.HOUSING: "Housing provider",
        PartnerAgency.VOLUNTARY: "Voluntary sector",
    },
)


class Urgency(Vocabulary):
    """How soon the partner should act on a referral."""

    ROUTINE = "routine"
    URGENT = "urgent"
    IMMEDIATE = "immediate"


define_words(
    Urgency,
    {Urgency.ROUTINE: "Routine", Urgency.URGENT: "Urgent", Urgency.IMMEDIATE: "Immediate"},
)


class Consent(Vocabulary):
    """Whether the person agreed to being referred."""

    GIVEN = "given"
    REFUSED = "refused"
    NOT_ASKED = "not_asked"


define_words(
    Consent,
    {
        Consent.GIVEN: "Consent given",
        Consent.REFUSED: "Consent refused",
        Consent.NOT_ASKED: "Not asked",
    },
)


class LawfulException(Vocabulary):
    """The lawful ground relied on to refer someone who refused consent."""

    PREVENT_CRIME = "prevent_crime"
    SAFEGUARDING = "safeguarding"
    VITAL_INTERESTS = "vital_interests"
    LEGAL_DUTY = "legal_duty"


define_words(
    LawfulException,
    {
        LawfulException.PREVENT_CRIME: "Prevention or detection of crime",
        LawfulException.SAFEGUARDING: "Safeguarding a child or adult at risk",
        LawfulException.VITAL_INTERESTS: "Protecting someone's life (vital interests)",
        LawfulException.LEGAL_DUTY: "A legal duty to share",
    },
)


class ReferralStatus(Vocabulary):
    """Where a referral has got to with the partner."""

    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    OUTCOME_RECORDED = "outcome_recorded"


define_words(
    ReferralStatus,
    {
        ReferralStatus.SENT: "Sent",
        ReferralStatus.ACCEPTED: "Accepted",
        ReferralStatus.DECLINED: "Declined",
        ReferralStatus.OUTCOME_RECORDED: "Outcome recorded",
    },
)

#: The fields the receiving agency may change: its answer, never what was referred or why.
RESPONSE_FIELDS: Final = frozenset({"status", "decline_reason", "outcome", "responded_at"})

#: Working days a partner has to answer a referral, unless the partnership sets another.
DEFAULT_RESPONSE_DAYS: Final = 5
#: The partnership's referral settings, under ``resources/referrals/``.
SETTINGS_FILE: Final = "settings.json"
#: The longest response clock a partnership may set (about three months of working days).
MOST_RESPONSE_DAYS: Final = 60


class ReferralSettingsError(ValueError):
    """The partnership's referral settings file cannot be used (names the file and setting)."""


def parse_response_days(data: object, *, source: str) -> int:
    """The working days a partner has to answer, from the settings file's JSON.

    ``response_working_days`` may be left out (the default, 5, applies).

    Raises:
        ReferralSettingsError: not a JSON object, or the setting is not a whole number from 1
            to ``MOST_RESPONSE_DAYS``.
    """
    if not isinstance(data, dict):
        raise ReferralSettingsError(f"{source}: must be a JSON object")
    value = data.get("response_working_days", DEFAULT_RESPONSE_DAYS)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 1 <= value <= MOST_RESPONSE_DAYS
    ):
        raise ReferralSettingsError(
            f"{source}: response_working_days must be a whole number from 1 to {MOST_RESPONSE_DAYS}"
        )
    return value


def load_response_days(path: Traversable | Path | None = None) -> int:
    """The partnership's response clock in working days (the shipped setting if ``path`` is
    None); the default when the file is absent.

    Raises:
        ReferralSettingsError: the file cannot be read or the setting is not valid.
    """
    entry = files("fieldkit.resources") / "referrals" / SETTINGS_FILE if path is None else path
    if not entry.is_file():
        return DEFAULT_RESPONSE_DAYS
    try:
        data = json.loads(entry.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReferralSettingsError(
            f"{entry.name}: cannot be read ({type(exc).__name__})"
        ) from None
    return parse_response_days(data, source=entry.name)


def referral_problems(fields: Mapping[str, object]) -> list[tuple[str, str]]:
    """What is wrong with a referral as a whole: (field, reason) pairs, empty when it is sound.

    A referral goes to an agency or a directory service; refused consent needs a recorded
    lawful exception; a declined referral says why and a recorded outcome says what it was.

    Args:
        fields: the referral's fields, each already checked on its own.
    """
    problems: list[tuple[str, str]] = []
    if not fields.get("to_agency") and not fields.get("to_service_id"):
        problems.append(("to_agency", "refer to an agency or a service"))
    if fields.get("consent") == Consent.REFUSED and not fields.get("lawful_exception"):
        problems.append(
            ("lawful_exception", "consent was refused: record the lawful exception relied on")
        )
    if fields.get("status") == ReferralStatus.DECLINED and not fields.get("decline_reason"):
        problems.append(("decline_reason", "say why the referral is declined"))
    if fields.get("status") == ReferralStatus.OUTCOME_RECORDED and not fields.get("outcome"):
        problems.append(("outcome", "say what the outcome was"))
    return problems


def respond_by(sent_on: date, holidays: BankHolidays, days: int = DEFAULT_RESPONSE_DAYS) -> date:
    """The day a partner should have answered a referral sent on ``sent_on``.

    Raises:
        BankHolidaysError: the period reaches a year the bank-holiday list does not cover.
    """
    return add_working_days(sent_on, days, holidays)


def is_overdue(status: str, respond_by_day: str | None, today: date) -> bool:
    """Whether a referral is still unanswered after the day it should have been answered by."""
    return (
        status == ReferralStatus.SENT
        and bool(respond_by_day)
        and str(respond_by_day) < (today.isoformat())
    )
