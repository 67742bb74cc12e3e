# mypy: disable-error-code="no-untyped-call"
"""Unlock paints Today first: other screens are built (and connected) when first shown."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from tests.ui.test_officer_day import first_run

from fieldkit.services.today import TodayService, TodaySummary
from fieldkit.ui.people_view import PeopleView
from fieldkit.ui.shell import PEOPLE, TENANCY, TODAY, VISIT, WARNING, MainWindow
from fieldkit.ui.tenancy_view import TenancyView

pytestmark = pytest.mark.gui
WAIT = 10_000


def test_unlock_builds_today_and_the_visit_form_only(qtbot: QtBot, window: MainWindow) -> None:
    first_run(qtbot, window)
    screens = window.screens
    assert screens is not None
    assert screens.built(TODAY) is screens.today
    assert screens.built(VISIT) is not None, "the visit form brings back a draft at unlock"
    assert screens.built(PEOPLE) is None
    assert screens.built(TENANCY) is None
    qtbot.waitUntil(lambda: screens.today.summary is not None, timeout=WAIT)


def test_a_screen_is_built_in_its_place_when_first_shown(qtbot: QtBot, window: MainWindow) -> None:
    first_run(qtbot, window)
    screens = window.screens
    assert screens is not None
    count = window.screen_stack.count()
    window.go(PEOPLE)
    people = screens.built(PEOPLE)
    assert isinstance(people, PeopleView)
    assert window.screen_stack.currentWidget() is people
    assert window.screen_stack.indexOf(people) == PEOPLE
    assert window.screen_stack.count() == count
    assert screens.people is people, "built once"


def test_a_screen_built_late_is_connected_and_has_the_settings(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    screens = window.screens
    assert screens is not None
    window.go(PEOPLE)
    # Its signals reach the window: warning a person opens the Warning screen.
    screens.people.warn_person.emit("00000000-0000-4000-8000-000000000001")
    assert window.navigation.currentRow() == WARNING
    assert window.screen_stack.currentWidget() is screens.built(WARNING)
    # Settings changed before the screen was built are the ones it is built with.
    window.apply_settings(replace(window.settings, court_name="Kirklees Magistrates' Court"))
    window.go(TENANCY)
    tenancy = screens.built(TENANCY)
    assert isinstance(tenancy, TenancyView)
    assert tenancy.court.text() == "Kirklees Magistrates' Court"


def test_the_first_unlock_reads_todays_summary_once(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    summary = TodayService.summary

    def counted(self: TodayService, **kwargs: Any) -> TodaySummary:
        calls.append(1)
        return summary(self, **kwargs)

    monkeypatch.setattr(TodayService, "summary", counted)
    first_run(qtbot, window)
    screens = window.screens
    assert screens is not None
    qtbot.waitUntil(lambda: screens.today.summary is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: window.workers.pending == 0, timeout=WAIT)
    assert len(calls) == 1
