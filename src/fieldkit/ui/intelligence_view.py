"""The supervisor's Intelligence screen: trends, hotspots, early warning, pipeline, closures,
initiative evaluation and exports, each loaded on a worker and drawn with Qt Charts."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldkit.services.intelligence import (
    AsbPicture,
    Evaluation,
    ExportTable,
    IntelligenceService,
    Period,
    Pipeline,
    Repeats,
    RisingRule,
    Scope,
    Trends,
    asb_counts_table,
    closures_table,
    due_table,
    early_warning_table,
    evaluation_table,
    hotspots_table,
    period_ending,
    pipeline_table,
    repeats_table,
    trends_table,
)
from fieldkit.ui.loading import child, load_screen
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.view_helpers import fit_columns
from fieldkit.ui.workers import Workers

Row = tuple[str, ...]


def _chart_view(host: QWidget) -> QChartView:
    view = QChartView(host)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(view)
    return view


def _week_labels(starts: Sequence[date]) -> list[str]:
    return [f"{d.day}/{d.month}" for d in starts]


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    stacked: bool = False,
) -> QChart:
    """A bar chart of weekly (or per-step) counts, one bar set per series (stacked if asked)."""
    chart = QChart()
    chart.setTitle(title)
    bars = QStackedBarSeries() if stacked else QBarSeries()
    for name, values in series:
        bar_set = QBarSet(name)
        bar_set.append([float(v) for v in values])
        bars.append(bar_set)
    chart.addSeries(bars)
    axis_x = QBarCategoryAxis()
    axis_x.append(list(labels))
    axis_y = QValueAxis()
    top = max((max(values, default=0) for _, values in series), default=0)
    # Four whole-number steps, so that every tick is a count.
    axis_y.setRange(0, max(4, math.ceil(top / 4) * 4))
    axis_y.setTickCount(5)
    axis_y.setLabelFormat("%d")
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    bars.attachAxis(axis_x)
    bars.attachAxis(axis_y)
    chart.legend().setVisible(len(series) > 1)
    return chart


def _cell(n: int) -> Callable[[Row], str]:
    def text(row: Row) -> str:
        return row[n]

    return text


def table_model(table: ExportTable) -> RowTableModel[Row]:
    """A read-only model over an exported table's rows."""
    columns = [Column[Row](header, _cell(n)) for n, header in enumerate(table.headers)]
    model = RowTableModel[Row](columns)
    model.set_rows(table.rows)
    return model


class IntelligenceView(QWidget):
    """Loads each picture on a worker; every table shown can be exported as CSV.

    Args:
        intelligence: the intelligence service.
        workers: runs service calls off the GUI thread.
        choose_file: asks where to save (a file dialog by default; tests pass a path).
    """

    loaded = Signal()
    #: Enter or double-click on a row naming a person, place or closure: (type, id).
    open_subject = Signal(str, str)
    evaluated = Signal()
    exported = Signal(str)
    #: "Show the hotspot map": the Map screen's density maps of two periods side by side.
    show_hotspot_map = Signal()

    def __init__(
        self,
        intelligence: IntelligenceService,
        workers: Workers,
        *,
        choose_file: Callable[[str, str], Path | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = intelligence
        self._workers = workers.owned_by(self)
        self._choose_file = choose_file or self._ask_for_file
        form = load_screen("intelligence.ui", self)
        self.district = child(form, QComboBox, "districtCombo")
        self.weeks = child(form, QSpinBox, "weeksSpin")
        self.period_label = child(form, QLabel, "periodLabel")
        self.trends_table = child(form, QTableView, "trendsTable")
        self.hotspots_table = child(form, QTableView, "hotspotsTable")
        self.early_table = child(form, QTableView, "earlyWarningTable")
        self.repeats_table = child(form, QTableView, "repeatsTable")
        self.pipeline_table = child(form, QTableView, "pipelineTable")
        self.due_table = child(form, QTableView, "dueTable")
        self.closures_table = child(form, QTableView, "closuresTable")
        self.asb_table = child(form, QTableView, "asbTable")
        self.asb_summary = child(form, QLabel, "asbSummaryLabel")
        self.min_recent = child(form, QSpinBox, "minRecentSpin")
        self.window_days = child(form, QSpinBox, "windowDaysSpin")
        self.eval_categories = child(form, QListWidget, "evalCategories")
        self.eval_districts = child(form, QListWidget, "evalDistricts")
        self.eval_start = child(form, QDateEdit, "evalStart")
        self.eval_window = child(form, QSpinBox, "evalWindow")
        self.eval_result = child(form, QLabel, "evalResult")
        self.recipient = child(form, QLineEdit, "recipientEdit")
        self.csv_choice = child(form, QComboBox, "csvChoice")
        self.export_status = child(form, QLabel, "exportStatus")
        self.trends_chart = _chart_view(child(form, QWidget, "trendsChartHost"))
        self.hotspots_chart = _chart_view(child(form, QWidget, "hotspotsChartHost"))
        self.pipeline_chart = _chart_view(child(form, QWidget, "pipelineChartHost"))
        self.eval_chart = _chart_view(child(form, QWidget, "evalChartHost"))

        self.district.addItem(QCoreApplication.translate("IntelligenceView", "All districts"), "")
        for value, words in intelligence.districts():
            self.district.addItem(words, value)
            self.eval_districts.addItem(_checkable(words, value))
        for value, words in intelligence.categories():
            self.eval_categories.addItem(_checkable(words, value))
        self.eval_start.setDate(QDate.currentDate().addDays(-28))

        child(form, QPushButton, "refreshButton").clicked.connect(self.refresh)
        self.evaluate_button = child(form, QPushButton, "evaluateButton")
        self.evaluate_button.clicked.connect(self.evaluate)
        child(form, QPushButton, "exportPackButton").clicked.connect(self._ask_pack)
        child(form, QPushButton, "exportCsvButton").clicked.connect(self._ask_csv)
        self.tables: dict[str, ExportTable] = {}
        for name, view in self._views().items():
            view.activated.connect(lambda index, n=name: self._open_row(n, index.row()))
        self.evaluation: Evaluation | None = None
        self.asb: AsbPicture | None = None
        # Below the hotspot table: the same places as a density map, beside the period before.
        self.hotspot_map_button = QPushButton(
            QCoreApplication.translate("IntelligenceView", "Show the hotspot &map"), self
        )
        self.hotspot_map_button.setAccessibleName(
            QCoreApplication.translate("IntelligenceView", "Show the hotspot map")
        )
        self.hotspot_map_button.clicked.connect(self.show_hotspot_map)
        child(form, QVBoxLayout, "hotspotsTabLayout").addWidget(self.hotspot_map_button)

    # Choices -----------------------------------------------------------------------------------

    def period(self) -> Period:
        """The chosen number of whole weeks, ending today."""
        return period_ending(self._service.today(), self.weeks.value())

    def scope(self) -> Scope:
        value = self.district.currentData()
        return Scope(districts=(str(value),)) if value else Scope()

    def rule(self) -> RisingRule:
        return RisingRule(min_recent=self.min_recent.value(), window_days=self.window_days.value())

    def evaluation_scope(self) -> Scope:
        return Scope(
            districts=_checked(self.eval_districts), categories=_checked(self.eval_categories)
        )

    # Loading -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload every picture for the chosen district and period, on a worker."""
        period, scope, rule = self.period(), self.scope(), self.rule()
        districts = scope.districts
        service = self._service

        def load() -> tuple[
            Trends, ExportTable, Repeats, ExportTable, Pipeline, ExportTable, AsbPicture
        ]:
            trends = service.trends(period=period, scope=scope)
            spots = hotspots_table(
                service.hotspots(period=period, scope=scope), period=period, scope=scope
            )
            repeats = service.repeats(period=period, scope=scope)
            early = early_warning_table(service.early_warning(rule=rule, scope=scope), scope=scope)
            pipeline = service.pipeline(districts=districts)
            clocks = closures_table(service.closures(districts=districts), scope=scope)
            asb = service.asb_picture(districts=districts)
            return trends, spots, repeats, early, pipeline, clocks, asb

        self.period_label.setText(period.describe())
        self._workers.submit(load, lambda r: self._show(period, scope, *r))

    def _show(
        self,
        period: Period,
        scope: Scope,
        trends: Trends,
        spots: ExportTable,
        repeats: Repeats,
        early: ExportTable,
        pipeline: Pipeline,
        clocks: ExportTable,
        asb: AsbPicture,
    ) -> None:
        self.asb = asb
        self.asb_summary.setText(asb_summary_text(asb))
        tables = {
            "trends": trends_table(trends, scope=scope),
            "hotspots": spots,
            "repeats": repeats_table(repeats, period=period, scope=scope),
            "early_warning": early,
            "pipeline": pipeline_table(pipeline, scope=scope),
            "due": due_table(pipeline, scope=scope),
            "closures": clocks,
            "asb": asb_counts_table(asb),
        }
        if self.evaluation is not None:
            tables["evaluation"] = evaluation_table(self.evaluation)
        self._set_tables(tables)
        labels = _week_labels(trends.week_starts)
        self.trends_chart.setChart(
            bar_chart(
                "Visits per week: this period and the one before",
                labels,
                [("This period", trends.all_current), ("Previous period", trends.all_previous)],
            )
        )
        top = spots.rows[:10]
        self.hotspots_chart.setChart(
            bar_chart(
                "Visits at the busiest places",
                [r[0][:18] for r in top],
                [("Visits", [int(r[2]) for r in top])],
            )
        )
        steps = pipeline.steps
        self.pipeline_chart.setChart(
            bar_chart(
                "People at each step",
                [f"{s.level_name}" for s in steps],
                [("People", [s.people for s in steps])],
            )
        )
        self.loaded.emit()

    def _views(self) -> dict[str, QTableView]:
        return {
            "trends": self.trends_table,
            "hotspots": self.hotspots_table,
            "repeats": self.repeats_table,
            "early_warning": self.early_table,
            "pipeline": self.pipeline_table,
            "due": self.due_table,
            "closures": self.closures_table,
            "asb": self.asb_table,
        }

    def _open_row(self, name: str, row: int) -> None:
        table = self.tables.get(name)
        if table is not None and 0 <= row < len(table.subjects):
            self.open_subject.emit(*table.subjects[row])

    def _set_tables(self, tables: dict[str, ExportTable]) -> None:
        self.tables = tables
        for name, view, stretch in (
            ("trends", self.trends_table, 0),
            ("hotspots", self.hotspots_table, 0),
            ("repeats", self.repeats_table, 1),
            ("early_warning", self.early_table, 5),
            ("pipeline", self.pipeline_table, 0),
            ("due", self.due_table, 6),
            ("closures", self.closures_table, 6),
            ("asb", self.asb_table, 0),
        ):
            view.setModel(table_model(tables[name]))
            fit_columns(view, stretch)
        chosen = self.csv_choice.currentData()
        self.csv_choice.clear()
        for name, table in tables.items():
            self.csv_choice.addItem(table.title, name)
        index = self.csv_choice.findData(chosen)
        self.csv_choice.setCurrentIndex(max(0, index))

    def evaluate(self) -> None:
        """Evaluate the initiative as chosen, on a worker."""
        scope = self.evaluation_scope()
        qdate = self.eval_start.date()
        start = date(qdate.year(), qdate.month(), qdate.day())
        weeks = self.eval_window.value()
        self.eval_result.setText(QCoreApplication.translate("IntelligenceView", "Counting…"))
        self._workers.submit(
            lambda: self._service.evaluate(scope=scope, start=start, window_weeks=weeks),
            self._show_evaluation,
        )

    def _show_evaluation(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation
        change = evaluation.change_percent
        percent = "no visits before, so no percentage" if change is None else f"{change:+.1f}%"
        self.eval_result.setText(
            QCoreApplication.translate(
                "IntelligenceView",
                "Before: {before}   After: {after}   Change: {percent} ({change_text})",
            ).format(
                before=evaluation.before,
                after=evaluation.after,
                percent=percent,
                change_text=evaluation.change_text,
            )
        )
        weeks = evaluation.window_weeks
        before = [*evaluation.weekly[:weeks], *[0] * weeks]
        after = [*[0] * weeks, *evaluation.weekly[weeks:]]
        self.eval_chart.setChart(
            bar_chart(
                "Visits per week before and after the start",
                _week_labels(evaluation.week_starts),
                [("Before", before), ("After", after)],
                stacked=True,
            )
        )
        if self.tables:
            self.tables["evaluation"] = evaluation_table(evaluation)
            self._set_tables(self.tables)
        self.evaluated.emit()

    # Exports -----------------------------------------------------------------------------------

    def export_csv(self, name: str, destination: Path) -> None:
        """Export one shown table as CSV (logged), on a worker."""
        table = self.tables[name]
        recipient = self.recipient.text().strip() or None
        self._workers.submit(
            lambda: self._service.export_csv(
                table=table, destination=destination, recipient=recipient
            ),
            lambda rows: self._done(
                f"Saved {rows} rows to {destination.name}. The export is logged."
            ),
        )

    def export_pack(self, destination: Path) -> None:
        """Export the meeting pack for the chosen district and period (logged), on a worker."""
        value = self.district.currentData()
        if not value:
            self.export_status.setText(
                QCoreApplication.translate(
                    "IntelligenceView",
                    "Choose a district first: a meeting pack is for one district.",
                )
            )
            return
        period, recipient = self.period(), self.recipient.text().strip() or None
        self._workers.submit(
            lambda: self._service.meeting_pack(
                district=str(value), period=period, destination=destination, recipient=recipient
            ),
            lambda pages: self._done(
                f"Saved the meeting pack ({pages} pages) to {destination.name}. "
                "The export is logged."
            ),
        )

    def _done(self, message: str) -> None:
        self.export_status.setText(message)
        self.exported.emit(message)

    def _ask_pack(self) -> None:
        path = self._choose_file("Save the meeting pack", "meeting-pack.pdf")
        if path is not None:
            self.export_pack(path)

    def _ask_csv(self) -> None:
        name = self.csv_choice.currentData()
        if not name:
            self.export_status.setText(
                QCoreApplication.translate(
                    "IntelligenceView", "Refresh first: there is no table to export yet."
                )
            )
            return
        path = self._choose_file("Save the table as CSV", f"{name}.csv")
        if path is not None:
            self.export_csv(str(name), path)

    def _ask_for_file(self, title: str, suggested: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(self, title, suggested)
        return Path(chosen) if chosen else None


def asb_summary_text(picture: AsbPicture) -> str:
    """The ASB counts that are not by category: overdue actions and high-risk victims."""
    open_cases = sum(n for _, _, n in picture.open_by_category_and_district)

    def count(n: int, one: str, many: str) -> str:
        return f"{n} {one if n == 1 else many}"

    return (
        f"{count(open_cases, 'open case', 'open cases')}; "
        f"{count(picture.overdue_actions, 'overdue action', 'overdue actions')}; "
        f"{count(picture.high_risk_victims, 'high-risk victim', 'high-risk victims')} "
        "(counts only: open a case from the ASB cases screen to see who)."
    )


def _checkable(words: str, value: str) -> QListWidgetItem:
    item = QListWidgetItem(words)
    item.setData(Qt.ItemDataRole.UserRole, value)
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Unchecked)
    return item


def _checked(widget: QListWidget) -> tuple[str, ...]:
    return tuple(
        str(widget.item(n).data(Qt.ItemDataRole.UserRole))
        for n in range(widget.count())
        if widget.item(n).checkState() == Qt.CheckState.Checked
    )
