"""Scaffolding the screens share: table sizing, headings, list-and-pane layouts, form rows."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldkit.ui.theme import set_tone


def fit_columns(table: QTableView, stretch: int) -> None:
    """Size columns to their contents, stretching one; rows stay one line high."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)


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
