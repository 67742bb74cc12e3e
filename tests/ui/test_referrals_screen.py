"""The Referrals screen and the Refer… dialog, offscreen, over a real vault."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.factories import person, visit
from tests.ui.test_officer_day import first_run

from fieldkit.domain.records import RecordType
from fieldkit.domain.referrals import ReferralStatus
from fieldkit.services.records import RecordService
from fieldkit.services.referrals import ReferralService
from fieldkit.store import replica
from fieldkit.store.vault import Vault
from fieldkit.ui.refer_dialog import ReferDialog
from fieldkit.ui.referrals_view import ReferralsView
from fieldkit.ui.shell import MainWindow
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 10_000


@pytest.fixture
def voluntary(vault: Vault) -> ReferralService:
    with vault.write() as conn:
        replica.put_state(conn, "user", {"id": "u-v", "role": "officer", "agency": "voluntary"})
    return ReferralService(vault)


def _incoming(vault: Vault) -> str:
    """A referral from the council, as a sync brings it to the voluntary sector's laptop."""
    with vault.write() as conn:
        made = vault.records(conn).create(
            RecordType.REFERRAL.value,
            {
                "source_type": "visit",
                "source_id": "0b6f3b43-6f0e-4c39-9d3c-2f7a1f9f8c11",
                "person_id": "1b6f3b43-6f0e-4c39-9d3c-2f7a1f9f8c11",
                "district": "huddersfield",
                "to_agency": "voluntary",
                "reason": "Would welcome a befriender",
                "consent": "given",
                "referred_by": "olive",
                "sent_at": "2026-12-01T10:00:00+00:00",
                "respond_by": "2026-12-08",
            },
        )
    return made.id


def test_the_partner_declines_with_a_reason_on_the_referrals_screen(
    qtbot: QtBot, vault: Vault, voluntary: ReferralService
) -> None:
    referral_id = _incoming(vault)
    view = ReferralsView(voluntary, Workers())
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        view.refresh()
    assert view.model.rowCount() == 1
    assert "1 waiting" in view.summary.text()
    view.table.selectRow(0)
    assert view.decline_button.isEnabled()
    view.answer_text.setText("No befriending volunteers in that area this month")
    with qtbot.waitSignal(view.answered, timeout=WAIT):
        view.decline_button.click()
    [answered] = voluntary.all()
    assert answered.id == referral_id
    assert answered.status is ReferralStatus.DECLINED
    assert answered.decline_reason.startswith("No befriending")


def test_refer_dialog_refuses_refused_consent_without_an_exception(
    qtbot: QtBot, vault: Vault
) -> None:
    records = RecordService(vault)
    someone = records.create(record_type="person", fields=person())
    seen = records.create(
        record_type="visit", fields=visit(person_ids=[someone.id], officer_id=vault.username)
    )
    service = ReferralService(vault)
    people = service.people_of(source_type="visit", source_id=seen.id)
    dialog = ReferDialog(service, Workers(), source_type="visit", source_id=seen.id, people=people)
    qtbot.addWidget(dialog)
    dialog.reason.setPlainText("Hoarding blocks the stairs")
    dialog.agency.setCurrentIndex(dialog.agency.findData("fire"))
    dialog.consent.setCurrentIndex(dialog.consent.findData("refused"))
    dialog.submit()
    qtbot.waitUntil(lambda: bool(dialog.error.text()), timeout=WAIT)
    assert "lawful" in dialog.error.text().lower()
    assert service.all() == []
    dialog.exception.setCurrentIndex(dialog.exception.findData("vital_interests"))
    with qtbot.waitSignal(dialog.referred, timeout=WAIT):
        dialog.submit()
    [made] = service.all()
    assert made.to == "Fire and rescue"


def test_refer_from_the_signposting_given_with_a_warning(qtbot: QtBot, window: MainWindow) -> None:
    first_run(qtbot, window)
    screens, ws = window.screens, window.workspace
    assert screens is not None
    assert ws is not None
    assert ws.referrals is not None
    someone = ws.records.create(record_type="person", fields=person())
    ws.records.create(
        record_type="service",
        fields={"name": "Dewsbury Resettlement Hub", "categories": ["housing"]},
    )
    warning = screens.warning
    warning.load_services()
    window.warn_person(someone.id)
    qtbot.waitUntil(lambda: warning.proposal is not None, timeout=WAIT)
    assert not warning.refer_button.isEnabled()
    qtbot.waitUntil(lambda: warning.services.count() == 1, timeout=WAIT)
    warning.services.item(0).setCheckState(Qt.CheckState.Checked)
    line = warning.place_combo.lineEdit()
    assert line is not None
    qtbot.keyClicks(line, "Market cross, Dewsbury")
    qtbot.keyClicks(warning.behaviour, "Drinking from an open can, shouting at shoppers")
    qtbot.keyClicks(warning.conditions, "drink alcohol in Dewsbury town centre")
    warning.considered_check.setChecked(True)
    with qtbot.waitSignal(warning.issued, timeout=WAIT) as issued:
        warning.issue_button.click()
    signposting_id = issued.args[0].signposting_id
    assert signposting_id is not None
    assert warning.refer_button.isEnabled()
    warning.refer_button.click()
    qtbot.waitUntil(lambda: window.refer_dialog is not None, timeout=WAIT)
    dialog = window.refer_dialog
    assert dialog is not None
    assert dialog.person.currentData() == someone.id
    dialog.reason.setPlainText("Sleeping in the bus station; would accept a hostel place")
    dialog.agency.setCurrentIndex(dialog.agency.findData("housing"))
    with qtbot.waitSignal(dialog.referred, timeout=WAIT):
        dialog.submit()
    [made] = ws.referrals.all()
    assert (made.source_type, made.source_id) == ("signposting", signposting_id)
    assert made.person_id == someone.id
