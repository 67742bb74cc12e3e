"""The demo: a vault full of synthetic data, made in one call, for a newcomer to look around."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from fieldkit.demo.generator import DemoSize, generate
from fieldkit.domain.records import RecordType
from fieldkit.services.settings import SettingsService
from fieldkit.services.sync_engine import SyncEngine, SyncReport
from fieldkit.services.transfer import import_records
from fieldkit.store.keyfile import KdfParams
from fieldkit.store.records import NewRecord
from fieldkit.store.vault import Vault
from fieldkit.sync.status import StatusCallback
from fieldkit.sync.transport import Transport, TransportConfig

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
    services_to: Path | None = None,
) -> DemoVault:
    """Create a vault in `folder` and fill it with `visits` visits' worth of synthetic data.

    Args:
        services_to: write the support-service directory to this JSON file for the server to
            import, instead of into the vault: reference data comes from the server, and a
            laptop may not push it.
    """
    passphrase = make_passphrase()
    vault = Vault.create(folder, username=username, passphrase=passphrase, kdf=kdf)
    services: list[dict[str, object]] = []

    def laptop_records() -> Iterator[NewRecord]:
        for record in generate(DemoSize.for_visits(visits), seed=seed, officer_ids=(username,)):
            if services_to is not None and record.type == RecordType.SERVICE:
                services.append({"id": record.id, **record.fields})
            else:
                yield record

    try:
        count = import_records(vault, laptop_records(), on_progress=on_progress)
    finally:
        vault.lock()
    if services_to is not None:
        services_to.parent.mkdir(parents=True, exist_ok=True)
        services_to.write_text(json.dumps(services, ensure_ascii=False), encoding="utf-8")
    return DemoVault(folder, username, passphrase, count)


def connect_to_server(
    demo: DemoVault,
    *,
    server_url: str,
    password: str,
    on_status: StatusCallback | None = None,
) -> SyncReport:
    """Point the demo vault at a server, sign in once, and sync everything up.

    The device token is kept inside the vault, so the app syncs on its own afterwards.
    """
    vault = Vault.unlock(demo.folder, passphrase=demo.passphrase)
    transport = Transport(TransportConfig(server_url=server_url))
    try:
        settings = SettingsService(vault)
        settings.save(
            replace(
                settings.load(),
                server_url=server_url,
                officer_name="Sam Whitaker",
                officer_number="PCSO 1234",
            )
        )
        engine = SyncEngine(
            vault,
            transport,
            username=demo.username,
            password=lambda: password,
            device_name="demo laptop",
        )
        if on_status is not None:
            engine.subscribe(on_status)
        return engine.run()
    finally:
        transport.close()
        if not vault.locked:
            vault.lock()
