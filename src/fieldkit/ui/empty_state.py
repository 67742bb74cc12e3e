"""Empty states: a list with nothing in it says so, and says what to do next."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex
from PySide6.QtWidgets import QAbstractItemView, QBoxLayout, QLabel, QWidget


def show_when_empty(view: QAbstractItemView, words: str) -> QLabel:
    """Put a sentence under a list that shows (and replaces the list) while it has no rows.

    Args:
        view: the list, already given its model and placed in a box layout.
        words: what the empty list means and what to do next ("No follow-ups due — nice.").

    Returns:
        The label (its ``role`` property is ``empty``, which the theme styles).
    """
    label = QLabel(words)
    label.setObjectName(f"{view.objectName() or 'list'}Empty")
    label.setWordWrap(True)
    label.setProperty("role", "empty")
    label.setAccessibleName(words)
    parent = view.parentWidget()
    layout = parent.layout() if parent is not None else None
    if isinstance(layout, QBoxLayout):
        layout.insertWidget(layout.indexOf(view) + 1, label)
    elif parent is not None:
        label.setParent(parent)
    model = view.model()
    assert model is not None, "give the list its model first"

    def update(*_args: object) -> None:
        empty = _rows(model) == 0
        view.setVisible(not empty)
        label.setVisible(empty)

    for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
        signal.connect(update)
    update()
    return label


def _rows(model: QAbstractItemModel) -> int:
    return model.rowCount(QModelIndex())


def empty_labels(root: QWidget) -> list[QLabel]:
    """The empty-state sentences under a widget (for tests and the screen walk)."""
    return [w for w in root.findChildren(QLabel) if w.property("role") == "empty"]
