"""Forms in progress, kept by key in the vault's draft table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select

from fieldkit.store.schema import Draft
from fieldkit.store.transaction import Transaction, connection


def save(tx: Transaction, key: str, body: Mapping[str, Any], *, at: str) -> None:
    """Replace the draft under ``key`` in the caller's write transaction.

    Args:
        tx: a write transaction.
        key: which form, e.g. ``"visit"``.
        body: the form's fields (JSON-serialisable).
        at: when it was saved, ISO 8601.
    """
    connection(tx).execute(delete(Draft).where(Draft.key == key))
    connection(tx).execute(insert(Draft).values(key=key, body=dict(body), updated_at=at))


def load(tx: Transaction, key: str) -> dict[str, Any] | None:
    """The draft under ``key``, or None when there is none."""
    body = connection(tx).execute(select(Draft.body).where(Draft.key == key)).scalar()
    return dict(body) if isinstance(body, dict) else None


def discard(tx: Transaction, key: str) -> None:
    """Forget the draft under ``key`` (nothing happens when there is none)."""
    connection(tx).execute(delete(Draft).where(Draft.key == key))
