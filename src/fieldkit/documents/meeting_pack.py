"""The problem-solving meeting pack: one district's pictures for a period, as charts and tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
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
from fieldkit.documents.text import REGULAR, register_fonts, safe_text
from fieldkit.domain.initiative import Comparison, Initiative
from fieldkit.domain.legal_clocks import format_stamp
from fieldkit.domain.vocabulary import DocumentKind

TEMPLATE_ID = "meeting_pack"
TEMPLATE_VERSION = 1
_SERIES_COLOURS = ("#1F4E79", "#C55A11", "#548235", "#7030A0", "#BF9000")
_CHART_HEIGHT = 62 * mm


@dataclass(frozen=True)
class PackChart:
    """A weekly chart: one label per week and one or more named series of counts."""

    title: str
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]
    kind: str = "bar"  # "bar" or "line"


@dataclass(frozen=True)
class PackTable:
    """A titled table of text cells, with a line shown when it has no rows."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = "Nothing to show."
    note: str = ""


@dataclass(frozen=True)
class MeetingPackInput:
    """Everything on the pack, already in words: the renderer computes nothing."""

    district: str
    period: str
    prepared_by: str
    prepared_at: datetime
    summary: tuple[str, ...]
    charts: tuple[PackChart, ...]
    tables: tuple[PackTable, ...]
    title: str = "Problem-solving meeting pack"


def render_meeting_pack(pack: MeetingPackInput, branding: Branding) -> RenderedDocument:
    """Render a district's meeting pack to PDF: summary, weekly charts, then the tables.

    The output is deterministic for the same input (see ``layout.build_pdf``).
    """
    register_fonts()
    style = styles()
    primary = branding.primary_colour
    story: list[Flowable] = [
        Spacer(1, 30 * mm),
        Paragraph(f'<font color="{primary}">{markup(pack.title)}</font>', style["h1"]),
        Paragraph(markup(f"{pack.district} — {pack.period}"), style["h2"]),
        Paragraph(
            markup(f"Prepared by {pack.prepared_by} on {format_stamp(pack.prepared_at)}"),
            style["small"],
        ),
        Spacer(1, 3 * mm),
    ]
    story += [Paragraph(markup(line), style["bullet"], bulletText="•") for line in pack.summary]
    for chart in pack.charts:
        story += [
            CondPageBreak(_CHART_HEIGHT + 15 * mm),
            Paragraph(markup(chart.title), style["h2"]),
            _chart(chart),
        ]
    for table in pack.tables:
        story += [CondPageBreak(35 * mm), Paragraph(markup(table.title), style["h2"])]
        if table.note:
            story.append(Paragraph(markup(table.note), style["small"]))
        if table.rows:
            story.append(_table(table))
        else:
            story.append(Paragraph(markup(table.empty), style["body"]))

    pdf, pages = build_report_pdf(
        story,
        branding=branding,
        title=pack.title,
        footer=f"{pack.title} — {pack.district} — {pack.period} — OFFICIAL-SENSITIVE",
    )
    return RenderedDocument(
        pdf=pdf,
        kind=DocumentKind.MEETING_PACK,
        template_id=TEMPLATE_ID,
        template_version=TEMPLATE_VERSION,
        language="en",
        page_count=pages,
    )


def _chart(chart: PackChart) -> Drawing:
    width, height = FRAME_WIDTH, _CHART_HEIGHT
    drawing = Drawing(width, height)
    plot: Any = VerticalBarChart() if chart.kind == "bar" else HorizontalLineChart()
    plot.x, plot.y = 12 * mm, 16 * mm
    plot.width, plot.height = width - 16 * mm, height - 24 * mm
    data = [list(values) or [0] for _, values in chart.series] or [[0]]
    plot.data = data
    top = max((max(values) for values in data), default=0)
    plot.valueAxis.valueMin = 0
    plot.valueAxis.valueMax = max(4, top + max(1, top // 8))
    plot.valueAxis.labels.fontName = REGULAR
    plot.valueAxis.labels.fontSize = 7
    labels = list(chart.labels)
    # Every label when they fit, else every other one, so week labels never overlap.
    step = 1 if len(labels) <= 13 else 2
    plot.categoryAxis.categoryNames = [
        label if n % step == 0 else "" for n, label in enumerate(labels)
    ]
    plot.categoryAxis.labels.fontName = REGULAR
    plot.categoryAxis.labels.fontSize = 6.5
    plot.categoryAxis.labels.angle = 30
    plot.categoryAxis.labels.boxAnchor = "ne"
    for n in range(len(data)):
        colour = colors.HexColor(_SERIES_COLOURS[n % len(_SERIES_COLOURS)])
        if chart.kind == "bar":
            plot.bars[n].fillColor = colour
            plot.bars[n].strokeColor = None
        else:
            plot.lines[n].strokeColor = colour
            plot.lines[n].strokeWidth = 1.5
    drawing.add(plot)
    legend = Legend()
    legend.fontName = REGULAR
    legend.fontSize = 7
    legend.x, legend.y = 14 * mm, height - 2 * mm
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 45 * mm
    legend.colorNamePairs = [
        (colors.HexColor(_SERIES_COLOURS[n % len(_SERIES_COLOURS)]), safe_text(name)[:40])
        for n, (name, _) in enumerate(chart.series)
    ]
    drawing.add(legend)
    if not any(any(values) for _, values in chart.series):
        drawing.add(String(width / 2, height / 2, "No visits in this period", fontName=REGULAR))
    return drawing


def _table(table: PackTable) -> Table:
    style = styles()
    columns = len(table.headers)
    first = FRAME_WIDTH * (0.34 if columns > 2 else 0.5)
    rest = (FRAME_WIDTH - first) / max(1, columns - 1)
    cells = [[Paragraph(markup(h), style["cell_bold"]) for h in table.headers]]
    cells += [[Paragraph(markup(c), style["cell"]) for c in row] for row in table.rows]
    out = Table(cells, colWidths=[first, *[rest] * (columns - 1)], repeatRows=1, splitInRow=1)
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


def initiative_section(
    initiative: Initiative, crime: Comparison, visits: Comparison
) -> tuple[str, PackChart, PackTable]:
    """An initiative for the pack: a summary line, its monthly chart, and its definition and
    result as a table (what was counted, where, from when, the change and its interval)."""
    polygons = len(initiative.area)
    if initiative.sectors:
        area = "postcode sectors " + ", ".join(initiative.sectors) + " (round their addresses)"
    elif initiative.wards:
        area = "wards " + ", ".join(initiative.wards)
    else:
        area = f"a drawn area ({polygons} polygon{'s' if polygons != 1 else ''})"
    summary = (
        f"Initiative {initiative.name} (from {initiative.start:%d %B %Y}, {area}): recorded "
        f"crime {crime.change_text()}; visits {visits.change_text()}."
    )
    chart = PackChart(
        f"{initiative.name}: recorded crime and visits per month in the area",
        tuple(m[2:] for m in crime.months),
        (("Recorded crime", crime.monthly), ("Visits", _aligned(visits, crime.months))),
    )
    rows = (
        ("Area", area),
        ("Start", f"{initiative.start:%d %B %Y}"),
        ("Crime types", ", ".join(initiative.crime_types) or "none"),
        ("Visit categories", ", ".join(initiative.visit_categories) or "none"),
        (
            "Recorded crime",
            f"{crime.before} in {crime.before_months} months before; {crime.after} in "
            f"{crime.after_months} months from the start; {crime.change_text()}",
        ),
        (
            "Visits",
            f"{visits.before} in {visits.before_months} months before; {visits.after} in "
            f"{visits.after_months} months from the start; {visits.change_text()}",
        ),
    )
    table = PackTable(
        f"Initiative: {initiative.name}",
        ("", "Definition and result"),
        rows,
        note=(
            "Change in the monthly rate after the start; the 95% interval is for the ratio of "
            "two Poisson rates (Wald, on the log scale). An interval that spans 0% means the "
            "change may be chance."
        ),
    )
    return summary, chart, table


def _aligned(comparison: Comparison, months: tuple[str, ...]) -> tuple[int, ...]:
    counts = dict(zip(comparison.months, comparison.monthly, strict=True))
    return tuple(counts.get(m, 0) for m in months)
