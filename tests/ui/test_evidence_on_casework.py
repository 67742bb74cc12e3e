# mypy: disable-error-code="no-untyped-call"
"""Photos and files on ASB cases, tenancy notes and warnings, in the app as it is put together."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pytestqt.qtbot import QtBot
from tests.evidence_files import photo
from tests.factories import person
from tests.ui.test_officer_day import first_run

from fieldkit.domain.vulnerability import VulnerabilityCheck
from fieldkit.services.evidence import AttachmentService
from fieldkit.services.warnings import WarningRequest
from fieldkit.services.workspace import Workspace
from fieldkit.ui.evidence_strip import EvidenceStrip
from fieldkit.ui.shell import MainWindow, Screens

pytestmark = pytest.mark.gui
WAIT = 15_000


def _opened(qtbot: QtBot, window: MainWindow) -> tuple[Workspace, Screens, AttachmentService]:
    first_run(qtbot, window)
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    assert ws.evidence is not None
    return ws, screens, ws.evidence


def _shows(qtbot: QtBot, strip: EvidenceStrip, captions: list[str]) -> None:
    qtbot.waitUntil(
        lambda: [strip.list.item(i).text() for i in range(strip.list.count())] == captions,
        timeout=WAIT,
    )


def test_an_asb_case_shows_its_photos_and_takes_new_ones(qtbot: QtBot, window: MainWindow) -> None:
    ws, screens, evidence = _opened(qtbot, window)
    case_id = ws.asb.open_case(title="Graffiti on the shelter", category="environmental",
                               district="rural")  # fmt: skip
    evidence.attach(owner_type="asb_case", owner_id=case_id, data=photo(seed=3), caption="Tag")
    screen = screens.asb
    strip = screen.evidence
    assert strip is not None
    assert not strip.attach_button.isEnabled()  # no case open yet
    screen.open(case_id)
    _shows(qtbot, strip, ["Tag"])
    assert strip.attach_button.isEnabled()
    strip.attach_bytes(photo(seed=4), "Second tag")
    _shows(qtbot, strip, ["Tag", "Second tag"])
    assert [v.caption for v in evidence.list_for(owner_type="asb_case", owner_id=case_id)] == [
        "Tag",
        "Second tag",
    ]


def test_a_tenancy_note_chosen_in_the_chronology_shows_its_photos(
    qtbot: QtBot, window: MainWindow
) -> None:
    ws, screens, evidence = _opened(qtbot, window)
    case_id = ws.tenancy.open_case(address="12 Oakes Court", district="huddersfield")
    first = ws.tenancy.add_note(case_id=case_id, kind="incident", body="Door kicked in").id
    ws.tenancy.add_note(case_id=case_id, kind="visit", body="Door answered")
    evidence.attach(owner_type="tenancy_note", owner_id=first, data=photo(seed=6),
                    caption="Damaged door")  # fmt: skip
    screen = screens.tenancy
    strip = screen.evidence
    assert strip is not None
    with qtbot.waitSignal(screen.case_shown, timeout=WAIT):
        screen.open(case_id)
    assert not strip.attach_button.isEnabled()  # no note chosen yet
    row = next(i for i in range(len(screen.notes.rows)) if screen.notes.row_at(i).id == first)
    screen.notes_table.setCurrentIndex(screen.notes.index(row, 0))
    _shows(qtbot, strip, ["Damaged door"])
    other = 1 - row
    screen.notes_table.setCurrentIndex(screen.notes.index(other, 0))
    _shows(qtbot, strip, [])
    assert strip.attach_button.isEnabled()

    # A note just added is the one photos attach to.
    screen.note_body.setPlainText("Neighbour's statement taken")
    with qtbot.waitSignal(screen.note_added, timeout=WAIT) as added:
        screen.add_button.click()
    strip.attach_bytes(photo(seed=7), "Statement page")
    _shows(qtbot, strip, ["Statement page"])
    [kept] = evidence.list_for(owner_type="tenancy_note", owner_id=str(added.args[0]))
    assert kept.sensitivity == "restricted"  # as the case is


def test_a_warning_just_issued_takes_photos(qtbot: QtBot, window: MainWindow) -> None:
    ws, screens, evidence = _opened(qtbot, window)
    jan = ws.records.create(record_type="person", fields=person()).id
    issued = ws.warnings.issue(
        WarningRequest(
            person_id=jan,
            scheme_id="street_drinking_vagrancy",
            behaviour="Drinking from an open can and shouting at shoppers",
            conditions=("drink alcohol in the town centre",),
            district="huddersfield",
            place_label="Market Place, Dewsbury",
            occurred_at=datetime(2026, 11, 26, 21, 30, tzinfo=UTC),
            vulnerability=VulnerabilityCheck(True),
        )
    )
    screen = screens.warning
    strip = screen.evidence
    assert strip is not None
    assert not strip.attach_button.isEnabled()
    screen._issued(issued)  # as the Issue button's worker reports back
    assert strip.attach_button.isEnabled()
    strip.attach_bytes(photo(seed=8), "Open can")
    _shows(qtbot, strip, ["Open can"])
    [kept] = evidence.list_for(owner_type="warning", owner_id=issued.warning_id)
    assert kept.caption == "Open can"
