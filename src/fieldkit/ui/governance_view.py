"""The Governance screen: records due for a retention decision, rights requests, subject access.

Everything on it is done at the server; offline, it says plainly that it needs the server.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.records import RecordType
from fieldkit.services.governance import (
    DecisionError,
    DueLine,
    GovernanceRefused,
    GovernanceService,
    KeptSubjectAccess,
    NeedsServer,
    RequestLine,
    check_decision,
    due_lines,
    request_lines,
)
from fieldkit.sync.governance import Applied, DueList, RightsRequest
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.theme import set_tone
from fieldkit.ui.today_view import fit_columns
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

#: The decisions the form offers: (value sent, words shown).
DECISIONS = (("keep", "Keep"), ("anonymise", "Anonymise"), ("erase", "Erase"))


def _type_words(value: str) -> str:
    try:
        return RecordType(value).label
    except ValueError:
        return value


def problem_words(error: Exception) -> str:
    """What went wrong, for the governance user (the service's own words where it has them)."""
    if isinstance(error, (NeedsServer, GovernanceRefused, DecisionError)):
        return str(error)
    return describe(error)


def applied_words(applied: Applied) -> str:
    """What the server did with a decision."""
    if applied.erased:
        return "Erased. Every laptop drops the record at its next sync."
    if applied.anonymised:
        return "Anonymised. Every laptop drops the original at its next sync."
    return "Kept until its review date."


class GovernanceView(QWidget):
    """The governance user's screen (listed only for the governance role).

    Args:
        governance: the governance service (calls the server).
        workers: runs service calls off the GUI thread.
        today: today's date (tests pass their own).
    """

    loaded = Signal()
    #: A decision was applied at the server (the record's id).
    decided = Signal(str)
    #: A subject access PDF was kept in the vault (its document id).
    subject_access_kept = Signal(str)

    def __init__(
        self,
        governance: GovernanceService,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = governance
        self._workers = workers
        self._today = today
        root = QVBoxLayout(self)

        self.message = QLabel(self)
        self.message.setObjectName("messageLabel")
        self.message.setWordWrap(True)
        self.message.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Governance status")
        )
        root.addWidget(self.message)

        due_box = QGroupBox(
            QCoreApplication.translate("GovernanceView", "Records due for a retention decision"),
            self,
        )
        due_layout = QVBoxLayout(due_box)
        as_of_row = QHBoxLayout()
        self.as_of = QLineEdit(due_box)
        self.as_of.setPlaceholderText(
            QCoreApplication.translate("GovernanceView", "YYYY-MM-DD (today if empty)")
        )
        self.as_of.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Due on or before")
        )
        as_of_label = QLabel(
            QCoreApplication.translate("GovernanceView", "Due on or &before"), due_box
        )
        as_of_label.setBuddy(self.as_of)
        self.refresh_button = QPushButton(
            QCoreApplication.translate("GovernanceView", "&Refresh"), due_box
        )
        self.refresh_button.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Refresh the due list and requests")
        )
        as_of_row.addWidget(as_of_label)
        as_of_row.addWidget(self.as_of)
        as_of_row.addWidget(self.refresh_button)
        due_layout.addLayout(as_of_row)
        self.due_model = RowTableModel[DueLine](
            [
                Column[DueLine]("Record", lambda d: _type_words(d.type)),
                Column[DueLine]("Due", lambda d: d.due),
                Column[DueLine]("Rule", lambda d: d.rule),
                Column[DueLine]("Expected", lambda d: d.action),
                Column[DueLine]("Regime", lambda d: d.regime),
            ]
        )
        self.due_table = QTableView(due_box)
        self.due_table.setObjectName("dueTable")
        self.due_table.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Records due for a decision")
        )
        self.due_table.setModel(self.due_model)
        self.due_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.due_table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        due_layout.addWidget(self.due_table)
        form = QFormLayout()
        self.decision = QComboBox(due_box)
        for value, words in DECISIONS:
            self.decision.addItem(words, value)
        self.decision.setAccessibleName(QCoreApplication.translate("GovernanceView", "Decision"))
        self.reason = QLineEdit(due_box)
        self.reason.setAccessibleName(QCoreApplication.translate("GovernanceView", "Reason"))
        self.review_on = QLineEdit(due_box)
        self.review_on.setPlaceholderText(
            QCoreApplication.translate("GovernanceView", "YYYY-MM-DD, to keep")
        )
        self.review_on.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Review date")
        )
        form.addRow(QCoreApplication.translate("GovernanceView", "&Decision"), self.decision)
        form.addRow(QCoreApplication.translate("GovernanceView", "Rea&son"), self.reason)
        form.addRow(QCoreApplication.translate("GovernanceView", "Re&view on"), self.review_on)
        due_layout.addLayout(form)
        self.decide_button = QPushButton(
            QCoreApplication.translate("GovernanceView", "Record &decision"), due_box
        )
        self.decide_button.setAccessibleName(
            QCoreApplication.translate(
                "GovernanceView", "Record the decision for the selected record"
            )
        )
        due_layout.addWidget(self.decide_button)
        root.addWidget(due_box)

        requests_box = QGroupBox(
            QCoreApplication.translate("GovernanceView", "Requests from data subjects"), self
        )
        requests_layout = QVBoxLayout(requests_box)
        self.request_model = RowTableModel[RequestLine](
            [
                Column[RequestLine]("Where it stands", lambda r: r.state),
                Column[RequestLine]("Deadline", lambda r: r.deadline),
                Column[RequestLine]("Request", lambda r: r.kind),
                Column[RequestLine](
                    "Restricting", lambda r: "Restricting" if r.restricting else ""
                ),
            ]
        )
        self.request_table = QTableView(requests_box)
        self.request_table.setObjectName("requestTable")
        self.request_table.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Open requests by deadline")
        )
        self.request_table.setModel(self.request_model)
        self.request_table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        requests_layout.addWidget(self.request_table)
        root.addWidget(requests_box)

        access_box = QGroupBox(
            QCoreApplication.translate("GovernanceView", "Start a subject access"), self
        )
        access_layout = QHBoxLayout(access_box)
        self.person_id = QLineEdit(access_box)
        self.person_id.setPlaceholderText(
            QCoreApplication.translate("GovernanceView", "The person's record id")
        )
        self.person_id.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Person's record id")
        )
        person_label = QLabel(QCoreApplication.translate("GovernanceView", "&Person"), access_box)
        person_label.setBuddy(self.person_id)
        self.access_button = QPushButton(
            QCoreApplication.translate("GovernanceView", "Start subject &access"), access_box
        )
        self.access_button.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Start a partnership subject access")
        )
        access_layout.addWidget(person_label)
        access_layout.addWidget(self.person_id)
        access_layout.addWidget(self.access_button)
        root.addWidget(access_box)

        self.refresh_button.clicked.connect(self.refresh)
        self.decide_button.clicked.connect(self.decide)
        self.access_button.clicked.connect(self.start_subject_access)
        self.as_of.returnPressed.connect(self.refresh)
        self.person_id.returnPressed.connect(self.start_subject_access)

    # Loading ---------------------------------------------------------------------------------

    def _day(self) -> date:
        return self._today or date.today()

    def refresh(self) -> None:
        """Fetch the due list and the open requests from the server."""
        text = self.as_of.text().strip()
        try:
            as_of = date.fromisoformat(text) if text else None
        except ValueError:
            self._say("Give the date as YYYY-MM-DD.", "problem")
            return
        service = self._service

        def fetch() -> tuple[DueList, list[RightsRequest]]:
            return service.due(as_of=as_of), service.requests()

        self._say("Asking the server…", "busy")
        self._workers.submit(fetch, self._show, self._failed)

    def _show(self, fetched: tuple[DueList, list[RightsRequest]]) -> None:
        due, requests = fetched
        self.due_model.set_rows(due_lines(due))
        self.request_model.set_rows(request_lines(requests))
        fit_columns(self.due_table, 2)
        fit_columns(self.request_table, 1)
        count = len(due.items)
        self._say(
            f"{count} record{'s' if count != 1 else ''} due; "
            f"{len(requests)} open request{'s' if len(requests) != 1 else ''}.",
            None,
        )
        self.loaded.emit()

    def _failed(self, error: Exception) -> None:
        self._say(problem_words(error), "problem")
        self.loaded.emit()

    def _say(self, text: str, tone: str | None) -> None:
        self.message.setText(text)
        set_tone(self.message, tone)

    # Deciding --------------------------------------------------------------------------------

    def selected_due(self) -> DueLine | None:
        """The due record selected in the list, if any."""
        index = self.due_table.currentIndex()
        if not index.isValid():
            return None
        return self.due_model.row_at(index.row())

    def decide(self) -> None:
        """Send the decision form's decision for the selected record."""
        item = self.selected_due()
        if item is None:
            self._say("Choose a record in the due list first.", "problem")
            return
        try:
            decision, reason, review_on = check_decision(
                decision=str(self.decision.currentData()),
                reason=self.reason.text(),
                review_on=self.review_on.text(),
                today=self._day(),
            )
        except DecisionError as exc:
            self._say(str(exc), "problem")
            return
        service = self._service

        def send() -> Applied:
            return service.decide(
                record_type=item.type,
                record_id=item.id,
                decision=decision,
                reason=reason,
                review_on=review_on,
            )

        def done(applied: Applied) -> None:
            self.reason.clear()
            self.review_on.clear()
            self.decided.emit(item.id)
            self.refresh()
            self._say(applied_words(applied), "good")

        self._say("Sending the decision…", "busy")
        self._workers.submit(send, done, self._failed)

    # Subject access --------------------------------------------------------------------------

    def start_subject_access(self) -> None:
        """Ask the server for a partnership subject access; keep its PDF in the vault."""
        person = self.person_id.text().strip()
        if not person:
            self._say("Give the person's record id.", "problem")
            return
        service = self._service

        def done(kept: KeptSubjectAccess) -> None:
            self.person_id.clear()
            self._say(
                f"Subject access {kept.reference}: {kept.records} records, kept in the "
                "document list of this laptop.",
                "good",
            )
            self.subject_access_kept.emit(kept.document_id)

        self._say("Preparing the subject access at the server…", "busy")
        self._workers.submit(lambda: service.subject_access(person_id=person), done, self._failed)
