"""A laptop process for the crash test: syncs, and stops dead inside page 3's transaction.

Run as ``python crash_client.py VAULT SERVER_URL USERNAME`` with the passphrase and the password
on standard input; it prints ``applying page 3`` and blocks until the test kills it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fieldkit.services.sync_engine import SyncEngine, SyncHooks
from fieldkit.store.vault import Vault
from fieldkit.sync.transport import Transport, TransportConfig


def _stop_inside(page: int) -> None:
    if page == 3:
        print("applying page 3", flush=True)
        sys.stdin.read()  # blocks: the test SIGKILLs this process here


def main() -> None:
    folder, server_url, username = sys.argv[1:4]
    passphrase = sys.stdin.readline().rstrip("\n")
    password = sys.stdin.readline().rstrip("\n")
    vault = Vault.unlock(Path(folder), passphrase=passphrase)
    engine = SyncEngine(
        vault,
        Transport(TransportConfig(server_url=server_url)),
        username=username,
        password=lambda: password,
        pull_limit=4,
        hooks=SyncHooks(before_page_commit=_stop_inside),
    )
    engine.run()
    print("finished without being killed", flush=True)


if __name__ == "__main__":
    main()
