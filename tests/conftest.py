"""Shared fixtures: real vault files (encrypted and plain) with cheap key derivation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from tests.factories import PASSPHRASE

if TYPE_CHECKING:
    from fieldkit.store.vault import Vault

# The vault fixtures import the laptop's store when used, not here: tests/server also runs where
# only the server and the core are installed (scripts/test-server-dist), without SQLCipher.


class SteppingClock:
    """A wall clock that moves on a millisecond each time it is read, for repeatable tests."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        self.current += timedelta(milliseconds=1)
        return self.current


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))


@pytest.fixture(params=["encrypted", "plain"])
def any_vault(
    request: pytest.FixtureRequest, tmp_path: Path, clock: SteppingClock
) -> Iterator[Vault]:
    """The same tests run on the SQLCipher vault and on the plain baseline store."""
    from tests.kdf import TEST_KDF

    from fieldkit.store.vault import Vault

    vault = Vault.create(
        tmp_path / "vault",
        username="amy.officer",
        passphrase=PASSPHRASE,
        kdf=TEST_KDF,
        now=clock,
        encrypted=request.param == "encrypted",
    )
    yield vault
    vault.lock()


@pytest.fixture
def vault(tmp_path: Path, clock: SteppingClock) -> Iterator[Vault]:
    """An encrypted vault."""
    from tests.kdf import TEST_KDF

    from fieldkit.store.vault import Vault

    vault = Vault.create(
        tmp_path / "vault", username="amy.officer", passphrase=PASSPHRASE, kdf=TEST_KDF, now=clock
    )
    yield vault
    vault.lock()


@pytest.fixture
def make_vault(tmp_path: Path, clock: SteppingClock) -> Callable[..., Vault]:
    from tests.kdf import TEST_KDF

    from fieldkit.store.vault import Vault

    def make(name: str = "vault", **kwargs: object) -> Vault:
        options: dict[str, object] = {
            "username": "amy.officer",
            "passphrase": PASSPHRASE,
            "kdf": TEST_KDF,
            "now": clock,
        }
        options.update(kwargs)
        return Vault.create(tmp_path / name, **options)  # type: ignore[arg-type]

    return make


@pytest.fixture
def supervisor(make_vault: Callable[..., Vault]) -> Vault:
    """A supervisor's vault, as its first sync leaves it: the server named the role."""
    from fieldkit.store import replica

    vault = make_vault("supervisor", username="priya.supervisor")
    with vault.write() as conn:
        replica.put_state(conn, "user", {"id": "u1", "role": "supervisor"})
    return vault
