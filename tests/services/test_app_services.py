"""The app's services on a real vault: each workflow a screen drives, without any display."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.factories import PASSPHRASE, person, place, visit
from tests.kdf import TEST_KDF

from fieldkit.documents import PrinterUnavailableError
from fieldkit.domain.records import ValidationError
from fieldkit.domain.vulnerability import VulnerabilityCheck
from fieldkit.services.documents_service import DocumentService, KeptDocument
from fieldkit.services.session import (
    SessionError,
    SessionService,
    VaultDirectory,
    passphrase_strength,
)
from fieldkit.services.settings import AppSettings
from fieldkit.services.warnings import WarningRequest
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store import audit
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault
from fieldkit.sync.status import SyncState, SyncStatus

#: When the behaviour a warning is for happened (the evening before the tests' clock).
BEHAVIOUR_AT = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)


def _no_printer(pdf: bytes, **_: object) -> object:
    raise PrinterUnavailableError("No printer has been chosen and this computer has none.")


@pytest.fixture
def workspace(vault: Vault) -> Workspace:
    return open_workspace(vault, documents=DocumentService(vault, printer=_no_printer))


def _service(ws: Workspace, **overrides: object) -> str:
    fields: dict[str, object] = {
        "name": "Dewsbury Resettlement Hub",
        "categories": ["housing", "food"],
        "phone": "01924 325 100",
        "districts": ["dewsbury_mirfield"],
    }
    fields.update(overrides)
    return ws.records.create(record_type="service", fields=fields).id


def test_first_run_creates_a_vault_that_unlocks_only_with_its_passphrase(tmp_path: Path) -> None:
    sessions = SessionService(VaultDirectory(tmp_path / "vaults"), kdf=TEST_KDF)
    assert sessions.directory.first_run
    vault = sessions.create(username="Amy.Officer", passphrase=PASSPHRASE, repeat=PASSPHRASE)
    vault.lock()
    assert sessions.directory.usernames() == ["amy.officer"]
    with pytest.raises(SessionError, match="passphrase is not right"):
        sessions.unlock(username="amy.officer", passphrase="wrong horse battery staple")
    sessions.unlock(username="amy.officer", passphrase=PASSPHRASE).lock()


def test_first_run_refuses_a_vault_folder_that_holds_other_files(tmp_path: Path) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "letter.docx").write_bytes(b"x")
    sessions = SessionService(VaultDirectory(tmp_path, fixed=documents), kdf=TEST_KDF)
    with pytest.raises(SessionError, match="other files"):
        sessions.create(username="amy", passphrase=PASSPHRASE, repeat=PASSPHRASE)
    assert [p.name for p in documents.iterdir()] == ["letter.docx"]


def test_passphrase_change_re_keys_so_the_old_key_file_no_longer_opens_the_vault(
    tmp_path: Path,
) -> None:
    sessions = SessionService(VaultDirectory(tmp_path / "vaults"), kdf=TEST_KDF)
    sessions.create(username="amy", passphrase=PASSPHRASE, repeat=PASSPHRASE).lock()
    folder = sessions.directory.folder_for("amy")
    old_key = (folder / "vault.key").read_bytes()
    new = "rivers of quiet granite 42"
    with pytest.raises(SessionError) as mismatch:
        sessions.change_passphrase(username="amy", old=PASSPHRASE, new=new, repeat=new + "x")
    assert mismatch.value.field == "repeat"
    with pytest.raises(SessionError) as wrong:
        sessions.change_passphrase(username="amy", old="not it at all", new=new, repeat=new)
    assert wrong.value.field == "old"
    sessions.change_passphrase(username="amy", old=PASSPHRASE, new=new, repeat=new)
    sessions.unlock(username="amy", passphrase=new).lock()
    (folder / "vault.key").write_bytes(old_key)
    with pytest.raises(SessionError, match="damaged"):
        sessions.unlock(username="amy", passphrase=PASSPHRASE)


def test_first_run_refuses_mismatched_or_weak_passphrases(tmp_path: Path) -> None:
    sessions = SessionService(VaultDirectory(tmp_path), kdf=TEST_KDF)
    with pytest.raises(SessionError) as mismatch:
        sessions.create(username="amy", passphrase=PASSPHRASE, repeat=PASSPHRASE + "x")
    assert mismatch.value.field == "repeat"
    with pytest.raises(SessionError) as weak:
        sessions.create(username="amy", passphrase="short", repeat="short")
    assert weak.value.field == "passphrase"
    assert sessions.directory.first_run


@pytest.mark.parametrize(
    ("text", "score"),
    [("", 0), ("abc", 0), ("aaaaaaaaaaaa", 1), ("river stone", 2), (PASSPHRASE, 4)],
)
def test_passphrase_strength_grows_with_length_and_variety(text: str, score: int) -> None:
    assert passphrase_strength(text).score == score


def test_a_visit_with_a_new_person_and_place_shows_on_today(
    workspace: Workspace, vault: Vault
) -> None:
    spot = workspace.visits.add_place(**place())
    someone = workspace.visits.add_person(
        given_name="Jan", family_name="Kowalski", district="huddersfield"
    )
    due = (vault.now() + timedelta(days=2)).date().isoformat()
    workspace.visits.log(fields=visit(place_id=spot.id, person_ids=[someone.id], follow_up_due=due))
    today = workspace.today.summary(unsynced=workspace.sync.unsynced_count())
    assert today.recent_are_mine
    assert today.recent_visits[0].place == "Huddersfield bus station"
    assert [f.what for f in today.follow_ups] == ["Follow-up due"]
    assert today.unsynced == 3
    assert workspace.visits.recent_places()[0].id == spot.id
    assert [p.name for p in workspace.visits.search_people("kowal")] == ["Jan Kowalski"]


def test_a_visit_missing_its_kind_names_the_field(workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as caught:
        workspace.visits.log(fields=visit(kind=None))
    assert [e.field for e in caught.value.errors] == ["kind"]


def test_opening_a_profile_logs_a_consultation_and_shows_flags(
    workspace: Workspace, vault: Vault
) -> None:
    jan = workspace.records.create(
        record_type="person", fields=person(flags=["Risk to officers: violent when drunk"])
    )
    workspace.visits.log(fields=visit(person_ids=[jan.id]))
    profile = workspace.people.profile(jan.id)
    assert profile.risk_flags == ("Risk to officers: violent when drunk",)
    assert [e.kind for e in profile.timeline] == ["Visit"]
    assert profile.standings[0].stage == "No warning standing"
    with vault.read() as conn:
        actions = [
            (r.action, r.record_id)
            for r in connection(conn).execute(AuditEntry.__table__.select()).fetchall()
        ]
    assert (audit.AuditAction.VIEW.value, jan.id) in actions


def test_yellow_then_red_warning_with_signposting_and_kept_letters(workspace: Workspace) -> None:
    jan = workspace.records.create(
        record_type="person", fields=person(district="dewsbury_mirfield")
    )
    hub = _service(workspace)
    first = workspace.warnings.propose(person_id=jan.id, scheme_id="street_drinking_vagrancy")
    assert (first.level_id, first.can_issue) == ("yellow", True)
    request = WarningRequest(
        person_id=jan.id,
        scheme_id="street_drinking_vagrancy",
        behaviour="Drinking from an open can and shouting at shoppers",
        conditions=("drink alcohol in Dewsbury town centre",),
        district="dewsbury_mirfield",
        place_label="Market Place, Dewsbury",
        occurred_at=BEHAVIOUR_AT,
        service_ids=(hub,),
        consent_to_referral=True,
    )
    yellow = workspace.warnings.issue(request)
    assert [d.kind for d in yellow.documents] == ["yellow_letter", "signposting_leaflet"]
    assert yellow.documents[0].pdf.startswith(b"%PDF")
    second = workspace.warnings.propose(person_id=jan.id, scheme_id="street_drinking_vagrancy")
    assert second.level_id == "red"
    assert "Yellow warning issued" in second.reason
    # A Red warning asks first whether vulnerability was considered (none found here).
    red = workspace.warnings.issue(replace(request, vulnerability=VulnerabilityCheck(True)))
    assert red.level_name == "Red warning"
    kinds = [e.kind for e in workspace.people.profile(jan.id).timeline]
    assert kinds.count("Warning") == 2
    assert kinds.count("Document") == 4
    assert kinds.count("Signposting") == 2


def test_printing_with_no_printer_says_so_and_keeps_the_letter(workspace: Workspace) -> None:
    jan = workspace.records.create(record_type="person", fields=person())
    issued = workspace.warnings.issue(
        WarningRequest(
            person_id=jan.id,
            scheme_id="street_drinking_vagrancy",
            behaviour="Begging at the cash machine",
            conditions=("ask people for money",),
            district="huddersfield",
            place_label="Cash machine, New Street",
            occurred_at=BEHAVIOUR_AT,
        )
    )
    letter = issued.documents[0]
    outcome = workspace.documents.print_document(letter, printer=None)
    assert not outcome.printed
    assert "kept in the vault" in outcome.message
    assert workspace.documents.pdf(letter.id) == letter.pdf


def test_a_warning_without_conditions_is_refused_naming_the_field(workspace: Workspace) -> None:
    jan = workspace.records.create(record_type="person", fields=person())
    with pytest.raises(ValidationError) as caught:
        workspace.warnings.issue(
            WarningRequest(jan.id, "street_drinking_vagrancy", "Shouting", (), "huddersfield")
        )
    assert [e.field for e in caught.value.errors] == ["conditions"]


def test_tenancy_note_joins_the_case_timeline_and_closure_clocks_show(
    workspace: Workspace, vault: Vault
) -> None:
    flat = workspace.visits.add_place(label="Flat 3, 14 Hill Street", district="huddersfield")
    case = workspace.records.create(
        record_type="tenancy_case",
        fields={"place_id": flat.id, "tenancy_ref": "HUD-017", "district": "huddersfield"},
    )
    served = vault.now() - timedelta(hours=3)
    workspace.records.create(
        record_type="closure",
        fields={
            "case_id": case.id,
            "district": "huddersfield",
            "status": "notice_served",
            "notice_served_at": served.isoformat(),
        },
    )
    workspace.tenancy.add_note(case_id=case.id, kind="incident", body="Door kicked in at 2am.")
    view = workspace.tenancy.case(case.id)
    assert [n.body for n in view.notes] == ["Door kicked in at 2am."]
    assert [c.name for c in view.closures[0].clocks] == [
        "Closure notice ends",
        "Hearing deadline",
    ]
    assert workspace.tenancy.cases()[0].reference == "HUD-017"
    clocks = workspace.today.legal_clocks(vault.now())
    assert {c.subject for c in clocks} == {"Tenancy case HUD-017"}


def test_drafts_survive_until_discarded(workspace: Workspace) -> None:
    workspace.drafts.save("visit", {"narrative": "half written"})
    assert workspace.drafts.load("visit") == {"narrative": "half written"}
    workspace.drafts.discard("visit")
    assert workspace.drafts.load("visit") is None


def test_settings_are_checked_and_kept_in_the_vault(workspace: Workspace) -> None:
    with pytest.raises(ValidationError) as caught:
        workspace.settings.save(AppSettings(server_url="ftp://x", idle_lock_minutes=0))
    assert {e.field for e in caught.value.errors} == {"server_url", "idle_lock_minutes"}
    workspace.settings.save(AppSettings(server_url="https://sync.example/", idle_lock_minutes=9))
    assert workspace.settings.load().server_url == "https://sync.example"
    assert workspace.settings.load().idle_lock_minutes == 9


def test_directory_filters_by_need_and_district(workspace: Workspace) -> None:
    _service(workspace)
    _service(workspace, name="Citizens Advice", categories=["benefits"], districts=[])
    assert [s.name for s in workspace.directory.services(need="food")] == [
        "Dewsbury Resettlement Hub"
    ]
    assert [s.name for s in workspace.directory.services(district="huddersfield")] == [
        "Citizens Advice"
    ]


def test_offline_sync_says_what_to_do_and_counts_unsynced(workspace: Workspace) -> None:
    seen: list[SyncStatus] = []
    workspace.records.create(record_type="person", fields=person())
    workspace.sync.subscribe(seen.append)
    workspace.sync.sync_now()
    assert [s.state for s in seen] == [SyncState.OFFLINE, SyncState.OFFLINE]
    assert seen[-1].unsynced == 1
    assert "Settings" in seen[-1].next_step


def _printed_log(vault: Vault) -> list[tuple[str, str | None, str | None]]:
    with vault.read() as conn:
        rows = connection(conn).execute(
            AuditEntry.__table__.select()
            .where(AuditEntry.action.in_(["print", "complete"]))
            .order_by(AuditEntry.seq)
        )
        return [(r.action, r.record_id, r.reason) for r in rows]


def _issue_letter(ws: Workspace) -> KeptDocument:
    jan = ws.records.create(record_type="person", fields=person())
    issued = ws.warnings.issue(
        WarningRequest(
            person_id=jan.id,
            scheme_id="street_drinking_vagrancy",
            behaviour="Begging at the cash machine",
            conditions=("ask people for money",),
            district="huddersfield",
            place_label="Cash machine, New Street",
            occurred_at=BEHAVIOUR_AT,
        )
    )
    return issued.documents[0]


def test_a_letter_is_logged_as_printed_before_it_goes_to_the_printer(vault: Vault) -> None:
    logged_when_printing: list[list[tuple[str, str | None, str | None]]] = []

    def printer(pdf: bytes, **_: object) -> object:
        logged_when_printing.append(_printed_log(vault))
        return None

    ws = open_workspace(vault, documents=DocumentService(vault, printer=printer))
    letter = _issue_letter(ws)
    outcome = ws.documents.print_document(letter, printer=None, recipient="handed over")
    assert outcome.printed
    assert logged_when_printing == [[("print", letter.id, "yellow_letter printed")]]
    assert _printed_log(vault)[-1] == ("complete", None, "yellow_letter printed: 1 document")


def test_a_print_the_printer_refused_is_completed_with_nothing_printed(
    workspace: Workspace, vault: Vault
) -> None:
    letter = _issue_letter(workspace)
    outcome = workspace.documents.print_document(letter, printer=None)
    assert not outcome.printed
    assert _printed_log(vault) == [
        ("print", letter.id, "yellow_letter printed"),
        ("complete", None, "yellow_letter printed: 0 documents"),
    ]
