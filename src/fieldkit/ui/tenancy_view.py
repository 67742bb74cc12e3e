"""Tenancy cases: the list, and a case with its chronology, closure clocks and a note form."""

from __future__ import annotations

from datetime import date, datetime
from html import escape

from PySide6.QtCore import QCoreApplication, QDate, QDateTime, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.closure_steps import StepDetails
from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.vocabulary import District
from fieldkit.domain.vulnerability import Vulnerability, VulnerabilityCheck
from fieldkit.services.documents_service import KeptDocument
from fieldkit.services.evidence import AttachmentService
from fieldkit.services.tenancy import (
    NOTE_KINDS,
    SERVED_HOW_CHOICES,
    STATUS_CHOICES,
    STEP_CHOICES,
    CaseRow,
    CaseView,
    ClosureEntry,
    NoteEntry,
    TenancyService,
)
from fieldkit.ui.evidence_strip import EvidenceStrip
from fieldkit.ui.flow_layout import FlowLayout
from fieldkit.ui.loading import child, load_screen, tab_in_reading_order
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.theme import set_tone, tone_colour
from fieldkit.ui.view_helpers import StatusLine, fit_columns
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers


def closure_html(case: CaseView) -> str:
    """Each closure's legal clocks with deadline and what is due."""
    if not case.closures:
        return "No closure on this case."
    parts = []
    for closure in case.closures:
        parts.append(f"<p><b>Closure: {escape(closure.status)}</b></p>")
        if closure.facts:
            parts.append(
                "<p>"
                + "<br>".join(f"{escape(what)}: {escape(value)}" for what, value in closure.facts)
                + "</p>"
            )
        if closure.problem:
            colour = tone_colour("problem")
            parts.append(f"<p style='color:{colour}'><b>{escape(closure.problem)}</b></p>")
        if not closure.clocks and not closure.problem:
            parts.append("<p>No clock is running.</p>")
        for clock in closure.clocks:
            parts.append(
                f"<p><b>{escape(clock.name)}</b> — {escape(clock.deadline_text)}<br>"
                f"{escape(clock.due)}</p>"
            )
    return "".join(parts)


def closure_step_words(number: int, closure: ClosureEntry) -> str:
    """How the step chooser names a closure: its number on the case, status and first fact."""
    first = f" · {closure.facts[0][0]}: {closure.facts[0][1]}" if closure.facts else ""
    return f"Closure {number}: {closure.status}{first}"


class TenancyView(QWidget):
    """Opening a case logs a consultation; adding a note writes a tenancy note record."""

    note_added = Signal(str)
    case_shown = Signal(str)
    case_changed = Signal(str)
    document_made = Signal(object)
    #: Open a record in the record editor: (record type, record id).
    edit_record = Signal(str, str)
    #: Open the document list for a case (its notices and bundles, to preview and reprint).
    documents_requested = Signal(str)

    def __init__(
        self,
        tenancy: TenancyService,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        evidence: AttachmentService | None = None,
    ):
        super().__init__(parent)
        self._tenancy = tenancy
        self._workers = workers.owned_by(self)
        self.case: CaseView | None = None
        f = load_screen("tenancy.ui", self)
        self.case_table = child(f, QTableView, "caseTable")
        self.title = child(f, QLabel, "caseTitle")
        self.details = child(f, QLabel, "caseDetails")
        self.closure = child(f, QLabel, "closureLabel")
        self.notes_table = child(f, QTableView, "notesTable")
        self.note_kind = child(f, QComboBox, "noteKind")
        self.note_body = child(f, QPlainTextEdit, "noteBody")
        self.note_error = child(f, QLabel, "noteError")
        self.add_button = child(f, QPushButton, "addNoteButton")
        for kind in NOTE_KINDS:
            self.note_kind.addItem(kind.capitalize(), kind)
        self.cases = RowTableModel[CaseRow](
            [
                Column[CaseRow]("Reference", lambda c: c.reference),
                Column[CaseRow]("Property", lambda c: c.place),
                Column[CaseRow]("Status", lambda c: c.status),
            ],
            parent=self,
        )
        self.notes = RowTableModel[NoteEntry](
            [
                Column[NoteEntry]("When", lambda n: n.when.strftime("%d/%m/%Y %H:%M")),
                Column[NoteEntry]("Kind", lambda n: n.kind),
                Column[NoteEntry]("Note", lambda n: n.body),
            ],
            parent=self,
        )
        self.case_table.setModel(self.cases)
        fit_columns(self.case_table, 1)
        self.notes_table.setModel(self.notes)
        fit_columns(self.notes_table, 2)
        self.case_table.activated.connect(lambda i: self.open(self.cases.row_at(i.row()).id))
        self.case_table.clicked.connect(lambda i: self.open(self.cases.row_at(i.row()).id))
        # Enter or a double-click on a note opens it in the record editor.
        self.notes_table.activated.connect(lambda i: self.edit_note(i.row()))
        self.add_button.clicked.connect(self.add_note)
        self.add_button.setEnabled(False)
        self.last_document: KeptDocument | None = None
        list_column = f.findChild(QVBoxLayout, "listColumn")
        case_layout = f.findChild(QVBoxLayout, "caseLayout")
        assert list_column is not None
        assert case_layout is not None
        list_column.addWidget(self._new_case_box())
        case_layout.insertWidget(2, self._case_actions_box())
        case_layout.insertWidget(4, self._step_box())
        self._set_case_enabled(False)
        # Photos and files of the note chosen in the chronology (or the note just added).
        self.evidence = (
            EvidenceStrip(
                evidence,
                workers,
                self,
                waiting=QCoreApplication.translate(
                    "TenancyView", "Choose a note to see its photos and files."
                ),
            )
            if evidence is not None
            else None
        )
        notes_layout = f.findChild(QVBoxLayout, "notesLayout")
        if self.evidence is not None and notes_layout is not None:
            self.evidence.enable_camera_if_present()
            notes_layout.addWidget(self.evidence)
            self.notes_table.selectionModel().currentRowChanged.connect(self._note_chosen)

        # Built in code: the screen's .ui file predates these -----------------------------------
        # Controls added in code join Tab where they show (tests/ui: tab order).
        tab_in_reading_order(f.layout())

    def _new_case_box(self) -> QGroupBox:
        box = QGroupBox(QCoreApplication.translate("TenancyView", "Open a case"), self)
        form = QFormLayout(box)
        self.new_address = QLineEdit(box)
        self.new_postcode = QLineEdit(box)
        self.new_tenants = QLineEdit(box)
        self.new_tenants.setPlaceholderText(
            QCoreApplication.translate("TenancyView", "Full names, separated by commas")
        )
        self.new_landlord = QLineEdit(box)
        self.new_reference = QLineEdit(box)
        self.new_vulnerability = QLineEdit(box)
        self.new_vulnerability.setPlaceholderText(
            QCoreApplication.translate("TenancyView", "Separated by commas")
        )
        self.new_agencies = QLineEdit(box)
        self.new_agencies.setPlaceholderText(
            QCoreApplication.translate("TenancyView", "Separated by commas")
        )
        self.new_district = QComboBox(box)
        for d in District:
            self.new_district.addItem(d.label, d.value)
        self.new_error = QLabel(box)
        self.new_error.setWordWrap(True)
        set_tone(self.new_error, "problem")
        self.open_case_button = QPushButton(
            QCoreApplication.translate("TenancyView", "Open &case"), box
        )
        for label, widget in (
            ("Property address", self.new_address),
            ("Postcode", self.new_postcode),
            ("Tenants", self.new_tenants),
            ("Landlord", self.new_landlord),
            ("Tenancy reference", self.new_reference),
            ("Vulnerabilities", self.new_vulnerability),
            ("Agencies involved", self.new_agencies),
            ("District", self.new_district),
        ):
            widget.setAccessibleName(label)
            form.addRow(label, widget)
        form.addRow(self.new_error)
        form.addRow(self.open_case_button)
        self.open_case_button.clicked.connect(self.open_new_case)
        return box

    def _case_actions_box(self) -> QGroupBox:
        box = QGroupBox(
            QCoreApplication.translate("TenancyView", "Case status and documents"), self
        )
        rows = QVBoxLayout(box)
        # Both rows wrap onto more lines in a narrow pane rather than pushing it sideways.
        status_row = FlowLayout()
        self.status_choice = QComboBox(box)
        self.status_choice.setAccessibleName(
            QCoreApplication.translate("TenancyView", "Case status")
        )
        for value, label in STATUS_CHOICES:
            self.status_choice.addItem(label, value)
        self.status_button = QPushButton(
            QCoreApplication.translate("TenancyView", "Set &status"), box
        )
        self.outcome = QLineEdit(box)
        self.outcome.setPlaceholderText(
            QCoreApplication.translate("TenancyView", "How the case ended")
        )
        self.outcome.setAccessibleName(QCoreApplication.translate("TenancyView", "Outcome"))
        self.close_button = QPushButton(
            QCoreApplication.translate("TenancyView", "Close case with outcome"), box
        )
        self.edit_case_button = QPushButton(
            QCoreApplication.translate("TenancyView", "&Edit case…"), box
        )
        self.edit_case_button.setToolTip(
            QCoreApplication.translate("TenancyView", "Correct the case's details (Ctrl+E)")
        )
        self.step_choice = QComboBox(box)
        self.step_choice.setAccessibleName(
            QCoreApplication.translate("TenancyView", "Closure step to edit")
        )
        self.step_choice.setToolTip(
            QCoreApplication.translate("TenancyView", "Which closure step Edit closure step… opens")
        )
        self.edit_step_button = QPushButton(
            QCoreApplication.translate("TenancyView", "Edit closure ste&p…"), box
        )
        self.edit_step_button.setToolTip(
            QCoreApplication.translate("TenancyView", "Correct the chosen closure step's facts")
        )
        for w in (
            self.status_choice,
            self.status_button,
            self.outcome,
            self.close_button,
            self.edit_case_button,
            self.step_choice,
            self.edit_step_button,
        ):
            status_row.addWidget(w)
        rows.addLayout(status_row)
        doc_row = FlowLayout()
        self.notice_button = QPushButton(
            QCoreApplication.translate("TenancyView", "Make closure &notice"), box
        )
        self.bundle_button = QPushButton(
            QCoreApplication.translate("TenancyView", "Make &evidence bundle"), box
        )
        self.documents_button = QPushButton(
            QCoreApplication.translate("TenancyView", "Docu&ments…"), box
        )
        self.documents_button.setToolTip(
            QCoreApplication.translate(
                "TenancyView", "The case's kept documents: preview and reprint them"
            )
        )
        self.document_status = StatusLine(box)
        self.document_status.setAccessibleName(
            QCoreApplication.translate("TenancyView", "Document made")
        )
        doc_widgets: tuple[QWidget, ...] = (
            self.notice_button,
            self.bundle_button,
            self.documents_button,
        )
        for doc_widget in doc_widgets:
            doc_row.addWidget(doc_widget)
        rows.addLayout(doc_row)
        rows.addWidget(self.document_status)
        self.case_error = QLabel(box)
        self.case_error.setWordWrap(True)
        set_tone(self.case_error, "problem")
        rows.addWidget(self.case_error)
        self.status_button.clicked.connect(self.set_status)
        self.edit_case_button.clicked.connect(self.edit_case)
        self.edit_step_button.clicked.connect(self.edit_step)
        shortcut = QShortcut(QKeySequence("Ctrl+E"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self._edit_shortcut)
        self.close_button.clicked.connect(self.close_case)
        self.notice_button.clicked.connect(self.make_notice)
        self.bundle_button.clicked.connect(self.make_bundle)
        self.documents_button.clicked.connect(self.show_documents)
        return box

    def _step_box(self) -> QGroupBox:
        box = QGroupBox(QCoreApplication.translate("TenancyView", "Record a closure step"), self)
        form = QFormLayout(box)
        now = QDateTime.currentDateTime()
        self.step_kind = QComboBox(box)
        for value, label in STEP_CHOICES:
            self.step_kind.addItem(label, value)
        self.step_at = QDateTimeEdit(now, box)
        self.step_at.setCalendarPopup(True)
        self.authorised_by = QLineEdit(box)
        self.authorised_rank = QLineEdit(box)
        self.authorised_rank.setPlaceholderText(
            QCoreApplication.translate(
                "TenancyView", "e.g. Inspector, or the council's designation"
            )
        )
        self.notice_hours = QComboBox(box)
        self.notice_hours.addItem(QCoreApplication.translate("TenancyView", "24 hours"), 24)
        self.notice_hours.addItem(
            QCoreApplication.translate("TenancyView", "48 hours (senior authorisation)"), 48
        )
        self.served_how = QComboBox(box)
        for value, label in SERVED_HOW_CHOICES:
            self.served_how.addItem(label, value)
        for combo in (self.step_kind, self.notice_hours, self.served_how):
            # Long choices ("Fixed to the entrance of the premises") may be cut in a narrow
            # pane, which then need not scroll sideways; the open list shows them whole.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(18)
        self.served_on = QLineEdit(box)
        self.notice_permits = QLineEdit(box)
        self.notice_permits.setPlaceholderText(
            QCoreApplication.translate(
                "TenancyView", "Who may still enter besides residents and owner"
            )
        )
        self.hearing_listed = QCheckBox(
            QCoreApplication.translate("TenancyView", "A hearing is listed"), box
        )
        self.hearing_at = QDateTimeEdit(now.addSecs(24 * 3600), box)
        self.hearing_at.setCalendarPopup(True)
        self.court = QLineEdit(box)
        self.order_months = QSpinBox(box)
        self.order_months.setRange(1, 3)
        self.order_months.setValue(3)
        self.order_permits = QLineEdit(box)
        self.order_areas = QLineEdit(box)
        self.extended_until = QDateEdit(QDate.currentDate().addMonths(4), box)
        self.extended_until.setCalendarPopup(True)
        self.step_error = QLabel(box)
        self.step_error.setWordWrap(True)
        set_tone(self.step_error, "problem")
        self.step_button = QPushButton(
            QCoreApplication.translate("TenancyView", "Record &step"), box
        )
        for label, widget in (
            ("Step", self.step_kind),
            ("When it happened", self.step_at),
            ("Notice authorised by", self.authorised_by),
            ("Rank or designation", self.authorised_rank),
            ("Notice length", self.notice_hours),
            ("Served how", self.served_how),
            ("Served on", self.served_on),
            ("Notice still lets in", self.notice_permits),
            ("", self.hearing_listed),
            ("Hearing at", self.hearing_at),
            ("Court", self.court),
            ("Order length (months)", self.order_months),
            ("Order lets in", self.order_permits),
            ("Order covers", self.order_areas),
            ("Extended until", self.extended_until),
        ):
            widget.setAccessibleName(label or "A hearing is listed")
            form.addRow(label, widget)
        # Before a notice, an order or an extension: was the tenants' vulnerability considered?
        self.considered_check = QCheckBox(
            QCoreApplication.translate(
                "TenancyView", "Vulnerability of the people at the premises &considered"
            ),
            box,
        )
        form.addRow("", self.considered_check)
        self.vulnerability_checks: dict[Vulnerability, QCheckBox] = {}
        found = FlowLayout()  # seven ticks: they wrap in a narrow pane
        for item in Vulnerability:
            check = QCheckBox(item.label, box)
            check.setAccessibleName(
                QCoreApplication.translate("TenancyView", "Vulnerability: {label}").format(
                    label=item.label
                )
            )
            self.vulnerability_checks[item] = check
            found.addWidget(check)
        form.addRow(QCoreApplication.translate("TenancyView", "Vulnerabilities"), found)
        self.referral_check = QCheckBox(
            QCoreApplication.translate("TenancyView", "Safeguarding referral made alongside"), box
        )
        form.addRow("", self.referral_check)
        self.no_referral_reason = QLineEdit(box)
        self.no_referral_reason.setPlaceholderText(
            QCoreApplication.translate(
                "TenancyView", "Why go ahead without a safeguarding referral"
            )
        )
        self.no_referral_reason.setAccessibleName(
            QCoreApplication.translate("TenancyView", "Reason for no safeguarding referral")
        )
        form.addRow(
            QCoreApplication.translate("TenancyView", "No referral because"),
            self.no_referral_reason,
        )
        form.addRow(self.step_error)
        form.addRow(self.step_button)
        self.step_button.clicked.connect(self.record_step)
        return box

    def vulnerability_answer(self) -> VulnerabilityCheck:
        """The vulnerability answer on the step form (asked before escalating steps)."""
        return VulnerabilityCheck(
            self.considered_check.isChecked(),
            frozenset(v for v, c in self.vulnerability_checks.items() if c.isChecked()),
            self.referral_check.isChecked(),
            self.no_referral_reason.text(),
        )

    def _set_case_enabled(self, enabled: bool) -> None:
        for w in (
            self.status_button,
            self.close_button,
            self.notice_button,
            self.bundle_button,
            self.step_button,
            self.edit_case_button,
            self.documents_button,
        ):
            w.setEnabled(enabled)
        if not enabled:
            self.edit_step_button.setEnabled(False)

    def refresh(self) -> None:
        self._workers.submit(lambda: self._tenancy.cases(), self.cases.set_rows)

    def open(self, case_id: str) -> None:
        self._workers.submit(
            lambda: self._tenancy.case(case_id),
            self._show,
            lambda exc: self.details.setText(describe(exc)),
        )

    def set_court(self, court: str, district: str = "") -> None:
        """Offer the court and district from Settings (the user may choose others)."""
        if not self.court.text():
            self.court.setText(court)
        index = self.new_district.findData(district)
        if index >= 0:
            self.new_district.setCurrentIndex(index)

    def _show(self, case: CaseView) -> None:
        if self.evidence is not None and (self.case is None or self.case.id != case.id):
            self.evidence.set_owner(None)  # another case: no note of it is chosen yet
        self.case = case
        self.add_button.setEnabled(True)
        self._set_case_enabled(True)
        index = self.status_choice.findData(case.status_value)
        if index >= 0:
            self.status_choice.setCurrentIndex(index)
        self.title.setText(
            QCoreApplication.translate("TenancyView", "Tenancy case {reference}").format(
                reference=case.reference
            )
        )
        tenants = ", ".join(case.tenants) or "none recorded"
        vulnerability = ", ".join(case.vulnerability) or "none recorded"
        restricted = (
            f"<p style='color:{tone_colour('problem')}'><b>Restricted record</b></p>"
            if case.restricted
            else ""
        )
        self.details.setText(
            QCoreApplication.translate(
                "TenancyView",
                "{restricted}<p><b>Property:</b> {0}<br><b>Tenants:</b> "
                "{1}<br><b>Vulnerability:</b> {2}<br><b>Agencies:</b> {3}<br>",
            ).format(
                escape(case.place),
                escape(tenants),
                escape(vulnerability),
                escape(", ".join(case.agencies) or "none recorded"),
                restricted=restricted,
            )
            + (
                QCoreApplication.translate("TenancyView", "<b>Outcome:</b> {0}<br>").format(
                    escape(case.outcome)
                )
                if case.outcome
                else ""
            )
            + QCoreApplication.translate(
                "TenancyView", "<b>Landlord:</b> {0} · <b>Status:</b> {1}</p>"
            ).format(escape(case.landlord or "—"), escape(case.status))
        )
        self.closure.setText(closure_html(case))
        self.notes.set_rows(case.notes)
        self.step_choice.clear()
        for n, closure in enumerate(case.closures, start=1):
            self.step_choice.addItem(closure_step_words(n, closure), closure.id)
        self.step_choice.setCurrentIndex(len(case.closures) - 1)  # the latest, as before
        self.step_choice.setEnabled(bool(case.closures))
        self.edit_step_button.setEnabled(bool(case.closures))
        self.notes_table.scrollToBottom()
        self.case_shown.emit(case.id)

    # Correcting ------------------------------------------------------------------------------

    def show_documents(self) -> None:
        """Ask for the shown case's document list (to preview and reprint)."""
        if self.case is not None:
            self.documents_requested.emit(self.case.id)

    def edit_case(self) -> None:
        """Open the shown case in the record editor."""
        if self.case is not None:
            self.edit_record.emit("tenancy_case", self.case.id)

    def edit_note(self, row: int) -> None:
        """Open one of the case's notes in the record editor."""
        if 0 <= row < len(self.notes.rows):
            self.edit_record.emit("tenancy_note", self.notes.row_at(row).id)

    def edit_step(self) -> None:
        """Open the closure step chosen beside the button (the latest unless another is)."""
        chosen = self.step_choice.currentData()
        if self.case is not None and chosen:
            self.edit_record.emit("closure", str(chosen))

    def _edit_shortcut(self) -> None:
        index = self.notes_table.currentIndex()
        if self.notes_table.hasFocus() and index.isValid():
            self.edit_note(index.row())
        else:
            self.edit_case()

    def add_note(self) -> None:
        if self.case is None:
            return
        case_id, kind, body = (
            self.case.id,
            str(self.note_kind.currentData()),
            self.note_body.toPlainText(),
        )
        self.add_button.setEnabled(False)
        self._workers.submit(
            lambda: self._tenancy.add_note(case_id=case_id, kind=kind, body=body),
            self._added,
            self._failed,
        )

    def _note_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.evidence is not None and current.isValid():
            self.evidence.set_owner(("tenancy_note", self.notes.row_at(current.row()).id))

    def _added(self, note: NoteEntry) -> None:
        if self.evidence is not None:
            self.evidence.set_owner(("tenancy_note", note.id))
        self.note_body.clear()
        self.note_error.clear()
        self.add_button.setEnabled(True)
        if self.case is not None:
            self.open(self.case.id)
        self.note_added.emit(note.id)

    def _failed(self, exc: Exception) -> None:
        self.add_button.setEnabled(True)
        self.note_error.setText(describe(exc))

    # Opening, changing, closing -------------------------------------------------------------

    def open_new_case(self) -> None:
        def split(edit: QLineEdit) -> list[str]:
            return [p.strip() for p in edit.text().split(",") if p.strip()]

        address, postcode = self.new_address.text(), self.new_postcode.text()
        tenants, vulnerability, agencies = (
            split(self.new_tenants),
            split(self.new_vulnerability),
            split(self.new_agencies),
        )
        landlord, reference = self.new_landlord.text(), self.new_reference.text()
        district = str(self.new_district.currentData())
        self.open_case_button.setEnabled(False)
        self._workers.submit(
            lambda: self._tenancy.open_case(
                address=address,
                postcode=postcode,
                tenants=tenants,
                landlord=landlord,
                tenancy_ref=reference,
                vulnerability=vulnerability,
                agencies=agencies,
                district=district,
            ),
            self._opened,
            self._open_failed,
        )

    def _opened(self, case_id: str) -> None:
        self.open_case_button.setEnabled(True)
        self.new_error.clear()
        for edit in (
            self.new_address,
            self.new_postcode,
            self.new_tenants,
            self.new_landlord,
            self.new_reference,
            self.new_vulnerability,
            self.new_agencies,
        ):
            edit.clear()
        self.refresh()
        self.open(case_id)
        self.case_changed.emit(case_id)

    def _open_failed(self, exc: Exception) -> None:
        self.open_case_button.setEnabled(True)
        self.new_error.setText(describe(exc))

    def _changed(self, case_id: str) -> None:
        self.case_error.clear()
        self.step_error.clear()
        self._set_case_enabled(True)
        self.refresh()
        self.open(case_id)
        self.case_changed.emit(case_id)

    def _case_failed(self, exc: Exception) -> None:
        self._set_case_enabled(True)
        self.case_error.setText(describe(exc))

    def set_status(self) -> None:
        if self.case is None:
            return
        case_id, status = self.case.id, str(self.status_choice.currentData())
        self._set_case_enabled(False)
        self._workers.submit(
            lambda: self._tenancy.change_status(case_id=case_id, status=status),
            lambda _none: self._changed(case_id),
            self._case_failed,
        )

    def close_case(self) -> None:
        if self.case is None:
            return
        case_id, outcome = self.case.id, self.outcome.text()
        self._set_case_enabled(False)
        self._workers.submit(
            lambda: self._tenancy.close_case(case_id=case_id, outcome=outcome),
            lambda _none: self._changed(case_id),
            self._case_failed,
        )

    # Closure steps -------------------------------------------------------------------------

    def step_details(self) -> StepDetails:
        """What the step form says, with its times taken as London wall-clock times."""

        def moment(edit: QDateTimeEdit) -> datetime:
            value = edit.dateTime().toPython()
            assert isinstance(value, datetime)
            return value.replace(second=0, microsecond=0, tzinfo=LONDON)

        until = self.extended_until.date().toPython()
        assert isinstance(until, date)
        step = str(self.step_kind.currentData())
        return StepDetails(
            at=moment(self.step_at),
            authorised_by=self.authorised_by.text(),
            authorised_rank=self.authorised_rank.text(),
            notice_hours=int(self.notice_hours.currentData()),
            served_how=str(self.served_how.currentData()),
            served_on=self.served_on.text(),
            notice_permits=self.notice_permits.text(),
            hearing_at=moment(self.hearing_at)
            if step in ("hearing_listed", "adjourned") or self.hearing_listed.isChecked()
            else None,
            court=self.court.text(),
            order_months=self.order_months.value(),
            order_permits=self.order_permits.text(),
            order_areas=self.order_areas.text(),
            extended_until=until if step == "extended" else None,
        )

    def record_step(self) -> None:
        if self.case is None:
            return
        case_id, step, details, answer = (
            self.case.id,
            str(self.step_kind.currentData()),
            self.step_details(),
            self.vulnerability_answer(),
        )
        # A notice starts a new closure; every later step belongs to the case's latest one.
        closure_id = (
            None if step == "notice_served" or not self.case.closures else self.case.closures[-1].id
        )
        self._set_case_enabled(False)
        self._workers.submit(
            lambda: self._tenancy.record_step(
                case_id=case_id,
                step=step,
                details=details,
                closure_id=closure_id,
                vulnerability=answer,
            ),
            lambda _closure: self._changed(case_id),
            self._step_failed,
        )

    def _step_failed(self, exc: Exception) -> None:
        self._set_case_enabled(True)
        self.step_error.setText(describe(exc))

    # Documents ---------------------------------------------------------------------------------

    def make_notice(self) -> None:
        if self.case is None:
            return
        if not self.case.closures:
            self.case_error.setText(
                QCoreApplication.translate("TenancyView", "Record the closure notice step first.")
            )
            return
        closure_id = self.case.closures[-1].id
        self._set_case_enabled(False)
        self._workers.submit(
            lambda: self._tenancy.closure_notice(closure_id=closure_id),
            self._made,
            self._case_failed,
        )

    def make_bundle(self) -> None:
        if self.case is None:
            return
        case_id = self.case.id
        self._set_case_enabled(False)
        self._workers.submit(
            lambda: self._tenancy.evidence_bundle(case_id=case_id),
            self._made,
            self._case_failed,
        )

    def _made(self, kept: KeptDocument) -> None:
        self._set_case_enabled(True)
        self.case_error.clear()
        self.last_document = kept
        pages = f"{kept.page_count} page{'s' if kept.page_count != 1 else ''}"
        self.document_status.setText(
            QCoreApplication.translate(
                "TenancyView", "{title} made ({pages}); it is kept with the case's documents."
            ).format(title=kept.title, pages=pages)
        )
        self.document_made.emit(kept)
