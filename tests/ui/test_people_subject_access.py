# mypy: disable-error-code="no-untyped-call"
"""The People screen's subject access export on a real vault (offscreen), run on a worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from tests.documents.pdf_reading import pdf_text
from tests.factories import person, visit
from tests.ui.conftest import no_printer

from fieldkit.domain.schemes import load_schemes
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.people import PeopleService
from fieldkit.services.records import RecordService
from fieldkit.services.subject_access import SubjectAccessService
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault
from fieldkit.ui.people_view import PeopleView
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 10_000


def _plant(vault: Vault) -> dict[str, str]:
    with vault.write() as conn:
        repo = vault.records(conn)
        zoe = repo.create("person", person()).id
        kieran = repo.create("person", person(given_name="Kieran", family_name="Walsh")).id
        first = repo.create(
            "visit", visit(occurred_at="2026-11-02T10:00:00+00:00", person_ids=[zoe])
        ).id
        second = repo.create(
            "visit", visit(occurred_at="2026-11-19T15:20:00+00:00", person_ids=[zoe])
        ).id
        repo.create("visit", visit(person_ids=[kieran]))
    return {"zoe": zoe, "first": first, "second": second}


def _exports(vault: Vault) -> int:
    with vault.read() as conn:
        query = select(func.count()).where(AuditEntry.action == "export")
        return int(connection(conn).execute(query).scalar_one())


def _view(qtbot: QtBot, vault: Vault, folder: Path) -> PeopleView:
    view = PeopleView(
        PeopleService(vault, RecordService(vault), load_schemes()),
        Workers(),
        subject_access=SubjectAccessService(
            vault, documents=DocumentService(vault, printer=no_printer, printers=lambda: [])
        ),
        choose_folder=lambda _title: folder,
    )
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    return view


def test_the_export_button_writes_both_files_off_the_gui_thread_and_says_it_is_logged(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    ids = _plant(vault)
    out = tmp_path / "sar"
    out.mkdir()
    view = _view(qtbot, vault, out)
    assert not view.access_button.isHidden()
    assert not view.access_button.isEnabled()  # no one chosen yet
    with qtbot.waitSignal(view.profile_shown, timeout=WAIT):
        view.open(ids["zoe"])
    assert view.access_button.isEnabled()
    with qtbot.waitSignal(view.exported, timeout=WAIT):
        qtbot.mouseClick(view.access_button, Qt.MouseButton.LeftButton)
        assert not view.access_button.isEnabled()  # one export at a time
    (json_file,) = out.glob("subject-access-SAR-*.json")
    (pdf_file,) = out.glob("subject-access-SAR-*.pdf")
    held = json.loads(json_file.read_text(encoding="utf-8"))
    assert {r["id"] for r in held["records"]} == {ids["zoe"], ids["first"], ids["second"]}
    text = pdf_text(pdf_file.read_bytes())
    assert "Zoë O'Brien" in text
    assert "10:00 on Monday 2 November 2026" in text
    assert "15:20 on Thursday 19 November 2026" in text
    assert "Kieran" not in text
    assert "The export is logged" in view.access_status.text()
    assert pdf_file.name in view.access_status.text()
    assert view.access_button.isEnabled()
    assert _exports(vault) == 3


def test_a_failed_export_says_nothing_was_exported_and_leaves_nothing(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    ids = _plant(vault)
    missing = tmp_path / "unplugged-stick"
    view = _view(qtbot, vault, missing)
    with qtbot.waitSignal(view.profile_shown, timeout=WAIT):
        view.open(ids["zoe"])
    with qtbot.waitSignal(view.export_failed, timeout=WAIT):
        view.access_button.click()
    assert view.access_status.text().startswith("Nothing was exported.")
    assert "Zoë" not in view.access_status.text()
    assert not missing.exists()
    assert _exports(vault) == 0
    assert view.access_button.isEnabled()


def test_without_the_service_there_is_no_export_button(qtbot: QtBot, vault: Vault) -> None:
    view = PeopleView(PeopleService(vault, RecordService(vault), load_schemes()), Workers())
    qtbot.addWidget(view)
    view.show()
    assert view.access_button.isHidden()
