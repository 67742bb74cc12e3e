"""Screen logic without a display: the visit form's drafts and checks, and the app's wording."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fieldkit.domain.records import FieldError, ValidationError
from fieldkit.services.people import PersonRow
from fieldkit.services.visits import PlaceChoice
from fieldkit.services.workspace import open_workspace
from fieldkit.store.vault import Vault
from fieldkit.sync.status import SyncState, SyncStatus
from fieldkit.ui.visit_form import VisitForm, VisitFormPresenter, local_check
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
