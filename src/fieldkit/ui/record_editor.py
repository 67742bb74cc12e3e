"""The record editor: correct any record as a new version, with a reason, and save it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from fieldkit.services.corrections import CorrectionService, EditableField, EditForm
from fieldkit.services.records import RecordView
from fieldkit.ui.theme import set_tone
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

_Editor = QLineEdit | QPlainTextEdit | QComboBox


class RecordEditor(QDialog):
    """Opens a record on a worker, shows the latest decision about it, saves the changes.

    Saving sends only the fields changed here, with the reason, as a new version that syncs;
    returned work saved here goes back to the supervisor's queue at the next sync.
    """

    opened = Signal()
    saved = Signal(str, str)
    failed = Signal(str)

    def __init__(
        self, corrections: CorrectionService, workers: Workers, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Correct a record")
        self.setMinimumWidth(560)
        self._corrections = corrections
        self._workers = workers
        self._form: EditForm | None = None
        self.editors: dict[str, _Editor] = {}
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("editorTitle")
        self.decision = QLabel(self)
        self.decision.setObjectName("editorDecision")
        self.decision.setWordWrap(True)
        self.decision.setVisible(False)
        self.fields = QFormLayout()
        self.reason = QLineEdit(self)
        self.reason.setObjectName("editorReason")
        self.reason.setPlaceholderText("Why is it changed? (kept in the audit log; no names)")
        self.problem = QLabel(self)
        self.problem.setObjectName("editorProblem")
        self.problem.setWordWrap(True)
        set_tone(self.problem, "problem")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.title)
        layout.addWidget(self.decision)
        layout.addLayout(self.fields)
        reason_row = QFormLayout()
        self.reason_label = QLabel("Reason", self)
        reason_row.addRow(self.reason_label, self.reason)
        layout.addLayout(reason_row)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)

    def load(self, record_type: str, record_id: str) -> None:
        """Open a record for correcting (on a worker); `opened` once it shows."""
        self.problem.clear()
        self._workers.submit(
            lambda: self._corrections.open_for_edit(record_type=record_type, record_id=record_id),
            self._show,
            self._fail,
        )

    def _show(self, form: EditForm) -> None:
        self._form = form
        self.title.setText(form.title)
        self.decision.setText(form.decision)
        self.decision.setVisible(bool(form.decision))
        set_tone(self.decision, "problem" if form.returned else None)
        self.reason_label.setText("Reason (required)" if form.reason_always_required else "Reason")
        while self.fields.rowCount():
            self.fields.removeRow(0)
        self.editors = {f.name: self._editor(f) for f in form.fields}
        for f in form.fields:
            self.fields.addRow(f"{f.label}{' *' if f.required else ''}", self.editors[f.name])
        self.save_button.setEnabled(True)
        self.opened.emit()

    def _editor(self, field: EditableField) -> _Editor:
        if field.choices:
            box = QComboBox(self)
            if not field.required:
                box.addItem("", "")
            for value, label in field.choices:
                box.addItem(label, value)
            box.setCurrentIndex(max(0, box.findData(field.text)))
            return box
        if field.multiline:
            text = QPlainTextEdit(self)
            text.setPlainText(field.text)
            text.setFixedHeight(text.fontMetrics().height() * 5)
            return text
        line = QLineEdit(self)
        line.setText(field.text)
        return line

    def texts(self) -> dict[str, str]:
        """What each field's editor holds now, as text."""
        out: dict[str, str] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                out[name] = str(editor.currentData() or "")
            elif isinstance(editor, QPlainTextEdit):
                out[name] = editor.toPlainText()
            else:
                out[name] = editor.text()
        return out

    def set_text(self, name: str, text: str) -> None:
        """Put text into one field's editor (as typing would)."""
        editor = self.editors[name]
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(text)))
        elif isinstance(editor, QPlainTextEdit):
            editor.setPlainText(text)
        else:
            editor.setText(text)

    def save(self) -> None:
        """Save the changes as a new version (on a worker); `saved` once stored."""
        form = self._form
        if form is None:
            return
        self.save_button.setEnabled(False)
        texts, reason = self.texts(), self.reason.text()

        def store() -> RecordView:
            return self._corrections.save_form(form, texts=texts, reason=reason)

        self._workers.submit(store, self._saved, self._fail)

    def _saved(self, view: RecordView) -> None:
        self.saved.emit(view.type, view.id)
        self.accept()

    def _fail(self, error: Exception) -> None:
        self.save_button.setEnabled(self._form is not None)
        self.problem.setText(describe(error))
        self.failed.emit(describe(error))
