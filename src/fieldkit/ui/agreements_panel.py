"""Settings' agreements list: the information-sharing agreements, for administrators."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from fieldkit.domain.records import RecordType
from fieldkit.domain.referrals import PartnerAgency
from fieldkit.services.governance import GovernanceService
from fieldkit.sync.governance import SharingAgreement
from fieldkit.ui.theme import set_tone
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers


def _tr(text: str) -> str:
    return QCoreApplication.translate("AgreementsPanel", text)


def agreement_text(agreement: SharingAgreement) -> str:
    """One agreement in a few lines: who shares what, why, on what basis, and when."""
    agencies = ", ".join(PartnerAgency.label_for(a) for a in agreement.agencies)
    types = ", ".join(RecordType.label_for(t) for t in agreement.types)
    when = agreement.start + (f" to {agreement.end}" if agreement.end else " onwards")
    state = _tr("in force") if agreement.in_force else _tr("not in force")
    lines = [
        f"{agreement.name} ({state})",
        _tr("Agencies: {agencies}").format(agencies=agencies),
        _tr("Shares: {types}").format(types=types),
    ]
    if agreement.categories:
        lines.append(_tr("Only: {c}").format(c=", ".join(agreement.categories)))
    lines += [
        _tr("Purpose: {p}").format(p=agreement.purpose),
        _tr("Lawful basis: {b}").format(b=agreement.basis),
        _tr("Dates: {when}").format(when=when),
    ]
    return "\n".join(lines)


class AgreementsPanel(QGroupBox):
    """Read-only: the agreements the server enforces, fetched when asked (administrators only;
    the server refuses anyone else). Changed only with ``fieldkit-server agreement``.
    """

    loaded = Signal()

    def __init__(
        self, governance: GovernanceService, workers: Workers, parent: QWidget | None = None
    ) -> None:
        super().__init__(_tr("Information-sharing agreements"), parent)
        self._service = governance
        self._workers = workers.owned_by(self)
        self.setAccessibleName(_tr("Information-sharing agreements"))
        layout = QVBoxLayout(self)
        self.show_button = QPushButton(_tr("Show the agreements"), self)
        self.show_button.setAccessibleName(_tr("Show the agreements"))
        self.listing = QLabel(self)
        self.listing.setWordWrap(True)
        self.listing.setAccessibleName(_tr("Agreements"))
        layout.addWidget(self.show_button)
        layout.addWidget(self.listing)
        self.show_button.clicked.connect(self.fetch)
        self.setVisible(False)

    def refresh(self) -> None:
        """Show the panel only to an administrator (the role the server last named)."""
        self._workers.submit(self._service.is_admin, self.setVisible)

    def fetch(self) -> None:
        self._workers.submit(self._service.agreements, self._show, self._failed)

    def _show(self, agreements: list[SharingAgreement]) -> None:
        self.listing.setText("\n\n".join(agreement_text(a) for a in agreements))
        set_tone(self.listing, None)
        self.loaded.emit()

    def _failed(self, error: Exception) -> None:
        self.listing.setText(describe(error))
        set_tone(self.listing, "problem")
        self.loaded.emit()
