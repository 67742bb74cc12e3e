"""Forms in progress, kept encrypted in the vault so nothing is lost on close or lock."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, insert, select

from fieldkit.store.schema import Draft
from fieldkit.store.vault import Vault


class DraftService:
    """Save, restore and discard form drafts by key (e.g. ``"visit"``).

    Args:
        vault: the unlocked vault.
    """

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def save(self, key: str, body: Mapping[str, Any]) -> None:
        """Replace the draft under ``key``."""
        with self._vault.write() as conn:
            conn.execute(delete(Draft).where(Draft.key == key))
            conn.execute(
                insert(Draft).values(
                    key=key,
                    body=dict(body),
                    updated_at=self._vault.now().isoformat(timespec="seconds"),
                )
            )

    def load(self, key: str) -> dict[str, Any] | None:
        """The draft under ``key``, or None."""
        with self._vault.read() as conn:
            body = conn.execute(select(Draft.body).where(Draft.key == key)).scalar()
        return dict(body) if isinstance(body, dict) else None

    def discard(self, key: str) -> None:
        """Forget the draft under ``key`` (the form was saved or cleared)."""
        with self._vault.write() as conn:
            conn.execute(delete(Draft).where(Draft.key == key))
