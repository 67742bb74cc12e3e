"""Valid record fields for tests, with overrides."""

from __future__ import annotations

PASSPHRASE = "correct horse battery staple"


def person(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "given_name": "Zoë",
        "family_name": "O'Brien",
        "aliases": ["Zed"],
        "date_of_birth": "1988-04-12",
        "district": "huddersfield",
    }
    fields.update(overrides)
    return fields


def place(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "label": "Huddersfield bus station",
        "address": "Upperhead Row, Huddersfield",
        "postcode": "hd1 2jn",
        "district": "huddersfield",
    }
    fields.update(overrides)
    return fields


def visit(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "occurred_at": "2026-11-27T10:15:00+00:00",
        "district": "huddersfield",
        "kind": "patrol",
        "categories": ["street_drinking"],
        "narrative": "Group drinking by the bus station; moved on after advice.",
        "officer_id": "amy.officer",
    }
    fields.update(overrides)
    return fields
