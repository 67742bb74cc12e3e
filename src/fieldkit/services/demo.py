"""The demo: a vault full of synthetic data, made in one call, for a newcomer to look around."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from fieldkit.domain.records import RecordType
from fieldkit.domain.schemes import load_schemes
from fieldkit.domain.vocabulary import ReviewDecision
from fieldkit.services.demo_data import demo_records, planted_ids
from fieldkit.services.records import RecordService
from fieldkit.services.review import QueueFilter, ReviewService
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
    plant_retention: bool = True,
) -> DemoVault:
    """Create a vault in `folder` and fill it with `visits` visits' worth of synthetic data.

    Args:
        services_to: write the support-service directory to this JSON file for the server to
            import, instead of into the vault: reference data comes from the server, and a
            laptop may not push it.
        plant_retention: add the records planted for the retention review, so that the
            due list two years on (``retention due --as-of``) lists known records
            (``demo_data.planted_ids``).
    """
    passphrase = make_passphrase()
    vault = Vault.create(folder, username=username, passphrase=passphrase, kdf=kdf)
    services: list[dict[str, object]] = []

    def laptop_records() -> Iterator[NewRecord]:
        for record in demo_records(
            visits, seed=seed, officer_ids=(username,), plant_retention=plant_retention
        ):
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
        return sync_once(vault, server_url, demo.username, password, on_status=on_status)
    finally:
        if not vault.locked:
            vault.lock()


SUPERVISOR = "demo.supervisor"


@dataclass(frozen=True)
class SupervisorDemo:
    """The supervisor's side of the demo, as it stands after staging it."""

    vault: DemoVault
    waiting: int
    countersign: int
    open_conflicts: int
    decisions: int


def sync_once(
    vault: Vault,
    server_url: str,
    username: str,
    password: str,
    *,
    on_status: StatusCallback | None = None,
) -> SyncReport:
    """One sync of a demo laptop, signing in with the demo accounts' password if needed."""
    transport = Transport(TransportConfig(server_url=server_url))
    try:
        engine = SyncEngine(
            vault, transport, username=username, password=lambda: password, device_name="demo"
        )
        if on_status is not None:
            engine.subscribe(on_status)
        return engine.run()
    finally:
        transport.close()


def stage_supervisor(
    folder: Path,
    officer: DemoVault,
    *,
    server_url: str,
    password: str,
    kdf: KdfParams | None = None,
) -> SupervisorDemo:
    """Give the demo a supervisor with the team's work to review and a conflict to settle.

    The supervisor's laptop signs in and pulls the officer's synced work; the supervisor
    returns one visit with a comment and approves another (the officer's Today shows both
    after the officer's next sync); then the officer and the supervisor both change one
    person's description, each without having seen the other's change, which the server
    records as a conflict for the supervisor.
    """
    demo = DemoVault(folder, SUPERVISOR, make_passphrase(), 0)
    supervisor = Vault.create(folder, username=SUPERVISOR, passphrase=demo.passphrase, kdf=kdf)
    try:
        settings = SettingsService(supervisor)
        settings.save(
            replace(
                settings.load(),
                server_url=server_url,
                officer_name="Priya Shah",
                officer_number="Sgt 2101",
            )
        )
        sync_once(supervisor, server_url, SUPERVISOR, password)
        review = ReviewService(supervisor, RecordService(supervisor), load_schemes())
        # The visit planted for the retention review is years old: not the one to return.
        planted = planted_ids()
        queued = review.queue(QueueFilter(types=(RecordType.VISIT,)), limit=2 + len(planted))
        visits = [item for item in queued.items if item.id not in planted][:2]
        for item, decision, comment in zip(
            visits,
            (ReviewDecision.RETURNED, ReviewDecision.APPROVED),
            ("Please add which shop it was and the time you left.", ""),
            strict=False,
        ):
            review.decide(
                record_type=item.type, record_id=item.id, decision=decision, comment=comment
            )
        with supervisor.read() as conn:
            person = next(iter(supervisor.records(conn).iter_all(RecordType.PERSON)), None)
        if person is not None:
            _edit_description(officer, person.id, "Wears a grey parka; walks with a stick.")
            officer_vault = Vault.unlock(officer.folder, passphrase=officer.passphrase)
            try:
                sync_once(officer_vault, server_url, officer.username, password)
            finally:
                officer_vault.lock()
            RecordService(supervisor).update(
                record_type="person",
                record_id=person.id,
                changes={"description": "Wears a red scarf; usually with a small dog."},
            )
        report = sync_once(supervisor, server_url, SUPERVISOR, password)
        queue = review.queue(limit=1000)
        staged = SupervisorDemo(
            demo,
            waiting=queue.total,
            countersign=sum(i.countersign for i in queue.items),
            open_conflicts=report.open_conflicts,
            decisions=len(visits),
        )
    finally:
        supervisor.lock()
    # The officer's laptop syncs once more and receives the supervisor's decisions.
    officer_vault = Vault.unlock(officer.folder, passphrase=officer.passphrase)
    try:
        sync_once(officer_vault, server_url, officer.username, password)
    finally:
        officer_vault.lock()
    return staged


def _edit_description(demo: DemoVault, person_id: str, text: str) -> None:
    vault = Vault.unlock(demo.folder, passphrase=demo.passphrase)
    try:
        RecordService(vault).update(
            record_type="person", record_id=person_id, changes={"description": text}
        )
    finally:
        vault.lock()
