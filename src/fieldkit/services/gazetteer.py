"""Finding addresses in the laptop's gazetteer: one search for the place picker and the CLI."""

from __future__ import annotations

import threading

from fieldkit.domain.gazetteer import GazetteerEntry
from fieldkit.store import gazetteer as gazetteer_store
from fieldkit.store.vault import Vault

#: How many matches the picker shows and the command prints by default.
DEFAULT_LIMIT = 10
MAX_LIMIT = 100


class GazetteerService:
    """Address search over the gazetteer the vault holds (fetched by the sync).

    The index's vocabulary (for typo correction) is read once per gazetteer version and kept,
    so typing letter by letter costs one index query each time.
    """

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._lock = threading.Lock()
        self._vocab: gazetteer_store.Vocabulary | None = None

    def search(self, text: str, *, limit: int = DEFAULT_LIMIT) -> list[GazetteerEntry]:
        """The addresses best matching what was typed (address, postcode or landmark).

        Args:
            text: what the officer typed; typos are tolerated, word order is free.
            limit: how many matches at most (1 to 100).

        Returns:
            The matches, best first; empty when nothing matches or no gazetteer is held.
        """
        limit = max(1, min(limit, MAX_LIMIT))
        with self._vault.read() as conn:
            version = gazetteer_store.held_version(conn)
            with self._lock:
                vocab = self._vocab
            if vocab is None or vocab.version != version:
                vocab = gazetteer_store.vocabulary(conn)
                with self._lock:
                    self._vocab = vocab
            return gazetteer_store.search(conn, text, limit=limit, vocab=vocab)

    def address(self, uprn: str) -> GazetteerEntry | None:
        """One address by its UPRN (a pin dropped on the map resolves to it), or None."""
        with self._vault.read() as conn:
            return gazetteer_store.entry(conn, uprn)

    def nearest(self, *, lat: float, lon: float) -> GazetteerEntry | None:
        """The address nearest a point (a pin dropped on the map), within about 300 metres.

        Args:
            lat: WGS84 latitude.
            lon: WGS84 longitude.

        Returns:
            The nearest address, or None when none is that close.
        """
        with self._vault.read() as conn:
            return gazetteer_store.nearest(conn, lat=lat, lon=lon)

    def held(self) -> tuple[int, int]:
        """How many addresses the laptop holds, and the gazetteer version they are at."""
        with self._vault.read() as conn:
            return gazetteer_store.held_count(conn), gazetteer_store.held_version(conn)

    def points(self) -> list[tuple[float, float]]:
        """Every held address's (lat, lon), for the map's base layer."""
        with self._vault.read() as conn:
            return gazetteer_store.points(conn)
