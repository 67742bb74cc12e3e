"""The supervisor's Conflicts screen: two changes crossed on one field; choose what stands."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QWidget,
)

from fieldkit.domain.records import ValidationError
from fieldkit.services.conflicts import (
    Choice,
    ConflictItem,
    ConflictList,
    ConflictNotFound,
    ConflictService,
)
from fieldkit.ui.loading import child, load_screen
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.theme import set_tone
from fieldkit.ui.view_helpers import fit_columns
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

#: See `review_view.OPEN_DELAY_MS`: arrowing through the list opens only where it stops.
OPEN_DELAY_MS = 250
RESOLVED = "Resolved — the server is told at the next sync"


def fetched_line(fetched: str) -> str:
    """When the list came from the server."""
    if not fetched:
        return "No conflicts have been fetched yet; sync to fetch them."
    return f"Conflicts as of {fetched}; sync to refresh."


def device_alerts_text(listing: ConflictList) -> str:
    """The laptops the server caught rolled back or missing audit entries, one a line."""
    if not listing.device_alerts:
        return ""
    lines = [line.text for line in listing.device_alerts]
    return "Laptops to ask about:\n" + "\n".join(f"• {line}" for line in lines)


def problem_words(error: Exception) -> str:
    """What went wrong; the service's own refusals are already written for the supervisor."""
    if isinstance(error, ConflictNotFound) or (
        isinstance(error, ValueError) and not isinstance(error, ValidationError)
    ):
        return str(error)
    return describe(error)


def merged_text(item: ConflictItem) -> str:
    """Both values, as a starting point for one merged text."""
    return f"{item.kept.text}\n\n{item.other.text}"


class ConflictsView(QWidget):
    """Lists the conflicts the last sync fetched; opens one only when it is selected.

    Args:
        conflicts: the conflicts service.
        workers: runs service calls off the GUI thread.
    """

    loaded = Signal()
    #: Enter or double-click on a row: open the record it is about (type, id).
    open_subject = Signal(str, str)
    opened = Signal(int)
    #: A conflict was settled here (its id); the server is told at the next sync.
    resolved = Signal(int)

    def __init__(
        self, conflicts: ConflictService, workers: Workers, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._service = conflicts
        self._workers = workers.owned_by(self)
        form = load_screen("conflicts.ui", self)
        self.fetched = child(form, QLabel, "fetchedLabel")
        self.empty = child(form, QLabel, "emptyLabel")
        self.splitter = child(form, QSplitter, "splitter")
        self.table = child(form, QTableView, "conflictTable")
        self.detail_title = child(form, QLabel, "detailTitle")
        self.kept_box = child(form, QGroupBox, "keptBox")
        self.other_box = child(form, QGroupBox, "otherBox")
        self.kept_text = child(form, QPlainTextEdit, "keptText")
        self.other_text = child(form, QPlainTextEdit, "otherText")
        self.kept_by = child(form, QLabel, "keptByLabel")
        self.other_by = child(form, QLabel, "otherByLabel")
        self.keep_button = child(form, QPushButton, "keepButton")
        self.use_button = child(form, QPushButton, "useButton")
        self.merge_box = child(form, QGroupBox, "mergeBox")
        self.merge_edit = child(form, QPlainTextEdit, "mergeEdit")
        self.save_merged_button = child(form, QPushButton, "saveMergedButton")
        self.message = child(form, QLabel, "messageLabel")
        # Rolled-back laptops and audit gaps, under the fetched line (built here, not in the
        # .ui file, so the screen's layout file stays as the designers keep it).
        self.device_alerts = QLabel(form)
        self.device_alerts.setObjectName("deviceAlertsLabel")
        self.device_alerts.setWordWrap(True)
        set_tone(self.device_alerts, "problem")
        self.device_alerts.setAccessibleName(
            QCoreApplication.translate("ConflictsView", "Laptops to ask about")
        )
        self.device_alerts.setVisible(False)
        root = form.layout()
        if isinstance(root, QBoxLayout):
            root.insertWidget(root.indexOf(self.fetched) + 1, self.device_alerts)

        self.model = RowTableModel[ConflictItem](
            [
                Column[ConflictItem]("What", lambda c: c.what),
                Column[ConflictItem]("Field", lambda c: c.field_label),
                Column[ConflictItem]("Detected", lambda c: c.detected),
                Column[ConflictItem]("Status", lambda c: RESOLVED if c.waiting else "Open"),
            ],
            parent=self,
        )
        self.table.setModel(self.model)
        fit_columns(self.table, 3)
        self.table.activated.connect(
            lambda index: self.open_subject.emit(
                self.model.row_at(index.row()).record_type,
                self.model.row_at(index.row()).record_id,
            )
        )
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.table.selectionModel().selectionChanged.connect(self._selection_moved)
        self._open_timer = QTimer(self)
        self._open_timer.setSingleShot(True)
        self._open_timer.setInterval(OPEN_DELAY_MS)
        self._open_timer.timeout.connect(self._open_selected)
        child(form, QPushButton, "refreshButton").clicked.connect(self.refresh)
        self.keep_button.clicked.connect(lambda: self.resolve(Choice.KEPT))
        self.use_button.clicked.connect(lambda: self.resolve(Choice.OTHER))
        self.save_merged_button.clicked.connect(lambda: self.resolve(Choice.MERGED))

        self.listing: ConflictList | None = None
        self.item: ConflictItem | None = None
        self._opening: int | None = None
        self._resolving = False
        self._listing = workers.latest(owner=self)
        self._open_call = workers.latest(owner=self)
        self._show_item(None)

    # Loading -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """List the open conflicts as the last sync fetched them, on a worker."""
        self._listing.submit(self._service.conflicts, self._show_list)

    def _show_list(self, listing: ConflictList) -> None:
        self.listing = listing
        self.fetched.setText(fetched_line(listing.fetched))
        self.device_alerts.setText(device_alerts_text(listing))
        self.device_alerts.setVisible(bool(listing.device_alerts))
        self.empty.setVisible(not listing.items)
        self.splitter.setVisible(bool(listing.items))
        open_id = self.item.id if self.item is not None else self._opening
        self.table.selectionModel().blockSignals(True)
        self.model.set_rows(listing.items)
        self.table.selectionModel().blockSignals(False)
        ids = [c.id for c in listing.items]
        if open_id in ids:
            self.table.selectRow(ids.index(open_id))
            if self.item is not None:
                # The same conflict, perhaps now settled: show it as the list has it.
                self._show_item(listing.items[ids.index(open_id)], keep_message=True)
        elif self.item is not None:
            self._show_item(None)
        self.loaded.emit()

    # Opening -----------------------------------------------------------------------------------

    def _selection_moved(self) -> None:
        self._open_timer.start()

    def selected(self) -> ConflictItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _open_selected(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.id == self._opening:
            return
        if self.item is not None and self.item.id == chosen.id:
            return
        self.open_conflict(chosen.id)

    def open_conflict(self, conflict_id: int) -> None:
        """Show one conflict's two values (the look at the record is logged), on a worker."""
        self._opening = conflict_id
        self._open_call.submit(
            lambda: self._service.open(conflict_id), self._opened, self._open_failed
        )

    def _opened(self, item: ConflictItem) -> None:
        self._opening = None
        self._show_item(item)
        self.opened.emit(item.id)

    def _open_failed(self, error: Exception) -> None:
        self._opening = None
        self._show_item(None)
        self._say(problem_words(error), problem=True)

    def _show_item(self, item: ConflictItem | None, *, keep_message: bool = False) -> None:
        self.item = item
        if not keep_message:
            self._say("")
        shown = item is not None
        for widget in (self.kept_box, self.other_box):
            widget.setVisible(shown)
        self.merge_box.setVisible(shown and item is not None and item.mergeable)
        if item is None:
            self.detail_title.setText(
                QCoreApplication.translate(
                    "ConflictsView", "Choose a conflict to see both values. Opening it is logged."
                )
            )
            return
        self.detail_title.setText(
            QCoreApplication.translate(
                "ConflictsView",
                "{what}: {field_label} was changed in two places (detected {detected}).",
            ).format(what=item.what, field_label=item.field_label, detected=item.detected)
        )
        self.kept_text.setPlainText(item.kept.text)
        self.other_text.setPlainText(item.other.text)
        self.kept_by.setText(
            QCoreApplication.translate("ConflictsView", "By {by}, {when}").format(
                by=item.kept.by, when=item.kept.when
            )
        )
        self.other_by.setText(
            QCoreApplication.translate("ConflictsView", "By {by}, {when}").format(
                by=item.other.by, when=item.other.when
            )
        )
        if item.mergeable:
            self.merge_edit.setPlainText(merged_text(item))
        if item.waiting:
            self._say(f"{RESOLVED}.")
        self._enable()

    def _enable(self) -> None:
        can = self.item is not None and not self.item.waiting and not self._resolving
        for button in (self.keep_button, self.use_button, self.save_merged_button):
            button.setEnabled(can)
        self.merge_edit.setReadOnly(not can)

    # Resolving ---------------------------------------------------------------------------------

    def resolve(self, choice: Choice) -> None:
        """Settle the open conflict on a value, on a worker; then move to the next open one."""
        item = self.item
        if item is None or item.waiting or self._resolving:
            return
        merged = self.merge_edit.toPlainText() if choice is Choice.MERGED else None
        if merged is not None and not merged.strip():
            self._say("Write the merged text first.", problem=True)
            return
        self._resolving = True
        self._enable()
        self._say("Saving…")
        self._workers.submit(
            lambda: self._service.resolve(item.id, choice, merged),
            lambda _none: self._resolved(item),
            self._resolve_failed,
        )

    def _resolved(self, item: ConflictItem) -> None:
        self._resolving = False
        self._workers.submit(self._service.conflicts, lambda found: self._after(item, found))

    def _after(self, item: ConflictItem, listing: ConflictList) -> None:
        self._listing.cancel()  # a list fetched before the resolution is out of date
        self._show_list(listing)
        self._say(f"{RESOLVED}.")
        self.resolved.emit(item.id)
        ids = [c.id for c in listing.items]
        at = ids.index(item.id) if item.id in ids else 0
        following = [c for c in listing.items[at:] + listing.items[:at] if not c.waiting]
        if following:
            self.table.selectRow(ids.index(following[0].id))
            self._open_timer.stop()
            self.open_conflict(following[0].id)

    def _resolve_failed(self, error: Exception) -> None:
        self._resolving = False
        self._enable()
        self._say(problem_words(error), problem=True)

    def _say(self, words: str, *, problem: bool = False) -> None:
        self.message.setText(words)
        set_tone(self.message, "problem" if problem else None)

    def focus_list(self) -> None:
        self.table.setFocus()
