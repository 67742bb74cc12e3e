"""Benchmark rendering a letter, an 8-service leaflet and a 200-page evidence bundle.

Run: ``.venv/bin/python bench/documents_bench.py``. Prints a markdown table of medians and writes
it to ``bench/results/documents.md``. Targets come from issue 6.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import reportlab

from fieldkit.documents import (
    RenderedDocument,
    TemplateLibrary,
    render_bundle,
    render_leaflet,
    render_letter,
)
from fieldkit.documents.examples import example_bundle, example_leaflet, example_letter
from fieldkit.domain.vocabulary import DocumentKind

RESULTS = Path(__file__).parent / "results" / "documents.md"
#: Entries of six sentences each that fill just over 200 pages.
BUNDLE_ENTRIES = 620


def _median_ms(render: Callable[[], RenderedDocument], runs: int) -> tuple[float, RenderedDocument]:
    render()  # warm-up: font registration and first-use imports are not per-document costs
    times: list[float] = []
    doc = None
    for _ in range(runs):
        start = time.perf_counter()
        doc = render()
        times.append((time.perf_counter() - start) * 1000)
    assert doc is not None
    return statistics.median(times), doc


def main() -> int:
    library = TemplateLibrary.load()
    letter = example_letter(DocumentKind.YELLOW_LETTER)
    leaflet = example_leaflet(8)
    bundle = example_bundle(BUNDLE_ENTRIES)
    cases = [
        (
            "Yellow warning letter",
            lambda: render_letter(letter, library.letter(letter.kind, "en")),
            30,
            150.0,
        ),
        (
            "Signposting leaflet, 8 services with QR codes",
            lambda: render_leaflet(leaflet, library.leaflet("en")),
            20,
            300.0,
        ),
        (
            f"Evidence bundle, {BUNDLE_ENTRIES} entries",
            lambda: render_bundle(bundle, library.bundle("en")),
            5,
            5000.0,
        ),
    ]
    rows = [
        "| Document | Pages | Runs | Median (ms) | Target (ms) | Within target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    all_ok = True
    for name, render, runs, target in cases:
        median, doc = _median_ms(render, runs)
        ok = median <= target
        all_ok &= ok
        rows.append(
            f"| {name} | {doc.page_count} | {runs} | {median:.1f} | {target:.0f} | "
            f"{'yes' if ok else 'NO'} |"
        )
    machine = (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, reportlab {reportlab.Version}"
    )
    table = "\n".join(rows)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "# Documents benchmark\n\n"
        "Median wall time to render each document to PDF bytes in one process, after one "
        "warm-up render (font registration happens once per process). Produced by "
        "`bench/documents_bench.py`; targets from issue 6.\n\n"
        f"Machine: {machine}.\n\n{table}\n",
        encoding="utf-8",
    )
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
