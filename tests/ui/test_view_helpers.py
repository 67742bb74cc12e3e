# mypy: disable-error-code="no-untyped-call"
"""Tables fit their columns to their words, capped lists leave no holes in their boxes, and a
status line takes no room while it says nothing."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QGroupBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.view_helpers import (
    STRETCH_ROOM,
    WIDEST,
    StatusLine,
    _ColumnFitter,
    cap_height,
    fit_columns,
    share_widths,
    words_width,
)

pytestmark = pytest.mark.gui

_COLUMNS = [
    Column[tuple[str, str, str]]("Reference", lambda r: r[0]),
    Column[tuple[str, str, str]]("Title", lambda r: r[1]),
    Column[tuple[str, str, str]]("Districts", lambda r: r[2]),
]


def _table(qtbot: QtBot, width: int) -> tuple[QTableView, RowTableModel[tuple[str, str, str]]]:
    model = RowTableModel[tuple[str, str, str]](_COLUMNS)
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(model)
    fit_columns(table, 1)
    table.resize(width, 300)
    table.show()
    return table, model


def test_columns_fit_the_rows_that_arrive_after_the_table_is_made(qtbot: QtBot) -> None:
    table, model = _table(qtbot, 1200)
    model.set_rows([("BS-2026-DEM0K1-0001", "Intimidation", "Batley & Spen, Dewsbury & Mirfield")])
    header = table.horizontalHeader()
    for column in (0, 2):
        assert header.sectionSize(column) >= words_width(table, column) - 2
    narrow = header.sectionSize(0)
    model.set_rows([("BS-2026-DEM0K1-0001-AND-A-LONGER-REFERENCE", "x", "Kirklees")])
    assert header.sectionSize(0) > narrow, "the columns follow the rows"


def test_a_replaced_model_is_followed_by_the_same_fitter(qtbot: QtBot) -> None:
    table, _old = _table(qtbot, 1200)
    new = RowTableModel[tuple[str, str, str]](_COLUMNS)
    table.setModel(new)
    fit_columns(table, 1)
    assert len(table.findChildren(_ColumnFitter)) == 1, "one fitter a table, however often"
    new.set_rows([("a reference long enough to need a wider column", "t", "d")])
    assert table.horizontalHeader().sectionSize(0) >= words_width(table, 0) - 2


def test_the_widest_columns_give_way_only_when_they_do_not_all_fit(qtbot: QtBot) -> None:
    districts = ", ".join(["Batley & Spen", "Dewsbury & Mirfield", "Huddersfield"] * 4)
    wide, model = _table(qtbot, 2400)
    model.set_rows([("R1", "T", districts)])
    assert wide.horizontalHeader().sectionSize(2) >= words_width(wide, 2) - 2
    narrow, model = _table(qtbot, 500)
    model.set_rows([("R1", "T", districts)])
    header = narrow.horizontalHeader()
    assert header.sectionSize(0) >= words_width(narrow, 0) - 2, "a narrow column keeps its words"
    assert header.sectionSize(2) < words_width(narrow, 2)
    kept = min(narrow.fontMetrics().averageCharWidth() * STRETCH_ROOM, words_width(narrow, 1))
    assert narrow.viewport().width() - header.sectionSize(0) - header.sectionSize(2) >= kept


def test_a_stretching_column_of_few_words_keeps_room_for_those_only(qtbot: QtBot) -> None:
    table, model = _table(qtbot, 2400)
    model.set_rows([("BS-2026-DEM0K1-0001", "Yes", "Batley & Spen, Dewsbury & Mirfield")])
    need = words_width(table, 0) + words_width(table, 2)
    letter = table.fontMetrics().averageCharWidth()
    # Room for both beside "Yes", not beside 28 characters' worth.
    width = need + words_width(table, 1) + table.verticalScrollBar().sizeHint().width() + 8
    assert width - need < letter * STRETCH_ROOM
    table.resize(width, 300)
    qtbot.waitUntil(lambda: table.viewport().width() <= width)
    header = table.horizontalHeader()
    assert header.sectionSize(0) >= words_width(table, 0) - 2
    assert header.sectionSize(2) >= words_width(table, 2) - 2


@pytest.mark.parametrize(
    ("sizes", "room", "shared"),
    [
        ({0: 100, 1: 200}, 400, {0: 100, 1: 200}),  # all fit
        ({0: 100, 1: 200}, 300, {0: 100, 1: 200}),  # exactly
        ({0: 100, 1: 500, 2: 300}, 500, {0: 100, 1: 200, 2: 200}),  # the two wide share
        ({0: 100, 1: 500, 2: 150}, 500, {0: 100, 1: 250, 2: 150}),  # only the widest gives
        ({0: 60, 1: 500, 2: 300}, 220, {0: 60, 1: 80, 2: 80}),  # down to the narrowest
        ({0: 60, 1: 500, 2: 300}, 219, None),  # past it: the table scrolls instead
        ({0: 300, 1: 300}, 100, None),
        ({}, 100, {}),
    ],
)
def test_columns_share_the_room_narrowest_first(
    sizes: dict[int, int], room: int, shared: dict[int, int] | None
) -> None:
    assert share_widths(sizes, room, 80) == shared


def test_a_table_with_too_many_columns_for_its_width_scrolls_instead(qtbot: QtBot) -> None:
    table, model = _table(qtbot, 260)
    words = "a title long enough to want a column of its own"
    model.set_rows([("BS-2026-DEM0K1-0001", words, "Batley & Spen, Dewsbury & Mirfield")])
    header = table.horizontalHeader()
    letter = table.fontMetrics().averageCharWidth()
    assert header.sectionSize(0) >= words_width(table, 0) - 2, "each column keeps its words"
    assert header.sectionSize(1) >= min(words_width(table, 1), letter * WIDEST) - 2
    assert sum(header.sectionSize(c) for c in range(3)) > table.viewport().width()
    table.resize(2400, 300)
    qtbot.waitUntil(lambda: table.viewport().width() > 2000)
    assert header.sectionResizeMode(1) == QHeaderView.ResizeMode.Stretch, "room again: it fits"


def test_a_capped_list_leaves_the_spare_height_to_what_follows_it(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    column = QVBoxLayout(host)
    box = QGroupBox("Where")
    rows = QVBoxLayout(box)
    rows.addWidget(QLabel("search"))
    places = QListWidget()
    cap_height(places, 110)
    rows.addWidget(places)
    rows.addWidget(QLabel("chosen"))
    column.addWidget(box)
    column.addStretch(1)
    host.resize(400, 900)
    host.show()
    qtbot.waitExposed(host)
    assert places.height() <= 110
    assert box.height() <= box.sizeHint().height() + 2, "the box keeps to what its rows need"


def test_a_status_line_shows_only_while_it_says_something(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    line = StatusLine(host)
    host.show()
    assert not line.isVisible()
    line.setText("Saved the export to the folder you chose.")
    assert line.isVisible()
    line.clear()
    assert not line.isVisible()
    assert line.text() == ""
