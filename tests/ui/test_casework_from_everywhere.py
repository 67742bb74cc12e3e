# mypy: disable-error-code="no-untyped-call"
"""Casework carried on from where it is shown: reviews, reprints from a visit, edits from review."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.cups import cups_job_file, cups_pdf_folder, cups_queue, job_number
from tests.documents.pdf_reading import pdf_text
from tests.factories import person, visit
from tests.ui.test_officer_day import first_run

from fieldkit.documents.printing import JOB_TITLE
from fieldkit.domain.vocabulary import RiskMarker
from fieldkit.services.warnings import WarningRequest
from fieldkit.services.workspace import open_workspace
from fieldkit.store import audit
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault
from fieldkit.ui.printing import QtPrinting
from fieldkit.ui.record_editor import RecordEditor
from fieldkit.ui.shell import PEOPLE, VISIT, WARNING, MainWindow
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 10_000
ABC = "acceptable_behaviour_contract"
REVIEW_WORDS = "Review the Acceptable Behaviour Contract by this date"


def test_an_abcs_review_is_recorded_from_the_profile_and_its_clock_clears(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    kai = ws.records.create(record_type="person", fields=person(given_name="Kai"))
    issued = ws.warnings.issue(
        WarningRequest(
            person_id=kai.id,
            scheme_id=ABC,
            behaviour="Kicking a football against the flats' windows late at night",
            conditions=("play ball games in the car park after 21:00",),
            district="huddersfield",
            place_label="Oakes Court, Huddersfield",
            occurred_at=datetime.now(UTC) - timedelta(hours=2),
        )
    )
    later = datetime.now(UTC) + timedelta(days=120)
    assert REVIEW_WORDS in [c.what for c in ws.today.legal_clocks(later)]
    window.go(PEOPLE)
    people = screens.people
    with qtbot.waitSignal(people.profile_shown, timeout=WAIT):
        people.open(kai.id)
    assert not people.review_button.isEnabled()  # nothing selected yet
    people.select_warning(issued.warning_id)
    assert people.review_button.isEnabled()
    with qtbot.waitSignal(people.profile_shown, timeout=WAIT):
        people.record_review_selected(date.today(), "kept to the terms")
    assert "Review recorded" in people.warning_status.text()
    assert REVIEW_WORDS not in [c.what for c in ws.today.legal_clocks(later)]
    history = ws.corrections.history(record_type="warning", record_id=issued.warning_id)
    assert history[-1].reason == "kept to the terms"
    people.select_warning(issued.warning_id)
    assert not people.review_button.isEnabled()  # reviewed: no second review


def test_risk_markers_are_set_in_their_own_dialog_with_a_reason_and_kept_in_history(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    jan = ws.records.create(record_type="person", fields=person())
    window.go(PEOPLE)
    people = screens.people
    with qtbot.waitSignal(people.profile_shown, timeout=WAIT):
        people.open(jan.id)
    assert people.risks_button.isEnabled()
    qtbot.mouseClick(people.risks_button, Qt.MouseButton.LeftButton)
    dialog = window.risk_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=WAIT)
    # Every marker of the vocabulary, each with what it means.
    assert [c.text() for c in dialog.checks.values()] == [m.label for m in RiskMarker]
    assert all(c.toolTip() for c in dialog.checks.values())
    dialog.checks["weapons"].setChecked(True)
    dialog.note.setPlainText("Keeps a knife in the kitchen drawer")

    # Without a reason: refused, nothing written.
    with qtbot.waitSignal(dialog.failed, timeout=WAIT):
        dialog.save_button.click()
    assert "reason" in dialog.problem.text().lower()
    assert not ws.records.view(record_type="person", record_id=jan.id).fields.get("risk_markers")

    dialog.reason.setText("seen on the home visit")
    with (
        qtbot.waitSignal(people.profile_shown, timeout=WAIT),
        qtbot.waitSignal(dialog.saved, timeout=WAIT),
    ):
        dialog.save_button.click()
    stored = ws.records.view(record_type="person", record_id=jan.id).fields
    assert stored["risk_markers"] == ["weapons"]
    assert stored["risk_notes"] == "Keeps a knife in the kitchen drawer"
    assert "RISK: Weapons" in people.flags.text()
    assert window.risk_dialog is None
    history = ws.corrections.history(record_type="person", record_id=jan.id)
    assert history[-1].reason == "seen on the home visit"
    assert not history[0].fields.get("risk_markers")  # the earlier version is kept


def test_the_visit_form_and_warning_screen_say_a_persons_risks_in_words_and_a_tone(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    jan = ws.records.create(
        record_type="person",
        fields=person(risk_markers=["weapons", "lone_visit_risk"], risk_notes="Dog at the door"),
    )
    window.go(VISIT)
    visit = screens.visit
    assert visit.people_risk.isHidden()
    qtbot.keyClicks(visit.person_search, "O'Brien")
    qtbot.waitUntil(lambda: visit.person_results.count() == 1, timeout=WAIT)
    visit._pick_first_person()
    qtbot.waitUntil(lambda: visit.people_chosen.count() == 1, timeout=WAIT)
    shown = visit.people_risk.text()
    assert "RISK" in shown
    assert "Weapons" in shown
    assert "Do not visit alone" in shown
    assert "Dog at the door" in shown
    assert not visit.people_risk.isHidden()
    assert visit.people_risk.property("tone") == "problem"
    assert visit.people_chosen.item(0).font().bold()
    visit.people_chosen.setCurrentRow(0)
    visit._remove_person()
    assert visit.people_risk.isHidden()

    window.go(WARNING)
    warning = screens.warning
    warning.choose_person(jan.id)
    qtbot.waitUntil(lambda: not warning.risk_label.isHidden(), timeout=WAIT)
    assert warning.risk_label.text().startswith("RISK: Weapons")
    assert warning.risk_label.property("tone") == "problem"


def _new_cups_pdf(before: set[Path]) -> Path:
    """The cups-pdf file of the job printed since ``before`` was listed (bounded wait)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for path in set(cups_pdf_folder().glob(f"{JOB_TITLE.replace(' ', '_')}*job_*.pdf")):
            if path not in before and path.read_bytes().rstrip().endswith(b"%%EOF"):
                return path
        time.sleep(0.2)
    pytest.fail("cups-pdf wrote no new Fieldkit document within 60 s")


def test_a_visits_letter_and_leaflet_are_reprinted_from_the_visit_in_its_editor(
    qtbot: QtBot, vault: Vault
) -> None:
    queue = cups_queue()
    ws = open_workspace(vault, printing=QtPrinting())
    service = ws.records.create(
        record_type="service",
        fields={"name": "Oakes Youth Club", "categories": ["youth"], "phone": "01632 960555"},
    )
    jan = ws.records.create(record_type="person", fields=person())
    seen = ws.records.create(record_type="visit", fields=visit(person_ids=[jan.id]))
    ws.records.create(
        record_type="signposting",
        fields={
            "person_id": jan.id,
            "service_ids": [service.id],
            "given_at": vault.now().isoformat(timespec="seconds"),
            "method": "leaflet",
            "visit_id": seen.id,
            "district": "huddersfield",
        },
    )
    ws.warnings.issue(
        WarningRequest(
            person_id=jan.id,
            scheme_id="street_drinking_vagrancy",
            behaviour="Drinking from an open can",
            conditions=("drink alcohol in the town centre",),
            district="huddersfield",
            place_label="Market Place, Huddersfield",
            occurred_at=vault.now() - timedelta(hours=1),
            visit_id=seen.id,
        )
    )
    answers = iter(["Jan's support worker", "Jan, a spare copy"])
    editor = RecordEditor(
        ws.corrections, Workers(), printouts=ws.printouts, ask_text=lambda *_: next(answers)
    )
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.documents_listed, timeout=WAIT):
        editor.load("visit", seen.id)
    titles = [editor.documents.itemText(i) for i in range(editor.documents.count())]
    assert titles == ["Yellow warning letter", "Signposting leaflet"]
    assert editor.reprint_button.isVisibleTo(editor)
    for row in range(2):
        editor.documents.setCurrentIndex(row)
        before = set(cups_pdf_folder().glob("*.pdf"))
        with qtbot.waitSignal(editor.reprinted, timeout=WAIT) as done:
            editor.reprint_chosen(next(answers), printer=queue)
        assert "Nothing was printed" not in done.args[0], done.args[0]
        job = job_number(_new_cups_pdf(before))
        sent = pdf_text(cups_job_file(f"d{job:05d}-001"))
        if row == 0:  # the letter, marked as a reprint on the page
            assert "REPRINT" in sent
            assert "Market Place, Huddersfield" in sent
        else:  # the leaflet of the services given at the visit
            assert "Oakes Youth Club" in sent
    with vault.read() as conn:
        printed = (
            connection(conn)
            .execute(
                AuditEntry.__table__.select().where(
                    AuditEntry.action == audit.AuditAction.PRINT.value
                )
            )
            .all()
        )
    assert [p.recipient for p in printed][-2:] == ["Jan's support worker", "Jan, a spare copy"]
    assert [p.reason for p in printed][-1] == "signposting_leaflet reprinted"
