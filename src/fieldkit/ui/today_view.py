"""The Today screen: supervisor feedback, recent visits, follow-ups, legal clocks, warning
windows and unsynced work."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal, Slot
from PySide6.QtWidgets import (
    QBoxLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldkit.services.asb_cases import ActionEntry, CaseRow
from fieldkit.services.governance import (
    GovernanceService,
    RequestLine,
)
from fieldkit.services.review import FeedbackItem, ReviewService
from fieldkit.services.sync_port import SyncController
from fieldkit.services.today import Deadline, TodayService, TodaySummary
from fieldkit.services.visits import PageCursor, VisitRow, VisitService, cursor_after
from fieldkit.sync.status import SyncStatus
from fieldkit.ui.empty_state import show_when_empty
from fieldkit.ui.loading import child, load_screen
from fieldkit.ui.table_models import Column, PagedTableModel, RowTableModel
from fieldkit.ui.today_presenter import TodayPicture, TodayPresenter, action_subject
from fieldkit.ui.view_helpers import fit_columns
from fieldkit.ui.wording import today_sync_line
from fieldkit.ui.workers import Workers

_DEADLINE_COLUMNS = [
    Column[Deadline]("When", lambda d: d.when_text),
    Column[Deadline]("What", lambda d: d.what),
    Column[Deadline]("About", lambda d: d.subject),
]
_ACTION_COLUMNS = [
    Column[ActionEntry]("Due", lambda a: a.due + (" (overdue)" if a.overdue else "")),
    Column[ActionEntry]("Action", lambda a: a.what),
    Column[ActionEntry]("Case", lambda a: a.about),
    Column[ActionEntry]("Assigned to", lambda a: a.assignee or a.agency),
]


_HIGH_RISK_COLUMNS = [
    Column[CaseRow]("High-risk case", lambda c: c.reference),
    Column[CaseRow]("Title", lambda c: c.title),
    Column[CaseRow]("Owner", lambda c: c.owner),
    Column[CaseRow]("Review", lambda c: c.next_review),
]
_REQUEST_COLUMNS = [
    Column[RequestLine]("Where it stands", lambda r: r.state),
    Column[RequestLine]("Deadline", lambda r: r.deadline),
    Column[RequestLine]("Request", lambda r: r.kind),
    Column[RequestLine]("Person (record id)", lambda r: r.person_id),
    Column[RequestLine]("Restricting", lambda r: "Restricting" if r.restricting else ""),
]
_FEEDBACK_COLUMNS = [
    Column[FeedbackItem]("Decision", lambda f: f.decision),
    Column[FeedbackItem]("About", lambda f: f.what),
    Column[FeedbackItem]("By", lambda f: f.by),
    Column[FeedbackItem]("When", lambda f: f.when),
    Column[FeedbackItem]("Comment", lambda f: f.comment),
]


class TodayView(QWidget):
    """Loads the summary on a worker; the visit list pages in as it scrolls.

    Args:
        review: the supervisor's decisions about this officer's work (none shown if None).
        governance: information governance at the server: a governance user's Today lists
            the open requests from data subjects by deadline (none shown if None).
    """

    open_subject = Signal(str, str)
    #: A piece of work to correct: returned work from the feedback, or one of my visits.
    open_work = Signal(str, str)
    loaded = Signal()
    #: A sync status, from whichever thread the sync runs on (hopped to the GUI thread).
    sync_status_arrived = Signal(object)

    def __init__(
        self,
        today: TodayService,
        visits: VisitService,
        sync: SyncController,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        review: ReviewService | None = None,
        governance: GovernanceService | None = None,
    ) -> None:
        super().__init__(parent)
        self.presenter = TodayPresenter(today, sync, review=review, governance=governance)
        self._sync = sync
        self._workers = workers.owned_by(self)
        self._loading = workers.latest(owner=self)
        form = load_screen("today.ui", self)
        self.greeting = child(form, QLabel, "greetingLabel")
        self.unsynced = child(form, QLabel, "unsyncedLabel")
        self.recent_box_title = child(form, QWidget, "recentBox")
        self.recent_table = child(form, QTableView, "recentTable")
        self.follow_up_table = child(form, QTableView, "followUpTable")
        self.clock_table = child(form, QTableView, "clockTable")
        self.warning_table = child(form, QTableView, "warningTable")
        self.feedback_box = child(form, QWidget, "feedbackBox")
        self.feedback_table = child(form, QTableView, "feedbackTable")
        child(form, QPushButton, "refreshButton").clicked.connect(self.refresh)

        def fetch(after: PageCursor | None, size: int) -> list[VisitRow]:
            rows = visits.visits_page(after=after, limit=size, mine_only=self._mine)
            return rows

        self._mine = True
        self.recent = PagedTableModel[VisitRow, PageCursor](
            [
                Column[VisitRow]("When", lambda v: v.when.strftime("%d/%m/%Y %H:%M")),
                Column[VisitRow]("Where", lambda v: v.place),
                Column[VisitRow]("About", lambda v: v.categories),
                Column[VisitRow]("Narrative", lambda v: v.summary),
            ],
            fetch=fetch,
            cursor=cursor_after,
            workers=workers,
            emphasis=lambda v: v.restricted,
            parent=self,
        )
        self.follow_ups = RowTableModel[Deadline](_DEADLINE_COLUMNS, emphasis=lambda d: d.urgent)
        self.clocks = RowTableModel[Deadline](_DEADLINE_COLUMNS, emphasis=lambda d: d.urgent)
        self.windows = RowTableModel[Deadline](_DEADLINE_COLUMNS, emphasis=lambda d: d.urgent)
        # Returned work comes first (the service sorts it so) and shows in dark red.
        self.feedback = RowTableModel[FeedbackItem](
            _FEEDBACK_COLUMNS, emphasis=lambda f: f.returned
        )
        for table, model, stretch in (
            (self.feedback_table, self.feedback, 4),
            (self.recent_table, self.recent, 3),
            (self.follow_up_table, self.follow_ups, 2),
            (self.clock_table, self.clocks, 1),
            (self.warning_table, self.windows, 1),
        ):
            table.setModel(model)
            fit_columns(table, stretch)
        # An empty list says so, and what to do next.
        for table, words in (
            (self.recent_table, "No visits yet. Press Ctrl+N to log one."),
            (self.follow_up_table, "No follow-ups due — nice."),
            (self.clock_table, "No legal clocks running. Closure steps on a case start them."),
            (self.warning_table, "No warning windows ending soon."),
        ):
            show_when_empty(table, words)
        for table, deadlines in (
            (self.clock_table, self.clocks),
            (self.warning_table, self.windows),
            (self.follow_up_table, self.follow_ups),
        ):
            table.activated.connect(
                lambda index, m=deadlines: self.open_subject.emit(
                    m.row_at(index.row()).subject_type, m.row_at(index.row()).subject_id
                )
            )
        # Returned work (or any decided work) opens straight into its editor; so do my visits.
        self.feedback_table.activated.connect(
            lambda index: self.open_work.emit(
                self.feedback.row_at(index.row()).subject_type,
                self.feedback.row_at(index.row()).subject_id,
            )
        )
        self.recent_table.activated.connect(
            lambda index: self.open_work.emit("visit", self.recent.row_at(index.row()).id)
        )
        self._add_asb_boxes(form)
        self._add_requests_box(form)
        self.summary: TodaySummary | None = None
        # The line about sync reads the same status as the sync bar, as it changes.
        self.sync_status_arrived.connect(self._show_sync)
        self._attached = True
        sync.subscribe(self._sync_arrived)

    def detach(self) -> None:
        """Stop hearing about sync (the screen is going away with the vault)."""
        if self._attached:
            self._sync.unsubscribe(self._sync_arrived)
            self._attached = False

    def _sync_arrived(self, status: SyncStatus) -> None:
        self.sync_status_arrived.emit(status)

    @Slot(object)
    def _show_sync(self, status: SyncStatus) -> None:
        self.unsynced.setText(today_sync_line(status))

    def _add_asb_boxes(self, form: QWidget) -> None:
        """ASB work: my actions (overdue first), high-risk cases, and the team's overdue actions."""
        self.my_actions = RowTableModel[ActionEntry](_ACTION_COLUMNS, emphasis=lambda a: a.overdue)
        self.team_actions = RowTableModel[ActionEntry](_ACTION_COLUMNS, emphasis=lambda a: True)
        self.high_risk = RowTableModel[CaseRow](_HIGH_RISK_COLUMNS, emphasis=lambda c: True)
        self.my_actions_table = QTableView()
        self.team_actions_table = QTableView()
        self.high_risk_table = QTableView()
        self.team_actions_box = QGroupBox(
            QCoreApplication.translate("TodayView", "The team's overdue case actions")
        )
        self.asb_box = QGroupBox(
            QCoreApplication.translate("TodayView", "My case actions and high-risk cases")
        )
        inner = QVBoxLayout(self.asb_box)
        for table, model, stretch in (
            (self.my_actions_table, self.my_actions, 1),
            (self.high_risk_table, self.high_risk, 1),
        ):
            table.setModel(model)
            fit_columns(table, stretch)
            inner.addWidget(table)
        self.team_actions_table.setModel(self.team_actions)
        fit_columns(self.team_actions_table, 1)
        QVBoxLayout(self.team_actions_box).addWidget(self.team_actions_table)
        for table, actions in (
            (self.my_actions_table, self.my_actions),
            (self.team_actions_table, self.team_actions),
        ):
            # A meeting's action without a case opens in the record editor (its outcome).
            table.activated.connect(
                lambda index, m=actions: self.open_subject.emit(
                    *action_subject(m.row_at(index.row()))
                )
            )
        self.high_risk_table.activated.connect(
            lambda index: self.open_subject.emit("asb_case", self.high_risk.row_at(index.row()).id)
        )
        layout = form.layout()
        if layout is not None:
            layout.addWidget(self.asb_box)
            layout.addWidget(self.team_actions_box)
        self.team_actions_box.setVisible(False)

    def _add_requests_box(self, form: QWidget) -> None:
        """Information governance: data subjects' requests by deadline, overdue first."""
        self.requests = RowTableModel[RequestLine](
            _REQUEST_COLUMNS, emphasis=lambda r: r.state_value == "overdue"
        )
        self.requests_box = QGroupBox(
            QCoreApplication.translate("TodayView", "Requests from data subjects")
        )
        self.requests_note = QLabel(self.requests_box)
        self.requests_note.setWordWrap(True)
        self.requests_note.setAccessibleName(
            QCoreApplication.translate("TodayView", "About the requests")
        )
        self.requests_table = QTableView(self.requests_box)
        self.requests_table.setObjectName("requestsTable")
        self.requests_table.setAccessibleName(
            QCoreApplication.translate("TodayView", "Open requests from data subjects by deadline")
        )
        self.requests_table.setModel(self.requests)
        fit_columns(self.requests_table, 1)
        show_when_empty(
            self.requests_table,
            QCoreApplication.translate("TodayView", "No open requests from data subjects."),
        )
        inner = QVBoxLayout(self.requests_box)
        inner.addWidget(self.requests_note)
        inner.addWidget(self.requests_table)
        layout = form.layout()
        if isinstance(layout, QBoxLayout):
            # Deadlines set by law come first on a governance user's day.
            layout.insertWidget(1, self.requests_box)
        self.requests_box.setVisible(False)

    def refresh(self) -> None:
        """Reload everything on a worker (a reload asked for meanwhile replaces this one)."""
        self._loading.submit(self.presenter.load, self._show)

    def _show(self, picture: TodayPicture) -> None:
        summary = picture.summary
        self.requests_box.setVisible(picture.requests_shown)
        self.requests.set_rows(picture.requests)
        self.requests_note.setText(picture.requests_note)
        self.requests_note.setVisible(bool(picture.requests_note))
        self.summary = summary
        self.feedback.set_rows(picture.feedback)
        self.feedback_box.setVisible(picture.feedback_shown)
        self._mine = summary.recent_are_mine
        self.recent_box_title.setProperty("title", picture.recent_title)
        self.recent.reload()
        self.follow_ups.set_rows(summary.follow_ups)
        self.clocks.set_rows(summary.legal_clocks)
        self.windows.set_rows(summary.warning_windows)
        self.my_actions.set_rows(summary.my_actions)
        self.high_risk.set_rows(summary.high_risk_cases)
        self.team_actions.set_rows(summary.team_overdue_actions)
        self.team_actions_box.setVisible(picture.team_actions_shown)
        self._show_sync(picture.status)
        self.loaded.emit()
