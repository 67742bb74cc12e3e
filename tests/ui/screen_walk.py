"""Walk every screen the main window registers and read what a person (or a screen reader)
would: the words shown, the colours they are shown in, and the names of the controls.

Generic on purpose: it walks ``shell.SCREENS`` and each screen's widget tree, so a screen added
later is checked without this file changing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtGui import QAccessible, QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QBoxLayout,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QScrollArea,
    QSlider,
    QTabBar,
    QTableView,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from fieldkit.domain.vocabulary import labelled_vocabularies, plain_words
from fieldkit.ui.shell import SCREENS, MainWindow
from fieldkit.ui.theme import contrast_ratio
from fieldkit.ui.view_helpers import words_width

#: Rows of each list read (enough to meet every kind of row the demo makes).
ROWS_READ = 60
_TAG = re.compile(r"<[^>]+>")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")


def settle(window: MainWindow) -> None:
    """Let every worker finish and every queued result reach its screen (bounded)."""
    app = QApplication.instance()
    assert app is not None
    for _ in range(6):
        window.workers.wait()
        app.processEvents()


def visible_widgets(root: QWidget) -> Iterator[QWidget]:
    """Every widget under ``root`` that is shown now (root included)."""
    for widget in [root, *root.findChildren(QWidget)]:
        if widget.isVisibleTo(root) and widget.isVisible():
            yield widget


def _columns(model: QAbstractItemModel) -> int:
    try:
        return model.columnCount(QModelIndex())
    except TypeError:  # a list model keeps columnCount to itself: it has one
        return 1


def _shown_rows(view: QAbstractItemView) -> Iterator[QModelIndex]:
    model = view.model()
    if model is None:
        return
    for row in range(min(model.rowCount(QModelIndex()), ROWS_READ)):
        for column in range(_columns(model)):
            yield model.index(row, column)


def texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every piece of text shown under ``root``."""
    for w in visible_widgets(root):
        where = f"{type(w).__name__} {w.objectName() or ''}".strip()
        if isinstance(w, QLabel):
            yield where, unescape(_TAG.sub(" ", w.text()))
        elif isinstance(w, QAbstractButton):
            yield where, w.text().replace("&", "")
        elif isinstance(w, QGroupBox):
            yield where, w.title().replace("&", "")
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                yield where, w.itemText(i)
        elif isinstance(w, QLineEdit):
            yield where, w.placeholderText()
        elif (isinstance(w, QTextEdit) and w.isReadOnly()) or (
            isinstance(w, QPlainTextEdit) and w.isReadOnly()
        ):
            yield where, w.toPlainText()
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                yield where, w.tabText(i).replace("&", "")
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            for column in range(_columns(model)):
                header = model.headerData(column, Qt.Orientation.Horizontal)
                if header:
                    yield where + " header", str(header)
            for index in _shown_rows(w):
                value = index.data(Qt.ItemDataRole.DisplayRole)
                if isinstance(value, str):
                    yield where, value


def _raw_forms() -> dict[str, str]:
    """Each vocabulary value's mechanical spelling that is not its label, and the label."""
    forms: dict[str, str] = {}
    for vocabulary in labelled_vocabularies():
        for member in vocabulary:
            if "_" not in member.value:
                continue  # one plain word ("youth") is also just a word
            plain = plain_words(member.value)
            if plain != member.label and plain.lower() not in member.label.lower():
                forms[plain] = member.label
    return forms


def raw_identifiers(text: str) -> list[str]:
    """What in ``text`` is a raw identifier: snake_case, a mechanically title-cased vocabulary
    value ("Cpw letter"), or a "(s)" plural."""
    found = _SNAKE.findall(text)
    if "(s)" in text:
        found.append("(s)")
    for plain in _raw_forms():
        if re.search(rf"(?<![\w-]){re.escape(plain)}(?![\w-])", text):
            found.append(plain)
    return found


def _ratio(fg: QColor, bg: QColor) -> float:
    return contrast_ratio(fg.name(), bg.name())


@dataclass(frozen=True)
class LowContrast:
    where: str
    text: str
    ratio: float


def low_contrast(root: QWidget, *, minimum: float = 7.0) -> list[LowContrast]:
    """Text under ``root`` shown at less than ``minimum``:1 against what is behind it."""
    problems: list[LowContrast] = []
    for w in visible_widgets(root):
        palette = w.palette()
        where = f"{type(w).__name__} {w.objectName() or ''}".strip()
        if isinstance(w, QLabel | QAbstractButton | QGroupBox) and _has_text(w):
            group = QPalette.ColorGroup.Active if w.isEnabled() else QPalette.ColorGroup.Disabled
            fg = palette.color(group, w.foregroundRole())
            bg = _behind(w, group)
            ratio = _ratio(fg, bg)
            if ratio < minimum:
                problems.append(LowContrast(where, _short(w), ratio))
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            problems.extend(_view_contrast(w, where, minimum))
        if isinstance(w, QLineEdit | QComboBox | QAbstractSpinBox | QPlainTextEdit | QTextEdit):
            fg = palette.color(QPalette.ColorRole.Text)
            bg = palette.color(QPalette.ColorRole.Base)
            if _ratio(fg, bg) < minimum:
                problems.append(LowContrast(where, "entered text", _ratio(fg, bg)))
    return problems


def _view_contrast(view: QAbstractItemView, where: str, minimum: float) -> list[LowContrast]:
    palette = view.palette()
    text = palette.color(QPalette.ColorRole.Text)
    problems: list[LowContrast] = []
    backgrounds = [palette.color(QPalette.ColorRole.Base)]
    if view.alternatingRowColors():
        backgrounds.append(palette.color(QPalette.ColorRole.AlternateBase))
    for bg in backgrounds:
        if _ratio(text, bg) < minimum:
            problems.append(LowContrast(where + " rows", "row text", _ratio(text, bg)))
    selected = _ratio(
        palette.color(QPalette.ColorRole.HighlightedText),
        palette.color(QPalette.ColorRole.Highlight),
    )
    if selected < minimum:
        problems.append(LowContrast(where + " selected row", "row text", selected))
    for index in _shown_rows(view):
        fg = index.data(Qt.ItemDataRole.ForegroundRole)
        bg = index.data(Qt.ItemDataRole.BackgroundRole)
        if fg is None and bg is None:
            continue
        fg_colour = _colour(fg) or text
        for base in [_colour(bg)] if bg is not None else backgrounds:
            assert base is not None
            if _ratio(fg_colour, base) < minimum:
                shown = str(index.data(Qt.ItemDataRole.DisplayRole) or "")[:40]
                problems.append(LowContrast(where + " row", shown, _ratio(fg_colour, base)))
    return problems


def _colour(value: object) -> QColor | None:
    if isinstance(value, QBrush):
        return value.color()
    if isinstance(value, QColor):
        return value
    return None


def _has_text(w: QWidget) -> bool:
    if isinstance(w, QLabel):
        return bool(w.text().strip()) and w.pixmap().isNull()
    if isinstance(w, QAbstractButton):
        return bool(w.text().strip())
    if isinstance(w, QGroupBox):
        return bool(w.title().strip())
    return False


def _short(w: QWidget) -> str:
    if isinstance(w, QLabel):
        return _TAG.sub(" ", w.text())[:40]
    if isinstance(w, QAbstractButton):
        return w.text()[:40]
    if isinstance(w, QGroupBox):
        return w.title()[:40]
    return ""


def _behind(w: QWidget, group: QPalette.ColorGroup) -> QColor:
    """The colour painted behind a widget's text: its own background if it fills it (buttons
    always do), else the nearest ancestor that fills its background, else the window's."""
    if isinstance(w, QAbstractButton) and not w.property("flat"):
        role = w.backgroundRole()
        return w.palette().color(group, role)
    current: QWidget | None = w
    while current is not None:
        if current.autoFillBackground() or current.isWindow() or _styled_background(current):
            return current.palette().color(group, current.backgroundRole())
        parent = current.parentWidget()
        if parent is not None and isinstance(parent.parentWidget(), QAbstractItemView):
            return parent.palette().color(group, QPalette.ColorRole.Base)
        current = parent
    return w.palette().color(group, QPalette.ColorRole.Window)


def _styled_background(w: QWidget) -> bool:
    return bool(w.testAttribute(Qt.WidgetAttribute.WA_StyledBackground)) and bool(
        w.styleSheet() or w.property("tone") == "alert"
    )


#: Widgets a person operates: each must have a name a screen reader can say.
INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QPlainTextEdit,
    QTextEdit,
    QAbstractItemView,
    QSlider,
    QTabWidget,
)


def unnamed_controls(root: QWidget) -> list[str]:
    """Interactive widgets under ``root`` whose accessible name is empty."""
    unnamed: list[str] = []
    for w in visible_widgets(root):
        if not isinstance(w, INTERACTIVE) or w.focusPolicy() == Qt.FocusPolicy.NoFocus:
            continue
        if isinstance(w, QListWidget) and w.objectName() == "qt_scrollarea_viewport":
            continue
        if _internal(w):
            continue
        interface = QAccessible.queryAccessibleInterface(w)
        name = interface.text(QAccessible.Text.Name) if interface is not None else ""
        if not (name or "").strip():
            unnamed.append(f"{type(w).__name__} {w.objectName()!r} in {_path(w)}")
    return unnamed


def _internal(w: QWidget) -> bool:
    """Parts Qt builds inside a control (a spin box's line edit, a combo's list, a scroll bar)."""
    parent = w.parentWidget()
    if w.objectName().startswith("qt_"):
        return True
    return isinstance(parent, QAbstractSpinBox | QComboBox) or (
        parent is not None and parent.objectName().startswith("qt_")
    )


def _path(w: QWidget) -> str:
    names = []
    current: QWidget | None = w
    while current is not None and len(names) < 4:
        if current.objectName():
            names.append(current.objectName())
        current = current.parentWidget()
    return "/".join(reversed(names))


def walk_screens(window: MainWindow) -> Iterator[tuple[str, QWidget]]:
    """Each registered screen the user may see, shown and loaded, with its first row open."""
    screens = window.screens
    assert screens is not None
    for index, (name, _keys) in enumerate(SCREENS):
        if window.navigation.item(index).isHidden():
            continue
        window.go(index)
        settle(window)
        screen = window.screen_stack.currentWidget()
        assert screen is not None
        _open_first_rows(screen)
        settle(window)
        yield name, window


def _open_first_rows(screen: QWidget) -> None:
    """Select the first row of each list, so detail panes show something to read."""
    for view in screen.findChildren(QAbstractItemView):
        model, selection = view.model(), view.selectionModel()
        if not view.isVisible() or model is None or model.rowCount(QModelIndex()) == 0:
            continue
        if selection is not None and not selection.hasSelection():
            view.setCurrentIndex(model.index(0, 0))


#: How far (px) a control may sit above the one before it and still be on the same line.
SAME_LINE = 8


def focus_chain(root: QWidget) -> list[QWidget]:
    """The controls under ``root`` that Tab reaches, in the order it reaches them."""
    chain: list[QWidget] = []
    widget = root.nextInFocusChain()
    for _ in range(5000):  # the chain is a ring: bounded walk back to the start
        if widget is root or widget is None:
            break
        policy = widget.focusPolicy()
        if (
            root.isAncestorOf(widget)
            and widget.isVisible()
            and widget.isEnabled()
            and policy & Qt.FocusPolicy.TabFocus == Qt.FocusPolicy.TabFocus
            and widget.focusProxy() is None
        ):
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def _name(w: QWidget) -> str:
    label = w.objectName() or w.accessibleName() or _short(w)
    return f"{type(w).__name__} {label}".strip()


def tab_order_jumps(root: QWidget) -> list[str]:
    """Where Tab goes back against reading order (top to bottom, left to right): to a control
    above the one before it, or to the left on the same line."""
    jumps = []
    chain = focus_chain(root)
    for before, after in itertools.pairwise(chain):
        b = before.mapTo(root.window(), before.rect().topLeft())
        a = after.mapTo(root.window(), after.rect().topLeft())
        up = a.y() < b.y() - SAME_LINE
        same_line = abs(a.y() - b.y()) <= SAME_LINE
        if up or (same_line and a.x() < b.x()):
            jumps.append(f"{_name(before)} -> {_name(after)}")
    return jumps


#: How much empty height (px) may open up between two rows of a box before it reads as a hole.
ROW_GAP = 24


def stretched_boxes(root: QWidget, *, gap: int = ROW_GAP) -> list[str]:
    """Group boxes whose rows were pulled apart: a box given more height than its rows can use
    spreads the rest between them, so the next box drops out of view for nothing."""
    found = []
    for box in root.findChildren(QGroupBox):
        layout = box.layout()
        if not box.isVisible() or layout is None:
            continue
        downwards = isinstance(layout, QBoxLayout) and (
            layout.direction() == QBoxLayout.Direction.TopToBottom
        )
        if not (downwards or isinstance(layout, QFormLayout)):
            continue
        rows, spacers = [], []
        for index in range(layout.count()):
            item = layout.itemAt(index)
            if item is None or item.isEmpty():
                continue
            (spacers if item.spacerItem() is not None else rows).append(item.geometry())
        rows.sort(key=lambda g: g.top())
        if rows and rows[0].top() - layout.contentsRect().top() > gap:
            # One row centred in a box too tall for it: the hole is above it.
            found.append(f"{_path(box)}: {rows[0].top() - layout.contentsRect().top()} px above")
        spacing = max(0, layout.spacing())
        for above, below in itertools.pairwise(rows):
            hole = below.top() - above.bottom() - 1 - spacing
            if hole <= gap or any(
                s.top() >= above.bottom() and s.bottom() <= below.top() for s in spacers
            ):
                continue
            found.append(f"{_path(box)}: {hole} px between rows at y={above.bottom()}")
    return found


def cut_tables(root: QWidget) -> list[str]:
    """Tables that cut a column's words short although they would fit, or while width beside
    the columns goes unused."""
    found = []
    for table in root.findChildren(QTableView):
        model = table.model()
        if not table.isVisible() or model is None or model.rowCount(QModelIndex()) == 0:
            continue
        header = table.horizontalHeader()
        shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
        need = {c: words_width(table, c) for c in shown}
        width = table.viewport().width()
        unused = width - sum(header.sectionSize(c) for c in shown)
        if sum(need.values()) > width and unused <= 16:
            continue  # something has to give, and the columns share all there is
        for column in shown:
            if header.sectionSize(column) < need[column] - 2:
                title = model.headerData(column, Qt.Orientation.Horizontal)
                found.append(
                    f"{table.accessibleName() or _path(table)}: {title!r} "
                    f"{header.sectionSize(column)} < {need[column]} px"
                )
    return found


def too_wide(window: MainWindow) -> list[str]:
    """Scrolling panes on show whose content is wider than the pane (it scrolls sideways, and
    whatever sits at its right edge is out of view): the screen itself, and panes within it."""
    found = []
    for scroll in [window.screen_scroll, *window.screen_scroll.findChildren(QScrollArea)]:
        inner = scroll.widget()
        if inner is None or not scroll.isVisible() or not scroll.widgetResizable():
            continue
        if scroll.horizontalScrollBar().isVisible():
            where = scroll.objectName() or inner.objectName() or type(inner).__name__
            found.append(f"{where}: {inner.width()} px wide in {scroll.viewport().width()} px")
    return found
