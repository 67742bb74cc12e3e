"""The record editor: correct any record as a new version, with a reason, and save it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.records import ATTACHMENT_OWNERS, RecordType, value_description
from fieldkit.services.corrections import (
    CorrectionService,
    EditableField,
    EditForm,
    FieldEditor,
)
from fieldkit.services.documents_service import KeptDocument, PrintOutcome
from fieldkit.services.evidence import AttachmentService
from fieldkit.services.printouts import PrintoutService, VisitDocument
from fieldkit.services.records import RecordView
from fieldkit.ui.evidence_strip import EvidenceStrip
from fieldkit.ui.qt_time import qdate, qdatetime
from fieldkit.ui.theme import set_tone
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

_Editor = QLineEdit | QPlainTextEdit | QComboBox | QListWidget | QDateEdit | QDateTimeEdit
_VALUE = Qt.ItemDataRole.UserRole
#: The day a date editor shows as "Not set" (a date field left empty).
_NOT_SET = QDate(1900, 1, 1)
_LIST_SEPARATOR = "; "


def _qdate(text: str) -> QDate:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return _NOT_SET
    return qdate(day)


def _qdatetime(text: str) -> QDateTime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return qdatetime(moment.replace(microsecond=0))


class RecordEditor(QDialog):
    """Opens a record on a worker, shows the latest decision about it, saves the changes.

    Saving sends only the fields changed here, with the reason, as a new version that syncs;
    returned work saved here goes back to the supervisor's queue at the next sync.
    """

    opened = Signal()
    saved = Signal(str, str)
    failed = Signal(str)
    #: The documents made from an open visit are listed (to reprint).
    documents_listed = Signal()
    #: A reprint went to the printer or was refused: the sentence shown.
    reprinted = Signal(str)

    def __init__(
        self,
        corrections: CorrectionService,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        printouts: PrintoutService | None = None,
        evidence: AttachmentService | None = None,
        ask_text: Callable[[str, str], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._printouts = printouts
        self._ask_text = ask_text or self._ask_for_text
        self.setWindowTitle(QCoreApplication.translate("RecordEditor", "Correct a record"))
        self.setMinimumWidth(560)
        self._corrections = corrections
        self._workers = workers.owned_by(self)
        self._form: EditForm | None = None
        self.editors: dict[str, _Editor] = {}
        #: Stamped fields, shown as text (who recorded it, when it was issued).
        self.read_only: dict[str, QLabel] = {}
        self._opened: dict[str, str] = {}
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("editorTitle")
        self.decision = QLabel(self)
        self.decision.setObjectName("editorDecision")
        self.decision.setWordWrap(True)
        self.decision.setVisible(False)
        self.regime = QLabel(self)
        self.regime.setObjectName("editorRegime")
        self.regime.setAccessibleName(
            QCoreApplication.translate("RecordEditor", "Data protection regime")
        )
        set_tone(self.regime, "muted")
        self.fields = QFormLayout()
        self.reason = QLineEdit(self)
        self.reason.setObjectName("editorReason")
        self.reason.setPlaceholderText(
            QCoreApplication.translate(
                "RecordEditor", "Why is it changed? (kept in the audit log; no names)"
            )
        )
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
        layout.addWidget(self.regime)
        layout.addLayout(self.fields)
        reason_row = QFormLayout()
        self.reason_label = QLabel(QCoreApplication.translate("RecordEditor", "Reason"), self)
        reason_row.addRow(self.reason_label, self.reason)
        layout.addLayout(reason_row)
        layout.addWidget(self.problem)
        layout.addLayout(self._visit_documents_row())
        # The record's photos and files, for the records that may hold them: seen while
        # correcting, and one more can be attached (attaching is its own act, not this save).
        self.evidence = EvidenceStrip(evidence, workers, self) if evidence is not None else None
        if self.evidence is not None:
            self.evidence.setVisible(False)
            self.evidence.enable_camera_if_present()
            layout.addWidget(self.evidence)
        layout.addWidget(self.buttons)

    def _visit_documents_row(self) -> QHBoxLayout:
        """Documents made from a visit (its warnings' letters, its leaflets), to reprint."""
        row = QHBoxLayout()
        self.documents_label = QLabel(
            QCoreApplication.translate("RecordEditor", "Documents from this visit"), self
        )
        self.documents = QComboBox(self)
        self.documents.setAccessibleName(
            QCoreApplication.translate("RecordEditor", "Documents made from this visit")
        )
        self.reprint_button = QPushButton(
            QCoreApplication.translate("RecordEditor", "&Reprint…"), self
        )
        self.reprint_button.setAccessibleName(
            QCoreApplication.translate(
                "RecordEditor", "Reprint the chosen document from this visit"
            )
        )
        self.reprint_button.setAutoDefault(False)
        self.reprint_status = QLabel(self)
        self.reprint_status.setWordWrap(True)
        self.reprint_status.setAccessibleName(
            QCoreApplication.translate("RecordEditor", "Reprint status")
        )
        for w in (self.documents_label, self.documents, self.reprint_button):
            row.addWidget(w)
            w.setVisible(False)
        row.addWidget(self.reprint_status, 1)
        self.reprint_button.clicked.connect(self._ask_reprint)
        return row

    def _list_visit_documents(self, visit_id: str) -> None:
        printouts = self._printouts
        if printouts is None:
            return
        self._workers.submit(
            lambda: printouts.visit_documents(visit_id), self._show_visit_documents, self._fail
        )

    def _show_visit_documents(self, documents: list[VisitDocument]) -> None:
        self.documents.clear()
        for document in documents:
            self.documents.addItem(document.title, document)
        for w in (self.documents_label, self.documents, self.reprint_button):
            w.setVisible(bool(documents))
        self.documents_listed.emit()

    def _ask_reprint(self) -> None:
        recipient = self._ask_text("Reprint", "Who is the reprint for?")
        if recipient is not None:
            self.reprint_chosen(recipient)

    def reprint_chosen(self, recipient: str, printer: str | None = None) -> None:
        """Reprint the chosen document from the visit for someone (marked, kept and logged)."""
        chosen, printouts = self.documents.currentData(), self._printouts
        if not isinstance(chosen, VisitDocument) or printouts is None:
            return

        def done(result: tuple[KeptDocument, PrintOutcome]) -> None:
            self.reprint_status.setText(result[1].message)
            self.reprinted.emit(result[1].message)

        def failed(error: Exception) -> None:
            self.reprint_status.setText(
                QCoreApplication.translate("RecordEditor", "Nothing was printed. {0}").format(
                    describe(error)
                )
            )
            self.reprinted.emit(self.reprint_status.text())

        self._workers.submit(
            lambda: printouts.reprint_from_visit(chosen, printer=printer, recipient=recipient),
            done,
            failed,
        )

    def _ask_for_text(self, title: str, question: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, question)
        return text if ok else None

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
        self.regime.setText(
            QCoreApplication.translate("RecordEditor", "Processed under: {0}").format(form.regime)
            if form.regime
            else ""
        )
        self.regime.setVisible(bool(form.regime))
        self.decision.setText(form.decision)
        self.decision.setVisible(bool(form.decision))
        set_tone(self.decision, "problem" if form.returned else None)
        self.reason_label.setText(
            QCoreApplication.translate("RecordEditor", "Reason (required)")
            if form.reason_always_required
            else QCoreApplication.translate("RecordEditor", "Reason")
        )
        while self.fields.rowCount():
            self.fields.removeRow(0)
        self._opened = {f.name: f.text for f in form.fields}
        self.editors = {f.name: self._editor(f) for f in form.fields if not f.read_only}
        self.read_only = {}
        for f in form.fields:
            if f.read_only:
                if not f.shown:
                    continue  # stamped and not set: nothing to show
                shown = QLabel(f.shown, self)
                shown.setObjectName(f"readOnly_{f.name}")
                shown.setToolTip(
                    QCoreApplication.translate(
                        "RecordEditor", "Set by Fieldkit; it cannot be changed here."
                    )
                )
                shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.read_only[f.name] = shown
                self.fields.addRow(f.label, shown)
                continue
            self.fields.addRow(f"{f.label}{' *' if f.required else ''}", self.editors[f.name])
        self.save_button.setEnabled(True)
        if form.record_type == "visit":
            self._list_visit_documents(form.record_id)
        if self.evidence is not None:
            holds = RecordType(form.record_type) in ATTACHMENT_OWNERS
            self.evidence.setVisible(holds)
            self.evidence.set_owner((form.record_type, form.record_id) if holds else None)
        self.opened.emit()

    def _description(self, field: EditableField, value: str) -> str:
        """A choice's description from its vocabulary (its tooltip and what a reader hears)."""
        record_type = self._form.record_type if self._form is not None else ""
        return value_description(record_type, field.name, value)

    def _editor(self, field: EditableField) -> _Editor:
        if field.editor is FieldEditor.CHOICES:
            checks = QListWidget(self)
            chosen = {v.strip() for v in field.text.split(";") if v.strip()}
            for value, label in field.choices:
                item = QListWidgetItem(label, checks)
                item.setData(_VALUE, value)
                described = self._description(field, value)
                item.setToolTip(described)
                item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, described)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if value in chosen else Qt.CheckState.Unchecked
                )
            checks.setFixedHeight(min(8, max(2, len(field.choices))) * 22)
            return checks
        if field.editor is FieldEditor.DATE:
            day = QDateEdit(self)
            day.setCalendarPopup(True)
            day.setDisplayFormat("d MMM yyyy")
            day.setMinimumDate(_NOT_SET)
            day.setSpecialValueText(QCoreApplication.translate("RecordEditor", "Not set"))
            day.setDate(_qdate(field.text) if field.text else _NOT_SET)
            return day
        if field.editor is FieldEditor.DATETIME:
            moment = QDateTimeEdit(self)
            moment.setCalendarPopup(True)
            moment.setDisplayFormat("d MMM yyyy HH:mm")
            moment.setMinimumDate(_NOT_SET)
            moment.setSpecialValueText(QCoreApplication.translate("RecordEditor", "Not set"))
            shown = _qdatetime(field.text) if field.text else None
            moment.setDateTime(shown or QDateTime(_NOT_SET, moment.minimumTime()))
            return moment
        if field.editor is FieldEditor.YES_NO:
            box = QComboBox(self)
            box.addItem("", "")
            box.addItem(
                QCoreApplication.translate("RecordEditor", "Yes"),
                "yes",
            )
            box.addItem(
                QCoreApplication.translate("RecordEditor", "No"),
                "no",
            )
            box.setCurrentIndex(max(0, box.findData(field.text)))
            return box
        if field.choices:
            box = QComboBox(self)
            if not field.required:
                box.addItem("", "")
            for value, label in field.choices:
                box.addItem(label, value)
                box.setItemData(
                    box.count() - 1,
                    self._description(field, value),
                    Qt.ItemDataRole.ToolTipRole,
                )
            box.currentIndexChanged.connect(
                lambda _i, b=box, f=field: b.setAccessibleDescription(
                    self._description(f, str(b.currentData()))
                )
            )
            box.setCurrentIndex(max(0, box.findData(field.text)))
            box.setAccessibleDescription(self._description(field, str(box.currentData())))
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
            opened = self._opened.get(name, "")
            if isinstance(editor, QListWidget):
                items = [editor.item(i) for i in range(editor.count())]
                checked = [
                    str(i.data(_VALUE)) for i in items if i.checkState() == Qt.CheckState.Checked
                ]
                was = [v.strip() for v in opened.split(";") if v.strip()]
                # Untouched: the stored order, so nothing is sent as changed.
                out[name] = opened if set(checked) == set(was) else _LIST_SEPARATOR.join(checked)
            elif isinstance(editor, QDateTimeEdit) and not isinstance(editor, QDateEdit):
                out[name] = _moment_text(editor, opened)
            elif isinstance(editor, QDateEdit):
                day = editor.date()
                if day == _NOT_SET:
                    out[name] = ""
                elif opened and day == _qdate(opened):
                    out[name] = opened
                else:
                    out[name] = f"{day.year():04d}-{day.month():02d}-{day.day():02d}"
            elif isinstance(editor, QComboBox):
                out[name] = str(editor.currentData() or "")
            elif isinstance(editor, QPlainTextEdit):
                out[name] = editor.toPlainText()
            else:
                out[name] = editor.text()
        return out

    def set_text(self, name: str, text: str) -> None:
        """Put a stored value (as text) into one field's editor, as choosing it would."""
        editor = self.editors[name]
        if isinstance(editor, QListWidget):
            wanted = {v.strip() for v in text.split(";") if v.strip()}
            for i in range(editor.count()):
                item = editor.item(i)
                item.setCheckState(
                    Qt.CheckState.Checked
                    if str(item.data(_VALUE)) in wanted
                    else Qt.CheckState.Unchecked
                )
        elif isinstance(editor, QDateTimeEdit) and not isinstance(editor, QDateEdit):
            editor.setDateTime(_qdatetime(text) or QDateTime(_NOT_SET, editor.minimumTime()))
        elif isinstance(editor, QDateEdit):
            editor.setDate(_qdate(text) if text else _NOT_SET)
        elif isinstance(editor, QComboBox):
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


def _moment_text(editor: QDateTimeEdit, opened: str) -> str:
    """A date-time editor's value as stored text: the opened text if untouched, else aware ISO."""
    shown = editor.dateTime()
    if shown.date() == _NOT_SET:
        return ""
    if opened and shown == _qdatetime(opened):
        return opened
    local = shown.toPython()
    assert isinstance(local, datetime)
    return local.replace(second=0, microsecond=0).astimezone().isoformat(timespec="seconds")
