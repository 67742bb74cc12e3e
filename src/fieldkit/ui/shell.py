"""The main window: unlock page, navigation and screens, sync bar, shortcuts, idle lock.

The supervisor's screens (Intelligence, Review, Conflicts) are listed only when the server
last said the user is a supervisor; the role is read again after every sync.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QSettings,
    QSignalBlocker,
    QSize,
    QStandardPaths,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QStackedWidget,
    QWidget,
)

from fieldkit import __version__
from fieldkit.services.session import SessionService
from fieldkit.services.settings import AppSettings
from fieldkit.services.workspace import Workspace, open_workspace
from fieldkit.store.vault import Vault
from fieldkit.sync.status import SyncState, SyncStatus
from fieldkit.ui.agreements_panel import AgreementsPanel
from fieldkit.ui.asb_view import AsbCasesPresenter, AsbView
from fieldkit.ui.busy import BusyIndicator
from fieldkit.ui.community_trigger_view import CommunityTriggerView
from fieldkit.ui.conflicts_view import ConflictsView
from fieldkit.ui.directory_view import DirectoryView
from fieldkit.ui.documents_view import DocumentsView
from fieldkit.ui.governance_view import GovernanceView
from fieldkit.ui.idle import IdleWatcher
from fieldkit.ui.intelligence_view import IntelligenceView
from fieldkit.ui.map_view import MapView
from fieldkit.ui.meetings_view import MeetingsView
from fieldkit.ui.network import connection_watch
from fieldkit.ui.people_view import PeopleView
from fieldkit.ui.printing import QtPrinting
from fieldkit.ui.record_editor import RecordEditor
from fieldkit.ui.refer_dialog import ReferDialog
from fieldkit.ui.referrals_view import CaseReferralsPanel, ReferralsView
from fieldkit.ui.review_view import ReviewView
from fieldkit.ui.risk_markers_view import RiskMarkersDialog
from fieldkit.ui.settings_view import SettingsView
from fieldkit.ui.sign_in_view import SignInDialog
from fieldkit.ui.sync_bar import SyncBar
from fieldkit.ui.tenancy_view import TenancyView
from fieldkit.ui.theme import apply_theme, navigation_icon, next_text_size
from fieldkit.ui.today_view import TodayView
from fieldkit.ui.unlock_view import UnlockView
from fieldkit.ui.visit_form import VisitFormPresenter
from fieldkit.ui.visit_view import VisitView
from fieldkit.ui.warning_view import WarningView
from fieldkit.ui.wording import describe
from fieldkit.ui.workers import Workers

log = logging.getLogger(__name__)
_W = TypeVar("_W", bound=QWidget)

(
    TODAY,
    VISIT,
    PEOPLE,
    WARNING,
    TENANCY,
    DIRECTORY,
    SETTINGS,
    INTELLIGENCE,
    REVIEW,
    CONFLICTS,
    ASB_CASES,
    COMMUNITY_TRIGGER,
    GOVERNANCE,
    MAP,
    REFERRALS,
    MEETINGS,
) = range(16)
SCREENS = (
    (str(QT_TRANSLATE_NOOP("MainWindow", "Today")), "Ctrl+1"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Log a visit")), "Ctrl+N"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "People")), "Ctrl+F"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Issue a warning")), "Ctrl+W"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Tenancy cases")), "Ctrl+T"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Support services")), "Ctrl+D"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Settings")), "Ctrl+,"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Intelligence")), "Ctrl+I"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Review")), "Ctrl+Shift+R"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Conflicts")), "Ctrl+Shift+C"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "ASB cases")), "Ctrl+Shift+A"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Community Trigger")), "Ctrl+Shift+T"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Governance")), "Ctrl+Shift+G"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Map")), "Ctrl+Shift+L"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Referrals")), "Ctrl+Shift+F"),
    (str(QT_TRANSLATE_NOOP("MainWindow", "Meetings")), "Ctrl+Shift+M"),
)
#: Listed only for supervisors (the role comes from the server with each sync).
SUPERVISOR_SCREENS = frozenset({INTELLIGENCE, REVIEW, CONFLICTS, MEETINGS})
#: Listed only for information governance (the role comes from the server with each sync).
GOVERNANCE_SCREENS = frozenset({GOVERNANCE})
_UNLOCK_PAGE, _MAIN_PAGE = 0, 1


class _ScreenStack(QStackedWidget):
    """A stack as large as the screen on show (not the largest screen), so only a screen that
    does not fit the window scrolls."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.minimumSizeHint() if page is not None else super().minimumSizeHint()


class Screens:
    """The screens of one unlocked session; dropped whole when the vault locks.

    Today and the visit form are built at unlock; every other screen the first time it is
    shown or asked for.
    Building all sixteen at unlock, with the reads some of them start (printers, places,
    services, the draft), held Today back by about half a second of CPU.

    Args:
        ws: the session's services.
        workers: runs service calls off the GUI thread.
        settings: the settings a screen is built with (`app_settings` follows later changes).
        built: called with a screen's index and widget just after it is built.
    """

    def __init__(
        self,
        ws: Workspace,
        workers: Workers,
        settings: AppSettings,
        *,
        built: Callable[[int, QWidget], None] | None = None,
    ) -> None:
        self._ws = ws
        self._workers = workers
        self.app_settings = settings
        self._built_hook = built
        self.today = TodayView(
            ws.today, ws.visits, ws.sync, workers, review=ws.review, governance=ws.governance
        )
        self._screens: dict[int, QWidget] = {TODAY: self.today}
        self._agreements: AgreementsPanel | None = None
        self._makers: dict[int, Callable[[], QWidget]] = {
            VISIT: self._make_visit,
            PEOPLE: self._make_people,
            WARNING: self._make_warning,
            TENANCY: lambda: TenancyView(ws.tenancy, workers, evidence=ws.evidence),
            DIRECTORY: lambda: DirectoryView(ws.directory, workers),
            SETTINGS: self._make_settings,
            INTELLIGENCE: lambda: IntelligenceView(ws.intelligence, workers),
            REVIEW: lambda: ReviewView(ws.review, workers),
            CONFLICTS: lambda: ConflictsView(ws.conflicts, workers),
            ASB_CASES: lambda: AsbView(
                AsbCasesPresenter(ws.asb, username=ws.username), workers, evidence=ws.evidence
            ),
            COMMUNITY_TRIGGER: lambda: CommunityTriggerView(
                ws.triggers,
                ws.people,
                workers,
                documents=ws.documents,
                district=self.app_settings.district,
            ),
            GOVERNANCE: lambda: GovernanceView(ws.governance, workers),
            MAP: self._make_map,
            REFERRALS: self._make_referrals,
            MEETINGS: lambda: (
                MeetingsView(ws.meetings, workers, district=self.app_settings.district)
                if ws.meetings is not None
                else QWidget()
            ),
        }

    def screen(self, index: int) -> QWidget:
        """The screen at a navigation index, built now if it has not been yet."""
        widget = self._screens.get(index)
        if widget is None:
            widget = self._makers[index]()
            self._screens[index] = widget
            if self._built_hook is not None:
                self._built_hook(index, widget)
        return widget

    def built(self, index: int) -> QWidget | None:
        """The screen at a navigation index if it has been built, else None."""
        return self._screens.get(index)

    def _make_visit(self) -> VisitView:
        ws = self._ws
        district = self.app_settings.district
        return VisitView(
            VisitFormPresenter(ws.visits, ws.drafts, now=lambda: _local_now(), district=district),
            ws.visits,
            self._workers,
            evidence=ws.evidence,
        )

    def _make_people(self) -> PeopleView:
        ws = self._ws
        return PeopleView(
            ws.people,
            self._workers,
            subject_access=ws.subject_access,
            warnings=ws.warnings,
            printouts=ws.printouts,
            merges=ws.merges,
            evidence=ws.evidence,
        )

    def _make_warning(self) -> WarningView:
        ws, settings = self._ws, self.app_settings
        return WarningView(
            ws.warnings,
            ws.people,
            ws.directory,
            ws.documents,
            self._workers,
            default_printer=settings.default_printer,
            district=settings.district,
            settings=ws.settings,
            places=ws.visits.recent_places,
            evidence=ws.evidence,
        )

    def _make_settings(self) -> SettingsView:
        ws = self._ws
        view = SettingsView(ws.settings, ws.documents, self._workers, network=connection_watch())
        self._agreements = AgreementsPanel(ws.governance, self._workers)
        settings_layout = view.layout()
        if settings_layout is not None:
            settings_layout.addWidget(self._agreements)
        return view

    def _make_map(self) -> MapView:
        assert self._ws.maps is not None, "open_workspace builds the map service"
        return MapView(self._ws.maps, self._workers, visits=self._ws.visits)

    def _make_referrals(self) -> ReferralsView:
        assert self._ws.referrals is not None
        return ReferralsView(self._ws.referrals, self._workers)

    @property
    def visit(self) -> VisitView:
        return _as(VisitView, self.screen(VISIT))

    @property
    def people(self) -> PeopleView:
        return _as(PeopleView, self.screen(PEOPLE))

    @property
    def warning(self) -> WarningView:
        return _as(WarningView, self.screen(WARNING))

    @property
    def tenancy(self) -> TenancyView:
        return _as(TenancyView, self.screen(TENANCY))

    @property
    def directory(self) -> DirectoryView:
        return _as(DirectoryView, self.screen(DIRECTORY))

    @property
    def settings(self) -> SettingsView:
        return _as(SettingsView, self.screen(SETTINGS))

    @property
    def agreements(self) -> AgreementsPanel:
        self.screen(SETTINGS)
        assert self._agreements is not None
        return self._agreements

    @property
    def intelligence(self) -> IntelligenceView:
        return _as(IntelligenceView, self.screen(INTELLIGENCE))

    @property
    def review(self) -> ReviewView:
        return _as(ReviewView, self.screen(REVIEW))

    @property
    def conflicts(self) -> ConflictsView:
        return _as(ConflictsView, self.screen(CONFLICTS))

    @property
    def asb(self) -> AsbView:
        return _as(AsbView, self.screen(ASB_CASES))

    @property
    def community_trigger(self) -> CommunityTriggerView:
        return _as(CommunityTriggerView, self.screen(COMMUNITY_TRIGGER))

    @property
    def governance(self) -> GovernanceView:
        return _as(GovernanceView, self.screen(GOVERNANCE))

    @property
    def map(self) -> MapView:
        return _as(MapView, self.screen(MAP))

    @property
    def referrals(self) -> ReferralsView:
        return _as(ReferralsView, self.screen(REFERRALS))

    @property
    def meetings(self) -> QWidget:
        """The Meetings screen (an empty page where the partnership has no meetings)."""
        return self.screen(MEETINGS)

    def in_order(self) -> list[QWidget]:
        """Every screen in navigation order, building those not built yet."""
        return [self.screen(index) for index in range(len(SCREENS))]


def _as(kind: type[_W], widget: QWidget) -> _W:
    assert isinstance(widget, kind)
    return widget


def tile_cache_folder() -> Path | None:
    """Where map tiles are cached: the app's cache folder (tiles are not personal data)."""
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(location) / "map-tiles" if location else None


def _local_now() -> datetime:
    return datetime.now().astimezone()


def open_qt_workspace(vault: Vault) -> Workspace:
    """The app's services, printing through Qt Print Support (the same on every platform)."""
    return open_workspace(vault, printing=QtPrinting(), metered=connection_watch().metered)


class MainWindow(QMainWindow):
    """Owns the session: builds the screens at unlock, tears them down at lock.

    Args:
        sessions: creates and unlocks vaults.
        workers: runs service calls off the GUI thread.
        open_ws: builds the services over an unlocked vault.
        idle_ms: overrides the idle-lock time from settings (tests).
        prefs: device preferences without personal data (high contrast before unlock).
    """

    unlocked = Signal()
    locked = Signal()

    def __init__(
        self,
        sessions: SessionService,
        *,
        workers: Workers | None = None,
        open_ws: Callable[[Vault], Workspace] = open_qt_workspace,
        idle_ms: int | None = None,
        prefs: QSettings | None = None,
    ) -> None:
        super().__init__()
        self.setWindowTitle(
            QCoreApplication.translate("MainWindow", "Fieldkit {__version__}").format(
                __version__=__version__
            )
        )
        self.setMinimumSize(1000, 620)
        self.workers = workers or Workers(on_error=self.show_problem)
        self._open_ws = open_ws
        # Made here, on the GUI thread: the workspace is built on a worker, and the watch must
        # hear the system's isMeteredChanged where Qt's network information lives.
        self.network = connection_watch()
        self._idle_override = idle_ms
        self._prefs = prefs
        self.workspace: Workspace | None = None
        self.screens: Screens | None = None
        self.refer_dialog: ReferDialog | None = None
        #: The record editor open now, if any (closed when the vault locks).
        self.editor: RecordEditor | None = None
        #: The document list, while open (it goes when the vault locks).
        self.documents_view: DocumentsView | None = None
        self.risk_dialog: RiskMarkersDialog | None = None
        self.settings = AppSettings()
        self._return_to = TODAY
        #: The sign-in dialog open now, if any (closed when the vault locks).
        self.sign_in_dialog: SignInDialog | None = None
        self._first_run = False

        self.pages = QStackedWidget(self)
        self.unlock_view = UnlockView(sessions, self.workers)
        self.unlock_view.unlocked.connect(self._vault_opened)
        self.unlock_view.created.connect(self._vault_created)
        main = QWidget()
        row = QHBoxLayout(main)
        row.setContentsMargins(0, 0, 0, 0)
        self.navigation = QListWidget(main)
        self.navigation.setObjectName("navigation")
        self.navigation.setAccessibleName(QCoreApplication.translate("MainWindow", "Screens"))
        self.navigation.setIconSize(QSize(24, 24))
        for name, keys in SCREENS:
            shortcut = QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)
            self.navigation.addItem(QCoreApplication.translate("MainWindow", name))
            item = self.navigation.item(self.navigation.count() - 1)
            item.setIcon(navigation_icon(name.lower().replace(" ", "-")))
            item.setToolTip(
                QCoreApplication.translate("MainWindow", "{name} ({shortcut})").format(
                    name=item.text(), shortcut=shortcut
                )
            )
        self.navigation.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.screen_stack: QStackedWidget = _ScreenStack(main)
        # Larger text makes a screen larger than the window: it scrolls rather than clip.
        self.screen_scroll = QScrollArea(main)
        self.screen_scroll.setWidgetResizable(True)
        self.screen_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.screen_scroll.setWidget(self.screen_stack)
        row.addWidget(self.navigation)
        row.addWidget(self.screen_scroll, 1)
        self.pages.addWidget(self.unlock_view)
        self.pages.addWidget(main)
        self.setCentralWidget(self.pages)
        self.sync_bar = SyncBar(parent=self)
        # Anything over a second shows that it is working (a sync shows its own progress).
        self.busy = BusyIndicator(self.workers, self)
        self.statusBar().addWidget(self.busy)
        self.statusBar().addPermanentWidget(self.sync_bar, 1)
        self.navigation.currentRowChanged.connect(self._screen_chosen)
        self.sync_bar.status_arrived.connect(self._sync_status)
        self.sync_bar.sign_in_requested.connect(self.open_sign_in)
        self.supervisor = False
        self.governance = False

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._app = app
        self.idle = IdleWatcher(idle_ms or 5 * 60_000, app)
        self.idle.idle.connect(self.lock)
        self._actions: list[QAction] = []
        for index, (name, keys) in enumerate(SCREENS):
            self._action(name, keys, functools.partial(self.go, index))
        self._action("Lock", "Ctrl+L", self.lock)
        self._action("Sync now", "F5", self.sync_bar.sync_now)
        self._action("Larger text", "Ctrl+=", lambda: self.change_text_size(1), "Ctrl++")
        self._action("Smaller text", "Ctrl+-", lambda: self.change_text_size(-1))
        self._action("Documents", "Ctrl+Shift+D", self._open_documents)
        self._show_role(supervisor=False)
        high_contrast = bool(prefs.value("high_contrast", False, bool)) if prefs else False
        raw_size = str(prefs.value("text_size", 100)) if prefs else "100"
        text_size = int(raw_size) if raw_size.isdigit() else 100
        self.settings = replace(self.settings, text_size=text_size)
        self._apply_look(high_contrast=high_contrast, text_size=text_size)
        self.pages.setCurrentIndex(_UNLOCK_PAGE)

    def _action(self, name: str, keys: str, slot: Callable[[], None], *also: str) -> None:
        action = QAction(name, self)
        action.setShortcuts([QKeySequence(k) for k in (keys, *also)])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        self._actions.append(action)

    # Unlock and lock -------------------------------------------------------------------------

    def _vault_created(self) -> None:
        self._first_run = True

    def _vault_opened(self, vault: Vault) -> None:
        def build() -> Workspace:
            return self._open_ws(vault)

        self.workers.submit(build, self._build)

    def _build(self, ws: Workspace) -> None:
        self.workspace = ws

        def load() -> tuple[AppSettings, bool, bool]:
            return ws.settings.load(), ws.review.is_supervisor(), ws.governance.is_governance()

        self.workers.submit(load, lambda loaded: self._start(*loaded))

    def _start(self, settings: AppSettings, supervisor: bool, governance: bool = False) -> None:
        ws = self.workspace
        assert ws is not None
        self.settings = settings
        self._show_role(supervisor=supervisor, governance=governance)
        self.screens = Screens(ws, self.workers, settings, built=self._screen_built)
        s = self.screens
        # Today now; every other screen is built the first time it is shown (a page holds
        # its place in the stack until then).
        for index in range(len(SCREENS)):
            self.screen_stack.addWidget(s.today if index == TODAY else QWidget())
        s.today.open_subject.connect(self.open_subject)
        s.today.open_work.connect(self.correct)
        self.apply_settings(settings)
        self.sync_bar.attach(ws.sync)
        # Showing the page focuses the navigation, which then chooses its first row itself
        # (the first unlock): silenced, so that Today is chosen, and read, once, just below.
        with QSignalBlocker(self.navigation):
            self.pages.setCurrentIndex(_MAIN_PAGE)
        self.navigation.setCurrentRow(-1)
        back = self._return_to
        shown = TODAY if self.navigation.item(back).isHidden() else back
        if shown != TODAY:
            s.today.refresh()  # choosing Today below reads its summary; read it only once
        self.go(shown)
        # The visit form is built at unlock all the same, after Today's read is queued: it
        # brings back a draft left at lock, which must be in the form before anyone types.
        s.screen(VISIT)
        self.idle.start()
        first_run, self._first_run = self._first_run, False
        if first_run and not settings.server_url:
            self.open_sign_in(first_run=True)
        self.unlocked.emit()

    def _screen_built(self, index: int, widget: QWidget) -> None:
        """Put a screen just built in its place, connect it, and give it the settings."""
        ws, s = self.workspace, self.screens
        assert ws is not None
        assert s is not None
        placeholder = self.screen_stack.widget(index)
        self.screen_stack.insertWidget(index, widget)
        if placeholder is not None:
            self.screen_stack.removeWidget(placeholder)
            placeholder.deleteLater()
        self._apply_screen_settings(widget, self.settings)
        if isinstance(widget, VisitView):
            widget.case_from_visit.connect(self.case_from_visit)
            widget.refer_from_visit.connect(lambda visit_id: self.refer("visit", visit_id))
            widget.saved.connect(lambda _id: s.today.refresh())
            widget.saved.connect(lambda _id: ws.sync.sync_now())
            widget.restore()
        elif isinstance(widget, PeopleView):
            widget.warn_person.connect(self.warn_person)
            widget.case_about_person.connect(self.case_about_person)
            widget.edit_record.connect(self.correct)
            widget.risk_markers_requested.connect(self.edit_risk_markers)
        elif isinstance(widget, WarningView):
            widget.refer_from_signposting.connect(
                lambda signposting_id: self.refer("signposting", signposting_id)
            )
            widget.issued.connect(lambda _r: ws.sync.sync_now())
        elif isinstance(widget, TenancyView):
            widget.edit_record.connect(self.correct)
            widget.documents_requested.connect(self.show_documents)
            widget.note_added.connect(lambda _id: ws.sync.sync_now())
            widget.case_changed.connect(lambda _id: s.today.refresh())
            widget.case_changed.connect(lambda _id: ws.sync.sync_now())
            widget.document_made.connect(lambda _kept: ws.sync.sync_now())
        elif isinstance(widget, SettingsView):
            widget.changed.connect(self.apply_settings)
            widget.sign_in_requested.connect(self.open_sign_in)
        elif isinstance(widget, IntelligenceView):
            widget.open_subject.connect(self.open_subject)
            widget.show_hotspot_map.connect(self.show_hotspot_map)
        elif isinstance(widget, ReviewView):
            widget.open_subject.connect(self.open_subject)
            widget.edit_record.connect(self.correct)
            widget.decided.connect(lambda _id: ws.sync.sync_now())
        elif isinstance(widget, ConflictsView):
            widget.open_subject.connect(self.open_subject)
            widget.resolved.connect(lambda _id: ws.sync.sync_now())
        elif isinstance(widget, AsbView):
            referrals = ws.referrals
            assert referrals is not None
            widget.extra_panels.append(
                lambda case: CaseReferralsPanel(
                    referrals,
                    self.workers,
                    case.id,
                    refer=lambda: self.refer("asb_case", case.id),
                )
            )
            widget.case_changed.connect(lambda _id: s.today.refresh())
            widget.case_changed.connect(lambda _id: ws.sync.sync_now())
        elif isinstance(widget, CommunityTriggerView):
            for signal in (widget.recorded, widget.changed):
                signal.connect(lambda _id: s.today.refresh())
                signal.connect(lambda _id: ws.sync.sync_now())
        elif isinstance(widget, MapView):
            widget.open_subject.connect(self.open_subject)
        elif isinstance(widget, MeetingsView):
            widget.changed.connect(lambda _id: s.today.refresh())
            widget.changed.connect(lambda _id: ws.sync.sync_now())
            widget.minutes_made.connect(lambda _id: ws.sync.sync_now())

    def _apply_screen_settings(self, widget: QWidget, settings: AppSettings) -> None:
        if isinstance(widget, WarningView):
            widget.use_settings(settings)
        elif isinstance(widget, TenancyView):
            widget.set_court(settings.court_name, settings.district)
        elif isinstance(widget, MapView):
            widget.use_tiles(settings.map_tile_url, tile_cache_folder())

    def apply_settings(self, settings: AppSettings) -> None:
        self.settings = settings
        self.idle.set_timeout(self._idle_override or settings.idle_lock_minutes * 60_000)
        self._apply_look(high_contrast=settings.high_contrast, text_size=settings.text_size)
        if self._prefs is not None:
            self._prefs.setValue("high_contrast", settings.high_contrast)
            self._prefs.setValue("text_size", settings.text_size)
            # The app's own words follow at the next start (screens are built once).
            self._prefs.setValue("language", settings.language)
        if self.screens is not None:
            self.screens.app_settings = settings
            for index in (WARNING, TENANCY, MAP):
                built = self.screens.built(index)
                if built is not None:
                    self._apply_screen_settings(built, settings)

    def _apply_look(self, *, high_contrast: bool, text_size: int) -> None:
        apply_theme(self._app, high_contrast=high_contrast, text_size=text_size)
        # The navigation grows with the text so no screen's name is cut off.
        metrics = QFontMetrics(self.navigation.font())
        widest = max(
            metrics.horizontalAdvance(self.navigation.item(i).text())
            for i in range(self.navigation.count())
        )
        self.navigation.setFixedWidth(widest + 24 + 56)

    def change_text_size(self, step: int) -> None:
        """Make the text one size larger (1) or smaller (-1) on every screen, and keep it."""
        size = next_text_size(self.settings.text_size, step=step)
        if size == self.settings.text_size:
            return
        wanted = replace(self.settings, text_size=size)
        self.apply_settings(wanted)
        ws = self.workspace
        if ws is not None:
            self.workers.submit(lambda: ws.settings.save(wanted), lambda _saved: None)

    def lock(self) -> None:
        """Keep the draft, clear every view, drop the key, and show the unlock page."""
        if self.workspace is None:
            return
        self.idle.stop()
        self._return_to = max(0, self.navigation.currentRow())
        visit = self.screens.built(VISIT) if self.screens is not None else None
        if isinstance(visit, VisitView):
            try:
                visit.flush_draft()
            except Exception as exc:  # locking must never fail; the draft is best effort
                log.warning("draft not kept at lock: %s", type(exc).__name__)
        self.workers.wait()
        self._drop_screens()
        self.sync_bar.detach()
        self._show_role(supervisor=False)
        self.workspace.lock()
        self.workspace = None
        self.unlock_view.refresh()
        self.pages.setCurrentIndex(_UNLOCK_PAGE)
        self.locked.emit()

    def _drop_screens(self) -> None:
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.close()
            self.sign_in_dialog = None
        if self.screens is not None:
            self.screens.today.detach()
        if self.editor is not None:
            # It holds a record's fields: it goes with the screens when the vault locks.
            self.editor.close()
            self.editor = None
        if self.risk_dialog is not None:
            self.risk_dialog.close()  # it holds a person's risk markers
            self.risk_dialog = None
        if self.documents_view is not None:
            self.documents_view.close()
            self.documents_view = None
        while self.screen_stack.count():
            widget = self.screen_stack.widget(0)
            assert widget is not None
            self.screen_stack.removeWidget(widget)
            widget.deleteLater()
        self.screens = None

    def shutdown(self) -> None:
        """Lock and wait for workers (the app is closing)."""
        self.lock()
        self.workers.wait()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        event.accept()

    # Navigation ------------------------------------------------------------------------------

    def go(self, index: int) -> None:
        if self.screens is None or self.navigation.item(index).isHidden():
            return
        self.navigation.setCurrentRow(index)

    # The supervisor's screens ----------------------------------------------------------------

    def _show_role(self, *, supervisor: bool, governance: bool = False) -> None:
        """List the supervisor's screens (and enable their keys) only for a supervisor, and the
        Governance screen only for information governance."""
        self.supervisor = supervisor
        self.governance = governance
        for screens, shown in (
            (SUPERVISOR_SCREENS, supervisor),
            (GOVERNANCE_SCREENS, governance),
        ):
            for index in screens:
                self.navigation.item(index).setHidden(not shown)
                self._actions[index].setEnabled(shown)
            if not shown and self.navigation.currentRow() in screens:
                self.navigation.setCurrentRow(TODAY)

    def _sync_status(self, status: SyncStatus) -> None:
        """After a sync ends, read the role again: the first sync brings it, a later one may
        change it."""
        ws = self.workspace
        if ws is None or status.state is SyncState.SYNCING:
            return

        def read() -> tuple[bool, bool]:
            return ws.review.is_supervisor(), ws.governance.is_governance()

        def role_read(roles: tuple[bool, bool]) -> None:
            supervisor, governance = roles
            if self.workspace is ws:
                self._show_role(supervisor=supervisor, governance=governance)
                # A sync refreshes the conflicts list; show the new one if it is on screen.
                if self.screens is not None and self.navigation.currentRow() == CONFLICTS:
                    self.screens.conflicts.refresh()

        self.workers.submit(read, role_read)

    def _screen_chosen(self, index: int) -> None:
        s = self.screens
        if s is None or index < 0:
            return
        s.screen(index)
        self.screen_stack.setCurrentIndex(index)
        match index:
            case 0:
                s.today.refresh()
            case 1:
                s.visit.when.setFocus()
            case 2:
                s.people.focus_search()
            case 3:
                s.warning.person_search.setFocus()
            case 4:
                s.tenancy.refresh()
            case 5:
                s.directory.refresh()
            case 6:
                s.settings.refresh()
                s.agreements.refresh()
            case 7:
                s.intelligence.refresh()
            case 8:
                s.review.refresh()
                s.review.focus_list()
            case 9:
                s.conflicts.refresh()
                s.conflicts.focus_list()
            case 10:  # ASB_CASES (a bare name in a case pattern would capture, not compare)
                s.asb.refresh()
            case 11:  # COMMUNITY_TRIGGER
                s.community_trigger.refresh()
            case 12:  # GOVERNANCE
                s.governance.refresh()
            case 13:  # MAP
                s.map.refresh()
                s.map.canvas.setFocus()
            case 14:  # REFERRALS
                s.referrals.refresh()
            case 15:  # MEETINGS
                if isinstance(s.meetings, MeetingsView):
                    s.meetings.refresh()

    def show_hotspot_map(self) -> None:
        """The Map screen's hotspot maps (from Intelligence's hotspot list)."""
        if self.screens is not None:
            self.go(MAP)
            self.screens.map.tabs.setCurrentIndex(1)

    def case_about_person(self, person_id: str, name: str, district: str) -> None:
        if self.screens is not None:
            self.go(ASB_CASES)
            self.screens.asb.start_from_person(person_id, name=name, district=district)
            self.screens.asb.new_title.setFocus()

    def case_from_visit(self, visit_id: str) -> None:
        if self.screens is not None:
            self.go(ASB_CASES)
            self.screens.asb.start_from_visit(visit_id)
            self.screens.asb.new_title.setFocus()

    def refer(self, source_type: str, source_id: str) -> None:
        """Open the Refer… dialog for a visit, a case or a signposting."""
        ws = self.workspace
        if ws is None or ws.referrals is None:
            return
        service = ws.referrals

        def show(people: list[tuple[str, str]]) -> None:
            dialog = ReferDialog(
                service,
                self.workers,
                source_type=source_type,
                source_id=source_id,
                people=people,
                parent=self,
            )
            dialog.referred.connect(self._referred)
            self.refer_dialog = dialog
            dialog.open()

        self.workers.submit(
            lambda: service.people_of(source_type=source_type, source_id=source_id), show
        )

    def _referred(self, _referral_id: str) -> None:
        referrals = self.screens.built(REFERRALS) if self.screens is not None else None
        if isinstance(referrals, ReferralsView):
            referrals.refresh()

    def warn_person(self, person_id: str) -> None:
        if self.screens is not None:
            self.go(WARNING)
            self.screens.warning.choose_person(person_id)

    def correct(self, record_type: str, record_id: str) -> RecordEditor | None:
        """Open a record in the record editor; saving it refreshes Today and syncs."""
        ws, s = self.workspace, self.screens
        if ws is None or s is None:
            return None
        editor = RecordEditor(
            ws.corrections, self.workers, self, printouts=ws.printouts, evidence=ws.evidence
        )
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(lambda _t, _id: s.today.refresh())
        editor.saved.connect(lambda _t, _id: ws.sync.sync_now())
        editor.saved.connect(lambda _t, _id: self._reopen_profile())
        editor.saved.connect(lambda _t, _id: self._reopen_case())
        self.editor = editor
        editor.finished.connect(lambda _result: self._editor_closed(editor))
        editor.open()
        editor.load(record_type, record_id)
        return editor

    def edit_risk_markers(self, person_id: str) -> RiskMarkersDialog | None:
        """Open a person's risk markers in their dialog; saving reopens the profile and syncs."""
        ws = self.workspace
        if ws is None:
            return None
        dialog = RiskMarkersDialog(ws.corrections, self.workers, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda _id: ws.sync.sync_now())
        dialog.saved.connect(lambda _id: self._reopen_profile())
        self.risk_dialog = dialog
        dialog.finished.connect(lambda _result: self._risk_dialog_closed(dialog))
        dialog.open()
        dialog.load(person_id)
        return dialog

    def _risk_dialog_closed(self, dialog: RiskMarkersDialog) -> None:
        if self.risk_dialog is dialog:
            self.risk_dialog = None

    def _reopen_profile(self) -> None:
        """Show the corrected person's profile again, if one is open."""
        people = self.screens.built(PEOPLE) if self.screens is not None else None
        if isinstance(people, PeopleView) and people.profile is not None:
            people.open(people.profile.id)

    def show_documents(self, case_id: str | None = None) -> DocumentsView | None:
        """Open the document list (all kept documents, or one case's): preview and reprint."""
        ws = self.workspace
        if ws is None:
            return None
        if self.documents_view is not None:
            self.documents_view.close()
        view = DocumentsView(ws.kept_documents, self.workers, self, case_id=case_id)
        view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        view.finished.connect(lambda _r: self._documents_closed(view))
        self.documents_view = view
        view.open()
        view.refresh()
        return view

    def _open_documents(self) -> None:
        self.show_documents()

    def _documents_closed(self, view: DocumentsView) -> None:
        if self.documents_view is view:
            self.documents_view = None

    def _reopen_case(self) -> None:
        """Show the corrected tenancy case again, if one is open."""
        tenancy = self.screens.built(TENANCY) if self.screens is not None else None
        if isinstance(tenancy, TenancyView) and tenancy.case is not None:
            tenancy.open(tenancy.case.id)

    def _editor_closed(self, editor: RecordEditor) -> None:
        if self.editor is editor:
            self.editor = None

    def open_subject(self, subject_type: str, subject_id: str) -> None:
        """Open what a list row is about: a person on People, a case on Tenancy, any other
        record (a place, a visit, a closure step) in the record editor."""
        if self.screens is None:
            return
        if subject_type == "person":
            self.go(PEOPLE)
            self.screens.people.open(subject_id)
        elif subject_type == "tenancy_case":
            self.go(TENANCY)
            self.screens.tenancy.open(subject_id)
        elif subject_type == "asb_case":
            self.go(ASB_CASES)
            self.screens.asb.refresh()
            self.screens.asb.open(subject_id)
        elif subject_type == "community_trigger":
            self.go(COMMUNITY_TRIGGER)
            self.screens.community_trigger.open(subject_id)
        elif subject_type == "referral":
            self.go(REFERRALS)
        else:
            self.correct(subject_type, subject_id)

    # Signing in -------------------------------------------------------------------------------

    def open_sign_in(self, first_run: bool = False) -> SignInDialog | None:
        """Offer sign-in to the sync server (first run, Settings, or the status bar)."""
        ws = self.workspace
        if ws is None or ws.account is None:
            return None
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.raise_()
            return self.sign_in_dialog
        dialog = SignInDialog(
            ws.account,
            self.workers,
            server=self.settings.server_url,
            username=ws.username,
            ca_certificate=self.settings.ca_certificate,
            settings=ws.settings if first_run else None,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.signed_in.connect(lambda _signed: self._signed_in(ws))
        dialog.finished.connect(lambda _result: self._sign_in_closed(dialog))
        self.sign_in_dialog = dialog
        dialog.open()
        return dialog

    def _sign_in_closed(self, dialog: SignInDialog) -> None:
        if self.sign_in_dialog is dialog:
            self.sign_in_dialog = None

    def _signed_in(self, ws: Workspace) -> None:
        """The account's name and number are in Settings now: every screen reads them again."""

        def loaded(settings: AppSettings) -> None:
            if self.workspace is ws:
                self.apply_settings(settings)
                if self.screens is not None:
                    settings_view = self.screens.built(SETTINGS)
                    if isinstance(settings_view, SettingsView):
                        settings_view.refresh()
                    self.screens.today.refresh()

        self.workers.submit(ws.settings.load, loaded)

    # Problems --------------------------------------------------------------------------------

    def show_problem(self, error: BaseException) -> None:
        """Say what went wrong, calmly; never a traceback."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Fieldkit", describe(error), parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
