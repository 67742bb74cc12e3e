"""Taking a photo with the camera: no camera, capture into memory, retake, errors in plain words.

This machine has no camera. The capture path is driven the way Qt drives it: a ``QImage`` is
delivered to the dialog's ``image_captured`` handler, exactly as ``QImageCapture.imageCaptured``
(id, QImage) delivers it; everything after that (encoding, attaching, thumbnails) is real.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtMultimedia import QCamera, QCameraDevice, QMediaDevices
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from tests.factories import visit

from fieldkit.services.evidence import AttachmentService
from fieldkit.services.records import RecordService
from fieldkit.store.transaction import connection
from fieldkit.store.vault import Vault
from fieldkit.ui.camera_dialog import CameraDialog, image_bytes
from fieldkit.ui.evidence_strip import EvidenceStrip, camera_available
from fieldkit.ui.workers import Workers

WAIT = 15_000


def _frame(width: int = 640, height: int = 480) -> QImage:
    """A frame as a camera would hand it over: not blank, so JPEG has something to keep."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(40, 90, 160))
    painter = QPainter(image)
    for i in range(0, width, 40):
        painter.fillRect(i, 0, 20, height, QColor(200, (i * 3) % 255, 60))
    painter.fillRect(100, 100, 200, 120, Qt.GlobalColor.white)
    painter.end()
    return image


def _no_camera() -> CameraDialog:
    return CameraDialog(device=QCameraDevice())


def test_with_no_camera_take_photo_is_hidden(qtbot: QtBot, vault: Vault) -> None:
    if QMediaDevices.videoInputs():
        pytest.skip("this machine has a camera")
    strip = EvidenceStrip(AttachmentService(vault), Workers())
    qtbot.addWidget(strip)
    strip.enable_camera_if_present()
    assert not camera_available()
    assert not strip.camera_button.isVisibleTo(strip)


def test_the_camera_dialog_without_a_camera_says_so_and_offers_nothing_to_capture(
    qtbot: QtBot,
) -> None:
    dialog = _no_camera()
    qtbot.addWidget(dialog)
    assert dialog.message.text() == "No camera found. Attach a photo from a file instead."
    assert not dialog.capture_button.isEnabled()
    assert not dialog.use_button.isEnabled()
    dialog.capture()  # nothing to capture with: no effect, no error
    assert dialog.photo is None


def test_a_captured_frame_is_shown_then_kept_as_jpeg_bytes_in_memory(qtbot: QtBot) -> None:
    dialog = _no_camera()
    qtbot.addWidget(dialog)
    dialog.image_captured(1, _frame())
    assert dialog.stack.currentWidget() is dialog.still
    assert dialog.use_button.isEnabled()
    assert dialog.retake_button.isEnabled()
    dialog.caption.setText("  Graffiti on the bus shelter ")
    dialog.use_button.click()
    assert dialog.result() == CameraDialog.DialogCode.Accepted
    assert dialog.photo is not None
    assert dialog.photo[:3] == b"\xff\xd8\xff"
    assert dialog.caption_text() == "Graffiti on the bus shelter"
    assert QImage.fromData(dialog.photo).size() == _frame().size()


def test_retake_drops_the_frame_and_shows_the_camera_again(qtbot: QtBot) -> None:
    dialog = _no_camera()
    qtbot.addWidget(dialog)
    dialog.image_captured(1, _frame())
    dialog.retake_button.click()
    assert dialog.stack.currentWidget() is dialog.video
    assert not dialog.use_button.isEnabled()
    dialog.use_photo()  # nothing taken: refused in words, the dialog stays open
    assert dialog.photo is None
    assert "could not be kept" in dialog.message.text()


def test_an_empty_frame_is_refused_in_plain_words(qtbot: QtBot) -> None:
    dialog = _no_camera()
    qtbot.addWidget(dialog)
    dialog.image_captured(2, QImage())
    assert dialog.message.text() == "The photo could not be taken. Try again."
    assert not dialog.use_button.isEnabled()
    with pytest.raises(ValueError, match="could not be encoded"):
        image_bytes(QImage())


def test_a_camera_error_is_told_in_plain_words_without_qts_wording(qtbot: QtBot) -> None:
    dialog = _no_camera()
    qtbot.addWidget(dialog)
    # As QCamera.errorOccurred(error, errorString) delivers it.
    dialog.camera_failed(QCamera.Error.CameraError, "VIDIOC_STREAMON: Device or resource busy")
    words = dialog.message.text()
    assert "camera is not working" in words
    assert "VIDIOC" not in words
    assert not dialog.capture_button.isEnabled()


def test_every_control_of_the_camera_dialog_has_an_accessible_name(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QWidget

    dialog = _no_camera()
    qtbot.addWidget(dialog)
    unnamed = [
        w.metaObject().className()
        for w in dialog.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus and not w.accessibleName()
    ]
    assert unnamed == []


def _files_touched_since(root: Path, since: float) -> list[Path]:
    out = []
    for dirpath, _dirs, files in os.walk(root, onerror=lambda _e: None):
        for name in files:
            path = Path(dirpath) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if info.st_mtime >= since and info.st_size < 64 * 1024 * 1024:
                out.append(path)
    return out


def test_a_photo_taken_is_attached_through_the_evidence_path_and_nothing_reaches_the_disk(
    qtbot: QtBot, vault: Vault
) -> None:
    started = time.time() - 1
    visit_id = RecordService(vault).create(record_type="visit", fields=visit()).id
    workers = Workers()
    strip = EvidenceStrip(AttachmentService(vault), workers)
    qtbot.addWidget(strip)
    strip.set_owner(("visit", visit_id))
    dialog = _no_camera()
    qtbot.addWidget(dialog)
    dialog.image_captured(7, _frame(1200, 900))
    dialog.caption.setText("Fly-tipping behind the garages")
    dialog.use_photo()
    captured = dialog.photo
    assert captured is not None
    strip._use_camera_photo(dialog)
    qtbot.waitUntil(lambda: strip.list.count() == 1 and workers.pending == 0, timeout=WAIT)
    assert strip.list.item(0).text() == "Fly-tipping behind the garages"
    assert not strip.list.item(0).icon().isNull()  # the thumbnail made at capture

    [view] = AttachmentService(vault).list_for(owner_type="visit", owner_id=visit_id)
    stored = AttachmentService(vault).open(attachment_id=view.id)
    assert view.media_type == "image/jpeg"
    assert view.captured_by == vault.username
    assert view.sha256 == hashlib.sha256(stored).hexdigest()  # hashed as stored, at capture
    assert view.thumbnail_sha256 is not None
    assert view.sha256 in strip.message.text()

    # Neither the frame as captured, nor as stored, nor its thumbnail was written in plain.
    with vault.read() as conn:
        thumb = (
            connection(conn)
            .execute(
                text("SELECT data FROM blob_chunk WHERE sha256 = :s"), {"s": view.thumbnail_sha256}
            )
            .scalar_one()
        )
    needles = [
        blob[len(blob) // 2 : len(blob) // 2 + 48] for blob in (captured, stored, bytes(thumb))
    ]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    leaked = [
        str(path)
        for root in (vault.folder, cache, Path(tempfile.gettempdir()))
        for path in _files_touched_since(root, started)
        if any(n in _read(path) for n in needles)
    ]
    assert leaked == []


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_take_photo_on_a_laptop_without_a_camera_opens_the_no_camera_message(
    qtbot: QtBot, vault: Vault
) -> None:
    if QMediaDevices.videoInputs():
        pytest.skip("this machine has a camera")
    visit_id = RecordService(vault).create(record_type="visit", fields=visit()).id
    strip = EvidenceStrip(AttachmentService(vault), Workers())
    qtbot.addWidget(strip)
    strip.set_owner(("visit", visit_id))
    strip.take_photo()
    [dialog] = strip.findChildren(CameraDialog)
    assert "No camera found" in dialog.message.text()
    dialog.reject()
