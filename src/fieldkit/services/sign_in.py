"""Signing in to the sync server from the app, and the one sync status that every screen shows."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from fieldkit.domain.enrolment import is_enrolment_code, parse_enrolment_code
from fieldkit.services.settings import AppSettings, SettingsService
from fieldkit.services.sync_engine import SyncEngine, restored_status
from fieldkit.services.sync_port import tell_each
from fieldkit.store import replica
from fieldkit.store.errors import VaultLockedError
from fieldkit.store.vault import Vault
from fieldkit.sync.protocol import (
    AccountDisabled,
    CertificateProblem,
    CredentialsRefused,
    DeviceRevoked,
    ProtocolMismatch,
    ServerNotFound,
    ServerRefused,
    ServerUnreachable,
    SyncError,
    UserInfo,
)
from fieldkit.sync.status import StatusCallback, SyncState, SyncStatus
from fieldkit.sync.transport import Transport, TransportConfig, check_server_url

log = logging.getLogger(__name__)

#: How long a sign-in waits for a sync already under way to end, in seconds.
_SYNC_WAIT = 120.0


class SignInProblem(StrEnum):
    """Why a sign-in did not go through; each has its own sentence."""

    ADDRESS = "address"
    CERTIFICATE_FILE = "certificate_file"
    USERNAME = "username"
    PASSWORD_MISSING = "password_missing"  # noqa: S105 (a reason, not a password)
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 (a reason, not a password)
    UNKNOWN_SERVER = "unknown_server"
    NO_NETWORK = "no_network"
    CERTIFICATE = "certificate"
    VERSION = "version"
    ACCOUNT_DISABLED = "account_disabled"
    LAPTOP_WITHDRAWN = "laptop_withdrawn"
    NOT_A_SYNC_SERVER = "not_a_sync_server"
    OTHER = "other"


#: The form field each problem is in, so the screen can put the cursor there.
_FIELD = {
    SignInProblem.ADDRESS: "server",
    SignInProblem.UNKNOWN_SERVER: "server",
    SignInProblem.NOT_A_SYNC_SERVER: "server",
    SignInProblem.CERTIFICATE_FILE: "certificate",
    SignInProblem.CERTIFICATE: "certificate",
    SignInProblem.USERNAME: "username",
    SignInProblem.PASSWORD_MISSING: "password",
    SignInProblem.WRONG_PASSWORD: "password",
}


class SignInError(Exception):
    """A sign-in that did not go through; the text says what happened and what to do.

    Never carries the password: it is built from fixed sentences and the server's address.
    """

    def __init__(self, problem: SignInProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.field = _FIELD.get(problem, "")


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, as the account says: the name and number letters are signed with."""

    username: str
    display_name: str
    staff_number: str
    server_url: str


def adopt_account(settings: AppSettings, user: UserInfo) -> AppSettings:
    """Settings with the officer's name and staff number from their account, where it has them.

    An account without its own display name shows the user name: the laptop keeps the name
    typed at first run or in Settings until the account carries one. The same goes for an
    empty staff number.
    """
    name = user.display_name.strip()
    number = user.staff_number.strip()
    return replace(
        settings,
        officer_name=name if name and name != user.username else settings.officer_name,
        officer_number=number or settings.officer_number,
    )


def _problem(exc: SyncError, server: str) -> SignInError:
    """A sync failure at sign-in as its own sentence."""
    if isinstance(exc, CertificateProblem):
        return SignInError(
            SignInProblem.CERTIFICATE,
            f"The certificate of {server} could not be checked, so nothing was sent to it. "
            "If your partnership has its own certificate authority, choose its certificate "
            "file below; otherwise tell your administrator.",
        )
    if isinstance(exc, ServerNotFound):
        return SignInError(
            SignInProblem.UNKNOWN_SERVER,
            f"No server called {server} could be found. Check the address with your "
            "administrator (and that this laptop is online).",
        )
    if isinstance(exc, ServerUnreachable):
        return SignInError(
            SignInProblem.NO_NETWORK,
            f"The sync server at {server} could not be reached. Check this laptop is "
            "connected to the internet, then try again; your work is kept meanwhile.",
        )
    if isinstance(exc, AccountDisabled):
        return SignInError(
            SignInProblem.ACCOUNT_DISABLED,
            "Your account on the sync server has been disabled. Ask your administrator to "
            "enable it; your work is kept on this laptop meanwhile.",
        )
    if isinstance(exc, CredentialsRefused):
        if "another user" in str(exc):
            return SignInError(
                SignInProblem.USERNAME,
                "This laptop's vault belongs to another account. Sign in as its owner.",
            )
        if "Too many" in str(exc):
            return SignInError(SignInProblem.WRONG_PASSWORD, f"{exc} {exc.next_step}")
        return SignInError(
            SignInProblem.WRONG_PASSWORD,
            "The user name or password was not accepted. Check them (passwords are case "
            "sensitive) and try again.",
        )
    if isinstance(exc, ProtocolMismatch):
        return SignInError(SignInProblem.VERSION, f"{exc} {exc.next_step}")
    if isinstance(exc, DeviceRevoked):
        return SignInError(
            SignInProblem.LAPTOP_WITHDRAWN,
            "The sync server has withdrawn this laptop's access. Contact your administrator.",
        )
    if isinstance(exc, ServerRefused) and exc.status in (404, 405):
        return SignInError(
            SignInProblem.NOT_A_SYNC_SERVER,
            f"{server} answered, but it is not a Fieldkit sync server. Check the address.",
        )
    return SignInError(SignInProblem.OTHER, f"{exc} {exc.next_step}".strip())


TransportFactory = Callable[[TransportConfig], Transport]


@dataclass
class _Current:
    engine: SyncEngine | None = None
    transport: Transport | None = None
    worker: threading.Thread | None = None
    generation: int = 0
    subscribers: list[StatusCallback] = field(default_factory=list)


class AppSync:
    """The app's sync: the one status the bar and Today show, syncs on a worker, and sign-in.

    The status is restored from the vault at unlock and kept there after every sync, so that
    what the app says at unlock is what it last knew. Sync runs on its own thread, one at a
    time; subscribers are told from that thread.

    Args:
        vault: the unlocked vault.
        settings: the vault owner's settings (server address and certificate authority).
        device_name: how administrators see this laptop.
        transport: makes the transport (tests shorten its timeouts).
        metered: asked at each sync whether the connection is metered now (None: unknown).
    """

    def __init__(
        self,
        vault: Vault,
        settings: SettingsService,
        *,
        device_name: str = "laptop",
        transport: TransportFactory = Transport,
        config: Callable[[str, Path | None], TransportConfig] | None = None,
        metered: Callable[[], bool | None] | None = None,
    ) -> None:
        self._vault = vault
        self._metered = metered
        self._settings = settings
        self._device_name = device_name
        self._make_transport = transport
        self._config = config or (lambda url, ca: TransportConfig(server_url=url, ca_bundle=ca))
        self._lock = threading.Lock()
        self._now = _Current()
        self._status = restored_status(vault)
        current = settings.load()
        if current.ca_certificate and not Path(current.ca_certificate).is_file():
            self._status = SyncStatus(
                SyncState.NEEDS_ATTENTION,
                unsynced=self._status.unsynced,
                last_synced_at=self._status.last_synced_at,
                message="The partnership's certificate file named in Settings is not there.",
                next_step="Choose it again in Settings and sign in; your work is kept meanwhile.",
                sign_in_needed=True,
            )
        elif current.server_url:
            try:
                self._use(current.server_url, current.ca_certificate)
            except ValueError:
                self._status = SyncStatus(
                    SyncState.NEEDS_ATTENTION,
                    unsynced=self._status.unsynced,
                    last_synced_at=self._status.last_synced_at,
                    message="The sync server address in Settings cannot be used.",
                    next_step="Sign in again with the https:// address your administrator gave.",
                    sign_in_needed=True,
                )

    # The controller the screens see -----------------------------------------------------------

    def current(self) -> SyncStatus:
        """The status every screen shows, with the unsynced count as it is now."""
        with self._lock:
            status = self._status
        return replace(status, unsynced=self.unsynced_count())

    def subscribe(self, callback: StatusCallback) -> None:
        with self._lock:
            self._now.subscribers.append(callback)
            status = self._status
        callback(replace(status, unsynced=self.unsynced_count()))

    def unsubscribe(self, callback: StatusCallback) -> None:
        with self._lock:
            if callback in self._now.subscribers:
                self._now.subscribers.remove(callback)

    def unsynced_count(self) -> int:
        if self._vault.locked:
            return 0
        with self._vault.read() as conn:
            return replica.pending_count(conn)

    def sync_now(self) -> None:
        """Start a sync on a worker thread (nothing if one is running or no server is set)."""
        with self._lock:
            engine = self._now.engine
            if self._now.worker is not None and self._now.worker.is_alive():
                return
            if engine is None:
                status = self._status
            else:
                worker = threading.Thread(target=engine.run, name="fieldkit-sync", daemon=True)
                self._now.worker = worker
        if engine is None:
            self._tell(replace(status, unsynced=self.unsynced_count()))
            return
        worker.start()

    def fetch_file(self, digest: str) -> bool:
        """Fetch one evidence file by its SHA-256 now, if signed in: whether the vault holds it.

        Blocks on the network: call it off the GUI thread.
        """
        with self._lock:
            engine = self._now.engine
        return engine is not None and engine.fetch_file(digest)

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a sync under way to end (tests, signing in, closing the app)."""
        worker = self._now.worker
        if worker is not None:
            worker.join(timeout)

    # Sign-in ----------------------------------------------------------------------------------

    def sign_in(
        self,
        *,
        server_url: str,
        username: str,
        password: str,
        ca_certificate: str = "",
        then_sync: bool = True,
    ) -> SignedIn:
        """Sign this laptop in with a password, keep the server in Settings, and start syncing.

        Blocks on the network: call it off the GUI thread. The password is sent once, in the
        body of an HTTPS request, and is not kept anywhere.

        Args:
            server_url: ``https://host[:port]`` (plain http only to this computer), or an
                enrolment code carrying it (and the user name, used when none is typed).
            username: the account's user name (the vault's owner by default).
            password: the account's password.
            ca_certificate: a partnership's certificate authority file, or "" for the system's.
            then_sync: start the first sync straight away (its progress reaches subscribers).

        Returns:
            The account's name and staff number, now also in Settings.

        Raises:
            SignInError: with a sentence for each kind of failure; nothing is changed.
        """
        server = server_url.strip()
        if is_enrolment_code(server):
            try:
                enrolment = parse_enrolment_code(server)
            except ValueError as exc:
                message = str(exc)
                raise SignInError(
                    SignInProblem.ADDRESS, message[0].upper() + message[1:] + "."
                ) from None
            server, username = enrolment.server, username.strip() or enrolment.username
        try:
            base = check_server_url(server)
        except ValueError as exc:
            message = str(exc)
            raise SignInError(
                SignInProblem.ADDRESS, message[0].upper() + message[1:] + "."
            ) from None
        ca = ca_certificate.strip()
        if ca and not Path(ca).is_file():
            raise SignInError(
                SignInProblem.CERTIFICATE_FILE,
                "The certificate authority file could not be found. Choose the .pem or .crt "
                "file your administrator gave you.",
            )
        user_name = username.strip().lower() or self._vault.username
        if not password:
            raise SignInError(SignInProblem.PASSWORD_MISSING, "Type your password.")
        self.wait(_SYNC_WAIT)
        transport = self._make_transport(self._config(base, Path(ca) if ca else None))
        engine = self._engine(transport)
        try:
            user = engine.sign_in(username=user_name, password=password)
        except SyncError as exc:
            transport.close()
            raise _problem(exc, base) from None
        except BaseException:
            transport.close()
            raise
        settings = adopt_account(
            replace(self._settings.load(), server_url=base, ca_certificate=ca), user
        )
        self._settings.save(settings)
        self._swap(engine, transport)
        self._tell(
            SyncStatus(
                SyncState.SYNCING,
                step="sign in",
                unsynced=self.unsynced_count(),
                last_synced_at=self._status.last_synced_at,
            )
        )
        if then_sync:
            self.sync_now()
        return SignedIn(user.username, settings.officer_name, settings.officer_number, base)

    # Parts ------------------------------------------------------------------------------------

    def _use(self, server_url: str, ca_certificate: str) -> None:
        transport = self._make_transport(
            self._config(server_url, Path(ca_certificate) if ca_certificate else None)
        )
        self._swap(self._engine(transport), transport)

    def _engine(self, transport: Transport) -> SyncEngine:
        # The app never keeps the password: when the server wants it again, sync stops and
        # the status offers sign-in.
        return SyncEngine(
            self._vault,
            transport,
            password=lambda: None,
            device_name=self._device_name,
            metered=self._metered,
        )

    def _swap(self, engine: SyncEngine, transport: Transport) -> None:
        with self._lock:
            self._now.generation += 1
            generation = self._now.generation
            old = self._now.transport
            self._now.engine, self._now.transport = engine, transport
        engine.subscribe(lambda status: self._from_engine(generation, status))
        if old is not None and old is not transport:
            old.close()

    def _from_engine(self, generation: int, status: SyncStatus) -> None:
        if generation != self._now.generation:
            return  # an engine replaced by a new sign-in
        if status.state is SyncState.UP_TO_DATE:
            self._adopt_account_after_sync()
        self._tell(status)

    def _adopt_account_after_sync(self) -> None:
        """A sync brings the account again: a new name or staff number reaches the letters."""
        try:
            with self._vault.read() as conn:
                kept = replica.get_state(conn, "user")
            if not isinstance(kept, dict):
                return
            current = self._settings.load()
            adopted = adopt_account(current, UserInfo.parse(kept))
            if adopted != current:
                self._settings.save(adopted)
        except (VaultLockedError, ValueError) as exc:
            log.info("account name not adopted after sync: %s", type(exc).__name__)

    def _tell(self, status: SyncStatus) -> None:
        with self._lock:
            self._status = status
            subscribers = list(self._now.subscribers)
        tell_each(subscribers, status)

    def close(self) -> None:
        """Close the connection (the vault is locking)."""
        with self._lock:
            transport, self._now.transport = self._now.transport, None
        if transport is not None:
            transport.close()
