"""Scaffolding the screens share: table sizing, headings, list-and-pane layouts, form rows."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import shiboken6
from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt, SignalInstance, Slot
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldkit.ui.theme import set_tone

#: Room kept for the stretching column (the free text: a narrative, a title), in average
#: characters, before the other columns give way.
STRETCH_ROOM = 28
#: The narrowest a column is made to give way, in average characters: narrower than that, the
#: table scrolls sideways instead.
NARROWEST = 10
#: The widest a column is fitted to its words when the table scrolls, in average characters.
WIDEST = 40
#: How many rows a column's width is fitted to (the first ones; a screenful and more).
FITTED_ROWS = 100


class _ColumnFitter(QObject):
    """Fits a table's columns to their words each time its rows change (a child of the table,
    so it goes with it)."""

    def __init__(self, table: QTableView) -> None:
        super().__init__(table)
        self._table = table
        self._stretch = 0
        self._model: QAbstractItemModel | None = None
        self._width = -1
        # The room the columns share is known only once the table is laid out, and changes
        # with the window: fit again when the table's width does.
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self._table.viewport().width() != self._width:
            self.fit()
        return False

    def follow(self, stretch: int) -> None:
        """Fit now, and again whenever the table's present model changes its rows."""
        self._stretch = stretch
        model = self._table.model()
        if model is not self._model:
            if self._model is not None and shiboken6.isValid(self._model):
                for signal in _row_signals(self._model):
                    signal.disconnect(self.fit)
            self._model = model
            if model is not None:
                for signal in _row_signals(model):
                    signal.connect(self.fit)
        self.fit()

    @Slot()
    def fit(self) -> None:
        table = self._table
        header = table.horizontalHeader()
        self._width = table.viewport().width()
        letter = table.fontMetrics().averageCharWidth()
        shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
        fitted = [c for c in shown if c != self._stretch]
        for column in fitted:
            table.resizeColumnToContents(column)
        # The stretching column keeps room for a few words (or all of its own, if fewer):
        # where the others' words do not all fit beside it, the widest of them give way first.
        sizes = {c: header.sectionSize(c) for c in fitted}
        keep = letter * STRETCH_ROOM
        if self._stretch in shown:  # no more than its own words need
            keep = min(keep, words_width(table, self._stretch))
        shared = share_widths(sizes, self._width - keep, letter * NARROWEST)
        if shared is not None:
            header.setSectionResizeMode(self._stretch, QHeaderView.ResizeMode.Stretch)
            for column, size in shared.items():
                if size < sizes[column]:
                    header.resizeSection(column, size)
            return
        # Too many columns for the width: each keeps its words (up to a point) and the table
        # scrolls sideways, rather than every column shrinking past reading.
        if self._stretch in shown:
            header.setSectionResizeMode(self._stretch, QHeaderView.ResizeMode.Interactive)
            table.resizeColumnToContents(self._stretch)
        for column in shown:
            header.resizeSection(column, min(header.sectionSize(column), letter * WIDEST))


def words_width(table: QTableView, column: int) -> int:
    """How wide ``column`` must be to show its heading and the words of its first rows."""
    return max(table.sizeHintForColumn(column), table.horizontalHeader().sectionSizeHint(column))


def share_widths(sizes: dict[int, int], room: int, narrowest: int) -> dict[int, int] | None:
    """Column widths within ``room`` px: the narrow keep their width and the wide share what is
    left equally; None if that leaves the wide narrower than ``narrowest`` px.

    Args:
        sizes: each column's width that fits its words.
        room: the width the columns may take together.
        narrowest: the least width a column that gives way may be left with.
    """
    order = sorted(sizes, key=sizes.__getitem__)
    left = room
    for count, column in enumerate(order):
        share = left // (len(order) - count)
        if sizes[column] > share:
            if share < narrowest:
                return None
            return {**sizes, **dict.fromkeys(order[count:], share)}
        left -= sizes[column]
    return dict(sizes)


def _row_signals(model: QAbstractItemModel) -> tuple[SignalInstance, ...]:
    return (model.modelReset, model.layoutChanged, model.rowsInserted)


def fit_columns(table: QTableView, stretch: int) -> None:
    """Size columns to their words (the first rows), stretching one; rows stay one line high.

    The columns are fitted again whenever the table's rows change; call it again after giving
    the table another model. A person can still drag a column wider or narrower.
    """
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    header.setResizeContentsPrecision(FITTED_ROWS)  # a long list costs no more
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    fitter = table.findChild(_ColumnFitter) or _ColumnFitter(table)
    fitter.follow(stretch)


def cap_height(widget: QWidget, pixels: int) -> None:
    """Keep a list or text box at most ``pixels`` high, and let it ask for no more.

    A scrolling control asks to grow by default; once capped it cannot, and a box holding it
    would spread the height it was given between its rows instead (Log a visit's Where once
    pushed Who off a 768-pixel screen that way).
    """
    widget.setMaximumHeight(pixels)
    policy = widget.sizePolicy()
    policy.setVerticalPolicy(QSizePolicy.Policy.Preferred)
    widget.setSizePolicy(policy)


def heading(text: str, parent: QWidget | None = None) -> QLabel:
    """A bold heading over a list or pane.

    Args:
        text: the heading's words, already translated (plain text: it is made bold here).
        parent: the widget it belongs to.
    """
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.RichText)
    bold = f"<b>{escape(text)}</b>"  # the words were translated by the caller
    label.setText(bold)
    label.setAccessibleName(text)
    label.setWordWrap(True)
    return label


class StatusLine(QLabel):
    """A word-wrapped line that says what an action did, out of the way while it says nothing
    (an empty line would still take its height above a row of buttons)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setVisible(False)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.setText("")


def problem_line(parent: QWidget | None = None) -> QLabel:
    """An empty line that says what went wrong, in the problem tone."""
    label = QLabel(parent)
    label.setWordWrap(True)
    set_tone(label, "problem")
    return label


class ListBesidePane:
    """A screen laid out as a column on the left and a scrolling pane twice as wide beside it.

    Fill ``left`` first, then call `pane`: Tab goes through controls in the order they are made,
    so the left column's come first.

    Args:
        host: the screen.
    """

    def __init__(self, host: QWidget) -> None:
        self._host = host
        self._row = QHBoxLayout(host)
        #: The left column (a list and what goes with it).
        self.left = QVBoxLayout()
        self._row.addLayout(self.left, 1)

    def pane(self) -> QVBoxLayout:
        """Make the pane beside the column (it scrolls, so nothing is squeezed out on a small
        laptop screen) and return its layout, to fill."""
        scroll = QScrollArea(self._host)
        scroll.setWidgetResizable(True)
        pane = QWidget(scroll)
        right = QVBoxLayout(pane)
        scroll.setWidget(pane)
        self._row.addWidget(scroll, 2)
        return right


def row_table(
    model: QAbstractItemModel,
    name: str,
    *,
    parent: QWidget | None = None,
    stretch: int | None = None,
    whole_rows: bool = True,
) -> QTableView:
    """A table of rows: selected a row at a time, named for screen readers.

    Args:
        model: what it shows.
        name: its accessible name, already translated.
        parent: the widget it belongs to.
        stretch: the column that takes the spare width (columns fit their contents); none if
            None.
        whole_rows: a click selects the whole row (else one cell).
    """
    table = QTableView(parent)
    table.setModel(model)
    if whole_rows:
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setAccessibleName(name)
    if stretch is not None:
        fit_columns(table, stretch)
    return table


def titled(title: str, content: QWidget, parent: QWidget | None = None) -> QGroupBox:
    """A titled box around one widget (a table under its heading)."""
    box = QGroupBox(title, parent)
    QVBoxLayout(box).addWidget(content)
    return box


@dataclass(frozen=True)
class FieldWithButton:
    """A labelled line edit with the button that acts on it, side by side."""

    label: QLabel
    edit: QLineEdit
    button: QPushButton
    #: The edit and the button, in that order (the label is placed by the caller).
    row: QHBoxLayout


def field_with_button(
    parent: QWidget,
    *,
    label: str,
    placeholder: str,
    name: str,
    button: str,
    button_name: str,
) -> FieldWithButton:
    """A line edit, its label (the label's mnemonic focuses it) and a button acting on it.

    Every string is already translated.

    Args:
        parent: the widget they belong to.
        label: the label's text, with its mnemonic ("&Person").
        placeholder: the hint shown in the empty edit.
        name: the edit's accessible name.
        button: the button's text, with its mnemonic.
        button_name: the button's accessible name (what it does, in full).
    """
    edit = QLineEdit(parent)
    edit.setPlaceholderText(placeholder)
    edit.setAccessibleName(name)
    caption = QLabel(label, parent)
    caption.setBuddy(edit)
    action = QPushButton(button, parent)
    action.setAccessibleName(button_name)
    row = QHBoxLayout()
    row.addWidget(edit)
    row.addWidget(action)
    return FieldWithButton(caption, edit, action, row)
