"""The services for one unlocked vault, built once at unlock and dropped at lock."""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass

from fieldkit.documents.templates import Branding
from fieldkit.domain.community_trigger import load_threshold
from fieldkit.domain.referrals import load_response_days
from fieldkit.domain.risk import Matrix, load_matrix
from fieldkit.domain.schemes import Scheme, load_schemes
from fieldkit.domain.working_days import shipped_bank_holidays
from fieldkit.services.asb_cases import AsbCaseService
from fieldkit.services.community_trigger import CommunityTriggerService
from fieldkit.services.conflicts import ConflictService
from fieldkit.services.corrections import CorrectionService
from fieldkit.services.directory import DirectoryService
from fieldkit.services.documents_service import DocumentService
from fieldkit.services.drafts import DraftService
from fieldkit.services.evidence import AttachmentService
from fieldkit.services.gazetteer import GazetteerService
from fieldkit.services.governance import GovernanceService
from fieldkit.services.intelligence import IntelligenceService
from fieldkit.services.kept_documents import KeptDocumentService
from fieldkit.services.maps import MapService
from fieldkit.services.meetings import MeetingService
from fieldkit.services.people import PeopleService
from fieldkit.services.person_merge import PersonMergeService
from fieldkit.services.print_port import PrintSystem
from fieldkit.services.printouts import Officer, PrintoutService
from fieldkit.services.records import RecordService
from fieldkit.services.referrals import ReferralService
from fieldkit.services.review import ReviewService
from fieldkit.services.settings import AppSettings, SettingsService
from fieldkit.services.sign_in import AppSync
from fieldkit.services.subject_access import SubjectAccessService
from fieldkit.services.sync_port import SyncController
from fieldkit.services.tenancy import TenancyService
from fieldkit.services.today import TodayService
from fieldkit.services.visits import VisitService
from fieldkit.services.warnings import WarningService
from fieldkit.store.vault import Vault


def engine_sync(
    vault: Vault,
    settings: AppSettings,
    *,
    metered: Callable[[], bool | None] | None = None,
) -> SyncController:
    """The app's sync: one status for every screen, and sign-in from the app.

    The app never keeps the server password: a laptop is signed in from the sign-in screen
    (or by `fieldkit sync`), and the device token inside the vault does the rest. When the
    server wants the password again, sync stops and the status offers sign-in.

    Args:
        vault: the unlocked vault.
        settings: unused (the controller reads them from the vault, also after each sign-in).
        metered: asked at each sync whether the connection is metered now (None: unknown).
    """
    del settings
    return AppSync(
        vault, SettingsService(vault), device_name=platform.node() or "laptop", metered=metered
    )


def officer_from(settings: AppSettings, username: str) -> Officer:
    """The officer letters and bundles are signed by: the account's (or typed) name and number."""
    return Officer(settings.officer_name or username, settings.officer_number)


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
    #: ASB cases: parties, risk, action plans.
    asb: AsbCaseService
    #: Community Trigger (ASB Case Review) applications.
    triggers: CommunityTriggerService
    #: The document list: every kept document, filtered and reprinted.
    kept_documents: KeptDocumentService
    #: Information governance at the server (retention, rights requests, subject access).
    governance: GovernanceService
    #: Signing in to the sync server from the app (None when sync is a stand-in, in tests).
    account: AppSync | None = None
    #: Merging two records of one person (supervisors).
    merges: PersonMergeService | None = None
    #: District problem-solving group meetings (supervisors).
    meetings: MeetingService | None = None
    #: The address gazetteer: search as you type, an address by UPRN, the address at a pin.
    gazetteer: GazetteerService | None = None
    #: Referrals to partners, made here or sent to this user's agency.
    referrals: ReferralService | None = None
    #: The map: outlines, points, recorded crime, initiatives, hotspot densities.
    maps: MapService | None = None
    #: Photos and files on records: attach, list, view, export.
    evidence: AttachmentService | None = None


def open_workspace(
    vault: Vault,
    *,
    documents: DocumentService | None = None,
    printing: PrintSystem | None = None,
    sync: Callable[[Vault, AppSettings], SyncController] | None = None,
    schemes: dict[str, Scheme] | None = None,
    risk_matrix: Matrix | None = None,
    metered: Callable[[], bool | None] | None = None,
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
        risk_matrix: the ASB risk-assessment matrix (the shipped one if None).
        metered: for `engine_sync`: asked at each sync whether the connection is metered now
            (the app reads the system's network information; None: unknown, not metered).
    """
    records = RecordService(vault)
    schemes = schemes if schemes is not None else load_schemes()
    settings = SettingsService(vault)
    people = PeopleService(vault, records, schemes)
    gazetteer = GazetteerService(vault)
    visits = VisitService(vault, records, people, gazetteer)
    directory = DirectoryService(vault)
    documents = documents or DocumentService(vault, printing=printing)
    current = settings.load()
    controller = (
        sync(vault, current) if sync is not None else engine_sync(vault, current, metered=metered)
    )
    asb = AsbCaseService(vault, records, matrix=risk_matrix or load_matrix())
    maps = MapService(vault, gazetteer=gazetteer.points)
    triggers = CommunityTriggerService(
        vault, threshold=load_threshold(), holidays=shipped_bank_holidays(), documents=documents
    )

    def branding() -> Branding:
        return documents.library.bundle("en").branding

    intelligence = IntelligenceService(
        vault, schemes=schemes, branding=branding, initiatives=maps.evaluate_all
    )
    referrals = ReferralService(
        vault,
        holidays=shipped_bank_holidays(),
        response_days=load_response_days(),
        documents=documents,
    )
    return Workspace(
        username=vault.username,
        records=records,
        today=TodayService(vault, visits, schemes, asb=asb, triggers=triggers, referrals=referrals),
        triggers=triggers,
        referrals=referrals,
        visits=visits,
        people=people,
        merges=PersonMergeService(vault),
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
        intelligence=intelligence,
        meetings=MeetingService(
            vault, intelligence=intelligence, documents=documents, branding=branding
        ),
        subject_access=SubjectAccessService(
            vault,
            documents=documents,
            branding=lambda: documents.library.bundle("en").branding,
            schemes=schemes,
        ),
        review=ReviewService(vault, records, schemes),
        conflicts=ConflictService(vault, records),
        printouts=PrintoutService(
            vault,
            documents=documents,
            schemes=schemes,
            officer=lambda: officer_from(settings.load(), vault.username),
            language=current.language,
        ),
        sync=controller,
        lock=lambda: _lock(vault, controller),
        corrections=CorrectionService(vault),
        account=controller if isinstance(controller, AppSync) else None,
        kept_documents=KeptDocumentService(vault, documents),
        governance=GovernanceService(vault, ca_certificate=lambda: settings.load().ca_certificate),
        asb=asb,
        gazetteer=gazetteer,
        maps=maps,
        evidence=AttachmentService(
            vault, fetch=controller.fetch_file if isinstance(controller, AppSync) else None
        ),
    )


def _lock(vault: Vault, controller: SyncController) -> None:
    if isinstance(controller, AppSync):
        controller.close()
    vault.lock()
