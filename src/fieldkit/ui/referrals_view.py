"""The Referrals screen: referrals sent to this user's agency to answer, and the ones they made."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.legal_clocks import format_date
from fieldkit.domain.referrals import ReferralStatus
from fieldkit.services.referrals import ReferralService, ReferralView
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.theme import set_tone
from fieldkit.ui.view_helpers import fit_columns
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReferralsView", text)


def due_words(view: ReferralView) -> str:
    """When the partner should answer by, and whether that day has passed."""
    if view.respond_by is None:
        return ""
    day = format_date(view.respond_by)
    return f"{day} (overdue)" if view.overdue else day


class ReferralsView(QWidget):
    """Lists referrals; the receiving partner accepts, declines with a reason or records an outcome.

    Args:
        referrals: the referral service.
        workers: runs service calls off the GUI thread.
    """

    loaded = Signal()
    answered = Signal(str)

    def __init__(
        self, referrals: ReferralService, workers: Workers, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._service = referrals
        self._workers = workers.owned_by(self)
        layout = QVBoxLayout(self)
        self.heading = QLabel(_tr("Referrals sent to your agency, and the ones you made"), self)
        self.heading.setAccessibleName(_tr("Referrals"))
        self.summary = QLabel(self)
        self.summary.setAccessibleName(_tr("Referrals waiting"))
        self.summary.setWordWrap(True)
        self.model = RowTableModel[ReferralView](
            [
                Column[ReferralView]("Person", lambda v: v.person),
                Column[ReferralView]("To", lambda v: v.to),
                Column[ReferralView]("From", lambda v: v.referred_by),
                Column[ReferralView]("Urgency", lambda v: v.urgency),
                Column[ReferralView]("Status", lambda v: v.status_text),
                Column[ReferralView]("Answer by", due_words),
            ],
            parent=self,
        )
        self.table = QTableView(self)
        self.table.setObjectName("referralTable")
        self.table.setAccessibleName(_tr("Referrals"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        fit_columns(self.table, 0)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName(_tr("The referral"))
        self.answer_text = QLineEdit(self)
        self.answer_text.setAccessibleName(_tr("Reason for declining, or the outcome"))
        self.answer_text.setPlaceholderText(_tr("Reason for declining, or the outcome"))
        buttons = QHBoxLayout()
        self.accept_button = QPushButton(_tr("Accept"), self)
        self.decline_button = QPushButton(_tr("Decline…"), self)
        self.outcome_button = QPushButton(_tr("Record outcome"), self)
        for button in (self.accept_button, self.decline_button, self.outcome_button):
            button.setAccessibleName(button.text().rstrip("…"))
            button.setEnabled(False)
            buttons.addWidget(button)
        self.message = QLabel(self)
        self.message.setAccessibleName(_tr("Message"))
        self.message.setWordWrap(True)
        for widget in (self.heading, self.summary, self.table, self.detail, self.answer_text):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._chosen())
        self.accept_button.clicked.connect(lambda: self._answer(ReferralStatus.ACCEPTED))
        self.decline_button.clicked.connect(lambda: self._answer(ReferralStatus.DECLINED))
        self.outcome_button.clicked.connect(lambda: self._answer(ReferralStatus.OUTCOME_RECORDED))

    @property
    def service(self) -> ReferralService:
        return self._service

    def refresh(self) -> None:
        """Read the referrals again (after a sync, or when the screen is shown)."""
        self._workers.submit(self._service.all, self._show)

    def _show(self, views: list[ReferralView]) -> None:
        self.model.set_rows(views)
        waiting = sum(1 for v in views if v.incoming and v.status is ReferralStatus.SENT)
        overdue = sum(1 for v in views if v.overdue)
        self.summary.setText(
            _tr("{waiting} waiting for your agency's answer; {overdue} overdue").format(
                waiting=waiting, overdue=overdue
            )
        )
        set_tone(self.summary, "problem" if overdue else None)
        self._chosen()
        self.loaded.emit()

    def selected(self) -> ReferralView | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def _chosen(self) -> None:
        view = self.selected()
        answerable = view is not None and view.incoming
        for button in (self.accept_button, self.decline_button, self.outcome_button):
            button.setEnabled(answerable)
        if view is None:
            self.detail.setText("")
            return
        lines = [
            _tr("Reason: {reason}").format(reason=view.reason),
            _tr("Consent: {consent}").format(consent=view.consent),
        ]
        if view.decline_reason:
            lines.append(_tr("Declined: {why}").format(why=view.decline_reason))
        if view.outcome:
            lines.append(_tr("Outcome: {outcome}").format(outcome=view.outcome))
        self.detail.setText("\n".join(lines))

    def _answer(self, status: ReferralStatus) -> None:
        view = self.selected()
        if view is None:
            return
        words = self.answer_text.text().strip()
        self._workers.submit(
            lambda: self._service.answer(
                referral_id=view.id,
                status=status,
                decline_reason=words if status is ReferralStatus.DECLINED else "",
                outcome=words if status is ReferralStatus.OUTCOME_RECORDED else "",
            ),
            self._done,
            self._failed,
        )

    def _done(self, view: ReferralView) -> None:
        self.answer_text.clear()
        self.message.setText(
            _tr("{status}: your answer goes to the referrer at the next sync").format(
                status=view.status_text
            )
        )
        set_tone(self.message, None)
        self.answered.emit(view.id)
        self.refresh()

    def _failed(self, error: Exception) -> None:
        self.message.setText(describe(error))
        set_tone(self.message, "problem")


class CaseReferralsPanel(QWidget):
    """On an open ASB case: the referrals made from it, each with its status, and Refer….

    Args:
        referrals: the referral service.
        workers: runs service calls off the GUI thread.
        case_id: the case shown.
        refer: opens the Refer… dialog for the case.
    """

    loaded = Signal()

    def __init__(
        self,
        referrals: ReferralService,
        workers: Workers,
        case_id: str,
        refer: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = referrals
        layout = QVBoxLayout(self)
        self.lines = QLabel(self)
        self.lines.setWordWrap(True)
        self.lines.setAccessibleName(_tr("Referrals from this case"))
        self.refer_button = QPushButton(_tr("&Refer…"), self)
        self.refer_button.setAccessibleName(_tr("Refer to a partner"))
        self.refer_button.clicked.connect(refer)
        layout.addWidget(self.lines)
        layout.addWidget(self.refer_button)
        workers.submit(lambda: referrals.made_from([case_id]), self._show)

    def _show(self, views: list[ReferralView]) -> None:
        if not views:
            self.lines.setText(_tr("No referrals from this case."))
        else:
            self.lines.setText(
                "\n".join(
                    _tr("Referral to {to} about {person}: {status}").format(
                        to=v.to, person=v.person, status=v.status_text
                    )
                    for v in views
                )
            )
        self.loaded.emit()
