# mypy: disable-error-code="no-untyped-call"
"""The document list through the real window: filtered, opened, reprinted; and from a case."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.factories import person
from tests.ui.test_officer_day import first_run

from fieldkit.services.warnings import WarningRequest
from fieldkit.store import audit
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.ui.shell import TENANCY, MainWindow

pytestmark = pytest.mark.gui
WAIT = 10_000


def test_a_document_is_found_opened_and_reprinted_from_the_document_list(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws = window.workspace
    assert ws is not None
    for given in ("Jan", "Ola"):
        someone = ws.records.create(record_type="person", fields=person(given_name=given))
        ws.warnings.issue(
            WarningRequest(
                person_id=someone.id,
                scheme_id="street_drinking_vagrancy",
                behaviour="Drinking from an open can",
                conditions=("drink alcohol in the town centre",),
                district="huddersfield",
                place_label="Market Place, Huddersfield",
                occurred_at=datetime(2026, 11, 26, 21, 30, tzinfo=UTC),
            )
        )
    qtbot.keyClick(
        window,
        Qt.Key.Key_D,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    view = window.documents_view
    assert view is not None
    qtbot.waitUntil(lambda: view.rows.rowCount() == 2, timeout=WAIT)
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        qtbot.keyClicks(view.search, "ola")
    assert [r.subject for r in view.rows.rows] == ["Ola O'Brien"]
    chosen = view.rows.rows[0].id
    view.table.setFocus()
    view.table.setCurrentIndex(view.rows.index(0, 0))
    with qtbot.waitSignal(view.opened, timeout=WAIT):
        qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert view.reprint_button.isEnabled()
    with qtbot.waitSignal(view.reprinted, timeout=WAIT):
        view.reprint_selected("Ola, a copy at the hub")
    vault = ws.records._vault  # type: ignore[attr-defined]
    with vault.read() as conn:
        printed = (
            connection(conn)
            .execute(
                AuditEntry.__table__.select().where(
                    AuditEntry.action == audit.AuditAction.PRINT.value,
                    AuditEntry.record_id == chosen,
                )
            )
            .all()
        )
    assert [p.recipient for p in printed] == ["Ola, a copy at the hub"]
    with qtbot.waitSignal(window.locked, timeout=WAIT):
        window.lock()
    assert window.documents_view is None


def test_the_case_screen_lists_its_own_documents_to_reprint(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    case_id = ws.tenancy.open_case(address="12 Oakes Court", district="huddersfield")
    bundle = ws.tenancy.evidence_bundle(case_id=case_id)
    other = ws.tenancy.open_case(address="3 Mill Lane", district="huddersfield")
    ws.tenancy.evidence_bundle(case_id=other)
    window.go(TENANCY)
    with qtbot.waitSignal(screens.tenancy.case_shown, timeout=WAIT):
        screens.tenancy.open(case_id)
    screens.tenancy.documents_button.click()
    view = window.documents_view
    assert view is not None
    qtbot.waitUntil(lambda: view.rows.rowCount() >= 1, timeout=WAIT)
    assert [r.id for r in view.rows.rows] == [bundle.id]
    assert view.rows.rows[0].title == "Evidence bundle"


def test_the_printed_column_is_wide_enough_for_its_dates(qtbot: QtBot, window: MainWindow) -> None:
    first_run(qtbot, window)
    ws = window.workspace
    assert ws is not None
    someone = ws.records.create(record_type="person", fields=person(given_name="Jan"))
    ws.warnings.issue(
        WarningRequest(
            person_id=someone.id,
            scheme_id="street_drinking_vagrancy",
            behaviour="Drinking from an open can",
            conditions=("drink alcohol in the town centre",),
            district="huddersfield",
            place_label="Market Place, Huddersfield",
            occurred_at=datetime(2026, 11, 26, 21, 30, tzinfo=UTC),
        )
    )
    view = window.show_documents()
    assert view is not None
    qtbot.waitUntil(lambda: view.rows.rowCount() == 1, timeout=WAIT)
    shown = view.rows.rows[0].printed_at
    needed = view.table.fontMetrics().horizontalAdvance(shown)
    assert view.table.columnWidth(0) > needed
