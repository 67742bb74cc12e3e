"""Forms in progress, kept encrypted in the vault so nothing is lost on close or lock."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldkit.store import drafts
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
            drafts.save(conn, key, body, at=self._vault.now().isoformat(timespec="seconds"))

    def load(self, key: str) -> dict[str, Any] | None:
        """The draft under ``key``, or None."""
        with self._vault.read() as conn:
            return drafts.load(conn, key)

    def discard(self, key: str) -> None:
        """Forget the draft under ``key`` (the form was saved or cleared)."""
        with self._vault.write() as conn:
            drafts.discard(conn, key)
