"""A mutable buffer for key material that is zeroed when no longer needed."""

from __future__ import annotations

import ctypes


class SecretBuffer:
    """Key bytes in a bytearray, so they can be overwritten on lock.

    Python cannot promise that no other copy exists (an immutable ``bytes`` handed back by a
    library, or the passphrase ``str`` itself); this keeps the long-lived copies wipeable and
    ``take`` wipes what it is given where CPython allows.
    """

    def __init__(self, size: int) -> None:
        self._data = bytearray(size)

    @classmethod
    def from_text(cls, text: str) -> SecretBuffer:
        encoded = bytearray(text.encode("utf-8"))
        buf = cls(0)
        buf._data = encoded
        return buf

    @classmethod
    def take(cls, data: bytes) -> SecretBuffer:
        """Copy immutable bytes in, then overwrite the original object's storage."""
        buf = cls(len(data))
        buf._data[:] = data
        _scrub_bytes(data)
        return buf

    @property
    def view(self) -> bytearray:
        return self._data

    def hex(self) -> str:
        return self._data.hex()

    def __len__(self) -> int:
        return len(self._data)

    def wipe(self) -> None:
        for i in range(len(self._data)):
            self._data[i] = 0

    @property
    def wiped(self) -> bool:
        return not any(self._data)


def _scrub_bytes(data: bytes) -> None:
    # CPython stores a bytes object's payload inline after its header; zeroing it in place is the
    # only way to clear a secret a library returned as bytes. Skip tiny or interned objects.
    if len(data) < 2:
        return
    offset = bytes.__basicsize__ - 1
    ctypes.memset(id(data) + offset, 0, len(data))
