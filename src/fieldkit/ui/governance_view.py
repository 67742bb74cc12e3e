"""The Governance screen: records due for a retention decision, rights requests, subject access.

Everything on it is done at the server; offline, it says plainly that it needs the server.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.records import RecordType
from fieldkit.domain.rights_requests import RequestKind, RequestState
from fieldkit.services.governance import (
    DecisionError,
    DueLine,
    GovernanceRefused,
    GovernanceService,
    KeptSubjectAccess,
    NeedsServer,
    RequestFormError,
    RequestLine,
    check_answer,
    check_decision,
    check_extension,
    check_new_request,
    due_lines,
    request_lines,
)
from fieldkit.sync.governance import Applied, DueList, RightsRequest
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.theme import set_tone
from fieldkit.ui.view_helpers import cap_height, field_with_button, fit_columns, row_table
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
    if isinstance(error, (NeedsServer, GovernanceRefused, DecisionError, RequestFormError)):
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
    #: A request was added, extended, answered or lifted at the server (its id).
    request_changed = Signal(str)

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
        self._workers = workers.owned_by(self)
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
                Column[RequestLine]("Person (record id)", lambda r: r.person_id),
                Column[RequestLine](
                    "Restricting", lambda r: "Restricting" if r.restricting else ""
                ),
            ]
        )
        self.request_table = row_table(
            self.request_model,
            QCoreApplication.translate("GovernanceView", "Open requests by deadline"),
            parent=requests_box,
        )
        self.request_table.setObjectName("requestTable")
        requests_layout.addWidget(self.request_table)
        self._add_request_forms(requests_box, requests_layout)
        root.addWidget(requests_box)

        access_box = QGroupBox(
            QCoreApplication.translate("GovernanceView", "Start a subject access"), self
        )
        access_layout = QHBoxLayout(access_box)
        access = field_with_button(
            access_box,
            label=QCoreApplication.translate("GovernanceView", "&Person"),
            placeholder=QCoreApplication.translate("GovernanceView", "The person's record id"),
            name=QCoreApplication.translate("GovernanceView", "Person's record id"),
            button=QCoreApplication.translate("GovernanceView", "Start subject &access"),
            button_name=QCoreApplication.translate(
                "GovernanceView", "Start a partnership subject access"
            ),
        )
        self.person_id, self.access_button = access.edit, access.button
        access_layout.addWidget(access.label)
        access_layout.addLayout(access.row)
        root.addWidget(access_box)

        self.refresh_button.clicked.connect(self.refresh)
        self.decide_button.clicked.connect(self.decide)
        self.access_button.clicked.connect(self.start_subject_access)
        self.as_of.returnPressed.connect(self.refresh)
        self.person_id.returnPressed.connect(self.start_subject_access)

    def _add_request_forms(self, box: QWidget, layout: QVBoxLayout) -> None:
        """The forms under the request list: add one; extend, answer or lift the selected one."""

        add_box = QGroupBox(QCoreApplication.translate("GovernanceView", "Add a request"), box)
        add_form = QFormLayout(add_box)
        self.request_kind = QComboBox(add_box)
        for kind in RequestKind:
            self.request_kind.addItem(
                QCoreApplication.translate("GovernanceView", kind.label), kind.value
            )
        self.request_kind.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Kind of request")
        )
        self.request_person = QLineEdit(add_box)
        self.request_person.setPlaceholderText(
            QCoreApplication.translate("GovernanceView", "The person's record id")
        )
        self.request_person.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Person the request is about (record id)")
        )
        self.request_received = QLineEdit(add_box)
        self.request_received.setPlaceholderText(
            QCoreApplication.translate("GovernanceView", "YYYY-MM-DD (today if empty)")
        )
        self.request_received.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Day the request was received")
        )
        self.request_detail = QPlainTextEdit(add_box)
        self.request_detail.setTabChangesFocus(True)
        self.request_detail.setPlaceholderText(
            QCoreApplication.translate(
                "GovernanceView",
                "Who asked, and what they ask for or dispute (needed for a rectification)",
            )
        )
        self.request_detail.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Who asked and what they dispute")
        )
        cap_height(self.request_detail, self.fontMetrics().height() * 4)
        add_form.addRow(
            QCoreApplication.translate("GovernanceView", "Request t&ype"), self.request_kind
        )
        add_form.addRow(
            QCoreApplication.translate("GovernanceView", "Person's record &id"), self.request_person
        )
        add_form.addRow(
            QCoreApplication.translate("GovernanceView", "Received o&n"), self.request_received
        )
        add_form.addRow(
            QCoreApplication.translate("GovernanceView", "What is as&ked or disputed"),
            self.request_detail,
        )
        self.add_request_button = QPushButton(
            QCoreApplication.translate("GovernanceView", "Add re&quest"), add_box
        )
        self.add_request_button.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Add the request")
        )
        add_form.addRow(self.add_request_button)
        layout.addWidget(add_box)

        act_box = QGroupBox(
            QCoreApplication.translate("GovernanceView", "The selected request"), box
        )
        act_form = QFormLayout(act_box)
        # A row of two controls has no buddy of its own: the label names the reason field.
        extend = field_with_button(
            act_box,
            label=QCoreApplication.translate("GovernanceView", "&Extension reason"),
            placeholder=QCoreApplication.translate(
                "GovernanceView", "Why the request is complex (required)"
            ),
            name=QCoreApplication.translate("GovernanceView", "Reason for extending the deadline"),
            button=QCoreApplication.translate("GovernanceView", "E&xtend by two months"),
            button_name=QCoreApplication.translate(
                "GovernanceView", "Extend the selected request by two months"
            ),
        )
        self.extend_reason, self.extend_button = extend.edit, extend.button
        act_form.addRow(extend.label, extend.row)
        self.answer_text = QPlainTextEdit(act_box)
        self.answer_text.setTabChangesFocus(True)
        self.answer_text.setPlaceholderText(
            QCoreApplication.translate("GovernanceView", "The decision, as told to the person")
        )
        self.answer_text.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Decision on the selected request")
        )
        cap_height(self.answer_text, self.fontMetrics().height() * 4)
        act_form.addRow(
            QCoreApplication.translate("GovernanceView", "&The decision"), self.answer_text
        )
        self.restrict = QCheckBox(
            QCoreApplication.translate(
                "GovernanceView", "Restri&ct processing of the person's records"
            ),
            act_box,
        )
        self.restrict.setAccessibleName(
            QCoreApplication.translate(
                "GovernanceView", "Restrict processing of the person's records"
            )
        )
        act_form.addRow(self.restrict)
        buttons = QHBoxLayout()
        self.answer_button = QPushButton(
            QCoreApplication.translate("GovernanceView", "Ans&wer the request"), act_box
        )
        self.answer_button.setAccessibleName(
            QCoreApplication.translate(
                "GovernanceView", "Record the answer to the selected request"
            )
        )
        self.lift_button = QPushButton(
            QCoreApplication.translate("GovernanceView", "&Lift the restriction"), act_box
        )
        self.lift_button.setAccessibleName(
            QCoreApplication.translate("GovernanceView", "Lift the selected request's restriction")
        )
        buttons.addWidget(self.answer_button)
        buttons.addWidget(self.lift_button)
        act_form.addRow(buttons)
        layout.addWidget(act_box)

        self.add_request_button.clicked.connect(self.add_request)
        self.extend_button.clicked.connect(self.extend_request)
        self.extend_reason.returnPressed.connect(self.extend_request)
        self.answer_button.clicked.connect(self.answer_request)
        self.lift_button.clicked.connect(self.lift_request)

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
            # Answered requests still restricting stay listed: their restriction is lifted here.
            found = service.requests(open_only=False)
            shown = [r for r in found if r.state != RequestState.ANSWERED or r.restricting]
            return service.due(as_of=as_of), shown

        self._say("Asking the server…", "busy")
        self._workers.submit(fetch, self._show, self._failed)

    def _show(self, fetched: tuple[DueList, list[RightsRequest]]) -> None:
        due, requests = fetched
        self.due_model.set_rows(due_lines(due))
        self.request_model.set_rows(request_lines(requests))
        fit_columns(self.due_table, 2)
        fit_columns(self.request_table, 1)
        count = len(due.items)
        waiting = sum(r.state != RequestState.ANSWERED for r in requests)
        self._say(
            f"{count} record{'s' if count != 1 else ''} due; "
            f"{waiting} open request{'s' if waiting != 1 else ''}.",
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

    # Requests --------------------------------------------------------------------------------

    def selected_request(self) -> RequestLine | None:
        """The request selected in the list, if any."""
        index = self.request_table.currentIndex()
        if not index.isValid():
            return None
        return self.request_model.row_at(index.row())

    def _tr(self, text: str) -> str:
        return QCoreApplication.translate("GovernanceView", text)

    def _send_request(self, work: Callable[[], RightsRequest], words: str) -> None:
        def done(request: RightsRequest) -> None:
            self.request_changed.emit(request.id)
            self.refresh()
            self._say(words, "good")

        self._say(QCoreApplication.translate("GovernanceView", "Sending to the server…"), "busy")
        self._workers.submit(work, done, self._failed)

    def add_request(self) -> None:
        """Record a data subject's request at the server (checked here first)."""
        try:
            new = check_new_request(
                kind=str(self.request_kind.currentData()),
                person_id=self.request_person.text(),
                received=self.request_received.text(),
                detail=self.request_detail.toPlainText(),
                today=self._day(),
            )
        except RequestFormError as exc:
            self._say(self._tr(str(exc)), "problem")
            return
        service = self._service

        def send() -> RightsRequest:
            return service.add_request(
                kind=new.kind, person_id=new.person_id, received=new.received, detail=new.detail
            )

        self.request_person.clear()
        self.request_received.clear()
        self.request_detail.clear()
        self._send_request(
            send,
            QCoreApplication.translate(
                "GovernanceView", "Request added; its deadline is on the list."
            ),
        )

    def extend_request(self) -> None:
        """Extend the selected request by two months, giving the reason."""
        request = self.selected_request()
        if request is None:
            self._say(
                QCoreApplication.translate("GovernanceView", "Choose a request in the list first."),
                "problem",
            )
            return
        try:
            reason = check_extension(self.extend_reason.text())
        except RequestFormError as exc:
            self._say(self._tr(str(exc)), "problem")
            return
        service = self._service
        self.extend_reason.clear()
        self._send_request(
            lambda: service.extend_request(request_id=request.id, reason=reason),
            QCoreApplication.translate("GovernanceView", "Deadline extended by two months."),
        )

    def answer_request(self) -> None:
        """Record the answer to the selected request (and, for a restriction, restrict)."""
        request = self.selected_request()
        if request is None:
            self._say(
                QCoreApplication.translate("GovernanceView", "Choose a request in the list first."),
                "problem",
            )
            return
        restrict = self.restrict.isChecked()
        if restrict and request.kind_value != RequestKind.RESTRICTION:
            self._say(
                QCoreApplication.translate(
                    "GovernanceView", "Only a restriction request restricts processing."
                ),
                "problem",
            )
            return
        try:
            decision = check_answer(self.answer_text.toPlainText())
        except RequestFormError as exc:
            self._say(self._tr(str(exc)), "problem")
            return
        service = self._service
        self.answer_text.clear()
        self.restrict.setChecked(False)
        self._send_request(
            lambda: service.answer_request(
                request_id=request.id, decision=decision, restrict=restrict
            ),
            QCoreApplication.translate(
                "GovernanceView",
                "Answered. The person's records now reach only information governance.",
            )
            if restrict
            else QCoreApplication.translate("GovernanceView", "Answered."),
        )

    def lift_request(self) -> None:
        """Lift the selected request's restriction of processing."""
        request = self.selected_request()
        if request is None:
            self._say(
                QCoreApplication.translate("GovernanceView", "Choose a request in the list first."),
                "problem",
            )
            return
        if not request.restricting:
            self._say(
                QCoreApplication.translate("GovernanceView", "This request restricts nothing now."),
                "problem",
            )
            return
        service = self._service
        self._send_request(
            lambda: service.lift_request(request_id=request.id),
            QCoreApplication.translate(
                "GovernanceView",
                "Restriction lifted. The records reach their officers again at next sync.",
            ),
        )
