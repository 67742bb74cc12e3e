"""Signposting leaflets: the support services chosen for a person's needs, with QR codes."""

from __future__ import annotations

import itertools

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from fieldkit.documents.inputs import DocumentInputError, LeafletInput, SupportService
from fieldkit.documents.layout import (
    FRAME_WIDTH,
    PAGE_HEIGHT,
    RenderedDocument,
    build_pdf,
    draw_footer,
    draw_letterhead,
    fill_markup,
    format_date,
    markup,
    page_label,
    styles,
)
from fieldkit.documents.templates import LeafletTemplate
from fieldkit.domain.vocabulary import DocumentKind, ServiceNeed

_QR_SIZE = 26 * mm
#: The quiet zone around a QR code, in modules (the widget's default).
_QR_BORDER = 4
#: Longer than this and a QR code gets too dense to scan from paper; the address is printed anyway.
_QR_MAX_CHARS = 300
_LETTERHEAD_SPACE = 31 * mm


def group_by_need(
    services: tuple[SupportService, ...],
) -> list[tuple[ServiceNeed | None, list[SupportService]]]:
    """Services grouped under their first need, needs in vocabulary order, the rest last."""
    groups: dict[ServiceNeed | None, list[SupportService]] = {}
    for service in services:
        groups.setdefault(service.needs[0] if service.needs else None, []).append(service)
    order: list[ServiceNeed | None] = [*ServiceNeed, None]
    return [(need, groups[need]) for need in order if need in groups]


class QrCode(Flowable):  # type: ignore[misc]
    """A QR code drawn as one filled path: far cheaper than one graphics shape per module."""

    def __init__(self, modules: list[list[bool]], size: float) -> None:
        super().__init__()
        self.modules = modules
        self.width = self.height = size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        count = len(self.modules)
        box = self.width / (count + 2 * _QR_BORDER)
        path = self.canv.beginPath()
        for r, row in enumerate(self.modules):
            y = self.height - (r + _QR_BORDER + 1) * box
            c = 0
            for dark, run in itertools.groupby(row):
                length = len(list(run))
                if dark:
                    path.rect((c + _QR_BORDER) * box, y, length * box, box)
                c += length
        self.canv.saveState()
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)
        self.canv.restoreState()


def qr_code(text: str, size: float = _QR_SIZE) -> QrCode | None:
    """A QR code (reportlab's encoder) for a web address, or None when it cannot go on paper.

    The text is only encoded; nothing is fetched or resolved.
    """
    if not text or len(text) > _QR_MAX_CHARS:
        return None
    try:
        encoder = QrCodeWidget(text, barLevel="M").qr
        encoder.make()
    except Exception:  # reportlab's encoder raises bare Exception/ValueError on unencodable data
        return None
    modules = [[bool(module) for module in row] for row in encoder.modules]
    return QrCode(modules, size)


def render_leaflet(leaflet: LeafletInput, template: LeafletTemplate) -> RenderedDocument:
    """Render a signposting leaflet to PDF.

    Args:
        leaflet: the services to list, in order; each is printed under its first need.
        template: headings, labels and branding in the leaflet's language.

    Returns:
        The PDF and the facts a ``document`` record keeps.

    Raises:
        DocumentInputError: the template is in another language than the leaflet.
    """
    if template.language != leaflet.language:
        raise DocumentInputError(
            f"template {template.template_id!r} is in {template.language!r}, "
            f"the leaflet in {leaflet.language!r}"
        )
    style = styles()
    values = {"issued_on": format_date(leaflet.issued_on, template.months)}
    primary = template.branding.primary_colour
    story: list[Flowable] = [
        Spacer(1, _LETTERHEAD_SPACE),
        Paragraph(f'<font color="{primary}">{markup(template.title)}</font>', style["h1"]),
        Spacer(1, 2 * mm),
        Paragraph(fill_markup(template.intro, values), style["body"]),
    ]
    for need, services in group_by_need(leaflet.services):
        heading = template.need_headings[need] if need else template.other_heading
        accent = template.branding.accent_colour
        rows = [_service_block(service, template) for service in services]
        story.append(
            KeepTogether(
                [
                    Paragraph(f'<font color="{accent}">{markup(heading)}</font>', style["h2"]),
                    rows[0],
                ]
            )
        )
        story += rows[1:]
    if template.footer:
        story += [Spacer(1, 4 * mm), Paragraph(f"<b>{markup(template.footer)}</b>", style["body"])]

    footer_left = (
        f"{template.labels['reference']}: {leaflet.reference}" if leaflet.reference else ""
    )

    def on_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        if doc.page == 1:
            draw_letterhead(canvas, template.branding, top=PAGE_HEIGHT - 10 * mm)

    def decorate(canvas: Canvas, page: int, pages: int) -> None:
        draw_footer(
            canvas,
            left=footer_left,
            right=page_label(template.labels["page"], page, pages),
            colour=template.branding.accent_colour,
        )

    pdf, pages = build_pdf(
        story,
        title=template.title,
        author=template.branding.authority_name,
        decorate=decorate,
        on_page=on_page,
    )
    return RenderedDocument(
        pdf=pdf,
        kind=DocumentKind.SIGNPOSTING_LEAFLET,
        template_id=template.template_id,
        template_version=template.version,
        language=template.language,
        page_count=pages,
    )


def _service_block(service: SupportService, template: LeafletTemplate) -> Table:
    style = styles()
    labels = template.labels
    parts: list[Flowable] = [Paragraph(f"<b>{markup(service.name)}</b>", style["body"])]
    if service.description:
        parts.append(Paragraph(markup(service.description), style["body"]))
    details = [
        (labels["phone"], service.phone),
        (labels["address"], service.address),
        (labels["opening_hours"], service.opening_hours),
        (labels["website"], service.website),
    ]
    for label, value in details:
        if value:
            parts.append(Paragraph(f"<b>{markup(label)}:</b> {markup(value)}", style["small"]))
    qr = qr_code(service.website)
    right: list[Flowable] = []
    if qr is not None:
        right = [qr, Paragraph(markup(labels["scan"]), style["small"])]
    # splitInRow: a service with a very long description may run over a page break.
    block = Table(
        [[parts, right]],
        colWidths=[FRAME_WIDTH - _QR_SIZE - 6 * mm, _QR_SIZE + 6 * mm],
        splitInRow=1,
    )
    block.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, 0), 3 * mm),
                ("LINEBEFORE", (0, 0), (0, 0), 2, colors.HexColor(template.branding.accent_colour)),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
            ]
        )
    )
    return block
