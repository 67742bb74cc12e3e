"""Each record shows its own regime: a patrol under Part 3, a tenancy visit under the UK GDPR."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.documents.pdf_reading import pdf_text
from tests.factories import person, visit
from tests.ui.conftest import offline_workspace

from fieldkit.domain.records import RecordType
from fieldkit.domain.retention import record_regime
from fieldkit.domain.schemes import load_schemes
from fieldkit.domain.vocabulary import Regime
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.people import PeopleService
from fieldkit.services.records import RecordService
from fieldkit.services.subject_access import SubjectAccessService
from fieldkit.store.vault import Vault
from fieldkit.ui.people_view import PeopleView
from fieldkit.ui.visit_form import VisitFormPresenter
from fieldkit.ui.visit_view import VisitView
from fieldkit.ui.workers import Workers

PART3 = Regime.LAW_ENFORCEMENT.label
GDPR = Regime.UK_GDPR.label


@pytest.mark.parametrize(
    ("record_type", "fields", "regime"),
    [
        (RecordType.VISIT, {"kind": "patrol"}, Regime.LAW_ENFORCEMENT),
        (RecordType.VISIT, {"kind": "tenancy_visit"}, Regime.UK_GDPR),
        (RecordType.VISIT, {"kind": "welfare_check"}, Regime.LAW_ENFORCEMENT),
        (RecordType.VISIT, {}, Regime.LAW_ENFORCEMENT),
        (RecordType.PERSON, {}, Regime.LAW_ENFORCEMENT),
        (RecordType.TENANCY_NOTE, {}, Regime.UK_GDPR),
        (RecordType.SERVICE, {}, Regime.UK_GDPR),
    ],
)
def test_a_records_regime_comes_from_its_types_rule_and_its_own_fields(
    record_type: RecordType, fields: dict[str, object], regime: Regime
) -> None:
    assert record_regime(record_type, fields) is regime


def _seen_twice(vault: Vault) -> tuple[str, str, str]:
    records = RecordService(vault)
    subject = records.create(record_type="person", fields=person())
    patrol = records.create(record_type="visit", fields=visit(person_ids=[subject.id]))
    housing = records.create(
        record_type="visit",
        fields=visit(
            person_ids=[subject.id], kind="tenancy_visit", occurred_at="2026-11-28T10:00:00Z"
        ),
    )
    return subject.id, patrol.id, housing.id


def test_the_profile_shows_each_records_regime_and_the_persons_own(vault: Vault) -> None:
    subject, patrol, housing = _seen_twice(vault)

    profile = PeopleService(vault, RecordService(vault), {}).profile(subject)

    by_id = {e.record_id: e.regime for e in profile.timeline}
    assert by_id[patrol] == PART3
    assert by_id[housing] == GDPR
    assert profile.regime == PART3


def test_the_profile_screen_lists_the_regime_column_and_line(qtbot: QtBot, vault: Vault) -> None:
    subject, _patrol, _housing = _seen_twice(vault)
    view = PeopleView(PeopleService(vault, RecordService(vault), load_schemes()), Workers())
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.profile_shown, timeout=30_000):
        view.open(subject)

    model = view.timeline
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    column = headers.index("Processed under")
    shown = {model.index(r, column).data() for r in range(model.rowCount())}
    assert shown == {PART3, GDPR}
    assert f"Processed under: {PART3}" in view.identity.text()


def test_the_visit_screen_shows_the_regime_the_kind_brings(qtbot: QtBot, vault: Vault) -> None:
    ws = offline_workspace(vault)
    view = VisitView(
        VisitFormPresenter(
            ws.visits, ws.drafts, now=lambda: datetime(2026, 12, 6, 9, 0), district="huddersfield"
        ),
        ws.visits,
        Workers(),
    )
    qtbot.addWidget(view)

    view.kind.setCurrentIndex(view.kind.findData("patrol"))
    assert view.regime.text() == f"Processed under: {PART3}"
    view.kind.setCurrentIndex(view.kind.findData("tenancy_visit"))
    assert view.regime.text() == f"Processed under: {GDPR}"
    assert view.regime.accessibleName()


def test_a_laptops_subject_access_pdf_and_json_give_each_records_regime(
    vault: Vault, tmp_path: Path
) -> None:
    subject, patrol, housing = _seen_twice(vault)
    out = tmp_path / "out"
    out.mkdir()

    result = SubjectAccessService(vault, documents=DocumentService(vault)).export(
        subject, folder=out
    )

    text = " ".join(pdf_text(result.pdf_path.read_bytes()).split())
    assert f"Processed under: {GDPR}." in text
    assert f"Processed under: {PART3}." in text
    exported = json.loads(result.json_path.read_text(encoding="utf-8"))
    regimes = {r["id"]: r["regime"] for r in exported["records"] if r["id"] in (patrol, housing)}
    assert regimes == {patrol: "dpa2018_part3", housing: "uk_gdpr"}
