# mypy: disable-error-code="no-untyped-call"
"""A housing officer's closure, end to end: the case screen on a real vault and a real server.

The housing officer opens a tenancy case from the Tenancy screen, adds notes, records the
closure notice (with the hearing), then the order with its terms; the clocks show on the case
and on Today; the closure notice and the evidence bundle are made from the case screen and say
what they must (read back with pypdf). Everything syncs, and the supervisor's laptop receives
the closure with its terms and both documents.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable

import pytest
from PySide6.QtCore import QDateTime
from pytestqt.qtbot import QtBot
from tests.documents.pdf_reading import pdf_text
from tests.sync.conftest import Laptop, Server

from fieldkit.domain.vulnerability import Vulnerability
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.services.sync_port import OfflineSyncController
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.ui.settings_view import SettingsView
from fieldkit.ui.tenancy_view import TenancyView
from fieldkit.ui.today_view import TodayView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 15_000


def _workspace(laptop: Laptop) -> Workspace:
    return open_workspace(laptop.open(), sync=lambda vault, _settings: OfflineSyncController(vault))


def _synced(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert not report.refused


def _choose(combo: object, value: str) -> None:
    index = combo.findData(value)  # type: ignore[attr-defined]
    assert index >= 0, value
    combo.setCurrentIndex(index)  # type: ignore[attr-defined]


def test_a_housing_officer_takes_a_closure_from_notice_to_order_on_the_case_screen(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("hana", role="housing")
    sqlite_server.admin.add_user("priya", role="supervisor")
    hana = laptops("hana", "hana", sqlite_server.url)
    priya = laptops("priya", "priya", sqlite_server.url)
    _synced(hana)
    ws = _workspace(hana)
    # The court comes from the Settings screen.
    settings = SettingsView(ws.settings, ws.documents, Workers())
    qtbot.addWidget(settings)
    settings.refresh()
    qtbot.waitUntil(lambda: settings.court.text() == "Kirklees Magistrates' Court", timeout=WAIT)
    settings.officer_name.setText("Hana Begum")
    settings.court.setText("Kirklees Magistrates (Huddersfield)")
    with qtbot.waitSignal(settings.changed, timeout=WAIT):
        settings.save()
    assert ws.settings.load().court_name == "Kirklees Magistrates (Huddersfield)"

    screen = TenancyView(ws.tenancy, Workers())
    qtbot.addWidget(screen)
    screen.show()
    screen.set_court(ws.settings.load().court_name)

    # Open a case.
    qtbot.keyClicks(screen.new_address, "Flat 3, 14 Hill Street, Huddersfield")
    qtbot.keyClicks(screen.new_postcode, "HD1 3AB")
    qtbot.keyClicks(screen.new_tenants, "Dawn Pickles")
    qtbot.keyClicks(screen.new_landlord, "Kirklees Homes")
    qtbot.keyClicks(screen.new_reference, "HUD-017")
    qtbot.keyClicks(screen.new_vulnerability, "Learning disability")
    qtbot.keyClicks(screen.new_agencies, "Adult social care, Change Grow Live")
    _choose(screen.new_district, "huddersfield")
    with qtbot.waitSignal(screen.case_shown, timeout=WAIT):
        screen.open_case_button.click()
    assert screen.case is not None
    case_id = screen.case.id
    assert "Change Grow Live" in screen.details.text()

    # Add notes.
    for kind, body in (
        ("incident", "Door kicked in at 2am; neighbours called police."),
        ("support", "Referred to adult social care for a needs assessment."),
    ):
        _choose(screen.note_kind, kind)
        qtbot.keyClicks(screen.note_body, body)
        with qtbot.waitSignal(screen.case_shown, timeout=WAIT):
            screen.add_button.click()
    assert [n.kind for n in screen.case.notes] == ["incident", "support"]

    # A step without what the Act needs is refused, naming what is missing.
    _choose(screen.step_kind, "order_made")
    screen.step_button.click()
    qtbot.waitUntil(lambda: bool(screen.step_error.text()), timeout=WAIT)
    assert screen.case.closures == ()

    # The closure notice, served two hours ago, with the hearing listed for tomorrow.
    now = QDateTime.currentDateTime()
    _choose(screen.step_kind, "notice_served")
    screen.step_at.setDateTime(now.addSecs(-2 * 3600))
    qtbot.keyClicks(screen.authorised_by, "A. Khan")
    qtbot.keyClicks(screen.authorised_rank, "Inspector")
    _choose(screen.notice_hours, "24")  # the data is an int: findData matches by value
    _choose(screen.served_how, "fixed_and_given")
    qtbot.keyClicks(screen.served_on, "Dawn Pickles and two visitors")
    qtbot.keyClicks(screen.notice_permits, "Support workers by appointment")
    screen.hearing_listed.setChecked(True)
    screen.hearing_at.setDateTime(now.addSecs(20 * 3600))
    # Serving the notice asks first whether the tenant's vulnerability was considered.
    screen.considered_check.setChecked(True)
    screen.vulnerability_checks[Vulnerability.LEARNING_DISABILITY].setChecked(True)
    screen.referral_check.setChecked(True)
    with qtbot.waitSignal(screen.case_shown, timeout=WAIT):
        screen.step_button.click()
    [closure] = screen.case.closures
    assert closure.status == "Notice served"
    # Soonest first: the hearing (in 20 hours), the notice's end (22), the 48-hour limit (46).
    assert [c.name for c in closure.clocks] == [
        "Hearing",
        "Closure notice ends",
        "Hearing deadline",
    ]
    assert "A. Khan — Inspector" in screen.closure.text()

    # The clocks are on Today.
    today = TodayView(ws.today, ws.visits, ws.sync, Workers(), review=ws.review)
    qtbot.addWidget(today)
    with qtbot.waitSignal(today.loaded, timeout=WAIT):
        today.refresh()
    dues = [d.what for d in today.clocks.rows]
    assert any("magistrates' court must hear" in d for d in dues)
    assert all(d.subject == "Tenancy case HUD-017" for d in today.clocks.rows)

    # The closure notice from the case screen.
    with qtbot.waitSignal(screen.document_made, timeout=WAIT) as made:
        screen.notice_button.click()
    notice = pdf_text(made.args[0].pdf)
    assert "Flat 3, 14 Hill Street, Huddersfield, HD1 3AB" in notice
    assert "Kirklees Magistrates (Huddersfield)" in notice
    assert "commits an offence" in notice
    assert "A. Khan, Inspector" in notice
    assert "Support workers by appointment" in notice

    # The order, made an hour ago with its terms.
    _choose(screen.step_kind, "order_made")
    screen.step_at.setDateTime(now.addSecs(-3600))
    screen.order_months.setValue(3)
    qtbot.keyClicks(screen.order_permits, "Dawn Pickles; her support workers")
    qtbot.keyClicks(screen.order_areas, "The whole flat and its yard")
    with qtbot.waitSignal(screen.case_shown, timeout=WAIT):
        screen.step_button.click()
    [closure] = screen.case.closures
    assert closure.status == "Order made"
    assert ("Order covers", "The whole flat and its yard") in closure.facts
    with qtbot.waitSignal(today.loaded, timeout=WAIT):
        today.refresh()
    assert any("appeal" in d.what.lower() for d in today.clocks.rows)

    # The evidence bundle from the case screen: the court from Settings, the notes, the steps.
    with qtbot.waitSignal(screen.document_made, timeout=WAIT) as made:
        screen.bundle_button.click()
    bundle = pdf_text(made.args[0].pdf)
    assert "Kirklees Magistrates (Huddersfield)" in bundle
    assert "Door kicked in at 2am" in bundle
    assert "Closure order made (3 months)" in bundle

    # It all syncs: the supervisor's laptop has the closure's terms and both documents.
    _synced(hana)
    _synced(priya)
    records = priya.records()
    closures = [f for t, f in records.values() if t == "closure"]
    assert [c["order_areas"] for c in closures] == ["The whole flat and its yard"]
    assert closures[0]["authorised_rank"] == "Inspector"
    kinds = sorted(f["kind"] for t, f in records.values() if t == "document")
    assert kinds == ["closure_notice", "evidence_bundle"]
    assert [f["status"] for t, f in records.values() if t == "tenancy_case"] == [
        "closure_in_progress"
    ]
    assert case_id in records
