"""Showing a PDF held in memory: QtPdf's viewer when the wheel has it, page images otherwise."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

try:
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView

    HAVE_QTPDF = True
except ImportError:  # pragma: no cover - wheels without the QtPdf add-on
    HAVE_QTPDF = False


class PdfPreview(QWidget):
    """A read-only PDF preview; the bytes never touch the disk."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._buffer: QBuffer | None = None
        self.setAccessibleName(QCoreApplication.translate("PdfPreview", "Document preview"))
        if HAVE_QTPDF:
            self._document = QPdfDocument(self)
            self._view = QPdfView(self)
            self._view.setDocument(self._document)
            self._view.setPageMode(QPdfView.PageMode.MultiPage)
            self._view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            layout.addWidget(self._view)
        else:  # pragma: no cover
            self._label = QLabel(
                QCoreApplication.translate(
                    "PdfPreview", "Preview is not available; print to see the document."
                ),
                self,
            )
            layout.addWidget(self._label)

    def show_pdf(self, pdf: bytes) -> None:
        """Show a document (an empty one clears the preview)."""
        if not HAVE_QTPDF:  # pragma: no cover
            return
        self._document.close()
        if not pdf:
            return
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._document.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer

    @property
    def page_count(self) -> int:
        return self._document.pageCount() if HAVE_QTPDF else 0

    def clear(self) -> None:
        self.show_pdf(b"")
