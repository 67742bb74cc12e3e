"""A record's photos and files: a strip of thumbnails, attach from a file, a viewer from memory."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.evidence import MediaType
from fieldkit.services.evidence import AttachmentService, AttachmentView
from fieldkit.ui.theme import set_tone
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

if TYPE_CHECKING:
    from fieldkit.ui.camera_dialog import CameraDialog

_ID = Qt.ItemDataRole.UserRole
_EDGE = 96


def _tr(text: str) -> str:
    return QCoreApplication.translate("EvidenceStrip", text)


def camera_available() -> bool:
    """Whether Qt Multimedia loads here (it needs the system's sound libraries); never raises."""
    try:
        module = importlib.import_module("PySide6.QtMultimedia")
    except ImportError:
        return False
    try:
        return bool(module.QMediaDevices.videoInputs())
    except (AttributeError, RuntimeError):
        return False


def pixmap_from(data: bytes) -> QPixmap:
    """An image drawn from bytes in memory (never through a file)."""
    pixmap = QPixmap()
    pixmap.loadFromData(data)
    return pixmap


class EvidenceViewer(QDialog):
    """One attachment, rendered from memory; the view was logged when its bytes were read."""

    def __init__(self, view: AttachmentView, data: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(view.caption or MediaType.label_for(view.media_type))
        self.setAccessibleName(_tr("Photo or file"))
        layout = QVBoxLayout(self)
        self.picture = QLabel(self)
        self.picture.setAccessibleName(_tr("Picture"))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        image = QImage.fromData(data) if view.is_image else QImage()
        if not image.isNull():
            self.picture.setPixmap(
                QPixmap.fromImage(image).scaled(
                    QSize(900, 700),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.picture.setText(
                _tr("{kind}: export it to open it in another program.").format(
                    kind=MediaType.label_for(view.media_type)
                )
            )
        scroll = QScrollArea(self)
        scroll.setAccessibleName(_tr("Picture"))
        scroll.setWidget(self.picture)
        scroll.setWidgetResizable(True)
        layout.addWidget(scroll)
        self.details = QLabel(
            _tr("Captured {when} by {who}. SHA-256: {sha}").format(
                when=view.captured_at.replace("T", " ")[:16], who=view.captured_by, sha=view.sha256
            ),
            self,
        )
        self.details.setAccessibleName(_tr("Capture details"))
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        close = QPushButton(_tr("&Close"), self)
        close.setAccessibleName(_tr("Close"))
        close.clicked.connect(self.accept)
        layout.addWidget(close)


class EvidenceStrip(QWidget):
    """Thumbnails of a record's attachments, with Attach file (and Take photo if a camera works).

    Files still arriving by sync are listed as "File arriving". All vault work runs on workers.
    """

    attached = Signal(str)

    def __init__(
        self,
        evidence: AttachmentService,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        waiting: str | None = None,
    ) -> None:
        """``waiting``: what the strip says while it has no record, in the screen's words
        (e.g. that the visit must be saved first)."""
        super().__init__(parent)
        self._evidence = evidence
        self._waiting = waiting or _tr("Choose a record to see its photos and files.")
        self._workers = workers.owned_by(self)
        # The list is loaded again on opening a record and after each attach: only the newest
        # load is shown, so one that started before an attach cannot hide what it added.
        self._listing = workers.latest(owner=self)
        self._owner: tuple[str, str] | None = None
        self._views: dict[str, AttachmentView] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.heading = QLabel(_tr("Photos and files"), self)
        self.heading.setAccessibleName(_tr("Photos and files"))
        layout.addWidget(self.heading)
        self.list = QListWidget(self)
        self.list.setAccessibleName(_tr("Photos and files"))
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setIconSize(QSize(_EDGE, _EDGE))
        self.list.setFixedHeight(_EDGE + 48)
        self.list.itemActivated.connect(self._open_item)
        layout.addWidget(self.list)
        # In place of an empty box: "none yet", or that no record is chosen.
        self.empty = QLabel(self)
        self.empty.setAccessibleName(_tr("No photos or files"))
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)
        row = QHBoxLayout()
        self.attach_button = QPushButton(_tr("&Attach file…"), self)
        self.attach_button.setAccessibleName(_tr("Attach a photo or file"))
        self.attach_button.clicked.connect(self.choose_file)
        row.addWidget(self.attach_button)
        self.camera_button = QPushButton(_tr("Take &photo"), self)
        self.camera_button.setAccessibleName(_tr("Take a photo with the camera"))
        # Qt Multimedia is imported only when asked; where it cannot load there is no camera.
        self.camera_button.setVisible(False)
        self.camera_button.clicked.connect(self.take_photo)
        row.addWidget(self.camera_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = QLabel(self)
        self.message.setAccessibleName(_tr("Attachment message"))
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.set_owner(None)

    def enable_camera_if_present(self) -> None:
        """Show Take photo when Qt Multimedia loads and a camera is there."""
        self.camera_button.setVisible(camera_available())

    def take_photo(self) -> None:
        """Open the camera; the photo taken is attached from memory, with its caption."""
        if self._owner is None:
            return
        # Imported here: Qt Multimedia loads only where the system's sound libraries are.
        from fieldkit.ui.camera_dialog import CameraDialog

        dialog = CameraDialog(self)
        dialog.accepted.connect(lambda: self._use_camera_photo(dialog))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _use_camera_photo(self, dialog: CameraDialog) -> None:
        if dialog.photo is not None:
            self.attach_bytes(dialog.photo, dialog.caption_text())

    def set_owner(self, owner: tuple[str, str] | None) -> None:
        """Show the attachments of ``(owner_type, owner_id)``, or nothing (None)."""
        self._owner = owner
        self.attach_button.setEnabled(owner is not None)
        self.camera_button.setEnabled(owner is not None)
        self.list.clear()
        self._views = {}
        self.message.clear()
        if owner is None:
            self._listing.cancel()
            self._set_empty(self._waiting)
        else:
            self._set_empty("")  # until the list has loaded
            self.refresh()

    def _set_empty(self, text: str | None) -> None:
        """Show the list (``None``), or in its place a line saying why there is nothing."""
        self.list.setVisible(text is None)
        self.empty.setVisible(text is not None)
        self.empty.setText(text or "")

    def refresh(self) -> None:
        """Load the list and the thumbnails again (on a worker)."""
        if self._owner is None:
            return
        owner_type, owner_id = self._owner
        evidence = self._evidence

        def load() -> tuple[list[AttachmentView], dict[str, bytes | None]]:
            views = evidence.list_for(owner_type=owner_type, owner_id=owner_id)
            thumbs = evidence.thumbnails(owner_type=owner_type, owner_id=owner_id) if views else {}
            return views, thumbs

        self._listing.submit(load, partial(self._show, self._owner), self._failed)

    def _show(
        self,
        owner: tuple[str, str],
        loaded: tuple[list[AttachmentView], dict[str, bytes | None]],
    ) -> None:
        if owner != self._owner:
            return  # another record was opened meanwhile
        views, thumbs = loaded
        self.list.clear()
        self._views = {v.id: v for v in views}
        self._set_empty(None if views else _tr("No photos or files yet."))
        for view in views:
            item = QListWidgetItem(self._title(view), self.list)
            item.setData(_ID, view.id)
            thumb = thumbs.get(view.id)
            if thumb:
                item.setIcon(QIcon(pixmap_from(thumb)))
            item.setToolTip(view.caption)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, self._title(view))

    @staticmethod
    def _title(view: AttachmentView) -> str:
        if not view.available:
            return _tr("File arriving")
        return view.caption or MediaType.label_for(view.media_type)

    def choose_file(self) -> None:
        """Ask for a file and a caption, then attach it."""
        name, _filter = QFileDialog.getOpenFileName(self, _tr("Attach a photo or file"))
        if not name:
            return
        caption, accepted = QInputDialog.getText(self, _tr("Caption"), _tr("What does it show?"))
        if accepted:
            self.attach_path(Path(name), caption)

    def attach_path(self, path: Path, caption: str) -> None:
        """Attach a file from disk to the current record (on a worker)."""
        self._attach(path.read_bytes, caption)

    def attach_bytes(self, data: bytes, caption: str) -> None:
        """Attach bytes held in memory (a photo from the camera) to the current record.

        They take the same path as a file: sniffed, re-encoded upright without metadata,
        hashed as stored, given a thumbnail, all inside the vault (on a worker).
        """
        self._attach(lambda: data, caption)

    def _attach(self, read: Callable[[], bytes], caption: str) -> None:
        if self._owner is None:
            return
        owner_type, owner_id = self._owner
        evidence = self._evidence

        def attach() -> AttachmentView:
            return evidence.attach(
                owner_type=owner_type, owner_id=owner_id, data=read(), caption=caption
            )

        self.attach_button.setEnabled(False)
        self.camera_button.setEnabled(False)
        self._workers.submit(attach, self._attached, self._failed)

    def _attached(self, view: AttachmentView) -> None:
        self.attach_button.setEnabled(self._owner is not None)
        self.camera_button.setEnabled(self._owner is not None)
        set_tone(self.message, "good")
        self.message.setText(_tr("Attached. SHA-256: {sha}").format(sha=view.sha256))
        self.attached.emit(view.id)
        self.refresh()

    def _failed(self, exc: Exception) -> None:
        self.attach_button.setEnabled(self._owner is not None)
        self.camera_button.setEnabled(self._owner is not None)
        set_tone(self.message, "problem")
        self.message.setText(describe(exc))

    def _open_item(self, item: QListWidgetItem) -> None:
        attachment_id = str(item.data(_ID))
        view = self._views.get(attachment_id)
        if view is None or not view.available:
            return
        evidence = self._evidence
        self._workers.submit(
            lambda: evidence.open(attachment_id=attachment_id),
            partial(self._view, view),
            self._failed,
        )

    def _view(self, view: AttachmentView, data: bytes) -> None:
        EvidenceViewer(view, data, self).open()
