"""Tenancy evidence bundles for a Closure Order hearing: indexed, paginated, hashed."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from fieldkit.documents.inputs import (
    BundleEntry,
    BundleExhibit,
    BundleInput,
    ClosureStep,
    DocumentInputError,
)
from fieldkit.documents.layout import (
    FRAME_WIDTH,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RenderedDocument,
    build_pdf,
    draw_footer,
    fit_width,
    format_datetime,
    markup,
    page_label,
    styles,
)
from fieldkit.documents.templates import BundleTemplate
from fieldkit.documents.text import REGULAR, safe_text
from fieldkit.domain.vocabulary import DocumentKind

#: Names what ``bundle_content_hash`` hashes; bump it if the canonical form ever changes.
HASH_FORMAT = "fieldkit.evidence-bundle/1"
_REF_SIZE = 9
_ENTRY_MIN_SPACE = 40 * mm


def _instant(value: datetime) -> datetime:
    return value.astimezone(UTC)


def chronological(bundle: BundleInput) -> tuple[tuple[BundleEntry, ...], tuple[ClosureStep, ...]]:
    """The bundle's entries and closure steps in time order (ties broken by record id)."""
    entries = tuple(sorted(bundle.entries, key=lambda e: (_instant(e.when), e.record_id)))
    steps = tuple(sorted(bundle.closure_steps, key=lambda s: (_instant(s.when), s.record_id)))
    return entries, steps


def canonical_content(bundle: BundleInput) -> bytes:
    """The bytes ``bundle_content_hash`` hashes (see there)."""
    entries, steps = chronological(bundle)
    case = bundle.case

    def when(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()

    content: dict[str, Any] = {
        "format": HASH_FORMAT,
        "case": {
            "case_id": case.case_id,
            "case_reference": case.case_reference,
            "property_address": case.property_address,
            "tenant_name": case.tenant_name,
            "prepared_by": case.prepared_by,
            "prepared_at": when(case.prepared_at),
            "court": case.court,
        },
        "entries": [
            {
                "record_id": e.record_id,
                "when": when(e.when),
                "kind": e.kind,
                "title": e.title,
                "body": e.body,
                "author": e.author,
            }
            for e in entries
        ],
        "closure_steps": [
            {
                "record_id": s.record_id,
                "step": s.step,
                "when": when(s.when),
                "deadline": when(s.deadline),
                "status": s.status,
            }
            for s in steps
        ],
    }
    if bundle.left_out:
        content["left_out"] = list(bundle.left_out)
    if bundle.exhibits:
        # Only when there are exhibits, so bundles without any keep the hash they always had.
        content["exhibits"] = [
            {
                "reference": x.reference,
                "attachment_id": x.attachment_id,
                "caption": x.caption,
                "media": x.media_label,
                "bytes": x.size,
                "captured_by": x.captured_by,
                "captured_at": when(x.captured_at),
                "sha256": x.sha256,
            }
            for x in bundle.exhibits
        ]
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def bundle_content_hash(bundle: BundleInput) -> str:
    """The SHA-256 (hex) printed on every page of the bundle.

    What is hashed: the UTF-8 bytes of a JSON object with sorted keys and no whitespace
    (``canonical_content``) holding ``format`` (``HASH_FORMAT``), the whole case header, every
    entry (record id, when, kind, title, body, author) and every closure step (record id, step,
    when, deadline, status), entries and steps each in chronological order with ties broken by
    record id, and datetimes as ISO 8601 with their UTC offset; and, only when something was
    left out, ``left_out`` (the sentences saying what and why). The language, template and layout
    are not hashed, so the same evidence rendered in another language or template version has the
    same content hash; the PDF's own SHA-256 (``RenderedDocument.sha256``) pins the exact pages.
    """
    return hashlib.sha256(canonical_content(bundle)).hexdigest()


class _PageRefs:
    """Page numbers printed before they are known, as PDF forms filled in once they are.

    The index comes before the entries it points to. Rather than lay the bundle out twice, each
    index cell draws a form XObject by name, and the entry's anchor defines that form (its page
    number) when the entry is drawn; PDF allows a form to be defined after it is used.
    """

    def __init__(self) -> None:
        self.defined: set[str] = set()

    @staticmethod
    def form_name(key: str) -> str:
        return f"fieldkit-page-{key}"

    def define(self, canvas: Canvas, key: str, text: str) -> None:
        name = self.form_name(key)
        if name in self.defined:
            return
        self.defined.add(name)
        canvas.beginForm(name)
        canvas.setFont(REGULAR, _REF_SIZE)
        canvas.drawString(0, 0, text)
        canvas.endForm()


class _Anchor(Flowable):  # type: ignore[misc]
    """Invisible: where an entry starts; defines the index's page number for it."""

    def __init__(self, key: str, refs: _PageRefs) -> None:
        super().__init__()
        self._key = key
        self._refs = refs
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self._refs.define(self.canv, self._key, str(self.canv.getPageNumber()))


class _PageRef(Flowable):  # type: ignore[misc]
    """An index cell showing the page an entry starts on (see ``_PageRefs``)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self._key = key

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, _REF_SIZE * 1.25
        return self.width, self.height

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.translate(0, _REF_SIZE * 0.3)
        self.canv.doForm(_PageRefs.form_name(self._key))
        self.canv.restoreState()


def render_bundle(bundle: BundleInput, template: BundleTemplate) -> RenderedDocument:
    """Render a tenancy evidence bundle to PDF.

    The first pages hold the case header, the bundle hash and an index of every entry with its
    record id and page; then the closure steps with their dates and deadlines; then the
    chronology, one entry after another, each with its record id. Every page's footer carries the
    bundle hash (``bundle_content_hash``) and 'Page n of m'.

    Raises:
        DocumentInputError: the template is in another language than the bundle.
    """
    if template.language != bundle.language:
        raise DocumentInputError(
            f"template {template.template_id!r} is in {template.language!r}, "
            f"the bundle in {bundle.language!r}"
        )
    content_hash = bundle_content_hash(bundle)
    entries, steps = chronological(bundle)
    refs = _PageRefs()
    story = _story(bundle, template, entries, steps, content_hash, refs)
    pdf, pages = _build(story, bundle, template, content_hash, refs)
    return RenderedDocument(
        pdf=pdf,
        kind=DocumentKind.EVIDENCE_BUNDLE,
        template_id=template.template_id,
        template_version=template.version,
        language=template.language,
        page_count=pages,
    )


def _build(
    story: list[Flowable],
    bundle: BundleInput,
    template: BundleTemplate,
    content_hash: str,
    refs: _PageRefs,
) -> tuple[bytes, int]:
    labels = template.labels
    header = f"{template.title} — {labels['case_reference']}: {bundle.case.case_reference}"
    keys = [f"entry-{number}" for number in range(1, len(bundle.entries) + 1)]
    keys += [f"exhibit-{number}" for number in range(1, len(bundle.exhibits) + 1)]

    def on_page(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 8)
        canvas.setFillColor(colors.HexColor(template.branding.primary_colour))
        canvas.drawString(
            MARGIN,
            PAGE_HEIGHT - MARGIN + 6 * mm,
            fit_width(safe_text(header), REGULAR, 8, FRAME_WIDTH - 50 * mm),
        )
        canvas.drawRightString(
            PAGE_WIDTH - MARGIN,
            PAGE_HEIGHT - MARGIN + 6 * mm,
            fit_width(safe_text(template.branding.authority_name), REGULAR, 8, 45 * mm),
        )
        canvas.restoreState()

    def decorate(canvas: Canvas, page: int, pages: int) -> None:
        if page == 1:
            # Every anchor has been drawn by now; this only guards against a dangling form.
            for key in keys:
                refs.define(canvas, key, "—")
        draw_footer(
            canvas,
            left=f"{labels['content_hash']}: {content_hash}",
            right=page_label(labels["page"], page, pages),
            colour=template.branding.accent_colour,
        )

    return build_pdf(
        story,
        title=template.title,
        author=template.branding.authority_name,
        decorate=decorate,
        on_page=on_page,
    )


def _story(
    bundle: BundleInput,
    template: BundleTemplate,
    entries: tuple[BundleEntry, ...],
    steps: tuple[ClosureStep, ...],
    content_hash: str,
    refs: _PageRefs,
) -> list[Flowable]:
    style = styles()
    labels = template.labels
    months = template.months
    case = bundle.case
    primary = template.branding.primary_colour
    story: list[Flowable] = [
        Paragraph(f'<font color="{primary}">{markup(template.title)}</font>', style["h1"]),
        Spacer(1, 3 * mm),
    ]
    header_rows = [
        (labels["case_reference"], case.case_reference),
        (labels["case_id"], case.case_id),
        (labels["property"], case.property_address),
        (labels["tenant"], case.tenant_name),
        (labels["court"], case.court),
        (labels["prepared_by"], case.prepared_by),
        (labels["prepared_at"], format_datetime(case.prepared_at, months)),
        (labels["content_hash"], content_hash),
    ]
    story.append(
        _table(
            [[markup(k), markup(v)] for k, v in header_rows if v],
            [45 * mm, FRAME_WIDTH - 45 * mm],
            bold_first_column=True,
        )
    )
    if template.intro:
        story += [Spacer(1, 3 * mm), Paragraph(markup(template.intro), style["body"])]
    story.append(Paragraph(markup(labels["hash_note"]), style["small"]))

    story.append(Paragraph(markup(labels["index"]), style["h2"]))
    if not entries:
        story.append(Paragraph(markup(labels["no_entries"]), style["body"]))
    else:
        head = [
            labels["when"],
            labels["kind"],
            labels["record_id"],
            labels["title"],
            labels["entry_page"],
        ]
        rows = [[markup(h) for h in head]]
        for number, entry in enumerate(entries, start=1):
            rows.append(
                [
                    markup(format_datetime(entry.when, months)),
                    markup(template.kind_labels.get(entry.kind, entry.kind)),
                    markup(entry.record_id),
                    f"{number}. {markup(entry.title)}",
                    _PageRef(f"entry-{number}"),
                ]
            )
        widths = [34 * mm, 24 * mm, 34 * mm, FRAME_WIDTH - 106 * mm, 14 * mm]
        story.append(_table(rows, widths, header=True))
    if bundle.exhibits:
        story += _exhibit_index(bundle.exhibits, labels, months)
    if bundle.left_out:
        story.append(
            Paragraph(markup(labels.get("left_out", "Left out of this bundle")), style["label"])
        )
        story += [Paragraph(markup(line), style["small"]) for line in bundle.left_out]

    if steps:
        story += [CondPageBreak(40 * mm), Paragraph(markup(labels["closure_steps"]), style["h2"])]
        head = [
            labels["when"],
            labels["title"],
            labels["deadline"],
            labels["status"],
            labels["record_id"],
        ]
        rows = [[markup(h) for h in head]]
        for step in steps:
            deadline = format_datetime(step.deadline, months) if step.deadline else "—"
            rows.append(
                [
                    markup(format_datetime(step.when, months)),
                    markup(step.step),
                    markup(deadline),
                    markup(step.status),
                    markup(step.record_id),
                ]
            )
        widths = [34 * mm, FRAME_WIDTH - 136 * mm, 34 * mm, 34 * mm, 34 * mm]
        story.append(_table(rows, widths, header=True))

    story += [PageBreak(), Paragraph(markup(labels["chronology"]), style["h2"])]
    for number, entry in enumerate(entries, start=1):
        kind = template.kind_labels.get(entry.kind, entry.kind)
        meta = f"<b>{markup(labels['record_id'])}:</b> {markup(entry.record_id)}"
        if entry.author:
            meta += f" · <b>{markup(labels['author'])}:</b> {markup(entry.author)}"
        title = (
            f'<font color="{primary}">{number}. {markup(format_datetime(entry.when, months))}'
            f" — {markup(kind)}</font><br/>{markup(entry.title)}"
        )
        # Room for the heading and a few lines of the body, so no heading ends a page alone.
        story.append(CondPageBreak(_ENTRY_MIN_SPACE))
        story.append(
            KeepTogether(
                [
                    _Anchor(f"entry-{number}", refs),
                    Paragraph(title, style["label"]),
                    Paragraph(meta, style["small"]),
                ]
            )
        )
        story.append(Paragraph(markup(entry.body), style["body"]))
        story.append(Spacer(1, 2 * mm))
    if bundle.exhibits:
        story += _exhibits(bundle.exhibits, labels, months, primary, refs)
    return story


#: Exhibit labels a template may leave out (older templates): English words then.
_EXHIBIT_WORDS = {
    "exhibits": "Exhibits",
    "exhibit": "Exhibit",
    "exhibit_ref": "Ref.",
    "caption": "Caption",
    "captured": "Captured",
    "sha256": "SHA-256",
    "file_kind": "File",
    "not_reproduced": "Listed, not reproduced: kept by the producing officer with its hash.",
}
_IMAGE_BOX = (FRAME_WIDTH, 150 * mm)


def _word(labels: Any, key: str) -> str:
    return str(labels.get(key) or _EXHIBIT_WORDS[key])


def _exhibit_index(exhibits: tuple[BundleExhibit, ...], labels: Any, months: Any) -> list[Flowable]:
    style = styles()
    head = [_word(labels, "exhibit_ref"), _word(labels, "caption"), _word(labels, "captured"),
            _word(labels, "sha256"), labels["entry_page"]]  # fmt: skip
    rows: list[list[str | Flowable]] = [[markup(h) for h in head]]
    for number, x in enumerate(exhibits, start=1):
        rows.append(
            [
                markup(x.reference),
                markup(x.caption or x.media_label),
                markup(f"{format_datetime(x.captured_at, months)}, {x.captured_by}"),
                markup(x.sha256),
                _PageRef(f"exhibit-{number}"),
            ]
        )
    widths = [16 * mm, 44 * mm, 36 * mm, FRAME_WIDTH - 110 * mm, 14 * mm]
    return [
        Paragraph(markup(_word(labels, "exhibits")), style["h2"]),
        _table(rows, widths, header=True),
    ]


def _exhibits(
    exhibits: tuple[BundleExhibit, ...], labels: Any, months: Any, primary: str, refs: _PageRefs
) -> list[Flowable]:
    style = styles()
    story: list[Flowable] = [PageBreak(), *_exhibit_index(exhibits, labels, months)]
    for number, x in enumerate(exhibits, start=1):
        heading = (
            f'<font color="{primary}">{markup(_word(labels, "exhibit"))} '
            f"{markup(x.reference)}</font><br/>{markup(x.caption)}"
        )
        details = (
            f"<b>{markup(_word(labels, 'captured'))}:</b> "
            f"{markup(format_datetime(x.captured_at, months))}, {markup(x.captured_by)} · "
            f"<b>{markup(_word(labels, 'file_kind'))}:</b> {markup(x.media_label)}, "
            f"{x.size:,} bytes<br/><b>{markup(_word(labels, 'sha256'))}:</b> {markup(x.sha256)}"
        )
        block: list[Flowable] = [
            _Anchor(f"exhibit-{number}", refs),
            Paragraph(heading, style["label"]),
            Paragraph(details, style["small"]),
        ]
        picture = _picture(x.image) if x.image else None
        if picture is not None:
            block.append(Spacer(1, 2 * mm))
            block.append(picture)
        else:
            block.append(Paragraph(markup(_word(labels, "not_reproduced")), style["small"]))
        story += [CondPageBreak(_ENTRY_MIN_SPACE), KeepTogether(block), Spacer(1, 4 * mm)]
    return story


def _picture(data: bytes) -> Flowable | None:
    """An image scaled to fit the page's width and most of its height, from memory."""
    try:
        reader = ImageReader(io.BytesIO(data))
        width, height = reader.getSize()
    except Exception:
        return None
    scale = min(_IMAGE_BOX[0] / width, _IMAGE_BOX[1] / height)
    return Image(io.BytesIO(data), width=width * scale, height=height * scale)


def _table(
    rows: list[list[str | Flowable]],
    widths: list[float],
    *,
    header: bool = False,
    bold_first_column: bool = False,
) -> Table:
    style = styles()
    cells = [
        [
            Paragraph(
                text,
                style["cell_bold"]
                if (header and r == 0) or (bold_first_column and c == 0)
                else style["cell"],
            )
            if isinstance(text, str)
            else text
            for c, text in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]
    table = Table(cells, colWidths=widths, repeatRows=1 if header else 0, splitInRow=1)
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.lightgrey),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")))
    table.setStyle(TableStyle(commands))
    return table
