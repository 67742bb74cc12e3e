"""Desktop app benchmarks: unlock to a populated Today screen, and search-as-you-type latency.

Run: ``.venv/bin/python bench/app_bench.py --vault /tmp/fkbench/vault`` on a vault built with
``fieldkit demo-data --visits 100000``. Prints a markdown table and writes bench/results/app.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from fieldkit.services.session import SessionService, VaultDirectory
from fieldkit.services.workspace import open_workspace
from fieldkit.store.vault import Vault
from fieldkit.ui.shell import MainWindow

PASSPHRASE = os.environ.get("FIELDKIT_BENCH_PASSPHRASE", "correct horse battery staple")
RESULTS = Path(__file__).parent / "results" / "app.md"


def wait_for(condition: object, timeout_s: float = 30.0) -> None:
    assert callable(condition)
    deadline = time.perf_counter() + timeout_s
    loop = QEventLoop()
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark step did not finish")
        QTimer.singleShot(1, loop.quit)
        loop.exec()


def unlock_to_today(folder: Path, runs: int) -> list[float]:
    """Seconds from pressing Unlock to Today showing its summary and first page of visits."""
    window = MainWindow(SessionService(VaultDirectory(folder.parent, fixed=folder)))
    window.resize(1366, 768)
    window.show()
    times: list[float] = []
    for _ in range(runs):
        window.unlock_view.refresh()
        window.unlock_view.passphrase.setText(PASSPHRASE)
        start = time.perf_counter()
        window.unlock_view.unlock()
        wait_for(
            lambda: (
                window.screens is not None
                and window.screens.today.summary is not None
                and window.screens.today.recent.rowCount() > 0
            )
        )
        times.append(time.perf_counter() - start)
        window.lock()
    window.shutdown()
    return times


def search_keystrokes(folder: Path) -> tuple[list[float], int]:
    """Seconds per keystroke for the people search the screen runs as each letter is typed."""
    vault = Vault.unlock(folder, passphrase=PASSPHRASE)
    try:
        ws = open_workspace(vault)
        names = [row.name for row in ws.people.search("a", limit=200)][::20][:10]
        times: list[float] = []
        for name in names:
            for end in range(1, len(name) + 1):
                start = time.perf_counter()
                ws.people.search(name[:end])
                times.append(time.perf_counter() - start)
        return times, len(names)
    finally:
        vault.lock()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vault", type=Path, default=Path("/tmp/fkbench/vault"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert app is not None
    unlock = unlock_to_today(args.vault, args.runs)
    keys, names = search_keystrokes(args.vault)
    rows = [
        (
            "Unlock → populated Today (100,000 visits)",
            statistics.median(unlock),
            max(unlock),
            1.5,
            f"{len(unlock)} runs",
        ),
        (
            "Search-as-you-type, per keystroke",
            statistics.median(keys),
            max(keys),
            0.1,
            f"{len(keys)} keystrokes over {names} names",
        ),
    ]
    lines = [
        "| Measure | Median | Worst | Target | Sample |",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {med * 1000:.0f} ms | {worst * 1000:.0f} ms | ≤ {target * 1000:.0f} ms "
            f"| {sample} |"
            for name, med, worst, target, sample in rows
        ),
    ]
    table = "\n".join(lines)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "# Desktop app benchmarks\n\n"
        f"Vault: `{args.vault}` (built with `fieldkit demo-data --visits 100000`), encrypted, "
        "default Argon2id cost; Qt offscreen; "
        f"{os.cpu_count()} CPUs. Unlock includes Argon2 key derivation (~0.3 s).\n\n"
        + table
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
