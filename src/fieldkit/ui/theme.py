"""The app's look: the partnership's colours, a spacing and type scale, high contrast, text size.

Colours that mean something (a problem, a success, a risk) are named *tones*: a widget says
which tone it shows with ``set_tone`` and the theme decides the colour, so high contrast can
give every tone a colour readable on black. A tone is never the only signal: tones also bold
the text, and the words say what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QFont, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from fieldkit.services.settings import TEXT_SIZES

#: The partnership's colours, from ``resources/branding`` (navy, gold, teal).
BRAND_NAVY = "#1f4e79"
BRAND_GOLD = "#f2c500"
BRAND_TEAL = "#00695c"

#: Spacing steps in pixels (margins, gaps): everything is laid out on these.
SPACE = (4, 8, 12, 16, 24)
#: The normal body size in points, and the type scale's steps above it.
BODY_PT = 10.0
TITLE_STEP = 1.5
HEADING_STEP = 1.2

_APP_PROPERTY = "fieldkitHighContrast"


@dataclass(frozen=True)
class Tones:
    """The colours of meaning for one theme."""

    problem: str
    good: str
    busy: str
    muted: str
    text: str
    background: str
    alternate: str


NORMAL_TONES = Tones(
    problem="#a40000",
    good="#1b5e20",
    busy=BRAND_NAVY,
    muted="#474747",
    text="#1a1a1a",
    background="#ffffff",
    alternate="#eef2f6",
)
HIGH_CONTRAST_TONES = Tones(
    problem="#ffb3b3",
    good="#9cffa8",
    busy="#9fd3ff",
    muted="#e0e0e0",
    text="#ffffff",
    background="#000000",
    alternate="#1c1c1c",
)


def tones(*, high_contrast: bool) -> Tones:
    """The tones of the normal or the high-contrast theme."""
    return HIGH_CONTRAST_TONES if high_contrast else NORMAL_TONES


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    value = colour.lstrip("#")
    channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio between two ``#rrggbb`` colours (1 to 21)."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def _pt(scale: int, steps: float = 1.0) -> str:
    return f"{BODY_PT * steps * scale / 100:.1f}pt"


def style_sheet(*, high_contrast: bool, text_size: int = 100) -> str:
    """The whole app's style sheet for a theme and a text size (percent)."""
    t = tones(high_contrast=high_contrast)
    s = text_size
    common = f"""
* {{ font-size: {_pt(s)}; }}
QLabel[role="title"] {{ font-size: {_pt(s, TITLE_STEP)}; font-weight: 700; }}
QLabel[role="heading"], QGroupBox {{ font-size: {_pt(s, HEADING_STEP)}; font-weight: 600; }}
QLabel[role="strong"] {{ font-weight: 600; }}
QLabel[role="empty"] {{ color: {t.muted}; font-style: italic; padding: {SPACE[1]}px; }}
*[tone="problem"] {{ color: {t.problem}; font-weight: 700; }}
*[tone="good"] {{ color: {t.good}; font-weight: 700; }}
*[tone="busy"] {{ color: {t.busy}; font-weight: 700; }}
*[tone="muted"] {{ color: {t.muted}; font-weight: 600; }}
*[tone="strong"] {{ font-weight: 600; }}
*[tone="alert"] {{ background: {t.problem if not high_contrast else "#000000"};
    color: {"#ffffff" if not high_contrast else t.problem}; font-weight: 700;
    padding: {SPACE[1]}px; border: 2px solid {t.problem}; }}
QListWidget#navigation {{ font-size: {_pt(s, HEADING_STEP)}; }}
QListWidget#navigation::item {{ padding: {SPACE[1]}px {SPACE[2]}px; }}
QTableView {{ alternate-background-color: {t.alternate}; }}
"""
    if not high_contrast:
        return (
            common
            + f"""
QListWidget#navigation {{ background: {BRAND_NAVY}; color: #ffffff; border: none; }}
QListWidget#navigation::item:selected {{ background: {BRAND_GOLD}; color: #000000; }}
QListWidget#navigation::item:hover:!selected {{ background: #2b6197; }}
QHeaderView::section {{ background: {BRAND_NAVY}; color: #ffffff; padding: {SPACE[0]}px;
    border: none; border-right: 1px solid #ffffff; font-weight: 600; }}
QPushButton {{ padding: {SPACE[0]}px {SPACE[2]}px; }}
"""
        )
    return (
        common
        + """
* { background: #000000; color: #ffffff; }
QLineEdit, QPlainTextEdit, QTextEdit, QTextBrowser, QComboBox, QDateTimeEdit, QDateEdit,
QSpinBox, QListWidget, QTableView, QTreeView {
    background: #000000; color: #ffffff; border: 2px solid #ffffff; }
QTableView { alternate-background-color: #1c1c1c; gridline-color: #ffffff; }
QPushButton { background: #ffff00; color: #000000; border: 2px solid #ffffff; padding: 4px 10px;
    font-weight: 700; }
QPushButton:disabled { background: #000000; color: #e0e0e0; border: 2px dashed #e0e0e0; }
QToolButton[multiChoice="true"] { border: 2px solid #ffffff; padding: 3px 8px; }
*:focus { border: 3px solid #00ffff; }
QListWidget#navigation::item:selected, QTableView::item:selected, QListView::item:selected {
    background: #ffff00; color: #000000; }
QHeaderView::section { background: #000000; color: #ffff00; border: 1px solid #ffffff; }
QGroupBox { border: 1px solid #ffffff; margin-top: 14px; font-weight: 700; }
QGroupBox::title { color: #ffff00; }
QToolTip { background: #000000; color: #ffffff; border: 1px solid #ffffff; }
"""
    )


def _palette(*, high_contrast: bool) -> QPalette:
    t = tones(high_contrast=high_contrast)
    palette = QPalette()
    if not high_contrast:
        palette.setColor(QPalette.ColorRole.AlternateBase, QColor(t.alternate))
        palette.setColor(QPalette.ColorRole.Highlight, QColor(BRAND_NAVY))
        palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        palette.setColor(QPalette.ColorRole.Link, QColor(BRAND_NAVY))
        return palette
    black, white = QColor("#000000"), QColor("#ffffff")
    for role in (
        QPalette.ColorRole.Window,
        QPalette.ColorRole.Base,
        QPalette.ColorRole.Button,
        QPalette.ColorRole.ToolTipBase,
    ):
        palette.setColor(role, black)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.ToolTipText,
        QPalette.ColorRole.BrightText,
    ):
        palette.setColor(role, white)
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor(t.alternate))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#d0d0d0"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#ffff00"))
    palette.setColor(QPalette.ColorRole.HighlightedText, black)
    palette.setColor(QPalette.ColorRole.Link, QColor("#9fd3ff"))
    for group in (QPalette.ColorGroup.Disabled,):
        palette.setColor(group, QPalette.ColorRole.WindowText, QColor("#e0e0e0"))
        palette.setColor(group, QPalette.ColorRole.Text, QColor("#e0e0e0"))
        palette.setColor(group, QPalette.ColorRole.ButtonText, QColor("#e0e0e0"))
    return palette


def apply_theme(app: QApplication, *, high_contrast: bool, text_size: int = 100) -> None:
    """Apply the normal or high-contrast look, at a text size (percent), to the whole app.

    Applying the look the app already shows does nothing: setting the style sheet again would
    repolish every widget of every screen (about a second at unlock, for no change).
    """
    sheet = style_sheet(high_contrast=high_contrast, text_size=text_size)
    if (
        app.property(_APP_PROPERTY) == high_contrast
        and app.property("fieldkitTextSize") == text_size
        and app.styleSheet() == sheet
    ):
        return
    app.setProperty(_APP_PROPERTY, high_contrast)
    app.setProperty("fieldkitTextSize", text_size)
    app.setPalette(_palette(high_contrast=high_contrast))
    font = QFont(app.font())
    font.setPointSizeF(BODY_PT * text_size / 100)
    app.setFont(font)
    app.setStyleSheet(sheet)


def is_high_contrast() -> bool:
    """Whether the running app shows the high-contrast theme."""
    app = QGuiApplication.instance()
    return bool(app.property(_APP_PROPERTY)) if app is not None else False


def tone_colour(tone: str) -> str:
    """A tone's colour in the theme now showing (for item views and rich text)."""
    return str(getattr(tones(high_contrast=is_high_contrast()), tone))


def set_tone(widget: QWidget, tone: str | None) -> None:
    """Show a widget's text in a tone (``problem``, ``good``, ``busy``, ``muted``, ``alert``),
    or in the ordinary colour for None."""
    widget.setStyleSheet("")
    widget.setProperty("tone", tone or "")
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def next_text_size(current: int, *, step: int) -> int:
    """The text size one step larger (step 1) or smaller (step -1), within the offered sizes."""
    sizes = TEXT_SIZES
    nearest = min(range(len(sizes)), key=lambda i: abs(sizes[i] - current))
    return sizes[max(0, min(len(sizes) - 1, nearest + step))]


def navigation_icon(name: str) -> QIcon:
    """A navigation icon shipped in ``resources/icons`` (an empty icon if it is missing)."""
    path = Path(str(files("fieldkit.resources").joinpath("icons", f"{name}.svg")))
    if not path.exists():
        return QIcon()
    icon = QIcon()
    icon.addFile(str(path), QSize(24, 24))
    return icon
