"""Loading a screen: its named controls, and lists the file caps in height."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QListWidget, QPushButton, QSizePolicy, QTableView, QWidget
from pytestqt.qtbot import QtBot

from fieldkit.ui.loading import child, load_screen


def test_a_named_control_is_found_with_its_own_type(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    form = load_screen("unlock.ui", host)
    button = child(form, QPushButton, "newUserButton")
    assert isinstance(button, QPushButton)
    assert button.objectName() == "newUserButton"


def test_a_control_of_another_kind_or_name_is_our_bug_and_raises(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    form = load_screen("unlock.ui", host)
    with pytest.raises(LookupError, match="no QLabel called newUserButton"):
        child(form, QLabel, "newUserButton")
    with pytest.raises(LookupError, match="no QPushButton called noSuchButton"):
        child(form, QPushButton, "noSuchButton")


@pytest.mark.parametrize(
    ("screen", "kind", "name"),
    [("today.ui", QTableView, "feedbackTable"), ("visit.ui", QListWidget, "placeList")],
)
def test_a_list_the_file_caps_in_height_asks_for_no_more(
    qtbot: QtBot, screen: str, kind: type[QWidget], name: str
) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    capped = child(load_screen(screen, host), kind, name)
    assert capped.maximumHeight() < 1000, "the file caps it"
    assert capped.sizePolicy().verticalPolicy() == QSizePolicy.Policy.Preferred
