"""Size and start-up time of the built desktop bundle (dist/fieldkit, from scripts/build-app).

Run: ``.venv/bin/python bench/app_bundle_bench.py`` after ``scripts/build-app``. Prints a
markdown table and writes bench/results/app_bundle.md; ``--check`` exits 1 if a budget is
missed (250 MB unpacked, 2 s from process start to the unlock screen).

Start to the unlock screen is observed from outside, without changing the app: the bundle runs
with Qt's offscreen platform and Qt's own ``qt.widgets.painting`` debug log switched on, and the
clock stops at Qt's first "Flushing ... of MainWindow" line, i.e. when the unlock screen's first
frame has been painted into the window's backing store. The process is then terminated.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "app_bundle.md"
SIZE_BUDGET_MB = 250.0
START_BUDGET_S = 2.0
FIRST_PAINT = "Flushing QRegion"


def disk_usage(folder: Path) -> int:
    """Bytes the folder takes on disk, as ``du -s`` counts them (hard links once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for path in [folder, *folder.rglob("*")]:
        info = path.lstat()
        if (info.st_dev, info.st_ino) in seen:
            continue
        seen.add((info.st_dev, info.st_ino))
        total += info.st_blocks * 512
    return total


def largest_parts(folder: Path, count: int) -> list[tuple[str, int]]:
    """The biggest entries two levels down (e.g. ``_internal/PySide6``), by disk usage."""
    internal = folder / "_internal"
    parts: list[tuple[str, int]] = []
    for child in internal.iterdir():
        size = disk_usage(child) if child.is_dir() else child.lstat().st_blocks * 512
        parts.append((str(child.relative_to(folder)), size))
    qt = internal / "PySide6" / "Qt"
    if qt.is_dir():
        for child in qt.iterdir():
            parts.append((str(child.relative_to(folder)), disk_usage(child)))
    return sorted(parts, key=lambda item: -item[1])[:count]


def time_command(command: Sequence[str], runs: int) -> list[float]:
    """Seconds from starting the process to its exit, for each run (output discarded)."""
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def time_to_unlock_screen(
    command: Sequence[str], runs: int, timeout_s: float = 30.0
) -> list[float]:
    """Seconds from starting the app to Qt painting the unlock screen's first frame."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "QT_LOGGING_RULES": "qt.widgets.painting.debug=true",
    }
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        assert process.stderr is not None
        try:
            for line in process.stderr:
                if FIRST_PAINT in line and "MainWindow" in line:
                    times.append(time.perf_counter() - start)
                    break
                if time.perf_counter() - start > timeout_s:
                    raise TimeoutError("the app painted no window")
            else:
                raise RuntimeError(f"the app exited ({process.wait()}) before painting a window")
        finally:
            process.terminate()
            process.wait(timeout=10)
    return times


def create_vault(app: Path, folder: Path) -> None:
    """A new, empty vault made by the bundle itself, with a throwaway passphrase."""
    subprocess.run(
        [
            str(app),
            "vault",
            "create",
            "--vault",
            str(folder),
            "--username",
            "bench.officer",
            "--passphrase-stdin",
        ],
        input=(secrets.token_urlsafe(16) + "\n").encode(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def row(name: str, times: list[float], budget: str, sample: str) -> str:
    return (
        f"| {name} | {statistics.median(times) * 1000:,.0f} ms | {min(times) * 1000:,.0f} ms "
        f"| {max(times) * 1000:,.0f} ms | {budget} | {sample} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=REPO / "dist" / "fieldkit")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 if a budget is missed")
    args = parser.parse_args()
    app = args.bundle / "fieldkit"
    if not app.is_file():
        print(f"{app} not found: run scripts/build-app first", file=sys.stderr)
        return 2
    source_app = REPO / ".venv" / "bin" / "fieldkit"

    load = os.getloadavg()[0]
    size_mb = disk_usage(args.bundle) / 1e6
    tarballs = sorted((REPO / "dist").glob("fieldkit-*-linux-*.tar.gz"))
    with tempfile.TemporaryDirectory(prefix="fieldkit-bundle-bench-") as tmp:
        vault = Path(tmp) / "vault"
        create_vault(app, vault)
        gui = [str(app), "--vault", str(vault), "--data-dir", str(Path(tmp) / "data")]
        # One untimed start each, so every timed run sees a warm page cache alike.
        time_command([str(app), "--version"], 1)
        time_to_unlock_screen(gui, 1)
        version = time_command([str(app), "--version"], args.runs)
        helps = time_command([str(app), "--help"], args.runs)
        unlock = time_to_unlock_screen(gui, args.runs)
        from_source: list[float] = []
        if source_app.is_file():
            time_to_unlock_screen([str(source_app), *gui[1:]], 1)
            from_source = time_to_unlock_screen([str(source_app), *gui[1:]], args.runs)

    size_ok = size_mb < SIZE_BUDGET_MB
    start_ok = statistics.median(unlock) < START_BUDGET_S
    lines = [
        "| Measure | Median | Best | Worst | Budget | Sample |",
        "|---|---:|---:|---:|---|---|",
        f"| Unpacked size (`du -s dist/fieldkit`) | {size_mb:,.1f} MB | | "
        f"| < {SIZE_BUDGET_MB:.0f} MB {'✓' if size_ok else '✗'} | one build |",
        row(
            "Start → unlock screen painted (bundle, offscreen)",
            unlock,
            f"< {START_BUDGET_S * 1000:.0f} ms {'✓' if start_ok else '✗'}",
            f"{len(unlock)} runs",
        ),
        row("`fieldkit --version` (bundle, start → exit)", version, "", f"{len(version)} runs"),
        row("`fieldkit --help` (bundle, start → exit)", helps, "", f"{len(helps)} runs"),
    ]
    if from_source:
        lines.append(
            row(
                "Start → unlock screen painted (from .venv, for comparison)",
                from_source,
                "",
                f"{len(from_source)} runs",
            )
        )
    if tarballs:
        lines.append(
            f"| Linux tarball `{tarballs[-1].name}` | {tarballs[-1].stat().st_size / 1e6:,.1f} MB "
            "| | | | gzip |"
        )
    table = "\n".join(lines)
    parts = "\n".join(
        f"| `{name}` | {size / 1e6:,.1f} MB |" for name, size in largest_parts(args.bundle, 8)
    )
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "# Desktop bundle: size and start-up\n\n"
        "`scripts/build-app` (PyInstaller one-folder, Linux), measured by "
        "`.venv/bin/python bench/app_bundle_bench.py`. "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {load:.1f} at the start (a shared machine: other work slows every row); "
        "warm page cache (one untimed start first); times are wall-clock from process start; "
        "MB are 10^6 bytes.\n\n" + table + "\n\n"
        "**Start → unlock screen painted**: the bundle starts on a new vault with "
        "`--vault DIR` under `QT_QPA_PLATFORM=offscreen`; the clock stops at Qt's own "
        '`qt.widgets.painting` log line "Flushing QRegion(...) of MainWindow", the first frame '
        "of the main window (the unlock screen) reaching the window's backing store. The app "
        "prints nothing for this; the line comes from Qt's logging rules "
        "(`QT_LOGGING_RULES=qt.widgets.painting.debug=true`). It covers the PyInstaller "
        "bootloader, Python start-up, imports, QApplication, loading the unlock screen's "
        "`.ui` file and the first paint; not unlocking itself (Argon2id, see vault.md). "
        "`--version` and `--help` are the headless start-up: Python, the command-line "
        "module and its store imports, no Qt.\n\n"
        "Largest parts of the bundle:\n\n| Part | On disk |\n|---|---:|\n" + parts + "\n",
        encoding="utf-8",
    )
    return 0 if (size_ok and start_ok) or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
