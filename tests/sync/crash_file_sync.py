"""A laptop process for the file-sync crash test: syncs, and stops dead after N chunks.

Run as ``python crash_file_sync.py VAULT SERVER_URL USERNAME N`` with the passphrase and the
password on standard input; it prints ``received N`` once the N-th chunk is committed and blocks
until the test kills it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fieldkit.services.sync_engine import SyncEngine, SyncHooks
from fieldkit.store.vault import Vault
from fieldkit.sync.transport import Transport, TransportConfig


def main() -> None:
    folder, server_url, username, stop = sys.argv[1:5]
    passphrase = sys.stdin.readline().rstrip("\n")
    password = sys.stdin.readline().rstrip("\n")

    def stop_after(count: int) -> None:
        if count == int(stop):
            print(f"received {count}", flush=True)
            sys.stdin.read()  # blocks: the test SIGKILLs this process here

    vault = Vault.unlock(Path(folder), passphrase=passphrase)
    engine = SyncEngine(
        vault,
        Transport(TransportConfig(server_url=server_url)),
        username=username,
        password=lambda: password,
        hooks=SyncHooks(after_file_chunk=stop_after),
    )
    engine.run()
    print("finished without being killed", flush=True)


if __name__ == "__main__":
    main()
