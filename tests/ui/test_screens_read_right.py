# mypy: disable-error-code="no-untyped-call"
"""Every screen of the demo, walked as the demo supervisor sees it: words read as words, high
contrast is readable, every control has a name, and larger text fits.

The screens are found from the main window's registered screens, so one added later is walked
too. The demo vault is made once by `fieldkit demo --headless` (the same as a new user's demo).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QTableView,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot
from tests.documents.pdf_reading import pdf_text
from tests.factories import person as factory_person
from tests.ui.screen_walk import (
    cut_tables,
    low_contrast,
    raw_identifiers,
    settle,
    stretched_boxes,
    tab_order_jumps,
    texts,
    too_wide,
    unnamed_controls,
    walk_screens,
)

from fieldkit.domain.closure_steps import ClosureStepKind, StepDetails
from fieldkit.domain.meeting import Attendee
from fieldkit.domain.records import RecordType
from fieldkit.domain.trends import Period
from fieldkit.domain.vocabulary import DocumentKind
from fieldkit.domain.vulnerability import VulnerabilityCheck
from fieldkit.services.meetings import NewAction
from fieldkit.services.session import SessionService, VaultDirectory
from fieldkit.services.warnings import LETTER_FOR_LEVEL, WarningRequest
from fieldkit.ui.shell import CONFLICTS, INTELLIGENCE, PEOPLE, REVIEW, MainWindow

pytestmark = pytest.mark.gui
WAIT = 30_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [sys.executable, "-m", "fieldkit.cli", "demo", "--headless", "--visits", "120",
         "--dir", str(folder)],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    marker = "Supervisor's vault passphrase (shown once): "
    passphrase = result.stdout.split(marker, 1)[1].split()[0]
    return folder / "vaults", passphrase


@pytest.fixture
def window(qtbot: QtBot, demo: tuple[Path, str]) -> Iterator[MainWindow]:
    vaults, passphrase = demo
    win = MainWindow(SessionService(VaultDirectory(vaults)), idle_ms=10 * 60_000)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    win.unlock_view.user_combo.setCurrentText("demo.supervisor")
    win.unlock_view.passphrase.setText(passphrase)
    with qtbot.waitSignal(win.unlocked, timeout=WAIT):
        win.unlock_view.unlock_button.click()
    settle(win)
    assert win.supervisor, "the demo supervisor sees every screen"
    yield win
    win.shutdown()


def test_no_screen_shows_a_raw_identifier(window: MainWindow) -> None:
    found: list[str] = []
    for name, root in walk_screens(window):
        for where, text in texts(root):
            for raw in raw_identifiers(text):
                found.append(f"{name}: {where}: {raw!r} in {text[:80]!r}")
    assert sorted(set(found)) == []


def test_high_contrast_text_is_at_least_7_to_1_on_every_screen(window: MainWindow) -> None:
    window.apply_settings(replace(window.settings, high_contrast=True))
    found: list[str] = []
    for name, root in walk_screens(window):
        for problem in low_contrast(root):
            found.append(f"{name}: {problem.where} {problem.text!r} {problem.ratio:.1f}:1")
    assert sorted(set(found)) == []


def test_every_control_on_every_screen_has_an_accessible_name(window: MainWindow) -> None:
    found: list[str] = []
    for name, root in walk_screens(window):
        found.extend(f"{name}: {control}" for control in unnamed_controls(root))
    assert sorted(set(found)) == []


#: Tab order that goes against reading order on purpose, and why.
TAB_ORDER_EXCEPTIONS: dict[str, str] = {
    # A list, then the detail of its chosen row in the pane beside it (the next column).
    "Community Trigger: QListWidget Community Trigger applications -> QScrollArea": "detail",
    "Intelligence: QTableView trendsTable -> QChartView": "the chart beside its table",
    "People: QTableView resultsTable -> QScrollArea profileScroll": "detail",
    # The next column: Tab finishes one column before it starts the one to its right.
    "Issue a warning: QCheckBox consentCheck -> QComboBox documentCombo": "preview column",
    "Log a visit: QListWidget peopleChosen -> QListWidget categoryList": "categories column",
    "Tenancy cases: QPushButton Open &case -> QScrollArea caseScroll": "the chosen case",
    "Meetings: QPushButton &Plan meeting -> QScrollArea": "the chosen meeting",
}


def test_tab_follows_reading_order_on_every_screen(window: MainWindow) -> None:
    jumps: set[str] = set()
    for name, _root in walk_screens(window):
        screen = window.screen_stack.currentWidget()
        assert screen is not None
        jumps.update(f"{name}: {jump}" for jump in tab_order_jumps(screen))
    found = sorted(jumps - set(TAB_ORDER_EXCEPTIONS))
    assert found == [], "\n".join(found)
    assert set(TAB_ORDER_EXCEPTIONS) <= jumps, "an exception no longer needed is removed"


def _raw_on(window: MainWindow, screen: str) -> list[str]:
    return [
        f"{screen}: {where}: {raw!r} in {text[:80]!r}"
        for where, text in texts(window)
        for raw in raw_identifiers(text)
    ]


def test_profiles_and_cases_read_as_words(window: MainWindow) -> None:
    """The person timeline named a CPW letter "Cpw letter" and signposting "2 service(s)"."""
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    found: list[str] = []
    kinds: set[str] = set()
    for person in ws.people.search("a", limit=12):
        window.open_subject("person", person.id)
        settle(window)
        kinds.update(e.kind for e in screens.people.timeline.rows)
        found.extend(_raw_on(window, "People"))
    for case in ws.tenancy.cases()[:4]:
        window.open_subject("tenancy_case", case.id)
        settle(window)
        found.extend(_raw_on(window, "Tenancy cases"))
    assert {"Visit", "Warning", "Signposting"} <= kinds, "the walk met the kinds of history"
    assert sorted(set(found)) == []


def test_documents_of_the_demo_read_as_words(window: MainWindow, tmp_path: Path) -> None:
    """An evidence bundle and a subject access response are read as a court or a person
    would read them: no wire names, no "(s)"."""
    ws = window.workspace
    assert ws is not None
    found: list[str] = []
    for case in ws.tenancy.cases()[:2]:
        kept = ws.printouts.bundle_for_case(case.id, served_how="exported")
        found.extend(f"bundle: {r}" for r in raw_identifiers(pdf_text(kept.pdf)))
    people = ws.people.search("a", limit=3)
    for n, person in enumerate(people):
        folder = tmp_path / f"sar{n}"
        folder.mkdir()
        export = ws.subject_access.export(person.id, folder=folder)
        pdf = export.pdf_path.read_bytes()
        found.extend(f"subject access: {r}" for r in raw_identifiers(pdf_text(pdf)))
    assert people
    assert found == []


def _documents_of_every_kind(window: MainWindow, folder: Path) -> dict[str, bytes]:
    """One PDF of every kind of document, made through the services from the demo's records
    as an officer or supervisor would make it."""
    ws = window.workspace
    assert ws is not None
    vault = ws.records._vault  # type: ignore[attr-defined]
    with vault.read() as conn:
        repo = vault.records(conn)
        warnings = sorted(repo.iter_all(RecordType.WARNING), key=lambda r: r.id)
        services = sorted(r.id for r in repo.iter_all(RecordType.SERVICE))[:3]
    made: dict[str, bytes] = {}
    for warning in warnings:
        kind = LETTER_FOR_LEVEL.get(str(warning.fields["level"]))
        if kind is not None and kind.value not in made:
            made[kind.value] = ws.printouts.letter_for_warning(warning.id, served_how="posted").pdf
    # Each step of each scheme's ladder, for someone new: Yellow, Red; CPW, CPN; an ABC.
    someone = ws.records.create(record_type="person", fields=factory_person(given_name="Ola"))
    for scheme in (
        ("street_drinking_vagrancy",) * 2
        + ("community_protection",) * 2
        + ("acceptable_behaviour_contract",)
    ):
        issued = ws.warnings.issue(
            WarningRequest(
                person_id=someone.id,
                scheme_id=scheme,
                behaviour="Shouting at passers-by from the bench",
                conditions=("shout at or follow members of the public",),
                district="huddersfield",
                place_label="Market Place, Huddersfield",
                occurred_at=vault.now() - timedelta(hours=2),
                vulnerability=VulnerabilityCheck(considered=True),
            )
        )
        letter = ws.printouts.letter_for_warning(issued.warning_id, served_how="posted")
        made.setdefault(letter.kind, letter.pdf)
    person = ws.people.search("a", limit=1)[0]
    made[DocumentKind.SIGNPOSTING_LEAFLET] = ws.printouts.leaflet(
        services, person_id=person.id, served_how="handed_over"
    ).pdf
    case = ws.tenancy.cases()[0]
    served = vault.now() - timedelta(hours=2)
    closure = ws.tenancy.record_step(
        case_id=case.id,
        step=ClosureStepKind.NOTICE_SERVED,
        details=StepDetails(
            at=served,
            authorised_by="A. Khan",
            authorised_rank="Inspector",
            notice_hours=24,
            served_how="fixed_and_given",
            served_on="The tenant",
            notice_permits="Support workers",
            hearing_at=served + timedelta(hours=30),
            court="Kirklees Magistrates' Court",
        ),
        vulnerability=VulnerabilityCheck(considered=True),
    )
    made[DocumentKind.CLOSURE_NOTICE] = ws.tenancy.closure_notice(closure_id=closure).pdf
    case = ws.tenancy.cases()[0]
    made[DocumentKind.EVIDENCE_BUNDLE] = ws.tenancy.evidence_bundle(case_id=case.id).pdf
    pack = folder / "pack.pdf"
    ws.intelligence.meeting_pack(
        district="huddersfield",
        period=Period(start=ws.intelligence.today() - timedelta(weeks=12), weeks=12),
        destination=pack,
    )
    made[DocumentKind.MEETING_PACK] = pack.read_bytes()
    export = ws.subject_access.export(person.id, folder=folder)
    made[DocumentKind.SUBJECT_ACCESS] = export.pdf_path.read_bytes()
    reports = ws.triggers.reports_for(person_id=person.id)
    trigger = ws.triggers.record_application(
        applicant_id=person.id,
        received_on=ws.intelligence.today() - timedelta(days=2),
        account="Shouting in the street most nights; reported three times.",
        visit_ids=[r.id for r in reports[:3]],
        district="huddersfield",
    )
    ws.triggers.record_meeting(
        trigger_id=trigger.id,
        meeting_at=vault.now() - timedelta(days=1),
        attendees=("Community safety", "Housing"),
        recommendations=("A joint visit with housing",),
    )
    ws.triggers.record_outcome(trigger_id=trigger.id, outcome="A joint visit is arranged.")
    made[DocumentKind.COMMUNITY_TRIGGER_OUTCOME] = ws.triggers.outcome_letter(
        trigger_id=trigger.id
    ).pdf
    assert ws.meetings is not None
    meeting = ws.meetings.plan(district="huddersfield", held_on=ws.intelligence.today())
    ws.meetings.record_attendees(
        meeting_id=meeting.id, attendees=[Attendee("Priya Shah", "Kirklees Council")]
    )
    ws.meetings.add_decision(
        meeting_id=meeting.id,
        decision="Evening patrols at the park",
        actions=[NewAction("Patrol after dark", agency="Police", due_on=ws.intelligence.today())],
    )
    ws.meetings.mark_held(meeting_id=meeting.id)
    made[DocumentKind.MEETING_MINUTES] = ws.meetings.minutes(meeting_id=meeting.id).pdf
    assert ws.referrals is not None
    referral = ws.referrals.refer(
        source_type="visit",
        source_id=reports[0].id,
        person_id=person.id,
        to_agency="voluntary",
        reason="Would welcome a befriender",
        consent="given",
    )
    made[DocumentKind.REFERRAL_FORM] = ws.referrals.referral_form(referral_id=referral.id).pdf
    return made


def test_every_kind_of_document_the_demo_makes_reads_as_words(
    window: MainWindow, tmp_path: Path
) -> None:
    """Letters, notices, leaflets, bundles, packs and responses as the person, court or
    meeting reads them: no wire names, no "Cpw letter", no "(s)"."""
    made = _documents_of_every_kind(window, tmp_path)
    assert sorted(made) == sorted(DocumentKind), "every kind of document was made"
    found = [
        f"{DocumentKind(kind).label}: {raw}"
        for kind, pdf in made.items()
        for raw in raw_identifiers(pdf_text(pdf))
    ]
    assert sorted(set(found)) == [], "\n".join(sorted(set(found)))


def _first_row_of(view: QTableView) -> QModelIndex:
    index = view.model().index(0, 0)
    view.setCurrentIndex(index)
    return index


def _press_enter(qtbot: QtBot, view: QTableView) -> None:
    _first_row_of(view)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return)


def _double_click(qtbot: QtBot, view: QTableView) -> None:
    index = _first_row_of(view)
    where = view.visualRect(index).center()
    # A double-click is a click and then the second press, as the window system sends it.
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)


@pytest.mark.parametrize("gesture", [_press_enter, _double_click], ids=["enter", "double-click"])
def test_every_list_opens_what_it_lists(
    qtbot: QtBot, window: MainWindow, gesture: Callable[[QtBot, QTableView], None]
) -> None:
    screens = window.screens
    assert screens is not None

    # Intelligence: a person on a list opens their profile.
    window.go(INTELLIGENCE)
    settle(window)
    intelligence = screens.intelligence
    named = [
        (name, view)
        for name, view in intelligence._views().items()
        if intelligence.tables.get(name) and intelligence.tables[name].subjects
        and intelligence.tables[name].subjects[0][0] == "person"
    ]  # fmt: skip
    assert named, "the demo lists someone on Intelligence"
    name, view = named[0]
    tabs = intelligence.findChild(QTabWidget, "tabs")
    assert tabs is not None
    tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.widget(i).isAncestorOf(view)))
    wanted = intelligence.tables[name].subjects[0][1]
    with qtbot.waitSignal(screens.people.profile_shown, timeout=WAIT) as shown:
        gesture(qtbot, view)
    assert shown.args == [wanted]
    assert window.navigation.currentRow() == PEOPLE

    # Conflicts: the record in conflict opens (the demo's is a person).
    window.go(CONFLICTS)
    settle(window)
    item = screens.conflicts.model.rows[0]
    with qtbot.waitSignal(screens.people.profile_shown, timeout=WAIT) as shown:
        gesture(qtbot, screens.conflicts.table)
    assert (item.record_type, shown.args) == ("person", [item.record_id])

    # Review: the piece of work opens in the record editor.
    window.go(REVIEW)
    settle(window)
    work = screens.review.model.rows[0]
    gesture(qtbot, screens.review.table)
    settle(window)
    editor = window.editor
    assert editor is not None
    assert editor.isVisible()
    assert editor._form is not None
    assert (editor._form.record_type, editor._form.record_id) == (work.type, work.id)
    editor.close()


def clipped(root: QWidget) -> list[str]:
    """Labels and buttons given less room than their text needs."""
    found = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or not isinstance(w, QLabel | QAbstractButton):
            continue
        if isinstance(w, QLabel) and (w.wordWrap() or not w.text().strip()):
            continue
        if isinstance(w, QAbstractButton) and not w.text().strip():
            continue
        need = w.minimumSizeHint()
        if w.width() < need.width() - 1 or w.height() < need.height() - 1:
            found.append(
                f"{type(w).__name__} {w.objectName()!r} {w.size().toTuple()} < {need.toTuple()}"
            )
    return found


def test_larger_text_reaches_every_screen_without_clipping(
    qtbot: QtBot, window: MainWindow
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    normal = app.font().pointSizeF()
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.settings.text_size == 115
    assert app.font().pointSizeF() > normal
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.settings.text_size == 100
    window.apply_settings(replace(window.settings, text_size=200))
    assert app.font().pointSizeF() == pytest.approx(2 * normal)
    found: list[str] = []
    for name, root in walk_screens(window):
        found.extend(f"{name}: {c}" for c in clipped(root))
        found.extend(f"{name}: {box}" for box in stretched_boxes(root))
    assert sorted(set(found)) == []
    settle(window)
    ws = window.workspace
    assert ws is not None
    assert ws.settings.load().text_size == 100, "the keys kept their size; the test's did not"


def test_no_box_on_any_screen_has_its_rows_pulled_apart(window: MainWindow) -> None:
    found: list[str] = []
    for name, root in walk_screens(window):
        found.extend(f"{name}: {box}" for box in stretched_boxes(root))
    assert sorted(set(found)) == [], "\n".join(sorted(set(found)))


def test_no_table_on_any_screen_cuts_words_short_beside_unused_width(window: MainWindow) -> None:
    found: list[str] = []
    for name, root in walk_screens(window):
        found.extend(f"{name}: {table}" for table in cut_tables(root))
    assert sorted(set(found)) == [], "\n".join(sorted(set(found)))


def test_every_screen_fits_the_width_of_a_1366_pixel_window(window: MainWindow) -> None:
    found: list[str] = []
    for name, _root in walk_screens(window):
        found.extend(f"{name}: {wide}" for wide in too_wide(window))
    assert sorted(set(found)) == [], "\n".join(sorted(set(found)))
