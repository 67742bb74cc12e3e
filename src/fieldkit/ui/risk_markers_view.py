"""Risk markers dialog: tick a person's markers (each with what it means), a note, a reason."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.vocabulary import RiskMarker
from fieldkit.services.corrections import CorrectionService, EditForm
from fieldkit.services.records import RecordView
from fieldkit.ui.theme import set_tone
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers


def _values(text: str) -> list[str]:
    return [v.strip() for v in text.split(";") if v.strip()]


class RiskMarkersDialog(QDialog):
    """Opens a person's markers on a worker (a logged consultation) and saves the change.

    Saving is a correction of personal data (rectification): it asks for a reason, keeps the
    earlier version in the person's history and syncs as a per-field change.
    """

    opened = Signal()
    #: The person's id, once the change is stored.
    saved = Signal(str)
    failed = Signal(str)

    def __init__(
        self, corrections: CorrectionService, workers: Workers, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(QCoreApplication.translate("RiskMarkersDialog", "Risk markers"))
        self.setMinimumSize(900, 560)
        self._corrections = corrections
        self._workers = workers.owned_by(self)
        self._person_id = ""
        self._opened_markers: list[str] = []
        self._opened_note = ""
        self.title = QLabel(QCoreApplication.translate("RiskMarkersDialog", "Opening…"), self)
        self.title.setObjectName("riskTitle")
        self.checks: dict[str, QCheckBox] = {}
        markers = QVBoxLayout()
        for marker in RiskMarker:
            check = QCheckBox(marker.label, self)
            check.setObjectName(f"risk_{marker.value}")
            check.setAccessibleName(marker.label)
            check.setAccessibleDescription(marker.description)
            check.setToolTip(marker.description)
            meaning = QLabel(marker.description, self)
            meaning.setWordWrap(True)
            meaning.setIndent(24)
            set_tone(meaning, "muted")
            markers.addWidget(check)
            markers.addWidget(meaning)
            self.checks[marker.value] = check
        markers.addStretch(1)
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("riskNote")
        self.note.setAccessibleName(QCoreApplication.translate("RiskMarkersDialog", "Risk notes"))
        self.note.setPlaceholderText(
            QCoreApplication.translate(
                "RiskMarkersDialog", "What an officer should know before meeting them"
            )
        )
        beside = QVBoxLayout()
        beside.addWidget(
            QLabel(
                QCoreApplication.translate("RiskMarkersDialog", "Notes beside the markers"), self
            )
        )
        beside.addWidget(self.note, 1)
        body = QHBoxLayout()
        body.addLayout(markers, 3)
        body.addLayout(beside, 2)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("riskReason")
        self.reason.setAccessibleName(
            QCoreApplication.translate("RiskMarkersDialog", "Reason for the change")
        )
        self.reason.setPlaceholderText(
            QCoreApplication.translate(
                "RiskMarkersDialog", "Why is it changed? (kept in the audit log; no names)"
            )
        )
        reason_row = QFormLayout()
        reason_row.addRow(
            QCoreApplication.translate("RiskMarkersDialog", "Reason (required)"), self.reason
        )
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName(QCoreApplication.translate("RiskMarkersDialog", "Problem"))
        set_tone(self.problem, "problem")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(body)
        layout.addLayout(reason_row)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def load(self, person_id: str) -> None:
        """Open a person's risk markers (on a worker); `opened` once they show."""
        self._person_id = person_id
        self.problem.clear()
        self._workers.submit(
            lambda: self._corrections.open_for_edit(record_type="person", record_id=person_id),
            self._show,
            self._fail,
        )

    def _show(self, form: EditForm) -> None:
        texts = {f.name: f.text for f in form.fields}
        self._opened_markers = _values(texts.get("risk_markers", ""))
        self._opened_note = texts.get("risk_notes", "")
        self.title.setText(
            QCoreApplication.translate(
                "RiskMarkersDialog", "Tick each risk that applies; untick one that no longer does."
            )
        )
        for value, check in self.checks.items():
            check.setChecked(value in self._opened_markers)
        self.note.setPlainText(self._opened_note)
        self.save_button.setEnabled(True)
        self.opened.emit()

    def chosen(self) -> list[str]:
        """The ticked markers' stored values, in the vocabulary's order."""
        return [value for value, check in self.checks.items() if check.isChecked()]

    def changes(self) -> dict[str, object]:
        """Only what differs from what was opened (nothing else is sent as changed)."""
        out: dict[str, object] = {}
        if set(self.chosen()) != set(self._opened_markers):
            out["risk_markers"] = self.chosen()
        note = self.note.toPlainText()
        if note.strip() != self._opened_note.strip():
            out["risk_notes"] = note.strip()
        return out

    def save(self) -> None:
        """Save the changed markers and note with the reason (on a worker); `saved` once stored."""
        if not self._person_id:
            return
        person_id, changes, reason = self._person_id, self.changes(), self.reason.text()
        self.save_button.setEnabled(False)

        def store() -> RecordView:
            return self._corrections.edit(
                record_type="person", record_id=person_id, changes=changes, reason=reason
            )

        self._workers.submit(store, lambda _v: self._saved(), self._fail)

    def _saved(self) -> None:
        self.saved.emit(self._person_id)
        self.accept()

    def _fail(self, error: Exception) -> None:
        self.save_button.setEnabled(bool(self._person_id))
        self.problem.setText(
            QCoreApplication.translate("RiskMarkersDialog", "Nothing was saved. {0}").format(
                describe(error)
            )
        )
        self.failed.emit(describe(error))
