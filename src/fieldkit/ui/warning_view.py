"""Issue a warning: person and scheme, the engine's proposal, support offered, preview and print."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape

from PySide6.QtCore import QCoreApplication, QDateTime, Qt, Signal
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.vocabulary import WARNING_SERVICE, ServiceNeed
from fieldkit.domain.vulnerability import Vulnerability, VulnerabilityCheck
from fieldkit.services.directory import NEED_LABELS, DirectoryService, ServiceRow
from fieldkit.services.documents_service import DocumentService, KeptDocument, PrintOutcome
from fieldkit.services.evidence import AttachmentService
from fieldkit.services.people import PeopleService, PersonRow
from fieldkit.services.print_port import PaperTray
from fieldkit.services.settings import AppSettings, SettingsService
from fieldkit.services.visits import PlaceChoice
from fieldkit.services.warnings import (
    IssuedWarning,
    WarningProposal,
    WarningRequest,
    WarningService,
)
from fieldkit.ui.evidence_strip import EvidenceStrip
from fieldkit.ui.loading import child, load_screen, tab_in_reading_order
from fieldkit.ui.pdf_preview import PdfPreview
from fieldkit.ui.person_search import PersonSearch
from fieldkit.ui.qt_time import qdatetime
from fieldkit.ui.theme import set_tone, tone_colour
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

_DATA = Qt.ItemDataRole.UserRole
DEFAULT_SCHEME = "street_drinking_vagrancy"


def _aware(moment: object) -> datetime:
    """A date-time edit's value as an aware local time (Qt gives a naive one)."""
    assert isinstance(moment, datetime)
    return moment.astimezone()


def proposal_html(p: WarningProposal) -> str:
    """The engine's proposal in words."""
    colour = tone_colour("good" if p.can_issue else "problem")
    window = f" (stands until {escape(p.window_ends)})" if p.window_ends else ""
    return (
        f"<p>{escape(p.person_name)}: now at <b>{escape(p.stage)}</b>{window}.</p>"
        f"<p style='color:{colour}; font-size: 120%'><b>Proposed: {escape(p.level_name)}</b></p>"
        f"<p><i>{escape(p.reason)}</i></p>"
        + ("<p>Offer support first or with it.</p>" if p.support_first else "")
    )


class WarningView(QWidget):
    """Every step that touches the vault, renders or prints runs on a worker."""

    issued = Signal(object)
    printed = Signal(object)
    #: Refer… on the signposting just given with a warning (its id).
    refer_from_signposting = Signal(str)

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
        settings: SettingsService | None = None,
        places: Callable[[], list[PlaceChoice]] | None = None,
        evidence: AttachmentService | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._warnings = warnings
        self._people = people
        self._directory = directory
        self._documents = documents
        self._workers = workers.owned_by(self)
        self._district = district
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
        # "Print…" opens the platform's own print dialog (copies, another printer); the .ui
        # file predates it, so it is added here.
        self.dialog_button = QPushButton(
            QCoreApplication.translate("WarningView", "Print &with options…"), self
        )
        self.dialog_button.setAccessibleName(
            QCoreApplication.translate("WarningView", "Print with options")
        )
        child(f, QHBoxLayout, "printRow").addWidget(self.dialog_button)
        # Refer… the person signposted with the warning to a partner (consent, reason, urgency
        # are asked for in the Refer… dialog).
        self.refer_button = QPushButton(
            QCoreApplication.translate("WarningView", "&Refer this person to a partner…"), self
        )
        self.refer_button.setAccessibleName(
            QCoreApplication.translate("WarningView", "Refer this person to a partner")
        )
        self.refer_button.setEnabled(False)
        self.refer_button.clicked.connect(self._refer_from_signposting)
        # On a row of its own under the printing: it is not a way to print, and beside the
        # print buttons it made the screen wider than a 1366-pixel laptop's window.
        refer_row = QHBoxLayout()
        refer_row.addWidget(self.refer_button)
        refer_row.addStretch(1)
        pane = child(f, QVBoxLayout, "previewLayout")
        pane.insertLayout(pane.indexOf(child(f, QHBoxLayout, "printRow")) + 1, refer_row)
        self.print_dialog: QPrintDialog | None = None
        self._places = places or (lambda: [])
        self._visit_id: str | None = None
        self._add_what_happened(child(f, QFormLayout, "pickForm"))
        self._add_vulnerability(child(f, QFormLayout, "pickForm"))
        host = child(f, QWidget, "previewHost")
        self.preview = PdfPreview(host)
        QVBoxLayout(host).addWidget(self.preview)
        for scheme in warnings.schemes():
            self.scheme.addItem(scheme.name, scheme.id)
        # The warning-letter scheme is what patrol officers use most.
        self.scheme.setCurrentIndex(max(0, self.scheme.findData(DEFAULT_SCHEME)))
        self.need.addItem(QCoreApplication.translate("WarningView", "Any need"), "")
        for need in ServiceNeed:
            self.need.addItem(NEED_LABELS[need], need.value)
        self._default_printer = default_printer
        self._two_sided = True
        self._tray = PaperTray.AUTO
        self._settings = settings
        self.people_search = PersonSearch(
            self.person_search, self.person_results, search=people.search, workers=workers
        )
        self.people_search.picked.connect(self._set_person)
        self.scheme.currentIndexChanged.connect(lambda _i: self._propose())
        self.need.currentIndexChanged.connect(lambda _i: self.load_services())
        self.issue_button.clicked.connect(self.issue)
        self.document_combo.currentIndexChanged.connect(self._preview_current)
        self.print_button.clicked.connect(self.print_current)
        self.print_button.setEnabled(False)
        self.dialog_button.clicked.connect(self.open_print_dialog)
        self.dialog_button.setEnabled(False)
        self.issue_button.setEnabled(False)
        # Photos and files of the warning just issued (attached after issuing: the warning is
        # their owner, so they are scoped, synced and erased as it is).
        self.evidence = (
            EvidenceStrip(
                evidence,
                workers,
                self,
                waiting=QCoreApplication.translate(
                    "WarningView", "Photos and files can be attached once the warning is issued."
                ),
            )
            if evidence is not None
            else None
        )
        if self.evidence is not None:
            self.evidence.enable_camera_if_present()
            child(f, QVBoxLayout, "formLayout").addWidget(self.evidence)
        self.load_services()
        self.load_printers()
        # Controls added in code join Tab where they show (tests/ui: tab order).
        tab_in_reading_order(f.layout())

    def _add_what_happened(self, form: QFormLayout) -> None:
        """Risk markers, where, when and how it was served: added here, after the .ui file."""
        self.risk_label = QLabel(self)
        self.risk_label.setWordWrap(True)
        set_tone(self.risk_label, "problem")
        self.risk_label.setAccessibleName(QCoreApplication.translate("WarningView", "Risk markers"))
        self.risk_label.hide()
        form.addRow(self.risk_label)
        self.place_combo = QComboBox(self)
        self.place_combo.setEditable(True)
        self.place_combo.setAccessibleName(
            QCoreApplication.translate("WarningView", "Where it happened")
        )
        self.place_combo.setToolTip(
            QCoreApplication.translate("WarningView", "A recent place, or type where it happened")
        )
        form.addRow(QCoreApplication.translate("WarningView", "&Where:"), self.place_combo)
        self.when_edit = QDateTimeEdit(QDateTime.currentDateTime(), self)
        self.when_edit.setCalendarPopup(True)
        self.when_edit.setDisplayFormat("d MMM yyyy HH:mm")
        self.when_edit.setAccessibleName(
            QCoreApplication.translate("WarningView", "When the behaviour happened")
        )
        form.addRow(QCoreApplication.translate("WarningView", "Wh&en:"), self.when_edit)
        self.served_combo = QComboBox(self)
        self.served_combo.setAccessibleName(
            QCoreApplication.translate("WarningView", "How it was served")
        )
        for how in WARNING_SERVICE:
            self.served_combo.addItem(how.label, how.value)
        form.addRow(QCoreApplication.translate("WarningView", "Ser&ved:"), self.served_combo)
        self.visit_label = QLabel(self)
        self.visit_label.hide()
        form.addRow(self.visit_label)
        self.load_places()

    def _add_vulnerability(self, form: QFormLayout) -> None:
        """Before a Red warning or CPN: was vulnerability considered, what, and a referral."""
        self.vulnerability_box = QGroupBox(
            QCoreApplication.translate("WarningView", "Vulnerability before escalating"), self
        )
        self.vulnerability_box.setAccessibleName(
            QCoreApplication.translate("WarningView", "Vulnerability before escalating")
        )
        box = QVBoxLayout(self.vulnerability_box)
        self.considered_check = QCheckBox(
            QCoreApplication.translate(
                "WarningView", "I have &considered whether this person is vulnerable"
            )
        )
        box.addWidget(self.considered_check)
        self.vulnerability_checks: dict[Vulnerability, QCheckBox] = {}
        for item in Vulnerability:
            check = QCheckBox(item.label)
            check.setAccessibleName(
                QCoreApplication.translate("WarningView", "Vulnerability: {label}").format(
                    label=item.label
                )
            )
            box.addWidget(check)
            self.vulnerability_checks[item] = check
            check.toggled.connect(lambda _on: self._show_referral_advice())
        self.referral_check = QCheckBox(
            QCoreApplication.translate("WarningView", "Make a safeguarding &referral alongside")
        )
        box.addWidget(self.referral_check)
        self.no_referral_reason = QLineEdit(self)
        self.no_referral_reason.setPlaceholderText(
            QCoreApplication.translate(
                "WarningView", "Why escalate without a safeguarding referral"
            )
        )
        self.no_referral_reason.setAccessibleName(
            QCoreApplication.translate("WarningView", "Reason for no safeguarding referral")
        )
        box.addWidget(self.no_referral_reason)
        self.referral_advice = QLabel(self)
        self.referral_advice.setWordWrap(True)
        self.referral_advice.setStyleSheet("color: #a40000;")
        box.addWidget(self.referral_advice)
        self.referral_check.toggled.connect(lambda _on: self._show_referral_advice())
        form.addRow(self.vulnerability_box)
        self.vulnerability_box.hide()

    def vulnerability_answer(self) -> VulnerabilityCheck | None:
        """The answer on the form, or None where the step does not ask it."""
        if self.vulnerability_box.isHidden():
            return None
        return VulnerabilityCheck(
            self.considered_check.isChecked(),
            frozenset(v for v, c in self.vulnerability_checks.items() if c.isChecked()),
            self.referral_check.isChecked(),
            self.no_referral_reason.text(),
        )

    def _show_referral_advice(self) -> None:
        answer = self.vulnerability_answer()
        propose = (
            answer is not None
            and not answer.referral
            and self._warnings.rule_on_vulnerability(answer).propose_referral
        )
        self.referral_advice.setText(
            QCoreApplication.translate(
                "WarningView",
                "A vulnerability is recorded: a safeguarding referral is proposed alongside. "
                "Escalating without one needs a reason.",
            )
            if propose
            else ""
        )

    def load_places(self) -> None:
        """Offer the officer's recent places, as Log a visit does."""

        def show(rows: list[PlaceChoice]) -> None:
            typed = self.place_combo.currentText()
            self.place_combo.clear()
            for row in rows:
                self.place_combo.addItem(row.label, row.id)
            self.place_combo.setEditText(typed)

        self._workers.submit(self._places, show)

    def start_from_visit(
        self,
        *,
        visit_id: str,
        person_id: str,
        place_id: str | None,
        place_label: str,
        when: datetime,
    ) -> None:
        """Start a warning from a visit: person, place and time are filled in from it."""
        self._visit_id = visit_id
        self.visit_label.setText(
            QCoreApplication.translate(
                "WarningView", "From the visit of {when:%d %b %Y %H:%M}"
            ).format(when=when)
        )
        self.visit_label.show()
        if place_id:
            index = self.place_combo.findData(place_id)
            if index < 0:
                self.place_combo.addItem(place_label, place_id)
                index = self.place_combo.count() - 1
            self.place_combo.setCurrentIndex(index)
        else:
            self.place_combo.setEditText(place_label)
        self.when_edit.setDateTime(qdatetime(when))
        self.choose_person(person_id)

    def _chosen_place(self) -> tuple[str | None, str]:
        text = self.place_combo.currentText().strip()
        index = self.place_combo.currentIndex()
        if index >= 0 and self.place_combo.itemText(index) == text:
            return str(self.place_combo.itemData(index)), text
        return None, text

    def choose_person(self, person_id: str) -> None:
        """Start a warning for a person (from their profile)."""
        self._workers.submit(lambda: self._people.row(person_id), self._set_person)

    def _set_person(self, row: PersonRow) -> None:
        self.person = row
        self.person_label.setText(
            QCoreApplication.translate("WarningView", "<b>{0}</b> {1}").format(
                escape(row.name), escape(row.detail)
            )
        )
        if self._visit_id is None:
            self.when_edit.setDateTime(qdatetime(self._warnings.now()))
        self.risk_label.setText(QCoreApplication.translate("WarningView", "RISK: ") + row.risk_text)
        self.risk_label.setVisible(bool(row.risk_markers))
        self.people_search.clear()
        self.result = None
        self.refer_button.setEnabled(False)
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
        asks = proposal.can_issue and self._warnings.vulnerability_needed(
            level_id=proposal.level_id
        )
        self.vulnerability_box.setVisible(asks)
        self.issue_button.setEnabled(proposal.can_issue)
        self.issue_button.setText(
            QCoreApplication.translate(
                "WarningView", "&Issue {level_name} and make letters"
            ).format(level_name=proposal.level_name)
            if proposal.can_issue
            else QCoreApplication.translate("WarningView", "No warning can be issued")
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

    def use_settings(self, settings: AppSettings) -> None:
        """Take this laptop's printing settings (printer, two-sided, tray) and list printers."""
        self._default_printer = settings.default_printer
        self._two_sided = settings.two_sided
        try:
            self._tray = PaperTray(settings.paper_tray)
        except ValueError:  # saved by a newer version that knows more trays
            self._tray = PaperTray.AUTO
        self.load_printers()

    def load_printers(self) -> None:
        def listed() -> tuple[list[str], str | None]:
            return self._documents.printers(), self._documents.default_printer()

        def show(found: tuple[list[str], str | None]) -> None:
            printers, system_default = found
            self.printer_combo.clear()
            self.printer_combo.addItem(
                QCoreApplication.translate(
                    "WarningView", "Default printer ({system_default})"
                ).format(system_default=system_default)
                if system_default
                else QCoreApplication.translate("WarningView", "Default printer"),
                "",
            )
            for name in printers:
                self.printer_combo.addItem(name, name)
            remembered = self._default_printer
            if remembered and remembered not in printers:
                # A patrol printer (Bluetooth, USB) that is off or out of range: still offered,
                # so that printing to it says why it cannot, rather than silently using another.
                self.printer_combo.addItem(
                    QCoreApplication.translate(
                        "WarningView", "{remembered} (not connected)"
                    ).format(remembered=remembered),
                    remembered,
                )
            if remembered:
                index = self.printer_combo.findData(remembered)
                self.printer_combo.setCurrentIndex(max(0, index))

        self._workers.submit(listed, show)

    def issue(self) -> None:
        if self.person is None or self.proposal is None:
            self.error.setText(
                QCoreApplication.translate("WarningView", "Choose the person first.")
            )
            return
        place_id, place_label = self._chosen_place()
        request = WarningRequest(
            person_id=self.person.id,
            scheme_id=str(self.scheme.currentData()),
            behaviour=self.behaviour.toPlainText(),
            conditions=tuple(self.conditions.toPlainText().splitlines()),
            district=self._district,
            place_id=place_id,
            place_label=place_label,
            occurred_at=_aware(self.when_edit.dateTime().toPython()),
            service_ids=tuple(sorted(self._chosen_services())),
            consent_to_referral=self.consent.isChecked(),
            visit_id=self._visit_id,
            served_how=str(self.served_combo.currentData()),
            vulnerability=self.vulnerability_answer(),
        )
        self.issue_button.setEnabled(False)
        self.error.setText(QCoreApplication.translate("WarningView", "Making the letters…"))
        self._workers.submit(lambda: self._warnings.issue(request), self._issued, self._failed)

    def _failed(self, exc: Exception) -> None:
        self.error.setText(describe(exc))
        self.issue_button.setEnabled(self.proposal is not None and self.proposal.can_issue)

    def _issued(self, result: IssuedWarning) -> None:
        self.result = result
        if self.evidence is not None:
            self.evidence.set_owner(("warning", result.warning_id))
        self._visit_id = None
        self.visit_label.hide()
        self.error.setText(
            QCoreApplication.translate(
                "WarningView",
                "{level_name} prepared and held until a supervisor countersigns it; it can be "
                "served after that countersignature arrives by sync.",
            ).format(level_name=result.level_name)
            if result.awaiting_countersignature
            else QCoreApplication.translate(
                "WarningView", "{level_name} issued and kept in the vault. Preview and print it."
            ).format(level_name=result.level_name)
        )
        self.behaviour.clear()
        self.conditions.clear()
        self.consent.setChecked(False)
        self.considered_check.setChecked(False)
        for check in self.vulnerability_checks.values():
            check.setChecked(False)
        self.referral_check.setChecked(False)
        self.no_referral_reason.clear()
        self.document_combo.clear()
        for doc in result.documents:
            self.document_combo.addItem(doc.title, doc.id)
        self.print_button.setEnabled(bool(result.documents))
        self.dialog_button.setEnabled(bool(result.documents))
        self.refer_button.setEnabled(result.signposting_id is not None)
        self._preview_current()
        self._propose()
        self.issued.emit(result)

    def _refer_from_signposting(self) -> None:
        if self.result is not None and self.result.signposting_id is not None:
            self.refer_from_signposting.emit(self.result.signposting_id)

    def current_document(self) -> KeptDocument | None:
        if self.result is None or self.document_combo.currentIndex() < 0:
            return None
        return self.result.documents[self.document_combo.currentIndex()]

    def _preview_current(self, *_args: object) -> None:
        doc = self.current_document()
        self.preview.show_pdf(doc.pdf if doc else b"")

    def print_current(self) -> None:
        """Print the shown document to the chosen printer, one copy, with this laptop's settings."""
        printer = str(self.printer_combo.currentData() or "") or None
        self._send(printer, copies=1, two_sided=self._two_sided)

    def open_print_dialog(self) -> QPrintDialog | None:
        """Open the platform's print dialog on the chosen printer; printing starts on OK.

        Returns:
            The dialog (open, window-modal), or None when there is no document to print.
        """
        if self.current_document() is None:
            return None
        chosen = str(self.printer_combo.currentData() or "")
        info = QPrinterInfo.printerInfo(chosen) if chosen else QPrinterInfo.defaultPrinter()
        printer = QPrinter(info) if not info.isNull() else QPrinter()
        sides = QPrinter.DuplexMode.DuplexLongSide if self._two_sided else None
        printer.setDuplex(sides or QPrinter.DuplexMode.DuplexNone)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(QCoreApplication.translate("WarningView", "Print"))
        # Letters are printed whole, to a printer: no page ranges, and no unencrypted PDF
        # written somewhere on the laptop by "print to file".
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintToFile, False)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintPageRange, False)
        dialog.setOption(QAbstractPrintDialog.PrintDialogOption.PrintSelection, False)
        dialog.accepted.connect(lambda: self._print_from_dialog(printer))
        dialog.finished.connect(dialog.deleteLater)
        self.print_dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()
        return dialog

    def _print_from_dialog(self, printer: QPrinter) -> None:
        if printer.outputFormat() != QPrinter.OutputFormat.NativeFormat:
            self.print_message.setText(
                QCoreApplication.translate(
                    "WarningView", "Choose a printer; Fieldkit does not print to a file."
                )
            )
            return
        self._send(
            printer.printerName() or None,
            copies=max(1, min(99, printer.copyCount())),
            two_sided=printer.duplex() != QPrinter.DuplexMode.DuplexNone,
        )

    def _send(self, printer: str | None, *, copies: int, two_sided: bool) -> None:
        doc = self.current_document()
        if doc is None:
            return
        recipient = f"person:{self.person.id}" if self.person else None
        tray = self._tray
        self.print_message.setText(
            QCoreApplication.translate("WarningView", "Sending to the printer…")
        )
        self._workers.submit(
            lambda: self._documents.print_document(
                doc,
                printer=printer,
                recipient=recipient,
                copies=copies,
                two_sided=two_sided,
                tray=tray,
            ),
            lambda outcome: self._printed(outcome, printer),
            lambda exc: self.print_message.setText(describe(exc)),
        )

    def _printed(self, outcome: PrintOutcome, printer: str | None) -> None:
        self.print_message.setText(outcome.message)
        if outcome.printed and printer and printer != self._default_printer:
            self._remember(printer)
        self.printed.emit(outcome)

    def _remember(self, printer: str) -> None:
        """Offer this printer first next time, on this laptop."""
        self._default_printer = printer
        if self._settings is not None:
            settings = self._settings
            self._workers.submit(lambda: settings.remember_printer(printer), lambda _s: None)
