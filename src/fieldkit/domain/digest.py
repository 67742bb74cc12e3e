"""Record digests for anti-entropy: one canonical form the laptop and the server both compute.

A record's digest covers what says which version of it a copy holds: its type, id, whether it
is a tombstone, and its per-field versions (a tombstone's versions are left out: the server
clears them, the laptop keeps them). Two copies with equal digests hold the same version.

A set of records (one record type, or one bucket of it) is summarised by its count and the sums
of the two 31-bit halves of its records' 62-bit digests. Sums, unlike a hash of a sorted list,
can be taken by the database in one pass (``SUM`` over an index-free scan) on SQLite and
PostgreSQL alike, and never overflow a 64-bit integer below 2**32 records.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: A record digest is a non-negative integer below 2**62 (fits a signed 64-bit column).
DIGEST_BITS = 62
#: The digest is summed as two halves of this many bits.
HALF_BITS = 31
HALF = 1 << HALF_BITS
#: Characters json.dumps writes as they are inside a string (no escape, ASCII).
_PLAIN = re.compile(r"[A-Za-z0-9_.:\-]*")
#: Buckets are the first this-many hex digits of a record id (256 per record type).
BUCKET_WIDTH = 2


def record_digest(
    record_type: str, record_id: str, *, deleted: bool, versions: Mapping[str, str]
) -> int:
    """The 62-bit digest of one record's version.

    Args:
        record_type: the record type's wire name.
        record_id: the record's id (compared in lower case).
        deleted: whether the record is a tombstone.
        versions: field name to the HLC of its value (ignored for a tombstone).

    Returns:
        An integer in ``[0, 2**62)``.
    """
    held = {} if deleted else {str(k): str(v) for k, v in versions.items()}
    record_id = record_id.lower()
    if _PLAIN.fullmatch("".join((record_type, record_id, *held, *held.values()))):
        # Nothing to escape (the usual case: field names, clocks and ids): the same text as
        # json.dumps below writes, without its cost (a push computes one per record).
        pairs = ",".join(f'"{name}":"{held[name]}"' for name in sorted(held))
        flag = "true" if deleted else "false"
        canonical = f'["{record_type}","{record_id}",{flag},{{{pairs}}}]'
    else:
        canonical = json.dumps(
            [record_type, record_id, bool(deleted), held],
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=True,
        )
    top = int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:8], "big")
    return top >> (64 - DIGEST_BITS)


def bucket_of(record_id: str) -> str:
    """The bucket a record falls in: the first `BUCKET_WIDTH` hex digits of its id."""
    return record_id[:BUCKET_WIDTH].lower()


def digest_text(digest: int) -> str:
    """A record digest as it goes on the wire: 16 hex digits."""
    return f"{digest:016x}"


@dataclass(frozen=True)
class SetDigest:
    """The summary of a set of records: how many, and the sums of their digests' halves.

    Attributes:
        count: the number of records.
        high: the sum of each digest's upper 31 bits.
        low: the sum of each digest's lower 31 bits.
    """

    count: int
    high: int
    low: int

    @classmethod
    def of(cls, digests: Iterable[int]) -> SetDigest:
        """The summary of the given record digests."""
        count = high = low = 0
        for digest in digests:
            count += 1
            high += digest >> HALF_BITS
            low += digest & (HALF - 1)
        return cls(count, high, low)

    def text(self) -> str:
        """The summary as it goes on the wire (opaque: compare, do not parse)."""
        raw = f"{self.count}:{self.high}:{self.low}".encode()
        return hashlib.sha256(raw).hexdigest()[:32]
