"""The address gazetteer on the server: importing a file by UPRN, serving its changes in pages."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fieldkit.domain.gazetteer import ENTRY_FIELDS, GazetteerEntry
from fieldkit_server.models import GazetteerAddress

#: Rows written per statement: large enough to be quick, small enough for SQLite's variable limit.
_BATCH = 2000
#: The most changes one page carries (a laptop asks for fewer on a slow line).
MAX_PAGE = 20_000
DEFAULT_PAGE = 5_000


@dataclass(frozen=True)
class ImportOutcome:
    """What an import changed: counts only (addresses are reference data, but stay out of logs)."""

    added: int
    updated: int
    removed: int
    unchanged: int
    version: int

    def wire(self) -> dict[str, int]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "version": self.version,
        }


def current_version(session: Session) -> int:
    """The number of the gazetteer's latest change (0 when nothing was ever imported)."""
    return int(
        session.execute(select(func.coalesce(func.max(GazetteerAddress.version), 0))).one()[0]
    )


def import_entries(session: Session, *, entries: Sequence[GazetteerEntry]) -> ImportOutcome:
    """Make the gazetteer hold exactly these entries, numbering each change.

    A new UPRN is added, a changed one updated, one no longer in the file becomes a tombstone;
    an unchanged one keeps its number, so laptops fetch only what changed. Runs in the caller's
    transaction: a failure leaves the gazetteer as it was.

    Args:
        session: the transaction.
        entries: the whole gazetteer, UPRNs unique (as `parse_gazetteer_csv` guarantees).
    """
    # Serialise imports on PostgreSQL: two at once would hand out the same change numbers.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(0x46_4B_47_5A)))  # "FKGZ"
    held: dict[str, tuple[str, str, str, float, float, bool]] = {
        row.uprn: (row.address, row.postcode, row.landmark, row.lat, row.lon, row.removed)
        for row in session.execute(
            select(
                GazetteerAddress.uprn,
                GazetteerAddress.address,
                GazetteerAddress.postcode,
                GazetteerAddress.landmark,
                GazetteerAddress.lat,
                GazetteerAddress.lon,
                GazetteerAddress.removed,
            )
        )
    }
    version = current_version(session)
    writes: list[dict[str, Any]] = []
    added = updated = unchanged = 0
    for entry in entries:
        before = held.get(entry.uprn)
        now = (entry.address, entry.postcode, entry.landmark, entry.lat, entry.lon, False)
        if before == now:
            unchanged += 1
            continue
        if before is None or before[5]:
            added += 1
        else:
            updated += 1
        version += 1
        writes.append(
            {
                "uprn": entry.uprn,
                "address": entry.address,
                "postcode": entry.postcode,
                "landmark": entry.landmark,
                "lat": entry.lat,
                "lon": entry.lon,
                "version": version,
                "removed": False,
            }
        )
    kept = {e.uprn for e in entries}
    gone = sorted(u for u, row in held.items() if not row[5] and u not in kept)
    # Every new number is above every held one, so the unique index never meets a clash.
    _write(session, writes)
    tombstones = []
    for uprn in gone:
        version += 1
        tombstones.append(
            {
                "uprn": uprn,
                "address": "",
                "postcode": "",
                "landmark": "",
                "version": version,
                "removed": True,
            }
        )
    for start in range(0, len(tombstones), _BATCH):
        # An ORM bulk update by primary key: one statement, many parameter sets.
        session.execute(update(GazetteerAddress), tombstones[start : start + _BATCH])
    return ImportOutcome(added, updated, len(gone), unchanged, version)


_COLUMNS = ("uprn", "address", "postcode", "landmark", "lat", "lon", "version", "removed")


def _copy_in(session: Session, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: stream the rows in with COPY, then upsert them by UPRN in one statement.

    COPY skips the parsing and planning of thousands of INSERTs: a first import of 200,000
    addresses is mostly this.
    """
    session.execute(
        text(
            "CREATE TEMP TABLE gazetteer_incoming "
            "(LIKE gazetteer_address INCLUDING DEFAULTS) ON COMMIT DROP"
        )
    )
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        columns = ", ".join(_COLUMNS)
        with cursor.copy(f"COPY gazetteer_incoming ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[c] for c in _COLUMNS))
    changed = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "uprn")
    session.execute(
        text(
            f"INSERT INTO gazetteer_address ({columns}) "  # noqa: S608 - constant column names
            f"SELECT {columns} FROM gazetteer_incoming "
            f"ON CONFLICT (uprn) DO UPDATE SET {changed}"
        )
    )
    session.execute(text("DROP TABLE gazetteer_incoming"))


def _write(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert or update rows by UPRN, in batches, on SQLite or PostgreSQL alike."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and len(rows) > _BATCH:
        _copy_in(session, rows)
        return
    for start in range(0, len(rows), _BATCH):
        chunk = rows[start : start + _BATCH]
        if dialect == "postgresql":
            pg = postgresql.insert(GazetteerAddress)
            statement: Any = pg.on_conflict_do_update(
                index_elements=["uprn"],
                set_={c: pg.excluded[c] for c in chunk[0] if c != "uprn"},
            )
        else:
            lite = sqlite.insert(GazetteerAddress)
            statement = lite.on_conflict_do_update(
                index_elements=["uprn"],
                set_={c: lite.excluded[c] for c in chunk[0] if c != "uprn"},
            )
        session.execute(statement, chunk)


@dataclass(frozen=True)
class GazetteerPage:
    """Changes after a version: entries added or changed, UPRNs removed, and where to go on."""

    since: int
    version: int
    next_since: int
    more: bool
    rows: tuple[tuple[object, ...], ...]
    removed: tuple[str, ...]
    #: The laptop holds a version this server never reached (its database was replaced): it
    #: drops what it holds and starts again from 0.
    reset: bool = False

    def render(self) -> bytes:
        """The page as compact JSON: entries as arrays in the order `columns` names."""
        body = {
            "since": self.since,
            "version": self.version,
            "next": self.next_since,
            "more": self.more,
            "columns": list(ENTRY_FIELDS),
            "rows": [list(r) for r in self.rows],
            "removed": list(self.removed),
            "reset": self.reset,
        }
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()

    def etag(self) -> str:
        """A strong ETag: a page is fixed by where it starts, its size and the latest change."""
        return f'"gz-{self.version}-{self.since}-{len(self.rows)}-{len(self.removed)}"'


def changes_after(session: Session, *, since: int, limit: int) -> GazetteerPage:
    """The changes numbered after ``since``, oldest first, at most ``limit`` of them.

    A laptop that holds nothing (``since`` 0) is sent no tombstones: it has nothing to drop.
    """
    top = current_version(session)
    query = (
        select(
            GazetteerAddress.uprn,
            GazetteerAddress.address,
            GazetteerAddress.postcode,
            GazetteerAddress.lat,
            GazetteerAddress.lon,
            GazetteerAddress.landmark,
            GazetteerAddress.version,
            GazetteerAddress.removed,
        )
        .where(GazetteerAddress.version > since)
        .order_by(GazetteerAddress.version)
        .limit(limit + 1)
    )
    if since == 0:
        query = query.where(GazetteerAddress.removed.is_(False))
    found = session.execute(query).all()
    more = len(found) > limit
    found = found[:limit]
    rows = tuple(
        (r.uprn, r.address, r.postcode, r.lat, r.lon, r.landmark) for r in found if not r.removed
    )
    removed = tuple(r.uprn for r in found if r.removed)
    next_since = found[-1].version if found else max(since, top)
    return GazetteerPage(since, top, next_since, more, rows, removed, reset=since > top)
