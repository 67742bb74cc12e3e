"""Page machinery shared by every document: styles, letterhead, numbered footers, determinism."""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from fieldkit.documents.templates import Branding, fill
from fieldkit.documents.text import BOLD, REGULAR, register_fonts, safe_text
from fieldkit.domain.vocabulary import DocumentKind

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN
#: Drawn on each page once the page count is known: (canvas, page number, page count).
PageDecorator = Callable[[Canvas, int, int], None]


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """A rendered PDF and the facts a ``document`` record keeps about it."""

    pdf: bytes
    kind: DocumentKind
    template_id: str
    template_version: int
    language: str
    page_count: int

    @property
    def sha256(self) -> str:
        """The PDF's SHA-256 (hex): a reprint with the same inputs and template matches it."""
        return hashlib.sha256(self.pdf).hexdigest()


def markup(value: str) -> str:
    """Plain text from a user or record as Paragraph markup: escaped, line breaks kept."""
    return escape(safe_text(value)).replace("\n", "<br/>")


def fill_markup(text: str, values: dict[str, str], *, bold_values: bool = False) -> str:
    """``templates.fill`` with line breaks kept."""
    return fill(text, values, bold_values=bold_values).replace("\n", "<br/>")


def format_date(value: date, months: Sequence[str]) -> str:
    """A date as people write it: ``27 November 2026`` (month names from the template)."""
    return f"{value.day} {months[value.month - 1]} {value.year}"


def format_datetime(value: datetime, months: Sequence[str]) -> str:
    """A date and time in the value's own timezone: ``27 November 2026, 14:05``."""
    return f"{format_date(value.date(), months)}, {value:%H:%M}"


@functools.cache
def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles every document uses, in the embedded font."""
    register_fonts()
    body = ParagraphStyle(
        "body", fontName=REGULAR, fontSize=10, leading=13.2, spaceAfter=4, splitLongWords=1
    )
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, spaceAfter=2),
        "small_right": ParagraphStyle(
            "small_right", parent=body, fontSize=8.5, leading=11, alignment=TA_RIGHT
        ),
        "label": ParagraphStyle("label", parent=body, fontName=BOLD, spaceAfter=1),
        "h1": ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=18, leading=22),
        "h2": ParagraphStyle(
            "h2", parent=body, fontName=BOLD, fontSize=12.5, leading=16, spaceBefore=6
        ),
        "band": ParagraphStyle("band", parent=body, fontName=BOLD, fontSize=17, leading=21),
        "bullet": ParagraphStyle(
            "bullet", parent=body, leftIndent=14, bulletIndent=3, spaceAfter=2
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9, leading=11.5, spaceAfter=0),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=body, fontName=BOLD, fontSize=9, leading=11.5, spaceAfter=0
        ),
    }


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Holds pages back until the end so each can say 'Page n of m' (reportlab's own recipe)."""

    def __init__(self, *args: Any, decorate: PageDecorator, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._decorate = decorate
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        count = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(self, number, count)
            super().showPage()
        super().save()


def build_pdf(
    story: list[Flowable],
    *,
    title: str,
    author: str,
    decorate: PageDecorator,
    on_page: Callable[[Canvas, BaseDocTemplate], None] | None = None,
    top_margin: float = MARGIN,
    bottom_margin: float = MARGIN + 8 * mm,
    doc_class: type[BaseDocTemplate] = BaseDocTemplate,
) -> tuple[bytes, int]:
    """Lay out a story on A4 and return the PDF bytes and page count.

    Output is deterministic: ``invariant=1`` fixes the creation date and the file id, and the
    metadata holds only the generic title and the authority (never personal data).
    """
    buffer = io.BytesIO()
    doc = doc_class(
        buffer,
        pagesize=A4,
        invariant=1,
        title=title,
        author=author,
        creator="Fieldkit",
        subject=title,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=top_margin,
        bottomMargin=bottom_margin,
    )
    frame = Frame(
        MARGIN,
        bottom_margin,
        FRAME_WIDTH,
        PAGE_HEIGHT - top_margin - bottom_margin,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template = PageTemplate(id="page", frames=[frame], onPage=on_page or _nothing)
    doc.addPageTemplates([template])
    doc.build(story, canvasmaker=functools.partial(_NumberedCanvas, decorate=decorate))
    pdf = buffer.getvalue()
    return pdf, doc.page


def build_report_pdf(
    story: list[Flowable],
    *,
    branding: Branding,
    title: str,
    footer: str,
    page_text: str = "Page {page} of {pages}",
) -> tuple[bytes, int]:
    """A document on the partnership's letterhead (a meeting pack, a subject access export, a
    closure notice, an outcome letter): the letterhead on the first page, and on every page a
    footer with ``footer`` and the page number in ``page_text`` (a template's own words)."""

    def on_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        if doc.page == 1:
            draw_letterhead(canvas, branding, top=PAGE_HEIGHT - MARGIN + 4 * mm)

    def decorate(canvas: Canvas, page: int, pages: int) -> None:
        draw_footer(
            canvas,
            left=footer,
            right=page_label(page_text, page, pages),
            colour=branding.accent_colour,
        )

    return build_pdf(
        story, title=title, author=branding.authority_name, decorate=decorate, on_page=on_page
    )


def _nothing(canvas: Canvas, doc: BaseDocTemplate) -> None:
    del canvas, doc


def draw_letterhead(canvas: Canvas, branding: Branding, *, top: float) -> float:
    """Draw the logo, authority name and address at the top of a page.

    Returns:
        The height used, from ``top`` down.
    """
    register_fonts()
    height = 24 * mm
    x = MARGIN
    if branding.logo_path is not None:
        canvas.drawImage(
            str(branding.logo_path),
            x,
            top - height,
            width=height,
            height=height,
            # No alpha mask: transparency makes CUPS's ps2write step rasterise the whole page.
            preserveAspectRatio=True,
        )
        x += height + 4 * mm
    canvas.setFillColor(colors.HexColor(branding.primary_colour))
    canvas.setFont(BOLD, 15)
    name_room = PAGE_WIDTH - MARGIN - x - 62 * mm
    canvas.drawString(
        x, top - 10 * mm, fit_width(safe_text(branding.authority_name), BOLD, 15, name_room)
    )
    if branding.partnership_name:
        canvas.setFont(REGULAR, 10)
        # Below the address block, so a long name (Polish, say) has the full width.
        room = PAGE_WIDTH - MARGIN - x
        partnership = fit_width(safe_text(branding.partnership_name), REGULAR, 10, room)
        canvas.drawString(x, top - 16.5 * mm, partnership)
    canvas.setFillColor(colors.black)
    canvas.setFont(REGULAR, 8.5)
    y = top - 4 * mm
    # Three lines at most: below them runs the partnership name.
    for line in [*branding.address_lines, branding.contact][:3]:
        if line:
            canvas.drawRightString(
                PAGE_WIDTH - MARGIN, y, fit_width(safe_text(line), REGULAR, 8.5, 60 * mm)
            )
            y -= 3.8 * mm
    canvas.setStrokeColor(colors.HexColor(branding.accent_colour))
    canvas.setLineWidth(1.2)
    canvas.line(MARGIN, top - height - 2 * mm, PAGE_WIDTH - MARGIN, top - height - 2 * mm)
    return float(height + 2 * mm)


def draw_footer(canvas: Canvas, *, left: str, right: str, colour: str) -> None:
    """Draw a footer rule with plain text left and right (already-filled template text)."""
    register_fonts()
    y = MARGIN - 2 * mm
    canvas.saveState()
    canvas.setStrokeColor(colors.HexColor(colour))
    canvas.setLineWidth(0.6)
    canvas.line(MARGIN, y + 4.5 * mm, PAGE_WIDTH - MARGIN, y + 4.5 * mm)
    canvas.setFillColor(colors.black)
    canvas.setFont(REGULAR, 8)
    right = safe_text(right)
    room = FRAME_WIDTH - stringWidth(right, REGULAR, 8) - 6 * mm
    canvas.drawString(MARGIN, y, fit_width(safe_text(left), REGULAR, 8, room))
    canvas.drawRightString(PAGE_WIDTH - MARGIN, y, right)
    canvas.restoreState()


def fit_width(text: str, font: str, size: float, width: float) -> str:
    """Text cut short with an ellipsis so that it fits a width on one line."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[: max(0, min(len(text) - 1, int(len(text) * 0.9)))]
    return text + "…"


def page_label(label: str, page: int, pages: int) -> str:
    """A template's 'Page {page} of {pages}' label, as plain text."""
    return label.replace("{page}", str(page)).replace("{pages}", str(pages))
