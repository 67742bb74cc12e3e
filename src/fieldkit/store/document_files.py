"""Printed documents' PDFs, kept in the vault (encrypted) rather than in a plain temp file."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from fieldkit.store.schema import DocumentFile


def keep(conn: Connection, document_id: str, pdf: bytes, *, at: str) -> None:
    """Store (or replace) a document's PDF in the caller's transaction."""
    conn.execute(delete(DocumentFile).where(DocumentFile.document_id == document_id))
    conn.execute(insert(DocumentFile).values(document_id=document_id, pdf=pdf, stored_at=at))


def load(conn: Connection, document_id: str) -> bytes | None:
    """A kept document's PDF, or None when this laptop does not hold it."""
    return conn.execute(
        select(DocumentFile.pdf).where(DocumentFile.document_id == document_id)
    ).scalar()


def held(conn: Connection) -> set[str]:
    """The ids of every document whose PDF this laptop holds (the PDFs are not read)."""
    return {str(i) for i in conn.execute(select(DocumentFile.document_id)).scalars()}
