"""Evidence files inside the vault: content-addressed by SHA-256, kept in checked chunks."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, text, update

from fieldkit.domain.evidence import CHUNK_SIZE, chunk_count, chunks, sha256
from fieldkit.store.schema import Blob, BlobChunk


@dataclass(frozen=True)
class BlobState:
    """How much of a file the vault holds: its size, its chunks and whether it is whole."""

    sha256: str
    size: int
    chunk_size: int
    chunk_count: int
    complete: bool


_STATE = select(Blob.sha256, Blob.size, Blob.chunk_size, Blob.chunk_count, Blob.complete)


class BlobError(ValueError):
    """A chunk or file does not match the hash it was announced with (nothing is kept of it)."""


def put(conn: Connection, data: bytes, *, at: str) -> str:
    """Keep a whole file (a no-op if the vault already holds it whole); returns its SHA-256.

    Written in the caller's transaction: the file and the record naming it commit together.
    """
    digest = sha256(data)
    held = state(conn, digest)
    if held is not None and held.complete:
        return digest
    if held is not None:
        _drop(conn, [digest])
    pieces = chunks(data)
    conn.execute(
        insert(Blob).values(
            sha256=digest,
            size=len(data),
            chunk_size=CHUNK_SIZE,
            chunk_count=len(pieces),
            complete=True,
            uploaded=False,
            added_at=at,
        )
    )
    for index, piece in enumerate(pieces):
        conn.execute(
            insert(BlobChunk).values(
                sha256=digest, idx=index, digest=hashlib.sha256(piece).hexdigest(), data=piece
            )
        )
    return digest


def state(conn: Connection, digest: str) -> BlobState | None:
    """What the vault holds of a file, or None if nothing."""
    row = conn.execute(_STATE.where(Blob.sha256 == digest)).first()
    if row is None:
        return None
    return BlobState(str(row[0]), int(row[1]), int(row[2]), int(row[3]), bool(row[4]))


def complete_set(conn: Connection, digests: Iterable[str]) -> set[str]:
    """Those of the files named that the vault holds whole."""
    wanted = list(set(digests))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(
            conn.execute(
                select(Blob.sha256).where(
                    Blob.sha256.in_(wanted[start : start + 500]), Blob.complete.is_(True)
                )
            ).scalars()
        )
    return found


def read(conn: Connection, digest: str) -> bytes | None:
    """A whole file's bytes, checked against its SHA-256; None while it is missing or arriving.

    Raises:
        BlobError: the chunks held do not add up to the file's hash (the vault is damaged).
    """
    held = state(conn, digest)
    if held is None or not held.complete:
        return None
    pieces = conn.execute(
        select(BlobChunk.data).where(BlobChunk.sha256 == digest).order_by(BlobChunk.idx)
    ).scalars()
    data = b"".join(pieces)
    if sha256(data) != digest:
        raise BlobError("a stored file does not match its SHA-256")
    return data


def begin_incoming(conn: Connection, digest: str, *, size: int, chunk_size: int, at: str) -> None:
    """Make room for a file arriving in chunks (kept until it is whole; idempotent)."""
    if state(conn, digest) is not None:
        return
    conn.execute(
        insert(Blob).values(
            sha256=digest,
            size=size,
            chunk_size=chunk_size,
            chunk_count=chunk_count(size, chunk_size),
            complete=False,
            uploaded=True,
            added_at=at,
        )
    )


def missing_chunks(conn: Connection, digest: str) -> list[int]:
    """The chunk numbers a file arriving still lacks (all of them if it is unknown)."""
    held = state(conn, digest)
    if held is None:
        return []
    present = set(conn.execute(select(BlobChunk.idx).where(BlobChunk.sha256 == digest)).scalars())
    return [i for i in range(held.chunk_count) if i not in present]


def put_chunk(conn: Connection, digest: str, index: int, data: bytes, *, chunk_digest: str) -> None:
    """Keep one chunk of a file arriving, after checking it against its announced hash.

    Raises:
        BlobError: the chunk is not the one announced, or does not fit the file.
    """
    put_chunks(conn, digest, [(index, data, chunk_digest)])


def put_chunks(conn: Connection, digest: str, pieces: Sequence[tuple[int, bytes, str]]) -> None:
    """Keep chunks (number, bytes, announced SHA-256) of a file arriving, each checked first.

    Every chunk is checked before any is written, so a batch with one that lies keeps none.

    Raises:
        BlobError: a chunk is not the one announced, or does not fit the file.
    """
    held = state(conn, digest)
    if held is None or any(not 0 <= index < held.chunk_count for index, _, _ in pieces):
        raise BlobError("a chunk for a file that is not expected")
    if held.complete:
        return
    last = held.size - held.chunk_size * (held.chunk_count - 1)
    for index, data, chunk_digest in pieces:
        if hashlib.sha256(data).hexdigest() != chunk_digest:
            raise BlobError("a chunk does not match its SHA-256")
        if len(data) != (held.chunk_size if index < held.chunk_count - 1 else last):
            raise BlobError("a chunk is not the length the file needs")
    indices = [index for index, _, _ in pieces]
    conn.execute(delete(BlobChunk).where(BlobChunk.sha256 == digest, BlobChunk.idx.in_(indices)))
    conn.execute(
        insert(BlobChunk),
        [{"sha256": digest, "idx": i, "digest": d, "data": data} for i, data, d in pieces],
    )


def finish(conn: Connection, digest: str) -> bool:
    """Mark a file whole once every chunk is in and the whole hash matches.

    A file whose chunks add up to another hash is dropped, to be fetched again.

    Returns:
        Whether the file is now whole.
    """
    held = state(conn, digest)
    if held is None:
        return False
    if held.complete:
        return True
    if missing_chunks(conn, digest):
        return False
    hasher = hashlib.sha256()
    for piece in conn.execute(
        select(BlobChunk.data).where(BlobChunk.sha256 == digest).order_by(BlobChunk.idx)
    ).scalars():
        hasher.update(piece)
    if hasher.hexdigest() != digest:
        conn.execute(delete(BlobChunk).where(BlobChunk.sha256 == digest))
        return False
    conn.execute(update(Blob).where(Blob.sha256 == digest).values(complete=True))
    return True


def referenced(conn: Connection) -> set[str]:
    """Every file a live attachment names (its own bytes and its thumbnail)."""
    rows = conn.execute(
        text("SELECT sha256, thumbnail_sha256 FROM attachment WHERE deleted = 0 OR deleted IS NULL")
    )
    return {value for row in rows for value in row if value}


def remove_unreferenced(conn: Connection) -> int:
    """Remove every file no live attachment names any more (after an erasure or a purge)."""
    keep = referenced(conn)
    held = set(conn.execute(select(Blob.sha256)).scalars())
    gone = sorted(held - keep)
    _drop(conn, gone)
    return len(gone)


def _drop(conn: Connection, digests: Sequence[str]) -> None:
    for digest in digests:
        conn.execute(delete(BlobChunk).where(BlobChunk.sha256 == digest))
        conn.execute(delete(Blob).where(Blob.sha256 == digest))


def problems(conn: Connection) -> list[str]:
    """What is wrong with the files held: a whole file missing chunks, or not matching a hash.

    Reads every chunk. Names files by the start of their hash, never by what they show.
    """
    found: list[str] = []
    for row in conn.execute(_STATE.where(Blob.complete.is_(True))).all():
        count = conn.execute(
            select(func.count()).select_from(BlobChunk).where(BlobChunk.sha256 == row.sha256)
        ).scalar_one()
        if count != row.chunk_count:
            found.append(f"file {row.sha256[:12]}: {count} of {row.chunk_count} chunks present")
            continue
        hasher = hashlib.sha256()
        size = 0
        for piece, piece_digest in conn.execute(
            select(BlobChunk.data, BlobChunk.digest)
            .where(BlobChunk.sha256 == row.sha256)
            .order_by(BlobChunk.idx)
        ).all():
            if hashlib.sha256(piece).hexdigest() != piece_digest:
                found.append(f"file {row.sha256[:12]}: a chunk does not match its SHA-256")
                break
            hasher.update(piece)
            size += len(piece)
        else:
            if hasher.hexdigest() != row.sha256 or size != row.size:
                found.append(f"file {row.sha256[:12]}: content does not match its SHA-256")
    return found


def release(conn: Connection, attachment_id: str) -> int:
    """Remove the files an attachment named that no other live attachment names.

    For an attachment being erased or purged, before its row changes; returns how many went.
    """
    row = conn.execute(
        text("SELECT sha256, thumbnail_sha256 FROM attachment WHERE id = :id"),
        {"id": attachment_id},
    ).first()
    if row is None:
        return 0
    still = conn.execute(
        text(
            "SELECT sha256, thumbnail_sha256 FROM attachment "
            "WHERE id != :id AND (deleted = 0 OR deleted IS NULL) "
            "AND (sha256 IN (:a, :b) OR thumbnail_sha256 IN (:a, :b))"
        ),
        {"id": attachment_id, "a": row[0] or "", "b": row[1] or ""},
    ).all()
    kept = {value for other in still for value in other if value}
    gone = [d for d in (row[0], row[1]) if d and d not in kept]
    _drop(conn, gone)
    return len(gone)


def attachments_of(conn: Connection, owner_ids: Sequence[str]) -> list[str]:
    """The ids of live attachments on any of these records."""
    found: list[str] = []
    wanted = list(owner_ids)
    for start in range(0, len(wanted), 500):
        found.extend(
            str(r[0])
            for r in conn.execute(
                text(
                    "SELECT id FROM attachment WHERE (deleted = 0 OR deleted IS NULL) "
                    "AND owner_id IN (SELECT value FROM json_each(:ids))"
                ),
                {"ids": json.dumps(wanted[start : start + 500])},
            )
        )
    return found


def to_upload(conn: Connection) -> list[BlobState]:
    """Whole files made on this laptop that the server does not hold yet, oldest first."""
    rows = conn.execute(
        _STATE.where(Blob.complete.is_(True), Blob.uploaded.is_(False)).order_by(Blob.added_at)
    ).all()
    return [BlobState(str(r[0]), int(r[1]), int(r[2]), int(r[3]), bool(r[4])) for r in rows]


def mark_uploaded(conn: Connection, digest: str) -> None:
    """Note that the server holds a file whole."""
    conn.execute(update(Blob).where(Blob.sha256 == digest).values(uploaded=True))


def read_chunk(conn: Connection, digest: str, index: int) -> tuple[bytes, str] | None:
    """One stored chunk and its SHA-256, or None."""
    row = conn.execute(
        select(BlobChunk.data, BlobChunk.digest).where(
            BlobChunk.sha256 == digest, BlobChunk.idx == index
        )
    ).first()
    return None if row is None else (bytes(row[0]), str(row[1]))


def wanted(conn: Connection, *, thumbnails_only: bool) -> list[str]:
    """Files live attachments name that this laptop does not hold whole: thumbnails first."""
    rows = conn.execute(
        text(
            "SELECT sha256, thumbnail_sha256 FROM attachment "
            "WHERE deleted = 0 OR deleted IS NULL ORDER BY captured_at"
        )
    ).all()
    thumbs = [str(r[1]) for r in rows if r[1]]
    files = [] if thumbnails_only else [str(r[0]) for r in rows if r[0]]
    ordered = list(dict.fromkeys([*thumbs, *files]))
    whole = complete_set(conn, ordered)
    return [d for d in ordered if d not in whole]


def attachment_files(
    conn: Connection, fields: Sequence[Mapping[str, object]], ids: Sequence[str]
) -> list[tuple[str, str, bytes]]:
    """The bytes of the attachments given (their fields and ids) this vault holds whole.

    Returns:
        (attachment id, media type, bytes), in the order given; files still arriving are left out.
    """
    found: list[tuple[str, str, bytes]] = []
    for record_id, item in zip(ids, fields, strict=True):
        data = read(conn, str(item.get("sha256") or ""))
        if data is not None:
            found.append((record_id, str(item.get("media_type") or ""), data))
    return found


def discard_incoming(conn: Connection, digest: str) -> None:
    """Forget a file that is still arriving (never one held whole)."""
    held = state(conn, digest)
    if held is not None and not held.complete:
        _drop(conn, [digest])
