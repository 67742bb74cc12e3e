"""People: search as you type, then a profile with flags, warning standing and timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldkit.services.evidence import AttachmentService
from fieldkit.services.people import PeopleService, PersonProfile, PersonRow, TimelineEntry
from fieldkit.services.person_merge import MergePlan, PersonMergeService
from fieldkit.services.printouts import PrintoutService
from fieldkit.services.subject_access import SubjectAccessExport, SubjectAccessService
from fieldkit.services.warnings import WarningService
from fieldkit.ui.evidence_strip import EvidenceStrip
from fieldkit.ui.flow_layout import FlowLayout, wrap_row
from fieldkit.ui.loading import child, load_screen
from fieldkit.ui.people_presenter import (
    export_saved,
    flags_line,
    identity_lines,
    profile_actions,
    same_as_html,
    standing_html,
    warning_actions,
)
from fieldkit.ui.person_search import PersonSearch
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.view_helpers import StatusLine, fit_columns
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers


class PeopleView(QWidget):
    """Opening a profile logs a consultation (the service does it).

    Args:
        people: finds people and opens profiles.
        workers: runs service calls off the GUI thread.
        subject_access: exports everything held about a person (no export button if None).
        choose_folder: asks where to save an export (a folder dialog by default; tests pass
            a folder).
    """

    warn_person = Signal(str)
    #: Open a record in the record editor: (record type, record id).
    edit_record = Signal(str, str)
    #: Risk markers… on the profile: the person's id, for the risk markers dialog.
    risk_markers_requested = Signal(str)
    #: Open an ASB case about the profile's person: (person id, name, district).
    case_about_person = Signal(str, str, str)
    #: A warning on the profile was reprinted, withdrawn or served (or that failed): the sentence.
    warning_changed = Signal(str)
    profile_shown = Signal(str)
    #: A subject access export finished: the sentence shown to the user.
    exported = Signal(str)
    #: A subject access export failed: the sentence shown to the user.
    export_failed = Signal(str)

    def __init__(
        self,
        people: PeopleService,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        subject_access: SubjectAccessService | None = None,
        choose_folder: Callable[[str], Path | None] | None = None,
        warnings: WarningService | None = None,
        printouts: PrintoutService | None = None,
        ask_text: Callable[[str, str], str | None] | None = None,
        ask_review: Callable[[], tuple[date, str] | None] | None = None,
        merges: PersonMergeService | None = None,
        choose_duplicate: Callable[[list[PersonRow]], PersonRow | None] | None = None,
        confirm: Callable[[str, str], bool] | None = None,
        evidence: AttachmentService | None = None,
    ):
        super().__init__(parent)
        self._people = people
        self._workers = workers.owned_by(self)
        self._subject_access = subject_access
        self._choose_folder = choose_folder or self._ask_for_folder
        self._exporting = False
        self._same_as_call = workers.latest(owner=self)
        f = load_screen("people.ui", self)
        # Photos and files attached to the person themselves, under the profile.
        self.evidence: EvidenceStrip | None = None
        host_layout = self.layout()
        if evidence is not None and host_layout is not None:
            self.evidence = EvidenceStrip(
                evidence,
                workers,
                self,
                waiting=QCoreApplication.translate(
                    "PeopleView", "Choose a person to see their photos and files."
                ),
            )
            self.evidence.enable_camera_if_present()
            host_layout.addWidget(self.evidence)
        self.search = child(f, QLineEdit, "searchEdit")
        self.results_table = child(f, QTableView, "resultsTable")
        self.name = child(f, QLabel, "nameLabel")
        self.flags = child(f, QLabel, "flagsLabel")
        self.identity = child(f, QLabel, "identityLabel")
        self.standing = child(f, QLabel, "standingLabel")
        self.timeline_table = child(f, QTableView, "timelineTable")
        self.warn_button = child(f, QPushButton, "warnButton")
        # Built here rather than in people.ui: it exists only when the service is given.
        self.access_button = QPushButton(
            QCoreApplication.translate("PeopleView", "Subject &access export…"), self
        )
        self.access_button.setAccessibleName(
            QCoreApplication.translate("PeopleView", "Subject access export")
        )
        self.access_button.setToolTip(
            QCoreApplication.translate(
                "PeopleView",
                "Everything this vault holds about the person, as PDF and JSON in a folder you "
                "choose. The export is logged.",
            )
        )
        self.access_status = StatusLine(self)
        self.access_status.setAccessibleName(
            QCoreApplication.translate("PeopleView", "Subject access export status")
        )
        # The profile's buttons wrap onto more lines in a narrow pane; what they did is said
        # in the lines above them.
        buttons = wrap_row(child(f, QHBoxLayout, "profileButtons"))
        self._statuses = QVBoxLayout()
        profile = child(f, QVBoxLayout, "profileLayout")
        profile.insertLayout(profile.indexOf(buttons), self._statuses)
        self._statuses.addWidget(self.access_status)
        buttons.insertWidget(buttons.indexOf(self.warn_button), self.access_button)
        self.case_button = QPushButton(
            QCoreApplication.translate("PeopleView", "Open an ASB &case…"), self
        )
        self.case_button.setEnabled(False)
        self.case_button.clicked.connect(self._case_about_person)
        buttons.insertWidget(buttons.indexOf(self.warn_button), self.case_button)
        self.access_button.setVisible(subject_access is not None)
        self.results = RowTableModel[PersonRow](
            [
                Column[PersonRow]("Name", lambda p: ("⚠ " if p.has_risk_flag else "") + p.name),
                Column[PersonRow]("Details", lambda p: p.detail),
                Column[PersonRow]("Why it matched", lambda p: p.reason),
            ],
            emphasis=lambda p: p.has_risk_flag,
            parent=self,
        )
        self.timeline = RowTableModel[TimelineEntry](
            [
                Column[TimelineEntry]("When", lambda e: e.when.strftime("%d/%m/%Y %H:%M")),
                Column[TimelineEntry]("What", lambda e: e.kind),
                Column[TimelineEntry]("Summary", lambda e: e.title),
                Column[TimelineEntry]("Details", lambda e: e.detail),
                Column[TimelineEntry]("Processed under", lambda e: e.regime),
            ],
            emphasis=lambda e: e.restricted,
            parent=self,
        )
        self.results_table.setModel(self.results)
        fit_columns(self.results_table, 1)
        # Merge suggestions: other records that may be this person, as links to open them.
        self.same_as = QLabel(self)
        self.same_as.setWordWrap(True)
        self.same_as.setAccessibleName(
            QCoreApplication.translate("PeopleView", "May be the same person as")
        )
        self.same_as.setTextFormat(Qt.TextFormat.RichText)
        self.same_as.linkActivated.connect(lambda link: self.open(link.removeprefix("person:")))
        profile_layout = f.findChild(QVBoxLayout, "profileLayout")
        assert profile_layout is not None, "people.ui has no profileLayout"
        profile_layout.insertWidget(profile_layout.indexOf(self.identity) + 1, self.same_as)
        self.timeline_table.setModel(self.timeline)
        fit_columns(self.timeline_table, 3)
        self.people_search = PersonSearch(
            self.search, self.results_table, search=people.search, workers=workers
        )
        self.people_search.picked.connect(lambda person: self.open(person.id))
        self.warn_button.clicked.connect(self._warn)
        self.access_button.clicked.connect(self._ask_export)
        self._warnings = warnings
        self._printouts = printouts
        self._ask_text = ask_text or self._ask_for_text
        self._ask_review_details = ask_review or self._ask_for_review
        self._add_warning_actions(buttons)
        self._add_edit_action(buttons)
        self._merges = merges
        self._choose_duplicate = choose_duplicate or self._ask_for_duplicate
        self._confirm = confirm or self._ask_to_confirm
        self._same_rows: list[PersonRow] = []
        self._merge_note = ""
        self._add_merge_action(buttons)
        self.timeline_table.clicked.connect(lambda _i: self._enable_warning_actions())
        self.profile: PersonProfile | None = None
        self._show_profile(None)

    # Correcting ------------------------------------------------------------------------------

    def _add_edit_action(self, buttons: FlowLayout) -> None:
        """Edit… opens the person (or, from the timeline, the row's record) in the editor.

        Enter or a double-click on a timeline row opens that row's record; Ctrl+E edits the
        selected row when the timeline has the focus, else the person.
        """
        self.edit_button = QPushButton(
            QCoreApplication.translate("PeopleView", "&Edit person…"), self
        )
        self.edit_button.setAccessibleName(
            QCoreApplication.translate(
                "PeopleView", "Correct the person's details and risk markers"
            )
        )
        self.edit_button.setToolTip(
            QCoreApplication.translate(
                "PeopleView",
                "Correct names, aliases, date of birth, description, risk markers (Ctrl+E)",
            )
        )
        self.edit_button.setEnabled(False)
        buttons.insertWidget(buttons.indexOf(self.warn_button), self.edit_button)
        self.edit_button.clicked.connect(self.edit_person)
        self.risks_button = QPushButton(
            QCoreApplication.translate("PeopleView", "Ris&k markers…"), self
        )
        self.risks_button.setAccessibleName(
            QCoreApplication.translate("PeopleView", "Set the person's risk markers")
        )
        self.risks_button.setToolTip(
            QCoreApplication.translate(
                "PeopleView", "Tick the risks that apply, with notes, and say why"
            )
        )
        self.risks_button.setEnabled(False)
        buttons.insertWidget(buttons.indexOf(self.warn_button), self.risks_button)
        self.risks_button.clicked.connect(self.edit_risk_markers)
        self.timeline_table.activated.connect(lambda i: self.edit_timeline_row(i.row()))
        shortcut = QShortcut(QKeySequence("Ctrl+E"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self._edit_shortcut)

    def edit_person(self) -> None:
        """Open the shown person in the record editor."""
        if self.profile is not None:
            self.edit_record.emit("person", self.profile.id)

    def edit_risk_markers(self) -> None:
        """Open the shown person's risk markers in their own dialog."""
        if self.profile is not None:
            self.risk_markers_requested.emit(self.profile.id)

    def edit_timeline_row(self, row: int) -> None:
        """Open a timeline row's record in the editor (nothing for a row it may not open)."""
        if not 0 <= row < len(self.timeline.rows):
            return
        entry = self.timeline.row_at(row)
        if entry.record_type and entry.record_id:
            self.edit_record.emit(entry.record_type, entry.record_id)

    def _edit_shortcut(self) -> None:
        index = self.timeline_table.currentIndex()
        if self.timeline_table.hasFocus() and index.isValid():
            self.edit_timeline_row(index.row())
        else:
            self.edit_person()

    # Merging ---------------------------------------------------------------------------------

    def _add_merge_action(self, buttons: FlowLayout) -> None:
        """Merge with… (supervisors): fold a likely duplicate into the person shown."""
        self.merge_button = QPushButton(
            QCoreApplication.translate("PeopleView", "&Merge with…"), self
        )
        self.merge_button.setAccessibleName(
            QCoreApplication.translate("PeopleView", "Merge a duplicate record into this person")
        )
        self.merge_button.setToolTip(
            QCoreApplication.translate(
                "PeopleView",
                "Another record is this same person: its links move here, both histories are "
                "kept, and the merge syncs and is logged (supervisors).",
            )
        )
        self.merge_status = StatusLine(self)
        self.merge_status.setAccessibleName(
            QCoreApplication.translate("PeopleView", "Merge status")
        )
        self._statuses.addWidget(self.merge_status)
        buttons.insertWidget(buttons.indexOf(self.warn_button), self.merge_button)
        self.merge_button.setEnabled(False)
        self.merge_button.setVisible(False)
        if self._merges is not None:
            merges = self._merges
            self._workers.submit(merges.is_supervisor, self.merge_button.setVisible)
        self.merge_button.clicked.connect(self._ask_merge)

    def _ask_merge(self) -> None:
        profile = self.profile
        if profile is None or not self._same_rows:
            return
        chosen = self._choose_duplicate(self._same_rows)
        if chosen is not None:
            self.merge_into_shown(chosen)

    def merge_into_shown(self, duplicate: PersonRow) -> None:
        """Ask to confirm what will move, and a reason, then merge ``duplicate`` into the
        person shown (on a worker)."""
        profile, merges = self.profile, self._merges
        if profile is None or merges is None:
            return
        into = profile.id

        def planned(plan: MergePlan) -> None:
            question = (
                f"Merge {duplicate.name} into {profile.name}?\n\n"
                f"Moves to {profile.name}: {plan.summary}.\n"
                f"{duplicate.name}'s record is kept, marked as merged, with its history; "
                "searching for it finds this person. The merge syncs and is logged."
            )
            if not self._confirm("Merge two records of one person", question):
                return
            reason = self._ask_text(
                "Why are these one person?", "Reason (kept and audited; no personal data):"
            )
            if reason is None or not reason.strip():
                self.merge_status.setText(
                    QCoreApplication.translate("PeopleView", "Not merged: a merge needs a reason.")
                )
                return
            self._workers.submit(
                lambda: merges.merge(duplicate_id=duplicate.id, into_id=into, reason=reason),
                merged,
                lambda exc: self.merge_status.setText(describe(exc)),
            )

        def merged(plan: MergePlan) -> None:
            # Shown once the reopened profile (with both histories) is on screen.
            self._merge_note = f"Merged: {plan.summary} moved here. Sync to send it."
            self.open(into)

        self._workers.submit(
            lambda: merges.plan(duplicate_id=duplicate.id, into_id=into),
            planned,
            lambda exc: self.merge_status.setText(describe(exc)),
        )

    def _ask_for_duplicate(self, rows: list[PersonRow]) -> PersonRow | None:
        lines = [r.line for r in rows]
        chosen, ok = QInputDialog.getItem(
            self, "Merge with…", "Which record is this same person?", lines, 0, False
        )
        return rows[lines.index(chosen)] if ok and chosen in lines else None

    def _ask_to_confirm(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(self, title, question)
        return answer == QMessageBox.StandardButton.Yes

    # Warning actions -------------------------------------------------------------------------

    def _add_warning_actions(self, buttons: FlowLayout) -> None:
        """Reprint, withdraw and serve the warning selected in the timeline."""
        self.reprint_button = QPushButton(
            QCoreApplication.translate("PeopleView", "&Reprint…"), self
        )
        self.reprint_button.setAccessibleName(
            QCoreApplication.translate("PeopleView", "Reprint the selected warning's letter")
        )
        self.withdraw_button = QPushButton(
            QCoreApplication.translate("PeopleView", "Wit&hdraw…"), self
        )
        self.withdraw_button.setAccessibleName(
            QCoreApplication.translate("PeopleView", "Withdraw the selected warning")
        )
        self.serve_button = QPushButton(
            QCoreApplication.translate("PeopleView", "Ser&ve notice"), self
        )
        self.serve_button.setAccessibleName(
            QCoreApplication.translate("PeopleView", "Serve the selected countersigned notice")
        )
        self.review_button = QPushButton(
            QCoreApplication.translate("PeopleView", "Record re&view…"), self
        )
        self.review_button.setAccessibleName(
            QCoreApplication.translate("PeopleView", "Record the review of the selected contract")
        )
        self.review_button.setToolTip(
            QCoreApplication.translate(
                "PeopleView",
                "Record that the Acceptable Behaviour Contract was reviewed: its date leaves Today",
            )
        )
        self.warning_status = StatusLine(self)
        self.warning_status.setAccessibleName(
            QCoreApplication.translate("PeopleView", "Warning action status")
        )
        at = buttons.indexOf(self.warn_button)
        for button in (
            self.reprint_button,
            self.withdraw_button,
            self.serve_button,
            self.review_button,
        ):
            buttons.insertWidget(at, button)
            button.setVisible(self._warnings is not None)
            button.setEnabled(False)
        self._statuses.addWidget(self.warning_status)
        self.reprint_button.clicked.connect(self._ask_reprint)
        self.withdraw_button.clicked.connect(self._ask_withdraw)
        self.serve_button.clicked.connect(lambda: self.serve_selected("handed_over"))
        self.review_button.clicked.connect(self._ask_review)

    def select_warning(self, warning_id: str) -> None:
        """Select a warning's row in the timeline (as clicking it does)."""
        for row, entry in enumerate(self.timeline.rows):
            if entry.warning_id == warning_id:
                self.timeline_table.selectRow(row)
                break
        self._enable_warning_actions()

    def selected_warning(self) -> TimelineEntry | None:
        """The timeline's selected entry, if it is a warning."""
        index = self.timeline_table.currentIndex()
        if not index.isValid():
            return None
        entry = self.timeline.row_at(index.row())
        return entry if entry.warning_id else None

    def _enable_warning_actions(self) -> None:
        can = warning_actions(self.selected_warning(), can_print=self._printouts is not None)
        self.reprint_button.setEnabled(can.reprint)
        self.withdraw_button.setEnabled(can.withdraw)
        self.serve_button.setEnabled(can.serve)
        self.review_button.setEnabled(can.review)

    def _ask_reprint(self) -> None:
        recipient = self._ask_text("Reprint letter", "Who is the reprint for?")
        if recipient is not None:
            self.reprint_selected(recipient)

    def reprint_selected(self, recipient: str, printer: str | None = None) -> None:
        """Reprint the selected warning's letter for someone (marked and logged), on a worker."""
        entry, printouts = self.selected_warning(), self._printouts
        if entry is None or printouts is None:
            return
        self._workers.submit(
            lambda: printouts.reprint_letter(
                entry.warning_id, printer=printer, recipient=recipient
            ),
            lambda done: self._warning_done(done[1].message),
            self._warning_failed,
        )

    def _ask_withdraw(self) -> None:
        reason = self._ask_text("Withdraw warning", "Why is this warning withdrawn?")
        if reason is not None:
            self.withdraw_selected(reason)

    def withdraw_selected(self, reason: str) -> None:
        """Withdraw the selected warning with a reason, on a worker, then reopen the profile."""
        entry, warnings = self.selected_warning(), self._warnings
        if entry is None or warnings is None:
            return
        self._workers.submit(
            lambda: warnings.withdraw(warning_id=entry.warning_id, reason=reason),
            lambda done: self._warning_done(
                f"Warning withdrawn. The next step is now: {done.proposal.level_name}."
            ),
            self._warning_failed,
        )

    def serve_selected(self, served_how: str) -> None:
        """Serve the selected notice once its countersignature has arrived, on a worker."""
        entry, warnings = self.selected_warning(), self._warnings
        if entry is None or warnings is None:
            return
        self._workers.submit(
            lambda: warnings.serve(warning_id=entry.warning_id, served_how=served_how),
            lambda done: self._warning_done(
                f"{done.level_name} served; its document is kept. Print it from the warning "
                "screen or reprint it here."
            ),
            self._warning_failed,
        )

    def _ask_review(self) -> None:
        answer = self._ask_review_details()
        if answer is not None:
            self.record_review_selected(*answer)

    def record_review_selected(self, reviewed_on: date, note: str) -> None:
        """Record the selected contract's review (its day and a note), on a worker."""
        entry, warnings = self.selected_warning(), self._warnings
        if entry is None or warnings is None:
            return
        self._workers.submit(
            lambda: warnings.record_review(
                warning_id=entry.warning_id, reviewed_on=reviewed_on, note=note
            ),
            lambda _done: self._warning_done("Review recorded; its date no longer shows on Today."),
            self._warning_failed,
        )

    def _ask_for_review(self) -> tuple[date, str] | None:
        dialog = QDialog(self)
        dialog.setWindowTitle(
            QCoreApplication.translate("PeopleView", "Record the contract's review")
        )
        day = QDateEdit(dialog)
        day.setCalendarPopup(True)
        day.setDisplayFormat("d MMM yyyy")
        day.setDate(QDate.currentDate())
        day.setMaximumDate(QDate.currentDate())
        day.setAccessibleName(QCoreApplication.translate("PeopleView", "Day of the review"))
        note = QLineEdit(dialog)
        note.setAccessibleName(QCoreApplication.translate("PeopleView", "What the review found"))
        note.setPlaceholderText(
            QCoreApplication.translate(
                "PeopleView", "What the review found (kept in the audit log; no names)"
            )
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, dialog
        )
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form = QFormLayout(dialog)
        form.addRow(QCoreApplication.translate("PeopleView", "Reviewed on"), day)
        form.addRow(QCoreApplication.translate("PeopleView", "Note"), note)
        form.addRow(buttons)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        chosen = day.date()
        return date(chosen.year(), chosen.month(), chosen.day()), note.text()

    def _warning_done(self, message: str) -> None:
        self.warning_status.setText(message)
        self.warning_changed.emit(message)
        if self.profile is not None:
            self.open(self.profile.id)

    def _warning_failed(self, error: Exception) -> None:
        message = f"Nothing was changed. {describe(error)}"
        self.warning_status.setText(message)
        self.warning_changed.emit(message)

    def _ask_for_text(self, title: str, question: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, question)
        return text if ok else None

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _case_about_person(self) -> None:
        if self.profile is not None:
            p = self.profile
            self.case_about_person.emit(p.id, p.name, p.district)

    def open(self, person_id: str) -> None:
        """Open a profile on a worker (the consultation is logged as it is read)."""
        self._workers.submit(
            lambda: self._people.profile(person_id),
            self._show_profile,
            lambda exc: self.identity.setText(describe(exc)),
        )

    def _show_profile(self, profile: PersonProfile | None) -> None:
        self.profile = profile
        if self.evidence is not None:
            self.evidence.set_owner(("person", profile.id) if profile is not None else None)
        can = profile_actions(profile, exporting=self._exporting)
        self.warn_button.setEnabled(can.warn)
        self.edit_button.setEnabled(can.edit)
        self.risks_button.setEnabled(can.risk_markers)
        self.case_button.setEnabled(can.open_case)
        self._enable_export()
        self.access_status.clear()
        if profile is None:
            self.name.setText(QCoreApplication.translate("PeopleView", "Find a person"))
            self.flags.hide()
            self.identity.setText(
                QCoreApplication.translate(
                    "PeopleView",
                    "Type a name (any spelling), alias or date of birth, then press Enter.",
                )
            )
            self._same_as_call.cancel()
            self.same_as.clear()
            self.standing.clear()
            self.timeline.clear()
            return
        self.name.setText(profile.name)
        self._enable_warning_actions()
        flags = flags_line(profile)
        self.flags.setText(flags)
        self.flags.setVisible(bool(flags))
        bits = identity_lines(profile)
        if profile.regime:
            bits.append(
                QCoreApplication.translate("PeopleView", "Processed under: {0}").format(
                    profile.regime
                )
            )
        self.identity.setText("\n".join(bits))
        self.standing.setText(standing_html(profile))
        self.timeline.set_rows(profile.timeline)
        self.same_as.clear()
        self._same_rows = []
        self.merge_button.setEnabled(False)
        self.merge_status.setText(self._merge_note)
        self._merge_note = ""
        shown = profile.id
        # Latest call wins: suggestions for a profile no longer shown are dropped.
        self._same_as_call.submit(lambda: self._people.likely_same_as(shown), self._show_same_as)
        self.profile_shown.emit(profile.id)

    def _show_same_as(self, rows: list[PersonRow]) -> None:
        self._same_rows = list(rows)
        self.merge_button.setEnabled(bool(rows))
        self.same_as.setText(same_as_html(rows))

    def _warn(self) -> None:
        if self.profile is not None:
            self.warn_person.emit(self.profile.id)

    # Subject access ----------------------------------------------------------------------------

    def export_subject_access(self, folder: Path) -> None:
        """Export everything held about the open profile's person into a folder, on a worker."""
        service, profile = self._subject_access, self.profile
        if service is None or profile is None:
            return
        self._exporting = True
        self._enable_export()
        self.access_status.setText(
            QCoreApplication.translate("PeopleView", "Gathering everything held about this person…")
        )
        self._workers.submit(
            lambda: service.export(profile.id, folder=folder),
            self._exported,
            self._export_failed,
        )

    def _enable_export(self) -> None:
        # One export at a time, and only with a profile open.
        self.access_button.setEnabled(
            profile_actions(self.profile, exporting=self._exporting).export
        )

    def _exported(self, result: SubjectAccessExport) -> None:
        self._exporting = False
        self._enable_export()
        message = export_saved(result)
        self.access_status.setText(message)
        self.exported.emit(message)

    def _export_failed(self, error: Exception) -> None:
        self._exporting = False
        self._enable_export()
        message = f"Nothing was exported. {describe(error)}"
        self.access_status.setText(message)
        self.export_failed.emit(message)

    def _ask_export(self) -> None:
        folder = self._choose_folder("Choose a folder for the subject access export")
        if folder is not None:
            self.export_subject_access(folder)

    def _ask_for_folder(self, title: str) -> Path | None:
        chosen = QFileDialog.getExistingDirectory(self, title)
        return Path(chosen) if chosen else None
