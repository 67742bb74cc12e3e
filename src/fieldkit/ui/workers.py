"""Running service calls off the GUI thread and handing results back to it."""

from __future__ import annotations

import copy
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


class _Books:
    """What every handle on one pool shares: the relays in flight and how many calls are out."""

    def __init__(self) -> None:
        self.relays: set[_Relay] = set()
        self.pending = 0


class Workers:
    """Submits work to a thread pool; callbacks run on the GUI thread.

    A view takes its own handle with `owned_by`, so that answers arriving after Qt has
    destroyed it (a dialog closed, the screens rebuilt at lock) are dropped instead of updating
    widgets that no longer exist.

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
        self._books = _Books()
        self._owner: QObject | None = None

    def owned_by(self, owner: QObject) -> Workers:
        """The same pool, with ``owner`` as the owner of every call that names none.

        Args:
            owner: the view whose widgets the callbacks update.
        """
        owned = copy.copy(self)  # shares the pool, the default handler and the books
        owned._owner = owner
        return owned

    @property
    def pending(self) -> int:
        """How many submitted calls have not been answered yet, across every handle."""
        return self._books.pending

    def default_error(self, exc: Exception) -> None:
        """Handle a failure with the pool's default handler."""
        self._on_error(exc)

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
            owner: the widget the callbacks update (this handle's owner if None). If Qt has
                destroyed it by the time the work ends (the screen closed, or the vault locked
                and the window was rebuilt), the callbacks are dropped: the work itself has run,
                and there is nothing left to show its result in.
        """
        handler = on_error or self._on_error
        owner = owner if owner is not None else self._owner

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
        self._books.relays.add(relay)
        self._books.pending += 1
        self._pool.start(_Task(fn, relay))

    def _forget(self, relay: _Relay) -> None:
        self._books.relays.discard(relay)
        relay.deleteLater()
        self._books.pending -= 1

    def wait(self) -> None:
        """Block until every submitted task has run (shutdown and lock only)."""
        self._pool.waitForDone()

    def latest(self, *, owner: QObject | None = None) -> LatestCall:
        """A query whose newest call alone is answered (see `LatestCall`).

        Args:
            owner: the widget its answers update (this handle's owner if None); nothing is
                delivered once Qt has destroyed it.
        """
        return LatestCall(self, owner=owner)


class _Stale:
    """What a call superseded before it started returns instead of running."""


_STALE = _Stale()


class LatestCall:
    """One query a view asks again and again (a search as you type, a filtered list): only the
    answer to the newest call is delivered.

    A call made while an earlier one is still queued or running supersedes it: the earlier
    one's result or failure is dropped, and if it had not started yet its work is not run at
    all (typing fast would otherwise queue one full search per key). A view holds one per query.

    Args:
        workers: the pool the calls run on.
        owner: the widget the answers update; once Qt has destroyed it nothing is delivered.
    """

    def __init__(self, workers: Workers, *, owner: QObject | None = None) -> None:
        self._workers = workers
        self._owner = owner
        self._number = 0
        self._settled = 0

    def submit(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run ``fn`` on a worker and hand its result to ``on_done`` unless a newer call came.

        Args:
            fn: the work, run on a pool thread (skipped when superseded before it starts).
            on_done: called with its result on the GUI thread, if this is still the newest call.
            on_error: called with its exception instead, on the same terms (the pool's default
                handler if None).
        """
        self._number += 1
        number = self._number

        def work() -> T | _Stale:
            return fn() if number == self._number else _STALE

        def done(value: T | _Stale) -> None:
            if number == self._number and not isinstance(value, _Stale):
                self._settled = number
                on_done(value)

        def failed(exc: Exception) -> None:
            if number != self._number:
                log.info("superseded work failed: %s", type(exc).__name__)
                return
            self._settled = number
            (on_error or self._workers.default_error)(exc)

        self._workers.submit(work, done, failed, owner=self._owner)

    def cancel(self) -> None:
        """Drop whatever is on its way: no call made so far is answered."""
        self._number += 1
        self._settled = self._number

    @property
    def waiting(self) -> bool:
        """Whether the newest call is still on its way (neither answered nor cancelled)."""
        return self._settled != self._number
