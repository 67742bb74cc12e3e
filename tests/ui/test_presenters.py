"""Screen logic without a display: the visit form, the profile, Today, and the app's wording."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from fieldkit.domain.records import FieldError, ValidationError
from fieldkit.services.asb_cases import ActionEntry
from fieldkit.services.people import PersonProfile, PersonRow, TimelineEntry
from fieldkit.services.sync_port import OfflineSyncController
from fieldkit.services.visits import PlaceChoice
from fieldkit.services.workspace import open_workspace
from fieldkit.store.vault import Vault
from fieldkit.sync.status import SyncState, SyncStatus
from fieldkit.ui.people_presenter import (
    ProfileActions,
    WarningActions,
    flags_line,
    identity_lines,
    profile_actions,
    warning_actions,
)
from fieldkit.ui.today_presenter import TodayPresenter, action_subject
from fieldkit.ui.visit_form import (
    VisitForm,
    VisitFormPresenter,
    chosen_line,
    local_check,
    may_be,
)
from fieldkit.ui.wording import describe, sync_details, sync_headline

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def _form(**overrides: object) -> VisitForm:
    form = VisitForm(occurred_at=NOW, district="huddersfield")
    for key, value in overrides.items():
        setattr(form, key, value)
    return form


def test_a_visit_form_survives_a_round_trip_through_its_draft() -> None:
    form = _form(
        place=PlaceChoice("p1", "Market Place", "WF13 1AB", "dewsbury_mirfield"),
        people=[PersonRow("x1", "Jan Kowalski", "born 12 April 1988", True)],
        categories=["street_drinking"],
        narrative="Moved on",
        follow_up_due=date(2026, 12, 1),
    )
    assert VisitForm.from_draft(form.to_draft()) == form


def test_a_visit_at_a_place_is_filed_under_the_places_district() -> None:
    form = _form(place=PlaceChoice("p1", "Market Place", "", "dewsbury_mirfield"))
    assert form.to_fields()["district"] == "dewsbury_mirfield"


def test_local_checks_catch_future_visits_and_early_follow_ups() -> None:
    errors = local_check(
        _form(occurred_at=NOW + timedelta(hours=2), follow_up_due=date(2026, 11, 1)), now=NOW
    )
    assert set(errors) == {"occurred_at", "follow_up_due", "categories"}


def test_the_presenter_restores_a_draft_and_drops_it_once_saved(vault: Vault) -> None:
    ws = open_workspace(vault)
    first = VisitFormPresenter(ws.visits, ws.drafts, now=vault.now, district="huddersfield")
    first.form.narrative = "Half written"
    first.save_draft(first.form.to_draft())
    second = VisitFormPresenter(ws.visits, ws.drafts, now=vault.now, district="huddersfield")
    assert second.restore()
    assert second.form.narrative == "Half written"
    result = second.submit()
    assert result.visit_id is not None
    assert ws.drafts.load("visit") is None


def test_the_presenter_reports_vault_validation_by_field_label(vault: Vault) -> None:
    ws = open_workspace(vault)
    presenter = VisitFormPresenter(ws.visits, ws.drafts, now=vault.now, district="huddersfield")
    presenter.form.narrative = "x"
    presenter.form.kind = "teleport"
    result = presenter.submit()
    assert result.visit_id is None
    assert result.message.startswith("Kind: must be one of")


def test_sync_wording_says_state_count_and_last_time() -> None:
    status = SyncStatus(SyncState.SYNCING, done=3, total=10, unsynced=1, last_synced_at=NOW)
    assert sync_headline(status) == "Syncing 3 of 10"
    assert sync_details(status, now=NOW) == "1 change not yet synced · last synced 10:00"
    assert sync_headline(SyncStatus(SyncState.NEEDS_ATTENTION)) == "Needs attention"


def test_errors_become_sentences_and_bugs_a_calm_message() -> None:
    assert describe(ValidationError([FieldError("postcode", "is not a UK postcode")])) == (
        "Postcode: is not a UK postcode."
    )
    assert describe(KeyError("secret")).startswith("Something went wrong inside Fieldkit")


# The larger screens' decisions, without a display ------------------------------------------------


def test_the_screen_presenters_import_without_qt() -> None:
    code = (
        "import sys\n"
        "import fieldkit.ui.people_presenter, fieldkit.ui.today_presenter, fieldkit.ui.visit_form\n"
        "qt = sorted(m for m in sys.modules if m.startswith('PySide6'))\n"
        "assert not qt, qt\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def _profile(**overrides: object) -> PersonProfile:
    values: dict[str, object] = {
        "id": "p1",
        "name": "Jan Kowalski",
        "aliases": (),
        "date_of_birth": "",
        "description": "",
        "district": "huddersfield",
        "flags": (),
        "risk_flags": (),
        "timeline": (),
        "standings": (),
    }
    values.update(overrides)
    return PersonProfile(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("markers", "flags", "line"),
    [
        ((), (), ""),
        (("Weapons",), (), "RISK: Weapons"),
        (
            ("Weapons", "Dog at the door"),
            ("Violent",),
            "RISK: Weapons  ·  Dog at the door  ·  ⚠ Violent",
        ),
        ((), ("Violent",), "⚠ Violent"),
    ],
)
def test_a_profile_says_risk_markers_before_flags(
    markers: tuple[str, ...], flags: tuple[str, ...], line: str
) -> None:
    assert flags_line(_profile(risk_markers=markers, flags=flags)) == line


@pytest.mark.parametrize(
    ("overrides", "lines"),
    [
        ({}, ["Date of birth not recorded"]),
        (
            {"aliases": ("Kowal",), "date_of_birth": "12 April 1988", "description": "Tall"},
            ["Also known as Kowal", "Born 12 April 1988", "Tall"],
        ),
    ],
)
def test_a_profile_says_who_the_person_is(overrides: dict[str, object], lines: list[str]) -> None:
    assert identity_lines(_profile(**overrides)) == lines


def test_a_profiles_buttons_need_a_person_and_one_export_at_a_time() -> None:
    assert profile_actions(None, exporting=False) == ProfileActions(
        False, False, False, False, False
    )
    assert profile_actions(_profile(), exporting=False) == ProfileActions(
        True, True, True, True, True
    )
    assert not profile_actions(_profile(), exporting=True).export


def _warning(status: str, *, review_open: bool = False) -> TimelineEntry:
    return TimelineEntry(
        NOW,
        "Warning",
        "Yellow",
        "",
        warning_id="w1",
        warning_status=status,
        review_open=review_open,
    )


@pytest.mark.parametrize(
    ("entry", "can_print", "actions"),
    [
        (None, True, WarningActions(False, False, False, False)),
        (_warning("issued"), True, WarningActions(True, True, False, False)),
        (_warning("issued"), False, WarningActions(False, True, False, False)),
        (_warning("awaiting_countersignature"), True, WarningActions(False, True, True, False)),
        (_warning("withdrawn"), True, WarningActions(False, False, False, False)),
        (_warning("issued", review_open=True), True, WarningActions(True, True, False, True)),
    ],
)
def test_what_can_be_done_to_a_warning_follows_its_status(
    entry: TimelineEntry | None, can_print: bool, actions: WarningActions
) -> None:
    assert warning_actions(entry, can_print=can_print) == actions


def test_the_visit_form_lists_each_person_once_with_their_risks(vault: Vault) -> None:
    ws = open_workspace(vault)
    presenter = VisitFormPresenter(ws.visits, ws.drafts, now=vault.now, district="huddersfield")
    jan = PersonRow("x1", "Jan Kowalski", "", True, risk_markers=("Weapons",))
    zoe = PersonRow("x2", "Zoë O'Brien", "", False)
    assert presenter.add_person(jan)
    assert not presenter.add_person(jan)
    assert presenter.add_person(zoe)
    assert presenter.risk_lines() == ["RISK — Jan Kowalski: Weapons"]
    assert chosen_line(jan) == "⚠ Jan Kowalski  (RISK: Weapons)"
    assert chosen_line(zoe) == "Zoë O'Brien"
    presenter.remove_person("x1")
    assert [p.id for p in presenter.form.people] == ["x2"]
    assert presenter.risk_lines() == []
    assert may_be(1) == "This person may be"
    assert may_be(3) == "This person may be one of 3 people"


def test_today_lists_the_officers_own_visits_once_there_are_some(vault: Vault) -> None:
    ws = open_workspace(vault, sync=lambda v, _settings: OfflineSyncController(v))
    today = TodayPresenter(ws.today, ws.sync)
    empty = today.load()
    assert empty.recent_title == "Recent visits (all)"
    assert not empty.feedback_shown
    assert not empty.team_actions_shown
    assert not empty.requests_shown
    assert empty.sync_line == "Nothing has been synced from this laptop yet."
    visit = VisitFormPresenter(ws.visits, ws.drafts, now=vault.now, district="huddersfield")
    visit.form.narrative = "Moved on"
    assert visit.submit().visit_id is not None
    assert today.load().recent_title == "My recent visits"


def test_an_action_without_a_case_opens_itself() -> None:
    action = ActionEntry(
        id="a1",
        case_id="",
        what="Letter",
        assignee="",
        agency="",
        due="1 Dec",
        status="Open",
        status_value="open",
        outcome="",
        overdue=False,
        case_reference="",
        case_title="",
    )
    assert action_subject(action) == ("asb_action", "a1")
    assert action_subject(replace(action, case_id="c1")) == ("asb_case", "c1")
