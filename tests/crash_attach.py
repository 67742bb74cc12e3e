"""A laptop process for the attach crash test: attaches photos until it is killed.

Run as ``python crash_attach.py VAULT VISIT_ID PHOTO...`` with the passphrase on standard input.
After each attachment is committed it prints ``acknowledged ID SHA256``. With ``--stop-inside``
it instead stops dead inside the second attachment's transaction, after its file's chunks are
written and before the record is, printing ``inside`` and blocking until the test kills it.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from fieldkit.services.evidence import AttachmentService
from fieldkit.store import blobs
from fieldkit.store.vault import Vault


def main() -> None:
    args = sys.argv[1:]
    stop_inside = "--stop-inside" in args
    folder, visit_id, *photos = [a for a in args if a != "--stop-inside"]
    passphrase = sys.stdin.readline().rstrip("\n")
    vault = Vault.unlock(Path(folder), passphrase=passphrase)
    service = AttachmentService(vault)
    if stop_inside:
        put = blobs.put
        count = itertools.count()

        def put_then_stop(conn, data, *, at):  # type: ignore[no-untyped-def]
            digest = put(conn, data, at=at)
            if next(count) == 2:  # the second photo's own bytes (the first had two blobs)
                print("inside", flush=True)
                sys.stdin.read()  # blocks: the test SIGKILLs this process here
            return digest

        blobs.put = put_then_stop  # type: ignore[assignment]
    for number, photo in enumerate(itertools.cycle(photos)):
        view = service.attach(
            owner_type="visit",
            owner_id=visit_id,
            data=Path(photo).read_bytes(),
            caption=f"photo {number}",
        )
        print(f"acknowledged {view.id} {view.sha256}", flush=True)


if __name__ == "__main__":
    main()
