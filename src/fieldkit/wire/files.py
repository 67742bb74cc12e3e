"""Evidence files (``/v1/files``): what the server holds of a file, chunk by chunk."""

from __future__ import annotations

from pydantic import Field

from fieldkit.wire.messages import Wire
from fieldkit.wire.reply import Reply


class FileStart(Wire):
    size: int = Field(ge=1, le=2**40)


class FileOut(Reply):
    sha256: str
    size: int
    chunk_size: int
    chunk_count: int
    complete: bool
    #: Chunk numbers the server does not hold yet (an upload sends only these).
    missing: list[int]
    #: Each chunk's SHA-256, null where not held.
    chunks: list[str | None]
