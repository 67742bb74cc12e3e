"""Valid record fields for tests, with overrides."""

from __future__ import annotations

from fieldkit.store.keyfile import KdfParams

PASSPHRASE = "correct horse battery staple"
#: The cheapest Argon2id costs a vault accepts, so that tests unlock in milliseconds. Tests only:
#: a vault made with them is no harder to attack than its passphrase.
TEST_KDF = KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)


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
