# mypy: disable-error-code="no-untyped-call"
"""The several-values filter button: ticking from the keyboard keeps the menu open."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from fieldkit.ui.multi_choice import MultiChoice

pytestmark = pytest.mark.gui

DISTRICTS = [("a", "Ashby"), ("b", "Birstall"), ("c", "Cleckheaton")]


@pytest.fixture
def choice(qtbot: QtBot) -> MultiChoice:
    button = QToolButton()
    qtbot.addWidget(button)
    made = MultiChoice(button, everything="All districts", several="{n} districts")
    made.set_choices(DISTRICTS)
    button.show()
    return made


def test_nothing_ticked_is_all_one_shows_its_name_several_show_how_many(
    qtbot: QtBot, choice: MultiChoice
) -> None:
    assert (choice.chosen(), choice.text()) == ((), "All districts")
    with qtbot.waitSignal(choice.changed):
        choice.set_chosen(["c"])
    assert (choice.chosen(), choice.text()) == (("c",), "Cleckheaton")
    choice.set_chosen(["c", "a", "zz"])
    assert (choice.chosen(), choice.text()) == (("a", "c"), "2 districts")
    assert choice.button.toolTip() == "Ashby, Cleckheaton"
    with qtbot.assertNotEmitted(choice.changed):
        choice.set_chosen(["a", "c"])


def test_space_ticks_several_without_closing_the_menu_and_all_clears_them(
    qtbot: QtBot, choice: MultiChoice
) -> None:
    menu = choice.menu
    seen: list[object] = []

    def tick() -> None:
        seen.append(menu.isVisible())
        everything, _line, ashby, birstall, _c = menu.actions()
        seen.append(everything.isChecked())
        for action in (ashby, birstall):
            menu.setActiveAction(action)
            with qtbot.waitSignal(choice.changed):
                qtbot.keyClick(menu, Qt.Key.Key_Space)
        seen.append((menu.isVisible(), choice.chosen(), everything.isChecked()))
        menu.setActiveAction(everything)
        with qtbot.waitSignal(choice.changed):
            qtbot.keyClick(menu, Qt.Key.Key_Space)
        seen.append((choice.chosen(), choice.text(), everything.isChecked()))
        qtbot.keyClick(menu, Qt.Key.Key_Escape)

    def tick_in_the_open_menu() -> None:
        # Runs once the menu is up: Qt may run the popup's own event loop inside the key press,
        # so the menu is closed whatever happens here, or that key press would never return.
        try:
            tick()
        finally:
            menu.close()

    menu.aboutToShow.connect(lambda: QTimer.singleShot(0, tick_in_the_open_menu))
    choice.button.setFocus()
    qtbot.keyClick(choice.button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(seen) == 4 and not menu.isVisible())
    assert seen == [
        True,
        True,
        (True, ("a", "b"), False),
        ((), "All districts", True),
    ]


def test_offering_new_choices_keeps_the_ticks_still_offered(choice: MultiChoice) -> None:
    choice.set_chosen(["a", "b"])
    choice.set_choices([("b", "Birstall"), ("d", "Dewsbury")])
    assert choice.chosen() == ("b",)
    assert choice.text() == "Birstall"
