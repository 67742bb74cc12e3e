# mypy: disable-error-code="no-untyped-call"
"""The tab-order check itself: it finds Tab going back up a form and passes reading order."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QGridLayout, QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from tests.ui.screen_walk import focus_chain, tab_order_jumps

pytestmark = pytest.mark.gui


def _form(qtbot: QtBot) -> tuple[QWidget, list[QLineEdit]]:
    form = QWidget()
    qtbot.addWidget(form)
    grid = QGridLayout(form)
    fields = []
    for row in range(2):
        for column in range(2):
            field = QLineEdit(form)
            field.setObjectName(f"r{row}c{column}")
            grid.addWidget(field, row, column)
            fields.append(field)
    form.resize(400, 200)
    form.show()
    return form, fields


def test_tab_in_reading_order_is_not_a_jump(qtbot: QtBot) -> None:
    form, fields = _form(qtbot)
    assert focus_chain(form) == fields
    assert tab_order_jumps(form) == []


def test_tab_going_back_up_the_form_is_a_jump(qtbot: QtBot) -> None:
    form, fields = _form(qtbot)
    _top_left, top_right, bottom_left, _bottom_right = fields
    QWidget.setTabOrder(bottom_left, top_right)
    assert tab_order_jumps(form) != []


def test_tab_going_left_along_a_line_is_a_jump(qtbot: QtBot) -> None:
    form, fields = _form(qtbot)
    top_left, top_right, _bottom_left, _bottom_right = fields
    QWidget.setTabOrder(top_right, top_left)
    assert "QLineEdit r0c1 -> QLineEdit r0c0" in tab_order_jumps(form)
