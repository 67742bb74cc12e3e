"""The laptop's copy of the address gazetteer: applying the server's pages, finding addresses."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import Connection, bindparam, delete, func, select, text
from sqlalchemy.dialects.sqlite import insert

from fieldkit.domain.gazetteer import (
    MIN_CORRECTED,
    GazetteerEntry,
    query_words,
    rank_entries,
)
from fieldkit.store import replica
from fieldkit.store.schema import gazetteer_address
from fieldkit.store.transaction import Transaction, connection

#: The sync state key holding the version of the last change this laptop applied.
VERSION_KEY = "gazetteer_version"
#: How many index hits are re-ranked: enough that the intended address is among them.
CANDIDATES = 300
_CHANGEABLE = ("address", "postcode", "landmark", "lat", "lon")
#: Rows written per statement while applying a page.
_BATCH = 1000


def held_version(tx: Transaction) -> int:
    """The version of the last gazetteer change applied here (0: none held)."""
    value = replica.get_state(tx, VERSION_KEY)
    return int(value) if isinstance(value, int) else 0


def held_count(tx: Transaction) -> int:
    """How many addresses the laptop holds."""
    conn = connection(tx)
    return int(conn.execute(select(func.count()).select_from(gazetteer_address)).scalar_one())


def points(tx: Transaction) -> list[tuple[float, float]]:
    """Every address's (lat, lon): the map's faint street pattern."""
    conn = connection(tx)
    rows = conn.execute(select(gazetteer_address.c.lat, gazetteer_address.c.lon))
    return [(float(lat), float(lon)) for lat, lon in rows]


def points_in_sector(tx: Transaction, sector: str) -> list[tuple[float, float]]:
    """The (lat, lon) of every address whose postcode is in a sector.

    Args:
        conn: the vault's connection.
        sector: a normal sector, ``HD1 1`` (``domain.postcode.postcode_sector``).
    """
    conn = connection(tx)
    c = gazetteer_address.c
    rows = conn.execute(select(c.lat, c.lon).where(c.postcode.startswith(sector, autoescape=True)))
    return [(float(lat), float(lon)) for lat, lon in rows]


def clear(tx: Transaction) -> None:
    """Drop every address held (the server's gazetteer was replaced): fetch again from 0."""
    conn = connection(tx)
    conn.execute(delete(gazetteer_address))
    replica.put_state(tx, VERSION_KEY, 0)


def apply_changes(
    tx: Transaction,
    *,
    rows: Sequence[Sequence[Any]],
    removed: Sequence[str],
    version: int,
) -> None:
    """Apply one page of changes in the caller's transaction, then note its version.

    Args:
        conn: the vault's write transaction.
        rows: entries added or changed (checked by the transport), in `ENTRY_FIELDS` order.
        removed: UPRNs the server no longer holds.
        version: the version this page brings the laptop to.
    """
    conn = connection(tx)
    if rows:
        statement = insert(gazetteer_address)
        statement = statement.on_conflict_do_update(
            index_elements=["uprn"],
            set_={
                c: statement.excluded[c] for c in ("address", "postcode", "landmark", "lat", "lon")
            },
        )
        values = [
            {
                "uprn": r[0],
                "address": r[1],
                "postcode": r[2],
                "lat": r[3],
                "lon": r[4],
                "landmark": r[5],
            }
            for r in rows
        ]
        for start in range(0, len(values), _BATCH):
            conn.execute(statement, values[start : start + _BATCH])
    if removed:
        conn.execute(
            delete(gazetteer_address).where(
                gazetteer_address.c.uprn.in_(bindparam("u", expanding=True))
            ),
            {"u": list(removed)},
        )
    replica.put_state(tx, VERSION_KEY, version)


def entry(tx: Transaction, uprn: str) -> GazetteerEntry | None:
    """One address by UPRN, or None when the laptop does not hold it."""
    conn = connection(tx)
    row = conn.execute(select(gazetteer_address).where(gazetteer_address.c.uprn == uprn)).first()
    return _entry(row) if row is not None else None


def _entry(row: Any) -> GazetteerEntry:
    return GazetteerEntry(row.uprn, row.address, row.postcode, row.lat, row.lon, row.landmark)


#: How far `nearest` looks, in degrees of latitude (about 300 m; longitude is scaled).
_NEAR = 0.0027


def nearest(tx: Transaction, *, lat: float, lon: float) -> GazetteerEntry | None:
    """The address nearest a WGS84 point, within about 300 metres, or None."""
    conn = connection(tx)
    widen = _NEAR / max(0.2, math.cos(math.radians(lat)))
    c = gazetteer_address.c
    rows = conn.execute(
        select(gazetteer_address).where(
            c.lat.between(lat - _NEAR, lat + _NEAR), c.lon.between(lon - widen, lon + widen)
        )
    ).all()
    if not rows:
        return None
    scale = math.cos(math.radians(lat))
    best = min(rows, key=lambda r: ((r.lat - lat) ** 2 + ((r.lon - lon) * scale) ** 2, r.uprn))
    return _entry(best)


@dataclass
class Vocabulary:
    """The index's words made of letters, to correct a mistyped word; read once per version."""

    version: int
    words: list[str]
    _by_length: dict[int, list[str]] = field(default_factory=dict)

    def has_prefix(self, word: str) -> bool:
        at = bisect.bisect_left(self.words, word)
        return at < len(self.words) and self.words[at].startswith(word)

    def similar(self, word: str) -> list[str]:
        """Words within a small edit distance of ``word``, whole or as the start of a longer one.

        One edit for words of up to 5 letters, two beyond: the officer is typing as they go, so
        "kirkagte" finds "kirkgate" and "hudersf" finds "huddersfield".
        """
        allowed = 1 if len(word) <= 5 else 2
        found = {
            hit[0]
            for hit in process.extract(
                word, self.words, scorer=OSA.distance, score_cutoff=allowed, limit=8
            )
        }
        starts = self._by_length.get(len(word))
        if starts is None:
            starts = sorted({w[: len(word)] for w in self.words if len(w) > len(word)})
            self._by_length[len(word)] = starts
        for hit in process.extract(
            word, starts, scorer=OSA.distance, score_cutoff=allowed, limit=8
        ):
            # Searched as a prefix: the start of a word is enough.
            found.add(hit[0] + "*")
        return sorted(found)


def vocabulary(tx: Transaction) -> Vocabulary:
    """Read the index's words (letters only: numbers and postcodes are not corrected)."""
    conn = connection(tx)
    conn.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.gazetteer_vocab "
            "USING fts5vocab(main, gazetteer_search_index, 'row')"
        )
    )
    words = sorted(
        t for (t,) in conn.execute(text("SELECT term FROM temp.gazetteer_vocab")) if t.isalpha()
    )
    return Vocabulary(held_version(tx), words)


def _term(word: str, vocab: Vocabulary | None, *, last: bool = False) -> str | None:
    """One typed word as an FTS5 expression: a quoted prefix, or similar words when none match.

    Returns:
        The expression; None for a word of letters that neither starts nor resembles any word
        in the gazetteer (it cannot narrow the search, so it is left out rather than finding
        nothing).
    """
    # A one-letter word is matched whole ("a" is not every word starting with a), unless it is
    # the last one: the officer is still typing it.
    exact = f'"{word}"*' if len(word) > 1 or last else f'"{word}"'
    if vocab is None or not word.isalpha() or vocab.has_prefix(word):
        return exact
    if len(word) < MIN_CORRECTED:
        return exact
    alternatives = [
        f'"{similar[:-1]}"*' if similar.endswith("*") else f'"{similar}"'
        for similar in vocab.similar(word)
    ]
    if not alternatives:
        return None
    return "(" + " OR ".join(alternatives) + ")"


def search(
    tx: Transaction, user_text: str, *, limit: int = 10, vocab: Vocabulary | None = None
) -> list[GazetteerEntry]:
    """The addresses best matching typed text (address, postcode or landmark), best first.

    Every typed word must match as the start of a word of the address; a word that matches
    nothing is widened to similar words in the gazetteer (typos), and one resembling nothing is
    left out. The candidates are then ranked by how closely they match as a
    whole (`rank_entries`). Typed text is never FTS5 syntax: each word is quoted.

    Args:
        conn: a read transaction.
        user_text: what the officer typed.
        limit: how many to return.
        vocab: the index's words (from `vocabulary`), to correct typos; None searches as typed.
    """
    conn = connection(tx)
    words = query_words(user_text)
    if not words:
        return []
    last = len(words) - 1
    found_terms = (_term(w, vocab, last=i == last and i > 0) for i, w in enumerate(words))
    terms = [t for t in found_terms if t is not None]
    if not terms:
        return []
    rowids = _match(conn, " AND ".join(terms))
    if not rowids:
        return []
    found = conn.execute(
        select(gazetteer_address, text("rowid")).where(
            text("rowid IN :ids").bindparams(bindparam("ids", expanding=True))
        ),
        {"ids": rowids},
    )
    return rank_entries(words, (_entry(r) for r in found), limit=limit)


def _match(conn: Connection, expression: str) -> list[int]:
    # In rowid order, not bm25's: ranking every match of a short prefix ("fla" matches every
    # flat) costs far more than the re-ranking it would save, and rowids follow the import's
    # order, which for a gazetteer is street by street, house by house.
    return [
        r
        for (r,) in conn.execute(
            text(
                "SELECT rowid FROM gazetteer_search_index WHERE gazetteer_search_index MATCH :q "
                "LIMIT :n"
            ),
            {"q": expression, "n": CANDIDATES},
        )
    ]
