# mypy: disable-error-code="no-untyped-call"
"""Casework carried on from where it is shown: reviews, reprints from a visit, edits from review."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot
from tests.factories import person
from tests.ui.test_officer_day import first_run

from fieldkit.services.warnings import WarningRequest
from fieldkit.ui.shell import PEOPLE, MainWindow

pytestmark = pytest.mark.gui
WAIT = 10_000
ABC = "acceptable_behaviour_contract"
REVIEW_WORDS = "Review the Acceptable Behaviour Contract by this date"


def test_an_abcs_review_is_recorded_from_the_profile_and_its_clock_clears(
    qtbot: QtBot, window: MainWindow
) -> None:
    first_run(qtbot, window)
    ws, screens = window.workspace, window.screens
    assert ws is not None
    assert screens is not None
    kai = ws.records.create(record_type="person", fields=person(given_name="Kai"))
    issued = ws.warnings.issue(
        WarningRequest(
            person_id=kai.id,
            scheme_id=ABC,
            behaviour="Kicking a football against the flats' windows late at night",
            conditions=("play ball games in the car park after 21:00",),
            district="huddersfield",
            place_label="Oakes Court, Huddersfield",
            occurred_at=datetime.now(UTC) - timedelta(hours=2),
        )
    )
    later = datetime.now(UTC) + timedelta(days=120)
    assert REVIEW_WORDS in [c.what for c in ws.today.legal_clocks(later)]
    window.go(PEOPLE)
    people = screens.people
    with qtbot.waitSignal(people.profile_shown, timeout=WAIT):
        people.open(kai.id)
    assert not people.review_button.isEnabled()  # nothing selected yet
    people.select_warning(issued.warning_id)
    assert people.review_button.isEnabled()
    with qtbot.waitSignal(people.profile_shown, timeout=WAIT):
        people.record_review_selected(date.today(), "kept to the terms")
    assert "Review recorded" in people.warning_status.text()
    assert REVIEW_WORDS not in [c.what for c in ws.today.legal_clocks(later)]
    history = ws.corrections.history(record_type="warning", record_id=issued.warning_id)
    assert history[-1].reason == "kept to the terms"
    people.select_warning(issued.warning_id)
    assert not people.review_button.isEnabled()  # reviewed: no second review
