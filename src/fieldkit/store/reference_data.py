"""Map reference data the laptop holds: district and ward outlines, recorded crime by month."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select

from fieldkit.domain.crime import crime_month_from_wire
from fieldkit.store.schema import Meta
from fieldkit.store.transaction import Transaction, connection

_CRIME = "map.crime."
_BOUNDARIES = "sync.boundaries"


@dataclass(frozen=True)
class CrimePoint:
    """Crimes of one type at one published point in one month (lon/lat None: no location)."""

    month: str
    crime_type: str
    lon: float | None
    lat: float | None
    count: int


def put_crime_months(tx: Transaction, months: Sequence[object]) -> None:
    """Hold each month as sent, replacing the copy of that force's month held before.

    Raises:
        ValueError: a month is not of the protocol's shape (checked whole before any is written).
    """
    conn = connection(tx)
    checked = [crime_month_from_wire(m) for m in months]
    for month in checked:
        key = f"{_CRIME}{month.month}|{month.force}"
        value = {"points": [list(p) for p in month.points], "unplaced": dict(month.unplaced)}
        conn.execute(delete(Meta).where(Meta.key == key))
        conn.execute(insert(Meta).values(key=key, value=json.dumps(value)))


def crime_months(tx: Transaction) -> tuple[str, ...]:
    """The months held (``YYYY-MM``), in order."""
    conn = connection(tx)
    keys = conn.execute(select(Meta.key).where(Meta.key.startswith(_CRIME))).scalars()
    return tuple(sorted({k[len(_CRIME) : len(_CRIME) + 7] for k in keys}))


def crime_points(
    tx: Transaction, *, first: str = "0000-00", last: str = "9999-99"
) -> Iterator[CrimePoint]:
    """Every held crime count from month ``first`` to ``last`` (both included)."""
    conn = connection(tx)
    rows = conn.execute(
        select(Meta.key, Meta.value)
        .where(Meta.key >= f"{_CRIME}{first}", Meta.key < f"{_CRIME}{last}~")
        .order_by(Meta.key)
    )
    for key, value in rows:
        month = key[len(_CRIME) : len(_CRIME) + 7]
        data = json.loads(value)
        for crime_type, lon, lat, count in data["points"]:
            yield CrimePoint(month, crime_type, lon, lat, count)
        for crime_type, count in data["unplaced"].items():
            yield CrimePoint(month, crime_type, None, None, count)


def held_boundaries(tx: Transaction) -> dict[str, Any] | None:
    """The outlines last fetched from the server, or None if none are held."""
    conn = connection(tx)
    value = conn.execute(select(Meta.value).where(Meta.key == _BOUNDARIES)).scalar()
    return json.loads(value) if value is not None else None


_INITIATIVES = "map.initiatives"


def initiatives(tx: Transaction) -> list[dict[str, Any]]:
    """The initiative definitions kept on this laptop (wire form), in the order saved."""
    conn = connection(tx)
    value = conn.execute(select(Meta.value).where(Meta.key == _INITIATIVES)).scalar()
    held = json.loads(value) if value is not None else []
    return [d for d in held if isinstance(d, dict)]


def put_initiatives(tx: Transaction, definitions: Sequence[dict[str, Any]]) -> None:
    """Replace the kept initiative definitions."""
    conn = connection(tx)
    conn.execute(delete(Meta).where(Meta.key == _INITIATIVES))
    conn.execute(insert(Meta).values(key=_INITIATIVES, value=json.dumps(list(definitions))))
