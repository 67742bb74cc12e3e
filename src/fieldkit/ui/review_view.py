"""The supervisor's Review screen: the team's waiting work, opening it, and deciding about it."""

from __future__ import annotations

from datetime import date
from html import escape

from PySide6.QtCore import QCoreApplication, QDate, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QToolButton,
    QWidget,
)

from fieldkit.domain.records import RecordType
from fieldkit.domain.vocabulary import ReviewDecision
from fieldkit.services.intelligence import IntelligenceService
from fieldkit.services.review import (
    KIND_WORDS,
    Queue,
    QueueFilter,
    QueueItem,
    ReviewDetail,
    ReviewRefused,
    ReviewService,
)
from fieldkit.ui.loading import child, load_screen
from fieldkit.ui.multi_choice import MultiChoice
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.theme import set_tone
from fieldkit.ui.view_helpers import fit_columns
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

#: Opening waits this long after the selection moves, so arrowing through the list does not
#: open (and log a consultation of) every row passed on the way.
OPEN_DELAY_MS = 250
#: The earliest date the date filters offer; showing it means "any day".
_ANY_DAY = QDate(2000, 1, 1)


def count_line(shown: int, total: int, *, filtered: bool) -> str:
    """How much work waits, and how much of it the list shows."""
    if total == 0:
        return "Nothing waiting matches these filters." if filtered else "Nothing waiting."
    if shown < total:
        return f"Showing {shown:,} of {total:,} waiting"
    return f"{total:,} waiting"


def detail_html(detail: ReviewDetail) -> str:
    """The opened work's fields, one labelled line each."""
    rows = "".join(
        f"<tr><td style='padding-right: 12px'><b>{escape(label)}</b></td>"
        f"<td>{escape(text)}</td></tr>"
        for label, text in detail.lines
    )
    return f"<table>{rows}</table>"


class ReviewView(QWidget):
    """Lists waiting work on a worker; opens an item only when the supervisor selects it.

    Args:
        review: the review service.
        workers: runs service calls off the GUI thread.
    """

    loaded = Signal()
    #: Enter or double-click on a row: open the work itself (type, id).
    open_subject = Signal(str, str)
    #: Edit… on the open work: correct it in the record editor (type, id).
    edit_record = Signal(str, str)
    opened = Signal(str)
    #: A decision was recorded: the new review record's id.
    decided = Signal(str)
    refused = Signal(str)

    def __init__(
        self, review: ReviewService, workers: Workers, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._review = review
        self._workers = workers.owned_by(self)
        form = load_screen("review.ui", self)
        self.officer = MultiChoice(
            child(form, QToolButton, "officerButton"), everything="Everyone", several="{n} officers"
        )
        self.district = MultiChoice(
            child(form, QToolButton, "districtButton"),
            everything="All districts",
            several="{n} districts",
        )
        self.category = MultiChoice(
            child(form, QToolButton, "categoryButton"),
            everything="All categories",
            several="{n} categories",
        )
        self.kind = child(form, QComboBox, "kindCombo")
        self.from_date = child(form, QDateEdit, "fromDate")
        self.to_date = child(form, QDateEdit, "toDate")
        self.new_only = child(form, QCheckBox, "newOnlyCheck")
        self.count = child(form, QLabel, "countLabel")
        self.table = child(form, QTableView, "queueTable")
        self.detail_title = child(form, QLabel, "detailTitle")
        self.detail_text = child(form, QTextBrowser, "detailText")
        self.history = child(form, QListWidget, "historyList")
        self.comment = child(form, QPlainTextEdit, "commentEdit")
        self.message = child(form, QLabel, "messageLabel")
        self.approve_button = child(form, QPushButton, "approveButton")
        self.countersign_button = child(form, QPushButton, "countersignButton")
        self.return_button = child(form, QPushButton, "returnButton")
        self.edit_button = child(form, QPushButton, "editButton")

        self.district.set_choices(IntelligenceService.districts())
        self.category.set_choices(IntelligenceService.categories())
        self.kind.addItem(QCoreApplication.translate("ReviewView", "All kinds of work"), "")
        for record_type, words in KIND_WORDS.items():
            self.kind.addItem(words, record_type.value)
        for edit in (self.from_date, self.to_date):
            edit.setMinimumDate(_ANY_DAY)
            edit.setDate(_ANY_DAY)

        self.model = RowTableModel[QueueItem](
            [
                Column[QueueItem]("New", lambda i: "New" if self._is_new(i) else ""),
                Column[QueueItem]("Kind", lambda i: i.kind),
                Column[QueueItem]("What", lambda i: i.summary),
                Column[QueueItem]("Officer", lambda i: i.officer),
                Column[QueueItem]("District", lambda i: i.district),
                Column[QueueItem]("Dated", lambda i: i.dated),
                Column[QueueItem]("Arrived", lambda i: i.arrived),
                Column[QueueItem]("Countersign", lambda i: "Countersign" if i.countersign else ""),
                Column[QueueItem]("Earlier decision", lambda i: i.earlier),
            ],
            emphasis=lambda i: i.countersign,
            parent=self,
        )
        self.table.setModel(self.model)
        fit_columns(self.table, 2)
        self.table.activated.connect(
            lambda index: self.open_subject.emit(
                self.model.row_at(index.row()).type, self.model.row_at(index.row()).id
            )
        )
        splitter = child(form, QSplitter, "splitter")
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.table.selectionModel().selectionChanged.connect(self._selection_moved)
        self._open_timer = QTimer(self)
        self._open_timer.setSingleShot(True)
        self._open_timer.setInterval(OPEN_DELAY_MS)
        self._open_timer.timeout.connect(self._open_selected)

        for choice in (self.officer, self.district, self.category):
            choice.changed.connect(self.refresh)
        self.kind.activated.connect(lambda _n: self.refresh())
        for edit in (self.from_date, self.to_date):
            # Typed dates count once typing ends; a day picked in the calendar counts at once.
            edit.editingFinished.connect(self.refresh)
            edit.calendarWidget().clicked.connect(lambda _day: self.refresh())
        self.new_only.toggled.connect(lambda _on: self.refresh())
        child(form, QPushButton, "refreshButton").clicked.connect(self.refresh)
        self.clear_button = child(form, QPushButton, "clearButton")
        self.clear_button.clicked.connect(self.clear_filters)
        for button, decision in (
            (self.approve_button, ReviewDecision.APPROVED),
            (self.countersign_button, ReviewDecision.COUNTERSIGNED),
            (self.return_button, ReviewDecision.RETURNED),
        ):
            if decision.description:
                button.setToolTip(decision.description)
                button.setAccessibleDescription(decision.description)
        self.approve_button.clicked.connect(lambda: self.decide(ReviewDecision.APPROVED))
        self.countersign_button.clicked.connect(lambda: self.decide(ReviewDecision.COUNTERSIGNED))
        self.return_button.clicked.connect(lambda: self.decide(ReviewDecision.RETURNED))
        self.edit_button.clicked.connect(self.edit_open)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(
                QKeySequence(keys),
                self,
                self.approve_open,
                context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
            )
        QShortcut(
            QKeySequence("Ctrl+R"),
            self,
            self.focus_comment,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )

        self.queue: Queue | None = None
        self.detail: ReviewDetail | None = None
        self._looked = False
        #: When the supervisor last looked before this session (what "new" is counted from).
        self._previous_look: str | None = None
        self._new_at_first_look: set[str] = set()
        self._opening: str | None = None
        self._deciding = False
        self._queue = workers.latest(owner=self)
        self._open_call = workers.latest(owner=self)
        self._show_detail(None)

    # Filters -----------------------------------------------------------------------------------

    def wanted(self) -> QueueFilter:
        """The filter as chosen on screen."""

        kind = self.kind.currentData()
        return QueueFilter(
            authors=self.officer.chosen(),
            districts=self.district.chosen(),
            categories=self.category.chosen(),
            types=(RecordType(str(kind)),) if kind else (),
            from_day=_day(self.from_date),
            to_day=_day(self.to_date),
            arrived_after=self._previous_look if self.new_only.isChecked() else None,
        )

    def clear_filters(self) -> None:
        for choice in (self.officer, self.district, self.category):
            choice.blockSignals(True)
            choice.set_chosen(())
            choice.blockSignals(False)
        self.kind.setCurrentIndex(0)
        for edit in (self.from_date, self.to_date):
            edit.setDate(_ANY_DAY)
        self.new_only.blockSignals(True)
        self.new_only.setChecked(False)
        self.new_only.blockSignals(False)
        self.refresh()

    # Loading -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """List the waiting work for the chosen filters, on a worker."""
        wanted = self.wanted()
        first = not self._looked
        self._looked = True
        self._queue.submit(
            lambda: self._review.queue(wanted), lambda q: self._show_queue(wanted, q, first)
        )

    def _show_queue(self, wanted: QueueFilter, queue: Queue, first: bool) -> None:
        if first:
            # Counted from the look before this session; the next session counts from now.
            self._previous_look = queue.last_look
            self._new_at_first_look = {i.id for i in queue.items if i.new}
            self._workers.submit(self._review.mark_looked, lambda _none: None)
        self.queue = queue
        self.officer.set_choices([(name, name) for name in queue.officers])
        self._set_items(list(queue.items), total=queue.total, filtered=wanted != QueueFilter())
        self.loaded.emit()

    def _set_items(self, items: list[QueueItem], *, total: int, filtered: bool) -> None:
        open_id = self.detail.id if self.detail else self._opening
        self.table.selectionModel().blockSignals(True)
        self.model.set_rows(items)
        self.table.selectionModel().blockSignals(False)
        self.count.setText(count_line(len(items), total, filtered=filtered))
        ids = [i.id for i in items]
        if open_id in ids:
            self._select_row(ids.index(open_id))
        elif self.detail is not None:
            self._show_detail(None)

    def _is_new(self, item: QueueItem) -> bool:
        return item.new or item.id in self._new_at_first_look or self.new_only.isChecked()

    # Opening -----------------------------------------------------------------------------------

    def _selection_moved(self) -> None:
        self._open_timer.start()

    def selected(self) -> QueueItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _open_selected(self) -> None:
        item = self.selected()
        if item is None or item.id == self._opening:
            return
        if self.detail is not None and self.detail.id == item.id:
            return
        self.open_item(item)

    def open_item(self, item: QueueItem) -> None:
        """Open one piece of work (a logged consultation), on a worker."""
        self._opening = item.id
        self.detail_title.setText(
            QCoreApplication.translate("ReviewView", "Opening the {0}…").format(item.kind.lower())
        )
        # Latest call wins: if the supervisor moved on while it opened, it is not shown.
        self._open_call.submit(
            lambda: self._review.open(record_type=item.type, record_id=item.id),
            self._opened,
            self._open_failed,
        )

    def _opened(self, detail: ReviewDetail) -> None:
        self._opening = None
        self._show_detail(detail)
        self.opened.emit(detail.id)

    def _open_failed(self, error: Exception) -> None:
        self._opening = None
        self._show_detail(None)
        self._say(describe(error), problem=True)

    def _show_detail(self, detail: ReviewDetail | None) -> None:
        self.detail = detail
        self.comment.clear()
        self._say("")
        self.history.clear()
        if detail is None:
            self.detail_title.setText(
                QCoreApplication.translate(
                    "ReviewView", "Choose a piece of work to open it. Opening it is logged."
                )
            )
            self.detail_text.clear()
        else:
            flag = " · needs your countersignature" if detail.countersign else ""
            self.detail_title.setText(
                QCoreApplication.translate(
                    "ReviewView", "{kind} by {officer}, {district}{flag}"
                ).format(
                    kind=detail.kind, officer=detail.officer, district=detail.district, flag=flag
                )
            )
            self.detail_text.setHtml(detail_html(detail))
            self.history.addItems(list(detail.history) or ["No decisions yet."])
        self._enable_decisions()

    def _enable_decisions(self) -> None:
        offered = () if self.detail is None or self._deciding else self.detail.decisions
        self.approve_button.setEnabled(ReviewDecision.APPROVED in offered)
        self.countersign_button.setEnabled(ReviewDecision.COUNTERSIGNED in offered)
        self.return_button.setEnabled(ReviewDecision.RETURNED in offered)
        self.comment.setEnabled(self.detail is not None)
        self.edit_button.setEnabled(self.detail is not None and not self._deciding)

    def edit_open(self) -> None:
        """Open the work shown in the record editor (the supervisor corrects it themselves)."""
        if self.detail is not None:
            self.edit_record.emit(self.detail.type, self.detail.id)

    # Deciding ----------------------------------------------------------------------------------

    def approve_open(self) -> None:
        """Approve or countersign the open work, whichever it needs (Ctrl+Enter)."""
        if self.detail is None:
            return
        for decision in (ReviewDecision.COUNTERSIGNED, ReviewDecision.APPROVED):
            if decision in self.detail.decisions:
                self.decide(decision)
                return

    def focus_comment(self) -> None:
        """Ctrl+R: write the comment that returns the work."""
        self.comment.setFocus()

    def decide(self, decision: ReviewDecision) -> None:
        """Record a decision about the open work, on a worker; then move to the next item."""
        detail = self.detail
        if detail is None or self._deciding:
            return
        comment = self.comment.toPlainText()
        self._deciding = True
        self._enable_decisions()
        self._say("Saving your decision…")
        self._workers.submit(
            lambda: self._review.decide(
                record_type=detail.type, record_id=detail.id, decision=decision, comment=comment
            ),
            lambda review_id: self._decided(detail, review_id),
            self._decision_failed,
        )

    def _decided(self, detail: ReviewDetail, review_id: str) -> None:
        self._deciding = False
        rows = self.model.rows
        ids = [i.id for i in rows]
        at = ids.index(detail.id) if detail.id in ids else 0
        remaining = [i for i in rows if i.id != detail.id]
        total = max(0, (self.queue.total if self.queue else len(rows)) - 1)
        if self.queue is not None:
            self.queue = Queue(tuple(remaining), total, self.queue.last_look, self.queue.officers)
        self.detail = None
        self._set_items(remaining, total=total, filtered=self.wanted() != QueueFilter())
        self._show_detail(None)
        self.decided.emit(review_id)
        if remaining:
            self._select_row(min(at, len(remaining) - 1))
            self._open_timer.stop()
            self._open_selected()

    def _decision_failed(self, error: Exception) -> None:
        self._deciding = False
        self._enable_decisions()
        words = describe(error)
        self._say(words, problem=True)
        self.refused.emit(words)
        if isinstance(error, ReviewRefused):
            self.comment.setFocus()

    # Small parts -------------------------------------------------------------------------------

    def _select_row(self, row: int) -> None:
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))

    def _say(self, words: str, *, problem: bool = False) -> None:
        self.message.setText(words)
        set_tone(self.message, "problem" if problem else None)

    def focus_list(self) -> None:
        self.table.setFocus()


def _day(edit: QDateEdit) -> date | None:
    chosen = edit.date()
    if chosen == edit.minimumDate():
        return None
    return date(chosen.year(), chosen.month(), chosen.day())
