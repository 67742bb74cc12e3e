"""Police recorded crime: importing the published monthly files, and serving them to laptops."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from fieldkit.domain.crime import CrimeRow
from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.models import CrimeMonth, RecordedCrime

#: Most months one reply carries; a laptop asks again from the last ``seq`` it got.
MONTHS_PER_PAGE = 24
#: Points are rounded to this many decimal places (about 1 m), which the published snap points
#: already are; rounding only merges float noise.
_PLACES = 5


@dataclass(frozen=True)
class CrimeImport:
    """What an import changed: each (force, month) replaced, and the rows now held for it."""

    months: tuple[tuple[str, str, int], ...]
    seq: int

    @property
    def rows(self) -> int:
        """Rows imported in all."""
        return sum(n for _, _, n in self.months)


def import_crime(
    session: Session, *, rows: Sequence[CrimeRow], now: datetime, actor: str | None = None
) -> CrimeImport:
    """Replace every (force, month) the file holds with the file's rows, in one transaction.

    A force's month is published whole, so a file that holds it is authoritative for it: a
    re-import replaces rather than adds, and months the file does not hold are left alone.

    Args:
        session: the transaction.
        rows: the parsed file (every row good: see ``parse_crime_csv``).
        now: server time.
        actor: who ran the import (their OS account), for the audit log.
    """
    groups: dict[tuple[str, str], list[CrimeRow]] = defaultdict(list)
    for row in rows:
        groups[(row.falls_within, row.month)].append(row)
    seq = int(session.scalar(select(func.coalesce(func.max(CrimeMonth.seq), 0))) or 0) + 1
    for (force, month), group in sorted(groups.items()):
        session.execute(
            delete(RecordedCrime).where(RecordedCrime.force == force, RecordedCrime.month == month)
        )
        session.execute(
            insert(RecordedCrime),
            [
                {
                    "force": force,
                    "month": month,
                    "crime_type": r.crime_type.value,
                    "lon": r.lon,
                    "lat": r.lat,
                    "lsoa_code": r.lsoa_code,
                    "crime_id": r.crime_id,
                    "outcome": r.outcome,
                }
                for r in group
            ],
        )
        held = session.get(CrimeMonth, (force, month))
        if held is None:
            session.add(
                CrimeMonth(force=force, month=month, seq=seq, rows=len(group), imported_at=now)
            )
        else:
            held.seq, held.rows, held.imported_at = seq, len(group), now
    result = CrimeImport(
        tuple((f, m, len(g)) for (f, m), g in sorted(groups.items())), seq if groups else 0
    )
    audit.append(
        session,
        [
            audit.server_event(
                at=now,
                action=AuditAction.CRIME_IMPORT,
                user_id=None,
                device_id=None,
                actor=actor,
                detail={"months": [[f, m, n] for f, m, n in result.months], "rows": result.rows},
            )
        ],
    )
    session.flush()
    return result


def crime_since(session: Session, *, since: int, limit: int = MONTHS_PER_PAGE) -> dict[str, Any]:
    """The months imported after ``since``, each whole, as counts per crime type and point.

    Args:
        session: any transaction.
        since: the highest ``seq`` the laptop already holds (0 for none).
        limit: most months in the reply.

    Returns:
        ``{"months": [{"force", "month", "seq", "points": [[type, lon, lat, count], ...],
        "unplaced": {type: count}}], "seq": highest seq included, "more": bool}``.
    """
    # Whole imports only, so the highest ``seq`` sent is a safe cursor for the next ask.
    per_import = session.execute(
        select(CrimeMonth.seq, func.count())
        .where(CrimeMonth.seq > since)
        .group_by(CrimeMonth.seq)
        .order_by(CrimeMonth.seq)
    ).all()
    chosen: list[int] = []
    total = 0
    for seq, count in per_import:
        if chosen and total + int(count) > limit:
            break
        chosen.append(int(seq))
        total += int(count)
    more = len(chosen) < len(per_import)
    wanted = session.execute(
        select(CrimeMonth.force, CrimeMonth.month, CrimeMonth.seq)
        .where(CrimeMonth.seq.in_(chosen))
        .order_by(CrimeMonth.seq, CrimeMonth.force, CrimeMonth.month)
    ).all()
    months: list[dict[str, Any]] = []
    for force, month, seq in wanted:
        points: Counter[tuple[str, float, float]] = Counter()
        unplaced: Counter[str] = Counter()
        for crime_type, lon, lat in session.execute(
            select(RecordedCrime.crime_type, RecordedCrime.lon, RecordedCrime.lat).where(
                RecordedCrime.force == force, RecordedCrime.month == month
            )
        ):
            if lon is None or lat is None:
                unplaced[crime_type] += 1
            else:
                points[(crime_type, round(lon, _PLACES), round(lat, _PLACES))] += 1
        months.append(
            {
                "force": force,
                "month": month,
                "seq": int(seq),
                "points": [[t, x, y, n] for (t, x, y), n in sorted(points.items())],
                "unplaced": dict(sorted(unplaced.items())),
            }
        )
    top = max((m["seq"] for m in months), default=since)
    return {"months": months, "seq": top, "more": more}
