"""Data subjects' requests in the app: a governance Today by deadline, and the screen's forms."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from tests.factories import person
from tests.sync.conftest import Laptop, Server
from tests.sync.test_erasure_everywhere import sync_ok
from tests.sync.test_governance_from_the_laptop import _service

from fieldkit.services.governance import GovernanceService
from fieldkit.services.records import RecordService
from fieldkit.services.sync_port import OfflineSyncController
from fieldkit.services.workspace import open_workspace
from fieldkit.ui.governance_view import GovernanceView
from fieldkit.ui.today_view import TodayView
from fieldkit.ui.workers import Workers
from fieldkit_server.cli import main

pytestmark = pytest.mark.gui
WAIT = 30_000
#: What a data subject disputes: it must never reach a log.
DISPUTED = "Disputes the Quernwhistle address"


def _today_view(qtbot: QtBot, laptop: Laptop) -> TodayView:
    ws = open_workspace(laptop.open(), sync=lambda vault, _s: OfflineSyncController(vault))
    view = TodayView(
        ws.today, ws.visits, ws.sync, Workers(), review=ws.review, governance=ws.governance
    )
    qtbot.addWidget(view)
    view.resize(1300, 900)
    view.show()
    return view


def _screen(qtbot: QtBot, laptop: Laptop) -> GovernanceView:
    screen = GovernanceView(GovernanceService(laptop.open()), Workers(), today=date.today())
    qtbot.addWidget(screen)
    screen.show()
    return screen


def _people(server: Server, laptops: Callable[..., Laptop]) -> tuple[Laptop, Laptop, str]:
    server.admin.add_user("amy", role="officer")
    server.admin.add_user("gina", role="governance", districts=())
    amy = laptops("amy", "amy", server.url)
    gina = laptops("gina", "gina", server.url)
    subject = RecordService(amy.open()).create(
        record_type="person", fields=person(family_name="Holroyd")
    )
    sync_ok(amy)
    sync_ok(gina)
    return amy, gina, subject.id


def test_a_governance_users_today_lists_requests_overdue_first_with_extended_deadlines(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    amy, gina, subject = _people(sqlite_server, laptops)
    governance = _service(gina)
    today = date.today()
    fresh = governance.add_request(kind="subject_access", person_id=subject, received=today)
    late = governance.add_request(
        kind="subject_access", person_id=subject, received=today - timedelta(days=45)
    )
    extended = governance.add_request(
        kind="rectification",
        person_id=subject,
        received=today - timedelta(days=40),
        detail=DISPUTED,
    )
    governance.extend_request(request_id=extended.id, reason="records held by three agencies")
    answered = governance.add_request(kind="subject_access", person_id=subject, received=today)
    governance.answer_request(request_id=answered.id, decision="sent the export")
    view = _today_view(qtbot, gina)

    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        view.refresh()

    assert view.requests_box.isVisible()
    rows = view.requests.rows
    # Overdue first; then by deadline: a month from today, then the extended three months.
    assert [r.id for r in rows] == [late.id, fresh.id, extended.id]
    assert [r.state for r in rows] == ["Overdue", "Open", "Open"]
    assert rows[2].deadline.endswith("(extended)")
    assert "(extended)" not in rows[1].deadline
    assert view.requests_table.model().index(0, 0).data() == "Overdue"

    officer = _today_view(qtbot, amy)
    with qtbot.waitSignal(officer.loaded, timeout=WAIT):
        officer.refresh()
    assert not officer.requests_box.isVisible()


def test_a_governance_today_offline_says_it_needs_the_server(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    _amy, gina, _subject = _people(sqlite_server, laptops)
    sqlite_server.process.stop()
    view = _today_view(qtbot, gina)

    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        view.refresh()

    assert view.requests_box.isVisible()
    assert "needs the sync server" in view.requests_note.text()
    assert view.requests.rows == []


def _wait_changed(qtbot: QtBot, screen: GovernanceView, button: object) -> None:
    with (
        qtbot.waitSignal(screen.loaded, timeout=WAIT),
        qtbot.waitSignal(screen.request_changed, timeout=WAIT),
    ):
        button.click()  # type: ignore[attr-defined]
    assert screen.message.property("tone") != "problem", screen.message.text()


def test_a_restriction_is_added_extended_answered_and_lifted_from_the_screen(
    qtbot: QtBot,
    sqlite_server: Server,
    laptops: Callable[..., Laptop],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _amy, gina, subject = _people(sqlite_server, laptops)
    # Bob received the person at a pull: a restriction takes it off his laptop until lifted.
    sqlite_server.admin.add_user("bob", role="officer")
    bob = laptops("bob", "bob", sqlite_server.url)
    sync_ok(bob)
    assert subject in bob.records()
    screen = _screen(qtbot, gina)
    screen.request_kind.setCurrentIndex(screen.request_kind.findData("restriction"))
    screen.request_person.setText(subject)
    screen.request_detail.setPlainText(DISPUTED)

    _wait_changed(qtbot, screen, screen.add_request_button)

    assert [r.kind_value for r in screen.request_model.rows] == ["restriction"]
    assert screen.request_person.text() == ""
    screen.request_table.setCurrentIndex(screen.request_model.index(0, 0))
    screen.extend_reason.setText("the address is held by two agencies")
    _wait_changed(qtbot, screen, screen.extend_button)
    assert screen.request_model.rows[0].deadline.endswith("(extended)")

    screen.request_table.setCurrentIndex(screen.request_model.index(0, 0))
    screen.answer_text.setPlainText("Restricted while the address is checked.")
    screen.restrict.setChecked(True)
    _wait_changed(qtbot, screen, screen.answer_button)
    row = screen.request_model.rows[0]
    assert (row.state_value, row.restricting) == ("answered", True)
    sync_ok(bob)
    assert subject not in bob.records()

    screen.request_table.setCurrentIndex(screen.request_model.index(0, 0))
    _wait_changed(qtbot, screen, screen.lift_button)
    assert screen.request_model.rows == []
    sync_ok(bob)
    assert subject in bob.records()

    capsys.readouterr()
    db = ["--db", sqlite_server.admin.db_url]
    assert main(["audit", "export", *db], stdin=io.StringIO("")) == 0
    log = capsys.readouterr().out
    for action in ("request_add", "request_extend", "request_answer", "lift_restriction"):
        assert f'"{action}"' in log, action
    assert "Quernwhistle" not in log


@pytest.mark.parametrize(
    ("kind", "person_id", "received", "detail", "words"),
    [
        ("rectification", "SUBJECT", "", "", "Give who asked and what they dispute."),
        ("subject_access", "not-an-id", "", "", "Give the person's record id"),
        ("subject_access", "SUBJECT", "2026-13-01", "", "as YYYY-MM-DD"),
        ("subject_access", "SUBJECT", "2999-01-01", "", "cannot be in the future"),
    ],
)
def test_a_request_form_with_a_mistake_says_what_to_fix_and_sends_nothing(
    qtbot: QtBot,
    sqlite_server: Server,
    laptops: Callable[..., Laptop],
    kind: str,
    person_id: str,
    received: str,
    detail: str,
    words: str,
) -> None:
    _amy, gina, subject = _people(sqlite_server, laptops)
    screen = _screen(qtbot, gina)
    screen.request_kind.setCurrentIndex(screen.request_kind.findData(kind))
    screen.request_person.setText(subject if person_id == "SUBJECT" else person_id)
    screen.request_received.setText(received)
    screen.request_detail.setPlainText(detail)

    screen.add_request_button.click()

    assert words in screen.message.text()
    assert screen.message.property("tone") == "problem"
    assert _service(gina).requests(open_only=False) == []


def test_extending_or_answering_needs_a_request_and_words_and_lifting_a_restriction(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    _amy, gina, subject = _people(sqlite_server, laptops)
    screen = _screen(qtbot, gina)
    screen.extend_button.click()
    assert screen.message.text() == "Choose a request in the list first."
    _service(gina).add_request(kind="subject_access", person_id=subject, received=date.today())
    with qtbot.waitSignal(screen.loaded, timeout=WAIT):
        screen.refresh_button.click()
    screen.request_table.setCurrentIndex(screen.request_model.index(0, 0))

    screen.extend_button.click()
    assert screen.message.text() == "Give the reason for extending."
    screen.answer_button.click()
    assert screen.message.text() == "Give the decision."
    screen.answer_text.setPlainText("Sent.")
    screen.restrict.setChecked(True)
    screen.answer_button.click()
    assert screen.message.text() == "Only a restriction request restricts processing."
    screen.lift_button.click()
    assert screen.message.text() == "This request restricts nothing now."
    assert [r.state for r in _service(gina).requests()] == ["open"]


def test_every_request_form_field_is_reached_by_its_labels_mnemonic(
    qtbot: QtBot, sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    gina = laptops("gina", "gina", sqlite_server.url)
    screen = _screen(qtbot, gina)
    buddies = {
        label.text(): label.buddy()
        for label in screen.findChildren(QLabel)
        if "&" in label.text() and label.buddy() is not None
    }
    assert buddies["Request t&ype"] is screen.request_kind
    assert buddies["Person's record &id"] is screen.request_person
    assert buddies["Received o&n"] is screen.request_received
    assert buddies["What is as&ked or disputed"] is screen.request_detail
    assert buddies["&Extension reason"] is screen.extend_reason
    assert buddies["&The decision"] is screen.answer_text
