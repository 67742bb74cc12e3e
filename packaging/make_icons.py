"""Render packaging/linux/fieldkit.svg into the Windows icon, packaging/windows/fieldkit.ico.

Run ``QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py`` after changing the
SVG and commit both. The .ico holds PNG images (Windows Vista and later read them), so no
imaging library is needed beyond Qt's SVG renderer.
"""

from __future__ import annotations

import struct
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SIZES = (16, 24, 32, 48, 64, 128, 256)


def png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(images: dict[int, bytes]) -> bytes:
    """An ICO file (ICONDIR, then one ICONDIRENTRY per image, then the PNG data)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in images.items():
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def main() -> None:
    app = QGuiApplication([])
    renderer = QSvgRenderer(str(HERE / "linux" / "fieldkit.svg"))
    if not renderer.isValid():
        raise SystemExit("fieldkit.svg is not a valid SVG")
    (HERE / "windows" / "fieldkit.ico").write_bytes(ico({s: png(renderer, s) for s in SIZES}))
    del app


if __name__ == "__main__":
    main()
