"""Anti-entropy: find records the vault holds at another version than the server, and repair them.

The pull cursor says what the laptop was sent, not what its file still holds: a page of the
database copied back from an older copy of `vault.db` silently reverts the records on it, and
no pull would ever send them again. This step compares digests of what the vault holds with
what the server says the user may see, narrowing down by record type, then bucket (leading hex
digits of the id), then record; it fetches the records that differ and applies them through the
replica's ordinary write path, and purges records the vault holds but the server no longer lets
its user see.

Two things are never touched: a record with local changes not yet settled by the server (the
step runs only when the outbox is empty, and skips such records all the same), and a record
written on this laptop that the server does not list (work the server refused stays here).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fieldkit.domain.digest import BUCKET_WIDTH, SetDigest, bucket_of, digest_text
from fieldkit.domain.records import RecordType
from fieldkit.store import audit, digests, replica
from fieldkit.store.replica import PulledRecord
from fieldkit.store.vault import Vault
from fieldkit.sync.protocol import BadReply, WireRecord
from fieldkit.sync.transport import Transport

log = logging.getLogger(__name__)

#: Records fetched per request (the server takes at most 1,000).
FETCH_BATCH = 500
#: The sync state key holding when the last comparison finished (ISO 8601).
LAST_RUN_KEY = "anti_entropy_at"


@dataclass(frozen=True)
class DriftReport:
    """What one comparison found and did (counts only: never a record's content).

    Attributes:
        types_differing: record types whose digests differed.
        buckets_differing: buckets whose digests differed.
        fetched: records fetched again because they differed or were missing.
        repaired: fetched records that changed the vault (it held another version, or none).
        purged: records removed because the server no longer lets the user see them.
        kept_local: differing records left alone: they carry local changes, or were written
            on this laptop and the server does not list them (refused work stays here).
    """

    types_differing: int = 0
    buckets_differing: int = 0
    fetched: int = 0
    repaired: int = 0
    purged: int = 0
    kept_local: int = 0


@dataclass
class _Plan:
    fetch: list[tuple[str, str]] = field(default_factory=list)
    purge: list[tuple[str, str]] = field(default_factory=list)
    kept_local: int = 0
    types: int = 0
    buckets: int = 0


def is_due(last_run: str | None, *, now: datetime, every: timedelta) -> bool:
    """Whether a comparison is due: never run, or last run at least `every` ago.

    A last-run time in the future (a clock set back, or a state value put back) counts as due,
    so that a tampered time cannot put the check off.
    """
    if last_run is None:
        return True
    try:
        when = datetime.fromisoformat(last_run)
    except (TypeError, ValueError):
        return True
    if when.tzinfo is None or when > now:
        return True
    return now - when >= every


def repair_drift(*, vault: Vault, transport: Transport, at: str) -> DriftReport:
    """Compare the vault with the server and repair what differs; one pass.

    Args:
        vault: the unlocked vault.
        transport: the signed-in server connection.
        at: the time to note as the arrival of re-fetched records (ISO 8601).

    Returns:
        Counts of what differed and what was done.

    Raises:
        SyncError: a network or server failure (nothing half-applied: each batch of fetched
            records commits on its own, and the comparison simply runs again next time).
    """
    plan = _compare(vault, transport)
    repaired = 0
    for start in range(0, len(plan.fetch), FETCH_BATCH):
        reply = transport.fetch(plan.fetch[start : start + FETCH_BATCH])
        with vault.write() as conn:
            # Between comparing and now the user may have edited one of these: skip it.
            pending = digests.pending_record_ids(conn)
            records = [_pulled(r) for r in reply.records if r.id.lower() not in pending]
            outcome = replica.apply_pulled(conn, records, at=at)
            vault.observe_clock(conn, reply.server_hlc)
        repaired += outcome.inserted + outcome.updated
    purged = 0
    if plan.purge:
        with vault.write() as conn:
            pending = digests.pending_record_ids(conn)
            synced = digests.arrived_by_sync(conn, [rid for _t, rid in plan.purge])
            chosen = [p for p in plan.purge if p[1] in synced and p[1] not in pending]
            plan.kept_local += len(plan.purge) - len(chosen)
            purged = replica.purge(conn, chosen)
    report = DriftReport(
        types_differing=plan.types,
        buckets_differing=plan.buckets,
        fetched=len(plan.fetch),
        repaired=repaired,
        purged=purged,
        kept_local=plan.kept_local,
    )
    if repaired or purged:
        with vault.write() as conn:
            audit.append(
                conn,
                [
                    audit.new_event(
                        at=at,
                        actor=vault.username,
                        action=audit.AuditAction.UPDATE,
                        reason=(
                            f"sync: {repaired} record(s) held at another version than the "
                            f"server's were fetched again; {purged} the user may no longer "
                            "see were removed"
                        ),
                    )
                ],
            )
    log.info(
        "anti-entropy: %d type(s) and %d bucket(s) differed; %d fetched, %d repaired, "
        "%d purged, %d kept for local changes",
        report.types_differing,
        report.buckets_differing,
        report.fetched,
        report.repaired,
        report.purged,
        report.kept_local,
    )
    return report


def _compare(vault: Vault, transport: Transport) -> _Plan:
    """Narrow down by type, then bucket, then record: what to fetch and what to purge."""
    plan = _Plan()
    reply = transport.digest()
    if reply.bucket_width != BUCKET_WIDTH:
        # A server bucketing otherwise cannot be compared bucket by bucket: skip, say so.
        log.warning("anti-entropy skipped: the server buckets by %d digits", reply.bucket_width)
        return plan
    server_types = {t.key: t for t in reply.types}
    with vault.read() as conn:
        pending = digests.pending_record_ids(conn)
        held = {t: digests.record_digests(conn, t) for t in RecordType}
    for record_type in RecordType:
        local = held[record_type]
        theirs = server_types.get(record_type.value)
        if theirs is not None and _summary(local.values()) == (theirs.count, theirs.digest):
            continue
        if theirs is None and not local:
            continue
        plan.types += 1
        _compare_type(transport, record_type, local, theirs is not None, pending, plan)
    return plan


def _compare_type(
    transport: Transport,
    record_type: RecordType,
    local: dict[str, int],
    server_has_any: bool,
    pending: set[str],
    plan: _Plan,
) -> None:
    by_bucket: dict[str, dict[str, int]] = {}
    for record_id, digest in local.items():
        by_bucket.setdefault(bucket_of(record_id), {})[record_id] = digest
    server_buckets = (
        {b.key: b for b in transport.digest_buckets(record_type.value).buckets}
        if server_has_any
        else {}
    )
    for bucket in sorted(set(by_bucket) | set(server_buckets)):
        if not _is_bucket(bucket):
            raise BadReply("a bucket is not two hex digits")
        mine = by_bucket.get(bucket, {})
        theirs = server_buckets.get(bucket)
        if theirs is not None and _summary(mine.values()) == (theirs.count, theirs.digest):
            continue
        plan.buckets += 1
        listed = (
            dict(transport.digest_bucket(record_type.value, bucket).records)
            if theirs is not None
            else {}
        )
        listed = {k.lower(): v.lower() for k, v in listed.items()}
        for record_id, their_digest in listed.items():
            held = mine.get(record_id)
            if held is not None and digest_text(held) == their_digest:
                continue
            if record_id in pending:
                plan.kept_local += 1
                continue
            plan.fetch.append((record_type.value, record_id))
        for record_id in mine:
            if record_id in listed:
                continue
            if record_id in pending:
                plan.kept_local += 1
                continue
            plan.purge.append((record_type.value, record_id))


def _summary(values: Iterable[int]) -> tuple[int, str]:
    found = SetDigest.of(values)
    return found.count, found.text()


def _is_bucket(text: str) -> bool:
    return len(text) == 2 and all(c in "0123456789abcdef" for c in text)


def _pulled(record: WireRecord) -> PulledRecord:
    return PulledRecord(
        record.type, record.id, record.deleted, record.fields, record.versions, record.author
    )
