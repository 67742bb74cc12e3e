"""Loading a screen's Designer file from the ``fieldkit.ui_files`` package."""

from __future__ import annotations

import itertools
from importlib.resources import files
from typing import TypeVar, cast

import shiboken6
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Qt
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QFormLayout,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldkit.ui.view_helpers import cap_height

W = TypeVar("W", bound=QObject)
#: Qt's largest widget size (QWIDGETSIZE_MAX): no cap.
_NO_CAP = 16_777_215


def load_screen(name: str, host: QWidget) -> QWidget:
    """Load ``ui/<name>`` and lay it out to fill ``host``.

    Args:
        name: the file name, e.g. ``"today.ui"``.
        host: the widget that owns the loaded form.

    Returns:
        The loaded form widget (a child of ``host``).
    """
    data = (files("fieldkit.ui_files") / name).read_bytes()
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    form = QUiLoader().load(buffer, host)
    if form is None:  # pragma: no cover - a broken .ui file is our bug
        raise RuntimeError(f"cannot load {name}")
    # A list or text box the file caps in height asks for no more (see cap_height).
    for control in form.findChildren(QAbstractScrollArea):
        if control.maximumHeight() < _NO_CAP:
            cap_height(control, control.maximumHeight())
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(form)
    return form


def child(parent: QObject, kind: type[W], name: str) -> W:
    """A named child of a loaded form, typed (a missing one is our bug, so it raises).

    PySide's typed ``findChild`` checks the Python wrapper's type, and shiboken can still hold
    a less-derived wrapper for an address a deleted object used before; so a child Qt itself
    says is a ``kind`` is wrapped afresh rather than reported missing.
    """
    found = parent.findChild(kind, name)
    if found is None:
        named = parent.findChild(QObject, name)
        meta = getattr(kind, "staticMetaObject", None)
        if named is None or meta is None or not named.metaObject().inherits(meta):
            raise LookupError(f"{parent.objectName()} has no {kind.__name__} called {name}")
        return cast(W, shiboken6.wrapInstance(shiboken6.getCppPointer(named)[0], kind))
    return found


def _tab_stops(item: QLayoutItem | None) -> list[QWidget]:
    """The controls Tab stops at inside a layout item, in the item's own order."""
    if item is None:
        return []
    widget = item.widget()
    if widget is not None:
        stops = []
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus == Qt.FocusPolicy.TabFocus:
            stops.append(widget)
        pane = widget.widget() if isinstance(widget, QScrollArea) else None
        if pane is not None:
            widget = pane  # a scrolled pane: its controls, after the pane itself
        elif stops:
            return stops
        inner = widget.layout()
        return stops + (tab_stops(inner) if inner is not None else [])
    layout = item.layout()
    return tab_stops(layout) if layout is not None else []


def tab_stops(layout: QLayout) -> list[QWidget]:
    """The controls in a layout in reading order: a form's rows top to bottom (rows inserted
    in code included where they show), any other layout in its items' order."""
    stops: list[QWidget] = []
    if isinstance(layout, QFormLayout):
        roles = (
            QFormLayout.ItemRole.LabelRole,
            QFormLayout.ItemRole.FieldRole,
            QFormLayout.ItemRole.SpanningRole,
        )
        for row in range(layout.rowCount()):
            for role in roles:
                stops.extend(_tab_stops(layout.itemAt(row, role)))
        return stops
    for index in range(layout.count()):
        stops.extend(_tab_stops(layout.itemAt(index)))
    return stops


def tab_in_reading_order(layout: QLayout | None) -> None:
    """Make Tab go through a layout's controls in reading order (controls added in code after
    a Designer form otherwise come last, wherever they show)."""
    stops = tab_stops(layout) if layout is not None else []
    for before, after in itertools.pairwise(stops):
        QWidget.setTabOrder(before, after)
