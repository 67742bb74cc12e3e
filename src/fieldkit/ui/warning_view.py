"""Issue a warning: person and scheme, the engine's proposal, support offered, preview and print."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.vocabulary import ServiceNeed
from fieldkit.services.directory import NEED_LABELS, DirectoryService, ServiceRow
from fieldkit.services.documents_service import DocumentService, KeptDocument, PrintOutcome
from fieldkit.services.people import PeopleService, PersonRow
from fieldkit.services.warnings import (
    IssuedWarning,
    WarningProposal,
    WarningRequest,
    WarningService,
)
from fieldkit.ui.loading import child, load_screen
from fieldkit.ui.pdf_preview import PdfPreview
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

_DATA = Qt.ItemDataRole.UserRole
DEFAULT_SCHEME = "street_drinking_vagrancy"


def proposal_html(p: WarningProposal) -> str:
    """The engine's proposal in words."""
    colour = "#1b5e20" if p.can_issue else "#a40000"
    window = f" (stands until {escape(p.window_ends)})" if p.window_ends else ""
    return (
        f"<p>{escape(p.person_name)}: now at <b>{escape(p.stage)}</b>{window}.</p>"
        f"<p style='color:{colour}; font-size: 13pt'><b>Proposed: {escape(p.level_name)}</b></p>"
        f"<p><i>{escape(p.reason)}</i></p>"
        + ("<p>Offer support first or with it.</p>" if p.support_first else "")
    )


class WarningView(QWidget):
    """Every step that touches the vault, renders or prints runs on a worker."""

    issued = Signal(object)
    printed = Signal(object)

    def __init__(
        self,
        warnings: WarningService,
        people: PeopleService,
        directory: DirectoryService,
        documents: DocumentService,
        workers: Workers,
        *,
        default_printer: str = "",
        district: str = "huddersfield",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._warnings = warnings
        self._people = people
        self._directory = directory
        self._documents = documents
        self._workers = workers
        self._district = district
        self._seq = 0
        self.person: PersonRow | None = None
        self.proposal: WarningProposal | None = None
        self.result: IssuedWarning | None = None
        f = load_screen("warning.ui", self)
        self.person_search = child(f, QLineEdit, "personSearch")
        self.person_results = child(f, QListWidget, "personResults")
        self.person_label = child(f, QLabel, "personLabel")
        self.scheme = child(f, QComboBox, "schemeCombo")
        self.proposal_label = child(f, QLabel, "proposalLabel")
        self.behaviour = child(f, QPlainTextEdit, "behaviourEdit")
        self.conditions = child(f, QPlainTextEdit, "conditionsEdit")
        self.need = child(f, QComboBox, "needCombo")
        self.services = child(f, QListWidget, "serviceList")
        self.consent = child(f, QCheckBox, "consentCheck")
        self.error = child(f, QLabel, "errorLabel")
        self.issue_button = child(f, QPushButton, "issueButton")
        self.document_combo = child(f, QComboBox, "documentCombo")
        self.printer_combo = child(f, QComboBox, "printerCombo")
        self.print_button = child(f, QPushButton, "printButton")
        self.print_message = child(f, QLabel, "printMessage")
        host = child(f, QWidget, "previewHost")
        self.preview = PdfPreview(host)
        QVBoxLayout(host).addWidget(self.preview)
        for scheme in warnings.schemes():
            self.scheme.addItem(scheme.name, scheme.id)
        # The warning-letter scheme is what patrol officers use most.
        self.scheme.setCurrentIndex(max(0, self.scheme.findData(DEFAULT_SCHEME)))
        self.need.addItem("Any need", "")
        for need in ServiceNeed:
            self.need.addItem(NEED_LABELS[need], need.value)
        self._default_printer = default_printer
        self._timer = QTimer(self, singleShot=True, interval=120)
        self._timer.timeout.connect(self._search)
        self.person_search.textEdited.connect(lambda _t: self._timer.start())
        self.person_search.returnPressed.connect(self._pick_first)
        self.person_results.itemActivated.connect(self._pick)
        self.person_results.itemClicked.connect(self._pick)
        self.scheme.currentIndexChanged.connect(lambda _i: self._propose())
        self.need.currentIndexChanged.connect(lambda _i: self.load_services())
        self.issue_button.clicked.connect(self.issue)
        self.document_combo.currentIndexChanged.connect(self._preview_current)
        self.print_button.clicked.connect(self.print_current)
        self.print_button.setEnabled(False)
        self.issue_button.setEnabled(False)
        self.load_services()
        self.load_printers()

    def choose_person(self, person_id: str) -> None:
        """Start a warning for a person (from their profile)."""
        self._workers.submit(lambda: self._people.row(person_id), self._set_person)

    def _search(self) -> None:
        text = self.person_search.text()
        self._seq += 1
        seq = self._seq
        if not text.strip():
            self.person_results.clear()
            return
        self._workers.submit(
            lambda: self._people.search(text),
            lambda rows: self._show_people(rows) if seq == self._seq else None,
        )

    def _show_people(self, rows: list[PersonRow]) -> None:
        self.person_results.clear()
        for row in rows:
            item = QListWidgetItem(row.line)
            item.setToolTip(f"Found because: {row.reason}" if row.reason else "")
            item.setData(_DATA, row)
            self.person_results.addItem(item)

    def _pick_first(self) -> None:
        if self.person_results.count():
            self._pick(self.person_results.item(0))

    def _pick(self, item: QListWidgetItem) -> None:
        row = item.data(_DATA)
        assert isinstance(row, PersonRow)
        self._set_person(row)

    def _set_person(self, row: PersonRow) -> None:
        self.person = row
        self.person_label.setText(f"<b>{escape(row.name)}</b> {escape(row.detail)}")
        self.person_results.clear()
        self.person_search.clear()
        self.result = None
        self.document_combo.clear()
        self.preview.clear()
        self.print_message.clear()
        self.error.clear()
        self._propose()
        self.behaviour.setFocus()

    def _propose(self) -> None:
        if self.person is None:
            return
        person_id, scheme_id = self.person.id, str(self.scheme.currentData())
        self._workers.submit(
            lambda: self._warnings.propose(person_id=person_id, scheme_id=scheme_id),
            self._show_proposal,
            lambda exc: self.error.setText(describe(exc)),
        )

    def _show_proposal(self, proposal: WarningProposal) -> None:
        self.proposal = proposal
        self.proposal_label.setText(proposal_html(proposal))
        self.issue_button.setEnabled(proposal.can_issue)
        self.issue_button.setText(
            f"&Issue {proposal.level_name} and make letters"
            if proposal.can_issue
            else "No warning can be issued"
        )

    def load_services(self) -> None:
        need = str(self.need.currentData() or "") or None
        chosen = self._chosen_services()
        self._workers.submit(
            lambda: self._directory.services(need=need),
            lambda rows: self._show_services(rows, chosen),
        )

    def _show_services(self, rows: list[ServiceRow], chosen: set[str]) -> None:
        self.services.clear()
        for row in rows:
            item = QListWidgetItem(f"{row.name} ({row.needs_text})")
            item.setData(_DATA, row.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if row.id in chosen else Qt.CheckState.Unchecked
            )
            self.services.addItem(item)

    def _chosen_services(self) -> set[str]:
        return {
            str(self.services.item(i).data(_DATA))
            for i in range(self.services.count())
            if self.services.item(i).checkState() == Qt.CheckState.Checked
        }

    def load_printers(self) -> None:
        def show(printers: list[str]) -> None:
            self.printer_combo.clear()
            self.printer_combo.addItem("Default printer", "")
            for name in printers:
                self.printer_combo.addItem(name, name)
            if self._default_printer:
                index = self.printer_combo.findData(self._default_printer)
                self.printer_combo.setCurrentIndex(max(0, index))

        self._workers.submit(self._documents.printers, show)

    def issue(self) -> None:
        if self.person is None or self.proposal is None:
            self.error.setText("Choose the person first.")
            return
        request = WarningRequest(
            person_id=self.person.id,
            scheme_id=str(self.scheme.currentData()),
            behaviour=self.behaviour.toPlainText(),
            conditions=tuple(self.conditions.toPlainText().splitlines()),
            district=self._district,
            service_ids=tuple(sorted(self._chosen_services())),
            consent_to_referral=self.consent.isChecked(),
        )
        self.issue_button.setEnabled(False)
        self.error.setText("Making the letters…")
        self._workers.submit(lambda: self._warnings.issue(request), self._issued, self._failed)

    def _failed(self, exc: Exception) -> None:
        self.error.setText(describe(exc))
        self.issue_button.setEnabled(self.proposal is not None and self.proposal.can_issue)

    def _issued(self, result: IssuedWarning) -> None:
        self.result = result
        self.error.setText(
            f"{result.level_name} issued and kept in the vault. Preview and print it."
        )
        self.behaviour.clear()
        self.conditions.clear()
        self.consent.setChecked(False)
        self.document_combo.clear()
        for doc in result.documents:
            self.document_combo.addItem(doc.title, doc.id)
        self.print_button.setEnabled(bool(result.documents))
        self._preview_current()
        self._propose()
        self.issued.emit(result)

    def current_document(self) -> KeptDocument | None:
        if self.result is None or self.document_combo.currentIndex() < 0:
            return None
        return self.result.documents[self.document_combo.currentIndex()]

    def _preview_current(self, *_args: object) -> None:
        doc = self.current_document()
        self.preview.show_pdf(doc.pdf if doc else b"")

    def print_current(self) -> None:
        doc = self.current_document()
        if doc is None:
            return
        printer = str(self.printer_combo.currentData() or "") or None
        recipient = f"person:{self.person.id}" if self.person else None
        self.print_message.setText("Sending to the printer…")
        self._workers.submit(
            lambda: self._documents.print_document(doc, printer=printer, recipient=recipient),
            self._printed,
            lambda exc: self.print_message.setText(describe(exc)),
        )

    def _printed(self, outcome: PrintOutcome) -> None:
        self.print_message.setText(outcome.message)
        self.printed.emit(outcome)
