# mypy: disable-error-code="no-untyped-call"
"""The record editor opens from the person's profile and from its timeline rows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget
from pytestqt.qtbot import QtBot
from tests.evidence_files import photo
from tests.factories import person, visit
from tests.factories import place as place_fields
from tests.ui.test_officer_day import first_run

from fieldkit.ui.shell import PEOPLE, MainWindow

pytestmark = pytest.mark.gui
WAIT = 10_000


def test_a_person_and_a_timeline_row_open_in_the_editor_from_the_profile(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    jan = ws.records.create(record_type="person", fields=person())
    seen = ws.records.create(
        record_type="visit", fields=visit(person_ids=[jan.id], narrative="Moved on.")
    )
    window.go(PEOPLE)
    people = screens.people
    with qtbot.waitSignal(people.profile_shown, timeout=WAIT):
        people.open(jan.id)
    assert people.edit_button.isEnabled()

    # Ctrl+E on the profile: the person, with risk markers as ticked boxes by their labels.
    people.search.setFocus()
    qtbot.keyClick(people.search, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: "risk_markers" in editor.editors, timeout=WAIT)
    assert editor.title.text().startswith("Person")
    assert editor.reason_label.text() == "Reason (required)"
    markers = editor.editors["risk_markers"]
    assert isinstance(markers, QListWidget)
    labels = [markers.item(i).text() for i in range(markers.count())]
    assert "Do not visit alone" in labels
    markers.item(labels.index("Do not visit alone")).setCheckState(Qt.CheckState.Checked)
    editor.set_text("risk_notes", "Has a dog that bites")
    editor.reason.setText("risk seen at the door")
    with (
        qtbot.waitSignal(people.profile_shown, timeout=WAIT),
        qtbot.waitSignal(editor.saved, timeout=WAIT),
    ):
        editor.save_button.click()
    assert "Do not visit alone" in people.flags.text()
    assert window.editor is None

    # Enter on a timeline row: that row's record (the visit).
    row = next(i for i, e in enumerate(people.timeline.rows) if e.kind == "Visit")
    people.timeline_table.setFocus()
    people.timeline_table.setCurrentIndex(people.timeline.index(row, 0))
    qtbot.keyClick(people.timeline_table, Qt.Key.Key_Return)
    editor = window.editor
    assert editor is not None
    qtbot.waitUntil(lambda: "narrative" in editor.editors, timeout=WAIT)
    assert editor.title.text().startswith("Visit")
    assert editor.texts()["narrative"] == "Moved on."
    assert seen.id == editor._form.record_id  # type: ignore[union-attr]
    editor.reject()


def test_the_editor_shows_a_records_photos_and_attaches_one_more(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws = window.workspace
    assert ws is not None
    assert ws.evidence is not None
    seen = ws.records.create(record_type="visit", fields=visit(narrative="Moved on."))
    ws.evidence.attach(owner_type="visit", owner_id=seen.id, data=photo(seed=8), caption="Bench")
    editor = window.correct("visit", seen.id)
    assert editor is not None
    strip = editor.evidence
    assert strip is not None
    qtbot.waitUntil(lambda: strip.list.count() == 1, timeout=WAIT)
    assert strip.isVisible()
    assert strip.list.item(0).text() == "Bench"
    strip.attach_bytes(photo(seed=9), "Bin store")
    qtbot.waitUntil(lambda: strip.list.count() == 2, timeout=WAIT)
    assert [v.caption for v in ws.evidence.list_for(owner_type="visit", owner_id=seen.id)] == [
        "Bench",
        "Bin store",
    ]
    editor.reject()


def test_the_editor_shows_no_photo_strip_for_a_record_that_cannot_hold_photos(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws = window.workspace
    assert ws is not None
    place = ws.records.create(record_type="place", fields=place_fields())
    editor = window.correct("place", place.id)
    assert editor is not None
    qtbot.waitUntil(lambda: editor.title.text().startswith("Place"), timeout=WAIT)
    assert editor.evidence is not None
    assert not editor.evidence.isVisible()
    assert not editor.evidence.attach_button.isEnabled()
    editor.reject()
