"""The demo: a vault full of synthetic data, made in one call, for a newcomer to look around."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fieldkit.demo.generator import DemoSize, generate
from fieldkit.services.transfer import import_records
from fieldkit.store.keyfile import KdfParams
from fieldkit.store.vault import Vault

_WORDS = (
    "amber",
    "beacon",
    "canal",
    "dale",
    "ember",
    "fell",
    "ginnel",
    "heath",
    "kirk",
    "lantern",
    "moor",
    "nettle",
    "pennine",
    "quarry",
    "reservoir",
    "snicket",
    "tarn",
    "viaduct",
    "weir",
)


@dataclass(frozen=True)
class DemoVault:
    """A demo vault made for this run: where it is and the passphrase (shown to the user once)."""

    folder: Path
    username: str
    passphrase: str
    records: int


def make_passphrase(words: int = 4) -> str:
    """A random four-word passphrase, easy to type on a field laptop."""
    return "-".join(secrets.choice(_WORDS) for _ in range(words)) + f"-{secrets.randbelow(100)}"


def create_demo_vault(
    folder: Path,
    *,
    visits: int,
    username: str = "demo.officer",
    seed: int = 2026,
    kdf: KdfParams | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> DemoVault:
    """Create a vault in `folder` and fill it with `visits` visits' worth of synthetic data."""
    passphrase = make_passphrase()
    vault = Vault.create(folder, username=username, passphrase=passphrase, kdf=kdf)
    try:
        count = import_records(
            vault,
            generate(DemoSize.for_visits(visits), seed=seed, officer_ids=(username,)),
            on_progress=on_progress,
        )
    finally:
        vault.lock()
    return DemoVault(folder, username, passphrase, count)
