"""A small fault-injecting TCP proxy on loopback: delay, reset, truncate, or drop a response."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    RESET = "reset"  # both sides get a TCP RST at the chosen byte
    TRUNCATE = "truncate"  # the connection is closed cleanly at the chosen byte (a short body)
    DELAY = "delay"  # the stream stalls at the chosen byte for a while, then carries on
    BLACKHOLE = "blackhole"  # nothing more is forwarded; the connection stays open


class Direction(StrEnum):
    UP = "up"  # laptop to server
    DOWN = "down"  # server to laptop


@dataclass(frozen=True)
class Fault:
    """One fault, fired once when the proxy has carried ``at_byte`` bytes in ``direction``."""

    kind: FaultKind
    direction: Direction
    at_byte: int
    delay: float = 0.0


class _Link:
    """One proxied connection: the laptop's socket and the server's."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.drop_next_response = False
        self.blackholed = False
        self.closed = False

    def close(self, *, reset: bool = False) -> None:
        if self.closed:
            return
        self.closed = True
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                if reset:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # close() alone waits for the other pump's blocked recv() to return before the
                # kernel lets go of the socket; shutdown() wakes it at once. SHUT_RD sends
                # nothing, so the RST (linger 0) is what the peer sees.
                sock.shutdown(socket.SHUT_RD if reset else socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()


class FaultProxy:
    """Forwards 127.0.0.1:<port> to the server, injecting at most one armed fault at a time.

    Args:
        target_port: the server's port on 127.0.0.1.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.bytes_up = 0
        self.bytes_down = 0
        self.fired: list[Fault | str] = []
        self._fault: Fault | None = None
        self._drop_response_to: bytes | None = None
        self._on_drop: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._links: list[_Link] = []
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._running = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self, fault: Fault | None) -> None:
        """Fire ``fault`` once, counting bytes from now."""
        with self._lock:
            self.bytes_up = self.bytes_down = 0
            self._fault = fault

    def drop_response_to(
        self, request_start: bytes, *, then: Callable[[], None] | None = None
    ) -> None:
        """Forward the next request starting with ``request_start`` in full, let the server
        answer (so it has committed), and cut the connection instead of passing the answer on;
        ``then`` runs at that moment (e.g. SIGKILL the server)."""
        with self._lock:
            self._drop_response_to = request_start
            self._on_drop = then

    def close(self) -> None:
        self._running = False
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close()
        self._thread.join(timeout=5)

    # Forwarding ------------------------------------------------------------------------------

    def _accept(self) -> None:
        while self._running:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                # The server is down: refuse the laptop as a dead server would.
                _Link(client, socket.socket()).close(reset=True)
                continue
            link = _Link(client, upstream)
            with self._lock:
                self._links.append(link)
            for direction in Direction:
                threading.Thread(target=self._pump, args=(link, direction), daemon=True).start()

    def _pump(self, link: _Link, direction: Direction) -> None:
        source, sink = (
            (link.client, link.upstream)
            if direction is Direction.UP
            else (link.upstream, link.client)
        )
        while not link.closed:
            try:
                data = source.recv(65536)
            except OSError:
                break
            if not data:
                break
            if not self._forward(link, direction, data, sink):
                return
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
        if direction is Direction.DOWN:
            link.close()

    def _forward(self, link: _Link, direction: Direction, data: bytes, sink: socket.socket) -> bool:
        if link.blackholed:
            return True
        with self._lock:
            wanted = self._drop_response_to
            if direction is Direction.UP and wanted is not None and data.startswith(wanted):
                link.drop_next_response = True
                self._drop_response_to = None
            if direction is Direction.DOWN and link.drop_next_response:
                on_drop, self._on_drop = self._on_drop, None
                self.fired.append("dropped response")
                drop = True
            else:
                drop = False
            fault = self._fault if self._fault and self._fault.direction is direction else None
            count = self.bytes_up if direction is Direction.UP else self.bytes_down
            cut = fault.at_byte - count if fault is not None else None
            if cut is not None and cut < len(data):
                self._fault = None
                self.fired.append(fault)  # type: ignore[arg-type]
            else:
                cut, fault = None, None
            if direction is Direction.UP:
                self.bytes_up += len(data)
            else:
                self.bytes_down += len(data)
        if drop:
            if on_drop is not None:
                on_drop()
            link.close(reset=True)
            return False
        if fault is None or cut is None:
            return _send(sink, data)
        head, tail = data[: max(cut, 0)], data[max(cut, 0) :]
        if head and not _send(sink, head):
            return False
        if fault.kind is FaultKind.DELAY:
            time.sleep(fault.delay)
            return _send(sink, tail)
        if fault.kind is FaultKind.BLACKHOLE:
            link.blackholed = True
            return True
        link.close(reset=fault.kind is FaultKind.RESET)
        return False


def _send(sink: socket.socket, data: bytes) -> bool:
    try:
        sink.sendall(data)
    except OSError:
        return False
    return True
