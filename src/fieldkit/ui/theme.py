"""The app's look: calm by default, and a high-contrast option for bright light."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

NORMAL = """
QListWidget#navigation { font-size: 12pt; }
QListWidget#navigation::item { padding: 8px 10px; }
QListWidget#navigation::item:selected { background: #0b57d0; color: white; }
QGroupBox { font-weight: 600; }
"""

HIGH_CONTRAST = """
* { background: #000000; color: #ffffff; font-size: 12pt; }
QLineEdit, QPlainTextEdit, QComboBox, QDateTimeEdit, QDateEdit, QSpinBox, QListWidget, QTableView {
    background: #000000; color: #ffffff; border: 2px solid #ffffff; }
QPushButton { background: #ffff00; color: #000000; border: 2px solid #ffffff; padding: 4px 10px;
    font-weight: 700; }
QPushButton:disabled { background: #555555; color: #cccccc; }
QToolButton[multiChoice="true"] { border: 2px solid #ffffff; padding: 3px 8px; }
*:focus { border: 3px solid #00ffff; }
QListWidget#navigation::item:selected, QTableView::item:selected {
    background: #ffff00; color: #000000; }
QHeaderView::section { background: #000000; color: #ffff00; border: 1px solid #ffffff; }
QGroupBox { border: 1px solid #ffffff; margin-top: 14px; font-weight: 700; }
QGroupBox::title { color: #ffff00; }
"""


def apply_theme(app: QApplication, *, high_contrast: bool) -> None:
    """Apply the normal or high-contrast style sheet to the whole app."""
    app.setStyleSheet(HIGH_CONTRAST if high_contrast else NORMAL)
