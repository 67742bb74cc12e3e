"""What the map shows from the vault: places with coordinates, and the visits and cases at them.

Visits and cases are placed at their place's coordinates; those at a place without coordinates
are not on the map. Lists a user can click through leave restricted (safeguarding) visits and
cases out, as the intelligence lists do; density counts include them, because a count names no
one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, text

from fieldkit.domain.trends import london_midnight, stored_moment
from fieldkit.store.transaction import Transaction, connection

_NOT_RESTRICTED = "coalesce({t}.sensitivity, 'standard') != 'restricted'"


@dataclass(frozen=True)
class MapPoint:
    """Something at a point: what it is (``place``, ``visit``, ``asb_case``), its id, its words."""

    kind: str
    record_id: str
    lon: float
    lat: float
    label: str
    district: str
    #: The day it happened (visits), opened (cases), or "" (places).
    day: str = ""
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class PointFilter:
    """Which points to show; empty tuples and None dates mean no limit."""

    districts: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    first_day: date | None = None
    last_day: date | None = None


def _where(
    f: PointFilter, *, table: str, day_column: str | None, params: dict[str, Any]
) -> tuple[list[str], list[str]]:
    parts = [f"{table}.deleted = 0"]
    expanding: list[str] = []
    if f.districts:
        parts.append(f"{table}.district IN :districts")
        params["districts"] = list(f.districts)
        expanding.append("districts")
    if day_column and f.first_day is not None:
        parts.append(f"{table}.{day_column} >= :lo")
        params["lo"] = stored_moment(london_midnight(f.first_day))
    if day_column and f.last_day is not None:
        parts.append(f"{table}.{day_column} < :hi")
        params["hi"] = stored_moment(london_midnight(date.fromordinal(f.last_day.toordinal() + 1)))
    return parts, expanding


def _run(tx: Transaction, sql: str, params: dict[str, Any], expanding: Sequence[str]) -> Any:
    statement = text(sql).bindparams(*(bindparam(n, expanding=True) for n in expanding))
    return connection(tx).execute(statement, params)


def places(tx: Transaction, f: PointFilter) -> list[MapPoint]:
    """Places with coordinates, in the filter's districts."""
    params: dict[str, Any] = {}
    parts, expanding = _where(f, table="p", day_column=None, params=params)
    sql = (
        "SELECT p.id, p.lon, p.lat, p.label, p.postcode, p.district FROM place AS p "  # noqa: S608
        f"WHERE p.lat IS NOT NULL AND p.lon IS NOT NULL AND {' AND '.join(parts)} ORDER BY p.id"
    )
    return [
        MapPoint(
            "place",
            str(i),
            float(lon),
            float(lat),
            ", ".join(str(x) for x in (label, postcode) if x),
            str(district or ""),
        )
        for i, lon, lat, label, postcode, district in _run(tx, sql, params, expanding)
    ]


def visits(tx: Transaction, f: PointFilter) -> list[MapPoint]:
    """Visits at places with coordinates (restricted visits left out), newest first."""
    params: dict[str, Any] = {}
    parts, expanding = _where(f, table="v", day_column="occurred_at", params=params)
    parts.append(_NOT_RESTRICTED.format(t="v"))
    if f.categories:
        parts.append(
            "EXISTS (SELECT 1 FROM json_each(v.categories) AS c WHERE c.value IN :categories)"
        )
        params["categories"] = list(f.categories)
        expanding.append("categories")
    sql = (
        "SELECT v.id, p.lon, p.lat, p.label, v.district, v.occurred_at, v.categories "  # noqa: S608
        "FROM visit AS v JOIN place AS p ON p.id = v.place_id AND p.deleted = 0 "
        f"WHERE p.lat IS NOT NULL AND p.lon IS NOT NULL AND {' AND '.join(parts)} "
        "ORDER BY v.occurred_at DESC, v.id"
    )
    return [
        MapPoint(
            "visit",
            str(i),
            float(lon),
            float(lat),
            str(label or ""),
            str(district or ""),
            str(occurred or "")[:10],
            tuple(json.loads(categories or "[]")),
        )
        for i, lon, lat, label, district, occurred, categories in _run(tx, sql, params, expanding)
    ]


def cases(tx: Transaction, f: PointFilter) -> list[MapPoint]:
    """ASB cases at each of their places with coordinates (restricted cases left out)."""
    params: dict[str, Any] = {}
    parts, expanding = _where(f, table="a", day_column=None, params=params)
    parts.append(_NOT_RESTRICTED.format(t="a"))
    if f.first_day is not None:
        parts.append("(a.closed_on IS NULL OR a.closed_on >= :first)")
        params["first"] = f.first_day.isoformat()
    if f.last_day is not None:
        parts.append("a.opened_on <= :last")
        params["last"] = f.last_day.isoformat()
    if f.categories:
        parts.append("a.category IN :categories")
        params["categories"] = list(f.categories)
        expanding.append("categories")
    sql = (
        "SELECT a.id, p.lon, p.lat, a.reference, a.title, a.district, a.opened_on, a.category "  # noqa: S608
        "FROM asb_case AS a, json_each(a.place_ids) AS link "
        "JOIN place AS p ON p.id = link.value AND p.deleted = 0 "
        f"WHERE p.lat IS NOT NULL AND p.lon IS NOT NULL AND {' AND '.join(parts)} "
        "ORDER BY a.opened_on DESC, a.id"
    )
    return [
        MapPoint(
            "asb_case",
            str(i),
            float(lon),
            float(lat),
            " ".join(str(x) for x in (reference, title) if x),
            str(district or ""),
            str(opened or ""),
            (str(category),) if category else (),
        )
        for i, lon, lat, reference, title, district, opened, category in _run(
            tx, sql, params, expanding
        )
    ]


def visit_events(tx: Transaction, f: PointFilter) -> list[tuple[str, str, float, float]]:
    """Every visit at a place with coordinates, restricted ones too (for counts and density):
    ``(month, categories JSON, lon, lat)``."""
    params: dict[str, Any] = {}
    parts, expanding = _where(f, table="v", day_column="occurred_at", params=params)
    sql = (
        "SELECT substr(v.occurred_at, 1, 7), v.categories, p.lon, p.lat "  # noqa: S608
        "FROM visit AS v JOIN place AS p ON p.id = v.place_id "
        f"WHERE p.lat IS NOT NULL AND p.lon IS NOT NULL AND {' AND '.join(parts)}"
    )
    return [
        (str(m), str(c or "[]"), float(x), float(y))
        for m, c, x, y in _run(tx, sql, params, expanding)
    ]


def visit_counts_by_place(
    tx: Transaction, f: PointFilter, *, split: date
) -> list[tuple[float, float, int, int]]:
    """Visits at each place with coordinates that pass the filter, counted from ``split`` on and
    before it: ``(lon, lat, from split, before split)``. Restricted visits are counted too: the
    hotspot map draws counts and names no one. Counted in SQL, so the rows are places, not
    visits.
    """
    params: dict[str, Any] = {"split": stored_moment(london_midnight(split))}
    parts, expanding = _where(f, table="v", day_column="occurred_at", params=params)
    if f.categories:
        parts.append(
            "EXISTS (SELECT 1 FROM json_each(v.categories) AS c WHERE c.value IN :categories)"
        )
        params["categories"] = list(f.categories)
        expanding.append("categories")
    # Counted by place first (one pass over the visits' date index), then joined to the
    # places: one place look-up per place rather than one per visit.
    sql = (
        "SELECT p.lon, p.lat, c.now, c.before FROM ("  # noqa: S608
        "SELECT v.place_id AS place_id, sum(v.occurred_at >= :split) AS now, "
        "sum(v.occurred_at < :split) AS before FROM visit AS v "
        f"WHERE v.place_id IS NOT NULL AND {' AND '.join(parts)} GROUP BY v.place_id"
        ") AS c JOIN place AS p ON p.id = c.place_id "
        "WHERE p.lat IS NOT NULL AND p.lon IS NOT NULL"
    )
    return [(float(x), float(y), int(a), int(b)) for x, y, a, b in _run(tx, sql, params, expanding)]
