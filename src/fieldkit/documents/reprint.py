"""Marking a kept document's pages as a reprint, leaving what it says exactly as it was served."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from fieldkit.documents.inputs import DocumentInputError
from fieldkit.documents.text import safe_text


def _mark(width: float, height: float, note: str) -> bytes:
    """One page, the size of the page it goes on, with the reprint note along its top edge."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1)
    canvas.setFillColor(colors.HexColor("#a40000"))
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawRightString(width - 12 * mm, height - 9 * mm, note)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def mark_reprint(pdf: bytes, note: str) -> bytes:
    """The same document with ``note`` (e.g. "REPRINT 6 Dec 2026 09:00") on every page.

    The pages' content is not re-rendered: the reprint says what the kept copy said.

    Raises:
        DocumentInputError: the kept bytes are not a PDF, or the note is empty.
    """
    text = safe_text(note).strip()
    if not text:
        raise DocumentInputError("a reprint needs its note")
    try:
        writer = PdfWriter(clone_from=io.BytesIO(pdf))
    except (PdfReadError, ValueError, OSError) as exc:
        raise DocumentInputError(
            f"the kept document cannot be read ({type(exc).__name__})"
        ) from None
    for page in writer.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        overlay = PdfReader(io.BytesIO(_mark(width, height, text))).pages[0]
        page.merge_page(overlay)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
