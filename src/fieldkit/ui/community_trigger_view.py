"""The Community Trigger screen: record an application, see its threshold and clock, answer it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import escape

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.vocabulary import District
from fieldkit.services.community_trigger import (
    CommunityTriggerService,
    ReportChoice,
    TriggerView,
)
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.people import PeopleService, PersonRow
from fieldkit.ui.person_search import PersonSearch
from fieldkit.ui.view_helpers import ListBesidePane, cap_height, heading, problem_line
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

_DATA = Qt.ItemDataRole.UserRole


class CommunityTriggerView(QWidget):
    """Applications on the left; the new-application form and the chosen one on the right.

    Built in code rather than from a Designer file (listed as debt in docs/app.md).
    """

    recorded = Signal(str)
    changed = Signal(str)
    loaded = Signal()
    #: The outcome letter was made and sent to the printer (or kept, if none): what happened.
    letter_done = Signal(str)

    def __init__(
        self,
        triggers: CommunityTriggerService,
        people: PeopleService,
        workers: Workers,
        *,
        documents: DocumentService | None = None,
        district: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._triggers = triggers
        self._people = people
        self._workers = workers.owned_by(self)
        self._documents = documents
        self.applicant: PersonRow | None = None
        self.current: TriggerView | None = None
        columns = ListBesidePane(self)
        left = columns.left
        left.addWidget(
            heading(
                QCoreApplication.translate(
                    "CommunityTriggerView", "Community Trigger applications"
                ),
                self,
            )
        )
        self.applications = QListWidget(self)
        self.applications.setAccessibleName(
            QCoreApplication.translate("CommunityTriggerView", "Community Trigger applications")
        )
        left.addWidget(self.applications)
        right = columns.pane()

        new = QGroupBox(
            QCoreApplication.translate("CommunityTriggerView", "Record an application"), self
        )
        form = QFormLayout(new)
        self.applicant_search = QLineEdit(self)
        self.applicant_search.setPlaceholderText(
            QCoreApplication.translate("CommunityTriggerView", "Type the applicant's name")
        )
        self.applicant_search.setAccessibleName(
            QCoreApplication.translate("CommunityTriggerView", "Applicant search")
        )
        form.addRow(
            QCoreApplication.translate("CommunityTriggerView", "&Applicant:"), self.applicant_search
        )
        self.applicant_results = QListWidget(self)
        cap_height(self.applicant_results, 90)
        form.addRow(self.applicant_results)
        self.applicant_label = QLabel(
            QCoreApplication.translate("CommunityTriggerView", "No applicant chosen"), self
        )
        form.addRow(self.applicant_label)
        self.received = QDateEdit(QDate.currentDate(), self)
        self.received.setCalendarPopup(True)
        self.received.setDisplayFormat("d MMM yyyy")
        self.received.setAccessibleName(
            QCoreApplication.translate("CommunityTriggerView", "Received on")
        )
        form.addRow(
            QCoreApplication.translate("CommunityTriggerView", "&Received on:"), self.received
        )
        self.account = QPlainTextEdit(self)
        self.account.setPlaceholderText(
            QCoreApplication.translate(
                "CommunityTriggerView", "What the applicant reported, and when"
            )
        )
        self.account.setAccessibleName(
            QCoreApplication.translate("CommunityTriggerView", "Applicant's account")
        )
        cap_height(self.account, 80)
        form.addRow(QCoreApplication.translate("CommunityTriggerView", "A&ccount:"), self.account)
        self.reports = QListWidget(self)
        self.reports.setAccessibleName(
            QCoreApplication.translate("CommunityTriggerView", "Reports relied on")
        )
        cap_height(self.reports, 110)
        form.addRow(QCoreApplication.translate("CommunityTriggerView", "Re&ports:"), self.reports)
        self.district = QComboBox(self)
        for d in District:
            self.district.addItem(d.label, d.value)
        self.district.setCurrentIndex(max(0, self.district.findData(district)))
        form.addRow(QCoreApplication.translate("CommunityTriggerView", "&District:"), self.district)
        self.record_button = QPushButton(
            QCoreApplication.translate("CommunityTriggerView", "Record &application"), self
        )
        form.addRow(self.record_button)
        right.addWidget(new)

        chosen = QGroupBox(
            QCoreApplication.translate("CommunityTriggerView", "The application"), self
        )
        detail = QFormLayout(chosen)
        self.result_label = QLabel(
            QCoreApplication.translate("CommunityTriggerView", "Choose or record an application."),
            self,
        )
        self.result_label.setWordWrap(True)
        self.result_label.setAccessibleName(
            QCoreApplication.translate("CommunityTriggerView", "Threshold and decision due")
        )
        self.result_label.setMinimumHeight(100)
        self.result_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        detail.addRow(self.result_label)
        self.meeting_at = QDateTimeEdit(QDateTime.currentDateTime(), self)
        self.meeting_at.setDisplayFormat("d MMM yyyy HH:mm")
        self.meeting_at.setAccessibleName(
            QCoreApplication.translate("CommunityTriggerView", "Review meeting held at")
        )
        detail.addRow(
            QCoreApplication.translate("CommunityTriggerView", "&Meeting held:"), self.meeting_at
        )
        self.attendees = QLineEdit(self)
        self.attendees.setPlaceholderText(
            QCoreApplication.translate(
                "CommunityTriggerView", "Agencies present, separated by commas"
            )
        )
        detail.addRow(
            QCoreApplication.translate("CommunityTriggerView", "A&ttendees:"), self.attendees
        )
        self.recommendations = QPlainTextEdit(self)
        self.recommendations.setPlaceholderText(
            QCoreApplication.translate("CommunityTriggerView", "One recommendation a line")
        )
        cap_height(self.recommendations, 70)
        detail.addRow(
            QCoreApplication.translate("CommunityTriggerView", "Recommendatio&ns:"),
            self.recommendations,
        )
        self.meeting_button = QPushButton(
            QCoreApplication.translate("CommunityTriggerView", "Record &meeting"), self
        )
        detail.addRow(self.meeting_button)
        self.outcome = QPlainTextEdit(self)
        self.outcome.setPlaceholderText(
            QCoreApplication.translate("CommunityTriggerView", "What the applicant is told")
        )
        cap_height(self.outcome, 70)
        detail.addRow(QCoreApplication.translate("CommunityTriggerView", "&Outcome:"), self.outcome)
        self.outcome_button = QPushButton(
            QCoreApplication.translate("CommunityTriggerView", "Record &outcome sent"), self
        )
        detail.addRow(self.outcome_button)
        self.letter_button = QPushButton(
            QCoreApplication.translate(
                "CommunityTriggerView", "Make and &print the outcome letter"
            ),
            self,
        )
        self.letter_button.setEnabled(False)
        detail.addRow(self.letter_button)
        self.letter_message = QLabel(self)
        self.letter_message.setWordWrap(True)
        detail.addRow(self.letter_message)
        right.addWidget(chosen)
        self.error = problem_line(self)
        right.addWidget(self.error)

        people = self._people
        self.applicant_finder = PersonSearch(
            self.applicant_search,
            self.applicant_results,
            search=lambda text: people.search(text, limit=8),
            workers=workers,
        )
        self.applicant_finder.picked.connect(self.choose_applicant)
        self.applications.itemClicked.connect(lambda item: self.open(str(item.data(_DATA))))
        self.record_button.clicked.connect(self.record)
        self.meeting_button.clicked.connect(self.record_meeting)
        self.outcome_button.clicked.connect(self.record_outcome)
        self.letter_button.clicked.connect(self.print_letter)
        self._set_answerable(False)

    # Lists -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the list of applications (soonest decision first)."""
        self._workers.submit(self._triggers.applications, self._show_applications)

    def _show_applications(self, views: list[TriggerView]) -> None:
        self.applications.clear()
        for view in views:
            item = QListWidgetItem(f"{view.due_text} — {view.applicant} — {view.status_text}")
            item.setData(_DATA, view.id)
            self.applications.addItem(item)
        self.loaded.emit()

    def choose_applicant(self, row: PersonRow) -> None:
        """Take this person as the applicant and offer the visits they were at as reports."""
        self.applicant = row
        self.applicant_label.setText(row.name)
        person_id = row.id
        self._workers.submit(
            lambda: self._triggers.reports_for(person_id=person_id), self._show_reports
        )

    def _show_reports(self, choices: list[ReportChoice]) -> None:
        self.reports.clear()
        for choice in choices:
            item = QListWidgetItem(choice.line)
            item.setData(_DATA, choice.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.reports.addItem(item)

    # Actions ---------------------------------------------------------------------------------

    def record(self) -> None:
        if self.applicant is None:
            self.error.setText(
                QCoreApplication.translate("CommunityTriggerView", "Choose the applicant first.")
            )
            return
        applicant_id = self.applicant.id
        received = self.received.date().toPython()
        assert isinstance(received, date)
        account = self.account.toPlainText()
        visits = [
            str(self.reports.item(i).data(_DATA))
            for i in range(self.reports.count())
            if self.reports.item(i).checkState() == Qt.CheckState.Checked
        ]
        district = str(self.district.currentData())
        self.error.setText("")
        self._workers.submit(
            lambda: self._triggers.record_application(
                applicant_id=applicant_id,
                received_on=received,
                account=account,
                visit_ids=visits,
                district=district,
            ),
            self._recorded,
            self._failed,
        )

    def _recorded(self, view: TriggerView) -> None:
        self.account.clear()
        self._show(view)
        self.recorded.emit(view.id)
        self.refresh()

    def open(self, trigger_id: str) -> None:
        """Show one application."""
        self._workers.submit(lambda: self._triggers.application(trigger_id), self._show)

    def record_meeting(self) -> None:
        if self.current is None:
            return
        trigger_id = self.current.id
        at = self.meeting_at.dateTime().toPython()
        assert isinstance(at, datetime)
        aware = at.astimezone() if at.tzinfo is None else at
        attendees = [a for a in self.attendees.text().split(",") if a.strip()]
        recommendations = self.recommendations.toPlainText().splitlines()
        self._workers.submit(
            lambda: self._triggers.record_meeting(
                trigger_id=trigger_id,
                meeting_at=aware.astimezone(UTC),
                attendees=attendees,
                recommendations=recommendations,
            ),
            self._changed,
            self._failed,
        )

    def record_outcome(self) -> None:
        if self.current is None:
            return
        trigger_id, outcome = self.current.id, self.outcome.toPlainText()
        self._workers.submit(
            lambda: self._triggers.record_outcome(trigger_id=trigger_id, outcome=outcome),
            self._changed,
            self._failed,
        )

    def print_letter(self) -> None:
        """Make the outcome letter, keep it, and send it to the default printer."""
        if self.current is None or self._documents is None:
            return
        trigger_id, documents = self.current.id, self._documents

        def make_and_print() -> str:
            kept = self._triggers.outcome_letter(trigger_id=trigger_id)
            outcome = documents.print_document(kept, printer=None, recipient="applicant")
            return outcome.message

        self._workers.submit(make_and_print, self._letter_done, self._failed)

    def _letter_done(self, message: str) -> None:
        self.letter_message.setText(message)
        self.letter_done.emit(message)

    def _changed(self, view: TriggerView) -> None:
        self._show(view)
        self.changed.emit(view.id)
        self.refresh()

    def _failed(self, exc: Exception) -> None:
        self.error.setText(describe(exc))

    def _show(self, view: TriggerView) -> None:
        self.current = view
        met = "Threshold met" if view.threshold_met else "Threshold not met"
        lines = [
            f"<b>{_esc(view.applicant)}</b> — received {view.received_on:%d %b %Y}",
            f"<b>{met}</b>: {_esc(view.threshold_reason)}",
            f"Decision due to the applicant by <b>{view.due_text}</b>",
            f"Status: {view.status_text}",
        ]
        if view.recommendations:
            lines.append("Recommendations: " + "; ".join(_esc(r) for r in view.recommendations))
        if view.outcome_sent_at is not None:
            lines.append(f"Outcome sent {_when(view.outcome_sent_at)}")
        self.result_label.setText("<br/>".join(lines))
        self._set_answerable(view.outcome_sent_at is None)
        self.letter_button.setEnabled(
            self._documents is not None and bool(view.outcome) and bool(view.recommendations)
        )

    def _set_answerable(self, on: bool) -> None:
        for widget in (self.meeting_button, self.outcome_button):
            widget.setEnabled(on)


def _esc(text: str) -> str:
    return escape(text)


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(LONDON):%d %b %Y %H:%M}"
