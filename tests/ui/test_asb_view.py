"""The ASB cases screen: its presenter without a display, and its forms on a real vault."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from fieldkit.services.documents_service import DocumentService
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store.asb_cases import CaseFilter
from fieldkit.store.vault import Vault
from fieldkit.ui.asb_view import AsbCasesPresenter, AsbView, ListChoice
from fieldkit.ui.workers import Workers

WAIT = 15_000


@pytest.fixture
def workspace(vault: Vault) -> Workspace:
    return open_workspace(vault, documents=DocumentService(vault))


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (ListChoice(), CaseFilter()),
        (ListChoice("mine"), CaseFilter(owner="amy.officer")),
        (ListChoice("high_risk", "rural"), CaseFilter(district="rural", high_risk=True)),
        (
            ListChoice("all", "", "closed", "environmental"),
            CaseFilter(status="closed", category="environmental"),
        ),
    ],
)
def test_the_list_filters_map_to_the_case_filter(
    workspace: Workspace, choice: ListChoice, expected: CaseFilter
) -> None:
    presenter = AsbCasesPresenter(workspace.asb, username="amy.officer")
    assert presenter.case_filter(choice) == expected


def test_overdue_review_filters_on_today(workspace: Workspace, vault: Vault) -> None:
    presenter = AsbCasesPresenter(workspace.asb, username="amy.officer")
    assert presenter.case_filter(ListChoice("overdue_review")).review_before == (
        vault.now().date().isoformat()
    )
    late = workspace.asb.open_case(
        title="Late",
        category="nuisance",
        district="rural",
        next_review_on=vault.now().date() - timedelta(days=2),
    )
    assert [r.id for r in presenter.rows(ListChoice("overdue_review"))] == [late]


def test_a_case_opened_about_a_person_adds_them_in_the_chosen_role(
    qtbot: QtBot, workspace: Workspace
) -> None:
    dawn = workspace.records.create(
        record_type="person",
        fields={"given_name": "Dawn", "family_name": "Pickles", "district": "rural"},
    ).id
    screen = AsbView(AsbCasesPresenter(workspace.asb, username="amy.officer"), Workers())
    qtbot.addWidget(screen)
    screen.start_from_person(dawn, name="Dawn Pickles", district="rural")
    assert screen.new_from.text() == "Dawn Pickles"
    qtbot.keyClicks(screen.new_title, "Abuse from the neighbour")
    screen.new_role.setCurrentIndex(screen.new_role.findData("complainant"))
    screen.new_category.setCurrentIndex(screen.new_category.findData("personal"))
    with qtbot.waitSignal(screen.case_changed, timeout=WAIT):
        screen.open_button.click()
    qtbot.waitUntil(lambda: screen.current is not None, timeout=WAIT)
    assert screen.current is not None
    assert [(p.name, p.role) for p in screen.current.parties] == [("Dawn Pickles", "Complainant")]
    assert screen.current.district == "Rural (Kirklees Rural)"
    assert screen.risk_person.count() == 1


def test_a_case_without_a_title_says_so_and_writes_nothing(
    qtbot: QtBot, workspace: Workspace
) -> None:
    screen = AsbView(AsbCasesPresenter(workspace.asb, username="amy.officer"), Workers())
    qtbot.addWidget(screen)
    screen.open_button.click()
    qtbot.waitUntil(lambda: "title" in screen.message.text(), timeout=WAIT)
    assert workspace.asb.cases() == []
