"""Evidence files on the server: one storage interface, a filesystem default, metadata in SQL."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import and_, delete, select, text
from sqlalchemy.orm import Session

from fieldkit.domain.evidence import CHUNK_SIZE, chunk_count
from fieldkit.domain.records import RecordType
from fieldkit_server.models import FileBlob, FileChunk, FileName, Record, SyncClock
from fieldkit_server.policy import Principal
from fieldkit_server.pull import visible

_HEX64 = re.compile(r"[0-9a-f]{64}")

#: The PostgreSQL advisory lock that orders collecting files against uploading them: every
#: upload transaction holds it shared, collection and sweeping exclusive ("files" in ASCII).
FILES_LOCK = 0x66696C6573


def hold_for_upload(session: Session) -> None:
    """Take, for this transaction, the files lock shared: no collection runs meanwhile.

    On SQLite every transaction already takes the one write lock first (``BEGIN IMMEDIATE``).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": FILES_LOCK})


def hold_for_collection(session: Session) -> None:
    """Take, for this transaction, the clock row and the files lock exclusive.

    The clock row is the lock every writing push takes before it writes records (and the
    index of the files they name): collection waits for pushes committing, and they wait for
    it, so it never misses an attachment record being pushed. The files lock waits for
    uploads in flight and holds new ones back. Taken in this order (clock, then files), as a
    retention erasure does through the push path, so the two never deadlock.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(select(SyncClock.id).where(SyncClock.id == 1).with_for_update())
    _hold_files_exclusive(session)


def _hold_files_exclusive(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FILES_LOCK})


def valid_digest(value: str) -> bool:
    """Whether text is a lower-case hexadecimal SHA-256 (what names every file)."""
    return bool(_HEX64.fullmatch(value))


class BlobStore(Protocol):
    """Where the chunks of evidence files live; PostgreSQL (or SQLite) says which are whole."""

    def put_chunks(self, digest: str, chunks: list[tuple[int, bytes]]) -> None:
        """Keep chunks (number, bytes) durably, each atomically: a reader sees all or none of it.

        Durable when this returns, before the database records them.
        """

    def read_chunk(self, digest: str, index: int) -> bytes | None:
        """One chunk's bytes, or None if it is not held."""

    def remove(self, digest: str) -> None:
        """Remove every chunk of a file (nothing if none are held)."""

    def digests(self) -> list[str]:
        """Every file of which the store holds any chunk."""


class FileSystemBlobStore:
    """Chunks as files under a folder: ``ab/abcdef.../00000003`` (owner-only, fsynced).

    Args:
        root: the folder (created owner-only if absent).
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _folder(self, digest: str) -> Path:
        if not valid_digest(digest):
            raise ValueError("not a SHA-256")
        return self.root / digest[:2] / digest

    def put_chunks(self, digest: str, chunks: list[tuple[int, bytes]]) -> None:
        folder = self._folder(digest)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if len(chunks) == 1:
            _write_chunk(folder, *chunks[0])
        else:
            # Written side by side: the filesystem commits concurrent fsyncs together, about ten
            # times faster than one after another. Each chunk is still whole or absent.
            with ThreadPoolExecutor(max_workers=min(8, len(chunks))) as pool:
                list(pool.map(lambda chunk: _write_chunk(folder, *chunk), chunks))
        # One folder sync makes every rename above durable (not one per chunk).
        _sync_folder(folder)

    def read_chunk(self, digest: str, index: int) -> bytes | None:
        try:
            return (self._folder(digest) / f"{index:08d}").read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, digest: str) -> None:
        folder = self._folder(digest)
        if not folder.exists():
            return
        for path in folder.iterdir():
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()

    def digests(self) -> list[str]:
        return sorted(
            path.name
            for shard in self.root.iterdir()
            if shard.is_dir()
            for path in shard.iterdir()
            if path.is_dir() and valid_digest(path.name) and path.name[:2] == shard.name
        )


def _write_chunk(folder: Path, index: int, data: bytes) -> None:
    handle, name = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, folder / f"{index:08d}")
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _sync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):
            os.fsync(handle)
    finally:
        os.close(handle)


@dataclass(frozen=True)
class FileState:
    """What the server holds of a file."""

    sha256: str
    size: int
    chunk_size: int
    chunk_count: int
    complete: bool
    chunks: dict[int, str]

    @property
    def missing(self) -> list[int]:
        return [i for i in range(self.chunk_count) if i not in self.chunks]

    def wire(self) -> dict[str, object]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "chunk_size": self.chunk_size,
            "chunk_count": self.chunk_count,
            "complete": self.complete,
            "missing": self.missing,
            "chunks": [self.chunks.get(i) for i in range(self.chunk_count)],
        }


class FileProblem(ValueError):
    """A file request the server refuses; ``status`` and ``code`` say how."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code


def may_see_file(session: Session, principal: Principal, digest: str) -> bool:
    """Whether the user may see an attachment record naming the file (its bytes or thumbnail).

    The same policy as records: a file is served only through a record the user can pull.
    """
    return visible_attachment(session, principal, digest) is not None


def visible_attachment(session: Session, principal: Principal, digest: str) -> str | None:
    """The id of an attachment record the user may see that names the file, or None.

    Found by index (``file_names``, kept in step by the push path), then checked against the
    record's fields.
    """
    candidates = session.execute(
        select(Record.id, Record.fields)
        .join(FileName, FileName.record_id == Record.id)
        .where(
            and_(
                FileName.sha256 == digest,
                Record.type == RecordType.ATTACHMENT.value,
                Record.deleted.is_(False),
                visible(principal),
            )
        )
        .order_by(Record.id)
    ).all()
    for record_id, raw in candidates:
        fields = json.loads(raw)
        if digest in (fields.get("sha256"), fields.get("thumbnail_sha256")):
            return str(record_id)
    return None


def state(session: Session, digest: str) -> FileState | None:
    """The file's metadata and which chunks are held, or None if the server has none of it."""
    row = session.get(FileBlob, digest)
    if row is None:
        return None
    chunks = dict(
        session.execute(
            select(FileChunk.idx, FileChunk.digest).where(FileChunk.sha256 == digest)
        ).all()
    )
    return FileState(row.sha256, row.size, row.chunk_size, row.chunk_count, row.complete, chunks)


def begin(session: Session, digest: str, *, size: int, max_bytes: int, now: datetime) -> FileState:
    """Start (or resume) an upload: returns what the server still lacks (deduplicated by hash).

    Raises:
        FileProblem: the size is out of bounds.
    """
    if not 0 < size <= max_bytes:
        raise FileProblem(413, "file_too_large", f"files may be at most {max_bytes} bytes")
    hold_for_upload(session)
    held = state(session, digest)
    if held is not None:
        if held.size != size:
            raise FileProblem(409, "size_mismatch", "the file is already known with another size")
        return held
    session.add(
        FileBlob(
            sha256=digest,
            size=size,
            chunk_size=CHUNK_SIZE,
            chunk_count=chunk_count(size, CHUNK_SIZE),
            complete=False,
            created_at=now,
        )
    )
    session.flush()
    found = state(session, digest)
    assert found is not None
    return found


def put_chunk(
    session: Session, store: BlobStore, digest: str, index: int, data: bytes, *, claimed: str
) -> FileState:
    """Keep one uploaded chunk after checking it; finishes the file when it is the last.

    Raises:
        FileProblem: as :func:`put_chunks`.
    """
    return put_chunks(session, store, digest, index, [(data, claimed)])


def chunk_length(held: FileState, index: int) -> int:
    """How many bytes chunk ``index`` of a file holds (the last one may be short)."""
    if index < held.chunk_count - 1:
        return held.chunk_size
    return held.size - held.chunk_size * (held.chunk_count - 1)


def put_chunks(
    session: Session,
    store: BlobStore,
    digest: str,
    first: int,
    pieces: list[tuple[bytes, str]],
) -> FileState:
    """Keep consecutive uploaded chunks, from ``first``, after checking every one.

    Each piece is its bytes and the SHA-256 the sender claims for them; each is checked
    (length and hash) before any is kept, and the file is finished when the last arrives.

    Raises:
        FileProblem: the file is not being uploaded, a chunk number is not in the file, a
            chunk is not the one announced, or the chunks add up to another file (they are
            then dropped, to be sent again).
    """
    hold_for_upload(session)
    held = state(session, digest)
    if held is None:
        raise FileProblem(404, "no_upload", "start the upload first")
    if held.complete:
        return held
    if not pieces or first < 0 or first + len(pieces) > held.chunk_count:
        raise FileProblem(400, "bad_chunk", "no chunk with that number in this file")
    checked: list[tuple[int, bytes, str]] = []
    for offset, (data, claimed) in enumerate(pieces):
        index = first + offset
        actual = hashlib.sha256(data).hexdigest()
        if len(data) != chunk_length(held, index) or actual != claimed:
            raise FileProblem(
                400, "chunk_mismatch", "the chunk does not match its SHA-256 or length"
            )
        checked.append((index, data, actual))
    chunks = dict(held.chunks)
    store.put_chunks(digest, [(index, data) for index, data, _ in checked])
    for index, _data, actual in checked:
        if index not in chunks:
            session.add(FileChunk(sha256=digest, idx=index, digest=actual))
            chunks[index] = actual
    session.flush()
    now_held = FileState(held.sha256, held.size, held.chunk_size, held.chunk_count, False, chunks)
    if now_held.missing:
        return now_held
    # The chunks of this request are hashed from memory (they are what was just written); only
    # earlier requests' chunks are read back from the store.
    fresh = {index: data for index, data, _ in checked}
    whole = hashlib.sha256()
    for number in range(now_held.chunk_count):
        piece = fresh.get(number)
        if piece is None:
            piece = store.read_chunk(digest, number)
        if piece is None:
            break
        whole.update(piece)
    if whole.hexdigest() != digest:
        session.execute(delete(FileChunk).where(FileChunk.sha256 == digest))
        store.remove(digest)
        raise FileProblem(400, "file_mismatch", "the chunks do not add up to the file's SHA-256")
    row = session.get(FileBlob, digest)
    assert row is not None
    row.complete = True
    session.flush()
    return FileState(
        now_held.sha256, now_held.size, now_held.chunk_size, now_held.chunk_count, True,
        now_held.chunks,
    )  # fmt: skip


def iter_files(session: Session) -> Iterator[str]:
    """Every file the server holds whole (backups, checks)."""
    yield from session.execute(select(FileBlob.sha256).where(FileBlob.complete.is_(True))).scalars()


def _live_attachments(session: Session) -> Iterator[tuple[str, dict[str, object]]]:
    rows = session.execute(
        select(Record.id, Record.fields).where(
            Record.type == RecordType.ATTACHMENT.value, Record.deleted.is_(False)
        )
    )
    for record_id, raw in rows:
        fields = json.loads(raw)
        if isinstance(fields, dict):
            yield str(record_id), fields


def attachments_of(session: Session, owner_ids: Collection[str]) -> list[tuple[str, str]]:
    """The live attachment records (type of owner, id) attached to any of these records.

    Returns:
        (attachment id, owner id) pairs, ordered by attachment id.
    """
    wanted = set(owner_ids)
    if not wanted:
        return []
    found = [
        (record_id, str(fields.get("owner_id")))
        for record_id, fields in _live_attachments(session)
        if fields.get("owner_id") in wanted
    ]
    return sorted(found)


def collect_garbage(session: Session) -> list[str]:
    """Forget every file no live attachment record names any more (in the caller's transaction).

    Returns the files forgotten: remove them from the blob store once the transaction has
    committed (:func:`sweep`), never before, so a rolled-back erasure loses no file.

    Runs under :func:`hold_for_collection`: an attachment record being pushed, or a file being
    uploaded, at the same time is seen whole or not at all, never lost in between.
    """
    hold_for_collection(session)
    named: set[str] = set()
    for _record_id, fields in _live_attachments(session):
        for key in ("sha256", "thumbnail_sha256"):
            value = fields.get(key)
            if isinstance(value, str):
                named.add(value)
    held = session.execute(select(FileBlob.sha256)).scalars().all()
    unnamed = sorted(d for d in held if d not in named)
    if unnamed:
        session.execute(delete(FileChunk).where(FileChunk.sha256.in_(unnamed)))
        session.execute(delete(FileBlob).where(FileBlob.sha256.in_(unnamed)))
    return unnamed


def sweep(session: Session, store: BlobStore, forgotten: Collection[str]) -> int:
    """Remove from the store the files forgotten, and any it holds the database does not know.

    The second case is a file whose removal was interrupted after its rows went. Run after
    :func:`collect_garbage` has committed. Returns how many files were removed.
    """
    # No upload writes a chunk meanwhile (they hold the files lock shared while they write),
    # so a file whose upload starts again after it was forgotten keeps its new chunks.
    _hold_files_exclusive(session)
    # The store is listed before the database is read: a file being uploaded has its row
    # committed before its first chunk is written, so it is never taken for an orphan.
    in_store = store.digests()
    known = set(session.execute(select(FileBlob.sha256)).scalars())
    doomed = {d for d in [*forgotten, *in_store] if d not in known}
    for digest in sorted(doomed):
        store.remove(digest)
    return len(doomed)


def read_whole(store: BlobStore, digest: str) -> bytes | None:
    """A whole file's bytes from the store, or None unless every chunk is there and they match.

    Reads chunks in order until one is missing (a file is at most ``2**40`` bytes).
    """
    if not valid_digest(digest):
        return None
    pieces: list[bytes] = []
    for index in range(2**40 // CHUNK_SIZE + 1):
        piece = store.read_chunk(digest, index)
        if piece is None:
            break
        pieces.append(piece)
    data = b"".join(pieces)
    return data if pieces and hashlib.sha256(data).hexdigest() == digest else None
