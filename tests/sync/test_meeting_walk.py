# mypy: disable-error-code="no-untyped-call"
"""A district problem-solving group meeting on the real screen, two laptops, a real server.

The supervisor plans the Huddersfield meeting on the Meetings screen: its agenda lists the
district's open high-risk case and its overdue action. She records who came, a decision with
an action for a police officer, marks the meeting held and makes the minutes, which name the
decision. After both laptops sync against a server process on PostgreSQL, the action is on the
police officer's Today; the meeting itself never reaches his laptop.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable
from datetime import timedelta

import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot
from tests.documents.pdf_reading import pdf_text
from tests.services.test_asb_cases import HIGH
from tests.sync.conftest import Laptop, Server

from fieldkit.domain.legal_clocks import LONDON
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.services.sync_port import OfflineSyncController
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.ui.meetings_view import MeetingsView
from fieldkit.ui.today_view import TodayView
from fieldkit.ui.workers import Workers

pytestmark = [pytest.mark.gui, pytest.mark.postgres]
WAIT = 15_000
DECISION = "Evening patrols at Greenhead Park until the lights are mended"
ACTION = "Patrol the park after dark for four weeks"


def _workspace(laptop: Laptop) -> Workspace:
    return open_workspace(laptop.open(), sync=lambda vault, _settings: OfflineSyncController(vault))


def _synced(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert not report.refused


def _agenda(screen: MeetingsView) -> list[str]:
    return [screen.agenda_list.item(i).text().strip() for i in range(screen.agenda_list.count())]


def test_a_meeting_held_on_the_supervisors_laptop_puts_its_action_on_a_police_officers_today(
    qtbot: QtBot, postgres_server: Server, laptops: Callable[..., Laptop]
) -> None:
    postgres_server.admin.add_user("priya", role="supervisor")
    postgres_server.admin.add_user("dan", role="officer", agency="police")
    priya = laptops("priya", "priya", postgres_server.url)
    dan = laptops("dan", "dan", postgres_server.url)
    _synced(priya)  # the supervisor's laptop learns its role from the server
    ws = _workspace(priya)
    assert ws.meetings is not None
    today = priya.open().now().astimezone(LONDON).date()

    # The live picture: an open high-risk case with an action three days overdue.
    victim = ws.records.create(
        record_type="person",
        fields={"given_name": "Dawn", "family_name": "Pickles", "district": "huddersfield"},
    ).id
    case_id = ws.asb.open_case(
        title="Noise from flat 3", category="nuisance", person_id=victim, role="victim"
    )
    ws.asb.assess_risk(case_id=case_id, person_id=victim, answers=HIGH)
    ws.asb.add_action(
        case_id=case_id, what="Diary sheets", assignee="priya", due_on=today - timedelta(days=3)
    )

    workers = Workers()
    screen = MeetingsView(ws.meetings, workers, district="huddersfield")
    qtbot.addWidget(screen)
    screen.held_on.setDate(QDate(today.year, today.month, today.day))
    with qtbot.waitSignal(screen.agenda_shown, timeout=WAIT):
        screen.plan_button.click()
    agenda = _agenda(screen)
    assert any("Noise from flat 3" in line for line in agenda)
    assert any("Diary sheets" in line and "3 days overdue" in line for line in agenda)

    for name, agency in (("Priya Shah", "Council"), ("PC Dan Shaw", "Police")):
        qtbot.keyClicks(screen.attendee_name, name)
        screen.attendee_agency.setCurrentText(agency)
        with qtbot.waitSignal(screen.changed, timeout=WAIT):
            screen.add_attendee_button.click()
    assert screen.attendees.count() == 2

    qtbot.keyClicks(screen.decision, DECISION)
    qtbot.keyClicks(screen.action_what, ACTION)
    qtbot.keyClicks(screen.action_assignee, "dan")
    qtbot.keyClicks(screen.action_agency, "West Yorkshire Police")
    screen.add_action_button.click()
    with qtbot.waitSignal(screen.changed, timeout=WAIT):
        screen.decide_button.click()
    with qtbot.waitSignal(screen.changed, timeout=WAIT):
        screen.held_button.click()
    assert screen.current is not None
    assert screen.current.held
    with qtbot.waitSignal(screen.minutes_made, timeout=WAIT) as made:
        screen.minutes_button.click()
    pdf = ws.documents.pdf(str(made.args[0]))
    assert pdf is not None
    minutes = pdf_text(pdf)
    for words in (DECISION, ACTION, "PC Dan Shaw (Police)", "Noise from flat 3"):
        assert words in minutes

    # After sync the action is on the police officer's Today; the meeting is not on his laptop.
    _synced(priya)
    _synced(dan)
    held = dan.records()
    assert "meeting" not in {kind for kind, _ in held.values()}
    officer = _workspace(dan)
    officer_today = TodayView(officer.today, officer.visits, officer.sync, workers)
    qtbot.addWidget(officer_today)
    with qtbot.waitSignal(officer_today.loaded, timeout=WAIT):
        officer_today.refresh()
    assert [(a.what, a.about) for a in officer_today.my_actions.rows] == [
        (ACTION, f"Problem-solving group: {DECISION}")
    ]
