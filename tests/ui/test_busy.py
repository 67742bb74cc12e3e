"""Work that runs over a second shows progress; shorter work shows nothing."""

from __future__ import annotations

from threading import Event

import pytest
from pytestqt.qtbot import QtBot

from fieldkit.ui.busy import BusyIndicator
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui


def test_progress_shows_only_once_work_has_run_for_a_second(qtbot: QtBot) -> None:
    workers = Workers()
    busy = BusyIndicator(workers)
    qtbot.addWidget(busy)
    busy.show()
    release = Event()
    done: list[str] = []

    def work() -> str:
        release.wait(10)
        return "done"

    workers.submit(work, done.append)
    busy.check(now=100.0)
    assert not busy.isVisible()
    busy.check(now=100.5)
    assert not busy.isVisible()
    busy.check(now=101.1)
    assert busy.isVisible()
    assert busy.bar.accessibleName() == "Working"
    release.set()
    qtbot.waitUntil(lambda: done == ["done"], timeout=5_000)
    busy.check(now=102.0)
    assert not busy.isVisible()
