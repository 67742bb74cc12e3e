# mypy: disable-error-code="no-untyped-call"
"""Review and conflicts end to end: two laptops, a real server process, the real Qt screens.

An officer's work syncs to the server; the supervisor's laptop pulls it, and the supervisor
returns it from the Review screen; the decision syncs back and shows on the officer's Today.
The officer and the supervisor change one field unseen; the supervisor settles the conflict
from the Conflicts screen; the server marks it resolved and the officer receives the value.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot
from tests.factories import person, visit
from tests.sync.conftest import Laptop, Server

from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.services.sync_port import OfflineSyncController
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.ui.conflicts_view import ConflictsView
from fieldkit.ui.review_view import ReviewView
from fieldkit.ui.today_view import TodayView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 15_000


def _workspace(laptop: Laptop) -> Workspace:
    # The screens under test do not sync by themselves here; the test syncs each laptop.
    return open_workspace(laptop.open(), sync=lambda vault, _settings: OfflineSyncController(vault))


def _synced(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert not report.refused


@pytest.fixture
def team(server: Server, laptops: Callable[..., Laptop]) -> tuple[Laptop, Laptop]:
    server.admin.add_user("amy", role="officer")
    server.admin.add_user("priya", role="supervisor")
    return laptops("amy", "amy", server.url), laptops("priya", "priya", server.url)


def test_work_returned_on_the_review_screen_reaches_the_officers_today(
    qtbot: QtBot, team: tuple[Laptop, Laptop]
) -> None:
    amy, priya = team
    officer = _workspace(amy)
    visit_id = officer.records.create(
        record_type="visit", fields=visit(officer_id="amy", narrative="Moved on from the market.")
    ).id
    _synced(amy)
    _synced(priya)

    screen = ReviewView(_workspace(priya).review, Workers())
    qtbot.addWidget(screen)
    screen.show()
    with qtbot.waitSignal(screen.loaded, timeout=WAIT):
        screen.refresh()
    # The review list names colleagues by the name the directory gives them.
    assert [(i.id, i.officer) for i in screen.model.rows] == [(visit_id, "Amy")]
    with qtbot.waitSignal(screen.opened, timeout=WAIT):
        screen.table.selectRow(0)
    screen.comment.setPlainText("Which stall? Add it and send it back.")
    with qtbot.waitSignal(screen.decided, timeout=WAIT):
        screen.return_button.click()
    assert screen.model.rows == []
    _synced(priya)
    _synced(amy)

    officer = _workspace(amy)
    today = TodayView(officer.today, officer.visits, officer.sync, Workers(), review=officer.review)
    qtbot.addWidget(today)
    today.show()
    with qtbot.waitSignal(today.loaded, timeout=WAIT):
        today.refresh()
    assert today.feedback_box.isVisible()
    shown = [today.feedback.index(0, c).data() for c in range(today.feedback.columnCount())]
    assert "Which stall? Add it and send it back." in shown
    [feedback] = officer.review.feedback()
    assert (feedback.subject_id, feedback.returned, feedback.by) == (visit_id, True, "Priya")


def test_a_conflict_settled_on_the_conflicts_screen_is_resolved_and_reaches_the_officer(
    qtbot: QtBot, server: Server, team: tuple[Laptop, Laptop]
) -> None:
    amy, priya = team
    person_id = (
        _workspace(amy).records.create(record_type="person", fields=person(description="Tall")).id
    )
    _synced(amy)
    _synced(priya)
    # Each changes the description without having seen the other's change.
    _workspace(amy).records.update(
        record_type="person", record_id=person_id, changes={"description": "Grey parka"}
    )
    _workspace(priya).records.update(
        record_type="person", record_id=person_id, changes={"description": "Red scarf"}
    )
    _synced(amy)
    _synced(priya)  # the server keeps the later value and lists the conflict; priya fetches it

    screen = ConflictsView(_workspace(priya).conflicts, Workers())
    qtbot.addWidget(screen)
    screen.show()
    with qtbot.waitSignal(screen.loaded, timeout=WAIT):
        screen.refresh()
    assert len(screen.model.rows) == 1
    with qtbot.waitSignal(screen.opened, timeout=WAIT):
        screen.table.selectRow(0)
    shown = screen.model.rows[0]
    assert {shown.kept.by, shown.other.by} == {"amy", "priya"}
    # Settle on the officer's value, whichever side the server kept it on.
    button = screen.keep_button if shown.kept.text == "Grey parka" else screen.use_button
    with qtbot.waitSignal(screen.resolved, timeout=WAIT):
        button.click()

    _synced(priya)
    [conflict] = server.conflicts("priya")
    assert conflict["resolved_at"] is not None
    _synced(amy)
    assert amy.records()[person_id][1]["description"] == "Grey parka"
    assert priya.records()[person_id][1]["description"] == "Grey parka"
