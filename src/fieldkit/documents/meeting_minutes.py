"""The minutes of a district problem-solving group meeting, on the partnership's letterhead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer

from fieldkit.documents.layout import RenderedDocument, build_report_pdf, markup, styles
from fieldkit.documents.templates import Branding
from fieldkit.documents.text import register_fonts
from fieldkit.domain.legal_clocks import format_date, format_stamp
from fieldkit.domain.vocabulary import DocumentKind

TEMPLATE_ID = "meeting_minutes"
TEMPLATE_VERSION = 1


@dataclass(frozen=True)
class MinutesDecision:
    """A decision, and the actions that carry it out, each already a line of words."""

    text: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class MinutesInput:
    """Everything the minutes say, already in words: the renderer computes nothing."""

    district: str
    held_on: date
    chair: str
    attendees: tuple[str, ...]
    agenda: tuple[str, ...]
    decisions: tuple[MinutesDecision, ...]
    prepared_by: str
    prepared_at: datetime
    title: str = "Problem-solving group: minutes"


def render_minutes(minutes: MinutesInput, branding: Branding) -> RenderedDocument:
    """Render a meeting's minutes to PDF: who attended, the agenda, decisions and their actions.

    The output is deterministic for the same input (see ``layout.build_pdf``).
    """
    register_fonts()
    style = styles()
    primary = branding.primary_colour
    story: list[Flowable] = [
        Spacer(1, 30 * mm),
        Paragraph(f'<font color="{primary}">{markup(minutes.title)}</font>', style["h1"]),
        Paragraph(markup(f"{minutes.district} — {format_date(minutes.held_on)}"), style["h2"]),
        Paragraph(markup(f"Chair: {minutes.chair}"), style["body"]),
        Paragraph(
            markup(
                f"Minutes prepared by {minutes.prepared_by} on {format_stamp(minutes.prepared_at)}"
            ),
            style["small"],
        ),
        Spacer(1, 3 * mm),
        Paragraph("Attendees", style["h2"]),
    ]
    story += _bullets(minutes.attendees, "No attendees recorded.")
    story += [CondPageBreak(30 * mm), Paragraph("Agenda", style["h2"])]
    story += _bullets(minutes.agenda, "Nothing was on the agenda.")
    story += [CondPageBreak(30 * mm), Paragraph("Decisions and actions", style["h2"])]
    if not minutes.decisions:
        story.append(Paragraph("No decisions were recorded.", style["body"]))
    for number, decision in enumerate(minutes.decisions, start=1):
        story.append(Paragraph(markup(f"{number}. {decision.text}"), style["body"]))
        if decision.actions:
            story += [
                Paragraph(markup(f"Action: {line}"), style["bullet"], bulletText="–")
                for line in decision.actions
            ]
        else:
            story.append(Paragraph("No action.", style["small"]))
        story.append(Spacer(1, 2 * mm))
    footer = f"{minutes.title} — {minutes.district} — OFFICIAL-SENSITIVE"
    pdf, pages = build_report_pdf(story, branding=branding, title=minutes.title, footer=footer)
    return RenderedDocument(
        pdf=pdf,
        kind=DocumentKind.MEETING_MINUTES,
        template_id=TEMPLATE_ID,
        template_version=TEMPLATE_VERSION,
        language="en",
        page_count=pages,
    )


def _bullets(lines: tuple[str, ...], empty: str) -> list[Flowable]:
    style = styles()
    if not lines:
        return [Paragraph(markup(empty), style["body"])]
    return [Paragraph(markup(line), style["bullet"], bulletText="•") for line in lines]
