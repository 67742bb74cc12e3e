"""Retention review (DPA 2018 s39, UK GDPR art. 5(1)(e)): rules as data, and what is due."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final

from fieldkit.domain.records import SPECS, FieldKind, RecordType
from fieldkit.domain.vocabulary import (
    Regime,
    TenancyStatus,
    Vocabulary,
    WarningStatus,
    define_words,
)

#: What a required text field reads in an anonymised copy.
ANONYMISED: Final = "anonymised"

#: The file in a rules folder that holds the rules.
RULES_FILE: Final = "rules.json"


class StartEvent(Vocabulary):
    """What starts a record's retention clock."""

    #: The record's own date: when the visit happened, the note was written, the letter printed.
    RECORDED = "recorded"
    #: The latest visit naming the person (or at the place); the record's own creation if later.
    LAST_VISIT = "last_visit"
    #: The tenancy case's closure (the case's own; its case's for notes and closures). The
    #: clock does not run while the case is open, and stops again if the case is reopened.
    CASE_CLOSED = "case_closed"
    #: The warning's end: its withdrawal, else its expiry, else the end of its period, else
    #: its issue.
    WARNING_ENDED = "warning_ended"
    #: The record's last change (reference data such as support services).
    LAST_CHANGED = "last_changed"


class EndAction(Vocabulary):
    """What the retention rule expects when the period is up (the decision stays a person's)."""

    REVIEW = "review"
    ANONYMISE = "anonymise"
    DELETE = "delete"


define_words(
    StartEvent,
    {
        StartEvent.RECORDED: "When it was recorded",
        StartEvent.LAST_VISIT: "The last visit",
        StartEvent.CASE_CLOSED: "When the case closed",
        StartEvent.WARNING_ENDED: "When the warning ended",
        StartEvent.LAST_CHANGED: "Its last change",
    },
)
define_words(
    EndAction,
    {EndAction.REVIEW: "Review", EndAction.ANONYMISE: "Anonymise", EndAction.DELETE: "Delete"},
)


class RetentionRulesError(ValueError):
    """A retention rules file that cannot be used; the message names what is wrong."""


@dataclass(frozen=True)
class RetentionRule:
    """One record type's retention: regime, period, start event, end action."""

    type: RecordType
    regime: Regime
    months: int
    start: StartEvent
    action: EndAction
    #: The fields an anonymised copy keeps; empty when the type cannot be anonymised.
    anonymise_keeps: frozenset[str] = frozenset()
    #: Where a type spans both regimes: the field that decides, and the regime for each of its
    #: values that differs from ``regime`` (a housing visit under UK GDPR).
    regime_field: str | None = None
    regime_values: Mapping[str, Regime] = field(default_factory=dict)

    def regime_of(self, fields: Mapping[str, object]) -> Regime:
        """The regime one record is processed under."""
        if self.regime_field is None:
            return self.regime
        value = fields.get(self.regime_field)
        return self.regime_values.get(value, self.regime) if isinstance(value, str) else self.regime

    def describe(self) -> str:
        """The rule in one line, as the due list shows it."""
        return f"{self.months} months after {self.start.value}, then {self.action.value}"


@dataclass(frozen=True)
class HeldRecord:
    """A record as retention looks at it: its fields and when it was stored and last changed."""

    type: RecordType
    id: str
    fields: Mapping[str, object]
    created_on: date
    updated_on: date


@dataclass(frozen=True)
class Events:
    """The start events that live in other records: visits to people and places, case closures."""

    #: Person or place id -> the day of the latest visit naming it.
    last_visit: Mapping[str, date]
    #: Tenancy or ASB case id -> the day it closed, or None while it is open.
    case_closed: Mapping[str, date | None]


@dataclass(frozen=True)
class DueItem:
    """A record whose retention period is up (or whose kept-until review date has come)."""

    type: RecordType
    id: str
    due: date
    rule: RetentionRule
    #: The regime this record is processed under (the rule's, or its type's other one).
    regime: Regime


#: For RECORDED: the field holding each type's own date (the record's storage day otherwise).
_RECORDED_FIELD: Final[Mapping[RecordType, str]] = {
    RecordType.VISIT: "occurred_at",
    RecordType.WARNING: "issued_at",
    RecordType.SIGNPOSTING: "given_at",
    RecordType.TENANCY_NOTE: "written_at",
    RecordType.DOCUMENT: "printed_at",
    RecordType.REVIEW: "decided_at",
    RecordType.CLOSURE: "notice_served_at",
    RecordType.ASB_PARTY: "added_on",
    RecordType.ASB_RISK: "assessed_at",
    RecordType.COMMUNITY_TRIGGER: "received_on",
    RecordType.MEETING: "held_on",
    RecordType.REFERRAL: "sent_at",
    RecordType.ATTACHMENT: "captured_at",
}

#: The case types whose closure starts a clock, and the field that says when each closed.
_CLOSED_FIELD: Final[Mapping[RecordType, str]] = {
    RecordType.TENANCY_CASE: "closed_at",
    RecordType.ASB_CASE: "closed_on",
}


def default_rules_folder() -> Traversable:
    """The rules that ship with Fieldkit (``resources/retention``)."""
    return files("fieldkit.resources") / "retention"


def load_rules(folder: Traversable | Path | None = None) -> dict[RecordType, RetentionRule]:
    """Read the retention rules from a folder's ``rules.json``.

    Args:
        folder: the folder; None for the shipped defaults.

    Raises:
        RetentionRulesError: the file is missing, not JSON, or a rule is wrong or missing.
    """
    source = (folder if folder is not None else default_rules_folder()) / RULES_FILE
    try:
        data = source.read_bytes()
    except OSError:
        raise RetentionRulesError(f"no {RULES_FILE} in the rules folder") from None
    return parse_rules(data)


@functools.cache
def shipped_rules() -> Mapping[RecordType, RetentionRule]:
    """The shipped rules, read once (what a laptop shows a record's regime from)."""
    return load_rules()


def record_regime(
    record_type: RecordType,
    fields: Mapping[str, object],
    rules: Mapping[RecordType, RetentionRule] | None = None,
) -> Regime:
    """The regime one record is processed under: its type's, or its type's other one where
    the type spans both (a tenancy visit is UK GDPR, a patrol Part 3).

    Args:
        record_type: the record's type.
        fields: the record's fields (the rule's deciding field is read from them).
        rules: the rules to read; the shipped ones if None.
    """
    return (rules or shipped_rules())[record_type].regime_of(fields)


def parse_rules(data: bytes) -> dict[RecordType, RetentionRule]:
    """Parse retention rules: exactly one rule for every record type.

    Raises:
        RetentionRulesError: the text is not a rules file, or a rule is wrong or missing.
    """
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise RetentionRulesError("the rules file is not JSON") from None
    if not isinstance(document, dict) or document.get("version") != 1:
        raise RetentionRulesError("the rules file must be an object with version 1")
    items = document.get("rules")
    if not isinstance(items, list):
        raise RetentionRulesError("the rules file needs a list of rules")
    rules: dict[RecordType, RetentionRule] = {}
    for number, item in enumerate(items, start=1):
        rule = _rule(number, item)
        if rule.type in rules:
            raise RetentionRulesError(f"rule {number}: a second rule for {rule.type.value}")
        rules[rule.type] = rule
    missing = sorted(t.value for t in RecordType if t not in rules)
    if missing:
        raise RetentionRulesError(f"no rule for {', '.join(missing)}")
    return rules


def _rule(number: int, item: object) -> RetentionRule:
    where = f"rule {number}"
    if not isinstance(item, dict):
        raise RetentionRulesError(f"{where}: must be an object")
    unknown = sorted(
        set(item) - {"type", "regime", "months", "start", "action", "anonymise_keeps", "regime_by"}
    )
    if unknown:
        raise RetentionRulesError(f"{where}: unknown key {unknown[0]!r}")
    try:
        record_type = RecordType(str(item.get("type")))
        regime = Regime(str(item.get("regime")))
        start = StartEvent(str(item.get("start")))
        action = EndAction(str(item.get("action")))
    except ValueError:
        raise RetentionRulesError(
            f"{where}: type, regime, start and action must be known values"
        ) from None
    months = item.get("months")
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 1200:
        raise RetentionRulesError(f"{where}: months must be a whole number from 1 to 1200")
    keeps = item.get("anonymise_keeps", [])
    if not isinstance(keeps, list) or not all(isinstance(k, str) for k in keeps):
        raise RetentionRulesError(f"{where}: anonymise_keeps must be a list of field names")
    unknown_fields = sorted(set(keeps) - set(SPECS[record_type].by_name))
    if unknown_fields:
        raise RetentionRulesError(
            f"{where}: {record_type.value} has no field {unknown_fields[0]!r}"
        )
    if action is EndAction.ANONYMISE and not keeps:
        raise RetentionRulesError(f"{where}: anonymising needs anonymise_keeps")
    unfilled = sorted(
        f.name
        for f in SPECS[record_type].fields
        if keeps and f.required and f.kind is not FieldKind.TEXT and f.name not in keeps
    )
    if unfilled:
        raise RetentionRulesError(f"{where}: anonymise_keeps must keep required {unfilled[0]!r}")
    regime_field, regime_values = _regime_by(where, record_type, item.get("regime_by"))
    return RetentionRule(
        record_type,
        regime,
        months,
        start,
        action,
        frozenset(keeps),
        regime_field,
        regime_values,
    )


def _regime_by(
    where: str, record_type: RecordType, value: object
) -> tuple[str | None, dict[str, Regime]]:
    if value is None:
        return None, {}
    if not isinstance(value, dict) or set(value) != {"field", "values"}:
        raise RetentionRulesError(f"{where}: regime_by must be an object with field and values")
    name, values = value["field"], value["values"]
    if not isinstance(name, str) or name not in SPECS[record_type].by_name:
        raise RetentionRulesError(f"{where}: regime_by names no field of {record_type.value}")
    if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
        raise RetentionRulesError(f"{where}: regime_by values must map field values to regimes")
    try:
        return name, {k: Regime(str(v)) for k, v in values.items()}
    except ValueError:
        raise RetentionRulesError(f"{where}: regime_by values must be known regimes") from None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day where it is shorter."""
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has at least 28 days")


def day_of(value: object) -> date | None:
    """The day a stored date or date-time names (UTC), or None when there is none."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def gather_events(records: Iterable[HeldRecord]) -> Events:
    """The start events other records hold: each person's and place's last visit, case closures.

    Args:
        records: every record held (erased ones left out).
    """
    last_visit: dict[str, date] = {}
    case_closed: dict[str, date | None] = {}
    for record in records:
        if record.type is RecordType.VISIT:
            day = day_of(record.fields.get("occurred_at")) or record.created_on
            people = record.fields.get("person_ids")
            named = [p for p in people if isinstance(p, str)] if isinstance(people, list) else []
            place = record.fields.get("place_id")
            if isinstance(place, str) and place:
                named.append(place)
            for target in named:
                if target not in last_visit or last_visit[target] < day:
                    last_visit[target] = day
        elif record.type in _CLOSED_FIELD:
            case_closed[record.id] = _closed_on(record)
    return Events(last_visit, case_closed)


def _closed_on(case: HeldRecord) -> date | None:
    # Tenancy and ASB cases both close with the status "closed".
    if case.fields.get("status") != TenancyStatus.CLOSED.value:
        return None
    return day_of(case.fields.get(_CLOSED_FIELD[case.type])) or case.updated_on


def clock_start(rule: RetentionRule, record: HeldRecord, events: Events) -> date | None:
    """The day the record's retention clock started, or None while it has not.

    Args:
        rule: the record type's rule.
        record: the record as held now (a change after the clock started counts: a new visit
            restarts a person's clock, a reopened case stops its own).
        events: the start events other records hold.
    """
    fields = record.fields
    if rule.start is StartEvent.RECORDED:
        name = _RECORDED_FIELD.get(record.type)
        return (day_of(fields.get(name)) if name else None) or record.created_on
    if rule.start is StartEvent.LAST_CHANGED:
        return record.updated_on
    if rule.start is StartEvent.LAST_VISIT:
        visited = events.last_visit.get(record.id)
        return max(visited, record.created_on) if visited else record.created_on
    if rule.start is StartEvent.WARNING_ENDED:
        withdrawn = fields.get("status") == WarningStatus.WITHDRAWN.value
        candidates = (
            fields.get("withdrawn_at") if withdrawn else None,
            fields.get("expires_at"),
            fields.get("period_ends"),
            fields.get("issued_at"),
        )
        for value in candidates:
            day = day_of(value)
            if day is not None:
                return day
        return record.created_on
    # CASE_CLOSED: a case's own closure; a note's, closure's, party's or action's case's.
    if record.type in _CLOSED_FIELD:
        return _closed_on(record)
    case_id = fields.get("case_id")
    if isinstance(case_id, str) and case_id in events.case_closed:
        return events.case_closed[case_id]
    # Its case is not held (erased, or never arrived): the record's own date starts it.
    name = _RECORDED_FIELD.get(record.type)
    return (day_of(fields.get(name)) if name else None) or record.created_on


def due_on(
    rule: RetentionRule, record: HeldRecord, events: Events, *, kept_until: date | None = None
) -> date | None:
    """When the record is due for its retention decision, or None while its clock has not started.

    Args:
        rule: the record type's rule.
        record: the record as held now.
        events: the start events other records hold.
        kept_until: the review date of the latest decision to keep it, if any: it is due again
            then, or later if its own clock has moved on since.
    """
    start = clock_start(rule, record, events)
    if start is None:
        return None
    due = add_months(start, rule.months)
    return max(due, kept_until) if kept_until is not None else due


def due_items(
    records: Iterable[HeldRecord],
    rules: Mapping[RecordType, RetentionRule],
    *,
    today: date,
    kept_until: Mapping[str, date],
) -> list[DueItem]:
    """Every record due on or before ``today``, earliest first.

    Args:
        records: every record held (erased ones left out).
        rules: a rule for every record type.
        today: the day the list is for.
        kept_until: record id -> review date of its latest decision to keep it.
    """
    held = list(records)
    events = gather_events(held)
    items = []
    for record in held:
        rule = rules[record.type]
        due = due_on(rule, record, events, kept_until=kept_until.get(record.id))
        if due is not None and due <= today:
            items.append(DueItem(record.type, record.id, due, rule, rule.regime_of(record.fields)))
    return sorted(items, key=lambda i: (i.due, i.type.value, i.id))


def anonymised_fields(rule: RetentionRule, fields: Mapping[str, object]) -> dict[str, object]:
    """An anonymised copy's fields: only those the rule keeps (date-times kept to the day).

    A required text field the rule does not keep reads "anonymised".

    Raises:
        ValueError: the rule keeps nothing (the type cannot be anonymised).
    """
    if not rule.anonymise_keeps:
        raise ValueError(f"{rule.type.value} records cannot be anonymised under the rules")
    kept: dict[str, object] = {}
    for name in sorted(rule.anonymise_keeps):
        value = fields.get(name)
        spec = SPECS[rule.type].by_name[name]
        if spec.kind is FieldKind.DATETIME and isinstance(value, str):
            day = day_of(value)
            value = f"{day.isoformat()}T00:00:00+00:00" if day else None
        if value is not None:
            kept[name] = value
    for spec in SPECS[rule.type].fields:
        if spec.required and spec.kind is FieldKind.TEXT and spec.name not in kept:
            kept[spec.name] = ANONYMISED
    return kept
