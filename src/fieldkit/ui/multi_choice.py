"""A compact filter that lets several values be chosen: a tool button with a menu of tick boxes.

Nothing ticked means "all" (the button says so); one ticked shows its name; several show how
many ("2 districts"). The menu stays open while ticking, so several can be ticked in one go:
arrow keys move, Space (or a click) ticks or unticks and keeps it open, Enter ticks and closes,
Esc closes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QMenu, QToolButton


class TickMenu(QMenu):
    """A menu whose tick boxes toggle without closing it (Space, or a click)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self.activeAction()
        if event.key() == Qt.Key.Key_Space and _tickable(action):
            assert action is not None
            action.trigger()
            return
        super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        action = self.actionAt(event.position().toPoint())
        if _tickable(action):
            assert action is not None
            action.trigger()
            return
        super().mouseReleaseEvent(event)


def _tickable(action: QAction | None) -> bool:
    return action is not None and action.isCheckable() and action.isEnabled()


class MultiChoice(QObject):
    """Drives a QToolButton as a several-values filter.

    Args:
        button: the tool button (from a Designer form) to drive; it gets the menu.
        everything: the button's words when nothing is ticked, e.g. "All districts".
        several: the words for several ticked, with ``{n}`` for how many, e.g. "{n} districts".
    """

    #: The ticked values changed (by the user, or by ``set_chosen``).
    changed = Signal()

    def __init__(self, button: QToolButton, *, everything: str, several: str) -> None:
        super().__init__(button)
        self.button = button
        self._everything = everything
        self._several = several
        self.menu = TickMenu(button)
        self.menu.setAccessibleName(button.accessibleName() or everything)
        # Actions belong to this object, not the menu, so rebuilding the menu never deletes them.
        self._all = QAction(everything, self)
        self._all.setCheckable(True)
        self._all.setChecked(True)
        self._all.triggered.connect(lambda _on: self.set_chosen(()))
        self._actions: list[QAction] = []
        button.setMenu(self.menu)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # The menu arrow and a larger font change the width the words need: keep it given.
        button.installEventFilter(self)
        button.setProperty("multiChoice", True)  # the high-contrast theme draws its border
        self._rebuild()

    # Choices -----------------------------------------------------------------------------------

    def choices(self) -> list[tuple[str, str]]:
        """What the menu offers, as (value, words)."""
        return [(str(a.data()), a.text()) for a in self._actions]

    def set_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """Offer these (value, words); values still offered stay ticked. Does not emit."""
        if list(choices) == self.choices():
            return
        kept = set(self.chosen())
        for action in self._actions:
            action.deleteLater()
        self._actions = []
        for value, words in choices:
            action = QAction(words, self)
            action.setData(value)
            action.setCheckable(True)
            action.setChecked(value in kept)
            action.toggled.connect(lambda _on: self._ticked())
            self._actions.append(action)
        self._rebuild()

    def chosen(self) -> tuple[str, ...]:
        """The ticked values, in the order offered; empty means all."""
        return tuple(str(a.data()) for a in self._actions if a.isChecked())

    def set_chosen(self, values: Iterable[str]) -> None:
        """Tick exactly these values (unknown ones are ignored); emits ``changed`` if different."""
        wanted = set(values)
        before = self.chosen()
        for action in self._actions:
            action.blockSignals(True)
            action.setChecked(str(action.data()) in wanted)
            action.blockSignals(False)
        self._show()
        if self.chosen() != before:
            self.changed.emit()

    def text(self) -> str:
        """What the button says."""
        return self.button.text()

    # Inside ------------------------------------------------------------------------------------

    def _ticked(self) -> None:
        self._show()
        self.changed.emit()

    def _rebuild(self) -> None:
        self.menu.clear()
        self.menu.addAction(self._all)
        self.menu.addSeparator()
        for action in self._actions:
            self.menu.addAction(action)
        # As wide as its longest words (like a combo box sized to its contents), with room for
        # the menu arrow, so the filter row does not jump about as ticks change.
        words = [self._everything, self._several.format(n=len(self._actions))]
        words += [a.text() for a in self._actions]
        widest = max(self.button.fontMetrics().horizontalAdvance(w) for w in words)
        self.button.setMinimumWidth(widest + 30)
        self._show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.button and event.type() in (
            QEvent.Type.FontChange,
            QEvent.Type.StyleChange,
        ):
            QTimer.singleShot(0, self, self._fit)
        return False

    def _fit(self) -> None:
        self.button.setMinimumWidth(0)
        self.button.setMinimumWidth(self.button.sizeHint().width())

    def _show(self) -> None:
        ticked = [a.text() for a in self._actions if a.isChecked()]
        self._all.setChecked(not ticked)
        if not ticked:
            words = self._everything
        elif len(ticked) == 1:
            words = ticked[0]
        else:
            words = self._several.format(n=len(ticked))
        self.button.setText(words)
        self._fit()
        self.button.setToolTip(", ".join(ticked) if ticked else self._everything)
        self.button.setAccessibleDescription(self.button.toolTip())
