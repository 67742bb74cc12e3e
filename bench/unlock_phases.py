"""Unlock → Today step by step: wall and process CPU at each step of the window's unlock path.

Run: ``.venv/bin/python bench/unlock_phases.py --vault /tmp/fkbench/vault [--runs 3]
[--profile FILE]`` on a vault from ``fieldkit demo-data``. For a paired comparison run it
alternately with ``PYTHONPATH`` pointing at this tree and at ``git archive main src sync``.
``--profile`` writes cProfile stats of the GUI thread over the last run.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from fieldkit.services import today as today_service
from fieldkit.services.session import SessionService, VaultDirectory
from fieldkit.ui import shell, today_view

PASSPHRASE = os.environ.get("FIELDKIT_BENCH_PASSPHRASE", "correct horse battery staple")
Mark = tuple[str, float, float, str]
marks: list[Mark] = []


def mark(name: str) -> None:
    marks.append((name, time.perf_counter(), time.process_time(), threading.current_thread().name))


def wrap(cls: type, name: str) -> None:
    original: Callable[..., Any] = getattr(cls, name)

    def timed(self: object, *args: object, **kwargs: object) -> object:
        mark(f"{cls.__name__}.{name} start")
        try:
            return original(self, *args, **kwargs)
        finally:
            mark(f"{cls.__name__}.{name} end")

    setattr(cls, name, timed)


def wait_for(condition: Callable[[], bool], timeout_s: float = 300.0) -> None:
    deadline = time.perf_counter() + timeout_s
    loop = QEventLoop()
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("unlock did not reach Today")
        QTimer.singleShot(1, loop.quit)
        loop.exec()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vault", type=Path, default=Path("/tmp/fkbench/vault"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    _app = QApplication.instance() or QApplication([])
    for name in ("_vault_opened", "_build", "_start"):
        wrap(shell.MainWindow, name)
    wrap(shell.Screens, "__init__")
    wrap(today_view.TodayView, "refresh")
    wrap(today_view.TodayView, "_show")
    wrap(today_service.TodayService, "summary")
    wrap(SessionService, "unlock")
    folder: Path = args.vault
    window = shell.MainWindow(SessionService(VaultDirectory(folder.parent, fixed=folder)))
    window.resize(1366, 768)
    window.show()
    profile = cProfile.Profile() if args.profile else None
    for run in range(args.runs):
        marks.clear()
        window.unlock_view.refresh()
        window.unlock_view.passphrase.setText(PASSPHRASE)
        last = profile is not None and run == args.runs - 1
        if last and profile is not None:
            profile.enable()
        mark("press")
        window.unlock_view.unlock()
        wait_for(
            lambda: (
                window.screens is not None
                and window.screens.today.summary is not None
                and window.screens.today.recent.rowCount() > 0
            )
        )
        mark("today shown")
        if last and profile is not None:
            profile.disable()
        _, wall0, cpu0, _ = marks[0]
        print(f"run {run}, load average {os.getloadavg()[0]:.1f}")
        for name, wall, cpu, thread in marks:
            print(
                f"  {name:35s} wall {1000 * (wall - wall0):8.0f} ms  "
                f"process CPU {1000 * (cpu - cpu0):8.0f} ms  [{thread}]"
            )
        window.lock()
    window.shutdown()
    if profile is not None and args.profile is not None:
        profile.dump_stats(str(args.profile))


if __name__ == "__main__":
    main()
