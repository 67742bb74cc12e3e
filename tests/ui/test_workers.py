"""Work run off the GUI thread reports back to the view that asked, unless that view is gone."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from fieldkit.ui.workers import Workers


def _gated_workers() -> tuple[Workers, threading.Event]:
    """Workers on their own pool, and a gate the submitted work waits on before it ends."""
    return Workers(pool=QThreadPool()), threading.Event()


def _answer_after(gate: threading.Event, text: str) -> str:
    gate.wait(5)
    return text


def test_a_result_reaches_a_view_that_is_still_open(qtbot: QtBot) -> None:
    workers, gate = _gated_workers()
    label = QLabel()
    qtbot.addWidget(label)
    workers.submit(lambda: _answer_after(gate, "kept"), label.setText, owner=label)
    gate.set()
    qtbot.waitUntil(lambda: label.text() == "kept", timeout=5000)
    assert workers.pending == 0


def test_a_result_for_a_closed_view_is_dropped_not_raised(qtbot: QtBot) -> None:
    workers, gate = _gated_workers()
    label = QLabel()
    delivered: list[str] = []

    def show(text: str) -> None:
        delivered.append(text)
        label.setText(text)  # would raise "already deleted" if called

    workers.submit(lambda: _answer_after(gate, "late"), show, owner=label)
    shiboken6.delete(label)
    gate.set()
    qtbot.waitUntil(lambda: workers.pending == 0, timeout=5000)
    assert delivered == []


def test_a_failure_for_a_closed_view_is_dropped_not_raised(qtbot: QtBot) -> None:
    workers, gate = _gated_workers()
    label = QLabel()
    errors: list[Exception] = []

    def boom() -> str:
        gate.wait(5)
        raise OSError("the vault locked")

    workers.submit(boom, label.setText, errors.append, owner=label)
    shiboken6.delete(label)
    gate.set()
    qtbot.waitUntil(lambda: workers.pending == 0, timeout=5000)
    assert errors == []


def test_a_failure_for_an_open_view_reaches_its_handler(qtbot: QtBot) -> None:
    workers, gate = _gated_workers()
    label = QLabel()
    qtbot.addWidget(label)
    errors: list[Exception] = []

    def boom() -> str:
        gate.wait(5)
        raise OSError("the vault locked")

    workers.submit(boom, label.setText, errors.append, owner=label)
    gate.set()
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5000)
    assert isinstance(errors[0], OSError)
