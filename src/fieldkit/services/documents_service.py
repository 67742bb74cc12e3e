"""Documents the app makes: render, keep in the vault with a document record, and print (logged)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fieldkit.documents import (
    JOB_TITLE,
    LeafletInput,
    LetterInput,
    PaperTray,
    PrintError,
    PrinterUnavailableError,
    PrintJob,
    PrintOptions,
    PrintSystem,
    RenderedDocument,
    SpoolerPrinting,
    TemplateLibrary,
    TemplateNotFoundError,
    render_leaflet,
    render_letter,
)
from fieldkit.domain.records import RecordType
from fieldkit.domain.vocabulary import DocumentKind
from fieldkit.services import disclosure
from fieldkit.store import audit, document_files
from fieldkit.store.records import RecordRepository
from fieldkit.store.transaction import Transaction
from fieldkit.store.vault import Vault


@dataclass(frozen=True)
class KeptDocument:
    """A rendered document that has a document record and is kept in the vault."""

    id: str
    kind: str
    title: str
    pdf: bytes
    page_count: int
    sha256: str


@dataclass(frozen=True)
class PrintOutcome:
    """What happened when the officer pressed Print, as a sentence to show them."""

    printed: bool
    message: str


def document_title(kind: str) -> str:
    """A document kind in words."""
    return DocumentKind.label_for(kind)


class _FunctionPrinting:
    """A print function and a printer lister as a ``PrintSystem`` (for callers that had one)."""

    def __init__(self, send: Callable[..., object], names: Callable[[], list[str]]) -> None:
        self._send = send
        self._names = names

    def printers(self) -> list[str]:
        return self._names()

    def default_printer(self) -> str | None:
        return None

    def print_pdf(self, pdf: bytes, options: PrintOptions) -> PrintJob:
        self._send(pdf, printer=options.printer, copies=options.copies, title=options.title)
        return PrintJob("", options.printer, options.copies, options.title)


class DocumentService:
    """Render, keep and print documents.

    Args:
        vault: the unlocked vault.
        library: letter and leaflet templates (the bundled ones, loaded on first use, if None).
        printing: the print system: Qt's in the app, CUPS ``lp`` (the default) headless.
        printer: instead of ``printing``, a print function called as ``printer(pdf, printer=,
            copies=, title=)``.
        printers: with ``printer``, lists printers.
    """

    def __init__(
        self,
        vault: Vault,
        *,
        library: TemplateLibrary | None = None,
        printing: PrintSystem | None = None,
        printer: Callable[..., object] | None = None,
        printers: Callable[[], list[str]] = list,
    ) -> None:
        self._vault = vault
        self._library = library
        if printing is None and printer is not None:
            printing = _FunctionPrinting(printer, printers)
        printing = printing or SpoolerPrinting()
        self._printing = printing
        self._print = printing.print_pdf

    @property
    def library(self) -> TemplateLibrary:
        if self._library is None:
            self._library = TemplateLibrary.load()
        return self._library

    def render_letter(self, letter: LetterInput) -> RenderedDocument:
        """A warning letter as PDF, in the letter's language (English if there is none)."""
        try:
            template = self.library.letter(letter.kind, letter.language)
        except TemplateNotFoundError:
            template = self.library.letter(letter.kind, "en")
        return render_letter(letter, template)

    def render_leaflet(self, leaflet: LeafletInput) -> RenderedDocument:
        """A signposting leaflet as PDF."""
        try:
            template = self.library.leaflet(leaflet.language)
        except TemplateNotFoundError:
            template = self.library.leaflet("en")
        return render_leaflet(leaflet, template)

    def keep(
        self,
        conn: Transaction,
        repo: RecordRepository,
        rendered: RenderedDocument,
        *,
        subject_type: str,
        subject_id: str,
        district: str,
        served_how: str = "handed_over",
    ) -> KeptDocument:
        """Record a document and keep its PDF, inside the caller's write transaction."""
        record = repo.create(
            RecordType.DOCUMENT.value,
            {
                "kind": rendered.kind.value,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "template_id": rendered.template_id,
                "template_version": str(rendered.template_version),
                "language": rendered.language,
                "sha256": rendered.sha256,
                "printed_at": self._vault.now().isoformat(timespec="seconds"),
                "served_how": served_how,
                "district": district,
            },
        )
        document_files.keep(
            conn, record.id, rendered.pdf, at=self._vault.now().isoformat(timespec="seconds")
        )
        return KeptDocument(
            record.id,
            rendered.kind.value,
            document_title(rendered.kind.value),
            rendered.pdf,
            rendered.page_count,
            rendered.sha256,
        )

    def keep_made(
        self,
        rendered: RenderedDocument,
        *,
        subject_type: RecordType,
        subject_id: str,
        district: str,
        served_how: str,
        about: Sequence[tuple[RecordType, str]],
        recipient: str,
        reason: str | None = None,
    ) -> KeptDocument:
        """Keep a document made from records, and log it as disclosed, in one transaction.

        Args:
            rendered: the document.
            subject_type: the record type the document is about (its `document` record's
                subject).
            subject_id: that record's id.
            district: the document record's district.
            served_how: how it reaches its recipient.
            about: every record whose data the document carries: each gets an s62 export
                event, written in the same transaction as the document.
            recipient: who it is for, as the log names them.
            reason: the log's reason ("<kind> made" if None).
        """
        at = self._vault.now().isoformat(timespec="milliseconds")
        why = reason or f"{rendered.kind.value} made"
        with self._vault.write() as conn:
            kept = self.keep(
                conn,
                self._vault.records(conn),
                rendered,
                subject_type=subject_type.value,
                subject_id=subject_id,
                district=district,
                served_how=served_how,
            )
            audit.append(
                conn,
                [
                    audit.new_event(
                        at=at,
                        actor=self._vault.username,
                        action=audit.AuditAction.EXPORT,
                        record_type=record_type.value,
                        record_id=record_id,
                        reason=why,
                        recipient=recipient,
                    )
                    for record_type, record_id in about
                ],
            )
        return kept

    def pdf(self, document_id: str) -> bytes | None:
        """A kept document's PDF, or None if it is not kept on this laptop."""
        with self._vault.read() as conn:
            return document_files.load(conn, document_id)

    def printers(self) -> list[str]:
        """Printers this laptop can print to (empty when there is no print system)."""
        try:
            return self._printing.printers()
        except PrintError:
            return []

    def default_printer(self) -> str | None:
        """The system's default printer, or None (also when there is no print system)."""
        try:
            return self._printing.default_printer()
        except PrintError:
            return None

    def print_document(
        self,
        document: KeptDocument,
        *,
        printer: str | None,
        recipient: str | None = None,
        copies: int = 1,
        two_sided: bool = False,
        tray: PaperTray = PaperTray.AUTO,
        reprint: bool = False,
    ) -> PrintOutcome:
        """Print a kept document, logging the disclosure (s62) before it goes to the printer.

        The ``print`` entry is committed first; a ``complete`` entry follows, counting one
        document printed, or none when the printer refused it. A reprint is logged as one
        ("yellow_letter reprinted"). Never raises for printer trouble.
        """
        what = f"{document.kind} {'reprinted' if reprint else 'printed'}"
        disclosure.log_disclosure(
            self._vault,
            action=audit.AuditAction.PRINT,
            records=[(RecordType.DOCUMENT.value, document.id)],
            reason=what,
            recipient=recipient,
        )
        try:
            self._print(
                document.pdf,
                PrintOptions(
                    printer=printer or None,
                    copies=copies,
                    two_sided=two_sided,
                    tray=tray,
                    title=JOB_TITLE,
                ),
            )
        except PrinterUnavailableError as exc:
            outcome = PrintOutcome(
                False,
                f"{exc} The {document.title.lower()} is kept in the vault; "
                "print it later from the person's profile.",
            )
        except PrintError as exc:
            outcome = PrintOutcome(
                False, f"{exc} The {document.title.lower()} is kept in the vault; try again later."
            )
        else:
            outcome = PrintOutcome(True, f"The {document.title.lower()} has gone to the printer.")
        disclosure.log_completion(
            self._vault,
            what=what,
            count=1 if outcome.printed else 0,
            unit="documents",
            recipient=recipient,
        )
        return outcome
