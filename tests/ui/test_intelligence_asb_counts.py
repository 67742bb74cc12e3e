# mypy: disable-error-code="no-untyped-call"
"""The Intelligence screen's ASB tab: open cases by category and district, overdue actions and
high-risk victims, as counts that name no one."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from fieldkit.domain.schemes import load_schemes
from fieldkit.services.intelligence import AsbPicture, IntelligenceService
from fieldkit.services.records import RecordService
from fieldkit.store.vault import Vault
from fieldkit.ui.intelligence_view import IntelligenceView, asb_summary_text
from fieldkit.ui.workers import Workers

pytestmark = pytest.mark.gui
WAIT = 10_000


def _case(records: RecordService, reference: str, category: str, district: str) -> None:
    records.create(
        record_type="asb_case",
        fields={
            "reference": reference,
            "title": "Loud music from a flat",
            "category": category,
            "district": district,
            "owner": "amy.officer",
            "opened_on": "2026-11-01",
        },
    )


def test_the_asb_tab_counts_open_cases_by_category_and_district(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    records = RecordService(vault)
    _case(records, "HUD-2026-1", "nuisance", "huddersfield")
    _case(records, "HUD-2026-2", "nuisance", "huddersfield")
    _case(records, "RUR-2026-1", "environmental", "rural")
    view = IntelligenceView(
        IntelligenceService(vault, schemes=load_schemes()),
        Workers(),
        choose_file=lambda _title, name: tmp_path / name,
    )
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        view.refresh()
    model = view.asb_table.model()
    rows = {
        tuple(model.index(r, c).data() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    }
    assert rows == {
        ("Nuisance", "Huddersfield", "2"),
        ("Environmental", "Rural (Kirklees Rural)", "1"),
    }
    assert view.asb_summary.text().startswith("3 open cases; 0 overdue actions; 0 high-risk")
    assert "Loud music" not in view.asb_summary.text()
    assert view.csv_choice.findData("asb") >= 0


@pytest.mark.parametrize(
    ("picture", "expected"),
    [
        (AsbPicture((), 0, 0), "0 open cases; 0 overdue actions; 0 high-risk victims"),
        (
            AsbPicture((("Nuisance", "Huddersfield", 1),), 1, 1),
            "1 open case; 1 overdue action; 1 high-risk victim",
        ),
        (
            AsbPicture((("Nuisance", "Huddersfield", 2),), 3, 2),
            "2 open cases; 3 overdue actions; 2 high-risk victims",
        ),
    ],
)
def test_the_asb_summary_says_its_counts_in_words(picture: AsbPicture, expected: str) -> None:
    assert asb_summary_text(picture).startswith(expected)
