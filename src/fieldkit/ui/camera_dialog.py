"""Taking a photo with the laptop's camera: live preview, capture into memory, retake, use."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QSize, Qt
from PySide6.QtGui import QImage, QImageWriter, QPixmap
from PySide6.QtMultimedia import (
    QCamera,
    QCameraDevice,
    QImageCapture,
    QMediaCaptureSession,
    QMediaDevices,
)
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from fieldkit.ui.theme import set_tone

#: JPEG quality of the captured frame; the vault re-encodes it once more (upright, no metadata).
_QUALITY = 95
_PREVIEW = QSize(640, 480)


def _tr(text: str) -> str:
    return QCoreApplication.translate("CameraDialog", text)


def image_bytes(image: QImage) -> bytes:
    """A captured frame as JPEG bytes, encoded in memory (a ``QBuffer``, never a file).

    Raises:
        ValueError: the frame is empty or could not be encoded.
    """
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QImageWriter(buffer, QByteArray(b"jpeg"))
    writer.setQuality(_QUALITY)
    if image.isNull() or not writer.write(image):
        raise ValueError("the photo could not be encoded")
    data = bytes(buffer.data().data())
    buffer.close()
    return data


class CameraDialog(QDialog):
    """Live preview, Capture, a caption, Retake and Use photo.

    The frame arrives by ``QImageCapture.imageCaptured`` as a ``QImage`` in memory (never
    ``captureToFile``); Use photo encodes it to JPEG in memory and accepts, leaving the bytes
    in ``photo`` and the caption in ``caption_text()`` for the evidence service to attach.
    With no camera the dialog says so and offers nothing to capture.

    Args:
        device: the camera to use (the system's default camera if None).
    """

    def __init__(self, parent: QWidget | None = None, *, device: QCameraDevice | None = None):
        super().__init__(parent)
        self.setWindowTitle(_tr("Take a photo"))
        self.setAccessibleName(_tr("Take a photo"))
        self.photo: bytes | None = None
        self._image = QImage()
        layout = QVBoxLayout(self)
        self.stack = QStackedWidget(self)
        self.stack.setAccessibleName(_tr("Camera picture"))
        self.video = QVideoWidget(self.stack)
        self.video.setAccessibleName(_tr("What the camera sees"))
        self.video.setMinimumSize(_PREVIEW)
        self.still = QLabel(self.stack)
        self.still.setAccessibleName(_tr("The photo taken"))
        self.still.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.video)
        self.stack.addWidget(self.still)
        layout.addWidget(self.stack, 1)
        self.message = QLabel(self)
        self.message.setAccessibleName(_tr("Camera message"))
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.caption = QLineEdit(self)
        self.caption.setAccessibleName(_tr("Caption: what does the photo show?"))
        self.caption.setPlaceholderText(_tr("What does the photo show?"))
        layout.addWidget(self.caption)
        row = QHBoxLayout()
        self.capture_button = QPushButton(_tr("&Capture"), self)
        self.capture_button.setAccessibleName(_tr("Capture a photo"))
        self.capture_button.clicked.connect(self.capture)
        self.retake_button = QPushButton(_tr("&Retake"), self)
        self.retake_button.setAccessibleName(_tr("Retake the photo"))
        self.retake_button.clicked.connect(self.retake)
        self.use_button = QPushButton(_tr("&Use photo"), self)
        self.use_button.setAccessibleName(_tr("Use this photo"))
        self.use_button.clicked.connect(self.use_photo)
        self.cancel_button = QPushButton(_tr("Cancel"), self)
        self.cancel_button.setAccessibleName(_tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        for button in (
            self.capture_button,
            self.retake_button,
            self.use_button,
            self.cancel_button,
        ):
            row.addWidget(button)
        layout.addLayout(row)
        self.retake_button.setEnabled(False)
        self.use_button.setEnabled(False)

        self._camera: QCamera | None = None
        self._capture: QImageCapture | None = None
        self._session = QMediaCaptureSession(self)
        chosen = device if device is not None else QMediaDevices.defaultVideoInput()
        if chosen.isNull():
            self.stack.hide()  # nothing to preview
            self.capture_button.setEnabled(False)
            self._say(_tr("No camera found. Attach a photo from a file instead."), "problem")
            return
        self._camera = QCamera(chosen, self)
        self._capture = QImageCapture(self)
        self._session.setCamera(self._camera)
        self._session.setImageCapture(self._capture)
        self._session.setVideoOutput(self.video)
        self._camera.errorOccurred.connect(self.camera_failed)
        self._capture.imageCaptured.connect(self.image_captured)
        self._capture.errorOccurred.connect(self.capture_failed)
        self._capture.readyForCaptureChanged.connect(self._ready_changed)
        self._camera.start()

    def _say(self, text: str, tone: str | None) -> None:
        set_tone(self.message, tone)
        self.message.setText(text)

    def _ready_changed(self, ready: bool) -> None:
        self.capture_button.setEnabled(ready and self._image.isNull())

    def capture(self) -> None:
        """Take the frame the camera shows now; it arrives by ``imageCaptured``."""
        if self._capture is None:
            return
        self.capture_button.setEnabled(False)
        self._capture.capture()

    def image_captured(self, request_id: int, image: QImage) -> None:
        """Show the frame taken (``QImageCapture.imageCaptured``), held in memory only."""
        del request_id
        if image.isNull():
            self.capture_failed(0, QImageCapture.Error.ResourceError, "")
            return
        self._image = image
        self.still.setPixmap(
            QPixmap.fromImage(image).scaled(
                _PREVIEW,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
        self.stack.setCurrentWidget(self.still)
        self.stack.show()
        self.capture_button.setEnabled(False)
        self.retake_button.setEnabled(True)
        self.use_button.setEnabled(True)
        self._say(_tr("Add a caption, then use the photo or take it again."), None)
        self.use_button.setFocus()

    def retake(self) -> None:
        """Drop the frame taken and show the camera again."""
        self._image = QImage()
        self.still.clear()
        self.stack.setCurrentWidget(self.video)
        self.stack.setVisible(self._camera is not None)
        self.retake_button.setEnabled(False)
        self.use_button.setEnabled(False)
        self.capture_button.setEnabled(
            self._capture is not None and self._capture.isReadyForCapture()
        )
        self.message.clear()

    def caption_text(self) -> str:
        """The caption typed for the photo."""
        return self.caption.text().strip()

    def use_photo(self) -> None:
        """Encode the frame taken in memory and close, keeping it in ``photo``."""
        try:
            self.photo = image_bytes(self._image)
        except ValueError:
            self._say(_tr("The photo could not be kept. Take it again."), "problem")
            return
        self.accept()

    def camera_failed(self, error: QCamera.Error, detail: str = "") -> None:
        """Say in plain words that the camera stopped (``QCamera.errorOccurred``)."""
        del error, detail  # Qt's wording is technical; the officer is told what to do
        self.capture_button.setEnabled(False)
        self._say(
            _tr(
                "The camera is not working. Check it is not in use by another program, "
                "then close this window and try again, or attach a photo from a file."
            ),
            "problem",
        )

    def capture_failed(self, request_id: int, error: QImageCapture.Error, detail: str) -> None:
        """Say in plain words that a photo could not be taken (``QImageCapture.errorOccurred``)."""
        del request_id, error, detail
        self.capture_button.setEnabled(
            self._capture is not None and self._capture.isReadyForCapture()
        )
        self._say(_tr("The photo could not be taken. Try again."), "problem")

    def done(self, result: int) -> None:
        """Close, turning the camera off."""
        if self._camera is not None:
            self._camera.stop()
        super().done(result)
