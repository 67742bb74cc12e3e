"""Hybrid logical clocks: timestamps that sort in causal order across laptops and the server."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

_HLC = re.compile(r"^(\d{15}):(\d{4}):([0-9A-Za-z_.\-]{1,64})$")
MAX_COUNTER = 9999


@dataclass(frozen=True, order=True)
class Hlc:
    """A hybrid-logical-clock timestamp.

    Its text form, ``millis:counter:node`` with zero-padded numbers, sorts the same way as the
    timestamps themselves, so it can be compared as a string on either side of the wire.
    """

    millis: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.millis:015d}:{self.counter:04d}:{self.node}"

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read the text form.

        Raises:
            ValueError: the text is not a hybrid-logical-clock timestamp.
        """
        match = _HLC.match(text) if isinstance(text, str) else None
        if not match:
            raise ValueError("not a hybrid-logical-clock timestamp")
        return cls(int(match[1]), int(match[2]), match[3])


class HlcClock:
    """Issues timestamps for one node, never going backwards even when the wall clock does.

    Args:
        node: this node's id (a device id or vault id).
        wall_millis: the wall clock in milliseconds since the epoch (injected for tests).
        last: the last timestamp issued or seen, restored from storage.
    """

    def __init__(self, node: str, wall_millis: Callable[[], int], last: Hlc | None = None) -> None:
        Hlc.parse(str(Hlc(0, 0, node)))  # reject a node id that would break the text form
        self._node = node
        self._wall = wall_millis
        self._last = last or Hlc(0, 0, node)

    @property
    def last(self) -> Hlc:
        return self._last

    def now(self) -> Hlc:
        """A timestamp for a local event, later than every one issued or seen before."""
        wall = self._wall()
        if wall > self._last.millis:
            self._last = Hlc(wall, 0, self._node)
        else:
            self._last = self._bump(self._last.millis, self._last.counter)
        return self._last

    def observe(self, remote: Hlc) -> Hlc:
        """Move past a timestamp received from elsewhere, so later local events sort after it."""
        wall = self._wall()
        top = max(wall, self._last.millis, remote.millis)
        if top == self._last.millis == remote.millis:
            counter = max(self._last.counter, remote.counter)
        elif top == self._last.millis:
            counter = self._last.counter
        elif top == remote.millis:
            counter = remote.counter
        else:
            self._last = Hlc(top, 0, self._node)
            return self._last
        self._last = self._bump(top, counter)
        return self._last

    def _bump(self, millis: int, counter: int) -> Hlc:
        if counter >= MAX_COUNTER:
            return Hlc(millis + 1, 0, self._node)
        return Hlc(millis, counter + 1, self._node)


def bound_hlc(hlc: Hlc, *, now_millis: int, tolerance_millis: int, after: Hlc | None = None) -> Hlc:
    """Clamp a timestamp from a fast clock so it cannot win every later merge.

    A laptop whose clock is days ahead would otherwise out-vote every honest edit until real time
    caught up. The server calls this on each incoming change and reports when it clamped.

    Two successive edits from one fast laptop would clamp to the same value and the later one
    would lose the tie. So a clamped stamp also moves past `after` — the last stamp this node was
    given, by clamping or otherwise — keeping that node's edits in the order it made them.
    """
    ceiling = now_millis + tolerance_millis
    if hlc.millis <= ceiling:
        return hlc
    clamped = Hlc(ceiling, hlc.counter, hlc.node)
    if after is not None and after.node == hlc.node and clamped <= after:
        if after.counter >= MAX_COUNTER:
            return Hlc(after.millis + 1, 0, hlc.node)
        return Hlc(after.millis, after.counter + 1, hlc.node)
    return clamped
