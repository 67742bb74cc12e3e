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


def search_keystrokes(
    folder: Path, *, memory_security: bool = False
) -> tuple[list[float], int, int]:
    """Seconds per keystroke for the people search the screen runs as each letter is typed.

    Returns the times, how many names were typed, and the length of the slowest keystroke's
    text (never the text: it is a person's name).
    """
    vault = Vault.unlock(folder, passphrase=PASSPHRASE, memory_security=memory_security)
    try:
        ws = open_workspace(vault)
        names = [row.name for row in ws.people.search("a", limit=200)][::20][:10]
        times: list[float] = []
        worst = (0.0, 0)
        for name in names:
            for end in range(1, len(name) + 1):
                start = time.perf_counter()
                ws.people.search(name[:end])
                took = time.perf_counter() - start
                times.append(took)
                worst = max(worst, (took, end))
        return times, len(names), worst[1]
    finally:
        vault.lock()


#: Figures published before issue 17 (2026-11-27, memory security on).
BEFORE = {"unlock": "1632 ms / 1874 ms", "keys": "95 ms / 3209 ms"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vault", type=Path, default=Path("/tmp/fkbench/vault"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert app is not None
    unlock = unlock_to_today(args.vault, args.runs)
    keys, names, worst_len = search_keystrokes(args.vault)
    # Last: once on, SQLCipher keeps memory security on for the rest of the process.
    old_keys, _, old_worst_len = search_keystrokes(args.vault, memory_security=True)
    rows = [
        (
            "Unlock → populated Today (100,000 visits)",
            statistics.median(unlock),
            max(unlock),
            1.0,
            f"{len(unlock)} runs",
            BEFORE["unlock"],
        ),
        (
            "Search-as-you-type, per keystroke",
            statistics.median(keys),
            max(keys),
            0.15,
            f"{len(keys)} keystrokes over {names} names; slowest: {worst_len} characters typed",
            BEFORE["keys"],
        ),
        (
            "  the same, memory security on (old setting, same run)",
            statistics.median(old_keys),
            max(old_keys),
            0.15,
            f"slowest: {old_worst_len} characters typed",
            "",
        ),
    ]
    lines = [
        "| Measure | Median | Worst | Target | Sample | Before: median / worst |",
        "|---|---|---|---|---|---|",
        *(
            f"| {name} | {med * 1000:.0f} ms | {worst * 1000:.0f} ms | ≤ {target * 1000:.0f} ms "
            f"| {sample} | {before} |"
            for name, med, worst, target, sample, before in rows
        ),
    ]
    table = "\n".join(lines)
    print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        "# Desktop app benchmarks\n\n"
        f"Vault: built with `fieldkit demo-data --visits 100000`, encrypted, "
        "default Argon2id cost; Qt offscreen; "
        f"{os.cpu_count()} CPUs shared with other work (load average {os.getloadavg()[0]:.1f} "
        "at the end of the run). Unlock includes Argon2 key derivation (~0.35 s quiet).\n\n"
        + table
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
