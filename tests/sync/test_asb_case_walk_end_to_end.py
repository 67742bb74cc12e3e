# mypy: disable-error-code="no-untyped-call"
"""An ASB case, end to end: the case screen on real vaults and a real server process.

An officer opens a case from a visit, adds the victim, records a high-risk assessment and
gives an action to another officer. After the laptops sync, the action is on the other
officer's Today, and the case is on the supervisor's as a high-risk case.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot
from tests.sync.conftest import Laptop, Server

from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.services.sync_port import OfflineSyncController
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.ui.asb_view import AsbCasesPresenter, AsbView, ListChoice
from fieldkit.ui.today_view import TodayView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 15_000

HIGH_ANSWERS = {
    "repeat": "yes",
    "targeted": "yes",
    "disability": "yes",
    "isolated": "yes",
    "health": "yes",
    "daily_life": "yes",
    "fear_home": "yes",
    "moving": "yes",
    "frequency": "daily",
}


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


def _today(qtbot: QtBot, ws: Workspace) -> TodayView:
    today = TodayView(ws.today, ws.visits, ws.sync, Workers(), review=ws.review)
    qtbot.addWidget(today)
    with qtbot.waitSignal(today.loaded, timeout=WAIT):
        today.refresh()
    return today


def test_an_officer_opens_a_case_from_a_visit_and_the_action_and_risk_reach_the_team(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy", role="officer")
    sqlite_server.admin.add_user("ben", role="officer")
    sqlite_server.admin.add_user("priya", role="supervisor")
    amy = laptops("amy", "amy", sqlite_server.url)
    ben = laptops("ben", "ben", sqlite_server.url)
    priya = laptops("priya", "priya", sqlite_server.url)
    for laptop in (amy, ben, priya):
        _synced(laptop)
    ws = _workspace(amy)

    # The visit the case starts from, and the victim met there.
    visit = ws.records.create(
        record_type="visit",
        fields={
            "occurred_at": "2026-11-26T21:00:00+00:00",
            "district": "huddersfield",
            "kind": "patrol",
            "categories": ["noise", "asb_neighbour"],
            "narrative": "Loud music from flat 3 until 2am, third night running.",
            "officer_id": "amy",
        },
    ).id
    victim = ws.records.create(
        record_type="person",
        fields={"given_name": "Dawn", "family_name": "Pickles", "district": "huddersfield"},
    ).id

    screen = AsbView(AsbCasesPresenter(ws.asb, username="amy"), Workers())
    qtbot.addWidget(screen)
    screen.show()

    # Open a case from the visit.
    screen.start_from_visit(visit, district="huddersfield")
    qtbot.keyClicks(screen.new_title, "Noise from flat 3, Hill Street")
    _choose(screen.new_category, "nuisance")
    with qtbot.waitSignal(screen.case_changed, timeout=WAIT):
        screen.open_button.click()
    qtbot.waitUntil(lambda: screen.current is not None, timeout=WAIT)
    assert screen.current is not None
    case_id = screen.current.id
    assert [e.kind for e in screen.current.timeline] == ["Visit"]

    # Add the victim.
    qtbot.keyClicks(screen.party_person, victim)
    _choose(screen.party_role, "victim")
    qtbot.keyClicks(screen.party_contacts, "Victim Support: J. Shaw")
    with qtbot.waitSignal(screen.case_changed, timeout=WAIT):
        screen.party_button.click()
    qtbot.waitUntil(lambda: screen.risk_person.count() == 1, timeout=WAIT)

    # A high-risk assessment.
    for question, answer in HIGH_ANSWERS.items():
        _choose(screen.risk_answers[question], answer)
    with qtbot.waitSignal(screen.case_changed, timeout=WAIT):
        screen.risk_button.click()
    qtbot.waitUntil(
        lambda: screen.current is not None and screen.current.risk_band == "High risk",
        timeout=WAIT,
    )
    assert "High risk" in screen.message.text()
    assert screen.current.parties[0].band == "High risk"

    # An action for Ben.
    qtbot.keyClicks(screen.action_what, "Visit Dawn and fit a door camera")
    qtbot.keyClicks(screen.action_who, "ben")
    screen.action_has_due.setChecked(True)
    with qtbot.waitSignal(screen.case_changed, timeout=WAIT):
        screen.action_button.click()
    qtbot.waitUntil(
        lambda: screen.current is not None and len(screen.current.actions) == 1, timeout=WAIT
    )

    # The list's high-risk filter finds it; Enter on the list opens it.
    _choose(screen.quick, "high_risk")
    qtbot.waitUntil(lambda: screen.case_model.rowCount() == 1, timeout=WAIT)
    assert screen.choice() == ListChoice("high_risk", "", "", "")

    # Everyone syncs.
    _synced(amy)
    _synced(ben)
    _synced(priya)

    ben_today = _today(qtbot, _workspace(ben))
    assert [a.what for a in ben_today.my_actions.rows] == ["Visit Dawn and fit a door camera"]
    assert ben_today.my_actions.rows[0].case_title == "Noise from flat 3, Hill Street"
    assert ben_today.high_risk.rows == []

    priya_today = _today(qtbot, _workspace(priya))
    assert [c.id for c in priya_today.high_risk.rows] == [case_id]

    amy_today = _today(qtbot, _workspace(amy))
    assert [c.id for c in amy_today.high_risk.rows] == [case_id]

    # Ben records the outcome; it reaches Amy's case.
    ben_ws = _workspace(ben)
    [action] = ben_ws.asb.my_actions()
    ben_ws.asb.finish_action(action_id=action.id, outcome="Camera fitted on 28 November.")
    _synced(ben)
    _synced(amy)
    [done] = _workspace(amy).asb.case(case_id).actions
    assert (done.status, done.outcome) == ("Done", "Camera fitted on 28 November.")
