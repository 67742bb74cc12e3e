"""Remote wipe removes the vault and nothing else the officer keeps beside it."""

from __future__ import annotations

from collections.abc import Callable

from tests.sync.conftest import Laptop, Server

from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.store import replica


def test_a_revoked_device_wipe_leaves_the_users_own_files_in_the_folder(
    server: Server, laptops: Callable[..., Laptop]
) -> None:
    server.admin.add_user("amy")
    amy = laptops("amy", "amy", server.url)
    assert amy.sync().outcome is SyncOutcome.OK
    # The officer later saved their own things in the vault's folder.
    (amy.folder / "rota.xlsx").write_bytes(b"the officer's own spreadsheet")
    (amy.folder / "photos").mkdir()
    (amy.folder / "photos" / "bike.jpg").write_bytes(b"jpeg")
    with amy.open().read() as conn:
        device_id = replica.get_state(conn, "device_id")
    server.admin.revoke_device(device_id)
    report = amy.engine().run()
    assert report.outcome is SyncOutcome.DEVICE_REVOKED
    assert report.wiped
    assert sorted(p.name for p in amy.folder.iterdir()) == ["photos", "rota.xlsx"]
    assert (amy.folder / "rota.xlsx").read_bytes() == b"the officer's own spreadsheet"
    assert (amy.folder / "photos" / "bike.jpg").read_bytes() == b"jpeg"
