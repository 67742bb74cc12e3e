"""The rollback rules: a shown state extends the acknowledged head; audit numbers continue."""

from __future__ import annotations

import pytest

from fieldkit.domain.attestation import (
    GENESIS,
    NOTHING_ACKNOWLEDGED,
    ChainBreak,
    Head,
    Shown,
    chain_break,
    extends,
)

A, B, C, D = "a" * 64, "b" * 64, "c" * 64, "d" * 64
ACK = Head(3, A, 10)


@pytest.mark.parametrize(
    ("acknowledged", "shown", "last_device_seq", "expected"),
    [
        (NOTHING_ACKNOWLEDGED, Shown(Head(0, GENESIS, 0), GENESIS), 0, True),
        (NOTHING_ACKNOWLEDGED, Shown(Head(5, B, 2), GENESIS), 0, True),
        (ACK, Shown(Head(3, A, 10), A), 0, True),
        (ACK, Shown(Head(7, B, 12), A), 0, True),
        # Restored, then as many new entries and changes: another entry at position 3.
        (ACK, Shown(Head(3, B, 10), B), 0, False),
        # Restored and synced at once: a shorter chain.
        (ACK, Shown(Head(2, C, 8), None), 0, False),
        # The chain matches but the counter went back.
        (ACK, Shown(Head(4, D, 9), A), 0, False),
        # Never acknowledged, but behind what the device pushed (the older check).
        (NOTHING_ACKNOWLEDGED, Shown(Head(1, B, 4), GENESIS), 6, False),
        (ACK, Shown(Head(3, A, 11), A), 12, False),
    ],
)
def test_a_shown_state_extends_the_acknowledged_head_only_when_nothing_went_back(
    acknowledged: Head, shown: Shown, last_device_seq: int, expected: bool
) -> None:
    assert extends(acknowledged, shown, last_device_seq=last_device_seq) is expected


@pytest.mark.parametrize(
    ("held", "numbered_before", "position", "prev_hash", "digest", "expected"),
    [
        ({}, False, 40, A, B, None),  # the first numbered event from an upgraded laptop
        ({}, True, 1, GENESIS, A, None),
        ({1: {A}}, True, 2, A, B, None),
        ({1: {A}, 2: {B}}, True, 2, A, B, None),  # sent again
        ({1: {A}}, True, 4, C, D, ChainBreak.GAP),
        ({1: {A}, 2: {B}}, True, 2, A, C, ChainBreak.FORK),  # number reused, another hash
        ({1: {A}}, True, 2, C, B, ChainBreak.FORK),  # does not follow the entry held before
        ({1: {A}}, True, 1, GENESIS, B, ChainBreak.FORK),
    ],
)
def test_a_numbered_audit_event_continues_the_chain_or_shows_a_gap_or_a_fork(
    held: dict[int, set[str]],
    numbered_before: bool,
    position: int,
    prev_hash: str,
    digest: str,
    expected: ChainBreak | None,
) -> None:
    found = chain_break(
        held,
        numbered_before=numbered_before,
        position=position,
        prev_hash=prev_hash,
        digest=digest,
    )
    assert found is expected
