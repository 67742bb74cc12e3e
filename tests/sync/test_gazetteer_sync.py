"""The address gazetteer reaches laptops and follows re-imports: added, changed and removed."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.factories import person
from tests.sync.conftest import BIN, SERVER_ENV, Laptop, Server

from fieldkit.services.gazetteer import GazetteerService
from fieldkit.services.records import RecordService
from fieldkit.services.sync_engine import SyncOutcome
from fieldkit.sync.protocol import GazetteerPage, ServerRefused, ServerUnreachable
from fieldkit.sync.transport import Transport, TransportConfig

HEADER = "uprn,address,postcode,easting,northing,landmark\n"
FIRST = (
    HEADER
    + '100,"12 Kirkgate, Huddersfield",HD1 1AB,414500,416700,\n'
    + '101,"14 Kirkgate, Huddersfield",HD1 1AB,414520,416705,\n'
    + '102,"Bus Station, Upperhead Row, Huddersfield",HD1 2JN,414075,416474,Bus Station\n'
)
# 101 is gone, 100 moved to another postcode, 103 is new, 102 is the same.
SECOND = (
    HEADER
    + '100,"12 Kirkgate, Huddersfield",HD1 1AD,414500,416700,\n'
    + '102,"Bus Station, Upperhead Row, Huddersfield",HD1 2JN,414075,416474,Bus Station\n'
    + '103,"3 Northgate, Dewsbury",WF13 1AA,424600,421800,\n'
)


def _import(server: Server, tmp_path: Path, text: str) -> None:
    path = tmp_path / "gazetteer.csv"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [str(BIN), "gazetteer", "import", "--db", server.admin.db_url, str(path)],
        env=SERVER_ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _held(laptop: Laptop) -> dict[str, tuple[str, str]]:
    service = GazetteerService(laptop.open())
    found = service.search("huddersfield dewsbury", limit=100)
    return {e.uprn: (e.address, e.postcode) for e in found}


def test_a_reimport_reaches_the_laptop_as_an_increment(
    server: Server, laptops: Callable[..., Laptop], tmp_path: Path
) -> None:
    server.admin.add_user("amy")
    _import(server, tmp_path, FIRST)
    laptop = laptops("amy-laptop", "amy", server.url)
    first = laptop.sync()
    assert first.outcome == "ok", first.message
    assert first.gazetteer_changes == 3
    service = GazetteerService(laptop.open())
    assert service.held() == (3, 3)
    assert service.address("101") is not None

    _import(server, tmp_path, SECOND)
    second = laptop.sync()
    assert second.outcome == "ok", second.message
    # Only the three changes travel: 100 changed, 101 removed, 103 added (102 is unchanged).
    assert second.gazetteer_changes == 3
    assert service.address("101") is None
    changed = service.address("100")
    assert changed is not None
    assert changed.postcode == "HD1 1AD"
    added = service.address("103")
    assert added is not None
    assert added.address == "3 Northgate, Dewsbury"
    assert service.held() == (3, 6)

    third = laptop.sync()
    assert third.gazetteer_changes == 0


def test_a_first_fetch_in_small_pages_gets_every_address(
    sqlite_server: Server, laptops: Callable[..., Laptop], tmp_path: Path
) -> None:
    sqlite_server.admin.add_user("amy")
    rows = "".join(
        f'{500 + n},"{n} Kirkgate, Huddersfield",HD1 1AB,{414000 + n},416700,\n'
        for n in range(1, 26)
    )
    _import(sqlite_server, tmp_path, HEADER + rows)
    laptop = laptops("amy-laptop", "amy", sqlite_server.url)
    engine = laptop.engine()
    engine._gazetteer_page = 4
    report = engine.run()
    assert report.outcome == "ok", report.message
    assert report.gazetteer_changes == 25
    assert GazetteerService(laptop.open()).held() == (25, 25)


class CutAtTheGazetteer(Transport):
    """The connection fails just as the laptop asks for the gazetteer."""

    def gazetteer(self, *, since: int, limit: int) -> GazetteerPage:
        del since, limit
        raise ServerUnreachable("The connection to the sync server failed.")


class GazetteerUnknown(Transport):
    """A server from before the gazetteer: the endpoint is not there."""

    def gazetteer(self, *, since: int, limit: int) -> GazetteerPage:
        del since, limit
        raise ServerRefused("Not Found", status=404)


def test_records_are_synced_before_the_gazetteer_is_asked_for(
    sqlite_server: Server, laptops: Callable[..., Laptop], tmp_path: Path
) -> None:
    sqlite_server.admin.add_user("amy")
    _import(sqlite_server, tmp_path, FIRST)
    laptop = laptops("amy-laptop", "amy", sqlite_server.url)
    made = RecordService(laptop.open()).create(record_type="person", fields=person())
    laptop.transport = CutAtTheGazetteer(
        TransportConfig(server_url=sqlite_server.url, max_attempts=1)
    )
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OFFLINE
    assert made.id in sqlite_server.view("amy")  # the record went up all the same
    assert GazetteerService(laptop.open()).held() == (0, 0)
    laptop.transport = None
    assert laptop.sync().gazetteer_changes == 3


def test_a_server_without_the_gazetteer_syncs_as_before(
    sqlite_server: Server, laptops: Callable[..., Laptop]
) -> None:
    sqlite_server.admin.add_user("amy")
    laptop = laptops("amy-laptop", "amy", sqlite_server.url)
    laptop.transport = GazetteerUnknown(TransportConfig(server_url=sqlite_server.url))
    report = laptop.sync()
    assert report.outcome is SyncOutcome.OK, report.message
    assert report.gazetteer_changes == 0
