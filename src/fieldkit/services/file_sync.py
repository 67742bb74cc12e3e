"""Evidence files to and from the server, after the records: chunk by chunk, resumable."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, TypeVar

from fieldkit.domain.evidence import CHUNKS_PER_REQUEST, FetchPolicy
from fieldkit.store import blobs
from fieldkit.store.vault import Vault
from fieldkit.sync.protocol import RemoteFile, ServerRefused, SyncError
from fieldkit.sync.transport import Transport

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Files fetched at once, each on its own connection: one file's chunks cross the network while
#: another's are written to the vault. Uploads go one at a time: a second one in flight gained
#: nothing measurable and cost the laptop more CPU (bench/results/evidence.md).
IN_FLIGHT: Final = 2


@dataclass
class FileTally:
    """What one pass moved: files sent and received whole, chunks each way, files waiting."""

    uploaded: int = 0
    downloaded: int = 0
    chunks_sent: int = 0
    chunks_received: int = 0
    waiting: int = 0


class FileSync:
    """Sends this laptop's evidence files and fetches those its records name.

    Chunks travel up to ``CHUNKS_PER_REQUEST`` to a request, each checked against its own
    SHA-256, and up to ``IN_FLIGHT`` files are fetched at once (a connection each). Each request's
    chunks are committed in one vault transaction, so a cut connection or a killed process
    loses at most the requests in flight; the next pass asks what is missing and carries on.
    A file is readable only once whole and checked against its SHA-256.

    Downloaded chunks can be fetched again, so their commits do not wait for the disk
    (`Vault.write` ``refetchable``); a file is marked whole by an ordinary commit, which makes
    its chunks durable first. Nothing captured on this laptop is written that way.

    Args:
        vault: the unlocked vault.
        transport: the signed-in server connection.
        metered: whether the connection is metered now (None: unknown, taken as not metered).
        after_chunk: test hook, called after each received chunk is committed.
    """

    def __init__(
        self,
        vault: Vault,
        transport: Transport,
        *,
        metered: bool | None = None,
        after_chunk: Callable[[int], None] | None = None,
    ) -> None:
        self._vault = vault
        self._transport = transport
        self._metered = bool(metered)
        self._after_chunk = after_chunk or (lambda _n: None)
        self._tally_lock = threading.Lock()

    def run(self, *, policy: FetchPolicy) -> FileTally:
        """Upload, then download as the policy says."""
        tally = FileTally()
        self.upload(tally)
        if policy is FetchPolicy.NONE_METERED and self._metered:
            return tally
        self.download(tally, thumbnails_only=policy is FetchPolicy.THUMBNAILS)
        return tally

    def upload(self, tally: FileTally) -> None:
        """Send every whole file the server lacks (only the chunks it says it is missing)."""
        with self._vault.read() as conn:
            pending = blobs.to_upload(conn)
        self._each(
            pending, lambda transport, held: self._upload_one(transport, held, tally), in_flight=1
        )

    def _upload_one(self, transport: Transport, held: blobs.BlobState, tally: FileTally) -> None:
        try:
            remote = transport.file_start(held.sha256, size=held.size)
        except ServerRefused:
            # Its record has not reached the server (or was refused): not sent, kept.
            self._count(tally, waiting=1)
            return
        for run in _runs(remote.missing):
            with self._vault.read() as conn:
                pieces = [blobs.read_chunk(conn, held.sha256, index) for index in run]
            held_pieces = [p for p in pieces if p is not None]
            if len(held_pieces) != len(pieces):
                break
            remote = transport.file_put_chunks(held.sha256, run[0], held_pieces)
            self._count(tally, chunks_sent=len(run))
        if remote.complete:
            with self._vault.write() as conn:
                blobs.mark_uploaded(conn, held.sha256)
            self._count(tally, uploaded=1)

    def download(self, tally: FileTally, *, thumbnails_only: bool) -> None:
        """Fetch the files this laptop's attachments name and it does not hold whole."""
        with self._vault.read() as conn:
            wanted = blobs.wanted(conn, thumbnails_only=thumbnails_only)
        if not wanted:
            return
        at = self._vault.now().isoformat(timespec="seconds")
        with self._vault.checkpoint_after():
            self._each(
                wanted,
                lambda transport, digest: self._download_one(transport, digest, tally, at),
                in_flight=IN_FLIGHT,
            )

    def _download_one(self, transport: Transport, digest: str, tally: FileTally, at: str) -> None:
        try:
            remote = transport.file_state(digest)
        except ServerRefused:
            self._count(tally, waiting=1)  # not on the server yet: "file arriving"
            return
        if not remote.complete:
            self._count(tally, waiting=1)
            return
        try:
            whole = self._fetch(transport, digest, remote, tally, at=at)
        except blobs.BlobError:
            # The server described the file in a way its chunks do not fit: nothing of it
            # is kept, and the next sync asks again from the start.
            with self._vault.write() as conn:
                blobs.discard_incoming(conn, digest)
            whole = False
        if whole:
            self._count(tally, downloaded=1)
        else:
            self._count(tally, waiting=1)

    def fetch_one(self, digest: str) -> bool:
        """Fetch one file now (an attachment opened whose file is not held): whether it is whole.

        False, with nothing half-kept visible, when the server is out of reach, does not hold
        the file whole, or describes it in a way its chunks do not fit.
        """
        with self._vault.read() as conn:
            if blobs.complete_set(conn, [digest]):
                return True
        tally = FileTally()
        try:
            remote = self._transport.file_state(digest)
            whole = remote.complete and self._fetch(
                self._transport,
                digest,
                remote,
                tally,
                at=self._vault.now().isoformat(timespec="seconds"),
            )
        except blobs.BlobError:
            with self._vault.write() as conn:
                blobs.discard_incoming(conn, digest)
            whole = False
        except SyncError:
            whole = False  # offline, signed out or refused: the chunks kept so far stay
        log.info("a file was fetched on demand: %s (%d chunks)", "whole" if whole else "not whole",
                 tally.chunks_received)  # fmt: skip
        return whole

    def _fetch(
        self, transport: Transport, digest: str, remote: RemoteFile, tally: FileTally, *, at: str
    ) -> bool:
        with self._vault.write() as conn:
            blobs.begin_incoming(
                conn, digest, size=remote.size, chunk_size=remote.chunk_size, at=at
            )
            missing = blobs.missing_chunks(conn, digest)
        for run in _runs(missing):
            digests: list[str] = []
            for index in run:
                chunk_digest = remote.chunks[index] if index < len(remote.chunks) else None
                if chunk_digest is None:
                    return False
                digests.append(chunk_digest)
            pieces = transport.file_chunks(digest, run[0], digests, chunk_size=remote.chunk_size)
            # One transaction for the request's chunks; it need not wait for the disk (they
            # can be fetched again): finish() below commits durably before the file is whole.
            with self._vault.write(refetchable=True) as conn:
                blobs.put_chunks(conn, digest, list(zip(run, pieces, digests, strict=True)))
            for _index in run:
                self._after_chunk(self._count(tally, chunks_received=1))
        with self._vault.write() as conn:
            return blobs.finish(conn, digest)

    def _count(
        self,
        tally: FileTally,
        *,
        uploaded: int = 0,
        downloaded: int = 0,
        chunks_sent: int = 0,
        chunks_received: int = 0,
        waiting: int = 0,
    ) -> int:
        """Add to the tally (files move on several threads); returns the chunks received."""
        with self._tally_lock:
            tally.uploaded += uploaded
            tally.downloaded += downloaded
            tally.chunks_sent += chunks_sent
            tally.chunks_received += chunks_received
            tally.waiting += waiting
            return tally.chunks_received

    def _each(
        self, items: Sequence[T], work: Callable[[Transport, T], None], *, in_flight: int
    ) -> None:
        """Do ``work`` for every item, up to ``in_flight`` at once, a connection each.

        The first failure stops new items from starting and is raised once those in flight end.
        """
        if not items:
            return
        queue = list(reversed(items))
        lock = threading.Lock()
        failures: list[BaseException] = []

        def worker(transport: Transport) -> None:
            while True:
                with lock:
                    if failures or not queue:
                        return
                    item = queue.pop()
                try:
                    work(transport, item)
                except BaseException as exc:  # raised below, in the caller's thread
                    with lock:
                        failures.append(exc)
                    return

        extra = [self._transport.clone() for _ in range(min(in_flight, len(items)) - 1)]
        try:
            with ThreadPoolExecutor(max_workers=max(1, len(extra))) as pool:
                helpers = [pool.submit(worker, transport) for transport in extra]
                worker(self._transport)
                for helper in helpers:
                    helper.result()
        finally:
            for transport in extra:
                stats = self._transport.stats
                stats.calls += transport.stats.calls
                stats.retries += transport.stats.retries
                stats.bytes_sent += transport.stats.bytes_sent
                stats.bytes_received += transport.stats.bytes_received
                transport.close()
        if failures:
            raise failures[0]


def _runs(indices: list[int] | tuple[int, ...]) -> list[list[int]]:
    """Chunk numbers grouped into runs of consecutive numbers, each one request's worth."""
    runs: list[list[int]] = []
    for index in sorted(indices):
        if runs and runs[-1][-1] == index - 1 and len(runs[-1]) < CHUNKS_PER_REQUEST:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs
