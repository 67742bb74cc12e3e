# mypy: disable-error-code="no-untyped-call"
"""The Review screen on a real vault (offscreen): work arriving as if synced from the team."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from tests.conftest import SteppingClock
from tests.factories import person, visit
from tests.services.test_review import arrive, warning

from fieldkit.domain.records import RecordType
from fieldkit.domain.schemes import load_schemes
from fieldkit.services.corrections import CorrectionService
from fieldkit.services.records import RecordService
from fieldkit.services.review import ReviewService
from fieldkit.store import replica
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault
from fieldkit.ui.multi_choice import MultiChoice
from fieldkit.ui.record_editor import RecordEditor
from fieldkit.ui.review_view import ReviewView, count_line
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 10_000


@pytest.fixture
def service(supervisor: Vault) -> ReviewService:
    return ReviewService(supervisor, RecordService(supervisor), load_schemes())


@pytest.fixture
def make_screen(qtbot: QtBot, service: ReviewService) -> Callable[[], ReviewView]:
    def make() -> ReviewView:
        view = ReviewView(service, Workers())
        qtbot.addWidget(view)
        view.resize(1300, 700)
        view.show()
        with qtbot.waitSignal(view.loaded, timeout=WAIT):
            view.refresh()
        return view

    return make


def views_logged(vault: Vault) -> list[tuple[str | None, str | None]]:
    with vault.read() as conn:
        rows = connection(conn).execute(
            select(AuditEntry.record_id, AuditEntry.reason).where(AuditEntry.action == "view")
        )
        return [(r.record_id, r.reason) for r in rows]


def reviews_written(vault: Vault) -> list[dict[str, object]]:
    with vault.read() as conn:
        changes = replica.pending_changes(conn, limit=50)
        repo = vault.records(conn)
        return [
            dict(repo.require(RecordType.REVIEW, c.id).fields)
            for c in changes
            if c.type == RecordType.REVIEW.value
        ]


def open_row(qtbot: QtBot, view: ReviewView, row: int) -> None:
    with qtbot.waitSignal(view.opened, timeout=WAIT):
        view.table.selectRow(row)


def tick(choice: MultiChoice, value: str) -> None:
    """Tick or untick one value as a click in its menu would."""
    (action,) = [a for a in choice.menu.actions() if a.data() == value]
    action.trigger()


def column(view: ReviewView, n: int) -> list[str]:
    return [view.model.index(r, n).data() for r in range(view.model.rowCount())]


def test_the_count_line_says_how_much_of_the_waiting_work_is_shown() -> None:
    assert count_line(300, 1204, filtered=False) == "Showing 300 of 1,204 waiting"
    assert count_line(12, 12, filtered=False) == "12 waiting"
    assert count_line(0, 0, filtered=True) == "Nothing waiting matches these filters."


def test_choosing_an_officer_or_a_kind_of_work_narrows_the_list(
    qtbot: QtBot, supervisor: Vault, make_screen: Callable[[], ReviewView]
) -> None:
    person_id = arrive(supervisor, "person", person(), author="amy")
    arrive(supervisor, "visit", visit(), author="amy")
    arrive(supervisor, "warning", warning(person_id, "yellow"), author="amy")
    arrive(supervisor, "visit", visit(district="dewsbury_mirfield"), author="ben")
    view = make_screen()
    assert view.model.rowCount() == 3
    assert view.count.text() == "3 waiting"
    assert view.officer.choices() == [("amy", "amy"), ("ben", "ben")]
    assert view.officer.text() == "Everyone"

    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        tick(view.officer, "amy")
    assert set(column(view, 3)) == {"amy"}
    assert view.count.text() == "2 waiting"
    assert view.officer.text() == "amy"

    view.kind.setCurrentIndex(view.kind.findData("warning"))
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        view.kind.activated.emit(view.kind.currentIndex())
    assert column(view, 1) == ["Warning"]

    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        view.clear_filters()
    assert view.model.rowCount() == 3
    assert view.officer.chosen() == ()
    assert view.officer.text() == "Everyone"


def test_ticking_two_districts_lists_work_from_both_and_not_a_third(
    qtbot: QtBot, supervisor: Vault, make_screen: Callable[[], ReviewView]
) -> None:
    arrive(supervisor, "visit", visit(district="huddersfield"), author="amy")
    arrive(supervisor, "visit", visit(district="dewsbury_mirfield"), author="ben")
    arrive(supervisor, "visit", visit(district="rural"), author="cat")
    view = make_screen()
    assert view.district.text() == "All districts"

    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        tick(view.district, "huddersfield")
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        tick(view.district, "dewsbury_mirfield")

    assert view.wanted().districts == ("dewsbury_mirfield", "huddersfield")
    assert sorted(column(view, 3)) == ["amy", "ben"]
    assert view.district.text() == "2 districts"
    assert view.count.text() == "2 waiting"

    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        tick(view.district, "huddersfield")  # untick one: the other is still chosen
    assert column(view, 3) == ["ben"]
    assert view.district.text() == "Dewsbury & Mirfield"

    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        tick(view.district, "dewsbury_mirfield")  # none ticked: every district
    assert view.wanted().districts == ()
    assert sorted(column(view, 3)) == ["amy", "ben", "cat"]
    assert view.district.text() == "All districts"


def test_several_categories_and_officers_combine_and_clear_filters_clears_them(
    qtbot: QtBot, supervisor: Vault, make_screen: Callable[[], ReviewView]
) -> None:
    arrive(supervisor, "visit", visit(categories=["street_drinking"]), author="amy")
    arrive(supervisor, "visit", visit(categories=["begging"]), author="ben")
    arrive(supervisor, "visit", visit(categories=["shoplifting"]), author="ben")
    arrive(supervisor, "visit", visit(categories=["begging"]), author="cat")
    view = make_screen()

    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        view.category.set_chosen(["street_drinking", "begging"])
    assert sorted(column(view, 3)) == ["amy", "ben", "cat"]
    assert view.category.text() == "2 categories"
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        view.officer.set_chosen(["amy", "ben"])
    assert sorted(column(view, 3)) == ["amy", "ben"]
    assert view.wanted().authors == ("amy", "ben")

    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert view.model.rowCount() == 4
    assert (view.category.chosen(), view.officer.chosen()) == ((), ())
    assert (view.category.text(), view.officer.text()) == ("All categories", "Everyone")


def test_listing_is_not_a_consultation_but_opening_an_item_is_logged(
    qtbot: QtBot, supervisor: Vault, make_screen: Callable[[], ReviewView]
) -> None:
    visit_id = arrive(supervisor, "visit", visit(), author="amy")
    view = make_screen()
    assert view.detail is None
    assert views_logged(supervisor) == []

    open_row(qtbot, view, 0)

    assert views_logged(supervisor) == [(visit_id, "review")]
    assert "bus station" in view.detail_text.toPlainText()
    assert view.detail_title.text().startswith("Visit by amy")
    assert [view.history.item(n).text() for n in range(view.history.count())] == [
        "No decisions yet."
    ]


def test_approving_removes_the_item_writes_a_review_and_opens_the_next(
    qtbot: QtBot, supervisor: Vault, make_screen: Callable[[], ReviewView], clock: SteppingClock
) -> None:
    first = arrive(supervisor, "visit", visit(), author="amy")
    clock.current += timedelta(seconds=2)
    newest = arrive(supervisor, "visit", visit(), author="ben")
    view = make_screen()
    assert [i.id for i in view.model.rows] == [newest, first]
    open_row(qtbot, view, 0)
    assert view.approve_button.isEnabled()
    assert not view.countersign_button.isEnabled()

    with qtbot.waitSignals([view.decided, view.opened], timeout=WAIT):
        qtbot.mouseClick(view.approve_button, Qt.MouseButton.LeftButton)

    assert [i.id for i in view.model.rows] == [first]
    assert view.count.text() == "1 waiting"
    assert view.detail is not None
    assert view.detail.id == first
    (review,) = reviews_written(supervisor)
    assert review["subject_id"] == newest
    assert review["decision"] == "approved"
    assert review["officer"] == "ben"


def test_returning_without_a_comment_says_why_and_writes_nothing(
    qtbot: QtBot, supervisor: Vault, make_screen: Callable[[], ReviewView]
) -> None:
    visit_id = arrive(supervisor, "visit", visit(), author="amy")
    view = make_screen()
    open_row(qtbot, view, 0)

    with qtbot.waitSignal(view.refused, timeout=WAIT):
        qtbot.mouseClick(view.return_button, Qt.MouseButton.LeftButton)

    assert view.message.text() == "Say what needs changing when you return work to the officer."
    assert reviews_written(supervisor) == []
    assert [i.id for i in view.model.rows] == [visit_id]
    assert view.return_button.isEnabled()

    qtbot.keyClick(view.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert view.comment.hasFocus()
    qtbot.keyClicks(view.comment, "Say which stand at the bus station.")
    with qtbot.waitSignal(view.decided, timeout=WAIT):
        qtbot.mouseClick(view.return_button, Qt.MouseButton.LeftButton)
    (review,) = reviews_written(supervisor)
    assert review["decision"] == "returned"
    assert review["comment"] == "Say which stand at the bus station."
    assert view.model.rowCount() == 0
    assert view.count.text() == "Nothing waiting."


def test_a_red_warning_offers_countersign_not_approve_and_ctrl_enter_countersigns(
    qtbot: QtBot, supervisor: Vault, make_screen: Callable[[], ReviewView]
) -> None:
    person_id = arrive(supervisor, "person", person(), author="amy")
    red = arrive(supervisor, "warning", warning(person_id, "red"), author="amy")
    view = make_screen()
    assert column(view, 7) == ["Countersign"]
    open_row(qtbot, view, 0)

    assert view.countersign_button.isEnabled()
    assert not view.approve_button.isEnabled()
    assert "countersignature" in view.detail_title.text()
    with qtbot.waitSignal(view.decided, timeout=WAIT):
        qtbot.keyClick(view.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    (review,) = reviews_written(supervisor)
    assert review["subject_id"] == red
    assert review["decision"] == "countersigned"


def test_the_first_look_in_a_session_is_remembered_and_later_work_is_new(
    qtbot: QtBot,
    supervisor: Vault,
    service: ReviewService,
    make_screen: Callable[[], ReviewView],
    clock: SteppingClock,
) -> None:
    earlier = arrive(supervisor, "visit", visit(), author="amy")
    make_screen()
    qtbot.waitUntil(lambda: service.queue().last_look is not None, timeout=WAIT)
    clock.current += timedelta(seconds=2)
    later = arrive(supervisor, "visit", visit(), author="amy")

    view = make_screen()  # the next session
    assert dict(zip([i.id for i in view.model.rows], column(view, 0), strict=True)) == {
        later: "New",
        earlier: "",
    }
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        view.new_only.setChecked(True)
    assert [i.id for i in view.model.rows] == [later]


def test_edit_on_the_open_work_corrects_it_in_the_record_editor(
    qtbot: QtBot, supervisor: Vault, make_screen: Callable[[], ReviewView]
) -> None:
    arrived = arrive(supervisor, "visit", visit(narrative="Moved on from the shop."), author="ben")
    view = make_screen()
    assert not view.edit_button.isEnabled()  # nothing open yet
    open_row(qtbot, view, 0)
    assert view.edit_button.isEnabled()
    assert view.approve_button.isEnabled()  # Edit sits beside the decisions
    with qtbot.waitSignal(view.edit_record, timeout=WAIT) as asked:
        qtbot.mouseClick(view.edit_button, Qt.MouseButton.LeftButton)
    assert asked.args == ["visit", arrived]
    editor = RecordEditor(CorrectionService(supervisor, actor="sam.supervisor"), Workers())
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.opened, timeout=WAIT):
        editor.load(*asked.args)
    editor.set_text("narrative", "Moved on from the corner shop.")
    editor.reason.setText("which shop it was")
    with qtbot.waitSignal(editor.saved, timeout=WAIT):
        editor.save_button.click()
    with supervisor.read() as conn:
        stored = supervisor.records(conn).require(RecordType.VISIT, arrived)
    assert stored.fields["narrative"] == "Moved on from the corner shop."
