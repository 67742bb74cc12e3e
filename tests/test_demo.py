"""`fieldkit demo`: the README's run command, end to end with a real local server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_headless_demo_fills_a_vault_syncs_it_with_a_demo_server_and_searches(
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
    assert (tmp_path / "vault" / "vault.db").exists()
    # The passphrase is shown once on stdout and nowhere else: not in the server's log.
    passphrase = out.split("Vault passphrase (shown once): ", 1)[1].split()[0]
    assert passphrase not in (tmp_path / "server" / "server.log").read_text()
