"""Rollback rules: does a laptop's shown state extend what the server acknowledged of it?"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

#: The hash before a chain's first entry (position 0), as `fieldkit.store.audit` starts it.
GENESIS = "0" * 64

#: The dated version of the attestation extension to sync protocol 2026-11-27.
ATTESTATION_VERSION = "2026-12-06"


@dataclass(frozen=True)
class Head:
    """A laptop's state at one moment: its audit chain's length and last hash, its counter.

    Attributes:
        audit_count: entries in the laptop's s62 audit chain (its chain position).
        audit_hash: the hash of entry number ``audit_count`` (`GENESIS` when there are none).
        change_seq: the highest local change number the laptop has issued.
    """

    audit_count: int
    audit_hash: str
    change_seq: int

    def wire(self) -> dict[str, object]:
        return {
            "audit_count": self.audit_count,
            "audit_hash": self.audit_hash,
            "change_seq": self.change_seq,
        }


#: What the server holds for a device that has never been acknowledged.
NOTHING_ACKNOWLEDGED = Head(0, GENESIS, 0)


@dataclass(frozen=True)
class Shown:
    """What a laptop shows at the start of a sync, to prove it extends the acknowledged head.

    Attributes:
        head: its own head now.
        hash_at_acknowledged: the hash of its own entry at the acknowledged position (None when
            it has fewer entries than that).
    """

    head: Head
    hash_at_acknowledged: str | None


def extends(acknowledged: Head, shown: Shown, *, last_device_seq: int = 0) -> bool:
    """Whether a laptop's shown state is a continuation of the head the server acknowledged.

    A vault restored from an older copy fails: its chain is shorter, or has another entry at
    the acknowledged position (new events written over the forgotten ones), or its change
    counter is behind what the server acknowledged or saw pushed.

    Args:
        acknowledged: the head the server acknowledged at the device's last sync.
        shown: what the laptop shows now.
        last_device_seq: the highest change number the server has seen this device push.
    """
    if shown.head.audit_count < acknowledged.audit_count:
        return False
    expected = acknowledged.audit_hash if acknowledged.audit_count else GENESIS
    if (shown.hash_at_acknowledged or GENESIS) != expected:
        return False
    return shown.head.change_seq >= max(acknowledged.change_seq, last_device_seq)


class ChainBreak(StrEnum):
    """How a numbered audit event fails to continue what the server holds from its laptop."""

    #: Numbers were skipped: events between the last one held and this one never arrived.
    GAP = "audit_gap"
    #: The number was used before with another hash, or the event does not follow the one held
    #: before it: the laptop's log was rewritten or rolled back.
    FORK = "audit_fork"


def chain_break(
    held: Mapping[int, Collection[str]],
    *,
    numbered_before: bool,
    position: int,
    prev_hash: str,
    digest: str,
) -> ChainBreak | None:
    """Whether a numbered audit event continues the chain the server holds from its laptop.

    Args:
        held: the hashes the server holds for the device at (at least) this position and the
            one before it.
        numbered_before: whether the device has sent any numbered event before; if not, this
            one starts the record (a laptop that logged unnumbered events before upgrading).
        position: the event's position in the laptop's chain (1 for the first entry).
        prev_hash: the hash of the entry before it, as the laptop says.
        digest: its own hash.
    """
    if digest in held.get(position, ()):
        return None
    if held.get(position):
        return ChainBreak.FORK
    if not numbered_before:
        return None
    before = GENESIS if position == 1 else None
    hashes_before = {before} if before else set(held.get(position - 1, ()))
    if not hashes_before:
        return ChainBreak.GAP
    if prev_hash not in hashes_before:
        return ChainBreak.FORK
    return None
