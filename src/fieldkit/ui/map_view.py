"""The Map screen: outlines and points offline, hotspot maps side by side, initiatives by area."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QDate, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fieldkit.domain.crime import CrimeType
from fieldkit.domain.geo import Area, Polygon, rectangle
from fieldkit.domain.initiative import Comparison, Initiative, InitiativeError
from fieldkit.domain.vocabulary import Category, District
from fieldkit.services.map_layout import Tile, Viewport, density_grid, density_rgba
from fieldkit.services.map_tiles import TileCache
from fieldkit.services.maps import (
    Densities,
    HotspotSource,
    InitiativeResult,
    MapPoint,
    MapService,
    PointFilter,
)
from fieldkit.services.visits import Pin, PlaceChoice, VisitService
from fieldkit.ui.qt_time import qdate
from fieldkit.ui.theme import set_tone
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

#: Kirklees' extent (west, south, east, north), shown until outlines are loaded.
_HOME = (-1.98, 53.54, -1.58, 53.76)
#: How far a click may be from a point and still choose it, in pixels.
HIT_PIXELS = 8.0
PAN_PIXELS = 64
ZOOM_STEP = 1.5
#: Colours by kind: places grey, visits blue, ASB cases red (with a shape each, not colour only).
_KIND_COLOURS = {"place": "#5f6b73", "visit": "#1f5fbf", "asb_case": "#b3261e"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("MapView", text)


def hotspot_image(
    viewport: Viewport, lons: np.ndarray, lats: np.ndarray, *, top: int, cell: int = 8
) -> QImage:
    """A density map of points as an image the size of the viewport (transparent where none)."""
    grid = density_grid(viewport, lons, lats, cell=cell)
    rgba = density_rgba(grid, top=top, cell=cell, width=viewport.width, height=viewport.height)
    image = QImage(
        rgba.data,
        viewport.width,
        viewport.height,
        4 * viewport.width,
        QImage.Format.Format_RGBA8888,
    )
    return image.copy()  # own the pixels: the array goes when this returns


class MapCanvas(QWidget):
    """Draws outlines, faint base points, an optional tile layer and the chosen points.

    Keys: + and - zoom, arrow keys pan, 0 shows everything. Clicking a point emits
    ``point_chosen(kind, id)``; the wheel zooms at the pointer and dragging pans.
    """

    point_chosen = Signal(str, str)
    view_changed = Signal()
    #: Clicking where there is no point: (longitude, latitude) of the click.
    spot_clicked = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(_tr("Map"))
        self.setAccessibleDescription(
            _tr("Plus and minus zoom, arrow keys move the map, 0 shows everything.")
        )
        self.viewport = Viewport.fit(
            _HOME, width=max(self.width(), 1), height=max(self.height(), 1)
        )
        self.outlines: tuple[Area, ...] = ()
        self.base: np.ndarray = np.zeros((0, 2))
        self.points: list[MapPoint] = []
        self.area: tuple[Polygon, ...] = ()
        self.overlay: QImage | None = None
        self.tile_source: Callable[[Tile], QImage | None] | None = None
        #: A pinned spot (lon, lat), drawn as a cross.
        self.pin: tuple[float, float] | None = None
        self._pixels: np.ndarray = np.zeros((0, 2))
        self._drag: QPointF | None = None
        self._moved = False
        #: What the last fit showed, kept while nobody moves the map, so a resize shows it still.
        self._fitted: tuple[float, float, float, float] | None = None

    def sizeHint(self) -> QSize:
        return QSize(560, 340)

    # What is drawn ---------------------------------------------------------------------------

    def set_layers(
        self,
        *,
        outlines: Sequence[Area],
        base: Sequence[tuple[float, float]],
        points: Sequence[MapPoint],
    ) -> None:
        """Replace what is drawn: outlines, faint (lon, lat) base points, and the points."""
        self.outlines = tuple(outlines)
        self.base = np.array(base, dtype=float).reshape(-1, 2)
        self.points = list(points)
        self._place()

    def set_area(self, area: Sequence[Polygon]) -> None:
        """Outline an initiative's area over the map."""
        self.area = tuple(area)
        self.update()

    def fit(self, bounds: tuple[float, float, float, float] | None = None) -> None:
        """Show (west, south, east, north) whole; the outlines (or Kirklees) when None."""
        if bounds is None:
            boxes = [a.bounds() for a in self.outlines if a.kind == "district"]
            bounds = (
                (
                    min(b[0] for b in boxes),
                    min(b[1] for b in boxes),
                    max(b[2] for b in boxes),
                    max(b[3] for b in boxes),
                )
                if boxes
                else _HOME
            )
        self.viewport = Viewport.fit(
            bounds, width=max(self.width(), 1), height=max(self.height(), 1)
        )
        self._place()

    def set_viewport(self, viewport: Viewport) -> None:
        """Show exactly this view (the hotspot maps keep theirs in step)."""
        self._fitted = None
        self.viewport = viewport
        self._place()

    def _place(self) -> None:
        if self.points:
            px, py = self.viewport.to_pixels(
                [p.lon for p in self.points], [p.lat for p in self.points]
            )
            self._pixels = np.column_stack([px, py])
        else:
            self._pixels = np.zeros((0, 2))
        self.update()
        self.view_changed.emit()

    def pixel_of(self, point: MapPoint) -> tuple[float, float]:
        """Where a point is drawn."""
        return self.viewport.to_pixel(point.lon, point.lat)

    def point_at(self, x: float, y: float) -> MapPoint | None:
        """The point drawn nearest (x, y), if one is within ``HIT_PIXELS``."""
        if not len(self._pixels):
            return None
        distance = np.hypot(self._pixels[:, 0] - x, self._pixels[:, 1] - y)
        nearest = int(np.argmin(distance))
        return self.points[nearest] if distance[nearest] <= HIT_PIXELS else None

    # Painting --------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#f4f1ea"))
        if self.tile_source is not None:
            for tile in self.viewport.tiles():
                image = self.tile_source(tile)
                if image is not None:
                    painter.drawImage(QRectF(tile.left, tile.top, tile.size, tile.size), image)
        self._paint_base(painter)
        self._paint_outlines(painter)
        if self.overlay is not None:
            painter.drawImage(0, 0, self.overlay)
        self._paint_area(painter)
        self._paint_points(painter)
        self._paint_pin(painter)
        if self.hasFocus():
            painter.setPen(QPen(self.palette().highlight().color(), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.rect().adjusted(1, 1, -1, -1))
        painter.end()

    def _paint_base(self, painter: QPainter) -> None:
        if not len(self.base):
            return
        px, py = self.viewport.to_pixels(self.base[:, 0], self.base[:, 1])
        painter.setPen(QPen(QColor(120, 120, 120, 110), 1.5))
        inside = (px >= 0) & (px < self.width()) & (py >= 0) & (py < self.height())
        painter.drawPoints(
            QPolygonF([QPointF(x, y) for x, y in zip(px[inside], py[inside], strict=True)])
        )

    def _ring_path(self, ring: Sequence[tuple[float, float]]) -> QPolygonF:
        px, py = self.viewport.to_pixels([p[0] for p in ring], [p[1] for p in ring])
        return QPolygonF([QPointF(x, y) for x, y in zip(px, py, strict=True)])

    def _paint_outlines(self, painter: QPainter) -> None:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for kind, pen in (
            ("ward", QPen(QColor("#8a8f94"), 1, Qt.PenStyle.DashLine)),
            ("district", QPen(QColor("#3c4043"), 2)),
        ):
            painter.setPen(pen)
            for area in self.outlines:
                if area.kind != kind:
                    continue
                for polygon in area.polygons:
                    painter.drawPolygon(self._ring_path(polygon.outer))

    def _paint_area(self, painter: QPainter) -> None:
        if not self.area:
            return
        path = QPainterPath()
        for polygon in self.area:
            path.addPolygon(self._ring_path(polygon.outer))
            path.closeSubpath()
        painter.setPen(QPen(QColor("#6a1b9a"), 2.5))
        painter.setBrush(QBrush(QColor(106, 27, 154, 40)))
        painter.drawPath(path)

    def _paint_points(self, painter: QPainter) -> None:
        painter.setPen(QPen(QColor("white"), 1))
        for point, (x, y) in zip(self.points, self._pixels, strict=True):
            if not (-10 <= x <= self.width() + 10 and -10 <= y <= self.height() + 10):
                continue
            painter.setBrush(QColor(_KIND_COLOURS.get(point.kind, "#000000")))
            if point.kind == "place":
                painter.drawRect(QRectF(x - 4, y - 4, 8, 8))
            elif point.kind == "asb_case":
                painter.drawPolygon(
                    QPolygonF(
                        [QPointF(x, y - 6), QPointF(x + 6, y), QPointF(x, y + 6), QPointF(x - 6, y)]
                    )
                )
            else:
                painter.drawEllipse(QPointF(x, y), 4.5, 4.5)

    def set_pin(self, pin: tuple[float, float] | None) -> None:
        """Mark a (lon, lat) spot with a cross, or clear the mark."""
        self.pin = pin
        self.update()

    def _paint_pin(self, painter: QPainter) -> None:
        if self.pin is None:
            return
        x, y = self.viewport.to_pixel(*self.pin)
        painter.setPen(QPen(QColor("#000000"), 2.5))
        painter.drawLine(QPointF(x - 7, y - 7), QPointF(x + 7, y + 7))
        painter.drawLine(QPointF(x - 7, y + 7), QPointF(x + 7, y - 7))

    # Moving ----------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self._fitted is not None:
            self.fit(self._fitted)
        else:
            self.viewport = self.viewport.resized(max(self.width(), 1), max(self.height(), 1))
            self._place()
        super().resizeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        moves: dict[int, tuple[int, int]] = {
            Qt.Key.Key_Left: (-PAN_PIXELS, 0),
            Qt.Key.Key_Right: (PAN_PIXELS, 0),
            Qt.Key.Key_Up: (0, -PAN_PIXELS),
            Qt.Key.Key_Down: (0, PAN_PIXELS),
        }
        if key in moves:
            self.set_viewport(self.viewport.panned(*moves[key]))
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.set_viewport(self.viewport.zoomed(ZOOM_STEP))
        elif key == Qt.Key.Key_Minus:
            self.set_viewport(self.viewport.zoomed(1 / ZOOM_STEP))
        elif key in (Qt.Key.Key_0, Qt.Key.Key_Home):
            self.fit()
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            at = event.position()
            self.set_viewport(self.viewport.zoomed(ZOOM_STEP**steps, at=(at.x(), at.y())))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag, self._moved = event.position(), False
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            delta = event.position() - self._drag
            if self._moved or math.hypot(delta.x(), delta.y()) > 3:
                self._moved = True
                self._drag = event.position()
                self.set_viewport(self.viewport.panned(-delta.x(), -delta.y()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drag is not None:
            if not self._moved:
                chosen = self.point_at(event.position().x(), event.position().y())
                if chosen is not None:
                    self.point_chosen.emit(chosen.kind, chosen.record_id)
                else:
                    lon, lat = self.viewport.to_lonlat(event.position().x(), event.position().y())
                    self.spot_clicked.emit(lon, lat)
            self._drag = None


class ComparisonChart(QWidget):
    """Monthly counts as bars, the months before the start in grey and from it in colour, with
    the before and after monthly averages drawn across them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.comparison: Comparison | None = None
        self.setMinimumSize(240, 140)
        self.setAccessibleName(_tr("Monthly counts before and after the start"))

    def sizeHint(self) -> QSize:
        return QSize(480, 200)

    def show_comparison(self, comparison: Comparison | None) -> None:
        self.comparison = comparison
        self.setAccessibleDescription(comparison.change_text() if comparison else "")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        c = self.comparison
        if c is None or not c.monthly:
            painter.end()
            return
        margin, bottom = 8, 8
        width = self.width() - 2 * margin
        height = self.height() - margin - bottom
        top = max(max(c.monthly), 1)
        bar = width / len(c.monthly)
        for i, count in enumerate(c.monthly):
            h = height * count / top
            colour = QColor("#9aa0a6") if i < c.split else QColor("#1f5fbf")
            painter.fillRect(
                QRectF(margin + i * bar + 1, margin + height - h, max(bar - 2, 1), h), colour
            )
        painter.setPen(QPen(QColor("#202124"), 2))
        for lo, hi, months in (
            (0, c.split, c.before_months),
            (c.split, len(c.monthly), c.after_months),
        ):
            if months:
                mean = sum(c.monthly[lo:hi]) / months
                y = margin + height - height * mean / top
                painter.drawLine(QPointF(margin + lo * bar, y), QPointF(margin + hi * bar, y))
        painter.end()


def _checkable(words: str, value: str) -> QListWidgetItem:
    item = QListWidgetItem(words)
    item.setData(Qt.ItemDataRole.UserRole, value)
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Unchecked)
    return item


def _checked(widget: QListWidget) -> tuple[str, ...]:
    return tuple(
        str(widget.item(n).data(Qt.ItemDataRole.UserRole))
        for n in range(widget.count())
        if widget.item(n).checkState() == Qt.CheckState.Checked
    )


def _day(edit: QDateEdit) -> date:
    chosen = edit.date()
    return date(chosen.year(), chosen.month(), chosen.day())


def _named(widget: QWidget, name: str) -> QWidget:
    widget.setAccessibleName(name)
    return widget


class MapView(QWidget):
    """The Map screen: the map with filters, hotspot maps, and initiatives.

    Args:
        maps: the map service.
        workers: runs service calls off the GUI thread.
        visits: adds places pinned on the map (without it, the map only shows).
    """

    loaded = Signal()
    #: A place was added at a pin (its record id).
    place_added = Signal(str)
    hotspots_loaded = Signal()
    evaluated = Signal()
    #: Clicking a point: (record type, id), opened as any list's row is.
    open_subject = Signal(str, str)

    def __init__(
        self,
        maps: MapService,
        workers: Workers,
        parent: QWidget | None = None,
        *,
        visits: VisitService | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = maps
        self._workers = workers.owned_by(self)
        self._visits = visits
        self.pin: Pin | None = None
        self.outlines: tuple[Area, ...] = ()
        self.result: InitiativeResult | None = None
        self.densities: Densities | None = None
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mapTabs")
        self.tabs.setAccessibleName(_tr("Map views"))
        layout.addWidget(self.tabs)
        # Each tab scrolls on its own, so the tallest (Initiatives) does not make the map tall.
        for page, words in (
            (self._map_tab(), _tr("Map")),
            (self._hotspot_tab(), _tr("Hotspot map")),
            (self._initiative_tab(), _tr("Initiatives")),
        ):
            scroll = QScrollArea(self.tabs)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            # Tab goes to the controls inside, not to the frame around them.
            scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            scroll.setWidget(page)
            self.tabs.addTab(scroll, words)
        self.tabs.currentChanged.connect(self._tab_chosen)
        self._tiles: TileCache | None = None
        self._tile_images: dict[tuple[int, int, int], QImage | None] = {}
        self._tiles_asked: set[tuple[int, int, int]] = set()
        self.online.toggled.connect(self._online_toggled)

    def sizeHint(self) -> QSize:
        return QSize(880, 600)

    def minimumSizeHint(self) -> QSize:
        return QSize(480, 360)

    # Online tiles ----------------------------------------------------------------------------

    def use_tiles(self, template: str, cache_folder: Path | None) -> None:
        """Offer the online street map from a tile address ("" or no folder: offline only)."""
        self._tile_images.clear()
        self._tiles_asked.clear()
        try:
            self._tiles = TileCache(cache_folder, template) if template and cache_folder else None
        except ValueError:
            self._tiles = None
        self.online.setEnabled(self._tiles is not None)
        if self._tiles is None:
            self.online.setChecked(False)
        self._online_toggled(self.online.isChecked())

    def _online_toggled(self, on: bool) -> None:
        self.canvas.tile_source = self._tile if on and self._tiles is not None else None
        self.canvas.update()

    def _tile(self, tile: Tile) -> QImage | None:
        key = (tile.z, tile.x, tile.y)
        if key in self._tile_images:
            return self._tile_images[key]
        cache = self._tiles
        if cache is None or key in self._tiles_asked:
            return None
        self._tiles_asked.add(key)

        def got(body: bytes | None) -> None:
            image = QImage.fromData(body) if body else None
            self._tile_images[key] = image if image is not None and not image.isNull() else None
            self.canvas.update()

        def failed(_exc: Exception) -> None:
            self._tiles_asked.discard(key)  # offline now: asked again when the map next moves

        self._workers.submit(lambda: cache.fetch(*key), got, failed)
        return None

    # Map tab ---------------------------------------------------------------------------------

    def _map_tab(self) -> QWidget:
        page = QWidget(self)
        grid = QGridLayout(page)
        self.show_places = QCheckBox(_tr("Places"), page)
        self.show_visits = QCheckBox(_tr("Visits"), page)
        self.show_cases = QCheckBox(_tr("ASB cases"), page)
        for box in (self.show_places, self.show_visits, self.show_cases):
            box.setChecked(True)
        self.district = QComboBox(page)
        _named(self.district, _tr("District"))
        self.district.addItem(_tr("All districts"), "")
        for d in District:
            self.district.addItem(d.label, d.value)
        self.category = QComboBox(page)
        _named(self.category, _tr("Category"))
        self.category.addItem(_tr("All categories"), "")
        for c in Category:
            self.category.addItem(c.label, c.value)
        self.first_day = QDateEdit(page)
        _named(self.first_day, _tr("From"))
        self.first_day.setCalendarPopup(True)
        self.first_day.setDisplayFormat("d MMM yyyy")
        self.first_day.setDate(QDate.currentDate().addDays(-90))
        self.last_day = QDateEdit(page)
        _named(self.last_day, _tr("To"))
        self.last_day.setCalendarPopup(True)
        self.last_day.setDisplayFormat("d MMM yyyy")
        self.last_day.setDate(QDate.currentDate())
        self.show_button = QPushButton(_tr("&Show"), page)
        self.show_button.clicked.connect(self.refresh)
        self.online = QCheckBox(_tr("Street map tiles"), page)
        self.online.setToolTip(_tr("Set a tile address in Settings to draw a street map."))
        self.online.setAccessibleName(_tr("Street map tiles"))
        self.online.setEnabled(False)
        self.canvas = MapCanvas(page)
        self.canvas.point_chosen.connect(self.open_subject)
        self.canvas.spot_clicked.connect(self.add_place_at)
        self.status = QLabel(page)
        self.status.setWordWrap(True)
        pin_box = self._pin_box(page)
        row = QHBoxLayout()
        for box in (self.show_places, self.show_visits, self.show_cases, self.online):
            row.addWidget(box)
        row.addStretch(1)
        grid.addLayout(row, 0, 0, 1, 4)
        for column, (words, widget) in enumerate(
            ((_tr("District"), self.district), (_tr("Category"), self.category))
        ):
            label = QLabel(words, page)
            label.setBuddy(widget)
            grid.addWidget(label, 1, 2 * column)
            grid.addWidget(widget, 1, 2 * column + 1)
        for column, (words, edit) in enumerate(
            ((_tr("From"), self.first_day), (_tr("To"), self.last_day))
        ):
            label = QLabel(words, page)
            label.setBuddy(edit)
            grid.addWidget(label, 2, 2 * column)
            grid.addWidget(edit, 2, 2 * column + 1)
        grid.addWidget(self.show_button, 3, 3)
        grid.addWidget(self.canvas, 4, 0, 1, 4)
        grid.addWidget(self.status, 5, 0, 1, 4)
        grid.addWidget(self.add_here_button, 6, 3)
        grid.addWidget(pin_box, 7, 0, 1, 4)
        grid.setRowStretch(4, 1)
        return page

    # A place by a pin ------------------------------------------------------------------------

    def _pin_box(self, page: QWidget) -> QWidget:
        self.add_here_button = QPushButton(_tr("&Add a place here"), page)
        self.add_here_button.setAccessibleName(_tr("Add a place here"))
        self.add_here_button.setToolTip(
            _tr("Adds a place at the spot last clicked on the map, or at the map's centre.")
        )
        self.add_here_button.clicked.connect(self._add_place_here)
        self.add_here_button.setVisible(self._visits is not None)
        box = QFrame(page)
        box.setObjectName("pinBox")
        box.setAccessibleName(_tr("New place at the pin"))
        form = QGridLayout(box)
        self.pin_found = QLabel(box)
        self.pin_found.setWordWrap(True)
        self.pin_found.setAccessibleName(_tr("What is at the pin"))
        self.pin_use_address = QCheckBox(_tr("Use this address"), box)
        self.pin_use_address.setAccessibleName(_tr("Use the nearest address"))
        self.pin_label = QLineEdit(box)
        _named(self.pin_label, _tr("Place name"))
        self.pin_label.setPlaceholderText(_tr("What officers call this place"))
        self.pin_district = QComboBox(box)
        _named(self.pin_district, _tr("District of the new place"))
        for d in District:
            self.pin_district.addItem(d.label, d.value)
        self.pin_add = QPushButton(_tr("Add &place"), box)
        self.pin_add.setAccessibleName(_tr("Add the place at the pin"))
        self.pin_add.clicked.connect(self.add_pinned_place)
        self.pin_cancel = QPushButton(_tr("Cancel"), box)
        self.pin_cancel.setAccessibleName(_tr("Cancel the new place"))
        self.pin_cancel.clicked.connect(self._forget_pin)
        self.pin_error = QLabel(box)
        self.pin_error.setWordWrap(True)
        self.pin_error.setAccessibleName(_tr("Why the place was not added"))
        set_tone(self.pin_error, "problem")
        form.addWidget(self.pin_found, 0, 0, 1, 4)
        form.addWidget(self.pin_use_address, 1, 0, 1, 4)
        for row, (words, widget) in enumerate(
            ((_tr("Name"), self.pin_label), (_tr("District"), self.pin_district)), start=2
        ):
            label = QLabel(words, box)
            label.setBuddy(widget)
            form.addWidget(label, row, 0)
            form.addWidget(widget, row, 1, 1, 3)
        form.addWidget(self.pin_error, 4, 0, 1, 2)
        form.addWidget(self.pin_cancel, 4, 2)
        form.addWidget(self.pin_add, 4, 3)
        self.pin_box = box
        box.hide()
        return box

    def _add_place_here(self) -> None:
        spot = self.canvas.pin
        if spot is None:
            spot = self.canvas.viewport.to_lonlat(self.canvas.width() / 2, self.canvas.height() / 2)
        self.add_place_at(*spot)

    def add_place_at(self, lon: float, lat: float) -> None:
        """Pin a spot and start a new place there: what is near is looked up on a worker."""
        visits = self._visits
        if visits is None:
            return
        self.canvas.set_pin((lon, lat))
        self._workers.submit(lambda: visits.pin(lat=lat, lon=lon), self._show_pin)

    def _show_pin(self, pin: Pin) -> None:
        if self.canvas.pin != (pin.lon, pin.lat):
            return  # another spot was clicked since
        self.pin = pin
        self.pin_error.clear()
        entry = pin.address
        if entry is not None:
            self.pin_found.setText(
                _tr("Nearest address: {address}, {postcode} (UPRN {uprn}).").format(
                    address=entry.address, postcode=entry.postcode, uprn=entry.uprn
                )
            )
            self.pin_label.setText(entry.landmark or entry.address.split(",", 1)[0])
        else:
            self.pin_found.setText(
                _tr("No address is near this spot: give the place a name to add it here.")
            )
            self.pin_label.clear()
        self.pin_use_address.setVisible(entry is not None)
        self.pin_use_address.setChecked(entry is not None)
        if pin.district:
            self.pin_district.setCurrentIndex(self.pin_district.findData(pin.district))
        self.pin_box.show()
        self.pin_label.setFocus()
        self.pin_label.selectAll()

    def add_pinned_place(self) -> None:
        """Add the place at the pin, with the nearest address if the officer keeps it."""
        visits, pin = self._visits, self.pin
        if visits is None or pin is None:
            return
        if not self.pin_use_address.isChecked():
            pin = replace(pin, address=None)
        label, district = self.pin_label.text(), str(self.pin_district.currentData())
        self._workers.submit(
            lambda: visits.add_pinned_place(pin, label=label, district=district),
            self._pinned_place_added,
            lambda exc: self.pin_error.setText(describe(exc)),
        )

    def _pinned_place_added(self, place: PlaceChoice) -> None:
        self._forget_pin()
        self.status.setText(_tr("Added the place {label}.").format(label=place.label))
        self.place_added.emit(place.id)
        self.refresh()

    def _forget_pin(self) -> None:
        self.pin = None
        self.canvas.set_pin(None)
        self.pin_label.clear()
        self.pin_error.clear()
        self.pin_box.hide()

    def kinds(self) -> tuple[str, ...]:
        chosen = (
            (self.show_places, "place"),
            (self.show_visits, "visit"),
            (self.show_cases, "asb_case"),
        )
        return tuple(kind for box, kind in chosen if box.isChecked())

    def point_filter(self) -> PointFilter:
        district, category = self.district.currentData(), self.category.currentData()
        return PointFilter(
            districts=(str(district),) if district else (),
            categories=(str(category),) if category else (),
            first_day=_day(self.first_day),
            last_day=_day(self.last_day),
        )

    def refresh(self) -> None:
        """Load outlines and points for the filters, on a worker."""
        service, kinds, where = self._service, self.kinds(), self.point_filter()

        def load() -> tuple[tuple[Area, ...], list[tuple[float, float]], list[MapPoint]]:
            return (
                service.outlines(),
                service.base_points(),
                service.points(kinds=kinds, where=where),
            )

        self._workers.submit(load, self._show)

    def _show(
        self, loaded: tuple[tuple[Area, ...], list[tuple[float, float]], list[MapPoint]]
    ) -> None:
        outlines, base, points = loaded
        first_load = not self.outlines
        self.outlines = outlines
        self.canvas.set_layers(outlines=outlines, base=base, points=points)
        if first_load:
            self.canvas.fit()
        counts = {k: sum(1 for p in points if p.kind == k) for k in ("place", "visit", "asb_case")}
        self.status.setText(
            _tr("{places} places, {visits} visits and {cases} ASB cases on the map. "
                "Click one to open it; + and - zoom, arrow keys move.").format(
                places=counts["place"], visits=counts["visit"], cases=counts["asb_case"]
            )
        )  # fmt: skip
        self.loaded.emit()

    # Hotspot tab -----------------------------------------------------------------------------

    def _hotspot_tab(self) -> QWidget:
        page = QWidget(self)
        grid = QGridLayout(page)
        self.hotspot_source = QComboBox(page)
        _named(self.hotspot_source, _tr("Count"))
        self.hotspot_source.addItem(_tr("Visits"), HotspotSource.VISITS.value)
        self.hotspot_source.addItem(_tr("Recorded crime"), HotspotSource.CRIME.value)
        self.hotspot_days = QSpinBox(page)
        _named(self.hotspot_days, _tr("Days in each period"))
        self.hotspot_days.setRange(7, 366)
        self.hotspot_days.setValue(90)
        self.hotspot_button = QPushButton(_tr("Show &hotspots"), page)
        self.hotspot_button.clicked.connect(self.refresh_hotspots)
        for column, (words, widget) in enumerate(
            ((_tr("Count"), self.hotspot_source), (_tr("Days in each period"), self.hotspot_days))
        ):
            label = QLabel(words, page)
            label.setBuddy(widget)
            grid.addWidget(label, 0, 2 * column)
            grid.addWidget(widget, 0, 2 * column + 1)
        grid.addWidget(self.hotspot_button, 0, 4)
        self.current_label = QLabel(page)
        self.previous_label = QLabel(page)
        for label in (self.current_label, self.previous_label):
            label.setWordWrap(True)
        # The period before on the left, this period on the right: made in that order for Tab.
        self.previous_map = MapCanvas(page)
        self.previous_map.setAccessibleName(_tr("Hotspots the period before"))
        self.current_map = MapCanvas(page)
        self.current_map.setAccessibleName(_tr("Hotspots this period"))
        # The two maps move together, so the same place is in the same spot on both.
        self.current_map.view_changed.connect(
            lambda: self._follow(self.current_map, self.previous_map)
        )
        self.previous_map.view_changed.connect(
            lambda: self._follow(self.previous_map, self.current_map)
        )
        grid.addWidget(self.previous_label, 1, 0, 1, 3)
        grid.addWidget(self.current_label, 1, 3, 1, 3)
        grid.addWidget(self.previous_map, 2, 0, 1, 3)
        grid.addWidget(self.current_map, 2, 3, 1, 3)
        grid.setRowStretch(2, 1)
        return page

    def _follow(self, leader: MapCanvas, follower: MapCanvas) -> None:
        wanted = leader.viewport.resized(max(follower.width(), 1), max(follower.height(), 1))
        if follower.viewport != wanted:
            follower.set_viewport(wanted)
        self._paint_hotspots()

    def refresh_hotspots(self) -> None:
        """Count the period ending today and the one before it, on a worker."""
        service = self._service
        source = HotspotSource(str(self.hotspot_source.currentData()))
        days = self.hotspot_days.value()
        where = self.point_filter()
        where = PointFilter(districts=where.districts, categories=where.categories)

        def load() -> tuple[tuple[Area, ...], Densities]:
            return service.outlines(), service.densities(
                source=source, last_day=service.today(), days=days, where=where
            )

        self._workers.submit(load, self._show_hotspots)

    def _show_hotspots(self, loaded: tuple[tuple[Area, ...], Densities]) -> None:
        outlines, densities = loaded
        self.densities = densities
        for canvas in (self.current_map, self.previous_map):
            canvas.set_layers(outlines=outlines, base=(), points=())
        self.current_map.fit()
        self._paint_hotspots()
        first, last = densities.first_day, densities.last_day
        before = date.fromordinal(2 * first.toordinal() - last.toordinal() - 1)
        before_last = date.fromordinal(first.toordinal() - 1)
        self.current_label.setText(
            _tr("This period, {first} to {last}: {count}").format(
                first=first.strftime("%d %b %Y"), last=last.strftime("%d %b %Y"),
                count=len(densities.current[0]),
            )
        )  # fmt: skip
        self.previous_label.setText(
            _tr("The period before, {first} to {last}: {count}").format(
                first=before.strftime("%d %b %Y"),
                last=before_last.strftime("%d %b %Y"),
                count=len(densities.previous[0]),
            )
        )
        self.hotspots_loaded.emit()

    def _paint_hotspots(self) -> None:
        d = self.densities
        if d is None:
            return
        cell = 8
        grids = [
            density_grid(canvas.viewport, *pts, cell=cell)
            for canvas, pts in ((self.current_map, d.current), (self.previous_map, d.previous))
        ]
        top = max(int(max((g.max() for g in grids if g.size), default=1)), 1)
        for canvas, pts in ((self.current_map, d.current), (self.previous_map, d.previous)):
            canvas.overlay = hotspot_image(canvas.viewport, *pts, top=top, cell=cell)
            canvas.update()

    # Initiatives tab -------------------------------------------------------------------------

    def _initiative_tab(self) -> QWidget:
        page = QWidget(self)
        grid = QGridLayout(page)
        self.initiative_list = QListWidget(page)
        _named(self.initiative_list, _tr("Initiatives"))
        self.initiative_list.currentRowChanged.connect(self._initiative_chosen)
        self.initiative_name = QLineEdit(page)
        _named(self.initiative_name, _tr("Name"))
        self.initiative_area = QComboBox(page)
        _named(self.initiative_area, _tr("Area"))
        self.initiative_sectors = QLineEdit(page)
        _named(self.initiative_sectors, _tr("Postcode sectors"))
        self.initiative_sectors.setPlaceholderText(_tr("e.g. HD1 1, HD1 2 (instead of the area)"))
        self.initiative_sectors.setToolTip(
            _tr("Each sector's area is drawn round the gazetteer's addresses in it, 25 metres "
                "wide of the outermost, so crime recorded on the streets in front is counted.")
        )  # fmt: skip
        self.initiative_start = QDateEdit(page)
        _named(self.initiative_start, _tr("Start"))
        self.initiative_start.setCalendarPopup(True)
        self.initiative_start.setDisplayFormat("d MMM yyyy")
        self.initiative_start.setDate(QDate.currentDate().addMonths(-6))
        self.initiative_months = QSpinBox(page)
        _named(self.initiative_months, _tr("Months before and after"))
        self.initiative_months.setRange(1, 36)
        self.initiative_months.setValue(12)
        self.crime_types = QListWidget(page)
        _named(self.crime_types, _tr("Crime types"))
        for t in CrimeType:
            self.crime_types.addItem(_checkable(t.label, t.value))
        self.visit_categories = QListWidget(page)
        _named(self.visit_categories, _tr("Visit categories"))
        for c in Category:
            self.visit_categories.addItem(_checkable(c.label, c.value))
        for view in (self.crime_types, self.visit_categories, self.initiative_list):
            view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.save_initiative_button = QPushButton(_tr("Sa&ve initiative"), page)
        self.save_initiative_button.clicked.connect(self.save_initiative)
        self.evaluate_button = QPushButton(_tr("&Evaluate"), page)
        self.evaluate_button.clicked.connect(self.evaluate)
        self.remove_initiative_button = QPushButton(_tr("&Remove"), page)
        self.remove_initiative_button.clicked.connect(self.remove_initiative)
        self.initiative_result = QLabel(page)
        self.initiative_result.setWordWrap(True)
        self.initiative_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.crime_chart = ComparisonChart(page)
        self.visit_chart = ComparisonChart(page)
        self.visit_chart.setAccessibleName(_tr("Monthly visits before and after the start"))

        grid.addWidget(self.initiative_list, 0, 0, 8, 1)
        fields = (
            (_tr("Name"), self.initiative_name),
            (_tr("Area"), self.initiative_area),
            (_tr("Postcode sectors"), self.initiative_sectors),
            (_tr("Start"), self.initiative_start),
            (_tr("Months before and after"), self.initiative_months),
        )
        for row, (words, widget) in enumerate(fields):
            label = QLabel(words, page)
            label.setBuddy(widget)
            grid.addWidget(label, row, 1)
            grid.addWidget(widget, row, 2, 1, 2)
        grid.addWidget(QLabel(_tr("Crime types"), page), 5, 1)
        grid.addWidget(QLabel(_tr("Visit categories"), page), 5, 2, 1, 2)
        grid.addWidget(self.crime_types, 6, 1)
        grid.addWidget(self.visit_categories, 6, 2, 1, 2)
        buttons = QHBoxLayout()
        for button in (
            self.save_initiative_button,
            self.evaluate_button,
            self.remove_initiative_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        grid.addLayout(buttons, 7, 1, 1, 3)
        grid.addWidget(self.initiative_result, 8, 0, 1, 4)
        grid.addWidget(self.crime_chart, 9, 0, 1, 2)
        grid.addWidget(self.visit_chart, 9, 2, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(2, 1)
        return page

    def _tab_chosen(self, index: int) -> None:
        if index == 1 and self.densities is None:
            self.refresh_hotspots()
        elif index == 2:
            self.refresh_initiatives()

    def refresh_initiatives(self) -> None:
        """Load the kept initiatives and the areas they can be drawn from, on a worker."""
        service = self._service
        self._workers.submit(
            lambda: (service.initiatives(), service.outlines()), self._show_initiatives
        )

    def _show_initiatives(self, loaded: tuple[list[Initiative], tuple[Area, ...]]) -> None:
        initiatives, outlines = loaded
        self._initiatives = initiatives
        self.outlines = outlines
        self.initiative_area.clear()
        self.initiative_area.addItem(_tr("The part of the map on show"), "")
        for area in outlines:
            if area.kind == "ward":
                self.initiative_area.addItem(_tr("Ward: {name}").format(name=area.name), area.code)
        self.initiative_list.clear()
        for initiative in initiatives:
            self.initiative_list.addItem(initiative.name)

    def _initiative_chosen(self, row: int) -> None:
        chosen = getattr(self, "_initiatives", [])
        if not 0 <= row < len(chosen):
            return
        initiative: Initiative = chosen[row]
        self.initiative_name.setText(initiative.name)
        self.initiative_start.setDate(qdate(initiative.start))
        self.initiative_months.setValue(initiative.window_months)
        ward = initiative.wards[0] if initiative.wards else ""
        self.initiative_area.setCurrentIndex(max(self.initiative_area.findData(ward), 0))
        self.initiative_sectors.setText(", ".join(initiative.sectors))
        for widget, wanted in (
            (self.crime_types, initiative.crime_types),
            (self.visit_categories, initiative.visit_categories),
        ):
            for n in range(widget.count()):
                item = widget.item(n)
                on = item.data(Qt.ItemDataRole.UserRole) in wanted
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.canvas.set_area(initiative.area)

    def initiative(self) -> Initiative:
        """The definition on the form (the area: the postcode sectors typed, else the chosen
        ward, else the map on show). Sectors' areas are made by the service, on a worker: until
        then the definition's area is empty.

        Raises:
            InitiativeError: naming what is missing.
        """
        code = str(self.initiative_area.currentData() or "")
        sectors = tuple(s.strip() for s in self.initiative_sectors.text().split(",") if s.strip())
        if sectors:
            return Initiative(
                name=self.initiative_name.text().strip(),
                area=(),
                start=_day(self.initiative_start),
                crime_types=_checked(self.crime_types),
                visit_categories=_checked(self.visit_categories),
                window_months=self.initiative_months.value(),
                sectors=sectors,
            )
        if code:
            area = next((a for a in self.outlines if a.code == code), None)
            polygons = area.polygons if area is not None else ()
            wards: tuple[str, ...] = (code,)
        else:
            view = self.canvas.viewport
            west, north = view.to_lonlat(0, 0)
            east, south = view.to_lonlat(view.width, view.height)
            polygons, wards = (rectangle(west, south, east, north),), ()
        made = Initiative(
            name=self.initiative_name.text().strip(),
            area=polygons,
            start=_day(self.initiative_start),
            crime_types=_checked(self.crime_types),
            visit_categories=_checked(self.visit_categories),
            window_months=self.initiative_months.value(),
            wards=wards,
        )
        made.check()
        return made

    def save_initiative(self) -> None:
        try:
            initiative = self.initiative()
        except InitiativeError as exc:
            self.initiative_result.setText(str(exc))
            return
        service = self._service
        self._workers.submit(
            lambda: service.save_initiative(service.with_sector_areas(initiative)),
            lambda _none: self.refresh_initiatives(),
            self._initiative_failed,
        )

    def _initiative_failed(self, exc: Exception) -> None:
        self.initiative_result.setText(
            str(exc) if isinstance(exc, InitiativeError) else describe(exc)
        )

    def remove_initiative(self) -> None:
        name = self.initiative_name.text().strip()
        service = self._service
        self._workers.submit(
            lambda: service.remove_initiative(name), lambda _none: self.refresh_initiatives()
        )

    def evaluate(self) -> None:
        """Count before and after in the area, on a worker; show the change and its interval."""
        try:
            initiative = self.initiative()
        except InitiativeError as exc:
            self.initiative_result.setText(str(exc))
            return
        service = self._service
        self._workers.submit(
            lambda: service.evaluate(service.with_sector_areas(initiative)),
            self._show_result,
            self._initiative_failed,
        )

    def _show_result(self, result: InitiativeResult) -> None:
        self.result = result
        self.canvas.set_area(result.initiative.area)
        crime, visits = result.crime, result.visits
        lines = [
            _tr("Recorded crime in the area: {before} in {bm} months before, {after} in {am} "
                "months from the start; {change}.").format(
                before=crime.before, bm=crime.before_months, after=crime.after,
                am=crime.after_months, change=crime.change_text(),
            ),
            _tr("Visits in the area: {before} before, {after} after; {change}.").format(
                before=visits.before, after=visits.after, change=visits.change_text()
            ),
            _tr("The interval is a 95% interval for the ratio of monthly rates (Wald, on the "
                "log scale); where it spans 0% the change may be chance."),
        ]  # fmt: skip
        self.initiative_result.setText("\n".join(lines))
        self.crime_chart.show_comparison(crime)
        self.visit_chart.show_comparison(visits)
        self.evaluated.emit()
