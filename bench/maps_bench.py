"""Hotspot map benchmark: 200,000 visits counted and drawn for two periods side by side.

Run: .venv/bin/python bench/maps_bench.py [--visits N] [--out bench/results/maps.md]

An encrypted vault is filled with synthetic places around the demo's towns (with coordinates)
and visits spread over the last 180 days. Timed, each several times: reading the visits'
positions for a 90-day period and the 90 days before (MapService.densities, one SQL read), and
rendering both hotspot images for a 900 × 600 map (binning and colouring through
map_layout, QImage through map_view), i.e. what the Hotspot map tab does on "Show hotspots".
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PASSPHRASE = "benchmark passphrase, not a secret"  # noqa: S105
TODAY = date(2026, 11, 27)


def _fill(vault: object, visits: int) -> None:
    from fieldkit.demo.gazetteer import TOWNS
    from fieldkit.domain.records import new_id
    from fieldkit.store.records import NewRecord

    rng = random.Random(16)
    places: list[NewRecord] = []
    for n in range(2000):
        town = rng.choices(TOWNS, weights=[t.weight for t in TOWNS])[0]
        places.append(
            NewRecord(
                "place",
                {
                    "label": f"Place {n}",
                    "district": town.district.value,
                    "lat": town.lat + rng.gauss(0, 0.006),
                    "lon": town.lon + rng.gauss(0, 0.009),
                },
                new_id(),
            )
        )
    start = datetime(2026, 5, 31, 8, tzinfo=UTC)
    batch: list[NewRecord] = list(places)
    done = 0
    while done < visits:
        where = rng.choice(places)
        at = start + timedelta(minutes=rng.randrange(180 * 24 * 60))
        batch.append(
            NewRecord(
                "visit",
                {
                    "occurred_at": at.isoformat(),
                    "district": where.fields["district"],
                    "kind": "patrol",
                    "categories": [rng.choice(["street_drinking", "begging", "shoplifting"])],
                    "narrative": "Patrol.",
                    "officer_id": "bench.officer",
                    "place_id": where.id,
                },
                new_id(),
            )
        )
        done += 1
        if len(batch) >= 10_000 or done == visits:
            with vault.write() as conn:  # type: ignore[attr-defined]
                vault.records(conn).create_many(batch)  # type: ignore[attr-defined]
            batch = []


def measure(visits: int, folder: Path, rounds: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from bench_kdf import BENCH_KDF
    from fieldkit.services.map_layout import Viewport, density_grid
    from fieldkit.services.maps import HotspotSource, MapService
    from fieldkit.store.vault import Vault
    from fieldkit.ui.map_view import hotspot_image

    _app = QApplication.instance() or QApplication([])
    vault = Vault.create(folder, username="bench.officer", passphrase=PASSPHRASE, kdf=BENCH_KDF)
    started = time.perf_counter()
    _fill(vault, visits)
    fill_s = time.perf_counter() - started
    service = MapService(vault)
    view = Viewport.fit((-1.98, 53.54, -1.58, 53.76), width=900, height=600)
    reads, renders, totals, cpus = [], [], [], []
    counted = 0
    for _round in range(rounds):
        t0 = time.perf_counter()
        c0 = time.process_time()
        d = service.densities(source=HotspotSource.VISITS, last_day=TODAY, days=90)
        t1 = time.perf_counter()
        grids = [density_grid(view, *pts, cell=8) for pts in (d.current, d.previous)]
        top = max(int(g.max()) for g in grids)
        images = [hotspot_image(view, *pts, top=top, cell=8) for pts in (d.current, d.previous)]
        t2 = time.perf_counter()
        cpus.append(time.process_time() - c0)
        assert all(not i.isNull() for i in images)
        counted = len(d.current[0]) + len(d.previous[0])
        reads.append(t1 - t0)
        renders.append(t2 - t1)
        totals.append(t2 - t0)
    vault.lock()
    return {
        "fill_s": fill_s,
        "counted": counted,
        "read_ms": statistics.median(reads) * 1000,
        "render_ms": statistics.median(renders) * 1000,
        "total_ms": statistics.median(totals) * 1000,
        "worst_ms": max(totals) * 1000,
        "cpu_ms": statistics.median(cpus) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench/results/maps.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        r = measure(args.visits, Path(tmp) / "vault", args.rounds)
    met = "met" if r["total_ms"] <= 1000 else "NOT met"
    cpu_met = "met" if r["cpu_ms"] <= 1000 else "NOT met"
    report = f"""# Map benchmark: hotspot map of {args.visits:,} visits

`.venv/bin/python bench/maps_bench.py --visits {args.visits}` on {platform.machine()},
Python {sys.version.split()[0]}, 2 cores shared with other work. Encrypted vault (SQLCipher),
2,000 places with coordinates around the demo's towns, {args.visits:,} visits over 180 days
(filled in {r["fill_s"]:.0f} s). "Show hotspots" for 90 days and the 90 days before on a
900 × 600 map: {int(r["counted"]):,} visits counted; median of {args.rounds} rounds.

| measure | value | target |
| --- | --- | --- |
| read positions of both periods (one SQL read) | {r["read_ms"]:.0f} ms |  |
| bin and render both hotspot images | {r["render_ms"]:.0f} ms |  |
| hotspot map, read + render (wall clock) | {r["total_ms"]:.0f} ms | ≤ 1000 ms ({met}) |
| slowest round (wall clock) | {r["worst_ms"]:.0f} ms |  |
| processor time of read + render (this process) | {r["cpu_ms"]:.0f} ms | ≤ 1000 ms ({cpu_met}) |
| load average while measuring (1 min) | {os.getloadavg()[0]:.1f} |  |

Binning is one vectorised pyproj transform and one `numpy.bincount` per period; the image is
coloured in numpy and handed to Qt whole, so drawing costs the same for 2,000 or 200,000 visits.
The read counts visits by place in SQL (one pass over the visits' date index, then one place
look-up per place), so Python sees places, not visits. On a shared machine the wall-clock time
is inflated by other work; the processor time is what the map itself costs.
"""
    args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
