"""The subject access export as a readable PDF: a cover, then every record about the person.

The renderer computes nothing: the service hands it every record already in words (field labels
and values, earlier versions, who saw or changed it). The wording of the cover is here, so that
the PDF and the JSON export (which quotes ``scope_statement``) say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer, Table
from reportlab.platypus import TableStyle as _TableStyle

from fieldkit.documents.layout import (
    FRAME_WIDTH,
    RenderedDocument,
    build_report_pdf,
    markup,
    styles,
)
from fieldkit.documents.templates import Branding
from fieldkit.documents.text import register_fonts
from fieldkit.domain.legal_clocks import format_stamp
from fieldkit.domain.vocabulary import DocumentKind

TEMPLATE_ID = "subject_access"
TEMPLATE_VERSION = 1
TITLE = "Subject access export"


@dataclass(frozen=True)
class AccessField:
    """One field of a record, in words."""

    label: str
    value: str


@dataclass(frozen=True)
class AccessVersion:
    """An earlier version of a record: what changed, when, and what it said before."""

    heading: str
    fields: tuple[AccessField, ...]
    note: str = ""


@dataclass(frozen=True)
class AccessEvent:
    """One audit-log entry about a record, in words."""

    when: str
    who: str
    what: str
    detail: str


@dataclass(frozen=True)
class AccessRecord:
    """One record as the PDF shows it.

    Attributes:
        heading: what it is and its date, e.g. ``Visit — 10:15 on Friday 27 November 2026``.
        reference: the record's id, so the PDF and the JSON can be matched.
        why: why the record counts as about the person.
        notes: warnings about the record (deleted, restricted), shown in bold.
        fields: the record's current fields (empty ones left out).
        versions: earlier versions, oldest first.
        events: who saw, changed, printed or exported it, oldest first.
    """

    heading: str
    reference: str
    why: str
    notes: tuple[str, ...]
    fields: tuple[AccessField, ...]
    versions: tuple[AccessVersion, ...] = ()
    events: tuple[AccessEvent, ...] = ()


@dataclass(frozen=True)
class AccessSection:
    """A kind of record: its title and its records (a line is shown when there are none)."""

    title: str
    records: tuple[AccessRecord, ...]
    empty: str = "None held."


@dataclass(frozen=True)
class SubjectAccessInput:
    """Everything the export shows, already in words.

    Attributes:
        reference: the export's reference, printed on every page and in the file names.
        person_name: how the person is named.
        prepared_by: the Fieldkit user whose vault this is.
        prepared_at: when the export was made (London time).
        summary: one line per kind of record, e.g. ``2 visits``.
        sections: the records, a section per kind.
        cover: the cover's paragraphs when not a laptop's (the server's partnership-wide
            export says what it covers itself); empty for ``cover_paragraphs``.
    """

    reference: str
    person_name: str
    prepared_by: str
    prepared_at: datetime
    summary: tuple[str, ...]
    sections: tuple[AccessSection, ...]
    cover: tuple[str, ...] = ()


def scope_statement(prepared_by: str) -> str:
    """What the export covers: only what the user's vault holds, within their rights."""
    return (
        f"Within the user's rights: this laptop's vault holds only what the partnership's server "
        f"let its user, {prepared_by}, see. Records outside that user's access (another "
        f"district's, or safeguarding records they are not cleared for) are not on this laptop "
        f"and are not in this export; the partnership's server holds the full record."
    )


def cover_paragraphs(pack: SubjectAccessInput) -> tuple[str, ...]:
    """The cover's wording, as plain text paragraphs."""
    return (
        f"This is everything the Fieldkit vault of {pack.prepared_by} held about "
        f"{pack.person_name} on {format_stamp(pack.prepared_at)}: their own record, every "
        "record that involves them, each record's earlier versions, and the log of who saw, "
        "changed, printed or exported each one.",
        scope_statement(pack.prepared_by),
        "Records may mention other people, who are not named here beyond what the records "
        "themselves say. Before anything is released, check it for information about others "
        "and for any exemption that applies (records marked Restricted hold safeguarding "
        "information).",
        f"A machine-readable copy of the same content is in the JSON file with the reference "
        f"{pack.reference}. Making this export was logged: one export entry for each record "
        "disclosed, with the reason “subject access request”.",
    )


def render_subject_access(pack: SubjectAccessInput, branding: Branding) -> RenderedDocument:
    """Render a subject access export to PDF: the cover, a summary, then each section.

    The output is deterministic for the same input (see ``layout.build_pdf``).
    """
    register_fonts()
    style = styles()
    record_heading = ParagraphStyle(
        "record_heading", parent=style["h2"], fontSize=11, leading=14, spaceBefore=8
    )
    sub_heading = ParagraphStyle("sub_heading", parent=style["label"], fontSize=9, spaceBefore=3)
    primary = branding.primary_colour
    story: list[Flowable] = [
        Spacer(1, 30 * mm),
        Paragraph(f'<font color="{primary}">{markup(TITLE)}</font>', style["h1"]),
        Paragraph(markup(pack.person_name), style["h2"]),
        Paragraph(
            markup(
                f"Reference {pack.reference} · prepared by {pack.prepared_by} on "
                f"{format_stamp(pack.prepared_at)}"
            ),
            style["small"],
        ),
        Spacer(1, 3 * mm),
    ]
    cover = pack.cover or cover_paragraphs(pack)
    story += [Paragraph(markup(text), style["body"]) for text in cover]
    story.append(Paragraph(markup("What is held"), style["h2"]))
    story += [Paragraph(markup(line), style["bullet"], bulletText="•") for line in pack.summary]
    for section in pack.sections:
        # Room for the title and the start of a record, so a title never ends a page alone.
        story += [CondPageBreak(50 * mm), Paragraph(markup(section.title), style["h2"])]
        if not section.records:
            story.append(Paragraph(markup(section.empty), style["body"]))
        for record in section.records:
            story += _record(record, record_heading, sub_heading)

    pdf, pages = build_report_pdf(
        story,
        branding=branding,
        title=TITLE,
        footer=f"{TITLE} — {pack.reference} — OFFICIAL-SENSITIVE",
    )
    return RenderedDocument(
        pdf=pdf,
        kind=DocumentKind.SUBJECT_ACCESS,
        template_id=TEMPLATE_ID,
        template_version=TEMPLATE_VERSION,
        language="en",
        page_count=pages,
    )


def _record(
    record: AccessRecord, heading: ParagraphStyle, sub_heading: ParagraphStyle
) -> list[Flowable]:
    style = styles()
    out: list[Flowable] = [
        CondPageBreak(25 * mm),
        Paragraph(markup(record.heading), heading),
        Paragraph(markup(f"Reference {record.reference} · {record.why}"), style["small"]),
    ]
    out += [Paragraph(f"<b>{markup(n)}</b>", style["small"]) for n in record.notes]
    if record.fields:
        out.append(_table(("Field", "Value"), [(f.label, f.value) for f in record.fields]))
    if record.versions:
        out.append(Paragraph(markup("Earlier versions"), sub_heading))
        for version in record.versions:
            out.append(Paragraph(markup(version.heading), style["small"]))
            if version.note:
                out.append(Paragraph(markup(version.note), style["small"]))
            if version.fields:
                out.append(
                    _table(("Field", "Before"), [(f.label, f.value) for f in version.fields])
                )
    out.append(Paragraph(markup("Who saw, changed, printed or exported it"), sub_heading))
    if record.events:
        out.append(
            _table(
                ("When", "Who", "What", "Details"),
                [(e.when, e.who, e.what, e.detail) for e in record.events],
                widths=(0.3, 0.2, 0.15, 0.35),
            )
        )
    else:
        out.append(Paragraph(markup("Nothing logged on this laptop."), style["small"]))
    return out


def _table(
    headers: tuple[str, ...],
    rows: list[tuple[str, ...]],
    *,
    widths: tuple[float, ...] = (0.3, 0.7),
) -> Table:
    style = styles()
    cells = [[Paragraph(markup(h), style["cell_bold"]) for h in headers]]
    cells += [[Paragraph(markup(c), style["cell"]) for c in row] for row in rows]
    out = Table(cells, colWidths=[FRAME_WIDTH * w for w in widths], repeatRows=1, splitInRow=1)
    out.setStyle(
        _TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.lightgrey),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")),
            ]
        )
    )
    return out
