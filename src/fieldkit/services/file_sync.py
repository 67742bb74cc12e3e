"""Evidence files to and from the server, after the records: chunk by chunk, resumable."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from fieldkit.domain.evidence import CHUNKS_PER_REQUEST, FetchPolicy
from fieldkit.store import blobs
from fieldkit.store.vault import Vault
from fieldkit.sync.protocol import RemoteFile, ServerRefused, SyncError
from fieldkit.sync.transport import Transport

log = logging.getLogger(__name__)


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
    SHA-256; each request's chunks are committed in one vault transaction, so a cut connection
    or a killed process loses at most the request in flight; the next pass asks what is missing
    and carries on. A file is readable only once whole and checked against its SHA-256.

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
        for held in pending:
            try:
                remote = self._transport.file_start(held.sha256, size=held.size)
            except ServerRefused:
                # Its record has not reached the server (or was refused): not sent, kept.
                tally.waiting += 1
                continue
            for run in _runs(remote.missing):
                with self._vault.read() as conn:
                    pieces = [blobs.read_chunk(conn, held.sha256, index) for index in run]
                held_pieces = [p for p in pieces if p is not None]
                if len(held_pieces) != len(pieces):
                    break
                remote = self._transport.file_put_chunks(held.sha256, run[0], held_pieces)
                tally.chunks_sent += len(run)
            if remote.complete:
                with self._vault.write() as conn:
                    blobs.mark_uploaded(conn, held.sha256)
                tally.uploaded += 1

    def download(self, tally: FileTally, *, thumbnails_only: bool) -> None:
        """Fetch the files this laptop's attachments name and it does not hold whole."""
        with self._vault.read() as conn:
            wanted = blobs.wanted(conn, thumbnails_only=thumbnails_only)
        at = self._vault.now().isoformat(timespec="seconds")
        for digest in wanted:
            try:
                remote = self._transport.file_state(digest)
            except ServerRefused:
                tally.waiting += 1  # not on the server yet: "file arriving"
                continue
            if not remote.complete:
                tally.waiting += 1
                continue
            try:
                whole = self._fetch(digest, remote, tally, at=at)
            except blobs.BlobError:
                # The server described the file in a way its chunks do not fit: nothing of it
                # is kept, and the next sync asks again from the start.
                with self._vault.write() as conn:
                    blobs.discard_incoming(conn, digest)
                whole = False
            if whole:
                tally.downloaded += 1
            else:
                tally.waiting += 1

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
                digest, remote, tally, at=self._vault.now().isoformat(timespec="seconds")
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

    def _fetch(self, digest: str, remote: RemoteFile, tally: FileTally, *, at: str) -> bool:
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
            pieces = self._transport.file_chunks(
                digest, run[0], digests, chunk_size=remote.chunk_size
            )
            with self._vault.write() as conn:  # one transaction for the request's chunks
                for index, data, chunk_digest in zip(run, pieces, digests, strict=True):
                    blobs.put_chunk(conn, digest, index, data, chunk_digest=chunk_digest)
            for _index in run:
                tally.chunks_received += 1
                self._after_chunk(tally.chunks_received)
        with self._vault.write() as conn:
            return blobs.finish(conn, digest)


def _runs(indices: list[int] | tuple[int, ...]) -> list[list[int]]:
    """Chunk numbers grouped into runs of consecutive numbers, each one request's worth."""
    runs: list[list[int]] = []
    for index in sorted(indices):
        if runs and runs[-1][-1] == index - 1 and len(runs[-1]) < CHUNKS_PER_REQUEST:
            runs[-1].append(index)
        else:
            runs.append([index])
    return runs
