# mypy: disable-error-code="no-untyped-call"
"""A warning's whole life on the real screens, two laptops and a real server process.

A person's risk marker shows on the visit form; a Yellow is issued from a visit at a chosen
place and handed over (the letter names the place and the behaviour's time); it is withdrawn
and the ladder goes back to Yellow; a CPW's comply-by clock is on Today; a CPN is held for
countersignature, countersigned by the supervisor and synced back, then served with its appeal
clock on Today; a letter is reprinted from the profile and the print is in the s62 log.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from pypdf import PdfReader
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from tests.factories import person, place, visit
from tests.sync.conftest import Laptop, Server

from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.vulnerability import Vulnerability
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.services.sync_port import OfflineSyncController
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store import audit
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.ui.people_view import PeopleView
from fieldkit.ui.review_view import ReviewView
from fieldkit.ui.today_view import TodayView
from fieldkit.ui.visit_form import VisitFormPresenter
from fieldkit.ui.visit_view import VisitView
from fieldkit.ui.warning_view import WarningView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 15_000


def _workspace(laptop: Laptop) -> Workspace:
    return open_workspace(laptop.open(), sync=lambda vault, _settings: OfflineSyncController(vault))


def _synced(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert not report.refused


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _clocks(qtbot: QtBot, today: TodayView) -> list[str]:
    with qtbot.waitSignal(today.loaded, timeout=WAIT):
        today.refresh()
    return [d.what for d in today.clocks.rows]


def _issue(qtbot: QtBot, warning: WarningView, level_id: str) -> None:
    qtbot.waitUntil(
        lambda: warning.proposal is not None and warning.proposal.level_id == level_id,
        timeout=WAIT,
    )
    qtbot.keyClicks(warning.behaviour, "Drinking from an open can, shouting at shoppers")
    qtbot.keyClicks(warning.conditions, "drink alcohol in Huddersfield town centre")
    if level_id == "cpn":
        # Escalating a vulnerable person without a referral asks for a reason first.
        assert not warning.vulnerability_box.isHidden()
        warning.considered_check.setChecked(True)
        warning.vulnerability_checks[Vulnerability.SUBSTANCE_DEPENDENCE].setChecked(True)
        assert "safeguarding referral is proposed" in warning.referral_advice.text()
        warning.issue_button.click()
        qtbot.waitUntil(lambda: "give the reason" in warning.error.text(), timeout=WAIT)
        qtbot.keyClicks(warning.no_referral_reason, "Already engaged with Change Grow Live")
    else:
        assert warning.vulnerability_box.isHidden()
    with qtbot.waitSignal(warning.issued, timeout=WAIT):
        warning.issue_button.click()


def _act(qtbot: QtBot, people: PeopleView, act: Callable[[], None]) -> str:
    """Do a profile action and wait for its sentence and the profile's reopening."""
    said: list[str] = []
    people.warning_changed.connect(said.append)
    try:
        with qtbot.waitSignals([people.warning_changed, people.profile_shown], timeout=WAIT):
            act()
    finally:
        people.warning_changed.disconnect(said.append)
    assert "Nothing was changed" not in said[-1], said[-1]
    return said[-1]


def test_a_warning_from_risk_marker_to_reprint_on_the_real_screens(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy", role="officer")
    sqlite_server.admin.add_user("priya", role="supervisor")
    amy = laptops("amy", "amy", sqlite_server.url)
    priya = laptops("priya", "priya", sqlite_server.url)
    ws = _workspace(amy)
    vault = amy.open()
    workers = Workers()

    # A person with a risk marker; it shows on the visit form when they are added.
    jan = ws.records.create(
        record_type="person",
        fields=person(given_name="Jan", family_name="Kowalski", risk_markers=["weapons"]),
    )
    visit_form = VisitView(
        VisitFormPresenter(ws.visits, ws.drafts, now=vault.now, district="huddersfield"),
        ws.visits,
        workers,
    )
    qtbot.addWidget(visit_form)
    visit_form._choose_person(ws.people.row(jan.id))
    assert "RISK: Weapons" in visit_form.people_chosen.item(0).text()

    # A Yellow from a visit at a chosen place, handed over.
    market = ws.records.create(record_type="place", fields=place(label="Huddersfield Market"))
    seen_at = (vault.now() - timedelta(hours=2)).replace(second=0, microsecond=0)
    seen = ws.records.create(
        record_type="visit",
        fields=visit(
            occurred_at=seen_at.isoformat(),
            place_id=market.id,
            person_ids=[jan.id],
            officer_id="amy",
        ),
    )
    warning = WarningView(
        ws.warnings, ws.people, ws.directory, ws.documents, workers, places=ws.visits.recent_places
    )
    qtbot.addWidget(warning)
    warning.start_from_visit(
        visit_id=seen.id,
        person_id=jan.id,
        place_id=market.id,
        place_label="Huddersfield Market",
        when=seen_at.astimezone(LONDON),
    )
    qtbot.waitUntil(lambda: warning.risk_label.text() == "RISK: Weapons", timeout=WAIT)
    _issue(qtbot, warning, "yellow")
    assert warning.result is not None
    yellow = warning.result
    letter = _text(yellow.documents[0].pdf)
    assert "Huddersfield Market" in letter
    assert f"{seen_at.astimezone(LONDON):%H:%M}" in letter

    # Withdrawn from the profile: the ladder goes back to Yellow.
    people = PeopleView(ws.people, workers, warnings=ws.warnings, printouts=ws.printouts)
    qtbot.addWidget(people)
    with qtbot.waitSignal(people.profile_shown, timeout=WAIT):
        people.open(jan.id)
    assert "RISK: Weapons" in people.flags.text()
    people.select_warning(yellow.warning_id)
    said = _act(qtbot, people, lambda: people.withdraw_selected("Issued to the wrong person"))
    assert "Yellow" in said
    assert any(e.kind == "Warning withdrawn" for e in people.timeline.rows)
    warning.choose_person(jan.id)
    qtbot.waitUntil(
        lambda: warning.proposal is not None and warning.proposal.level_id == "yellow",
        timeout=WAIT,
    )

    # A CPW: its comply-by clock is on Today.
    today = TodayView(ws.today, ws.visits, ws.sync, workers, review=ws.review)
    qtbot.addWidget(today)
    warning.scheme.setCurrentIndex(warning.scheme.findData("community_protection"))
    _issue(qtbot, warning, "cpw")
    assert warning.result is not None
    cpw = warning.result
    assert "Check compliance with the CPW by this date" in _clocks(qtbot, today)

    # A CPN: held for countersignature, which the supervisor gives and sync brings back.
    _issue(qtbot, warning, "cpn")
    assert warning.result is not None
    cpn = warning.result
    assert cpn.awaiting_countersignature
    assert cpn.documents == ()
    assert "countersigns" in warning.error.text()
    _clocks(qtbot, today)
    assert [f.decision for f in today.feedback.rows if f.subject_id == cpn.warning_id] == [
        "Awaiting countersignature"
    ]
    _synced(amy)
    _synced(priya)
    review = ReviewView(_workspace(priya).review, Workers())
    qtbot.addWidget(review)
    with qtbot.waitSignal(review.loaded, timeout=WAIT):
        review.refresh()
    assert review.model.rows[0].id == cpn.warning_id  # what someone is waiting to serve, first
    with qtbot.waitSignal(review.opened, timeout=WAIT):
        review.table.selectRow(0)
    with qtbot.waitSignal(review.decided, timeout=WAIT):
        review.countersign_button.click()
    _synced(priya)
    _synced(amy)

    with qtbot.waitSignal(people.profile_shown, timeout=WAIT):
        people.open(jan.id)
    people.select_warning(cpn.warning_id)
    assert people.serve_button.isEnabled()
    said = _act(qtbot, people, lambda: people.serve_selected("handed_over"))
    assert "served" in said
    clocks = _clocks(qtbot, today)
    assert "CPN appeal period ends" in clocks
    assert "Check compliance with the CPW by this date" not in clocks

    # A reprint from the profile: marked as one, and its print is in the s62 log.
    people.select_warning(cpw.warning_id)
    assert people.reprint_button.isEnabled()
    _act(qtbot, people, lambda: people.reprint_selected("Jan Kowalski, asked for a copy"))
    with vault.read() as conn:
        printed = (
            connection(conn)
            .execute(
                select(AuditEntry.recipient, AuditEntry.record_id).where(
                    AuditEntry.action == audit.AuditAction.PRINT.value
                )
            )
            .all()
        )
        kept = [r for (r, _id) in printed]
    assert kept == ["Jan Kowalski, asked for a copy"]
    reprint = ws.documents.pdf(printed[0][1])
    assert reprint is not None
    assert "REPRINT" in _text(reprint)
