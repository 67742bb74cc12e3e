# mypy: disable-error-code="no-untyped-call"
"""A Community Trigger application on the real screen, two laptops and a real server process.

An officer records an application from a resident who reported noise three times; it crosses
the threshold and its decision-due day shows on the officer's Today. After both laptops sync,
the supervisor's Today shows it too; the supervisor records the review meeting and the outcome,
and after another sync the clock has gone from the officer's Today.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable
from datetime import datetime, time, timedelta

import pytest
from pytestqt.qtbot import QtBot
from tests.factories import person, visit
from tests.sync.conftest import Laptop, Server

from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.working_days import add_working_days, shipped_bank_holidays
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.services.sync_port import OfflineSyncController
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.ui.community_trigger_view import CommunityTriggerView
from fieldkit.ui.today_view import TodayView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 15_000
WHAT = "Community Trigger decision due (threshold met)"


def _workspace(laptop: Laptop) -> Workspace:
    return open_workspace(laptop.open(), sync=lambda vault, _settings: OfflineSyncController(vault))


def _synced(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert not report.refused


def _clocks(qtbot: QtBot, today: TodayView) -> list[tuple[str, str]]:
    with qtbot.waitSignal(today.loaded, timeout=WAIT):
        today.refresh()
    return [(d.what, d.subject) for d in today.clocks.rows]


def test_an_application_crosses_the_threshold_and_its_clock_reaches_the_supervisor(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy", role="officer")
    sqlite_server.admin.add_user("priya", role="supervisor")
    amy = laptops("amy", "amy", sqlite_server.url)
    priya = laptops("priya", "priya", sqlite_server.url)
    _synced(priya)  # the supervisor's laptop learns its role from the server
    ws = _workspace(amy)
    vault = amy.open()
    workers = Workers()

    # A resident who reported noise three times in the last two months.
    resident = ws.records.create(
        record_type="person", fields=person(given_name="Margaret", family_name="Hirst")
    )
    for days in (10, 30, 50):
        ws.records.create(
            record_type="visit",
            fields=visit(
                occurred_at=(vault.now() - timedelta(days=days)).isoformat(timespec="seconds"),
                categories=["noise"],
                person_ids=[resident.id],
                officer_id="amy",
            ),
        )

    screen = CommunityTriggerView(ws.triggers, ws.people, workers, district="huddersfield")
    qtbot.addWidget(screen)
    screen.choose_applicant(ws.people.row(resident.id))
    qtbot.waitUntil(lambda: screen.reports.count() == 3, timeout=WAIT)
    received = vault.now().astimezone(LONDON).date()
    screen.received.setDate(received)
    qtbot.keyClicks(screen.account, "Music and shouting from the flat above, reported 3 times.")
    with qtbot.waitSignal(screen.recorded, timeout=WAIT) as recorded:
        screen.record_button.click()
    trigger_id = recorded.args[0]
    due = add_working_days(received, 10, shipped_bank_holidays())
    assert "Threshold met" in screen.result_label.text()
    assert f"{due.day} " in screen.result_label.text()

    today = TodayView(ws.today, ws.visits, ws.sync, workers, review=ws.review)
    qtbot.addWidget(today)
    assert (WHAT, "Margaret Hirst") in _clocks(qtbot, today)

    # After sync the supervisor's Today shows it; the supervisor answers it.
    _synced(amy)
    _synced(priya)
    sup = _workspace(priya)
    sup_today = TodayView(sup.today, sup.visits, sup.sync, workers, review=sup.review)
    qtbot.addWidget(sup_today)
    assert (WHAT, "Margaret Hirst") in _clocks(qtbot, sup_today)
    sup_screen = CommunityTriggerView(sup.triggers, sup.people, workers)
    qtbot.addWidget(sup_screen)
    with qtbot.waitSignal(sup_screen.loaded, timeout=WAIT):
        sup_screen.refresh()
    assert sup_screen.applications.count() == 1
    sup_screen.open(trigger_id)
    qtbot.waitUntil(lambda: sup_screen.current is not None, timeout=WAIT)
    # An hour ago, but never before the day the application came in (in the first hour after
    # midnight an hour ago is the day before, which the service rightly refuses).
    meeting = max(
        priya.open().now() - timedelta(hours=1), datetime.combine(received, time.min, LONDON)
    )
    sup_screen.meeting_at.setDateTime(
        sup_screen.meeting_at.dateTime().fromSecsSinceEpoch(int(meeting.timestamp()))
    )
    qtbot.keyClicks(sup_screen.attendees, "Council ASB team, Police, Kirklees Homes")
    qtbot.keyClicks(sup_screen.recommendations, "Noise monitoring equipment installed")
    with qtbot.waitSignal(sup_screen.changed, timeout=WAIT):
        sup_screen.meeting_button.click()
    qtbot.keyClicks(sup_screen.outcome, "The review recommends noise monitoring and mediation.")
    with qtbot.waitSignal(sup_screen.changed, timeout=WAIT):
        sup_screen.outcome_button.click()
    assert "Outcome sent" in sup_screen.result_label.text()
    _synced(priya)
    _synced(amy)
    assert WHAT not in [what for what, _ in _clocks(qtbot, today)]
