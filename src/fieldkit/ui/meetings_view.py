"""The Meetings screen: plan a problem-solving group meeting, its agenda, record it, minute it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.meeting import Agenda, Attendee
from fieldkit.domain.vocabulary import District, LeadAgency
from fieldkit.services.documents_service import KeptDocument
from fieldkit.services.meetings import MeetingRow, MeetingService, MeetingView, NewAction
from fieldkit.ui.view_helpers import ListBesidePane, cap_height, heading, problem_line
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

_DATA = Qt.ItemDataRole.UserRole


def _tr(text: str) -> str:
    return QCoreApplication.translate("MeetingsView", text)


class MeetingsView(QWidget):
    """Meetings on the left with the plan form; the chosen meeting on the right.

    Built in code rather than from a Designer file (listed as debt in docs/app.md).
    """

    loaded = Signal()
    #: A meeting was planned or changed (its id).
    changed = Signal(str)
    #: The agenda of the meeting on show was (re)built from the live picture.
    agenda_shown = Signal()
    #: Minutes were made and kept (the document's id).
    minutes_made = Signal(str)

    def __init__(
        self,
        meetings: MeetingService,
        workers: Workers,
        *,
        district: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._meetings = meetings
        self._workers = workers.owned_by(self)
        self.current: MeetingView | None = None
        self.agenda: Agenda | None = None
        self._pending: list[NewAction] = []
        columns = ListBesidePane(self)
        left = columns.left
        left.addWidget(heading(_tr("Problem-solving group meetings"), self))
        self.list = QListWidget(self)
        self.list.setAccessibleName(_tr("Meetings"))
        left.addWidget(self.list, 1)
        plan = QGroupBox(_tr("Plan a meeting"), self)
        plan_form = QFormLayout(plan)
        self.district = QComboBox(self)
        for d in District:
            self.district.addItem(d.label, d.value)
        self.district.setCurrentIndex(max(0, self.district.findData(district)))
        self.district.setAccessibleName(_tr("District"))
        plan_form.addRow(_tr("&District:"), self.district)
        self.held_on = QDateEdit(QDate.currentDate(), self)
        self.held_on.setCalendarPopup(True)
        self.held_on.setDisplayFormat("d MMM yyyy")
        self.held_on.setAccessibleName(_tr("Meeting date"))
        plan_form.addRow(_tr("D&ate:"), self.held_on)
        self.chair = QLineEdit(self)
        self.chair.setPlaceholderText(_tr("Who chairs it (you, if left empty)"))
        self.chair.setAccessibleName(_tr("Chair"))
        plan_form.addRow(_tr("C&hair:"), self.chair)
        self.plan_button = QPushButton(_tr("&Plan meeting"), self)
        plan_form.addRow(self.plan_button)
        left.addWidget(plan)
        right = columns.pane()

        self.title = QLabel(_tr("Choose or plan a meeting."), self)
        self.title.setWordWrap(True)
        self.title.setAccessibleName(_tr("Meeting"))
        right.addWidget(self.title)
        agenda_box = QGroupBox(_tr("Agenda"), self)
        agenda_layout = QVBoxLayout(agenda_box)
        self.agenda_list = QListWidget(self)
        self.agenda_list.setAccessibleName(_tr("Agenda"))
        self.agenda_list.setMinimumHeight(160)
        agenda_layout.addWidget(self.agenda_list)
        right.addWidget(agenda_box)

        attend_box = QGroupBox(_tr("Attendees"), self)
        attend = QFormLayout(attend_box)
        self.attendees = QListWidget(self)
        self.attendees.setAccessibleName(_tr("Attendees"))
        cap_height(self.attendees, 110)
        attend.addRow(self.attendees)
        self.attendee_name = QLineEdit(self)
        self.attendee_name.setAccessibleName(_tr("Attendee's name"))
        attend.addRow(_tr("&Name:"), self.attendee_name)
        self.attendee_agency = QComboBox(self)
        self.attendee_agency.setEditable(True)
        for agency in LeadAgency:
            if agency is not LeadAgency.OTHER:
                self.attendee_agency.addItem(agency.label, agency.label)
        self.attendee_agency.setAccessibleName(_tr("Attendee's agency"))
        attend.addRow(_tr("A&gency:"), self.attendee_agency)
        buttons = QHBoxLayout()
        self.add_attendee_button = QPushButton(_tr("Add a&ttendee"), self)
        self.remove_attendee_button = QPushButton(_tr("Remove attendee"), self)
        buttons.addWidget(self.add_attendee_button)
        buttons.addWidget(self.remove_attendee_button)
        attend.addRow(buttons)
        right.addWidget(attend_box)

        decide_box = QGroupBox(_tr("Decisions and actions"), self)
        decide = QFormLayout(decide_box)
        self.decisions = QListWidget(self)
        self.decisions.setAccessibleName(_tr("Decisions and actions"))
        self.decisions.setMinimumHeight(110)
        decide.addRow(self.decisions)
        self.decision = QPlainTextEdit(self)
        self.decision.setPlaceholderText(_tr("What the meeting decided"))
        self.decision.setAccessibleName(_tr("Decision"))
        self.decision.setTabChangesFocus(True)
        cap_height(self.decision, 60)
        decide.addRow(_tr("D&ecision:"), self.decision)
        self.action_what = QLineEdit(self)
        self.action_what.setAccessibleName(_tr("Action"))
        self.action_what.setPlaceholderText(_tr("What is to be done"))
        decide.addRow(_tr("Ac&tion:"), self.action_what)
        self.action_assignee = QLineEdit(self)
        self.action_assignee.setAccessibleName(_tr("Assigned to user"))
        self.action_assignee.setPlaceholderText(_tr("User name (it shows on their Today)"))
        decide.addRow(_tr("&User:"), self.action_assignee)
        self.action_agency = QLineEdit(self)
        self.action_agency.setAccessibleName(_tr("Assigned to agency"))
        decide.addRow(_tr("Agenc&y:"), self.action_agency)
        due_row = QHBoxLayout()
        self.action_has_due = QCheckBox(_tr("Due b&y"), self)
        self.action_has_due.setChecked(True)
        self.action_due = QDateEdit(QDate.currentDate().addDays(14), self)
        self.action_due.setCalendarPopup(True)
        self.action_due.setDisplayFormat("d MMM yyyy")
        self.action_due.setAccessibleName(_tr("Action due by"))
        due_row.addWidget(self.action_has_due)
        due_row.addWidget(self.action_due, 1)
        decide.addRow(due_row)
        self.add_action_button = QPushButton(_tr("Add action to the decision"), self)
        decide.addRow(self.add_action_button)
        self.pending = QListWidget(self)
        self.pending.setAccessibleName(_tr("Actions for this decision"))
        cap_height(self.pending, 70)
        decide.addRow(self.pending)
        self.decide_button = QPushButton(_tr("&Record decision"), self)
        decide.addRow(self.decide_button)
        right.addWidget(decide_box)

        finish = QHBoxLayout()
        self.held_button = QPushButton(_tr("&Mark held"), self)
        self.minutes_button = QPushButton(_tr("Make min&utes"), self)
        finish.addWidget(self.held_button)
        finish.addWidget(self.minutes_button)
        right.addLayout(finish)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setAccessibleName(_tr("What happened"))
        right.addWidget(self.message)
        self.error = problem_line(self)
        self.error.setAccessibleName(_tr("Problem"))
        right.addWidget(self.error)

        self.list.itemActivated.connect(lambda item: self.open(str(item.data(_DATA))))
        self.list.itemClicked.connect(lambda item: self.open(str(item.data(_DATA))))
        self.plan_button.clicked.connect(self.plan)
        self.add_attendee_button.clicked.connect(self.add_attendee)
        self.attendee_name.returnPressed.connect(self.add_attendee)
        self.remove_attendee_button.clicked.connect(self.remove_attendee)
        self.add_action_button.clicked.connect(self.add_action)
        self.action_what.returnPressed.connect(self.add_action)
        self.action_has_due.toggled.connect(self.action_due.setEnabled)
        self.decide_button.clicked.connect(self.record_decision)
        self.held_button.clicked.connect(self.mark_held)
        self.minutes_button.clicked.connect(self.make_minutes)
        self._set_enabled()

    # Lists -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the meetings, and the one on show."""
        self._workers.submit(self._meetings.meetings, self._show_list)
        if self.current is not None:
            self.open(self.current.id)

    def _show_list(self, rows: list[MeetingRow]) -> None:
        self.list.clear()
        for found in rows:
            item = QListWidgetItem(f"{found.title} — {found.status}")
            item.setData(_DATA, found.id)
            self.list.addItem(item)
        self.loaded.emit()

    def open(self, meeting_id: str) -> None:
        """Show one meeting (a planned one with its agenda from the live picture)."""
        self._workers.submit(lambda: self._meetings.meeting(meeting_id), self._show, self._failed)

    # Actions ---------------------------------------------------------------------------------

    def plan(self) -> None:
        district = str(self.district.currentData())
        held_on = self.held_on.date().toPython()
        assert isinstance(held_on, date)
        chair = self.chair.text()
        self._run(lambda: self._meetings.plan(district=district, held_on=held_on, chair=chair))

    def add_attendee(self) -> None:
        if self.current is None or not self.attendee_name.text().strip():
            return
        attendees = [*self.current.attendees]
        attendees.append(Attendee(self.attendee_name.text(), self.attendee_agency.currentText()))
        meeting_id = self.current.id
        self.attendee_name.clear()
        self._run(
            lambda: self._meetings.record_attendees(meeting_id=meeting_id, attendees=attendees)
        )
        self.attendee_name.setFocus()

    def remove_attendee(self) -> None:
        row = self.attendees.currentRow()
        if self.current is None or row < 0:
            return
        attendees = [a for n, a in enumerate(self.current.attendees) if n != row]
        meeting_id = self.current.id
        self._run(
            lambda: self._meetings.record_attendees(meeting_id=meeting_id, attendees=attendees)
        )

    def add_action(self) -> None:
        """Queue an action for the decision being written (saved with it)."""
        what = self.action_what.text().strip()
        if not what:
            return
        due = self.action_due.date().toPython() if self.action_has_due.isChecked() else None
        assert due is None or isinstance(due, date)
        action = NewAction(what, self.action_assignee.text(), self.action_agency.text(), due)
        self._pending.append(action)
        who = " / ".join(w for w in (action.assignee.strip(), action.agency.strip()) if w)
        self.pending.addItem(f"{what} — {who}")
        self.action_what.clear()
        self.action_what.setFocus()

    def record_decision(self) -> None:
        if self.current is None:
            return
        meeting_id, text, actions = self.current.id, self.decision.toPlainText(), [*self._pending]
        self._run(
            lambda: self._meetings.add_decision(
                meeting_id=meeting_id, decision=text, actions=actions
            ),
            then=self._decided,
        )

    def mark_held(self) -> None:
        if self.current is None:
            return
        meeting_id = self.current.id
        self._run(lambda: self._meetings.mark_held(meeting_id=meeting_id))

    def make_minutes(self) -> None:
        if self.current is None:
            return
        meeting_id = self.current.id
        self.error.setText("")
        self._workers.submit(
            lambda: self._meetings.minutes(meeting_id=meeting_id), self._minutes, self._failed
        )

    # Results ---------------------------------------------------------------------------------

    def _run(
        self, work: Callable[[], MeetingView], *, then: Callable[[], None] | None = None
    ) -> None:
        self.error.setText("")

        def done(view: MeetingView) -> None:
            if then is not None:
                then()
            self._show(view)
            self.changed.emit(view.id)
            self._workers.submit(self._meetings.meetings, self._show_list)

        self._workers.submit(work, done, self._failed)

    def _decided(self) -> None:
        self.decision.clear()
        self._pending.clear()
        self.pending.clear()

    def _minutes(self, kept: KeptDocument) -> None:
        self.message.setText(
            _tr("Minutes made and kept with the meeting ({pages} pages).").format(
                pages=kept.page_count
            )
        )
        self.minutes_made.emit(kept.id)

    def _failed(self, exc: Exception) -> None:
        self.error.setText(describe(exc))

    def _show(self, view: MeetingView) -> None:
        self.current = view
        status = view.status.label
        self.title.setText(
            _tr("<b>{title}</b> — {status}; chair: {chair}").format(
                title=view.title, status=status, chair=view.chair
            )
        )
        self.attendees.clear()
        for attendee in view.attendees:
            self.attendees.addItem(attendee.line)
        self.decisions.clear()
        for number, decision in enumerate(view.decisions, start=1):
            self.decisions.addItem(f"{number}. {decision}")
            for action in view.actions_for(decision):
                self.decisions.addItem(f"    → {action.line}")
        self._set_enabled()
        if view.held:
            self._show_lines(view.agenda_items)
            self.agenda_shown.emit()
        else:
            meeting_id = view.id
            self._workers.submit(
                lambda: self._meetings.agenda(meeting_id=meeting_id),
                self._show_agenda,
                self._failed,
            )

    def _show_agenda(self, agenda: Agenda) -> None:
        self.agenda = agenda
        self.agenda_list.clear()
        for section, items in agenda.sections:
            header = QListWidgetItem(section.label)
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.agenda_list.addItem(header)
            if not items:
                self.agenda_list.addItem("    " + _tr("Nothing to discuss."))
            for item in items:
                self.agenda_list.addItem(f"    {item.text}")
        self.agenda_shown.emit()

    def _show_lines(self, lines: tuple[str, ...]) -> None:
        self.agenda_list.clear()
        for line in lines:
            self.agenda_list.addItem(line)

    def _set_enabled(self) -> None:
        chosen = self.current is not None
        held = self.current is not None and self.current.held
        for widget in (
            self.add_attendee_button,
            self.remove_attendee_button,
            self.add_action_button,
            self.decide_button,
        ):
            widget.setEnabled(chosen)
        self.held_button.setEnabled(chosen and not held)
        self.minutes_button.setEnabled(held)
