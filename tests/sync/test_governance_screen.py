"""The Governance screen on a real server: a governance user erases a due record from the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from pytestqt.qtbot import QtBot
from tests.factories import person
from tests.sync.conftest import Laptop, Server
from tests.sync.test_erasure_everywhere import KEPT, PLANTED, decrypted_file, sync_ok
from tests.sync.test_governance_from_the_laptop import LATER

from fieldkit.services.governance import GovernanceService
from fieldkit.services.records import RecordService
from fieldkit.ui.governance_view import GovernanceView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 30_000


def _screen(qtbot: QtBot, laptop: Laptop) -> GovernanceView:
    service = GovernanceService(laptop.open())
    screen = GovernanceView(service, Workers(), today=date.today())
    qtbot.addWidget(screen)
    screen.show()
    return screen


def test_a_governance_user_erases_a_due_record_on_the_screen_and_a_second_laptop_loses_it(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy", role="officer")
    sqlite_server.admin.add_user("gina", role="governance", districts=())
    amy = laptops("amy", "amy", sqlite_server.url)
    gina = laptops("gina", "gina", sqlite_server.url)
    records = RecordService(amy.open())
    records.create(record_type="person", fields=person(family_name=KEPT))
    doomed = records.create(
        record_type="person", fields=person(description=f"{PLANTED} tattoo, left hand")
    )
    sync_ok(amy)
    sync_ok(gina)  # signs in: the vault keeps the device token the screen uses
    screen = _screen(qtbot, gina)
    assert GovernanceService(gina.open()).is_governance()

    screen.as_of.setText(LATER.isoformat())
    with qtbot.waitSignal(screen.loaded, timeout=WAIT):
        screen.refresh_button.click()
    ids = [row.id for row in screen.due_model.rows]
    assert doomed.id in ids, screen.message.text()
    screen.due_table.setCurrentIndex(screen.due_model.index(ids.index(doomed.id), 0))
    screen.decision.setCurrentIndex(screen.decision.findData("erase"))
    screen.reason.setText("retention period up")
    with qtbot.waitSignal(screen.decided, timeout=WAIT) as decided:
        screen.decide_button.click()
    assert decided.args == [doomed.id]
    qtbot.waitSignal(screen.loaded, timeout=WAIT).wait()
    assert doomed.id not in [row.id for row in screen.due_model.rows]

    sync_ok(amy)
    assert doomed.id not in amy.records()
    amy.close()
    content = decrypted_file(amy.folder)
    assert KEPT.encode() in content, "the decryption must read the records that stay"
    assert PLANTED.encode() not in content


def test_the_screen_says_it_needs_the_server_when_the_laptop_never_signed_in(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    gina = laptops("gina", "gina", sqlite_server.url)
    screen = _screen(qtbot, gina)
    with qtbot.waitSignal(screen.loaded, timeout=WAIT):
        screen.refresh_button.click()
    assert "needs the sync server" in screen.message.text()
    assert screen.due_model.rowCount() == 0


def test_a_keep_without_a_reason_is_not_sent(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    gina = laptops("gina", "gina", sqlite_server.url)
    screen = _screen(qtbot, gina)
    screen.decision.setCurrentIndex(screen.decision.findData("keep"))
    screen.decide_button.click()
    assert screen.message.text() == "Choose a record in the due list first."


def test_every_control_on_the_screen_has_a_name(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    from tests.ui.screen_walk import unnamed_controls

    gina = laptops("gina", "gina", sqlite_server.url)
    screen = _screen(qtbot, gina)
    assert unnamed_controls(screen) == []
