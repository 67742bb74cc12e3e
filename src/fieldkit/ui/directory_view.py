"""The support-services directory, filtered by need and district."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox, QLabel, QTableView, QWidget

from fieldkit.domain.vocabulary import District, ServiceNeed
from fieldkit.services.directory import NEED_LABELS, DirectoryService, ServiceRow
from fieldkit.ui.loading import child, load_screen
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.view_helpers import fit_columns
from fieldkit.ui.workers import Workers


class DirectoryView(QWidget):
    def __init__(
        self, directory: DirectoryService, workers: Workers, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self._directory = directory
        self._workers = workers.owned_by(self)
        f = load_screen("directory.ui", self)
        self.need = child(f, QComboBox, "needCombo")
        self.district = child(f, QComboBox, "districtCombo")
        self.table = child(f, QTableView, "serviceTable")
        self.detail = child(f, QLabel, "detailLabel")
        self.count = child(f, QLabel, "countLabel")
        self.need.addItem(QCoreApplication.translate("DirectoryView", "Any need"), "")
        for need in ServiceNeed:
            self.need.addItem(NEED_LABELS[need], need.value)
        self.district.addItem(QCoreApplication.translate("DirectoryView", "Any district"), "")
        for district in District:
            self.district.addItem(district.label, district.value)
        self.model = RowTableModel[ServiceRow](
            [
                Column[ServiceRow]("Service", lambda s: s.name),
                Column[ServiceRow]("Helps with", lambda s: s.needs_text),
                Column[ServiceRow]("Phone", lambda s: s.phone),
                Column[ServiceRow]("Districts", lambda s: s.districts_text),
            ],
            parent=self,
        )
        self.table.setModel(self.model)
        fit_columns(self.table, 0)
        self.need.currentIndexChanged.connect(lambda _i: self.refresh())
        self.district.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table.clicked.connect(lambda i: self._detail(self.model.row_at(i.row())))
        self.table.activated.connect(lambda i: self._detail(self.model.row_at(i.row())))

    def refresh(self) -> None:
        need = str(self.need.currentData() or "") or None
        district = str(self.district.currentData() or "") or None
        self._workers.submit(
            lambda: self._directory.services(need=need, district=district), self._show
        )

    def _show(self, rows: list[ServiceRow]) -> None:
        self.model.set_rows(rows)
        self.count.setText(
            QCoreApplication.translate("DirectoryView", "{0} service{1}").format(
                len(rows), "s" if len(rows) != 1 else ""
            )
        )
        self.detail.setText(
            QCoreApplication.translate("DirectoryView", "Choose a service to see its details.")
            if rows
            else QCoreApplication.translate("DirectoryView", "No service matches.")
        )

    def _detail(self, s: ServiceRow) -> None:
        self.detail.setText(
            QCoreApplication.translate(
                "DirectoryView",
                "<p><b>{0}</b><br>{1}</p><p>Phone: {2}<br>Address: {3}<br>Open: {4}<br>Web: "
                "{5}</p>",
            ).format(
                escape(s.name),
                escape(s.description),
                escape(s.phone or "—"),
                escape(s.address or "—"),
                escape(s.opening_hours or "—"),
                escape(s.website or "—"),
            )
        )
