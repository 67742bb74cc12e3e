"""Endpoints for evidence files: chunked, resumable uploads and downloads, served by policy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fieldkit.domain.evidence import CHUNKS_PER_REQUEST
from fieldkit.domain.records import RecordType
from fieldkit.wire.files import FileOut, FileStart
from fieldkit_server import audit, blobs
from fieldkit_server.api import _PROBLEMS, Context, CurrentDevice
from fieldkit_server.audit import AuditAction
from fieldkit_server.blobs import BlobStore, FileProblem, FileSystemBlobStore
from fieldkit_server.db import run_in_transaction
from fieldkit_server.problems import Problem

router = APIRouter(prefix="/v1/files")

Digest = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="the file's SHA-256")]
ChunkIndex = Annotated[int, Path(ge=0, le=1_000_000)]
FirstChunk = Annotated[int, Query(ge=0, le=1_000_000, description="the first chunk's number")]
#: Consecutive chunks' SHA-256s, comma-separated, in order.
ChunkDigests = Annotated[
    str,
    Header(
        alias="X-Chunk-SHA256",
        pattern=rf"^[0-9a-f]{{64}}(,[0-9a-f]{{64}}){{0,{CHUNKS_PER_REQUEST - 1}}}$",
    ),
]


def get_store(request: Request, context: Context) -> BlobStore:
    """The server's blob store (a filesystem folder unless another is configured)."""
    store = request.app.state.blob_store
    if store is None:
        store = FileSystemBlobStore(context.settings.files_dir())
        request.app.state.blob_store = store
    return store  # type: ignore[no-any-return]


Store = Annotated[BlobStore, Depends(get_store)]


def _problem(exc: FileProblem) -> Problem:
    return Problem(exc.status, "File refused", str(exc), code=exc.code)


def _not_found() -> Problem:
    # The same answer for a file that does not exist and one the user may not see.
    return Problem(404, "No such file", "no file with that SHA-256 is available to you",
                   code="no_such_file")  # fmt: skip


def _require_visible(session: Session, auth: Any, digest: str) -> None:
    if not blobs.may_see_file(session, auth.principal, digest):
        raise _not_found()


@router.put("/{digest}", response_model=FileOut, responses=_PROBLEMS)
def start_upload(digest: Digest, body: FileStart, auth: CurrentDevice, context: Context) -> Any:
    """Start or resume an upload: the reply lists the chunks still missing (none if held).

    A file is accepted only for an attachment record the user can see (records go first).
    """
    now = context.clock()

    def work(session: Session) -> dict[str, object]:
        blobs.hold_for_upload(session)  # before the record is checked: `files gc` waits
        _require_visible(session, auth, digest)
        try:
            held = blobs.begin(
                session, digest, size=body.size, max_bytes=context.settings.max_file_bytes, now=now
            )
        except FileProblem as exc:
            raise _problem(exc) from None
        return held.wire()

    return run_in_transaction(context.sessions, work)


@router.put("/{digest}/chunks/{index}", response_model=FileOut, responses=_PROBLEMS)
async def put_chunk(
    digest: Digest,
    index: ChunkIndex,
    request: Request,
    auth: CurrentDevice,
    context: Context,
    store: Store,
    chunk_sha256: Annotated[str, Header(alias="X-Chunk-SHA256", pattern=r"^[0-9a-f]{64}$")],
) -> Any:
    """One chunk of an upload, checked against its SHA-256 (and the whole file, when last)."""
    data = await request.body()

    def work(session: Session) -> dict[str, object]:
        blobs.hold_for_upload(session)  # before the record is checked: `files gc` waits
        _require_visible(session, auth, digest)
        try:
            held = blobs.put_chunk(session, store, digest, index, data, claimed=chunk_sha256)
        except FileProblem as exc:
            raise _problem(exc) from None
        return held.wire()

    # In the thread pool: the chunk files are synced to disk, which must not hold up the
    # event loop (and every other request with it).
    return await run_in_threadpool(run_in_transaction, context.sessions, work)


@router.put("/{digest}/chunks", response_model=FileOut, responses=_PROBLEMS)
async def put_chunks(
    digest: Digest,
    first: FirstChunk,
    request: Request,
    auth: CurrentDevice,
    context: Context,
    store: Store,
    chunk_sha256: ChunkDigests,
) -> Any:
    """Consecutive chunks of an upload from ``first``, sent back to back in one body.

    ``X-Chunk-SHA256`` lists each chunk's SHA-256 in order; every chunk is checked (length
    and hash) before any is kept. One visibility check and one transaction for all of them.
    """
    data = await request.body()
    claimed = chunk_sha256.split(",")

    def work(session: Session) -> dict[str, object]:
        blobs.hold_for_upload(session)  # before the record is checked: `files gc` waits
        _require_visible(session, auth, digest)
        held = blobs.state(session, digest)
        if held is None:
            raise _problem(FileProblem(404, "no_upload", "start the upload first"))
        if held.complete:
            return held.wire()
        if first + len(claimed) > held.chunk_count:
            raise _problem(FileProblem(400, "bad_chunk", "no chunk with that number in this file"))
        pieces: list[tuple[bytes, str]] = []
        at = 0
        for offset, digest_claimed in enumerate(claimed):
            length = blobs.chunk_length(held, first + offset)
            pieces.append((data[at : at + length], digest_claimed))
            at += length
        if at != len(data):
            raise _problem(
                FileProblem(
                    400, "chunk_mismatch", "the chunks do not match their SHA-256s or lengths"
                )
            )
        try:
            return blobs.put_chunks(session, store, digest, first, pieces).wire()
        except FileProblem as exc:
            raise _problem(exc) from None

    return await run_in_threadpool(run_in_transaction, context.sessions, work)


@router.get("/{digest}", response_model=FileOut, responses=_PROBLEMS)
def file_state(digest: Digest, auth: CurrentDevice, context: Context) -> Any:
    """What the server holds of a file the user may see: its size and its chunks' hashes.

    Asked before every download, so a whole file about to go out is logged here (s62) as a
    disclosure of the attachment record that names it.
    """
    now = context.clock()

    def work(session: Session) -> dict[str, object]:
        attachment_id = blobs.visible_attachment(session, auth.principal, digest)
        if attachment_id is None:
            raise _not_found()
        held = blobs.state(session, digest)
        if held is None:
            raise _not_found()
        if held.complete:
            audit.append(
                session,
                [
                    audit.server_event(
                        at=now,
                        action=AuditAction.DISCLOSE,
                        user_id=auth.user.id,
                        device_id=auth.device_id,
                        record_type=RecordType.ATTACHMENT.value,
                        record_id=attachment_id,
                        detail={"file": "download", "chunks": held.chunk_count},
                    )
                ],
            )
        return held.wire()

    return run_in_transaction(context.sessions, work)


@router.get(
    "/{digest}/chunks/{index}",
    responses={**_PROBLEMS, 200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
def get_chunk(
    digest: Digest, index: ChunkIndex, auth: CurrentDevice, context: Context, store: Store
) -> Response:
    """One chunk of a whole file the user may see, with its SHA-256 in ``X-Chunk-SHA256``."""

    def work(session: Session) -> str:
        _require_visible(session, auth, digest)
        held = blobs.state(session, digest)
        if held is None or not held.complete or index not in held.chunks:
            raise _not_found()
        return held.chunks[index]

    chunk_digest = run_in_transaction(context.sessions, work)
    data = store.read_chunk(digest, index)
    if data is None:
        raise _not_found()
    return Response(
        content=data,
        media_type="application/octet-stream",
        headers={"X-Chunk-SHA256": chunk_digest, "Cache-Control": "no-store"},
    )


@router.get(
    "/{digest}/chunks",
    responses={**_PROBLEMS, 200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
def get_chunks(
    digest: Digest,
    first: FirstChunk,
    auth: CurrentDevice,
    context: Context,
    store: Store,
    count: Annotated[int, Query(ge=1, le=CHUNKS_PER_REQUEST)] = CHUNKS_PER_REQUEST,
) -> Response:
    """Consecutive chunks of a whole file from ``first``, back to back (fewer at the end).

    ``X-Chunk-SHA256`` lists each chunk's SHA-256 in order, so the laptop cuts and checks each.
    """

    def work(session: Session) -> list[str]:
        _require_visible(session, auth, digest)
        held = blobs.state(session, digest)
        if held is None or not held.complete or first >= held.chunk_count:
            raise _not_found()
        last = min(held.chunk_count, first + count)
        return [held.chunks[i] for i in range(first, last)]

    digests = run_in_transaction(context.sessions, work)
    parts: list[bytes] = []
    for offset in range(len(digests)):
        piece = store.read_chunk(digest, first + offset)
        if piece is None:
            raise _not_found()
        parts.append(piece)
    return Response(
        content=b"".join(parts),
        media_type="application/octet-stream",
        headers={"X-Chunk-SHA256": ",".join(digests), "Cache-Control": "no-store"},
    )
