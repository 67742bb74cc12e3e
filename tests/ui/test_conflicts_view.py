# mypy: disable-error-code="no-untyped-call"
"""The Conflicts screen on a real vault (offscreen), with conflicts as a sync leaves them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from tests.factories import person

from fieldkit.domain.hlc import Hlc
from fieldkit.domain.records import RecordType
from fieldkit.services.conflicts import ConflictService
from fieldkit.services.records import RecordService
from fieldkit.store import attestation, replica
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault
from fieldkit.ui.conflicts_view import RESOLVED, ConflictsView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 10_000


def conflict(
    conflict_id: int, record_id: str, field: str, kept: object, other: object
) -> replica.CachedConflict:
    return {
        "id": conflict_id,
        "type": "person",
        "record_id": record_id,
        "field": field,
        "kept_value": kept,
        "kept_hlc": str(Hlc(1_795_000_000_000, 0, "laptop-a")),
        "kept_by": "amy",
        "other_value": other,
        "other_hlc": str(Hlc(1_794_999_000_000, 0, "laptop-b")),
        "other_by": "ben",
        "detected_at": "2026-11-27T08:30:00+00:00",
        "district": "huddersfield",
    }


@pytest.fixture
def zoe(supervisor: Vault) -> str:
    """A person whose description and date of birth were changed on two laptops at once."""
    created = RecordService(supervisor).create(
        record_type="person", fields=person(description="Tall, red coat.")
    )
    with supervisor.write() as conn:
        replica.cache_conflicts(
            conn,
            [
                conflict(7, created.id, "description", "Tall, red coat.", "Tall, green scarf."),
                conflict(8, created.id, "date_of_birth", "1988-04-12", "1988-04-21"),
            ],
            at="2026-11-27T09:00:00+00:00",
        )
    return created.id


@pytest.fixture
def make_screen(qtbot: QtBot, supervisor: Vault) -> Callable[[], ConflictsView]:
    def make() -> ConflictsView:
        view = ConflictsView(ConflictService(supervisor, RecordService(supervisor)), Workers())
        qtbot.addWidget(view)
        view.resize(1300, 700)
        view.show()
        with qtbot.waitSignal(view.loaded, timeout=WAIT):
            view.refresh()
        return view

    return make


def held(vault: Vault, person_id: str) -> dict[str, object]:
    with vault.read() as conn:
        return dict(vault.records(conn).require(RecordType.PERSON, person_id).fields)


def views_logged(vault: Vault) -> list[tuple[str | None, str | None]]:
    with vault.read() as conn:
        rows = connection(conn).execute(
            select(AuditEntry.record_id, AuditEntry.reason).where(AuditEntry.action == "view")
        )
        return [(r.record_id, r.reason) for r in rows]


def open_row(qtbot: QtBot, view: ConflictsView, row: int) -> None:
    with qtbot.waitSignal(view.opened, timeout=WAIT):
        view.table.selectRow(row)


def test_with_no_conflicts_the_screen_says_there_are_none(
    make_screen: Callable[[], ConflictsView],
) -> None:
    view = make_screen()
    assert view.empty.isVisible()
    assert not view.splitter.isVisible()
    assert view.fetched.text() == "No conflicts have been fetched yet; sync to fetch them."


def test_the_list_says_when_it_was_fetched_and_opening_one_shows_both_sides_logged(
    qtbot: QtBot, supervisor: Vault, zoe: str, make_screen: Callable[[], ConflictsView]
) -> None:
    view = make_screen()
    assert not view.empty.isVisible()
    assert view.fetched.text() == (
        "Conflicts as of 09:00 on Friday 27 November 2026; sync to refresh."
    )
    assert [view.model.index(r, 1).data() for r in range(2)] == ["Description", "Date of birth"]
    assert views_logged(supervisor) == []

    open_row(qtbot, view, 0)

    assert views_logged(supervisor) == [(zoe, "conflict review")]
    assert view.kept_text.toPlainText() == "Tall, red coat."
    assert view.other_text.toPlainText() == "Tall, green scarf."
    assert view.kept_by.text().startswith("By amy, ")
    assert view.other_by.text().startswith("By ben, ")
    assert view.merge_box.isVisible()
    assert view.merge_edit.toPlainText() == "Tall, red coat.\n\nTall, green scarf."


def test_use_this_takes_the_other_value_marks_it_waiting_and_moves_on(
    qtbot: QtBot, supervisor: Vault, zoe: str, make_screen: Callable[[], ConflictsView]
) -> None:
    view = make_screen()
    open_row(qtbot, view, 1)
    assert not view.merge_box.isVisible()  # a date is not free text

    with qtbot.waitSignals([view.resolved, view.opened], timeout=WAIT):
        qtbot.mouseClick(view.use_button, Qt.MouseButton.LeftButton)

    assert held(supervisor, zoe)["date_of_birth"] == "1988-04-21"
    assert view.model.index(1, 3).data() == RESOLVED
    assert view.model.index(0, 3).data() == "Open"
    assert view.item is not None
    assert view.item.id == 7  # the next open conflict
    with supervisor.read() as conn:
        assert replica.pending_conflict_resolutions(conn) == [8]
        assert [c.id for c in replica.pending_changes(conn, limit=10)][-1] == zoe


def test_a_merged_text_is_saved_and_a_settled_conflict_cannot_be_settled_again(
    qtbot: QtBot, supervisor: Vault, zoe: str, make_screen: Callable[[], ConflictsView]
) -> None:
    view = make_screen()
    open_row(qtbot, view, 0)
    view.merge_edit.setPlainText("")
    qtbot.mouseClick(view.save_merged_button, Qt.MouseButton.LeftButton)
    assert view.message.text() == "Write the merged text first."

    view.merge_edit.setPlainText("Tall; red coat, green scarf.")
    with qtbot.waitSignals([view.resolved, view.opened], timeout=WAIT):
        qtbot.mouseClick(view.save_merged_button, Qt.MouseButton.LeftButton)

    assert held(supervisor, zoe)["description"] == "Tall; red coat, green scarf."
    assert view.item is not None
    assert view.item.id == 8
    open_row(qtbot, view, 0)
    assert view.message.text() == f"{RESOLVED}."
    assert not view.keep_button.isEnabled()
    assert not view.use_button.isEnabled()


def test_laptops_caught_rolled_back_or_missing_audit_entries_are_listed_above_the_conflicts(
    supervisor: Vault, make_screen: Callable[[], ConflictsView]
) -> None:
    with supervisor.write() as conn:
        attestation.cache_device_alerts(
            conn,
            [
                {
                    "id": 2,
                    "kind": "audit_gap",
                    "username": "ben",
                    "device_name": None,
                    "detected_at": "2026-12-06T02:45:00+00:00",
                    "acknowledged": {"audit_count": 4, "audit_hash": "a" * 64},
                    "shown": {"audit_count": 7, "audit_hash": "b" * 64},
                },
                {
                    "id": 1,
                    "kind": "rollback",
                    "username": "amy",
                    "device_name": "amy-laptop",
                    "detected_at": "2026-12-06T02:40:00+00:00",
                    "acknowledged": {"audit_count": 9, "change_seq": 5},
                    "shown": {"audit_count": 9, "change_seq": 5},
                },
            ],
            at="2026-12-06T03:00:00+00:00",
        )
    view = make_screen()
    assert view.device_alerts.isVisible()
    assert view.empty.isVisible()  # no conflicts, and still the laptops are named
    lines = view.device_alerts.text().splitlines()
    assert lines[0] == "Laptops to ask about:"
    assert lines[1].startswith("• ben's laptop never sent audit log entries 5 to 6 (found ")
    assert lines[2].startswith(
        "• amy's laptop amy-laptop was put back to an older copy of its vault (found "
    )


def test_with_no_device_alerts_no_line_is_shown(make_screen: Callable[[], ConflictsView]) -> None:
    view = make_screen()
    assert not view.device_alerts.isVisible()
    assert view.device_alerts.text() == ""
