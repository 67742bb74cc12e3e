"""`fieldkit demo`: the README's run command, end to end with a real local server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_headless_demo_syncs_an_officer_and_a_supervisor_with_work_to_review(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fieldkit.cli", "demo", "--headless", "--visits", "300",
         "--dir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "Vault passphrase (shown once):" in out
    assert "First sync: Up to date." in out
    assert "Integrity check: sound" in out
    # The synthetic gazetteer went to the demo server and on to the laptop, typos and all.
    held = int(out.split("gazetteer: ", 1)[1].split(" addresses held", 1)[0])
    assert held > 5000
    assert "12 Kirkgate, Huddersfield" in out.split("address search '12 kirkgate hudersfield'")[1]
    assert (tmp_path / "vaults" / "demo.officer" / "vault.db").exists()
    assert (tmp_path / "vaults" / "demo.supervisor" / "vault.db").exists()
    # The supervisor has the officer's work to review and the staged conflict to settle.
    queue = out.split("Supervisor's review queue: ", 1)[1].split("\n", 1)[0]
    waiting = int(queue.split(" pieces of work waiting", 1)[0])
    assert waiting > 100
    assert "1 conflict to settle; 2 decisions sent" in queue
    # The passphrase is shown once on stdout and nowhere else: not in the server's log.
    passphrase = out.split("Vault passphrase (shown once): ", 1)[1].split()[0]
    assert passphrase not in (tmp_path / "server" / "server.log").read_text()
