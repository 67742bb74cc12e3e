# mypy: disable-error-code="no-untyped-call"
"""The People screen's "Merge with…" on a real vault (offscreen): offered to supervisors only,
it says what will move, asks for a reason, and merges on a worker."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot
from tests.factories import person, visit
from tests.ui.conftest import make_supervisor

from fieldkit.domain.records import RecordType
from fieldkit.domain.schemes import load_schemes
from fieldkit.services.people import PeopleService
from fieldkit.services.person_merge import PersonMergeService
from fieldkit.services.records import RecordService
from fieldkit.store.vault import Vault
from fieldkit.ui.people_view import PeopleView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 10_000


def _view(qtbot: QtBot, vault: Vault, questions: list[str], *, agree: bool = True) -> PeopleView:
    def confirm(_title: str, question: str) -> bool:
        questions.append(question)
        return agree

    view = PeopleView(
        PeopleService(vault, RecordService(vault), load_schemes()),
        Workers(),
        merges=PersonMergeService(vault),
        choose_duplicate=lambda rows: rows[0],
        confirm=confirm,
        ask_text=lambda _t, _q: "entered twice at the same incident",
    )
    qtbot.addWidget(view)
    view.show()
    return view


def _plant(vault: Vault) -> tuple[str, str, str]:
    records = RecordService(vault)
    keep = records.create(record_type="person", fields=person()).id
    dup = records.create(
        record_type="person", fields=person(given_name="Zoe", family_name="OBrien")
    ).id
    seen = records.create(
        record_type="visit", fields=visit(person_ids=[dup], officer_id="amy.officer")
    ).id
    return keep, dup, seen


def _open(qtbot: QtBot, view: PeopleView, person_id: str) -> None:
    with qtbot.waitSignal(view.profile_shown, timeout=WAIT):
        view.open(person_id)
    qtbot.waitUntil(lambda: view.merge_button.isEnabled(), timeout=WAIT)


def test_a_supervisor_merges_a_likely_duplicate_from_the_profile(
    qtbot: QtBot, vault: Vault
) -> None:
    make_supervisor(vault)
    keep, dup, seen = _plant(vault)
    questions: list[str] = []
    view = _view(qtbot, vault, questions)
    _open(qtbot, view, keep)
    assert view.merge_button.isVisible()
    with qtbot.waitSignal(view.profile_shown, timeout=WAIT):
        view.merge_button.click()
    (question,) = questions
    assert "1 × Visit" in question
    assert "kept, marked as merged" in question
    assert "Merged" in view.merge_status.text()
    assert view.profile is not None
    assert view.profile.merged_from == (dup,)
    with vault.read() as conn:
        moved = vault.records(conn).require(RecordType.VISIT, seen)
    assert moved.fields["person_ids"] == [keep]


def test_declining_the_confirmation_changes_nothing(qtbot: QtBot, vault: Vault) -> None:
    make_supervisor(vault)
    keep, dup, seen = _plant(vault)
    questions: list[str] = []
    view = _view(qtbot, vault, questions, agree=False)
    _open(qtbot, view, keep)
    view.merge_button.click()
    qtbot.waitUntil(lambda: bool(questions), timeout=WAIT)
    with vault.read() as conn:
        assert vault.records(conn).require(RecordType.VISIT, seen).fields["person_ids"] == [dup]


def test_an_officer_is_not_offered_a_merge(qtbot: QtBot, vault: Vault) -> None:
    keep, _, _ = _plant(vault)
    view = _view(qtbot, vault, [])
    # The suggestions arrive after the role check was asked for: both answers are in.
    _open(qtbot, view, keep)
    assert not view.merge_button.isVisible()
