"""Loading a screen's Designer file from the ``fieldkit.ui_files`` package."""

from __future__ import annotations

from importlib.resources import files
from typing import TypeVar

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QVBoxLayout, QWidget

W = TypeVar("W", bound=QObject)


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
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(form)
    return form


def child(parent: QObject, kind: type[W], name: str) -> W:
    """A named child of a loaded form, typed (a missing one is our bug, so it raises)."""
    found = parent.findChild(kind, name)
    if found is None:
        raise LookupError(f"{parent.objectName()} has no {kind.__name__} called {name}")
    return found
