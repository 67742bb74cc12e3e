# mypy: disable-error-code="no-untyped-call"
"""Returned work amended from Today: two laptops, a real server process, the real Qt screens.

The supervisor returns a visit; the officer syncs, opens it from Today straight into the record
editor, amends it with a reason and syncs; the supervisor sees it back in the queue with the
earlier decision, and approves it; the approval reaches the officer's Today.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot
from tests.factories import visit
from tests.sync.conftest import Laptop, Server

from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.services.sync_port import OfflineSyncController
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.ui.record_editor import RecordEditor
from fieldkit.ui.review_view import ReviewView
from fieldkit.ui.today_view import TodayView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 15_000
COMMENT = "Please add which shop it was, then send it back."


def _workspace(laptop: Laptop) -> Workspace:
    return open_workspace(laptop.open(), sync=lambda vault, _settings: OfflineSyncController(vault))


def _synced(laptop: Laptop) -> None:
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert not report.refused


def _review_screen(qtbot: QtBot, laptop: Laptop) -> ReviewView:
    screen = ReviewView(_workspace(laptop).review, Workers())
    qtbot.addWidget(screen)
    screen.show()
    with qtbot.waitSignal(screen.loaded, timeout=WAIT):
        screen.refresh()
    return screen


def _today(qtbot: QtBot, officer: Workspace) -> TodayView:
    today = TodayView(officer.today, officer.visits, officer.sync, Workers(), review=officer.review)
    qtbot.addWidget(today)
    today.show()
    with qtbot.waitSignal(today.loaded, timeout=WAIT):
        today.refresh()
    return today


def test_returned_visit_is_amended_from_today_and_goes_back_to_the_queue_to_be_approved(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy", role="officer")
    sqlite_server.admin.add_user("priya", role="supervisor")
    amy = laptops("amy", "amy", sqlite_server.url)
    priya = laptops("priya", "priya", sqlite_server.url)
    visit_id = (
        _workspace(amy)
        .records.create(
            record_type="visit",
            fields=visit(officer_id="amy", narrative="Shoplifting reported on the high street."),
        )
        .id
    )
    _synced(amy)
    _synced(priya)

    # The supervisor returns it.
    screen = _review_screen(qtbot, priya)
    assert [i.id for i in screen.model.rows] == [visit_id]
    with qtbot.waitSignal(screen.opened, timeout=WAIT):
        screen.table.selectRow(0)
    screen.comment.setPlainText(COMMENT)
    with qtbot.waitSignal(screen.decided, timeout=WAIT):
        screen.return_button.click()
    _synced(priya)
    _synced(amy)

    # The officer opens it from Today, straight into its editor, with the comment shown.
    officer = _workspace(amy)
    today = _today(qtbot, officer)
    editor = RecordEditor(officer.corrections, Workers())
    qtbot.addWidget(editor)
    today.open_work.connect(editor.load)  # as the main window connects them
    assert today.feedback.rows[0].returned
    with qtbot.waitSignal(editor.opened, timeout=WAIT):
        today.feedback_table.activated.emit(today.feedback.index(0, 0))
    editor.show()
    assert COMMENT in editor.decision.text()
    assert editor.decision.text().startswith("Returned by priya")
    editor.set_text("narrative", "Shoplifting reported at Kirkgate News, 14 High Street.")
    editor.reason.setText("amended as the supervisor asked")
    with qtbot.waitSignal(editor.saved, timeout=WAIT):
        editor.save_button.click()
    [_first, amended] = officer.corrections.history(record_type="visit", record_id=visit_id)
    assert amended.reason == "amended as the supervisor asked"
    _synced(amy)
    # The queue compares to the second; an amendment is never made in the second of the
    # decision, and the supervisor's laptop clock moving on says so without waiting.
    priya.clock.offset = timedelta(seconds=2)
    _synced(priya)

    # Back in the supervisor's queue, with the earlier decision; approved.
    screen = _review_screen(qtbot, priya)
    [item] = screen.model.rows
    assert item.id == visit_id
    assert item.earlier.startswith("Returned by priya")
    assert COMMENT in item.earlier
    with qtbot.waitSignal(screen.opened, timeout=WAIT):
        screen.table.selectRow(0)
    with qtbot.waitSignal(screen.decided, timeout=WAIT):
        screen.approve_button.click()
    assert screen.model.rows == []
    _synced(priya)
    _synced(amy)

    assert amy.records()[visit_id][1]["narrative"].startswith("Shoplifting reported at Kirkgate")
    decisions = {(f.subject_id, f.returned, f.decision) for f in _workspace(amy).review.feedback()}
    assert (visit_id, False, "Approved") in decisions
