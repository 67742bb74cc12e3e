"""Table models over frozen rows from services, including one that pages in as you scroll."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from fieldkit.ui.theme import tone_colour
from fieldkit.ui.workers import Workers

R = TypeVar("R")
C = TypeVar("C")
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


@dataclass(frozen=True)
class Column(Generic[R]):
    """A column: its header and how to show a row in it."""

    header: str
    text: Callable[[R], str]


class RowTableModel(QAbstractTableModel, Generic[R]):
    """A read-only table of rows.

    Args:
        columns: what to show.
        emphasis: rows to show bold in the problem tone (urgent, restricted, returned).
    """

    def __init__(
        self,
        columns: Sequence[Column[R]],
        *,
        emphasis: Callable[[R], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[R] = []
        self._emphasis = emphasis

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row_at(self, row: int) -> R:
        return self._rows[row]

    @property
    def rows(self) -> list[R]:
        return list(self._rows)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._columns[index.column()].text(row)
        if self._emphasis is None or not self._emphasis(row):
            return None
        # Emphasis is never colour alone: the row is bold too (and its words say why).
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(tone_colour("problem")))
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].header
        return None

    def _append(self, rows: Sequence[R]) -> None:
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(_ROOT, first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()


class PagedTableModel(RowTableModel[R], Generic[R, C]):
    """Rows fetched a page at a time on a worker as the view scrolls (smooth at 100,000 rows).

    Args:
        columns: what to show.
        fetch: returns the page after a cursor (None for the first page); runs on a worker.
        cursor: the cursor after a row.
        workers: where fetches run.
        page_size: rows per page.
    """

    page_loaded = Signal(int)

    def __init__(
        self,
        columns: Sequence[Column[R]],
        *,
        fetch: Callable[[C | None, int], list[R]],
        cursor: Callable[[R], C],
        workers: Workers,
        page_size: int = 200,
        emphasis: Callable[[R], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(columns, emphasis=emphasis, parent=parent)
        self._fetch = fetch
        self._cursor = cursor
        self._workers = workers.owned_by(self)
        self._page_size = page_size
        self._exhausted = False
        self._loading = False
        #: One page at a time; a reload drops a page still on its way for the old rows.
        self._pages = workers.latest(owner=self)

    def reload(self) -> None:
        """Drop the rows and fetch the first page again."""
        self._pages.cancel()
        self._exhausted = False
        self._loading = False
        self.set_rows([])
        self.fetchMore(_ROOT)

    def canFetchMore(self, parent: Index = _ROOT) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = _ROOT) -> None:
        if not self.canFetchMore(parent):
            return
        self._loading = True
        after = self._cursor(self._rows[-1]) if self._rows else None
        size = self._page_size

        def arrived(rows: list[R]) -> None:
            self._loading = False
            self._exhausted = len(rows) < size
            self._append(rows)
            self.page_loaded.emit(len(self._rows))

        def failed(_exc: Exception) -> None:
            self._loading = False
            self._exhausted = True

        self._pages.submit(lambda: self._fetch(after, size), arrived, failed)
