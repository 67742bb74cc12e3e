"""Record digests: what changes a digest and what does not, and set summaries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldkit.domain.digest import SetDigest, bucket_of, digest_text, record_digest

ID = "3f0c0e0a-7a8e-4e39-9a4e-3f1d2f9c0a01"
V1 = "001764000000000:0000:node-a"
V2 = "001764000000001:0000:node-a"


def _d(
    record_type: str = "person",
    record_id: str = ID,
    deleted: bool = False,
    versions: dict[str, str] | None = None,
) -> int:
    return record_digest(
        record_type,
        record_id,
        deleted=deleted,
        versions={"given_name": V1} if versions is None else versions,
    )


@pytest.mark.parametrize(
    ("other", "same"),
    [
        (_d(record_id=ID.upper()), True),
        (_d(versions={"given_name": V1}), True),
        (_d(deleted=True, versions={"given_name": V2}), False),
        (_d(versions={"given_name": V2}), False),
        (_d(versions={"given_name": V1, "flags": V2}), False),
        (_d(versions={}), False),
        (_d(record_type="place"), False),
        (_d(record_id=ID.replace("3f", "40", 1)), False),
    ],
)
def test_a_digest_changes_with_the_version_held_and_nothing_else(other: int, same: bool) -> None:
    assert (other == _d()) is same


def test_a_tombstone_digest_ignores_versions_the_laptop_keeps_and_the_server_clears() -> None:
    assert _d(deleted=True, versions={"given_name": V2}) == _d(deleted=True, versions={})


def test_field_order_does_not_change_a_digest() -> None:
    assert _d(versions={"a": V1, "b": V2}) == _d(versions={"b": V2, "a": V1})


def test_digest_text_and_bucket() -> None:
    assert len(digest_text(_d())) == 16
    assert 0 <= _d() < 2**62
    assert bucket_of(ID.upper()) == "3f"


@given(st.lists(st.integers(min_value=0, max_value=2**62 - 1), max_size=50), st.randoms())
def test_a_set_summary_does_not_depend_on_order(digests: list[int], rng: object) -> None:
    shuffled = list(digests)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert SetDigest.of(shuffled) == SetDigest.of(digests)
    assert SetDigest.of(shuffled).text() == SetDigest.of(digests).text()


def test_a_set_summary_tells_a_missing_or_changed_record_apart() -> None:
    held = [_d(), _d(record_type="place"), _d(versions={"given_name": V2})]
    whole = SetDigest.of(held).text()
    assert SetDigest.of(held[:2]).text() != whole
    assert SetDigest.of([*held[:2], _d(versions={"flags": V1})]).text() != whole


def _digest_as_specified(
    record_type: str, record_id: str, deleted: bool, versions: dict[str, str]
) -> int:
    # The canonical form as the protocol defines it (docs/sync-protocol.md), written out in full.
    import hashlib
    import json

    held = {} if deleted else versions
    text = json.dumps(
        [record_type, record_id.lower(), deleted, held],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 2


@pytest.mark.parametrize(
    ("record_type", "record_id", "deleted", "versions"),
    [
        ("visit", ID, False, {"narrative": V1, "district": V2, "actions": V1}),
        ("visit", ID.upper(), False, {}),
        ("visit", ID, True, {"narrative": V1}),
        ("person", ID, False, {"given_name": '001764000000000:0000:ab"c'}),
        ("person", ID, False, {"naïve": V1}),
        ("person", "id with space", False, {"a\\b": V1, "tab\there": V2}),
        ("pers\u00f6n", ID, False, {"given_name": V1}),
    ],
)
def test_a_digest_is_the_hash_of_the_canonical_form_however_it_is_computed(
    record_type: str, record_id: str, deleted: bool, versions: dict[str, str]
) -> None:
    expected = _digest_as_specified(record_type, record_id, deleted, versions)
    assert record_digest(record_type, record_id, deleted=deleted, versions=versions) == expected
