# mypy: disable-error-code="no-untyped-call"
"""The demo's supervisor, in the real window: review the team's work, settle the conflict, see
each picture, evaluate an initiative and export a meeting pack.

`fieldkit demo --headless` makes the two vaults and syncs them with its own server; the window
is then opened over the demo's vault folder, as `fieldkit demo` opens it, and unlocked as
demo.supervisor with the passphrase the demo printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from tests.documents.pdf_reading import pdf_text

from fieldkit.demo.generator import planted_records
from fieldkit.domain.records import RecordType
from fieldkit.services.session import SessionService, VaultDirectory
from fieldkit.store.schema import AuditEntry
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault
from fieldkit.ui.intelligence_view import IntelligenceView
from fieldkit.ui.shell import CONFLICTS, INTELLIGENCE, REVIEW, MainWindow

pytestmark = pytest.mark.gui
WAIT = 30_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [sys.executable, "-m", "fieldkit.cli", "demo", "--headless", "--visits", "300",
         "--dir", str(folder)],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    marker = "Supervisor's vault passphrase (shown once): "
    passphrase = result.stdout.split(marker, 1)[1].split()[0]
    return folder / "vaults", passphrase


@pytest.fixture
def window(qtbot: QtBot, demo: tuple[Path, str], tmp_path: Path) -> Iterator[MainWindow]:
    vaults, passphrase = demo
    win = MainWindow(SessionService(VaultDirectory(vaults)), idle_ms=10 * 60_000)
    qtbot.addWidget(win)
    win.resize(1366, 768)
    win.show()
    unlock = win.unlock_view
    assert [unlock.user_combo.itemText(i) for i in range(unlock.user_combo.count())] == [
        "demo.officer",
        "demo.supervisor",
    ]
    unlock.user_combo.setCurrentText("demo.supervisor")
    unlock.passphrase.setText(passphrase)
    with qtbot.waitSignal(win.unlocked, timeout=WAIT):
        unlock.unlock_button.click()
    qtbot.waitUntil(lambda: win.screens is not None, timeout=WAIT)
    yield win
    win.shutdown()


def test_the_demo_supervisor_reviews_settles_sees_evaluates_and_exports(
    qtbot: QtBot, window: MainWindow, demo: tuple[Path, str], tmp_path: Path
) -> None:
    screens = window.screens
    assert screens is not None

    # Review the team's synced work: open the newest item and approve (or countersign) it.
    review = screens.review
    with qtbot.waitSignal(review.loaded, timeout=WAIT):
        window.go(REVIEW)
    waiting = review.queue.total if review.queue else 0
    assert waiting > 100
    # Colleagues are shown by the name the directory gives them, not their username.
    assert {i.officer for i in review.model.rows} == {"Sam Whitaker (demo officer)"}
    with qtbot.waitSignal(review.opened, timeout=WAIT):
        review.table.selectRow(0)
    with qtbot.waitSignal(review.decided, timeout=WAIT):
        review.approve_open()
    assert review.queue is not None
    assert review.queue.total == waiting - 1

    # Settle the conflict the demo staged, on the officer's value.
    conflicts = screens.conflicts
    with qtbot.waitSignal(conflicts.loaded, timeout=WAIT):
        window.go(CONFLICTS)
    assert len(conflicts.model.rows) == 1
    with qtbot.waitSignal(conflicts.opened, timeout=WAIT):
        conflicts.table.selectRow(0)
    item = conflicts.model.rows[0]
    button = conflicts.keep_button if item.kept.by == "demo.officer" else conflicts.use_button
    with qtbot.waitSignal(conflicts.resolved, timeout=WAIT):
        button.click()

    # Each picture, an initiative evaluated, and the meeting pack exported.
    intelligence: IntelligenceView = screens.intelligence
    with qtbot.waitSignal(intelligence.loaded, timeout=WAIT):
        window.go(INTELLIGENCE)
    for name in ("trends", "hotspots", "early_warning", "pipeline", "closures"):
        assert name in intelligence.tables, name
    assert intelligence.trends_chart.chart().series()
    intelligence.eval_start.setDate(QDate(2026, 9, 1))
    with qtbot.waitSignal(intelligence.evaluated, timeout=WAIT):
        intelligence.evaluate()
    assert intelligence.evaluation is not None
    assert intelligence.evaluation.before + intelligence.evaluation.after > 0
    intelligence.district.setCurrentIndex(intelligence.district.findData("huddersfield"))
    pack = tmp_path / "pack.pdf"
    with qtbot.waitSignal(intelligence.exported, timeout=WAIT):
        intelligence.export_pack(pack)
    text = pdf_text(pack.read_bytes())
    assert "Huddersfield" in text

    # What the supervisor opened and exported is in the vault's s62 log.
    window.lock()
    vaults, passphrase = demo
    vault = Vault.unlock(vaults / "demo.supervisor", passphrase=passphrase)
    try:
        with vault.read() as conn:
            logged = {
                (a, r)
                for a, r in connection(conn).execute(select(AuditEntry.action, AuditEntry.reason))
            }
            reviewed = {
                str(r.fields["subject_id"]) for r in vault.records(conn).iter_all(RecordType.REVIEW)
            }
    finally:
        vault.lock()
    # The visit planted for the retention review is years old: the demo returns another.
    assert reviewed
    assert not reviewed & {p.id for p in planted_records()}
    assert ("view", "review") in logged
    assert ("view", "conflict review") in logged
    assert any(a == "export" and (r or "").startswith("Meeting pack PDF") for a, r in logged)
