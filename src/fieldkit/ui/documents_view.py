"""The document list: the vault's kept documents, filtered, previewed and reprinted."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.vocabulary import DocumentKind
from fieldkit.services.documents_service import KeptDocument, PrintOutcome
from fieldkit.services.kept_documents import DocumentRow, KeptDocumentService
from fieldkit.ui.pdf_preview import PdfPreview
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.view_helpers import fit_columns
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

_FILTER_DELAY_MS = 150


class DocumentsView(QDialog):
    """Every kept document (or one case's), newest first; Enter or a double-click previews one.

    Args:
        documents: lists, opens and reprints kept documents.
        workers: runs service calls off the GUI thread.
        case_id: list only this tenancy case's documents (its notices and bundles).
        ask_text: asks who a reprint is for (an input dialog by default; tests pass answers).
    """

    loaded = Signal()
    opened = Signal(str)
    #: A reprint went to the printer or was refused: the sentence shown.
    reprinted = Signal(str)

    def __init__(
        self,
        documents: KeptDocumentService,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        case_id: str | None = None,
        ask_text: Callable[[str, str], str | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(
            QCoreApplication.translate("DocumentsView", "Documents")
            if case_id is None
            else QCoreApplication.translate("DocumentsView", "The case's documents")
        )
        self.resize(1100, 640)
        self._documents = documents
        self._workers = workers.owned_by(self)
        self._case_id = case_id
        self._ask_text = ask_text or self._ask_for_text
        self._listing = workers.latest(owner=self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(
            QCoreApplication.translate(
                "DocumentsView", "Filter: a name, a kind of document, how it was served"
            )
        )
        self.search.setAccessibleName(
            QCoreApplication.translate("DocumentsView", "Filter documents")
        )
        self.kind = QComboBox(self)
        self.kind.setAccessibleName(QCoreApplication.translate("DocumentsView", "Kind of document"))
        self.kind.addItem(QCoreApplication.translate("DocumentsView", "Any kind"), "")
        for kind in DocumentKind:
            self.kind.addItem(kind.label, kind.value)
        self.rows = RowTableModel[DocumentRow](
            [
                Column[DocumentRow]("Printed", lambda d: d.printed_at),
                Column[DocumentRow]("Document", lambda d: d.title),
                Column[DocumentRow]("About", lambda d: d.subject),
                Column[DocumentRow]("Served", lambda d: d.served_how),
                Column[DocumentRow]("", lambda d: "" if d.kept_here else "not on this laptop"),
            ],
            parent=self,
        )
        self.table = QTableView(self)
        self.table.setModel(self.rows)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        fit_columns(self.table, 2)
        # The date printed is never cut off: its column takes its content's width.
        self.table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.preview = PdfPreview(self)
        self.reprint_button = QPushButton(
            QCoreApplication.translate("DocumentsView", "&Reprint…"), self
        )
        self.reprint_button.setAccessibleName(
            QCoreApplication.translate("DocumentsView", "Reprint the selected document")
        )
        self.reprint_button.setEnabled(False)
        # Enter on a row previews it; it must not press Reprint (a dialog's default button).
        self.reprint_button.setAutoDefault(False)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAccessibleName(
            QCoreApplication.translate("DocumentsView", "Document list status")
        )
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.kind)
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        actions.addWidget(self.reprint_button)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.table)
        left_layout.addLayout(actions)
        split = QSplitter(self)
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setSizes([620, 480])
        QVBoxLayout(self).addWidget(split)
        self._timer = QTimer(self, singleShot=True, interval=_FILTER_DELAY_MS)
        self._timer.timeout.connect(self.refresh)
        self.search.textEdited.connect(lambda _t: self._timer.start())
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table.activated.connect(lambda i: self.open_row(i.row()))
        self.table.clicked.connect(lambda _i: self._enable())
        self.reprint_button.clicked.connect(self._ask_reprint)

    def refresh(self) -> None:
        """List the documents that match the filter (on a worker); `loaded` once shown."""
        text, kind, case_id = self.search.text(), str(self.kind.currentData() or ""), self._case_id

        def listed() -> list[DocumentRow]:
            if case_id is not None:
                rows = self._documents.for_case(case_id)
                words = text.casefold().split()
                return [
                    r
                    for r in rows
                    if (not kind or r.kind == kind)
                    and all(w in f"{r.title} {r.subject} {r.served_how}".casefold() for w in words)
                ]
            return self._documents.documents(text=text, kind=kind)

        self._listing.submit(listed, self._show, self._failed)

    def _show(self, rows: list[DocumentRow]) -> None:
        self.rows.set_rows(rows)
        self.status.setText(
            QCoreApplication.translate("DocumentsView", "{0} document{1}").format(
                len(rows), "" if len(rows) == 1 else "s"
            )
        )
        self._enable()
        self.loaded.emit()

    def selected(self) -> DocumentRow | None:
        """The selected document, if any."""
        index = self.table.currentIndex()
        return self.rows.row_at(index.row()) if index.isValid() else None

    def _enable(self) -> None:
        row = self.selected()
        self.reprint_button.setEnabled(row is not None and row.kept_here)

    def open_row(self, row: int) -> None:
        """Preview one listed document (the opening is logged)."""
        if not 0 <= row < len(self.rows.rows):
            return
        self.table.selectRow(row)
        self._enable()
        document_id = self.rows.row_at(row).id

        def shown(pdf: bytes | None) -> None:
            self.preview.show_pdf(pdf or b"")
            if pdf is None:
                self.status.setText(
                    QCoreApplication.translate(
                        "DocumentsView", "This document's PDF is not kept on this laptop."
                    )
                )
            self.opened.emit(document_id)

        self._workers.submit(lambda: self._documents.open(document_id), shown, self._failed)

    def _ask_reprint(self) -> None:
        recipient = self._ask_text("Reprint", "Who is the reprint for?")
        if recipient is not None:
            self.reprint_selected(recipient)

    def reprint_selected(self, recipient: str, printer: str | None = None) -> None:
        """Reprint the selected document for someone (marked and logged), on a worker."""
        row = self.selected()
        if row is None:
            return
        documents = self._documents

        def done(result: tuple[KeptDocument, PrintOutcome]) -> None:
            kept, outcome = result
            self.preview.show_pdf(kept.pdf)
            self.status.setText(outcome.message)
            self.reprinted.emit(outcome.message)

        def failed(exc: Exception) -> None:
            self._failed(exc)
            self.reprinted.emit(describe(exc))

        self._workers.submit(
            lambda: documents.reprint(row.id, printer=printer, recipient=recipient),
            done,
            failed,
        )

    def _failed(self, exc: Exception) -> None:
        self.status.setText(describe(exc))

    def _ask_for_text(self, title: str, question: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, question)
        return text if ok else None
