"""Warning letters, Community Protection Notices and Acceptable Behaviour Contracts."""

from __future__ import annotations

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

from fieldkit.documents.inputs import DocumentInputError, LetterInput, SupportService
from fieldkit.documents.layout import (
    FRAME_WIDTH,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
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
from fieldkit.documents.templates import LetterTemplate, without_placeholders
from fieldkit.domain.vocabulary import DocumentKind

_LETTERHEAD_SPACE = 31 * mm
_BAND_STRIP = 5 * mm


def mid_sentence(text: str) -> str:
    """Text typed as a sentence, made to read inside one: "Drinking from a can" → "drinking …".

    Only a capital followed by a lower-case letter is lowered, so "CCTV showed…" and "I" stay.
    """
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def letter_values(letter: LetterInput, template: LetterTemplate) -> dict[str, str]:
    """The placeholder values a letter template is filled with."""
    months = template.months
    if letter.person_name and letter.person_name.strip():
        person = letter.person_name
    else:
        described = template.labels["person_described"]
        person = f"{described} {letter.person_description or ''}".strip()
    return {
        "person": person,
        "place": letter.place_label,
        "place_address": letter.place_address,
        "occurred_on": format_date(letter.occurred_at.date(), months),
        "occurred_time": f"{letter.occurred_at:%H:%M}",
        "behaviour": mid_sentence(letter.behaviour.strip().rstrip(".")),
        "scheme_name": letter.scheme_name,
        "next_step": letter.next_step,
        "power": letter.next_step_power,
        "deadline": format_date(letter.deadline, months) if letter.deadline else "",
        "officer_name": letter.officer_name,
        "officer_number": letter.officer_number,
        "reference": letter.reference,
        "issued_on": format_date(letter.issued_at.date(), months),
        "authority_name": template.branding.authority_name,
        "appeal_days": str(letter.appeal_days or ""),
        "review_date": format_date(letter.review_on, months) if letter.review_on else "",
    }


def render_letter(letter: LetterInput, template: LetterTemplate) -> RenderedDocument:
    """Render a warning letter to PDF.

    Args:
        letter: what the letter says about this warning.
        template: the wording and branding; its kind and language must match the letter's.

    Returns:
        The PDF and the facts a ``document`` record keeps (template id and version, SHA-256).

    Raises:
        DocumentInputError: the template is for another kind of letter or another language.
    """
    if template.kind is not letter.kind:
        raise DocumentInputError(f"template {template.template_id!r} is not a {letter.kind}")
    if template.language != letter.language:
        raise DocumentInputError(
            f"template {template.template_id!r} is in {template.language!r}, "
            f"the letter in {letter.language!r}"
        )
    values = letter_values(letter, template)
    story = _story(letter, template, values)
    band = colors.HexColor(template.band_colour)
    footer_left = f"{template.labels['reference']}: {letter.reference}"
    if letter.reprint_note:
        footer_left = f"{footer_left}  ·  {letter.reprint_note}"

    def on_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        # A strip of the band colour down the page's top edge marks every page Yellow or Red.
        canvas.saveState()
        canvas.setFillColor(band)
        canvas.rect(0, PAGE_HEIGHT - _BAND_STRIP, PAGE_WIDTH, _BAND_STRIP, stroke=0, fill=1)
        canvas.restoreState()
        if doc.page == 1:
            draw_letterhead(canvas, template.branding, top=PAGE_HEIGHT - _BAND_STRIP - 5 * mm)

    def decorate(canvas: Canvas, page: int, pages: int) -> None:
        draw_footer(
            canvas,
            left=footer_left,
            right=page_label(template.labels["page"], page, pages),
            colour=template.branding.accent_colour,
        )

    pdf, pages = build_pdf(
        story,
        title=without_placeholders(template.heading),
        author=template.branding.authority_name,
        decorate=decorate,
        on_page=on_page,
        top_margin=MARGIN,
    )
    return RenderedDocument(
        pdf=pdf,
        kind=letter.kind,
        template_id=template.template_id,
        template_version=template.version,
        language=template.language,
        page_count=pages,
    )


def _story(letter: LetterInput, template: LetterTemplate, values: dict[str, str]) -> list[Flowable]:
    style = styles()
    story: list[Flowable] = [Spacer(1, _LETTERHEAD_SPACE)]
    band_text = colors.HexColor(template.band_text_colour)
    heading = Paragraph(
        f'<font color="{template.band_text_colour}">{fill_markup(template.heading, values)}</font>',
        style["band"],
    )
    band_rows: list[list[Flowable]] = [[heading]]
    if template.subheading:
        band_rows.append(
            [
                Paragraph(
                    f'<font color="{template.band_text_colour}">'
                    f"{fill_markup(template.subheading, values)}</font>",
                    style["body"],
                )
            ]
        )
    band = Table(band_rows, colWidths=[FRAME_WIDTH])
    band.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(template.band_colour)),
                ("TEXTCOLOR", (0, 0), (-1, -1), band_text),
                ("LEFTPADDING", (0, 0), (-1, -1), 5 * mm),
                ("TOPPADDING", (0, 0), (-1, 0), 3 * mm),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 3 * mm),
            ]
        )
    )
    story += [band, Spacer(1, 4 * mm), _facts_table(letter, template, values), Spacer(1, 4 * mm)]
    story.append(Paragraph(fill_markup(template.salutation, values), style["body"]))
    for section in template.sections:
        block: list[Flowable] = [
            Paragraph(markup(section.title), style["h2"]),
            Paragraph(fill_markup(section.text, values, bold_values=True), style["body"]),
        ]
        if section.list_name == "conditions":
            block += [_bullet(markup(item)) for item in letter.conditions]
        elif section.list_name == "support":
            block += [_bullet(line) for line in support_lines(letter, template)]
        story.append(KeepTogether(block))
    story += [Spacer(1, 3 * mm), Paragraph(fill_markup(template.closing, values), style["body"])]
    if letter.kind is DocumentKind.ABC_CONTRACT:
        story.append(KeepTogether(_both_signatures(template, values)))
    else:
        story.append(KeepTogether(_signature(template, values)))
    return story


def support_lines(letter: LetterInput, template: LetterTemplate) -> list[str]:
    """The support section's list, never empty: with no service to name, the authority itself.

    The services come from the signposting (or the district's general services); when the
    directory has none at all, the letter still tells the person whom to ask for help.
    """
    if letter.support:
        return [_support_line(service) for service in letter.support]
    branding = template.branding
    line = f"<b>{markup(branding.partnership_name or branding.authority_name)}</b>"
    if branding.contact:
        line += f" — {markup(branding.contact)}"
    return [line]


def _facts_table(letter: LetterInput, template: LetterTemplate, values: dict[str, str]) -> Table:
    style = styles()
    labels = template.labels
    where = letter.place_label
    if letter.place_address:
        where = f"{where}\n{letter.place_address}"
    rows = [
        (labels["date"], values["issued_on"]),
        (labels["reference"], letter.reference),
        (labels["to"], values["person"]),
        (labels["where"], where),
        (labels["when"], f"{values['occurred_on']}, {values['occurred_time']}"),
    ]
    table = Table(
        [
            [Paragraph(markup(k), style["cell_bold"]), Paragraph(markup(v), style["cell"])]
            for k, v in rows
        ],
        colWidths=[40 * mm, FRAME_WIDTH - 40 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, colors.lightgrey),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _bullet(text: str) -> Paragraph:
    return Paragraph(text, styles()["bullet"], bulletText="•")


def _support_line(service: SupportService) -> str:
    text = f"<b>{markup(service.name)}</b>"
    if service.phone:
        text += f" — {markup(service.phone)}"
    return text


def _signature_line(label: str, date_label: str) -> Table:
    style = styles()
    line = Table(
        [
            [
                Paragraph(markup(label), style["cell_bold"]),
                "",
                Paragraph(markup(date_label), style["cell_bold"]),
                "",
            ]
        ],
        colWidths=[46 * mm, 68 * mm, 14 * mm, FRAME_WIDTH - 128 * mm],
        rowHeights=[14 * mm],
    )
    line.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, 0), 0.8, colors.black),
                ("LINEBELOW", (3, 0), (3, 0), 0.8, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return line


def _both_signatures(template: LetterTemplate, values: dict[str, str]) -> list[Flowable]:
    """A contract's signature spaces: the person's, then the officer's for the authority."""
    style = styles()
    labels = template.labels
    officer = (
        f"<b>{markup(labels['officer'])}:</b> {markup(values['officer_name'])}<br/>"
        f"<b>{markup(labels['officer_number'])}:</b> {markup(values['officer_number'])}"
    )
    return [
        Spacer(1, 4 * mm),
        Paragraph(markup(values["person"]), style["body"]),
        _signature_line(labels["person_signature"], labels["date"]),
        Spacer(1, 4 * mm),
        _signature_line(labels["officer_signature"], labels["date"]),
        Spacer(1, 3 * mm),
        Paragraph(officer, style["body"]),
    ]


def _signature(template: LetterTemplate, values: dict[str, str]) -> list[Flowable]:
    style = styles()
    labels = template.labels
    line = Table(
        [
            [
                Paragraph(markup(labels["signature"]), style["cell_bold"]),
                "",
                Paragraph(markup(labels["date"]), style["cell_bold"]),
                "",
            ]
        ],
        colWidths=[28 * mm, 80 * mm, 16 * mm, FRAME_WIDTH - 124 * mm],
        rowHeights=[14 * mm],
    )
    line.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, 0), 0.8, colors.black),
                ("LINEBELOW", (3, 0), (3, 0), 0.8, colors.black),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    officer = (
        f"<b>{markup(labels['officer'])}:</b> {markup(values['officer_name'])}<br/>"
        f"<b>{markup(labels['officer_number'])}:</b> {markup(values['officer_number'])}"
    )
    return [Spacer(1, 4 * mm), line, Spacer(1, 3 * mm), Paragraph(officer, style["body"])]
