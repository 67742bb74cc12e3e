"""Log a visit: a keyboard-first form whose draft is kept in the vault on every change."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QCoreApplication, QDateTime, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from fieldkit.domain.birth_dates import parse_birth_date
from fieldkit.domain.gazetteer import GazetteerEntry
from fieldkit.domain.records import FieldError, RecordType, ValidationError
from fieldkit.domain.retention import record_regime
from fieldkit.domain.vocabulary import Category, District, VisitKind
from fieldkit.services.evidence import AttachmentService
from fieldkit.services.people import PersonRow, category_label
from fieldkit.services.visits import PlaceChoice, VisitService
from fieldkit.ui.evidence_strip import EvidenceStrip
from fieldkit.ui.loading import child, load_screen, tab_in_reading_order
from fieldkit.ui.person_search import SEARCH_DELAY_MS, PersonSearch
from fieldkit.ui.qt_time import qdate, qdatetime
from fieldkit.ui.theme import set_tone, tone_colour
from fieldkit.ui.visit_form import (
    COMMON_ACTIONS,
    SubmitResult,
    VisitFormPresenter,
    chosen_line,
    may_be,
)
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

DRAFT_DELAY_MS = 400
_DATA = Qt.ItemDataRole.UserRole


def parse_uk_date(text: str, *, today: date | None = None) -> str:
    """A date of birth typed day first (12/3/89, 12.03.1989) or as 1989-03-12, as ISO.

    Returns:
        The ISO date, or "" when blank.

    Raises:
        ValidationError: the text is not a date.
    """
    text = text.strip()
    if not text:
        return ""
    parsed = parse_birth_date(text, today=today or date.today())
    if parsed is None:
        raise ValidationError([FieldError("date_of_birth", "write it as DD/MM/YYYY")])
    return parsed.date.isoformat()


class VisitView(QWidget):
    """The form; all vault work (search, add, save, draft) runs on workers."""

    saved = Signal(str)
    #: Open an ASB case from the visit just saved.
    case_from_visit = Signal(str)
    #: Refer… on the visit just saved (its id).
    refer_from_visit = Signal(str)

    def __init__(
        self,
        presenter: VisitFormPresenter,
        visits: VisitService,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        evidence: AttachmentService | None = None,
    ) -> None:
        super().__init__(parent)
        self.presenter = presenter
        self._visits = visits
        self._workers = workers.owned_by(self)
        self._loading = False
        self._place_call = workers.latest(owner=self)
        #: The (given, family, date of birth) whose possible duplicates were last offered.
        self._duplicates_offered_for: tuple[str, str, str] | None = None
        f = load_screen("visit.ui", self)
        self.when = child(f, QDateTimeEdit, "whenEdit")
        self.kind = child(f, QComboBox, "kindCombo")
        self.district = child(f, QComboBox, "districtCombo")
        self.place_search = child(f, QLineEdit, "placeSearch")
        self.place_list = child(f, QListWidget, "placeList")
        self.place_chosen = child(f, QLabel, "placeChosen")
        self.new_place_box = child(f, QFrame, "newPlaceBox")
        self.new_place_label = child(f, QLineEdit, "newPlaceLabel")
        self.new_place_address = child(f, QLineEdit, "newPlaceAddress")
        self.new_place_postcode = child(f, QLineEdit, "newPlacePostcode")
        self.new_place_error = child(f, QLabel, "newPlaceError")
        #: Says the new place came from the gazetteer (UPRN and point are kept with it).
        self.new_place_source = QLabel(self.new_place_box)
        self.new_place_source.setWordWrap(True)
        self.new_place_source.setAccessibleName(
            QCoreApplication.translate("VisitView", "Where the address came from")
        )
        form_layout = self.new_place_box.layout()
        if isinstance(form_layout, QFormLayout):
            form_layout.insertRow(3, self.new_place_source)
        self.new_place_source.hide()
        #: The gazetteer address the new-place fields were filled from, while they still match.
        self._address_pick: GazetteerEntry | None = None
        self.person_search = child(f, QLineEdit, "personSearch")
        self.person_results = child(f, QListWidget, "personResults")
        self.new_person_box = child(f, QFrame, "newPersonBox")
        self.new_given = child(f, QLineEdit, "newGivenName")
        self.new_family = child(f, QLineEdit, "newFamilyName")
        self.new_dob = child(f, QLineEdit, "newDateOfBirth")
        self.new_aliases = child(f, QLineEdit, "newAliases")
        self.new_description = child(f, QLineEdit, "newDescription")
        self.new_person_error = child(f, QLabel, "newPersonError")
        self.people_chosen = child(f, QListWidget, "peopleChosen")
        #: Every chosen person's risk markers, in the problem tone and in words ("RISK: …").
        self.people_risk = child(f, QLabel, "peopleRiskLabel")
        set_tone(self.people_risk, "problem")
        self.people_risk.hide()
        self.categories = child(f, QListWidget, "categoryList")
        self.action_list = child(f, QListWidget, "actionList")
        self.other_action = child(f, QLineEdit, "otherAction")
        self.narrative = child(f, QPlainTextEdit, "narrativeEdit")
        self.follow_check = child(f, QCheckBox, "followUpCheck")
        self.follow_date = child(f, QDateEdit, "followUpDate")
        self.error = child(f, QLabel, "errorLabel")
        self.draft_label = child(f, QLabel, "draftLabel")
        self.save_button = child(f, QPushButton, "saveButton")
        # Built here rather than in visit.ui: enabled once a visit has been saved.
        self.case_button = QPushButton(
            QCoreApplication.translate("VisitView", "Open an ASB case from this &visit"), self
        )
        self.case_button.setEnabled(False)
        self.case_button.clicked.connect(self._case_from_visit)
        self.refer_button = QPushButton(
            QCoreApplication.translate("VisitView", "Refer someone from this visit…"), self
        )
        self.refer_button.setAccessibleName(
            QCoreApplication.translate("VisitView", "Refer someone from this visit")
        )
        self.refer_button.setEnabled(False)
        self.refer_button.clicked.connect(self._refer_from_visit)
        self._last_saved: str | None = None
        # The regime the visit will be processed under follows its kind (a tenancy visit is
        # UK GDPR, a patrol law enforcement processing), as the retention rules say.
        self.regime = QLabel(self)
        self.regime.setObjectName("regimeLabel")
        self.regime.setAccessibleName(
            QCoreApplication.translate("VisitView", "Data-protection regime of this visit")
        )
        row = self.save_button.parentWidget()
        layout = row.layout() if row is not None else None
        if layout is not None:
            layout.addWidget(self.case_button)
            layout.addWidget(self.regime)
            layout.addWidget(self.refer_button)
        # Photos and files of the visit just saved (attached after saving: the visit is their
        # owner, so they are scoped and synced as it is).
        self.evidence: EvidenceStrip | None = None
        form_layout = self.layout()
        if evidence is not None and form_layout is not None:
            self.evidence = EvidenceStrip(
                evidence,
                workers,
                self,
                waiting=QCoreApplication.translate(
                    "VisitView", "Photos and files can be attached once the visit is saved."
                ),
            )
            self.evidence.enable_camera_if_present()
            form_layout.addWidget(self.evidence)

        for kind in VisitKind:
            self.kind.addItem(kind.label, kind.value)
        for district in District:
            self.district.addItem(district.label, district.value)
        for category in Category:
            item = QListWidgetItem(category_label(category.value), self.categories)
            item.setData(_DATA, category.value)
            item.setToolTip(category.description)
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, category.description)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        for action in COMMON_ACTIONS:
            item = QListWidgetItem(action, self.action_list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.new_place_box.hide()
        self.new_person_box.hide()

        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._place_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._place_timer.timeout.connect(self._search_places)
        self.people_search = PersonSearch(
            self.person_search, self.person_results, search=visits.search_people, workers=workers
        )
        self.people_search.picked.connect(self._choose_person)

        child(f, QPushButton, "nowButton").clicked.connect(self._set_now)
        child(f, QPushButton, "addPlaceButton").clicked.connect(self._open_new_place)
        child(f, QPushButton, "newPlaceSave").clicked.connect(self.add_place)
        child(f, QPushButton, "addPersonButton").clicked.connect(lambda: self._open_new_person(""))
        child(f, QPushButton, "unknownPersonButton").clicked.connect(
            lambda: self._open_new_person("Unknown person: ")
        )
        child(f, QPushButton, "newPersonSave").clicked.connect(self.add_person)
        child(f, QPushButton, "clearButton").clicked.connect(self.clear)
        self.save_button.clicked.connect(self.submit)
        for keys in ("Ctrl+S", "Ctrl+Return"):
            QShortcut(QKeySequence(keys), self, self.submit)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.people_chosen, self._remove_person)

        self.place_search.textEdited.connect(lambda _t: self._place_timer.start())
        self.place_search.returnPressed.connect(self._pick_first_place)
        self.place_list.itemActivated.connect(self._pick_place)
        self.place_list.itemClicked.connect(self._pick_place)
        self.kind.currentIndexChanged.connect(self._show_regime)
        for signal in (
            self.when.dateTimeChanged,
            self.kind.currentIndexChanged,
            self.district.currentIndexChanged,
            self.categories.itemChanged,
            self.action_list.itemChanged,
            self.other_action.textEdited,
            self.narrative.textChanged,
            self.follow_check.toggled,
            self.follow_date.dateChanged,
        ):
            signal.connect(self._changed)
        self.show_form()

        # Form <-> presenter ----------------------------------------------------------------------
        # Controls added in code join Tab where they show (tests/ui: tab order).
        tab_in_reading_order(f.layout())

    def restore(self) -> None:
        """Bring back a draft left when the app closed or locked (on a worker)."""
        self._workers.submit(self.presenter.restore, self._restored)

    def _restored(self, found: bool) -> None:
        self.show_form()
        if found:
            self.draft_label.setText(QCoreApplication.translate("VisitView", "Draft restored."))
        if not self.place_search.text().strip():  # a place search typed meanwhile keeps its list
            self.load_recent_places()

    def show_form(self) -> None:
        form = self.presenter.form
        self._loading = True
        try:
            self.when.setDateTime(qdatetime(form.occurred_at))
            self.kind.setCurrentIndex(max(0, self.kind.findData(form.kind)))
            self.district.setCurrentIndex(max(0, self.district.findData(form.district)))
            self.place_chosen.setText(
                QCoreApplication.translate("VisitView", "<b>{label}</b> {detail}").format(
                    label=form.place.label, detail=form.place.detail
                )
                if form.place
                else QCoreApplication.translate("VisitView", "No place chosen")
            )
            self.people_chosen.clear()
            for person in form.people:
                self._add_chosen(person)
            self._show_people_risks()
            for i in range(self.categories.count()):
                item = self.categories.item(i)
                on = item.data(_DATA) in form.categories
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            common = set(COMMON_ACTIONS)
            for i in range(self.action_list.count()):
                item = self.action_list.item(i)
                on = item.text() in form.actions
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.other_action.setText("; ".join(a for a in form.actions if a not in common))
            if self.narrative.toPlainText() != form.narrative:
                self.narrative.setPlainText(form.narrative)
            self.follow_check.setChecked(form.follow_up_due is not None)
            due = form.follow_up_due or form.occurred_at.date()
            self.follow_date.setDate(qdate(due))
            self.follow_date.setEnabled(form.follow_up_due is not None)
        finally:
            self._loading = False
        self._show_regime()

    def _show_regime(self, *_args: object) -> None:
        regime = record_regime(RecordType.VISIT, {"kind": str(self.kind.currentData())})
        self.regime.setText(
            QCoreApplication.translate("VisitView", "Processed under: {0}").format(regime.label)
        )

    def _read_form(self) -> None:
        form = self.presenter.form
        stamp = self.when.dateTime().toPython()
        assert isinstance(stamp, datetime)
        form.occurred_at = stamp.astimezone()
        form.kind = str(self.kind.currentData())
        form.district = str(self.district.currentData())
        form.categories = [
            str(self.categories.item(i).data(_DATA))
            for i in range(self.categories.count())
            if self.categories.item(i).checkState() == Qt.CheckState.Checked
        ]
        actions = [
            self.action_list.item(i).text()
            for i in range(self.action_list.count())
            if self.action_list.item(i).checkState() == Qt.CheckState.Checked
        ]
        actions += [a.strip() for a in self.other_action.text().split(";") if a.strip()]
        form.actions = actions
        form.narrative = self.narrative.toPlainText()
        self.follow_date.setEnabled(self.follow_check.isChecked())
        due = self.follow_date.date().toPython()
        assert isinstance(due, date)
        form.follow_up_due = due if self.follow_check.isChecked() else None

    def _changed(self, *_args: object) -> None:
        if self._loading:
            return
        self._read_form()
        self._draft_timer.start()

    def save_draft(self) -> None:
        """Keep the form in the vault now (called debounced, and before locking)."""
        self._draft_timer.stop()
        if self.presenter.form.is_blank:
            return
        snapshot = self.presenter.form.to_draft()
        self._workers.submit(
            lambda: self.presenter.save_draft(snapshot),
            lambda _none: self.draft_label.setText(
                QCoreApplication.translate("VisitView", "Draft kept in the vault.")
            ),
            lambda _exc: self.draft_label.setText(
                QCoreApplication.translate("VisitView", "The draft could not be kept.")
            ),
            owner=self.draft_label,
        )

    def flush_draft(self) -> None:
        """Keep the draft synchronously (the vault is about to lock)."""
        self._draft_timer.stop()
        self._read_form()
        if not self.presenter.form.is_blank:
            self.presenter.save_draft(self.presenter.form.to_draft())

    def submit(self) -> None:
        self._read_form()
        self._draft_timer.stop()
        self.save_button.setEnabled(False)
        self._workers.submit(self.presenter.submit, self._submitted, self._failed)

    def _submitted(self, result: SubmitResult) -> None:
        self.save_button.setEnabled(True)
        if result.visit_id is None:
            self.error.setText(result.message)
            return
        self.error.clear()
        self.show_form()
        self.draft_label.setText(QCoreApplication.translate("VisitView", "Visit saved."))
        self.load_recent_places()
        self.when.setFocus()
        self._last_saved = result.visit_id
        self.case_button.setEnabled(True)
        self.refer_button.setEnabled(True)
        if self.evidence is not None:
            self.evidence.set_owner(("visit", result.visit_id))
        self.saved.emit(result.visit_id)

    def _refer_from_visit(self) -> None:
        if self._last_saved is not None:
            self.refer_from_visit.emit(self._last_saved)

    def _case_from_visit(self) -> None:
        if self._last_saved is not None:
            self.case_from_visit.emit(self._last_saved)

    def _failed(self, exc: Exception) -> None:
        self.save_button.setEnabled(True)
        self.error.setText(describe(exc))

    def clear(self) -> None:
        self._workers.submit(self.presenter.clear, lambda _none: self._cleared())

    def _cleared(self) -> None:
        self.error.clear()
        self.draft_label.clear()
        self.show_form()

    def _set_now(self) -> None:
        self.when.setDateTime(QDateTime.currentDateTime())

    # Places ----------------------------------------------------------------------------------

    def load_recent_places(self) -> None:
        # The same latest call as the place search: a search typed meanwhile is not overwritten.
        self._place_call.submit(self._visits.recent_places, self._show_places)

    def _search_places(self) -> None:
        text = self.place_search.text()
        if not text.strip():
            self._place_call.submit(self._visits.recent_places, self._show_places)
            return

        def found() -> tuple[list[PlaceChoice], list[GazetteerEntry]]:
            # Places already recorded come first; then gazetteer addresses not yet places.
            return self._visits.search_places(text), self._visits.search_addresses(text)

        # Latest call wins: an answer to an earlier keystroke is dropped.
        self._place_call.submit(found, lambda rows: self._show_places(*rows))

    def _show_places(
        self, places: list[PlaceChoice], addresses: list[GazetteerEntry] | None = None
    ) -> None:
        self.place_list.clear()
        for place in places:
            item = QListWidgetItem(
                f"{place.label} — {place.detail}" if place.detail else place.label
            )
            item.setData(_DATA, place)
            self.place_list.addItem(item)
        for entry in addresses or []:
            item = QListWidgetItem(
                QCoreApplication.translate(
                    "VisitView", "New place at {address}, {postcode}"
                ).format(address=entry.address, postcode=entry.postcode)
            )
            item.setToolTip(
                QCoreApplication.translate(
                    "VisitView", "From the address gazetteer: fills in the new place's details"
                )
            )
            item.setData(_DATA, entry)
            self.place_list.addItem(item)

    def _pick_first_place(self) -> None:
        if self.place_list.count():
            self._pick_place(self.place_list.item(0))

    def _pick_place(self, item: QListWidgetItem) -> None:
        place = item.data(_DATA)
        if isinstance(place, GazetteerEntry):
            self.fill_from_gazetteer(place)
            return
        assert isinstance(place, PlaceChoice)
        self.presenter.form.place = place
        self.presenter.form.district = place.district
        self.show_form()
        self._draft_timer.start()
        self.person_search.setFocus()

    def _open_new_place(self) -> None:
        self._forget_address_pick()
        self.new_place_box.show()
        self.new_place_label.setText(self.place_search.text())
        self.new_place_label.setFocus()

    def fill_from_gazetteer(self, entry: GazetteerEntry) -> None:
        """Fill the new place from a gazetteer address: name, address, postcode, UPRN, point.

        The officer can still rename the place before adding it; changing the address or
        postcode by hand drops the UPRN and point, which would no longer be this address's.
        """
        self.new_place_box.show()
        self.new_place_label.setText(entry.landmark or entry.address.split(",", 1)[0])
        self.new_place_address.setText(entry.address)
        self.new_place_postcode.setText(entry.postcode)
        self._address_pick = entry
        self.new_place_source.setText(
            QCoreApplication.translate(
                "VisitView", "From the address gazetteer (UPRN {uprn}); its map point is kept."
            ).format(uprn=entry.uprn)
        )
        self.new_place_source.show()
        self.new_place_label.setFocus()
        self.new_place_label.selectAll()

    def _forget_address_pick(self) -> None:
        self._address_pick = None
        self.new_place_source.clear()
        self.new_place_source.hide()

    def add_place(self) -> None:
        label, address = self.new_place_label.text(), self.new_place_address.text()
        postcode, district = self.new_place_postcode.text(), str(self.district.currentData())
        pick = self._address_pick
        if pick is not None and (address.strip(), postcode.strip().upper()) != (
            pick.address,
            pick.postcode,
        ):
            pick = None  # edited by hand: not the gazetteer's address any more
        self._workers.submit(
            lambda: self._visits.add_place(
                label=label,
                address=address,
                postcode=postcode,
                district=district,
                uprn=pick.uprn if pick else "",
                lat=pick.lat if pick else None,
                lon=pick.lon if pick else None,
            ),
            self._place_added,
            lambda exc: self.new_place_error.setText(describe(exc)),
        )

    def _place_added(self, place: PlaceChoice) -> None:
        for edit in (self.new_place_label, self.new_place_address, self.new_place_postcode):
            edit.clear()
        self._forget_address_pick()
        self.new_place_error.clear()
        self.new_place_box.hide()
        item = QListWidgetItem(place.label)
        item.setData(_DATA, place)
        self._pick_place(item)

    # People ----------------------------------------------------------------------------------

    def _pick_first_person(self) -> None:
        self.people_search.pick_first()

    def _choose_person(self, person: PersonRow) -> None:
        if self.presenter.add_person(person):
            self._add_chosen(person)
            self._draft_timer.start()
        self.people_search.clear()
        self.person_search.setFocus()

    def _add_chosen(self, person: PersonRow) -> None:
        item = QListWidgetItem(chosen_line(person))
        item.setData(_DATA, person.id)
        if person.risk_markers:
            item.setForeground(QColor(tone_colour("problem")))
            bold = item.font()
            bold.setBold(True)
            item.setFont(bold)
            item.setToolTip(
                QCoreApplication.translate("VisitView", "Risk markers: ") + person.risk_text
            )
        self.people_chosen.addItem(item)
        self._show_people_risks()

    def _show_people_risks(self) -> None:
        """Say each chosen person's risk markers above the form's other fields, in words."""
        lines = self.presenter.risk_lines()
        self.people_risk.setText("\n".join(lines))
        self.people_risk.setVisible(bool(lines))

    def _remove_person(self) -> None:
        item = self.people_chosen.currentItem()
        if item is None:
            return
        person_id = item.data(_DATA)
        self.presenter.remove_person(str(person_id))
        self.people_chosen.takeItem(self.people_chosen.row(item))
        self._show_people_risks()
        self._draft_timer.start()

    def _open_new_person(self, description: str) -> None:
        self.new_person_box.show()
        typed = self.person_search.text().split()
        if not description and typed:
            self.new_given.setText(typed[0])
            self.new_family.setText(" ".join(typed[1:]))
        self.new_description.setText(description)
        (self.new_description if description else self.new_given).setFocus()

    def add_person(self) -> None:
        """Add the person typed in, after offering anyone already in the vault who may be them.

        The first press looks for possible duplicates with the same matcher as the search; if
        there are any they are listed (with why) to choose from, and pressing Add again adds a
        new person all the same.
        """
        try:
            dob = parse_uk_date(self.new_dob.text())
        except ValidationError as exc:
            self.new_person_error.setText(describe(exc))
            return
        given, family = self.new_given.text(), self.new_family.text()
        aliases = [a.strip() for a in self.new_aliases.text().split(",") if a.strip()]
        description, district = self.new_description.text(), str(self.district.currentData())
        typed = (given.strip(), family.strip(), dob)

        def add() -> None:
            self._workers.submit(
                lambda: self._visits.add_person(
                    given_name=given,
                    family_name=family,
                    date_of_birth=dob,
                    aliases=aliases,
                    description=description,
                    district=district,
                ),
                self._person_added,
                lambda exc: self.new_person_error.setText(describe(exc)),
            )

        if typed == self._duplicates_offered_for or not (given.strip() or family.strip()):
            add()
            return

        def checked(rows: list[PersonRow]) -> None:
            if not rows:
                add()
                return
            self._duplicates_offered_for = typed
            self.people_search.show(rows)
            self.new_person_error.setText(
                QCoreApplication.translate(
                    "VisitView",
                    "{0} already in the vault (listed above, with why). Choose them, or press Add "
                    "person again to add someone new.",
                ).format(may_be(len(rows)))
            )

        where = self.presenter.form.place
        place_id = where.id if where is not None else ""
        self._workers.submit(
            lambda: self._visits.possible_duplicates(
                given_name=given,
                family_name=family,
                date_of_birth=dob,
                aliases=aliases,
                place_id=place_id,
            ),
            checked,
            lambda exc: self.new_person_error.setText(describe(exc)),
        )

    def _person_added(self, person: PersonRow) -> None:
        for edit in (
            self.new_given,
            self.new_family,
            self.new_dob,
            self.new_aliases,
            self.new_description,
        ):
            edit.clear()
        self.new_person_error.clear()
        self.new_person_box.hide()
        self._duplicates_offered_for = None
        self._choose_person(person)
