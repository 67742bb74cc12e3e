"""Printed documents' PDFs, kept in the vault (encrypted) rather than in a plain temp file."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from fieldkit.store.schema import DocumentFile
from fieldkit.store.transaction import Transaction, connection


def keep(tx: Transaction, document_id: str, pdf: bytes, *, at: str) -> None:
    """Store (or replace) a document's PDF in the caller's transaction."""
    conn = connection(tx)
    conn.execute(delete(DocumentFile).where(DocumentFile.document_id == document_id))
    conn.execute(insert(DocumentFile).values(document_id=document_id, pdf=pdf, stored_at=at))


def load(tx: Transaction, document_id: str) -> bytes | None:
    """A kept document's PDF, or None when this laptop does not hold it."""
    conn = connection(tx)
    return conn.execute(
        select(DocumentFile.pdf).where(DocumentFile.document_id == document_id)
    ).scalar()


def held(tx: Transaction) -> set[str]:
    """The ids of every document whose PDF this laptop holds (the PDFs are not read)."""
    conn = connection(tx)
    return {str(i) for i in conn.execute(select(DocumentFile.document_id)).scalars()}
