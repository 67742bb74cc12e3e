"""The services for one unlocked vault, built once at unlock and dropped at lock."""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass

from fieldkit.domain.community_trigger import load_threshold
from fieldkit.domain.schemes import Scheme, load_schemes
from fieldkit.domain.working_days import shipped_bank_holidays
from fieldkit.services.community_trigger import CommunityTriggerService
from fieldkit.services.conflicts import ConflictService
from fieldkit.services.corrections import CorrectionService
from fieldkit.services.directory import DirectoryService
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.drafts import DraftService
from fieldkit.services.intelligence import IntelligenceService
from fieldkit.services.people import PeopleService
from fieldkit.services.print_port import PrintSystem
from fieldkit.services.printouts import Officer, PrintoutService
from fieldkit.services.records import RecordService
from fieldkit.services.review import ReviewService
from fieldkit.services.settings import AppSettings, SettingsService
from fieldkit.services.subject_access import SubjectAccessService
from fieldkit.services.sync_engine import EngineSyncController, SyncEngine
from fieldkit.services.sync_port import OfflineSyncController, SyncController
from fieldkit.services.tenancy import TenancyService
from fieldkit.services.today import TodayService
from fieldkit.services.visits import VisitService
from fieldkit.services.warnings import WarningService
from fieldkit.store.vault import Vault
from fieldkit.sync.transport import Transport, TransportConfig


def engine_sync(vault: Vault, settings: AppSettings) -> SyncController:
    """The real sync controller when a server is configured, else the offline one.

    The app never asks for the server password on its own: a laptop is signed in once (by
    `fieldkit sync` or the demo), and the device token inside the vault does the rest. When
    the server wants the password again, sync stops and the status says so.
    """
    if not settings.server_url:
        return OfflineSyncController(vault)
    try:
        transport = Transport(TransportConfig(server_url=settings.server_url))
    except ValueError:
        return OfflineSyncController(vault, server_url=settings.server_url)
    engine = SyncEngine(vault, transport, password=lambda: None, device_name=platform.node())
    return EngineSyncController(engine)


@dataclass(frozen=True)
class Workspace:
    """One user's unlocked services. Each screen is handed only the service it needs."""

    username: str
    records: RecordService
    today: TodayService
    visits: VisitService
    people: PeopleService
    warnings: WarningService
    tenancy: TenancyService
    directory: DirectoryService
    drafts: DraftService
    settings: SettingsService
    documents: DocumentService
    intelligence: IntelligenceService
    subject_access: SubjectAccessService
    review: ReviewService
    conflicts: ConflictService
    printouts: PrintoutService
    sync: SyncController
    lock: Callable[[], None]
    #: Correcting any record with a reason, its history, erasure.
    corrections: CorrectionService
    #: Community Trigger (ASB Case Review) applications.
    triggers: CommunityTriggerService


def open_workspace(
    vault: Vault,
    *,
    documents: DocumentService | None = None,
    printing: PrintSystem | None = None,
    sync: Callable[[Vault, AppSettings], SyncController] | None = None,
    schemes: dict[str, Scheme] | None = None,
) -> Workspace:
    """Build every service over an unlocked vault.

    Args:
        vault: the unlocked vault (the workspace's `lock` locks it).
        documents: the document service (one over the bundled templates and ``printing`` if
            None).
        printing: the print system for that document service: the app passes Qt's; None is
            CUPS ``lp``, as on the headless command line.
        sync: makes the sync controller (`engine_sync` if None).
        schemes: the warning schemes (the shipped rule sets if None).
    """
    records = RecordService(vault)
    schemes = schemes if schemes is not None else load_schemes()
    settings = SettingsService(vault)
    people = PeopleService(vault, records, schemes)
    visits = VisitService(vault, records, people)
    directory = DirectoryService(vault)
    documents = documents or DocumentService(vault, printing=printing)
    current = settings.load()
    controller = (sync or engine_sync)(vault, current)
    triggers = CommunityTriggerService(
        vault, threshold=load_threshold(), holidays=shipped_bank_holidays(), documents=documents
    )
    return Workspace(
        username=vault.username,
        records=records,
        today=TodayService(vault, visits, schemes, triggers=triggers),
        triggers=triggers,
        visits=visits,
        people=people,
        warnings=WarningService(
            vault,
            schemes=schemes,
            directory=directory,
            documents=documents,
            settings=settings.load,
        ),
        tenancy=TenancyService(vault, records, documents=documents, settings=settings.load),
        directory=directory,
        drafts=DraftService(vault),
        settings=settings,
        documents=documents,
        intelligence=IntelligenceService(
            vault, schemes=schemes, branding=lambda: documents.library.bundle("en").branding
        ),
        subject_access=SubjectAccessService(
            vault, documents=documents, branding=lambda: documents.library.bundle("en").branding
        ),
        review=ReviewService(vault, records, schemes),
        conflicts=ConflictService(vault, records),
        printouts=PrintoutService(
            vault,
            documents=documents,
            schemes=schemes,
            officer=Officer(current.officer_name or vault.username, current.officer_number),
            language=current.language,
        ),
        sync=controller,
        lock=vault.lock,
        corrections=CorrectionService(vault),
    )
