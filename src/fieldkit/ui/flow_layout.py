"""A row of controls that wraps onto more lines when the room is too narrow for it.

A row of a dozen buttons in a `QHBoxLayout` is as wide as all of them together, and a pane it
sits in scrolls sideways on a laptop's screen, hiding the last buttons. In a `FlowLayout` the
buttons go left to right, in the order they were added, and start a new line where the next
would not fit: Tab still meets them in reading order.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QBoxLayout, QLayout, QLayoutItem, QStyle, QWidget, QWidgetItem

#: Between controls (px), where the style names no spacing of its own.
_GAP = 6


class FlowLayout(QLayout):
    """Controls left to right, wrapping onto new lines; hidden ones take no room.

    Args:
        parent: the widget it lays out, if any.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    # The layout's items ---------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def insertWidget(self, index: int, widget: QWidget) -> None:
        """Put ``widget`` before the item at ``index`` (at the end if ``index`` is out of range)."""
        self.addChildWidget(widget)
        at = index if 0 <= index <= len(self._items) else len(self._items)
        self._items.insert(at, QWidgetItem(widget))
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        if not 0 <= index < len(self._items):
            return None
        item = self._items.pop(index)
        self.invalidate()
        return item

    # Its size -------------------------------------------------------------------------------

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), place=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, place=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        """As wide as the widest control (everything else can wrap)."""
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    # Placing --------------------------------------------------------------------------------

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _gap(self, orientation: Qt.Orientation) -> int:
        if self.spacing() >= 0:
            return self.spacing()
        parent = self.parentWidget()
        if parent is None:
            return _GAP
        horizontal = orientation == Qt.Orientation.Horizontal
        gap = parent.style().pixelMetric(
            QStyle.PixelMetric.PM_LayoutHorizontalSpacing
            if horizontal
            else QStyle.PixelMetric.PM_LayoutVerticalSpacing
        )
        return gap if gap >= 0 else _GAP

    def _arrange(self, rect: QRect, *, place: bool) -> int:
        """Lay the shown items out in ``rect`` (or only measure); returns the height taken."""
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        across, down = self._gap(Qt.Orientation.Horizontal), self._gap(Qt.Orientation.Vertical)
        x, y, line = area.x(), area.y(), 0
        for item in self._shown():
            hint = item.sizeHint().expandedTo(item.minimumSize())
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, line = area.x(), y + line + down, 0
            if place:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + across
            line = max(line, hint.height())
        return y + line - rect.y() + margins.bottom()


def wrap_row(row: QBoxLayout) -> FlowLayout:
    """Put a `FlowLayout` where ``row`` (a row of a form loaded from a .ui file) is, with the
    row's widgets in their order (its spacers dropped), and return it."""
    outer = row.parent()
    if not isinstance(outer, QBoxLayout):
        raise TypeError(f"{row.objectName()} is not inside a box layout")
    at = outer.indexOf(row)
    flow = FlowLayout()
    flow.setObjectName(row.objectName())
    while row.count():
        item = row.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            flow.insertWidget(flow.count(), widget)
    outer.takeAt(at)
    outer.insertLayout(at, flow)
    row.deleteLater()
    return flow
