"""Running service calls off the GUI thread and handing results back to it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

T = TypeVar("T")
log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the GUI thread, so signals from a worker arrive there (queued)."""

    done = Signal(object)
    failed = Signal(object)

    def __init__(
        self, on_done: Callable[[Any], None], on_error: Callable[[Exception], None]
    ) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_error = on_error
        self.done.connect(self._deliver)
        self.failed.connect(self._fail)

    @Slot(object)
    def _deliver(self, value: object) -> None:
        self._on_done(value)

    @Slot(object)
    def _fail(self, error: object) -> None:
        assert isinstance(error, Exception)
        self._on_error(error)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], object], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            value = self._fn()
        except Exception as exc:  # handed to the GUI thread, which decides what to say
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(value)


class Workers:
    """Submits work to a thread pool; callbacks run on the GUI thread.

    Args:
        pool: the pool (the global one if None).
        on_error: what to do with a failure when a call gives no handler of its own.
    """

    def __init__(
        self,
        *,
        pool: QThreadPool | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._pool = pool or QThreadPool.globalInstance()
        self._on_error = on_error or (
            lambda exc: log.warning("work failed: %s", type(exc).__name__)
        )
        self._relays: set[_Relay] = set()
        self.pending = 0

    def submit(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None] | None = None,
        *,
        owner: QObject | None = None,
    ) -> None:
        """Run ``fn`` on a worker; ``on_done(result)`` or ``on_error(exc)`` on the GUI thread.

        Args:
            fn: the work, run on a pool thread.
            on_done: called with its result on the GUI thread.
            on_error: called with its exception instead (the pool's default handler if None).
            owner: the widget the callbacks update. If Qt has destroyed it by the time the work
                ends (the screen closed, or the vault locked and the window was rebuilt), the
                callbacks are dropped: the work itself has run, and there is nothing left to show
                its result in.
        """
        handler = on_error or self._on_error

        def owner_gone() -> bool:
            return owner is not None and not shiboken6.isValid(owner)

        def finished(value: object) -> None:
            self._forget(relay)
            if not owner_gone():
                on_done(value)  # type: ignore[arg-type]

        def failed(exc: Exception) -> None:
            self._forget(relay)
            if owner_gone():
                log.info("work for a closed view failed: %s", type(exc).__name__)
                return
            handler(exc)

        relay = _Relay(finished, failed)
        self._relays.add(relay)
        self.pending += 1
        self._pool.start(_Task(fn, relay))

    def _forget(self, relay: _Relay) -> None:
        self._relays.discard(relay)
        relay.deleteLater()
        self.pending -= 1

    def wait(self) -> None:
        """Block until every submitted task has run (shutdown and lock only)."""
        self._pool.waitForDone()
