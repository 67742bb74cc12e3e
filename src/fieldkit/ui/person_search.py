"""Finding a person as you type: the one search box every screen that picks a person uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QTableView

from fieldkit.services.people import PersonRow
from fieldkit.ui.table_models import RowTableModel
from fieldkit.ui.workers import Workers

#: How long typing must pause before the vault is searched.
SEARCH_DELAY_MS = 120
_DATA = Qt.ItemDataRole.UserRole


def person_line(person: PersonRow) -> str:
    """A found person as a results line: a risk flag first (⚠), then name and details."""
    return ("⚠ " if person.has_risk_flag else "") + person.line


def found_because(person: PersonRow) -> str:
    """Why the search matched this person, as a tooltip ("" when it matched plainly)."""
    if not person.reason:
        return ""
    return QCoreApplication.translate("PersonSearch", "Found because: {reason}").format(
        reason=person.reason
    )


class PersonSearch(QObject):
    """Search-as-you-type for a person over a line edit and the list (or table) below it.

    Typing searches once the officer pauses (the latest search wins: an answer to an earlier
    keystroke is dropped, and a search still queued is not run). Down moves into the results;
    Enter in the box picks the first person found (searching first if an answer is still on its
    way), Enter or a click in the results picks that person. People with a risk flag are shown
    with ⚠ and in the problem tone (a table's emphasis); why each matched is its tooltip.

    Args:
        edit: where the name, alias or date of birth is typed.
        results: a list, or a table whose model is a ``RowTableModel[PersonRow]``.
        search: the vault search (runs on a worker).
        workers: the pool it runs on.
        delay_ms: the typing pause before searching.
    """

    #: A person was picked (a ``PersonRow``).
    picked = Signal(object)

    def __init__(
        self,
        edit: QLineEdit,
        results: QListWidget | QTableView,
        *,
        search: Callable[[str], list[PersonRow]],
        workers: Workers,
        delay_ms: int = SEARCH_DELAY_MS,
    ) -> None:
        super().__init__(edit)
        self.edit = edit
        self.results = results
        self._search = search
        self._workers = workers.owned_by(self)
        self._call = workers.latest(owner=edit)
        self._pick_when_found = False
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(self.search_now)
        edit.textEdited.connect(lambda _t: self._timer.start())
        edit.returnPressed.connect(self.pick_first)
        edit.installEventFilter(self)
        if isinstance(results, QListWidget):
            results.itemActivated.connect(self._pick_item)
            results.itemClicked.connect(self._pick_item)
        else:
            results.activated.connect(self._pick_index)
            results.clicked.connect(self._pick_index)

    # What is shown -----------------------------------------------------------------------------

    @property
    def rows(self) -> list[PersonRow]:
        """The people shown, top to bottom."""
        if isinstance(self.results, QListWidget):
            found = [self.results.item(i).data(_DATA) for i in range(self.results.count())]
            return [p for p in found if isinstance(p, PersonRow)]
        return list(self._table_model().rows)

    def show(self, people: list[PersonRow]) -> None:
        """Show these people (a search's answer, or a list offered for another reason).

        A search still on its way is dropped: what is shown now is what the officer picks from.
        """
        self._timer.stop()
        self._call.cancel()
        self._pick_when_found = False
        self._show(people)

    def _show(self, people: list[PersonRow]) -> None:
        if isinstance(self.results, QListWidget):
            self.results.clear()
            for person in people:
                item = QListWidgetItem(person_line(person))
                item.setToolTip(found_because(person))
                item.setData(_DATA, person)
                self.results.addItem(item)
        else:
            self._table_model().set_rows(people)
        if self._pick_when_found:
            self._pick_when_found = False
            if people:
                self.picked.emit(people[0])

    def clear(self) -> None:
        """Empty the box and the results; a search on its way is dropped."""
        self._timer.stop()
        self._call.cancel()
        self._pick_when_found = False
        self.edit.clear()
        self._clear_results()

    def _clear_results(self) -> None:
        if isinstance(self.results, QListWidget):
            self.results.clear()
        else:
            self._table_model().clear()

    def _table_model(self) -> RowTableModel[PersonRow]:
        assert isinstance(self.results, QTableView)
        model = self.results.model()
        assert isinstance(model, RowTableModel), "a person table needs a RowTableModel"
        return cast(RowTableModel[PersonRow], model)

    # Searching ---------------------------------------------------------------------------------

    def search_now(self) -> None:
        """Search for what is typed now, without waiting for the pause."""
        self._timer.stop()
        text = self.edit.text()
        if not text.strip():
            self._call.cancel()
            self._pick_when_found = False
            self._clear_results()
            return
        search = self._search
        self._call.submit(lambda: search(text), self._show, self._failed)

    def _failed(self, error: Exception) -> None:
        self._pick_when_found = False  # Enter picks from an answer, never from a later one
        self._workers.default_error(error)

    # Picking -----------------------------------------------------------------------------------

    def pick_first(self) -> None:
        """Pick the first person found for what is typed (once the answer is in, if need be)."""
        if self._timer.isActive() or self._call.waiting:
            self._pick_when_found = True
            self.search_now()
            return
        rows = self.rows
        if rows:
            self.picked.emit(rows[0])

    def _pick_item(self, item: QListWidgetItem) -> None:
        person = item.data(_DATA)
        if isinstance(person, PersonRow):
            self.picked.emit(person)

    def _pick_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.picked.emit(self._table_model().row_at(index.row()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down in the box moves into the results, on the first person."""
        if (
            watched is self.edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
            and self.rows
        ):
            self.results.setFocus()
            if isinstance(self.results, QListWidget):
                self.results.setCurrentRow(0)
            else:
                self.results.selectRow(0)
            return True
        return super().eventFilter(watched, event)
