"""The Refer… dialog: refer a person named in a visit, case or signposting to a partner."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.referrals import Consent, LawfulException, PartnerAgency, Urgency
from fieldkit.services.referrals import ReferralService, ReferralView
from fieldkit.ui.theme import set_tone
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReferDialog", text)


class ReferDialog(QDialog):
    """Choose the person, the partner, why, how urgent and the consent; refused consent needs
    the lawful exception relied on (the service refuses the referral without it).

    Args:
        referrals: the referral service.
        workers: runs service calls off the GUI thread.
        source_type: ``visit``, ``asb_case`` or ``signposting``.
        source_id: the work it is made from.
        people: the people that work names, as (id, name).
    """

    referred = Signal(str)

    def __init__(
        self,
        referrals: ReferralService,
        workers: Workers,
        *,
        source_type: str,
        source_id: str,
        people: list[tuple[str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_tr("Refer to a partner"))
        self._service = referrals
        self._workers = workers.owned_by(self)
        self._source = (source_type, source_id)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.person = QComboBox(self)
        for person_id, name in people:
            self.person.addItem(name, person_id)
        self.agency = QComboBox(self)
        for value, label in PartnerAgency.choices():
            self.agency.addItem(label, value)
        self.reason = QPlainTextEdit(self)
        self.urgency = QComboBox(self)
        for value, label in Urgency.choices():
            self.urgency.addItem(label, value)
        self.consent = QComboBox(self)
        for value, label in Consent.choices():
            self.consent.addItem(label, value)
        self.exception = QComboBox(self)
        self.exception.addItem(_tr("None needed"), "")
        for value, label in LawfulException.choices():
            self.exception.addItem(label, value)
        for label, widget in (
            (_tr("Person"), self.person),
            (_tr("Refer to"), self.agency),
            (_tr("Why"), self.reason),
            (_tr("Urgency"), self.urgency),
            (_tr("Consent"), self.consent),
            (_tr("Lawful exception, if consent was refused"), self.exception),
        ):
            widget.setAccessibleName(label)
            form.addRow(label, widget)
        layout.addLayout(form)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setAccessibleName(_tr("Problem"))
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(_tr("Refer"))
        ok.setAccessibleName(_tr("Refer"))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName(_tr("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        if not people:
            self.error.setText(_tr("This work names no one to refer."))
            ok.setEnabled(False)

    def submit(self) -> None:
        """Make the referral; the dialog closes when it is kept, or says what is missing."""
        source_type, source_id = self._source
        values = {
            "person_id": str(self.person.currentData() or ""),
            "to_agency": str(self.agency.currentData()),
            "reason": self.reason.toPlainText(),
            "urgency": str(self.urgency.currentData()),
            "consent": str(self.consent.currentData()),
            "lawful_exception": str(self.exception.currentData() or ""),
        }
        self._workers.submit(
            lambda: self._service.refer(source_type=source_type, source_id=source_id, **values),
            self._done,
            self._failed,
        )

    def _done(self, view: ReferralView) -> None:
        self.referred.emit(view.id)
        self.accept()

    def _failed(self, error: Exception) -> None:
        self.error.setText(describe(error))
        set_tone(self.error, "problem")
