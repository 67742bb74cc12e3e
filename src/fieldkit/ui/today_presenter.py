"""What the Today screen shows, decided without a display (the view only puts it on screen)."""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.services.asb_cases import ActionEntry
from fieldkit.services.governance import (
    GovernanceRefused,
    GovernanceService,
    NeedsServer,
    RequestLine,
    today_lines,
)
from fieldkit.services.review import FeedbackItem, ReviewService
from fieldkit.services.sync_port import SyncController
from fieldkit.services.today import TodayService, TodaySummary
from fieldkit.sync.status import SyncStatus
from fieldkit.ui.wording import today_sync_line


@dataclass(frozen=True)
class TodayPicture:
    """One load of the Today screen, and what shows and what hides."""

    summary: TodaySummary
    #: The supervisor's decisions about this officer's work (returned work first).
    feedback: list[FeedbackItem]
    status: SyncStatus
    #: Whether the user works on information governance (the requests box shows at all).
    requests_shown: bool = False
    #: Data subjects' open requests, overdue first.
    requests: tuple[RequestLine, ...] = ()
    #: Why the requests could not be listed (e.g. offline), or "".
    requests_note: str = ""

    @property
    def recent_title(self) -> str:
        """The recent-visits box's title: an officer's own, or everyone's (a supervisor)."""
        return "My recent visits" if self.summary.recent_are_mine else "Recent visits (all)"

    @property
    def feedback_shown(self) -> bool:
        """The feedback box shows only when there is some."""
        return bool(self.feedback)

    @property
    def team_actions_shown(self) -> bool:
        """The team's overdue actions show only when a supervisor has some."""
        return bool(self.summary.team_overdue_actions)

    @property
    def sync_line(self) -> str:
        """The line about sync (the same words as the sync bar's status)."""
        return today_sync_line(self.status)


def action_subject(action: ActionEntry) -> tuple[str, str]:
    """What opening an action opens: its case, or the action itself when it has none."""
    if action.case_id:
        return "asb_case", action.case_id
    return "asb_action", action.id


class TodayPresenter:
    """Gathers the Today screen in one go (on a worker) and decides what shows.

    Args:
        today: the summary of the day.
        sync: the sync status (unsynced work is counted from it).
        review: the supervisor's decisions about this officer's work (none if None).
        governance: information governance at the server (no requests box if None).
    """

    def __init__(
        self,
        today: TodayService,
        sync: SyncController,
        *,
        review: ReviewService | None = None,
        governance: GovernanceService | None = None,
    ) -> None:
        self._today = today
        self._sync = sync
        self._review = review
        self._governance = governance

    def load(self) -> TodayPicture:
        """Everything on Today (asks the server for a governance user's requests)."""
        status = self._sync.current()
        summary = self._today.summary(unsynced=status.unsynced)
        feedback = self._review.feedback() if self._review is not None else []
        governance = self._governance
        if governance is None or not governance.is_governance():
            return TodayPicture(summary, feedback, status)
        try:
            lines = tuple(today_lines(governance.requests(open_only=True)))
        except (NeedsServer, GovernanceRefused) as exc:
            return TodayPicture(summary, feedback, status, True, (), str(exc))
        return TodayPicture(summary, feedback, status, True, lines)
