# mypy: disable-error-code="no-untyped-call"
"""The screens that find people show why each matched, warn of duplicates and suggest merges."""

from __future__ import annotations

from datetime import datetime

import pytest
from pytestqt.qtbot import QtBot
from tests.factories import person
from tests.ui.conftest import offline_workspace

from fieldkit.domain.schemes import load_schemes
from fieldkit.services.people import PeopleService
from fieldkit.services.records import RecordService
from fieldkit.store.vault import Vault
from fieldkit.ui.people_view import PeopleView
from fieldkit.ui.visit_form import VisitFormPresenter
from fieldkit.ui.visit_view import VisitView, parse_uk_date
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 10_000


def _hamza(vault: Vault, **overrides: object) -> str:
    fields = person(given_name="Hamza", family_name="Chaudhry", aliases=[], **overrides)
    return RecordService(vault).create(record_type="person", fields=fields).id


def test_the_people_list_says_why_each_person_matched(qtbot: QtBot, vault: Vault) -> None:
    _hamza(vault)
    view = PeopleView(PeopleService(vault, RecordService(vault), load_schemes()), Workers())
    qtbot.addWidget(view)
    qtbot.keyClicks(view.search, "Chaudry")
    qtbot.waitUntil(lambda: view.results.rowCount() == 1, timeout=WAIT)
    why = view.results.index(0, 2)
    assert view.results.headerData(2, view.results_table.horizontalHeader().orientation()) == (
        "Why it matched"
    )
    assert view.results.data(why) == "spelling variant"


def test_a_profile_suggests_other_records_that_may_be_the_same_person(
    qtbot: QtBot, vault: Vault
) -> None:
    first = _hamza(vault, date_of_birth="1989-03-12")
    twin = RecordService(vault).create(
        record_type="person",
        fields=person(given_name="Hamzah", family_name="Choudhury", date_of_birth="1989-03-12"),
    )
    view = PeopleView(PeopleService(vault, RecordService(vault), load_schemes()), Workers())
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.profile_shown, timeout=WAIT):
        view.open(first)
    qtbot.waitUntil(lambda: "Hamzah Choudhury" in view.same_as.text(), timeout=WAIT)
    assert f'href="person:{twin.id}"' in view.same_as.text()
    assert "spelling variant, born the same day" in view.same_as.text()


def test_adding_someone_already_in_the_vault_offers_them_first_and_adds_on_a_second_press(
    qtbot: QtBot, vault: Vault
) -> None:
    existing = _hamza(vault, date_of_birth="1989-03-12")
    ws = offline_workspace(vault)
    view = VisitView(
        VisitFormPresenter(
            ws.visits, ws.drafts, now=lambda: datetime(2026, 12, 6, 9, 0), district="huddersfield"
        ),
        ws.visits,
        Workers(),
    )
    qtbot.addWidget(view)
    view._open_new_person("")
    qtbot.keyClicks(view.new_given, "Hamzah")
    qtbot.keyClicks(view.new_family, "Chaudry")
    qtbot.keyClicks(view.new_dob, "12/3/89")
    view.add_person()
    qtbot.waitUntil(lambda: view.person_results.count() == 1, timeout=WAIT)
    offered = view.person_results.item(0)
    assert "spelling variant, born the same day" in offered.text()
    assert "already in the vault" in view.new_person_error.text()
    assert view.people_chosen.count() == 0
    assert len(ws.people.search("Chaudhry")) == 1  # nothing added yet
    view.add_person()  # the officer is sure it is someone new
    qtbot.waitUntil(lambda: view.people_chosen.count() == 1, timeout=WAIT)
    assert [r.id for r in ws.people.search("Chaudhry")].count(existing) == 1
    assert len(ws.people.search("Chaudhry")) == 2


@pytest.mark.parametrize(
    ("typed", "iso"),
    [("12/3/89", "1989-03-12"), ("12.03.1989", "1989-03-12"), ("1989-03-12", "1989-03-12")],
)
def test_the_new_person_form_reads_dates_of_birth_as_officers_type_them(
    typed: str, iso: str
) -> None:
    assert parse_uk_date(typed) == iso
