"""Partnership intelligence for supervisors: the pictures, their tables, and logged exports.

Each picture is one read transaction. Exports (CSV of any table, the meeting pack PDF) are
disclosures under s62, logged before the file appears: one audit ``export`` entry per record the
rows name (one without a record for a table of counts), whose reason names the table, the
district and the period, never a person; then a ``complete`` entry with the count.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from fieldkit.documents import (
    MeetingPackInput,
    PackChart,
    PackTable,
    TemplateLibrary,
    render_meeting_pack,
)
from fieldkit.documents.meeting_pack import initiative_section
from fieldkit.documents.templates import Branding
from fieldkit.domain.initiative import Comparison, Initiative
from fieldkit.domain.legal_clocks import LONDON, format_date, format_datetime
from fieldkit.domain.records import RecordType
from fieldkit.domain.schemes import Scheme
from fieldkit.domain.trends import Period, RisingRule, describe_change, period_ending
from fieldkit.domain.vocabulary import AsbCategory, AsbStatus, Category, District
from fieldkit.services import disclosure
from fieldkit.services.people import category_label
from fieldkit.store import analytics, asb_cases, audit
from fieldkit.store.analytics import (
    EVERYTHING,
    ClosureClock,
    Evaluation,
    Hotspot,
    Pipeline,
    RepeatSubject,
    RisingSubject,
    Scope,
    Trends,
)
from fieldkit.store.vault import Vault

__all__ = [
    "ClosureClock",
    "Evaluation",
    "ExportTable",
    "Hotspot",
    "IntelligenceService",
    "Period",
    "Pipeline",
    "RepeatSubject",
    "Repeats",
    "ReportName",
    "RisingRule",
    "RisingSubject",
    "Scope",
    "Trends",
    "district_label",
    "period_ending",
]


@dataclass(frozen=True)
class ExportTable:
    """A picture as a table of text: what CSV export writes and the meeting pack prints."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    #: The record each row names, as (type, id), row by row; empty when rows are only counts.
    #: Exporting the table logs one disclosure per record named.
    subjects: tuple[tuple[str, str], ...] = ()


class ReportName(StrEnum):
    """The tables `fieldkit report NAME` writes, as the Intelligence screen shows them."""

    TRENDS = "trends"
    HOTSPOTS = "hotspots"
    REPEATS = "repeats"
    EARLY_WARNING = "early-warning"
    WARNINGS_PIPELINE = "warnings-pipeline"
    CLOSURES = "closures"


@dataclass(frozen=True)
class Repeats:
    people: tuple[RepeatSubject, ...]
    places: tuple[RepeatSubject, ...]


def district_label(value: str) -> str:
    """A district id in words (an unknown id as it is)."""
    return District.label_for(value)


def _scope_words(scope: Scope) -> str:
    bits = []
    if scope.categories:
        bits.append(", ".join(category_label(c) for c in scope.categories))
    if scope.districts:
        bits.append(", ".join(district_label(d) for d in scope.districts))
    else:
        bits.append("all districts")
    if scope.place_ids:
        bits.append(f"{len(scope.place_ids)} chosen place{'s' if len(scope.place_ids) > 1 else ''}")
    return "; ".join(bits)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def _day(stored: str) -> str:
    return format_date(datetime.fromisoformat(stored))


# Tables ----------------------------------------------------------------------------------------


def trends_table(trends: Trends, *, scope: Scope = EVERYTHING) -> ExportTable:
    """Each category and district's weekly counts, then totals and change."""
    weeks = tuple(f"w/c {format_date(d)}" for d in trends.week_starts)
    headers = ("Category", "District", *weeks, "This period", "Previous period", "Change")
    rows = tuple(
        (
            category_label(line.category),
            district_label(line.district),
            *(str(n) for n in line.current),
            str(line.current_total),
            str(line.previous_total),
            _percent(line.change_percent),
        )
        for line in trends.lines
    )
    title = f"Trends, {_scope_words(scope)}, {trends.period.describe()}"
    return ExportTable(title, headers, rows)


def hotspots_table(spots: Sequence[Hotspot], *, period: Period, scope: Scope) -> ExportTable:
    return ExportTable(
        f"Hotspots, {_scope_words(scope)}, {period.describe()}",
        ("Place", "District", "Visits", "Previous period", "Change"),
        tuple(
            (s.label, district_label(s.district), str(s.current), str(s.previous), s.change_text)
            for s in spots
        ),
        tuple(("place", s.place_id) for s in spots),
    )


def repeats_table(repeats: Repeats, *, period: Period, scope: Scope) -> ExportTable:
    return ExportTable(
        f"Repeat people and places, {_scope_words(scope)}, {period.describe()}",
        ("Kind", "Name", "District", "Visits", "First", "Last"),
        tuple(
            (
                RecordType.label_for(r.kind),
                r.name,
                district_label(r.district),
                str(r.visits),
                _day(r.first_at),
                _day(r.last_at),
            )
            for r in (*repeats.people, *repeats.places)
        ),
        tuple((r.kind, r.id) for r in (*repeats.people, *repeats.places)),
    )


def early_warning_table(listed: Sequence[RisingSubject], *, scope: Scope) -> ExportTable:
    return ExportTable(
        f"Early warning, {_scope_words(scope)}",
        ("Kind", "Name", "District", "Recent", "Before", "Why listed"),
        tuple(
            (
                RecordType.label_for(s.kind),
                s.name,
                district_label(s.district),
                str(s.recent),
                str(s.before),
                s.reason,
            )
            for s in listed
        ),
        tuple((s.kind, s.id) for s in listed),
    )


def pipeline_table(pipeline: Pipeline, *, scope: Scope) -> ExportTable:
    return ExportTable(
        f"Warnings pipeline, {_scope_words(scope)}",
        ("Scheme", "Step", "Level", "People"),
        tuple(
            (s.scheme_name, str(s.position + 1), s.level_name, str(s.people))
            for s in pipeline.steps
        ),
    )


def due_table(pipeline: Pipeline, *, scope: Scope) -> ExportTable:
    return ExportTable(
        f"Due to move on, {_scope_words(scope)}",
        ("Name", "District", "Scheme", "Stands at", "Next step", "Seen since", "Why"),
        tuple(
            (
                d.name,
                district_label(d.district),
                d.scheme_name,
                d.stage,
                d.next_step,
                str(d.encounters_since),
                d.reason,
            )
            for d in pipeline.due
        ),
        tuple(("person", d.person_id) for d in pipeline.due),
    )


def closures_table(clocks: Sequence[ClosureClock], *, scope: Scope) -> ExportTable:
    return ExportTable(
        f"Closure clocks, {_scope_words(scope)}",
        ("Deadline", "Clock", "Case", "Place", "District", "Status", "What is due"),
        tuple(
            (
                format_datetime(c.deadline),
                c.clock,
                c.case_reference,
                c.place,
                district_label(c.district),
                c.status,
                c.due,
            )
            for c in clocks
        ),
        tuple(("closure", c.closure_id) for c in clocks),
    )


def _words(enum: type[AsbCategory | AsbStatus], value: object) -> str:
    try:
        return enum(str(value)).label
    except ValueError:
        return str(value or "")


@dataclass(frozen=True)
class AsbPicture:
    """The ASB case picture in counts: no names, no references."""

    open_by_category_and_district: tuple[tuple[str, str, int], ...]
    overdue_actions: int
    high_risk_victims: int


def asb_counts_table(picture: AsbPicture) -> ExportTable:
    return ExportTable(
        "Open ASB cases by category and district",
        ("Category", "District", "Open cases"),
        tuple((c, d, str(n)) for c, d, n in picture.open_by_category_and_district),
    )


def cases_to_discuss_table(
    listed: Sequence[asb_cases.CaseToDiscuss], *, scope: Scope
) -> ExportTable:
    return ExportTable(
        f"ASB cases to discuss, {_scope_words(scope)}",
        ("Case", "Category", "Status", "Owner", "Why"),
        tuple(
            (
                d.case.reference,
                _words(AsbCategory, d.case.category),
                _words(AsbStatus, d.case.status),
                d.case.owner or "",
                "; ".join(
                    why
                    for why, applies in (
                        ("high risk", d.case.high_risk),
                        (
                            f"{d.overdue_actions} overdue action"
                            f"{'s' if d.overdue_actions != 1 else ''}",
                            d.overdue_actions > 0,
                        ),
                        ("review overdue", d.review_overdue),
                    )
                    if applies
                ),
            )
            for d in listed
        ),
        tuple(("asb_case", d.case.id) for d in listed),
    )


def evaluation_table(evaluation: Evaluation) -> ExportTable:
    """The initiative's weekly series, then before, after and the change."""
    rows = [
        (f"w/c {format_date(d)}", "before" if n < evaluation.window_weeks else "after", str(c))
        for n, (d, c) in enumerate(zip(evaluation.week_starts, evaluation.weekly, strict=True))
    ]
    rows += [
        ("Before", f"{evaluation.window_weeks} weeks", str(evaluation.before)),
        ("After", f"{evaluation.window_weeks} weeks", str(evaluation.after)),
        ("Change", evaluation.change_text, _percent(evaluation.change_percent)),
    ]
    title = (
        f"Initiative evaluation, {_scope_words(evaluation.scope)}, "
        f"from {format_date(evaluation.start)}"
    )
    return ExportTable(title, ("Week", "Side", "Visits"), tuple(rows))


#: A spreadsheet reads a cell starting with one of these as a formula (or the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: A plain signed decimal, perhaps a percentage (``-20.0%``): a spreadsheet reads it as a number
#: and it can hold no formula, so a count or change the code wrote stays a number.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?%?")


def neutralise_cell(value: str | int | float) -> str | int | float:
    """A CSV cell that a spreadsheet cannot run as a formula (CSV injection).

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    ``'``, so ``=HYPERLINK(...)`` in a person's name is shown, not run. Numbers (and text that
    is only a plain signed number, such as ``-20.0%``) are left as they are.

    Args:
        value: the cell as the table holds it.

    Returns:
        The cell to write.
    """
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_text(table: ExportTable) -> str:
    """A table as CSV (the csv module, Excel dialect, a header row first), cells neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise_cell(h) for h in table.headers])
    writer.writerows([neutralise_cell(c) for c in row] for row in table.rows)
    return buffer.getvalue()


# The service -----------------------------------------------------------------------------------


class IntelligenceService:
    """The supervisor's pictures and exports.

    Args:
        vault: the unlocked vault.
        schemes: the warning schemes by id.
        branding: who the meeting pack comes from (the bundled templates' branding if None).
        write_file: writes an export's file whole and owner-only (`write_private_file`; tests
            pass one that looks at the log when the file is written).
        initiatives: the initiatives defined on the map, each evaluated on recorded crime and
            visits; the meeting pack shows each one's definition, result and chart.
    """

    def __init__(
        self,
        vault: Vault,
        *,
        schemes: Mapping[str, Scheme],
        branding: Callable[[], Branding] | None = None,
        write_file: Callable[[Path, bytes], None] = disclosure.write_private_file,
        initiatives: Callable[[], Sequence[tuple[Initiative, Comparison, Comparison]]]
        | None = None,
    ) -> None:
        self._vault = vault
        self._initiatives = initiatives or (lambda: ())
        self._schemes = schemes
        self._branding = branding or (lambda: TemplateLibrary.load().bundle("en").branding)
        self._write_file = write_file

    @staticmethod
    def categories() -> list[tuple[str, str]]:
        """Every category as (id, words)."""
        return [(c.value, category_label(c.value)) for c in Category]

    @staticmethod
    def districts() -> list[tuple[str, str]]:
        """Every district as (id, words)."""
        return [(d.value, d.label) for d in District]

    def today(self) -> date:
        """Today in London, as the pictures reckon periods."""
        return self._vault.now().astimezone(LONDON).date()

    def trends(self, *, period: Period, scope: Scope = EVERYTHING) -> Trends:
        with self._vault.read() as tx:
            return analytics.trends(tx, period=period, scope=scope)

    def hotspots(
        self, *, period: Period, scope: Scope = EVERYTHING, limit: int = 20
    ) -> tuple[Hotspot, ...]:
        with self._vault.read() as tx:
            return analytics.hotspots(tx, period=period, scope=scope, limit=limit)

    def repeats(self, *, period: Period, scope: Scope = EVERYTHING, min_visits: int = 3) -> Repeats:
        """Repeat people and places; showing the people named is logged as consultation."""
        with self._vault.read() as tx:
            found = Repeats(
                analytics.repeat_people(tx, period=period, scope=scope, min_visits=min_visits),
                analytics.repeat_places(tx, period=period, scope=scope, min_visits=min_visits),
            )
        self._consulted([p.id for p in found.people], "intelligence: repeat people")
        return found

    def early_warning(
        self, *, rule: RisingRule | None = None, scope: Scope = EVERYTHING
    ) -> tuple[RisingSubject, ...]:
        """The early-warning list; showing the people named is logged as consultation."""
        with self._vault.read() as tx:
            found = analytics.early_warning(tx, now=self._vault.now(), rule=rule, scope=scope)
        self._consulted([s.id for s in found if s.kind == "person"], "intelligence: early warning")
        return found

    def pipeline(self, *, districts: tuple[str, ...] = ()) -> Pipeline:
        """The warnings pipeline; showing who is due to move on is logged as consultation."""
        with self._vault.read() as tx:
            found = analytics.warning_pipeline(
                tx, now=self._vault.now(), schemes=self._schemes, districts=districts
            )
        self._consulted([d.person_id for d in found.due], "intelligence: due to move on")
        return found

    def _consulted(self, person_ids: Sequence[str], reason: str) -> None:
        """Log one consultation (s62 ``view``) per person a picture names on screen."""
        if not person_ids:
            return
        at = self._vault.now().isoformat(timespec="seconds")
        with self._vault.write() as conn:
            audit.append(
                conn,
                [
                    audit.new_event(
                        at=at,
                        actor=self._vault.username,
                        action=audit.AuditAction.VIEW,
                        record_type="person",
                        record_id=person_id,
                        reason=reason,
                    )
                    for person_id in dict.fromkeys(person_ids)
                ],
            )

    def asb_picture(self, *, districts: tuple[str, ...] = ()) -> AsbPicture:
        """Open ASB cases by category and district, overdue actions and high-risk victims:
        counts only, naming no one."""
        today = self.today().isoformat()
        with self._vault.read() as tx:
            counts = asb_cases.counts_by_category_and_district(tx)
            overdue = asb_cases.overdue_action_count(tx, today=today, districts=districts)
            victims = asb_cases.high_risk_victim_count(tx, districts=districts)
        return AsbPicture(
            tuple(
                (_words(AsbCategory, c), district_label(d), n)
                for c, d, n in counts
                if not districts or d in districts
            ),
            overdue,
            victims,
        )

    def closures(self, *, districts: tuple[str, ...] = ()) -> tuple[ClosureClock, ...]:
        with self._vault.read() as tx:
            return analytics.closure_clocks_running(tx, now=self._vault.now(), districts=districts)

    def evaluate(self, *, scope: Scope, start: date, window_weeks: int) -> Evaluation:
        """Before versus after an initiative's start, ``window_weeks`` on each side.

        Raises:
            ValueError: If ``window_weeks`` is not at least 1.
        """
        if window_weeks < 1:
            raise ValueError("the window is at least one week")
        with self._vault.read() as tx:
            return analytics.evaluate_initiative(
                tx, scope=scope, start=start, window_weeks=window_weeks
            )

    def report(
        self,
        *,
        name: ReportName,
        period: Period,
        scope: Scope = EVERYTHING,
        rule: RisingRule | None = None,
    ) -> ExportTable:
        """One Intelligence table, built as the screen builds it for the same choices.

        Args:
            name: which table.
            period: the weeks the period pictures count (trends, hotspots, repeats).
            scope: the district chosen (all districts if none).
            rule: when early warning counts a subject as rising (the screen's default if None).

        Returns:
            The table, ready for `export_csv`.
        """
        if name is ReportName.TRENDS:
            return trends_table(self.trends(period=period, scope=scope), scope=scope)
        if name is ReportName.HOTSPOTS:
            spots = self.hotspots(period=period, scope=scope)
            return hotspots_table(spots, period=period, scope=scope)
        if name is ReportName.REPEATS:
            repeats = self.repeats(period=period, scope=scope)
            return repeats_table(repeats, period=period, scope=scope)
        if name is ReportName.EARLY_WARNING:
            listed = self.early_warning(rule=rule or RisingRule(), scope=scope)
            return early_warning_table(listed, scope=scope)
        if name is ReportName.WARNINGS_PIPELINE:
            return pipeline_table(self.pipeline(districts=scope.districts), scope=scope)
        return closures_table(self.closures(districts=scope.districts), scope=scope)

    # Exports -----------------------------------------------------------------------------------

    def export_csv(
        self, *, table: ExportTable, destination: Path, recipient: str | None = None
    ) -> int:
        """Write a table as CSV (cells neutralised), logging the disclosure before the file appears.

        One audit ``export`` entry per record the rows name (one without a record for a table
        of counts), committed before the file is written; a ``complete`` entry with the row
        count once it is in place. The file is created owner-only (0600) and appears whole.

        Returns:
            The number of rows written (the header not counted).

        Raises:
            FileNotFoundError: the destination's folder does not exist; nothing is logged.
            OSError: the file could not be written; the entries then over-report, and the
                ``complete`` entry says no rows went.
        """
        body = csv_text(table).encode("utf-8")
        self._disclose(
            destination,
            body,
            reason=f"CSV export: {table.title} ({len(table.rows)} rows)",
            records=_distinct(table.subjects),
            count=len(table.rows),
            unit="rows",
            recipient=recipient,
        )
        return len(table.rows)

    def meeting_pack(
        self,
        *,
        district: str,
        period: Period,
        destination: Path,
        recipient: str | None = None,
        rule: RisingRule | None = None,
    ) -> int:
        """Render one district's problem-solving meeting pack as PDF and log the disclosure.

        Logged as `export_csv` is: one ``export`` entry per record its tables name (as printed,
        so at most `PACK_ROWS` rows a table) before the file is written, ``complete`` after.

        Returns:
            The number of pages.

        Raises:
            FileNotFoundError: the destination's folder does not exist; nothing is logged.
            OSError: the file could not be written (see `export_csv`).
        """
        pack, named = self._meeting_pack(district=district, period=period, rule=rule)
        rendered = render_meeting_pack(pack, self._branding())
        self._disclose(
            destination,
            rendered.pdf,
            reason=f"Meeting pack PDF: {district_label(district)}, {period.describe()}",
            records=named,
            count=rendered.page_count,
            unit="pages",
            recipient=recipient,
        )
        return rendered.page_count

    def meeting_pack_input(
        self, *, district: str, period: Period, rule: RisingRule | None = None
    ) -> MeetingPackInput:
        """Everything the pack shows, gathered in one read transaction."""
        return self._meeting_pack(district=district, period=period, rule=rule)[0]

    def _meeting_pack(
        self, *, district: str, period: Period, rule: RisingRule | None
    ) -> tuple[MeetingPackInput, tuple[tuple[str, str], ...]]:
        scope = Scope(districts=(district,))
        now = self._vault.now()
        with self._vault.read() as tx:
            trends = analytics.trends(tx, period=period, scope=scope)
            spots = analytics.hotspots(tx, period=period, scope=scope, limit=10)
            listed = analytics.early_warning(tx, now=now, rule=rule, scope=scope)
            pipeline = analytics.warning_pipeline(
                tx, now=now, schemes=self._schemes, districts=(district,)
            )
            clocks = analytics.closure_clocks_running(tx, now=now, districts=(district,))
            discuss = asb_cases.cases_to_discuss(
                tx, district=district, today=now.astimezone(LONDON).date().isoformat()
            )
        labels = tuple(f"{d.day}/{d.month}" for d in trends.week_starts)
        this, before = sum(trends.all_current), sum(trends.all_previous)
        summary: tuple[str, ...] = (
            f"{this} visits in the period ({describe_change(before, this)} on the "
            f"{period.weeks} weeks before, {before}).",
            f"Busiest place: {spots[0].label} ({spots[0].current} visits)."
            if spots
            else "No place was visited in the period.",
            f"{sum(1 for s in listed if s.kind == 'person')} people and "
            f"{sum(1 for s in listed if s.kind == 'place')} places on the early-warning list.",
            f"{len(pipeline.due)} people due to move on a warning scheme; "
            f"{len(clocks)} closure clocks running.",
        )
        top = trends.lines[:4]
        charts: tuple[PackChart, ...] = (
            PackChart(
                "Visits per week: this period and the one before",
                labels,
                (("This period", trends.all_current), ("Previous period", trends.all_previous)),
            ),
            PackChart(
                "Visits per week by category (the four largest)",
                labels,
                tuple((category_label(line.category), line.current) for line in top),
                kind="line",
            ),
        )
        shown = (
            _category_totals(trends, scope),
            hotspots_table(spots, period=period, scope=scope),
            early_warning_table(listed, scope=scope),
            pipeline_table(pipeline, scope=scope),
            due_table(pipeline, scope=scope),
            closures_table(clocks, scope=scope),
            cases_to_discuss_table(discuss, scope=scope),
        )
        tables = tuple(_pack_table(t) for t in shown)
        named = _distinct([s for t in shown for s in t.subjects[:PACK_ROWS]])
        # Initiatives name no one: an area, categories and counts.
        for initiative, crime, visits in self._initiatives():
            line, chart, table = initiative_section(initiative, crime, visits)
            summary = (*summary, line)
            charts = (*charts, chart)
            tables = (*tables, table)
        pack = MeetingPackInput(
            district=district_label(district),
            period=period.describe(),
            prepared_by=self._vault.username,
            prepared_at=now.astimezone(LONDON),
            summary=summary,
            charts=charts,
            tables=tables,
        )
        return pack, named

    def _disclose(
        self,
        destination: Path,
        body: bytes,
        *,
        reason: str,
        records: Sequence[tuple[str, str]],
        count: int,
        unit: str,
        recipient: str | None,
    ) -> None:
        # Logged first, then written beside the destination (0600) and renamed into place, then
        # completed: a file never appears unlogged, even to a process killed half way; a failed
        # write after the log over-reports and its completion entry says nothing went.
        if not destination.parent.is_dir():
            raise FileNotFoundError("the chosen folder does not exist")
        disclosure.log_disclosure(
            self._vault,
            action=audit.AuditAction.EXPORT,
            records=records,
            reason=reason,
            recipient=recipient,
        )
        try:
            self._write_file(destination, body)
        except BaseException:
            disclosure.log_completion(
                self._vault, what=reason, count=0, unit=unit, recipient=recipient
            )
            raise
        disclosure.log_completion(
            self._vault, what=reason, count=count, unit=unit, recipient=recipient
        )


def _distinct(subjects: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Each record once, in the order first named."""
    return tuple(dict.fromkeys(subjects))


#: The most rows a meeting-pack table prints; the CSV export has them all.
PACK_ROWS = 25


def _pack_table(table: ExportTable) -> PackTable:
    if len(table.rows) <= PACK_ROWS:
        return PackTable(table.title, table.headers, table.rows)
    note = (
        f"The first {PACK_ROWS} of {len(table.rows)} rows; export the table as CSV for all of them."
    )
    return PackTable(table.title, table.headers, table.rows[:PACK_ROWS], note=note)


def _category_totals(trends: Trends, scope: Scope) -> ExportTable:
    return ExportTable(
        f"Visits by category, {_scope_words(scope)}",
        ("Category", "This period", "Previous period", "Change"),
        tuple(
            (
                category_label(line.category),
                str(line.current_total),
                str(line.previous_total),
                describe_change(line.previous_total, line.current_total),
            )
            for line in trends.lines
        ),
    )
