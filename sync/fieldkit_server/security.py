"""Passwords (Argon2id) and bearer tokens (random, stored only as a hash)."""

from __future__ import annotations

import hashlib
import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    """Argon2id hashing with the server's cost settings.

    Args:
        time_cost: Argon2 iterations.
        memory_kib: Argon2 memory per hash, in KiB.
    """

    def __init__(self, *, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)

    @cached_property
    def _dummy_hash(self) -> str:
        """Verified against when the user name is unknown, so that both failures take as long."""
        return self._hasher.hash("fieldkit: no such user")

    def hash(self, password: str) -> str:
        """An Argon2id hash of a password, with its parameters and salt."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether the password matches; with no hash, spends the same time and says no."""
        try:
            matched = self._hasher.verify(password_hash or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return bool(matched) and password_hash is not None


def new_token() -> str:
    """An opaque bearer token: 256 random bits."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a token: a plain SHA-256 suffices for 256 random bits."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
