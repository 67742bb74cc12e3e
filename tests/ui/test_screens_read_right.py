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
from tests.ui.screen_walk import (
    low_contrast,
    raw_identifiers,
    settle,
    texts,
    unnamed_controls,
    walk_screens,
)

from fieldkit.services.session import SessionService, VaultDirectory
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
    assert sorted(set(found)) == []
    settle(window)
    ws = window.workspace
    assert ws is not None
    assert ws.settings.load().text_size == 100, "the keys kept their size; the test's did not"
