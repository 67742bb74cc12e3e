"""The ASB cases screen: the filtered case list, a case with its parties, risk, actions and
timeline, and the forms to open a case, add a party, assess risk and plan an action."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.records import ValidationError
from fieldkit.domain.risk import Matrix
from fieldkit.domain.vocabulary import AsbCategory, AsbStatus, District, PartyRole
from fieldkit.services.asb_cases import (
    ActionEntry,
    AsbCaseService,
    AsbCaseView,
    CaseRow,
    PartyEntry,
    TimelineEntry,
)
from fieldkit.services.evidence import AttachmentService
from fieldkit.store.asb_cases import CaseFilter
from fieldkit.ui.evidence_strip import EvidenceStrip
from fieldkit.ui.table_models import Column, RowTableModel
from fieldkit.ui.view_helpers import row_table, titled
from fieldkit.ui.workers import Workers

_CASE_COLUMNS = [
    Column[CaseRow]("Reference", lambda c: c.reference),
    Column[CaseRow]("Title", lambda c: c.title),
    Column[CaseRow]("Category", lambda c: c.category),
    Column[CaseRow]("Status", lambda c: c.status),
    Column[CaseRow]("District", lambda c: c.district),
    Column[CaseRow]("Owner", lambda c: c.owner),
    Column[CaseRow]("Review", lambda c: c.next_review + (" (overdue)" if c.review_overdue else "")),
    Column[CaseRow]("Risk", lambda c: "High" if c.high_risk else ""),
]
_PARTY_COLUMNS = [
    Column[PartyEntry]("Name", lambda p: p.name),
    Column[PartyEntry]("Role", lambda p: p.role),
    Column[PartyEntry]("Risk", lambda p: p.band),
    Column[PartyEntry]("Reassess by", lambda p: p.reassess_by),
    Column[PartyEntry]("Agency contacts", lambda p: "; ".join(p.agency_contacts)),
]
ACTION_COLUMNS = [
    Column[ActionEntry]("Due", lambda a: a.due + (" (overdue)" if a.overdue else "")),
    Column[ActionEntry]("What", lambda a: a.what),
    Column[ActionEntry]("Who", lambda a: a.assignee or a.agency),
    Column[ActionEntry]("Status", lambda a: a.status),
    Column[ActionEntry]("Case", lambda a: a.about),
]
_TIMELINE_COLUMNS = [
    Column[TimelineEntry]("When", lambda t: t.when_text),
    Column[TimelineEntry]("What", lambda t: t.kind),
    Column[TimelineEntry]("Summary", lambda t: t.summary),
]

#: The list's quick filters, in the order the filter box offers them.
QUICK_FILTERS = (
    ("all", "All cases"),
    ("mine", "My cases"),
    ("overdue_review", "Review overdue"),
    ("high_risk", "High risk"),
)


@dataclass(frozen=True)
class ListChoice:
    """What the user picked above the list."""

    quick: str = "all"
    district: str = ""
    status: str = ""
    category: str = ""


class AsbCasesPresenter:
    """The screen's logic, testable without a display: filters, forms, and what to show.

    Args:
        cases: the ASB case service.
        username: this laptop's user ("mine").
    """

    def __init__(self, cases: AsbCaseService, *, username: str) -> None:
        self._cases = cases
        self._username = username

    @property
    def matrix(self) -> Matrix:
        return self._cases.matrix

    def case_filter(self, choice: ListChoice) -> CaseFilter:
        """The store filter for what the user picked."""
        review_before = None
        if choice.quick == "overdue_review":
            review_before = self._cases.overdue_review_filter().review_before
        return CaseFilter(
            owner=self._username if choice.quick == "mine" else None,
            district=choice.district or None,
            status=choice.status or None,
            category=choice.category or None,
            review_before=review_before,
            high_risk=choice.quick == "high_risk",
        )

    def rows(self, choice: ListChoice) -> list[CaseRow]:
        return self._cases.cases(self.case_filter(choice))

    def case(self, case_id: str) -> AsbCaseView:
        return self._cases.case(case_id)

    def open_case(
        self,
        *,
        title: str,
        category: str,
        district: str,
        from_visit: str | None = None,
        person_id: str | None = None,
        role: str | None = None,
        review_on: date | None = None,
    ) -> str:
        return self._cases.open_case(
            title=title,
            category=category,
            district=district or None,
            from_visit=from_visit,
            person_id=person_id,
            role=role,
            next_review_on=review_on,
        )

    def add_party(self, *, case_id: str, person_id: str, role: str, contacts: str) -> str:
        return self._cases.add_party(
            case_id=case_id,
            person_id=person_id,
            role=role,
            agency_contacts=[c for c in contacts.split(";") if c.strip()],
        )

    def assess(self, *, case_id: str, person_id: str, answers: Mapping[str, str]) -> str:
        """Record an assessment; returns the band's words for the status line."""
        result = self._cases.assess_risk(case_id=case_id, person_id=person_id, answers=answers)
        return f"{result.band.label} (score {result.score}); reassess by {result.reassess_by}"

    def add_action(
        self, *, case_id: str, what: str, who: str, agency: str, due: date | None
    ) -> str:
        return self._cases.add_action(
            case_id=case_id, what=what, assignee=who, agency=agency, due_on=due
        )


def _errors_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(e) for e in exc.errors)
    return "Could not save: " + type(exc).__name__


class AsbView(QWidget):
    """The ASB cases screen (Ctrl+Shift+A). Enter opens the selected case."""

    case_changed = Signal(str)
    #: Panels other parts of Fieldkit add beside the case's own (e.g. case reviews).
    extra_panels: list[Callable[[AsbCaseView], QWidget]]

    def __init__(
        self,
        presenter: AsbCasesPresenter,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        evidence: AttachmentService | None = None,
    ) -> None:
        super().__init__(parent)
        self._presenter = presenter
        self._workers = workers.owned_by(self)
        self.extra_panels = []
        self._extra_widgets: list[QWidget] = []
        self.current: AsbCaseView | None = None
        layout = QVBoxLayout(self)

        filters = QHBoxLayout()
        self.quick = QComboBox()
        for value, label in QUICK_FILTERS:
            self.quick.addItem(label, value)
        self.district = QComboBox()
        self.district.addItem(QCoreApplication.translate("AsbView", "All districts"), "")
        for d in District:
            self.district.addItem(d.label, d.value)
        self.status = QComboBox()
        self.status.addItem(QCoreApplication.translate("AsbView", "Any status"), "")
        for s in AsbStatus:
            self.status.addItem(s.label, s.value)
        self.category = QComboBox()
        self.category.addItem(QCoreApplication.translate("AsbView", "Any category"), "")
        for c in AsbCategory:
            self.category.addItem(c.label, c.value)
        for box in (self.quick, self.district, self.status, self.category):
            filters.addWidget(box)
            box.currentIndexChanged.connect(self.refresh)
        layout.addLayout(filters)

        self.case_model = RowTableModel[CaseRow](_CASE_COLUMNS, emphasis=lambda c: c.high_risk)
        self.case_table = row_table(
            self.case_model, QCoreApplication.translate("AsbView", "ASB cases"), stretch=1
        )
        self.case_table.activated.connect(lambda index: self.open(self._row(index.row()).id))
        layout.addWidget(self.case_table, 2)

        # Opening a case (from a visit or a person when the screen is handed one).
        new_box = QGroupBox(QCoreApplication.translate("AsbView", "Open a case"))
        form = QFormLayout(new_box)
        self.new_title = QLineEdit()
        self.new_category = QComboBox()
        for c in AsbCategory:
            self.new_category.addItem(c.label, c.value)
        self.new_district = QComboBox()
        for d in District:
            self.new_district.addItem(d.label, d.value)
        self.new_role = QComboBox()
        for r in PartyRole:
            self.new_role.addItem(r.label, r.value)
        self.new_from = QLabel("")
        self.open_button = QPushButton(QCoreApplication.translate("AsbView", "&Open case"))
        self.open_button.clicked.connect(self.open_new)
        form.addRow(QCoreApplication.translate("AsbView", "Title"), self.new_title)
        form.addRow(
            QCoreApplication.translate("AsbView", "Home Office category"), self.new_category
        )
        form.addRow(QCoreApplication.translate("AsbView", "District"), self.new_district)
        form.addRow(QCoreApplication.translate("AsbView", "From"), self.new_from)
        form.addRow(QCoreApplication.translate("AsbView", "Person's role"), self.new_role)
        form.addRow(self.open_button)
        layout.addWidget(new_box)

        # The open case.
        self.heading = QLabel("")
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.party_model = RowTableModel[PartyEntry](
            _PARTY_COLUMNS, emphasis=lambda p: p.band_value == "high"
        )
        self.party_table = row_table(
            self.party_model, "Parties to the case", stretch=4, whole_rows=False
        )
        self.action_model = RowTableModel[ActionEntry](ACTION_COLUMNS, emphasis=lambda a: a.overdue)
        self.action_table = row_table(
            self.action_model, "The case's action plan", stretch=1, whole_rows=False
        )
        self.timeline_model = RowTableModel[TimelineEntry](_TIMELINE_COLUMNS)
        self.timeline_table = row_table(
            self.timeline_model, "The case's timeline", stretch=2, whole_rows=False
        )
        self.panels = QVBoxLayout()
        for title, table in (
            ("Parties", self.party_table),
            ("Action plan", self.action_table),
            ("Timeline and documents", self.timeline_table),
        ):
            self.panels.addWidget(titled(title, table))
        layout.addLayout(self.panels, 3)

        # Adding a party, assessing risk, planning an action.
        party_box = QGroupBox(QCoreApplication.translate("AsbView", "Add a party"))
        party_form = QFormLayout(party_box)
        self.party_person = QLineEdit()
        self.party_person.setPlaceholderText(
            QCoreApplication.translate("AsbView", "Person's record id (from People)")
        )
        self.party_role = QComboBox()
        for r in PartyRole:
            self.party_role.addItem(r.label, r.value)
        self.party_contacts = QLineEdit()
        self.party_contacts.setPlaceholderText(
            QCoreApplication.translate("AsbView", "Agency contacts, separated by ;")
        )
        self.party_button = QPushButton(QCoreApplication.translate("AsbView", "Add &party"))
        self.party_button.clicked.connect(self.add_party)
        party_form.addRow(QCoreApplication.translate("AsbView", "Person"), self.party_person)
        party_form.addRow(QCoreApplication.translate("AsbView", "Role"), self.party_role)
        party_form.addRow(
            QCoreApplication.translate("AsbView", "Agency contacts"), self.party_contacts
        )
        party_form.addRow(self.party_button)
        layout.addWidget(party_box)

        risk_box = QGroupBox(
            QCoreApplication.translate("AsbView", "Risk assessment: {name}").format(
                name=presenter.matrix.name
            )
        )
        risk_form = QFormLayout(risk_box)
        self.risk_person = QComboBox()
        risk_form.addRow(QCoreApplication.translate("AsbView", "Who"), self.risk_person)
        self.risk_answers: dict[str, QComboBox] = {}
        for question in presenter.matrix.questions:
            box = QComboBox()
            for answer in question.answers:
                box.addItem(answer.text, answer.id)
            self.risk_answers[question.id] = box
            risk_form.addRow(QLabel(question.text), box)
        self.risk_button = QPushButton(QCoreApplication.translate("AsbView", "Record &assessment"))
        self.risk_button.clicked.connect(self.assess)
        risk_form.addRow(self.risk_button)
        layout.addWidget(risk_box)

        action_box = QGroupBox(QCoreApplication.translate("AsbView", "Plan an action"))
        action_form = QFormLayout(action_box)
        self.action_what = QLineEdit()
        self.action_who = QLineEdit()
        self.action_who.setPlaceholderText(QCoreApplication.translate("AsbView", "User name"))
        self.action_agency = QLineEdit()
        self.action_has_due = QCheckBox(QCoreApplication.translate("AsbView", "Due by"))
        self.action_due = QDateEdit()
        self.action_due.setCalendarPopup(True)
        self.action_due.setDate(QDate.currentDate().addDays(7))
        self.action_button = QPushButton(QCoreApplication.translate("AsbView", "Add a&ction"))
        self.action_button.clicked.connect(self.add_action)
        action_form.addRow(QCoreApplication.translate("AsbView", "What"), self.action_what)
        action_form.addRow(QCoreApplication.translate("AsbView", "Assigned to"), self.action_who)
        action_form.addRow(QCoreApplication.translate("AsbView", "Or agency"), self.action_agency)
        action_form.addRow(self.action_has_due, self.action_due)
        action_form.addRow(self.action_button)
        layout.addWidget(action_box)
        # Photos and files of the case open now (scoped, synced and erased with it).
        self.evidence = EvidenceStrip(evidence, workers, self) if evidence is not None else None
        if self.evidence is not None:
            self.evidence.enable_camera_if_present()
            layout.addWidget(self.evidence)

        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self._from_visit: str | None = None
        self._from_person: str | None = None
        QShortcut(QKeySequence("Ctrl+Shift+N"), self).activated.connect(self.new_title.setFocus)
        QShortcut(QKeySequence("Ctrl+L"), self).activated.connect(self.case_table.setFocus)

    def _row(self, index: int) -> CaseRow:
        return self.case_model.row_at(index)

    def choice(self) -> ListChoice:
        return ListChoice(
            str(self.quick.currentData()),
            str(self.district.currentData() or ""),
            str(self.status.currentData() or ""),
            str(self.category.currentData() or ""),
        )

    def refresh(self) -> None:
        """Reload the list on a worker."""
        choice = self.choice()
        self._workers.submit(lambda: self._presenter.rows(choice), self.case_model.set_rows)

    def start_from_visit(self, visit_id: str, *, district: str = "") -> None:
        """Prepare the form to open a case from a visit."""
        self._from_visit, self._from_person = visit_id, None
        self.new_from.setText(QCoreApplication.translate("AsbView", "The visit you were on"))
        self._pick(self.new_district, district)

    def start_from_person(self, person_id: str, *, name: str, district: str = "") -> None:
        """Prepare the form to open a case about a person (added in the chosen role)."""
        self._from_person, self._from_visit = person_id, None
        self.new_from.setText(name)
        self._pick(self.new_district, district)

    @staticmethod
    def _pick(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    def open_new(self) -> None:
        presenter = self._presenter
        title = self.new_title.text()
        category = str(self.new_category.currentData())
        district = "" if self._from_visit else str(self.new_district.currentData())
        visit, person = self._from_visit, self._from_person
        role = str(self.new_role.currentData()) if person else None

        def save() -> str:
            return presenter.open_case(
                title=title,
                category=category,
                district=district,
                from_visit=visit,
                person_id=person,
                role=role,
            )

        def done(case_id: str) -> None:
            self.new_title.clear()
            self._from_visit = self._from_person = None
            self.new_from.setText("")
            self.case_changed.emit(case_id)
            self.refresh()
            self.open(case_id)

        self._workers.submit(save, done, self._failed)

    def open(self, case_id: str) -> None:
        """Show a case (its opening is logged as a consultation)."""
        self._workers.submit(lambda: self._presenter.case(case_id), self._show, self._failed)

    def _show(self, view: AsbCaseView) -> None:
        self.current = view
        if self.evidence is not None:
            self.evidence.set_owner(("asb_case", view.id))
        restricted = " · Restricted" if view.restricted else ""
        review = view.next_review + (" (overdue)" if view.review_overdue else "")
        self.heading.setText(
            QCoreApplication.translate(
                "AsbView",
                "<b>{reference}</b> {title} · {category} · {status} · {district} · owner {owner} "
                "· {risk_band}{0}{1}{restricted}",
            ).format(
                " · reassess by " + view.reassess_by if view.reassess_by else "",
                " · review " + review if review else "",
                reference=view.reference,
                title=view.title,
                category=view.category,
                status=view.status,
                district=view.district,
                owner=view.owner,
                risk_band=view.risk_band,
                restricted=restricted,
            )
        )
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.party_model.set_rows(view.parties)
        self.action_model.set_rows(view.actions)
        self.timeline_model.set_rows([*view.timeline, *view.documents])
        self.risk_person.clear()
        for party in view.parties:
            if party.role_value in (PartyRole.VICTIM.value, PartyRole.COMPLAINANT.value):
                self.risk_person.addItem(
                    QCoreApplication.translate("AsbView", "{name} ({role})").format(
                        name=party.name, role=party.role
                    ),
                    party.person_id,
                )
        for old in self._extra_widgets:
            old.deleteLater()
        self._extra_widgets = [make(view) for make in self.extra_panels]
        for widget in self._extra_widgets:
            self.panels.addWidget(widget)

    def add_party(self) -> None:
        case = self.current
        if case is None:
            return
        presenter = self._presenter
        person, role = self.party_person.text().strip(), str(self.party_role.currentData())
        contacts = self.party_contacts.text()
        self._workers.submit(
            lambda: presenter.add_party(
                case_id=case.id, person_id=person, role=role, contacts=contacts
            ),
            lambda _id: self._changed(case.id, "Party added."),
            self._failed,
        )

    def assess(self) -> None:
        case = self.current
        if case is None or self.risk_person.currentData() is None:
            self.message.setText(
                QCoreApplication.translate(
                    "AsbView", "Add a victim or complainant to assess first."
                )
            )
            return
        person = str(self.risk_person.currentData())
        answers = {q: str(box.currentData()) for q, box in self.risk_answers.items()}
        presenter = self._presenter
        self._workers.submit(
            lambda: presenter.assess(case_id=case.id, person_id=person, answers=answers),
            lambda words: self._changed(case.id, f"Assessment recorded: {words}."),
            self._failed,
        )

    def add_action(self) -> None:
        case = self.current
        if case is None:
            return
        presenter = self._presenter
        what, who, agency = (
            self.action_what.text(),
            self.action_who.text(),
            self.action_agency.text(),
        )
        due = self.action_due.date().toPython() if self.action_has_due.isChecked() else None
        assert due is None or isinstance(due, date)
        self._workers.submit(
            lambda: presenter.add_action(
                case_id=case.id, what=what, who=who, agency=agency, due=due
            ),
            lambda _id: self._changed(case.id, "Action added."),
            self._failed,
        )

    def _changed(self, case_id: str, words: str) -> None:
        self.case_changed.emit(case_id)
        self.open(case_id)
        self.refresh()
        self.message.setText(words)

    def _failed(self, exc: Exception) -> None:
        self.message.setText(_errors_text(exc))
