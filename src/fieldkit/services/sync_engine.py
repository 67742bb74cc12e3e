"""The sync engine: a short list of named steps that bring a vault and the server into step."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from fieldkit import __version__
from fieldkit.domain.evidence import FetchPolicy
from fieldkit.domain.records import ValidationError
from fieldkit.services import anti_entropy
from fieldkit.services.file_sync import FileSync, FileTally
from fieldkit.services.settings import SettingsService
from fieldkit.services.sync_port import tell_each
from fieldkit.services.sync_rollback import (
    ROLLED_BACK_MESSAGE,
    ROLLED_BACK_NEXT_STEP,
    RollbackGuard,
)
from fieldkit.store import attestation, audit, reference_data, replica
from fieldkit.store import gazetteer as gazetteer_store
from fieldkit.store.errors import VaultLockedError
from fieldkit.store.replica import PulledRecord
from fieldkit.store.vault import Vault, erase
from fieldkit.sync.protocol import (
    PROTOCOL,
    Conflict,
    CredentialsRefused,
    DeviceRevoked,
    Handshake,
    ProtocolMismatch,
    PullPage,
    ServerRefused,
    ServerUnreachable,
    SyncError,
    TokenExpired,
    UserInfo,
    version_tuple,
)
from fieldkit.sync.status import StatusCallback, SyncState, SyncStatus
from fieldkit.sync.transport import Transport

#: Bounds on every loop, so that a misbehaving server can never keep a laptop syncing forever.
MAX_PULL_PAGES = 100_000
MAX_AUDIT_BATCHES = 10_000
#: Bounds one sync's gazetteer fetch (at 20,000 a page, forty million addresses).
MAX_GAZETTEER_PAGES = 2_000
#: Gazetteer addresses per page: about 300 KB gzipped; fewer round trips on a first sync.
GAZETTEER_PAGE = 20_000
#: Most pages of recorded crime one sync fetches (each holds whole imports).
MAX_CRIME_PAGES = 1_000
#: How often a laptop compares what it holds with the server (anti-entropy; see
#: docs/sync-client.md for the measured cost behind this choice).
ANTI_ENTROPY_EVERY = timedelta(hours=1)

#: Where the last settled sync status is kept in the vault (restored at unlock).
STATUS_KEY = "status"

#: The server's names for the laptop's audit actions (it logs a delete as an erasure itself).
_AUDIT_ACTIONS = {"delete": "erase"}


class SyncOutcome(StrEnum):
    OK = "ok"
    OFFLINE = "offline"
    SIGN_IN_NEEDED = "sign_in_needed"
    CREDENTIALS_REFUSED = "credentials_refused"
    DEVICE_REVOKED = "device_revoked"
    FAILED = "failed"
    #: The vault was locked while the sync ran.
    STOPPED = "stopped"
    #: The sync went through, but the vault is older than the state the server acknowledged
    #: (restored from a copy): the server recorded it and the user must check their work.
    ROLLED_BACK = "rolled_back"


@dataclass(frozen=True)
class SyncReport:
    """What one sync did, or why it stopped.

    Attributes:
        wiped: the server withdrew the device and the vault folder was destroyed.
        rolled_back: the vault is older than the copy the server last heard from.
        refused: local changes the server refused, with its reason.
        conflicts_resolved: queued conflict resolutions the server marked (supervisors).
        open_conflicts: open conflicts in the supervisor's districts after this sync (0 for
            other roles, and when the sync stopped before fetching them).
        drift_checked: this sync compared the vault with the server (anti-entropy).
        repaired: records the vault held at another version than the server's (or not at
            all), fetched again; `purged` includes what that comparison removed.
        device_alerts: rolled-back laptops and audit gaps in the supervisor's districts that
            the server lists (0 for other roles).
        gazetteer_changes: gazetteer addresses added, changed or removed on this laptop.
    """

    outcome: SyncOutcome
    message: str = ""
    next_step: str = ""
    pushed: int = 0
    pulled: int = 0
    purged: int = 0
    audit_sent: int = 0
    refused: tuple[tuple[str, str], ...] = ()
    wiped: bool = False
    rolled_back: bool = False
    conflicts_resolved: int = 0
    open_conflicts: int = 0
    drift_checked: bool = False
    repaired: int = 0
    device_alerts: int = 0
    gazetteer_changes: int = 0
    files_uploaded: int = 0
    files_downloaded: int = 0
    #: Files named by records that have not reached the server (or this laptop) yet.
    files_waiting: int = 0


@dataclass(frozen=True)
class SyncHooks:
    """Points where a test can watch or stop a sync (a crash while a page is being applied).

    Attributes:
        before_page_commit: called with the page number inside the page's vault transaction.
    """

    before_page_commit: Callable[[int], None] | None = None
    #: Called with the running count after each evidence file chunk received is committed.
    after_file_chunk: Callable[[int], None] | None = None


@dataclass
class _Tally:
    pushed: int = 0
    pulled: int = 0
    purged: int = 0
    audit_sent: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    rolled_back: bool = False
    notes: list[str] = field(default_factory=list)
    conflicts_resolved: int = 0
    open_conflicts: int = 0
    drift_checked: bool = False
    repaired: int = 0
    device_alerts: int = 0
    gazetteer_changes: int = 0
    files: FileTally = field(default_factory=FileTally)


class SyncEngine:
    """Syncs one unlocked vault with the server a transport talks to.

    Args:
        vault: the unlocked vault; the device token and cursor live inside it.
        transport: the server connection (one per engine).
        username: who signs in (the vault's user by default).
        password: asked for only when a sign-in is needed; returns None if there is none.
        device_name: how this laptop is listed for administrators.
        push_batch: changes per push (the server takes at most 1,000).
        pull_limit: records per pulled page.
        hooks: test hooks.
        anti_entropy_every: how often to compare the vault with the server (zero: every sync).
        gazetteer_page: gazetteer addresses per fetched page.
        metered: asked at each sync whether the connection is metered now (None: this laptop
            cannot tell, taken as not metered); Settings' "Nothing over metered connections"
            then skips downloading files. Not asked when None is given.
    """

    def __init__(
        self,
        vault: Vault,
        transport: Transport,
        *,
        username: str | None = None,
        password: Callable[[], str | None] | None = None,
        device_name: str = "laptop",
        push_batch: int = 500,
        pull_limit: int = 1000,
        hooks: SyncHooks | None = None,
        anti_entropy_every: timedelta = ANTI_ENTROPY_EVERY,
        gazetteer_page: int = GAZETTEER_PAGE,
        metered: Callable[[], bool | None] | None = None,
    ) -> None:
        self._vault = vault
        self._metered = metered or (lambda: None)
        self._transport = transport
        self._username = username
        self._password = password or (lambda: None)
        self._device_name = device_name
        self._push_batch = max(1, min(push_batch, 1000))
        self._pull_limit = max(1, min(pull_limit, 5000))
        self._hooks = hooks or SyncHooks()
        self._anti_entropy_every = anti_entropy_every
        self._gazetteer_page = max(1, min(gazetteer_page, 20_000))
        self._subscribers: list[StatusCallback] = []
        self._lock = threading.Lock()
        self._last_synced_at: datetime | None = None

    # Status ----------------------------------------------------------------------------------

    def subscribe(self, callback: StatusCallback) -> None:
        with self._lock:
            self._subscribers.append(callback)

    def _publish(self, state: SyncState, **values: Any) -> None:
        unsynced = self.unsynced_count()
        status = SyncStatus(state, unsynced=unsynced, last_synced_at=self._last_synced_at, **values)
        if state is not SyncState.SYNCING and not self._vault.locked:
            # The settled status is kept in the vault, so the app shows it again at unlock.
            try:
                with self._vault.write() as conn:
                    replica.put_state(conn, STATUS_KEY, status.wire())
            except VaultLockedError:
                pass  # locked meanwhile: the next sync keeps its own status
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(status)

    def unsynced_count(self) -> int:
        if self._vault.locked:
            return 0
        with self._vault.read() as conn:
            return replica.pending_count(conn)

    def settled_status(self) -> SyncStatus:
        """The status the last sync left, kept in the vault, with the unsynced count as now."""
        return restored_status(self._vault)

    def sign_in(self, *, username: str, password: str) -> UserInfo:
        """Sign in with a password now (replacing any token) and check the server's protocol.

        Returns:
            The account as the server describes it.

        Raises:
            SyncError: any of its kinds, as the server or the network said; nothing is kept
                from a failed sign-in.
        """
        self._username = username
        given: list[str | None] = [password]
        previous = self._password
        self._password = lambda: given[0]
        try:
            self._sign_in(required=True)
        finally:
            self._password = previous
            given.clear()
        self._check_protocol(self._transport.handshake())
        with self._vault.read() as conn:
            user = replica.get_state(conn, "user")
        return UserInfo.parse(user)

    # The sync, top to bottom -----------------------------------------------------------------

    def run(self) -> SyncReport:
        """Sync once: sign in if needed, then every step; never raises for a network fault."""
        tally = _Tally()
        self._last_synced_at = self._read_last_synced()
        try:
            try:
                self._sign_in(required=False)
                self._steps(tally)
            except TokenExpired:
                # The token expired (or was signed out) while the laptop was away: sign in
                # once more with the password if the user gave it, and carry on from where the
                # cursor and the outbox say; nothing local depends on the token.
                self._forget_token()
                self._sign_in(required=True)
                self._steps(tally)
        except ServerUnreachable as exc:
            return self._stopped(SyncOutcome.OFFLINE, SyncState.OFFLINE, exc, tally)
        except TokenExpired as exc:
            return self._stopped(SyncOutcome.SIGN_IN_NEEDED, SyncState.NEEDS_ATTENTION, exc, tally)
        except CredentialsRefused as exc:
            return self._stopped(
                SyncOutcome.CREDENTIALS_REFUSED, SyncState.NEEDS_ATTENTION, exc, tally
            )
        except DeviceRevoked as exc:
            return self._revoked(exc, tally)
        except VaultLockedError:
            # The laptop was locked (lid closed, idle timeout) while the sync ran. Every step
            # commits on its own and the cursor and outbox say where it got to: the next sync
            # carries on from there. Nobody is looking, so nothing is published.
            return SyncReport(
                SyncOutcome.STOPPED,
                message="The vault was locked during the sync; the next sync carries on.",
            )
        except SyncError as exc:
            return self._stopped(SyncOutcome.FAILED, SyncState.NEEDS_ATTENTION, exc, tally)
        return self._finish(tally)

    def _steps(self, tally: _Tally) -> None:
        handshake = self._handshake(tally)
        with self._vault.read() as conn:
            # A resolution queued by now follows the supervisor's correction (an ordinary edit),
            # which is in the outbox already: it is sent once that part has been pushed.
            resolutions = replica.pending_conflict_resolutions(conn)
            outbox_mark = replica.highest_change_seq(conn)
        self._push_outbox(tally, handshake)
        self._pull_pages(tally)
        self._repair_drift(tally)
        self._refresh_reference()
        self._refresh_map_data()
        self._push_audit_events(tally)
        if self._is_supervisor():
            self._send_conflict_resolutions(tally, resolutions, outbox_mark)
            self._fetch_conflicts(tally)
        else:
            self._forget_conflicts()
        self._rollback_steps_at_end(tally)
        # Last: the records and the audit trail never wait behind files or the gazetteer.
        self._sync_files(tally)
        self._fetch_gazetteer(tally)

    # Steps -----------------------------------------------------------------------------------

    def fetch_file(self, digest: str) -> bool:
        """Fetch one evidence file now (one opened whose file is not held): whether it is whole.

        Uses the device token kept in the vault (never asks for the password); False when
        signed out or offline.
        """
        try:
            self._sign_in(required=False)
        except SyncError:
            return False
        return FileSync(self._vault, self._transport).fetch_one(digest)

    def _sign_in(self, *, required: bool) -> None:
        """Use the device token kept in the vault, or sign in with the password."""
        with self._vault.read() as conn:
            token = replica.get_state(conn, "token")
            server = replica.get_state(conn, "server_url")
            device_id = replica.get_state(conn, "device_id")
            known_user = replica.get_state(conn, "user")
        if server is not None and server != self._transport.base:
            raise SyncError(
                f"This vault syncs with {server}, not {self._transport.base}.",
                next_step="Use the server this vault was set up with.",
            )
        if token and not required:
            self._transport.token = token
            return
        self._publish(SyncState.SYNCING, step="sign in")
        password = self._password()
        if not password:
            raise TokenExpired(
                "This laptop needs to sign in to the sync server.",
                next_step="Enter your password and sync again; your work is kept meanwhile.",
            )
        reply = self._transport.login(
            username=self._username or self._vault.username,
            password=password,
            device_name=self._device_name,
            device_id=device_id,
        )
        if known_user is not None and known_user.get("id") != reply.user.id:
            raise CredentialsRefused(
                "This vault belongs to another user.",
                next_step="Sign in as the vault's owner.",
            )
        with self._vault.write() as conn:
            replica.put_state(conn, "token", reply.token)
            replica.put_state(conn, "device_id", reply.device_id)
            replica.put_state(conn, "server_url", self._transport.base)
            replica.put_state(conn, "user", reply.user.wire())
            # Changes from now on carry the id the server knows this laptop by.
            self._vault.set_clock_node(conn, reply.device_id)
        self._transport.token = reply.token

    def _sync_files(self, tally: _Tally) -> None:
        """Evidence files, after every record step: a fault here never undoes the records'."""
        self._publish(SyncState.SYNCING, step="files")
        settings = SettingsService(self._vault).load()
        policy = FetchPolicy.parse(settings.evidence_fetch) or FetchPolicy.ALL
        files = FileSync(
            self._vault,
            self._transport,
            metered=self._metered(),
            after_chunk=self._hooks.after_file_chunk,
        )
        try:
            tally.files = files.run(policy=policy)
        except (ServerUnreachable, ServerRefused) as exc:
            # The records are synced; the files carry on from their last chunk next time.
            tally.notes.append(f"evidence files wait for the next sync: {type(exc).__name__}")

    def _learn_file_limit(self, handshake: Handshake) -> None:
        """Keep the server's file size limit: attach checks against the last one it gave."""
        if handshake.max_file_bytes is None:
            return
        settings = SettingsService(self._vault)
        current = settings.load()
        if current.attachment_limit != handshake.max_file_bytes:
            with contextlib.suppress(ValidationError):
                settings.save(replace(current, attachment_limit=handshake.max_file_bytes))

    def _handshake(self, tally: _Tally) -> Handshake:
        """Check the server speaks our protocol, catch up with its clock, detect a rollback."""
        self._publish(SyncState.SYNCING, step="handshake")
        handshake = self._transport.handshake()
        self._check_protocol(handshake)
        # A vault restored from a copy and given as many new edits as it lost has a counter
        # the server cannot tell apart: it must show it extends the acknowledged audit head,
        # as it was found (before anything below changes it).
        guard = self._rollback_guard()
        proof = guard.prove(handshake)
        with self._vault.write() as conn:
            self._vault.observe_clock(conn, handshake.server_hlc)
            replica.put_state(conn, "user", handshake.user.wire())
            local_seq = replica.highest_change_seq(conn)
            flagged = replica.get_state(conn, "rollback_flagged")
            if local_seq < handshake.last_device_seq:
                # A vault restored from a copy (or rolled back): the server has seen changes
                # from this laptop that the vault no longer remembers making. They are on the
                # server and come back with the pull; the user and the s62 log are told.
                tally.rolled_back = True
                if flagged != handshake.last_device_seq:
                    replica.put_state(conn, "rollback_flagged", handshake.last_device_seq)
                    self._log_rollback(conn, local_seq, handshake.last_device_seq)
                # New changes must not reuse numbers the server has already seen.
                replica.raise_change_seq(conn, handshake.last_device_seq)
        if tally.rolled_back or proof.rolled_back:
            tally.rolled_back = True
            guard.recover(proof)
        self._learn_file_limit(handshake)
        return handshake

    @staticmethod
    def _check_protocol(handshake: Handshake) -> None:
        """The server speaks this laptop's protocol and accepts this release."""
        if handshake.protocol != PROTOCOL:
            # Protocol versions are dates, so they compare as text.
            newer = handshake.protocol > PROTOCOL
            raise ProtocolMismatch(
                f"The sync server is {'newer' if newer else 'older'} than this Fieldkit (it "
                f"speaks sync protocol {handshake.protocol[:20]}; this laptop speaks {PROTOCOL}).",
                next_step=(
                    "Ask your IT team to update Fieldkit; your work is kept on this laptop."
                    if newer
                    else "Ask your administrator to update the sync server; your work is kept."
                ),
            )
        if version_tuple(__version__) < version_tuple(handshake.min_client_version):
            raise ProtocolMismatch(
                "The sync server is newer than this Fieldkit: it needs Fieldkit "
                f"{handshake.min_client_version[:20]} or later.",
                next_step="Ask your IT team to update Fieldkit; your work is kept on this laptop.",
            )

    def _push_outbox(self, tally: _Tally, handshake: Handshake) -> None:
        """Push local changes oldest first; each is settled only by the server's own result."""
        del handshake
        with self._vault.read() as conn:
            total = replica.pending_count(conn)
        done = 0
        for _batch in range(total // self._push_batch + 2):
            self._publish(SyncState.SYNCING, step="push", done=done, total=total)
            with self._vault.read() as conn:
                batch = replica.pending_changes(conn, limit=self._push_batch)
            if not batch:
                return
            reply = self._transport.push(
                [c.wire() for c in batch], device_seq=max(c.seq for c in batch)
            )
            results = {r.change_id: r for r in reply.results}
            settled = [c for c in batch if c.change_id in results]
            with self._vault.write() as conn:
                replica.mark_pushed(conn, [c.change_id for c in settled], at=self._stamp())
                for change in settled:
                    result = results[change.change_id]
                    if result.clamped_hlc:
                        replica.restamp(
                            conn, change.type, change.id, old=change.hlc, new=result.clamped_hlc
                        )
                    if result.reason and result.status == "rejected":
                        tally.refused.append((change.change_id, result.reason))
                self._vault.observe_clock(conn, reply.server_hlc)
            done += len(settled)
            tally.pushed += len(settled)
            if len(settled) < len(batch):
                # The server did not answer for every change: they stay in the outbox.
                return

    def _pull_pages(self, tally: _Tally) -> None:
        """Pull pages after the saved cursor; each page and its cursor commit together.

        While one page is applied, the next is already being fetched (one request at a time,
        on one worker thread), so the server's work and the network overlap the vault's
        writes. The cursor still moves only when a page commits: a page fetched ahead of a
        failure is dropped (the executor waits for its request, bounded by the transport's
        timeouts) and fetched again by the next sync.
        """
        with self._vault.read() as conn:
            cursor = replica.get_state(conn, "cursor")
        fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fieldkit-pull")
        try:
            ahead = fetcher.submit(self._transport.pull, since=cursor, limit=self._pull_limit)
            self._apply_pages(tally, ahead, fetcher)
        finally:
            fetcher.shutdown(wait=True, cancel_futures=True)

    def _apply_pages(
        self, tally: _Tally, ahead: Future[PullPage], fetcher: ThreadPoolExecutor
    ) -> None:
        for number in range(1, MAX_PULL_PAGES + 1):
            self._publish(SyncState.SYNCING, step="pull", done=tally.pulled, total=None)
            page = ahead.result()
            if page.more:
                ahead = fetcher.submit(
                    self._transport.pull, since=page.next, limit=self._pull_limit
                )
            with self._vault.write() as conn:
                applied = replica.apply_pulled(
                    conn,
                    [_pulled(r) for r in page.records],
                    at=self._stamp(),
                    name_rules=self._vault.name_rules,
                )
                tally.purged += self._purge_left_scope(conn, page)
                replica.put_state(conn, "cursor", page.next)
                self._vault.observe_clock(conn, page.server_hlc)
                if self._hooks.before_page_commit is not None:
                    self._hooks.before_page_commit(number)
            tally.pulled += len(page.records)
            if applied.erased:
                # The erased records' old content sits in freed pages until the file is rewritten.
                self._vault.compact()
            if not page.more:
                return

    def _repair_drift(self, tally: _Tally) -> None:
        """Now and then, compare what the vault holds with the server and repair differences.

        The cursor says what the laptop was sent, not what its file still holds (a page copied
        back from an old copy reverts records silently). Runs only with an empty outbox.
        """
        with self._vault.read() as conn:
            last_run = replica.get_state(conn, anti_entropy.LAST_RUN_KEY)
            pending = replica.pending_count(conn)
        if pending or not anti_entropy.is_due(
            last_run, now=self._vault.now(), every=self._anti_entropy_every
        ):
            return
        self._publish(SyncState.SYNCING, step="compare")
        try:
            found = anti_entropy.repair_drift(
                vault=self._vault, transport=self._transport, at=self._stamp()
            )
        except ServerRefused as exc:
            if exc.status != 404:
                raise
            # A server from before anti-entropy: the rest of the sync works as it did.
            return
        with self._vault.write() as conn:
            replica.put_state(conn, anti_entropy.LAST_RUN_KEY, self._vault.now().isoformat())
        tally.drift_checked = True
        tally.repaired += found.repaired
        tally.purged += found.purged

    def _purge_left_scope(self, conn: Any, page: PullPage) -> int:
        """Drop what the user may no longer see (moved district, record made restricted)."""
        if not page.purge:
            return 0
        return replica.purge(conn, list(page.purge))

    def _refresh_reference(self) -> None:
        """Fetch districts, schemes, services and names, unless the held copy is current."""
        self._publish(SyncState.SYNCING, step="reference")
        with self._vault.read() as conn:
            etag = replica.get_state(conn, "reference_etag")
            held = replica.get_state(conn, "reference")
        reply = self._transport.reference(etag=etag if held is not None else None)
        if reply.data is None:
            return
        with self._vault.write() as conn:
            replica.put_state(conn, "reference", reply.data)
            replica.put_state(conn, "reference_etag", reply.etag)

    def _fetch_gazetteer(self, tally: _Tally) -> None:
        """Fetch the address gazetteer's changes since the version held, a page at a time.

        Each page is applied in its own transaction with the version it reaches, so an
        interrupted first fetch carries on from where it stopped.
        """
        with self._vault.read() as conn:
            since = gazetteer_store.held_version(conn)
        for _page in range(MAX_GAZETTEER_PAGES):
            self._publish(SyncState.SYNCING, step="gazetteer", done=tally.gazetteer_changes)
            try:
                page = self._transport.gazetteer(since=since, limit=self._gazetteer_page)
            except ServerRefused as exc:
                if exc.status != 404:
                    raise
                return  # a server from before the gazetteer
            with self._vault.write() as conn:
                if page.reset:
                    gazetteer_store.clear(conn)
                    since = 0
                    continue
                gazetteer_store.apply_changes(
                    conn, rows=page.rows, removed=page.removed, version=page.next_since
                )
            tally.gazetteer_changes += len(page.rows) + len(page.removed)
            if not page.more or page.next_since <= since:
                return
            since = page.next_since

    def _refresh_map_data(self) -> None:
        """Fetch district and ward outlines (by ETag) and recorded crime (months imported since
        the last fetch). A server without them (404) leaves the shipped outlines in use."""
        self._publish(SyncState.SYNCING, step="reference")
        with self._vault.read() as conn:
            etag = replica.get_state(conn, "boundaries_etag")
            cursor = int(replica.get_state(conn, "crime_seq") or 0)
        try:
            outlines = self._transport.boundaries(etag=etag)
            if outlines.data is not None:
                with self._vault.write() as conn:
                    replica.put_state(conn, "boundaries", outlines.data)
                    replica.put_state(conn, "boundaries_etag", outlines.etag)
            for _page in range(MAX_CRIME_PAGES):
                page = self._transport.crime(since=cursor)
                with self._vault.write() as conn:
                    reference_data.put_crime_months(conn, page["months"])
                    replica.put_state(conn, "crime_seq", page["seq"])
                cursor = page["seq"]
                if not page.get("more"):
                    break
        except ServerRefused as exc:
            if exc.status != 404:
                raise

    def _push_audit_events(self, tally: _Tally) -> None:
        """Send the laptop's s62 log (views, prints, exports) to the server's log."""
        with self._vault.read() as conn:
            total = replica.pending_audit_count(conn)
        for _batch in range(MAX_AUDIT_BATCHES):
            self._publish(SyncState.SYNCING, step="audit", done=tally.audit_sent, total=total)
            with self._vault.read() as conn:
                events = attestation.pending_numbered_events(conn, limit=self._push_batch)
            if not events:
                return
            self._transport.audit([_audit_wire(e) for e in events])
            with self._vault.write() as conn:
                replica.mark_audit_synced(
                    conn, [str(e["event_id"]) for e in events], at=self._stamp()
                )
            tally.audit_sent += len(events)

    def _send_conflict_resolutions(
        self, tally: _Tally, resolutions: list[int], outbox_mark: int
    ) -> None:
        """Tell the server which conflicts the supervisor resolved, after their corrections.

        Each id leaves the queue only once the server answered for it (marked, or no such
        conflict in the supervisor's districts); a network failure keeps the rest queued.
        """
        if not resolutions:
            return
        with self._vault.read() as conn:
            oldest = replica.pending_changes(conn, limit=1)
        if oldest and oldest[0].seq <= outbox_mark:
            # Part of the outbox made before the resolutions was not settled by the server:
            # a correction may not be there yet, so the resolutions wait for the next sync.
            return
        for done, conflict_id in enumerate(resolutions):
            self._publish(SyncState.SYNCING, step="conflicts", done=done, total=len(resolutions))
            marked = self._transport.resolve_conflict(conflict_id)
            with self._vault.write() as conn:
                replica.settle_conflict_resolution(conn, conflict_id)
            tally.conflicts_resolved += int(marked)

    def _fetch_conflicts(self, tally: _Tally) -> None:
        """Keep the open conflicts in the supervisor's districts in the vault, for review."""
        self._publish(SyncState.SYNCING, step="conflicts")
        found = self._transport.conflicts()
        with self._vault.write() as conn:
            replica.cache_conflicts(conn, [_cached(c) for c in found], at=self._stamp())
        tally.open_conflicts = len(found)

    def _rollback_steps_at_end(self, tally: _Tally) -> None:
        """Supervisors keep the device alerts; then the server acknowledges this sync's head."""
        guard = self._rollback_guard()
        if self._is_supervisor():
            tally.device_alerts = guard.fetch_device_alerts()
        else:
            guard.forget_device_alerts()
        guard.acknowledge(wire=_audit_wire)

    def _rollback_guard(self) -> RollbackGuard:
        return RollbackGuard(self._vault, self._transport, stamp=self._stamp)

    def _forget_conflicts(self) -> None:
        """A user who is not a supervisor (any more) keeps no copy of the review list."""
        with self._vault.read() as conn:
            held = replica.conflicts_fetched_at(conn) is not None
        if held:
            with self._vault.write() as conn:
                replica.forget_conflicts(conn)

    def _finish(self, tally: _Tally) -> SyncReport:
        now = self._vault.now()
        with self._vault.write() as conn:
            replica.put_state(conn, "last_synced_at", now.isoformat())
        self._last_synced_at = now
        message, next_step = "Up to date.", ""
        if tally.rolled_back:
            message, next_step = ROLLED_BACK_MESSAGE, ROLLED_BACK_NEXT_STEP
        elif tally.refused:
            message = (
                f"{len(tally.refused)} change(s) were refused by the server: {tally.refused[0][1]}"
            )
            next_step = "Ask your supervisor; the refused changes stay only on this laptop."
        elif tally.repaired:
            message = (
                f"Up to date. {tally.repaired} record(s) on this laptop differed from the "
                "server's copy and were restored."
            )
        state = SyncState.NEEDS_ATTENTION if tally.rolled_back else SyncState.UP_TO_DATE
        self._publish(state, message=message, next_step=next_step)
        outcome = SyncOutcome.ROLLED_BACK if tally.rolled_back else SyncOutcome.OK
        return self._report(outcome, tally, message, next_step)

    # Stopping --------------------------------------------------------------------------------

    def _stopped(
        self, outcome: SyncOutcome, state: SyncState, exc: SyncError, tally: _Tally
    ) -> SyncReport:
        sign_in = outcome in (SyncOutcome.SIGN_IN_NEEDED, SyncOutcome.CREDENTIALS_REFUSED)
        self._publish(state, message=str(exc), next_step=exc.next_step, sign_in_needed=sign_in)
        return self._report(outcome, tally, str(exc), exc.next_step)

    def _revoked(self, exc: DeviceRevoked, tally: _Tally) -> SyncReport:
        if not exc.wipe:
            return self._stopped(SyncOutcome.DEVICE_REVOKED, SyncState.NEEDS_ATTENTION, exc, tally)
        # The partnership withdrew this laptop (lost, stolen, or its user left): the data on it
        # must go. The vault is locked first so that no connection keeps a file open.
        folder = self._vault.folder
        self._vault.lock()
        erase(folder)
        message = (
            "Your administrator has withdrawn this laptop's access to the sync server, so "
            "Fieldkit has erased its copy of your work from this laptop, as the partnership's "
            "rules require. Work you synced before is safe on the server."
        )
        next_step = "Contact your administrator; they can set this laptop up again."
        status = SyncStatus(SyncState.NEEDS_ATTENTION, message=message, next_step=next_step)
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            callback(status)
        report = self._report(SyncOutcome.DEVICE_REVOKED, tally, message, next_step)
        return SyncReport(**{**report.__dict__, "wiped": True})

    def _report(
        self, outcome: SyncOutcome, tally: _Tally, message: str, next_step: str
    ) -> SyncReport:
        return SyncReport(
            outcome,
            message,
            next_step,
            pushed=tally.pushed,
            pulled=tally.pulled,
            purged=tally.purged,
            audit_sent=tally.audit_sent,
            refused=tuple(tally.refused),
            rolled_back=tally.rolled_back,
            conflicts_resolved=tally.conflicts_resolved,
            open_conflicts=tally.open_conflicts,
            drift_checked=tally.drift_checked,
            files_uploaded=tally.files.uploaded,
            files_downloaded=tally.files.downloaded,
            files_waiting=tally.files.waiting,
            repaired=tally.repaired,
            device_alerts=tally.device_alerts,
            gazetteer_changes=tally.gazetteer_changes,
        )

    # Small parts -----------------------------------------------------------------------------

    def _is_supervisor(self) -> bool:
        """The signed-in user's role, as the last sign-in or handshake said."""
        with self._vault.read() as conn:
            user = replica.get_state(conn, "user")
        return isinstance(user, dict) and user.get("role") == "supervisor"

    def _forget_token(self) -> None:
        self._transport.token = None
        with self._vault.write() as conn:
            replica.put_state(conn, "token", None)

    def _read_last_synced(self) -> datetime | None:
        with self._vault.read() as conn:
            value = replica.get_state(conn, "last_synced_at")
        return datetime.fromisoformat(value) if value else None

    def _stamp(self) -> str:
        return self._vault.now().isoformat(timespec="milliseconds")

    def _log_rollback(self, conn: Any, local_seq: int, server_seq: int) -> None:
        audit.append(
            conn,
            [
                audit.new_event(
                    at=self._stamp(),
                    actor=self._vault.username,
                    action=audit.AuditAction.UPDATE,
                    reason=(
                        f"sync: vault rolled back (local change {local_seq} is behind the "
                        f"{server_seq} the server last saw from this device)"
                    ),
                )
            ],
        )


def _pulled(record: Any) -> PulledRecord:
    return PulledRecord(
        record.type, record.id, record.deleted, record.fields, record.versions, record.author
    )


def _cached(conflict: Conflict) -> replica.CachedConflict:
    return {
        "id": conflict.id,
        "type": conflict.type,
        "record_id": conflict.record_id,
        "field": conflict.field,
        "kept_value": conflict.kept_value,
        "kept_hlc": conflict.kept_hlc,
        "kept_by": conflict.kept_by,
        "other_value": conflict.other_value,
        "other_hlc": conflict.other_hlc,
        "other_by": conflict.other_by,
        "detected_at": conflict.detected_at,
        "district": conflict.district,
    }


def _audit_wire(event: dict[str, Any]) -> dict[str, Any]:
    at = str(event["at"])
    if "+" not in at[10:] and not at.endswith("Z"):
        at += "+00:00"
    return {
        "event_id": event["event_id"],
        "at": at,
        "actor": str(event["actor"])[:200],
        "action": _AUDIT_ACTIONS.get(str(event["action"]), str(event["action"])),
        "record_type": event["record_type"],
        "record_id": event["record_id"],
        "reason": event["reason"],
        "recipient": event["recipient"],
        **_chain_wire(event),
    }


def _chain_wire(event: dict[str, Any]) -> dict[str, Any]:
    """The event's place in the vault's audit chain, so the server sees a gap or a rewrite."""
    if "position" not in event:
        return {}
    chain = {"position": event["position"], "prev_hash": event["prev_hash"], "hash": event["hash"]}
    return {"chain": chain}


def restored_status(vault: Vault) -> SyncStatus:
    """The sync status kept in the vault at the end of the last sync (or "never synced").

    Raises:
        VaultLockedError: the vault is locked.
    """
    with vault.read() as conn:
        kept = replica.get_state(conn, STATUS_KEY)
        unsynced = replica.pending_count(conn)
        server = replica.get_state(conn, "server_url")
        last = replica.get_state(conn, "last_synced_at")
    restored = SyncStatus.restore(kept, unsynced=unsynced)
    if restored is not None:
        return restored
    if last:
        # A vault synced before statuses were kept: its last sync went through.
        return SyncStatus(
            SyncState.UP_TO_DATE,
            unsynced=unsynced,
            last_synced_at=datetime.fromisoformat(last),
            message="Up to date.",
        )
    return SyncStatus(
        SyncState.OFFLINE,
        unsynced=unsynced,
        message="Not synced yet." if server else "This laptop is not signed in to a sync server.",
        next_step="Sign in here or in Settings; your work is kept on this laptop until then.",
        sign_in_needed=not server,
    )


class EngineSyncController:
    """The app's `SyncController` over the engine: syncs on a worker thread, one at a time.

    Args:
        engine: the engine for the unlocked vault.
    """

    def __init__(self, engine: SyncEngine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._current = engine.settled_status()
        self.last_report: SyncReport | None = None
        engine.subscribe(self._remember)
        self._subscribers: list[StatusCallback] = []

    def sync_now(self) -> None:
        with self._lock:
            if self._worker is not None and self._worker.is_alive():
                return
            self._worker = threading.Thread(target=self._run, name="fieldkit-sync", daemon=True)
            self._worker.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a sync under way to end (tests, and closing the app)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def subscribe(self, callback: StatusCallback) -> None:
        with self._lock:
            self._subscribers.append(callback)
            current = self._current
        callback(current)

    def unsubscribe(self, callback: StatusCallback) -> None:
        with self._lock:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

    def unsynced_count(self) -> int:
        return self._engine.unsynced_count()

    def current(self) -> SyncStatus:
        """The latest status, with the unsynced count as it is now."""
        with self._lock:
            current = self._current
        return replace(current, unsynced=self.unsynced_count())

    def _run(self) -> None:
        self.last_report = self._engine.run()

    def _remember(self, status: SyncStatus) -> None:
        with self._lock:
            self._current = status
            subscribers = list(self._subscribers)
        tell_each(subscribers, status)
