# mypy: disable-error-code="no-untyped-call"
"""A row of buttons wraps onto more lines in a narrow pane, in reading order."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from fieldkit.ui.flow_layout import FlowLayout, wrap_row

pytestmark = pytest.mark.gui

_WORDS = ["Subject access export…", "Open an ASB case…", "Edit…", "Risk markers…", "Merge…"]


def _row(qtbot: QtBot, width: int) -> tuple[QWidget, list[QPushButton]]:
    host = QWidget()
    qtbot.addWidget(host)
    flow = FlowLayout(host)
    buttons = [QPushButton(words, host) for words in _WORDS]
    for button in buttons:
        flow.addWidget(button)
    host.resize(width, flow.heightForWidth(width))
    host.show()
    qtbot.waitExposed(host)
    return host, buttons


def _lines(buttons: list[QPushButton]) -> list[list[str]]:
    tops = sorted({b.y() for b in buttons if b.isVisible()})
    return [[b.text() for b in sorted(buttons, key=lambda b: b.x()) if b.y() == t] for t in tops]


def test_a_wide_pane_keeps_the_buttons_on_one_line_in_order(qtbot: QtBot) -> None:
    _host, buttons = _row(qtbot, 2000)
    assert _lines(buttons) == [_WORDS]


def test_a_narrow_pane_wraps_them_in_reading_order_and_within_its_width(qtbot: QtBot) -> None:
    host, buttons = _row(qtbot, 300)
    lines = _lines(buttons)
    assert len(lines) > 1
    assert [words for line in lines for words in line] == _WORDS, "left to right, top down"
    assert all(b.geometry().right() < host.width() for b in buttons)
    layout = host.layout()
    assert isinstance(layout, FlowLayout)
    assert layout.heightForWidth(300) > layout.heightForWidth(2000)
    assert layout.minimumSize().width() == max(b.minimumSizeHint().width() for b in buttons)


def test_a_hidden_button_takes_no_room(qtbot: QtBot) -> None:
    _host, buttons = _row(qtbot, 2000)
    where = buttons[1].x()
    buttons[1].hide()
    qtbot.waitUntil(lambda: buttons[2].x() == where, timeout=2000)


def test_a_row_from_a_form_is_replaced_where_it_stood(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    column = QVBoxLayout(host)
    above, below = QLabel("above"), QLabel("below")
    column.addWidget(above)
    row = QHBoxLayout()
    row.setObjectName("profileButtons")
    row.addStretch(1)
    buttons = [QPushButton(words) for words in _WORDS[:3]]
    for button in buttons:
        row.addWidget(button)
    column.addLayout(row)
    column.addWidget(below)
    flow = wrap_row(row)
    assert column.indexOf(flow) == 1
    assert column.count() == 3
    assert flow.objectName() == "profileButtons"
    moved = [item.widget() for i in range(flow.count()) if (item := flow.itemAt(i)) is not None]
    assert moved == buttons, "in their order, the spacer dropped"
    flow.insertWidget(flow.indexOf(buttons[2]), extra := QPushButton("Extra"))
    assert flow.indexOf(extra) == 2
