"""A record's photos and files on screen: attach, thumbnails, the viewer, "file arriving"."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from tests.evidence_files import pdf, photo
from tests.factories import visit

from fieldkit.services.evidence import AttachmentService, AttachmentView
from fieldkit.services.records import RecordService
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault
from fieldkit.ui.evidence_strip import EvidenceStrip, EvidenceViewer, camera_available
from fieldkit.ui.workers import Workers

WAIT = 15_000


def _searched(roots: list[Path], needles: list[bytes]) -> list[str]:
    found = []
    for root in roots:
        for path in root.rglob("*") if root.exists() else []:
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                found += [str(path) for n in needles if n in data]
    return found


def test_a_record_without_photos_says_none_yet_in_place_of_an_empty_box(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    visit_id = RecordService(vault).create(record_type="visit", fields=visit()).id
    workers = Workers()
    strip = EvidenceStrip(AttachmentService(vault), workers)
    qtbot.addWidget(strip)
    assert strip.empty.isVisibleTo(strip)
    assert not strip.list.isVisibleTo(strip)
    assert strip.empty.text() == "Choose a record to see its photos and files."
    strip.set_owner(("visit", visit_id))
    qtbot.waitUntil(lambda: strip.empty.text() == "No photos or files yet.", timeout=WAIT)
    assert strip.empty.isVisibleTo(strip)
    assert not strip.list.isVisibleTo(strip)
    source = tmp_path / "wall.jpg"
    source.write_bytes(photo(width=300, height=200, seed=7))
    strip.attach_path(source, "Tag on the wall")
    qtbot.waitUntil(lambda: strip.list.count() == 1 and workers.pending == 0, timeout=WAIT)
    assert strip.list.isVisibleTo(strip)
    assert not strip.empty.isVisibleTo(strip)
    strip.set_owner(None)
    assert strip.empty.text() == "Choose a record to see its photos and files."
    assert not strip.list.isVisibleTo(strip)


def test_a_strip_says_in_its_screens_words_what_must_happen_before_photos_can_be_attached(
    qtbot: QtBot, vault: Vault
) -> None:
    strip = EvidenceStrip(
        AttachmentService(vault),
        Workers(),
        waiting="Photos and files can be attached once the visit is saved.",
    )
    qtbot.addWidget(strip)
    assert strip.empty.text() == "Photos and files can be attached once the visit is saved."
    assert not strip.attach_button.isEnabled()


def test_attaching_shows_a_thumbnail_and_opening_it_renders_from_memory(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    visit_id = RecordService(vault).create(record_type="visit", fields=visit()).id
    source = tmp_path / "camera" / "door.jpg"
    source.parent.mkdir()
    source.write_bytes(photo(width=500, height=400, seed=31))
    workers = Workers()
    strip = EvidenceStrip(AttachmentService(vault), workers)
    qtbot.addWidget(strip)
    strip.set_owner(("visit", visit_id))
    strip.attach_path(source, "Broken door")
    qtbot.waitUntil(lambda: strip.list.count() == 1 and workers.pending == 0, timeout=WAIT)
    item = strip.list.item(0)
    assert item.text() == "Broken door"
    assert not item.icon().isNull()
    assert "SHA-256" in strip.message.text()
    [view] = AttachmentService(vault).list_for(owner_type="visit", owner_id=visit_id)
    data = AttachmentService(vault).open(attachment_id=view.id)
    viewer = EvidenceViewer(view, data)
    qtbot.addWidget(viewer)
    assert viewer.picture.pixmap() is not None
    assert not viewer.picture.pixmap().isNull()
    assert view.sha256 in viewer.details.text()
    # Nothing of the photo or its thumbnail was written where Qt or Python put temporary files.
    with vault.read() as conn:
        thumb = (
            connection(conn)
            .execute(
                text("SELECT data FROM blob_chunk WHERE sha256 = :s"), {"s": view.thumbnail_sha256}
            )
            .scalar_one()
        )
    needles = [data[len(data) // 2 : len(data) // 2 + 48], thumb[len(thumb) // 2 :][:48]]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fieldkit"
    assert _searched([vault.folder, cache], needles) == []


def test_a_file_whose_content_has_not_arrived_reads_file_arriving(
    qtbot: QtBot, vault: Vault
) -> None:
    visit_id = RecordService(vault).create(record_type="visit", fields=visit()).id
    AttachmentService(vault).attach(owner_type="visit", owner_id=visit_id, data=pdf())
    with vault.write() as conn:  # as on a laptop that has the record but not yet the file
        connection(conn).execute(text("UPDATE blob SET complete = 0"))
    workers = Workers()
    strip = EvidenceStrip(AttachmentService(vault), workers)
    qtbot.addWidget(strip)
    strip.set_owner(("visit", visit_id))
    qtbot.waitUntil(lambda: strip.list.count() == 1, timeout=WAIT)
    assert strip.list.item(0).text() == "File arriving"


def test_a_refused_file_says_why_and_attaches_nothing(
    qtbot: QtBot, vault: Vault, tmp_path: Path
) -> None:
    visit_id = RecordService(vault).create(record_type="visit", fields=visit()).id
    source = tmp_path / "notes.txt"
    source.write_text("not evidence Fieldkit keeps")
    workers = Workers()
    strip = EvidenceStrip(AttachmentService(vault), workers)
    qtbot.addWidget(strip)
    strip.set_owner(("visit", visit_id))
    strip.attach_path(source, "")
    qtbot.waitUntil(lambda: "not a kind of file" in strip.message.text(), timeout=WAIT)
    assert AttachmentService(vault).list_for(owner_type="visit", owner_id=visit_id) == []


def test_the_camera_action_shows_only_where_qt_multimedia_loads(qtbot: QtBot, vault: Vault) -> None:
    strip = EvidenceStrip(AttachmentService(vault), Workers())
    qtbot.addWidget(strip)
    strip.enable_camera_if_present()
    assert strip.camera_button.isVisibleTo(strip) == camera_available()
    assert strip.attach_button.accessibleName()
    assert not strip.attach_button.isEnabled()  # nothing to attach to until a record is open


def test_a_persons_profile_shows_the_photos_attached_to_them(qtbot: QtBot, vault: Vault) -> None:
    from tests.factories import person

    from fieldkit.services.people import PeopleService
    from fieldkit.ui.people_view import PeopleView

    records = RecordService(vault)
    person_id = records.create(record_type="person", fields=person()).id
    AttachmentService(vault).attach(
        owner_type="person", owner_id=person_id, data=photo(seed=41), caption="Identifying tattoo"
    )
    workers = Workers()
    view = PeopleView(PeopleService(vault, records, {}), workers, evidence=AttachmentService(vault))
    qtbot.addWidget(view)
    view.open(person_id)
    assert view.evidence is not None
    strip = view.evidence
    qtbot.waitUntil(lambda: strip.list.count() == 1, timeout=WAIT)
    assert strip.list.item(0).text() == "Identifying tattoo"


class _SlowFirstList(AttachmentService):
    """The real service, whose first list is read and then held until the test lets it go."""

    def __init__(self, vault: Vault) -> None:
        super().__init__(vault)
        self.release = threading.Event()
        self._lists = 0

    def list_for(self, *, owner_type: str, owner_id: str) -> list[AttachmentView]:
        views = super().list_for(owner_type=owner_type, owner_id=owner_id)
        self._lists += 1
        if self._lists == 1:
            self.release.wait(timeout=WAIT / 1000)
        return views


def test_a_list_read_before_an_attach_never_hides_what_the_attach_added(
    qtbot: QtBot, vault: Vault
) -> None:
    """Opening a record and attaching to it both load the list: the newest load is shown.

    The first load reads the list (one photo) and is held until the attach and the load after
    it have shown two; when it finally answers, its older list must not replace theirs.
    """
    visit_id = RecordService(vault).create(record_type="visit", fields=visit()).id
    AttachmentService(vault).attach(
        owner_type="visit", owner_id=visit_id, data=photo(seed=41), caption="First"
    )
    service = _SlowFirstList(vault)
    pool = QThreadPool()
    pool.setMaxThreadCount(3)
    workers = Workers(pool=pool)
    strip = EvidenceStrip(service, workers)
    qtbot.addWidget(strip)
    strip.set_owner(("visit", visit_id))
    strip.attach_bytes(photo(seed=42), "Second")
    texts = lambda: [strip.list.item(i).text() for i in range(strip.list.count())]  # noqa: E731
    qtbot.waitUntil(lambda: sorted(texts()) == ["First", "Second"], timeout=WAIT)
    service.release.set()
    qtbot.waitUntil(lambda: workers.pending == 0, timeout=WAIT)
    assert sorted(texts()) == ["First", "Second"]
    pool.waitForDone(WAIT)
