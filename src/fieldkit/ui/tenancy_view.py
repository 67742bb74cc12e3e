"""Tenancy cases: the list, and a case with its chronology, closure clocks and a note form."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QPushButton, QTableView, QWidget

from fieldkit.services.tenancy import NOTE_KINDS, CaseRow, CaseView, NoteEntry, TenancyService
from fieldkit.ui.loading import child, load_screen
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.today_view import fit_columns
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers


def closure_html(case: CaseView) -> str:
    """Each closure's legal clocks with deadline and what is due."""
    if not case.closures:
        return "No closure on this case."
    parts = []
    for closure in case.closures:
        parts.append(f"<p><b>Closure: {escape(closure.status)}</b></p>")
        if closure.problem:
            parts.append(f"<p style='color:#a40000'>{escape(closure.problem)}</p>")
        if not closure.clocks and not closure.problem:
            parts.append("<p>No clock is running.</p>")
        for clock in closure.clocks:
            parts.append(
                f"<p><b>{escape(clock.name)}</b> — {escape(clock.deadline_text)}<br>"
                f"{escape(clock.due)}</p>"
            )
    return "".join(parts)


class TenancyView(QWidget):
    """Opening a case logs a consultation; adding a note writes a tenancy note record."""

    note_added = Signal(str)
    case_shown = Signal(str)

    def __init__(self, tenancy: TenancyService, workers: Workers, parent: QWidget | None = None):
        super().__init__(parent)
        self._tenancy = tenancy
        self._workers = workers
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
        self.add_button.clicked.connect(self.add_note)
        self.add_button.setEnabled(False)

    def refresh(self) -> None:
        self._workers.submit(lambda: self._tenancy.cases(), self.cases.set_rows)

    def open(self, case_id: str) -> None:
        self._workers.submit(
            lambda: self._tenancy.case(case_id),
            self._show,
            lambda exc: self.details.setText(describe(exc)),
        )

    def _show(self, case: CaseView) -> None:
        self.case = case
        self.add_button.setEnabled(True)
        self.title.setText(f"Tenancy case {case.reference}")
        tenants = ", ".join(case.tenants) or "none recorded"
        vulnerability = ", ".join(case.vulnerability) or "none recorded"
        restricted = (
            "<p style='color:#a40000'><b>Restricted record</b></p>" if case.restricted else ""
        )
        self.details.setText(
            f"{restricted}<p><b>Property:</b> {escape(case.place)}<br>"
            f"<b>Tenants:</b> {escape(tenants)}<br>"
            f"<b>Vulnerability:</b> {escape(vulnerability)}<br>"
            f"<b>Landlord:</b> {escape(case.landlord or '—')} · "
            f"<b>Status:</b> {escape(case.status)}</p>"
        )
        self.closure.setText(closure_html(case))
        self.notes.set_rows(case.notes)
        self.notes_table.scrollToBottom()
        self.case_shown.emit(case.id)

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

    def _added(self, note: NoteEntry) -> None:
        self.note_body.clear()
        self.note_error.clear()
        self.add_button.setEnabled(True)
        if self.case is not None:
            self.open(self.case.id)
        self.note_added.emit(note.id)

    def _failed(self, exc: Exception) -> None:
        self.add_button.setEnabled(True)
        self.note_error.setText(describe(exc))
