"""Hostile values for every field of every record type: the inputs the bad-input tests throw."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from fieldkit.domain.records import SPECS, FieldSpec, RecordType

_SOME_ID = "8d7c5b6e-7f4e-4b0e-9a53-0b7f1c2d3e4f"
_AT = "2026-11-27T10:00:00+00:00"

#: A valid record of every type, as small as the rules allow (scoped to huddersfield).
VALID: dict[RecordType, dict[str, object]] = {
    RecordType.PERSON: {"given_name": "Sam", "district": "huddersfield"},
    RecordType.PLACE: {
        "label": "Bus station",
        "district": "huddersfield",
        "lat": 53.648,
        "lon": -1.782,
    },
    RecordType.VISIT: {
        "occurred_at": _AT,
        "district": "huddersfield",
        "kind": "patrol",
        "officer_id": "olive",
    },
    RecordType.WARNING: {
        "person_id": _SOME_ID,
        "scheme": "asb",
        "level": "yellow",
        "issued_at": _AT,
        "district": "huddersfield",
        "behaviour": "Shouting at passers-by.",
    },
    RecordType.SIGNPOSTING: {
        "person_id": _SOME_ID,
        "given_at": _AT,
        "method": "leaflet",
        "district": "huddersfield",
    },
    RecordType.TENANCY_CASE: {"place_id": _SOME_ID, "district": "huddersfield"},
    RecordType.TENANCY_NOTE: {
        "case_id": _SOME_ID,
        "written_at": _AT,
        "kind": "visit",
        "body": "Spoke to the tenant.",
        "district": "huddersfield",
    },
    RecordType.CLOSURE: {"case_id": _SOME_ID, "district": "huddersfield", "order_months": 3},
    RecordType.DOCUMENT: {
        "kind": "yellow_letter",
        "subject_type": "warning",
        "subject_id": _SOME_ID,
        "template_id": "yellow",
        "template_version": "1",
        "language": "en",
        "sha256": "0" * 64,
        "printed_at": _AT,
        "served_how": "handed_over",
        "district": "huddersfield",
    },
    RecordType.SERVICE: {"name": "Food bank", "districts": ["huddersfield"]},
    RecordType.REVIEW: {
        "subject_type": "visit",
        "subject_id": _SOME_ID,
        "decision": "approved",
        "decided_at": _AT,
        "reviewer": "sue",
        "district": "huddersfield",
    },
    RecordType.ASB_CASE: {
        "reference": "HUD-2026-4B7Q2M-0001",
        "title": "Noise from flat 3",
        "category": "nuisance",
        "owner": "alex",
        "opened_on": "2026-03-01",
        "district": "huddersfield",
    },
    RecordType.ASB_PARTY: {
        "case_id": _SOME_ID,
        "person_id": _SOME_ID,
        "role": "victim",
        "district": "huddersfield",
    },
    RecordType.ASB_RISK: {
        "case_id": _SOME_ID,
        "person_id": _SOME_ID,
        "matrix_id": "asb_victim_risk",
        "matrix_version": 1,
        "score": 12,
        "band": "medium",
        "assessed_at": _AT,
        "assessed_by": "alex",
        "district": "huddersfield",
    },
    RecordType.ASB_ACTION: {
        "case_id": _SOME_ID,
        "what": "Visit the complainant",
        "assignee": "sam",
        "district": "huddersfield",
    },
    RecordType.COMMUNITY_TRIGGER: {
        "applicant_id": _SOME_ID,
        "received_on": "2026-11-30",
        "account": "Noise every night since the summer",
        "district": "huddersfield",
        "owner": "sue",
    },
    RecordType.MEETING: {
        "district": "huddersfield",
        "held_on": "2026-12-03",
        "chair": "priya",
    },
    RecordType.REFERRAL: {
        "source_type": "visit",
        "source_id": _SOME_ID,
        "person_id": _SOME_ID,
        "district": "huddersfield",
        "to_agency": "voluntary",
        "reason": "Lonely and drinking; agreed to see the befriending service",
        "consent": "given",
        "referred_by": "sam",
        "sent_at": _AT,
    },
    RecordType.ATTACHMENT: {
        "owner_type": "visit",
        "owner_id": _SOME_ID,
        "sha256": "ab" * 32,
        "media_type": "image/jpeg",
        "bytes": 1024,
        "captured_by": "amy",
        "captured_at": "2026-11-30T10:00:00+00:00",
        "district": "huddersfield",
    },
}


@dataclass(frozen=True)
class Literal:
    """JSON text written into a document as is: numbers Python's encoder will not write."""

    text: str


#: Number literals that JSON's grammar (or Python's reading of it) allows but arithmetic does not.
NUMBER_LITERALS = (
    "1" + "0" * 400,  # 1e400, written as an integer
    "-" + "9" * 400,
    "9" * 5000,  # more digits than Python converts
    "1e400",
    "-1e400",
    "1e-400",
    "NaN",
    "Infinity",
    "-Infinity",
)

_DATE_EDGES = (
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59-23:59",
    "2026-12-31T23:59:60+00:00",  # a leap second
    "1899-12-31T23:59:59+00:00",
    "2201-01-01T00:00:00+00:00",
    "0001-01-01",
    "9999-12-31",
)

_odd_characters = st.sampled_from(["\ud800", "\udfff", "\udc00x", "\x00", "a\x00b"])


def _nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = [value]
    return value


def _datetimes() -> st.SearchStrategy[str]:
    offsets = st.tuples(st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)).map(
        lambda o: f"{o[0]}{o[1]:02d}:{o[2]:02d}"
    )
    return st.builds(
        lambda y, mo, d, h, mi, s, off: f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{off}",
        st.one_of(st.integers(1, 50), st.integers(1850, 2250), st.integers(9950, 9999)),
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 60),
        offsets,
    )


def _dates() -> st.SearchStrategy[str]:
    return st.builds(
        lambda y, mo, d: f"{y:04d}-{mo:02d}-{d:02d}",
        st.one_of(st.integers(1, 50), st.integers(1850, 2250), st.integers(9950, 9999)),
        st.integers(1, 12),
        st.integers(1, 31),
    )


def scalar_values() -> st.SearchStrategy[object]:
    """One hostile value: extreme numbers, dates at the calendar's ends, text no database can
    store, deep nesting, and number literals Python's JSON encoder would not write."""
    return st.one_of(
        st.integers(min_value=-(10**30), max_value=10**30),
        st.integers(min_value=10**300, max_value=10**4000),
        st.integers(max_value=-(10**300), min_value=-(10**4000)),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from([1e308, -1e308, -0.0, 5e-324, 2**53 + 1]),
        st.sampled_from(NUMBER_LITERALS).map(Literal),
        st.sampled_from(_DATE_EDGES),
        _datetimes(),
        _dates(),
        st.tuples(st.text(max_size=5), _odd_characters, st.text(max_size=5)).map("".join),
        st.integers(1, 40).map(_nested),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.booleans(),
        st.none(),
    )


def hostile_values() -> st.SearchStrategy[object]:
    """A hostile value, or a short list of them (for list fields)."""
    return st.one_of(scalar_values(), st.lists(scalar_values(), min_size=1, max_size=3))


@st.composite
def hostile_records(draw: st.DrawFn) -> tuple[RecordType, str, dict[str, object]]:
    """A valid record of any type with one of its fields replaced by a hostile value."""
    record_type = draw(st.sampled_from(sorted(SPECS)))
    spec: FieldSpec = draw(st.sampled_from(SPECS[record_type].fields))
    value = draw(hostile_values())
    return record_type, spec.name, {**VALID[record_type], spec.name: value}


def to_json(document: Any, *, ensure_ascii: bool = True) -> str:
    """JSON text for a document that may hold `Literal`s, written into the text as they are."""
    literals: list[str] = []

    def encode(value: object) -> object:
        if isinstance(value, Literal):
            literals.append(value.text)
            return f"\x01literal{len(literals) - 1}\x01"
        raise TypeError(type(value).__name__)

    text = json.dumps(document, default=encode, ensure_ascii=ensure_ascii)
    for number, literal in enumerate(literals):
        marker = json.dumps(f"\x01literal{number}\x01", ensure_ascii=ensure_ascii)
        text = text.replace(marker, literal, 1)
    return text
