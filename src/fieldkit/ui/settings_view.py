"""Settings: server address, idle lock, printer, tray and sides, language, contrast, text size."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from fieldkit.domain.evidence import FetchPolicy
from fieldkit.domain.vocabulary import District
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.print_port import PaperTray
from fieldkit.services.settings import LANGUAGES, TEXT_SIZES, AppSettings, SettingsService
from fieldkit.ui.loading import child, load_screen, tab_in_reading_order
from fieldkit.ui.network import ConnectionWatch
from fieldkit.ui.theme import set_tone
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers


class SettingsView(QWidget):
    """Emits ``changed`` with the saved settings so the shell can apply them."""

    changed = Signal(object)
    #: The officer asked to sign in to the sync server from Settings.
    sign_in_requested = Signal()

    def __init__(
        self,
        settings: SettingsService,
        documents: DocumentService,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        network: ConnectionWatch | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._documents = documents
        self._workers = workers.owned_by(self)
        self._current = AppSettings()
        f = load_screen("settings.ui", self)
        self.officer_name = child(f, QLineEdit, "officerNameEdit")
        self.officer_number = child(f, QLineEdit, "officerNumberEdit")
        self.district = child(f, QComboBox, "districtCombo")
        self.server = child(f, QLineEdit, "serverEdit")
        self.idle = child(f, QSpinBox, "idleSpin")
        self.printer = child(f, QComboBox, "printerCombo")
        # Tray and sides sit under the printer; the .ui file predates them, so they are added here.
        self.tray = QComboBox(self)
        self.tray.setAccessibleName(QCoreApplication.translate("SettingsView", "Paper tray"))
        for tray in PaperTray:
            self.tray.addItem(tray.label, tray.value)
        self.two_sided = QCheckBox(
            QCoreApplication.translate(
                "SettingsView", "Print on &both sides where the printer can"
            ),
            self,
        )
        self.two_sided.setAccessibleName(
            QCoreApplication.translate("SettingsView", "Two-sided printing")
        )
        form = child(f, QFormLayout, "settingsForm")
        position = form.getWidgetPosition(self.printer)  # (row, role); typed loosely
        row = int(position[0]) + 1 if isinstance(position, tuple) else form.rowCount()
        form.insertRow(row, "Paper &tray", self.tray)
        form.insertRow(row + 1, "", self.two_sided)
        # The court closure applications go to: named on closure notices and evidence bundles.
        self.court = QLineEdit(self)
        self.court.setAccessibleName(
            QCoreApplication.translate(
                "SettingsView", "Magistrates' court for closure applications"
            )
        )
        self.court.setPlaceholderText(
            QCoreApplication.translate("SettingsView", "e.g. Kirklees Magistrates' Court")
        )
        district_row = form.getWidgetPosition(self.district)
        court_row = int(district_row[0]) + 1 if isinstance(district_row, tuple) else form.rowCount()
        form.insertRow(court_row, "Closure &court", self.court)
        # The partnership's own certificate authority, and signing in, sit under the server.
        self.certificate = QLineEdit(self)
        self.certificate.setAccessibleName(
            QCoreApplication.translate("SettingsView", "Partnership certificate authority file")
        )
        self.certificate.setPlaceholderText(
            QCoreApplication.translate(
                "SettingsView", "Only if your administrator gave you one (.pem)"
            )
        )
        self.sign_in_button = QPushButton(
            QCoreApplication.translate("SettingsView", "Sign in to the sync server…"), self
        )
        self.sign_in_button.setAccessibleName(
            QCoreApplication.translate("SettingsView", "Sign in to the sync server")
        )
        self.sign_in_button.clicked.connect(self.sign_in_requested)
        server_row = form.getWidgetPosition(self.server)
        ca_row = int(server_row[0]) + 1 if isinstance(server_row, tuple) else form.rowCount()
        form.insertRow(ca_row, "Certificate &authority", self.certificate)
        form.insertRow(ca_row + 1, "", self.sign_in_button)
        self.language = child(f, QComboBox, "languageCombo")
        self.contrast = child(f, QCheckBox, "contrastCheck")
        # Text size for every screen (Ctrl+= and Ctrl+- change it too).
        self.text_size = QComboBox(self)
        self.text_size.setAccessibleName(QCoreApplication.translate("SettingsView", "Text size"))
        self.text_size.setAccessibleDescription(
            QCoreApplication.translate(
                "SettingsView",
                "How large text is on every screen. Ctrl+= and Ctrl+- change it too.",
            )
        )
        for size in TEXT_SIZES:
            self.text_size.addItem(
                QCoreApplication.translate("SettingsView", "Normal")
                if size == 100
                else QCoreApplication.translate("SettingsView", "{size}%").format(size=size),
                size,
            )
        form.addRow(QCoreApplication.translate("SettingsView", "Te&xt size"), self.text_size)
        # An online street map under the Map screen's own layers; empty keeps the map offline.
        self.map_tiles = QLineEdit(self)
        self.map_tiles.setAccessibleName(
            QCoreApplication.translate("SettingsView", "Map tile address")
        )
        self.map_tiles.setPlaceholderText(
            QCoreApplication.translate(
                "SettingsView",
                "Empty keeps the map offline; e.g. https://tiles.example/{z}/{x}/{y}.png",
            )
        )
        form.addRow(QCoreApplication.translate("SettingsView", "&Map tiles"), self.map_tiles)
        # Which evidence files this laptop downloads after its records.
        self.evidence_fetch = QComboBox(self)
        self.evidence_fetch.setAccessibleName(
            QCoreApplication.translate("SettingsView", "Evidence files to download")
        )
        for policy in FetchPolicy:
            self.evidence_fetch.addItem(policy.label, policy.value)
            self.evidence_fetch.setItemData(
                self.evidence_fetch.count() - 1, policy.description, Qt.ItemDataRole.ToolTipRole
            )
        form.addRow(
            QCoreApplication.translate("SettingsView", "E&vidence files"), self.evidence_fetch
        )
        # "Nothing over metered connections" needs the system to say which connections are.
        self.metered_note = QLabel(
            QCoreApplication.translate(
                "SettingsView",
                "This laptop cannot tell whether its connection is metered: files are "
                "downloaded as on any other connection.",
            ),
            self,
        )
        self.metered_note.setAccessibleName(
            QCoreApplication.translate("SettingsView", "Metered connections")
        )
        self.metered_note.setWordWrap(True)
        set_tone(self.metered_note, "muted")
        form.addRow("", self.metered_note)
        self.metered_note.setVisible(network is not None and not network.known)
        self.error = child(f, QLabel, "errorLabel")
        self.message = child(f, QLabel, "messageLabel")
        for district in District:
            self.district.addItem(district.label, district.value)
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        child(f, QPushButton, "saveButton").clicked.connect(self.save)
        # Controls added in code join Tab where they show (tests/ui: tab order).
        tab_in_reading_order(f.layout())

    def refresh(self) -> None:
        self._workers.submit(
            lambda: (self._settings.load(), self._documents.printers()),
            lambda pair: self.show_settings(*pair),
        )

    def show_settings(self, settings: AppSettings, printers: list[str]) -> None:
        self._current = settings
        self.officer_name.setText(settings.officer_name)
        self.officer_number.setText(settings.officer_number)
        self.court.setText(settings.court_name)
        self.district.setCurrentIndex(max(0, self.district.findData(settings.district)))
        self.server.setText(settings.server_url)
        self.certificate.setText(settings.ca_certificate)
        self.idle.setValue(settings.idle_lock_minutes)
        self.printer.clear()
        self.printer.addItem("")
        self.printer.addItems(printers)
        self.printer.setCurrentText(settings.default_printer)
        self.tray.setCurrentIndex(max(0, self.tray.findData(settings.paper_tray)))
        self.two_sided.setChecked(settings.two_sided)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.contrast.setChecked(settings.high_contrast)
        self.text_size.setCurrentIndex(max(0, self.text_size.findData(settings.text_size)))
        self.map_tiles.setText(settings.map_tile_url)
        self.evidence_fetch.setCurrentIndex(
            max(0, self.evidence_fetch.findData(settings.evidence_fetch))
        )

    def save(self) -> None:
        wanted = replace(
            self._current,
            officer_name=self.officer_name.text(),
            officer_number=self.officer_number.text(),
            court_name=self.court.text(),
            district=str(self.district.currentData()),
            server_url=self.server.text(),
            ca_certificate=self.certificate.text(),
            idle_lock_minutes=self.idle.value(),
            default_printer=self.printer.currentText(),
            paper_tray=str(self.tray.currentData()),
            two_sided=self.two_sided.isChecked(),
            language=str(self.language.currentData()),
            high_contrast=self.contrast.isChecked(),
            text_size=int(self.text_size.currentData()),
            map_tile_url=self.map_tiles.text(),
            evidence_fetch=str(self.evidence_fetch.currentData()),
        )
        self._workers.submit(lambda: self._settings.save(wanted), self._saved, self._failed)

    def _saved(self, settings: AppSettings) -> None:
        self._current = settings
        self.error.clear()
        self.message.setText(QCoreApplication.translate("SettingsView", "Settings saved."))
        self.changed.emit(settings)

    def _failed(self, exc: Exception) -> None:
        self.message.clear()
        self.error.setText(describe(exc))
