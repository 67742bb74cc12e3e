"""Users, devices, logins and bearer tokens: the account services behind auth and the CLI."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Select,
    bindparam,
    delete,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from fieldkit.domain.vocabulary import District
from fieldkit_server import audit
from fieldkit_server.audit import AuditAction
from fieldkit_server.clock import aware, system_clock
from fieldkit_server.models import Agreement as AgreementRow
from fieldkit_server.models import Base, Device, LoginAttempts, SyncClock, Token, User
from fieldkit_server.policy import PARTNERSHIP_ROLES, Agency, Grant, Principal, Role
from fieldkit_server.security import Passwords, new_token, token_hash
from fieldkit_server.sharing import grants_from, in_force_naming


class AccountError(ValueError):
    """An account command that cannot be carried out (unknown user, bad role, ...)."""


@dataclass(frozen=True)
class UserView:
    """A user as the API and the CLI show them (never the password hash)."""

    id: str
    username: str
    display_name: str
    role: Role
    agency: Agency
    districts: tuple[str, ...]
    safeguarding: bool
    disabled: bool
    staff_number: str = ""

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls.from_columns(user, user_id=user.id)

    @classmethod
    def from_columns(cls, source: Any, *, user_id: str) -> UserView:
        """A view of the ``users`` columns as ``source`` holds them (an ORM row or a read's
        tuple, whose id may go by another name)."""
        return cls(
            id=user_id,
            username=source.username,
            display_name=source.display_name,
            role=Role(source.role),
            agency=Agency(source.agency),
            districts=tuple(json.loads(source.districts)),
            safeguarding=source.safeguarding,
            disabled=source.disabled,
            staff_number=source.staff_number or "",
        )

    @property
    def principal(self) -> Principal:
        return Principal(
            self.id,
            self.role,
            frozenset(self.districts),
            self.safeguarding,
            agency=self.agency.value,
        )

    def wire(self) -> dict[str, object]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "role": self.role.value,
            "agency": self.agency.value,
            "districts": list(self.districts),
            "safeguarding": self.safeguarding,
            "staff_number": self.staff_number,
        }


@dataclass(frozen=True)
class DeviceView:
    id: str
    user_id: str
    username: str
    name: str
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    last_device_seq: int


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    agency: str,
    districts: list[str],
    safeguarding: bool,
    display_name: str | None,
    passwords: Passwords,
    now: datetime,
    actor: str | None = None,
    staff_number: str | None = None,
) -> UserView:
    """Create a user, and log who did (never the password).

    Args:
        session: the transaction.
        username: the sign-in name (kept trimmed and in lower case).
        password: at least 8 characters; only its Argon2id hash is kept.
        role: a ``Role`` value.
        agency: an ``Agency`` value.
        districts: the districts they work in (at least one, except for administrators).
        safeguarding: whether they are cleared to see restricted records in their districts.
        display_name: the name shown; the user name if None.
        passwords: the hasher.
        now: server time.
        actor: who ran the command (their OS account), for the audit log.
        staff_number: the staff or collar number letters are signed with (none if None).

    Raises:
        AccountError: the name is taken or empty, or a role, agency or district is unknown.
    """
    username = username.strip().lower()
    if not username or len(username) > 64:
        raise AccountError("a user name is 1 to 64 characters")
    if len(password) < 8:
        raise AccountError("a password has at least 8 characters")
    try:
        role_value, agency_value = Role(role), Agency(agency)
        district_values = sorted({District(d).value for d in districts})
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    if role_value not in PARTNERSHIP_ROLES and not district_values:
        raise AccountError("an officer, housing officer or supervisor needs at least one district")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username} already exists")
    user = User(
        id=str(uuid.uuid4()),
        username=username,
        display_name=_display_name(display_name, username),
        staff_number=_staff_number(staff_number),
        role=role_value.value,
        agency=agency_value.value,
        districts=json.dumps(district_values),
        safeguarding=safeguarding,
        disabled=False,
        password_hash=passwords.hash(password),
        created_at=now,
    )
    session.add(user)
    session.flush()
    view = UserView.of(user)
    _log(session, AuditAction.USER_ADD, now=now, actor=actor, detail=_scope_detail(view))
    return view


def _display_name(value: str | None, username: str) -> str:
    name = " ".join((value or "").split())
    if len(name) > 200:
        raise AccountError("a display name is at most 200 characters")
    return name or username


def _staff_number(value: str | None) -> str:
    number = (value or "").strip()
    if len(number) > 40 or any(not ch.isprintable() for ch in number):
        raise AccountError("a staff number is at most 40 printable characters")
    return number


def _scope_detail(view: UserView) -> dict[str, object]:
    return {
        "user": view.username,
        "user_id": view.id,
        "role": view.role.value,
        "districts": list(view.districts),
        "safeguarding": view.safeguarding,
        "display_name": view.display_name,
        "staff_number": view.staff_number,
    }


def _log(
    session: Session,
    action: AuditAction,
    *,
    now: datetime | None,
    actor: str | None,
    detail: dict[str, object],
) -> None:
    audit.log_admin(session, action, now=now or system_clock(), actor=actor, detail=detail)


def _user_by_name(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise AccountError(f"no user {username}")
    return user


def set_user_districts(
    session: Session,
    *,
    username: str,
    districts: list[str],
    safeguarding: bool | None = None,
    now: datetime | None = None,
    actor: str | None = None,
) -> UserView:
    """Change a user's districts (and safeguarding clearance); their next pull purges as needed.

    Raises:
        AccountError: no such user, or a district is unknown.
    """
    user = _user_by_name(session, username)
    before = UserView.of(user)
    try:
        user.districts = json.dumps(sorted({District(d).value for d in districts}))
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    if safeguarding is not None:
        user.safeguarding = safeguarding
    session.flush()
    after = UserView.of(user)
    _log(session, AuditAction.USER_DISTRICTS, now=now, actor=actor, detail=_changes(before, after))
    return after


def _changes(before: UserView, after: UserView) -> dict[str, object]:
    """What a command changed about a user: each changed setting's old and new value."""
    old, new = _scope_detail(before), _scope_detail(after)
    changed = {
        k: [old[k], new[k]]
        for k in ("role", "districts", "safeguarding", "display_name", "staff_number")
        if old[k] != new[k]
    }
    return {"user": after.username, "user_id": after.id, "changed": changed}


def set_user(
    session: Session,
    *,
    username: str,
    role: str | None = None,
    safeguarding: bool | None = None,
    districts: list[str] | None = None,
    display_name: str | None = None,
    staff_number: str | None = None,
    now: datetime,
    actor: str | None,
) -> UserView:
    """Change a user's role, clearance, districts, display name or staff number; log it.

    Whatever is left out stays as it is. The user's next pull sends what they may now see and
    lists for purge what they may no longer (the pull cursor carries a digest of their scope).

    Args:
        session: the transaction.
        username: whom to change.
        role: a ``Role`` value, or None to keep it.
        safeguarding: the new clearance, or None to keep it.
        districts: the new districts (replacing the old), or None to keep them.
        display_name: the name shown to colleagues and printed on letters, or None to keep it.
        staff_number: the staff or collar number ("" to clear it), or None to keep it.
        now: server time.
        actor: who ran the command (their OS account), for the audit log.

    Raises:
        AccountError: nothing to change, no such user, an unknown role or district, or a user
            other than an administrator left with no district.
    """
    if all(v is None for v in (role, safeguarding, districts, display_name, staff_number)):
        raise AccountError(
            "say what to change: a role, safeguarding, districts, display name or staff number"
        )
    user = _user_by_name(session, username)
    before = UserView.of(user)
    try:
        role_value = Role(role) if role is not None else before.role
        district_values = (
            sorted({District(d).value for d in districts})
            if districts is not None
            else list(before.districts)
        )
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    if role_value not in PARTNERSHIP_ROLES and not district_values:
        raise AccountError("an officer, housing officer or supervisor needs at least one district")
    user.role = role_value.value
    user.districts = json.dumps(district_values)
    if safeguarding is not None:
        user.safeguarding = safeguarding
    if display_name is not None:
        user.display_name = _display_name(display_name, user.username)
    if staff_number is not None:
        user.staff_number = _staff_number(staff_number)
    session.flush()
    after = UserView.of(user)
    _log(session, AuditAction.USER_SET, now=now, actor=actor, detail=_changes(before, after))
    return after


def disable_user(
    session: Session, *, username: str, now: datetime, actor: str | None = None
) -> UserView:
    """Disable a user and revoke every device they signed in from (the laptops will wipe).

    Raises:
        AccountError: no such user.
    """
    user = _user_by_name(session, username)
    user.disabled = True
    revoked = sorted(
        session.scalars(
            update(Device)
            .where(Device.user_id == user.id, Device.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(Device.id)
        )
    )
    session.flush()
    view = UserView.of(user)
    detail: dict[str, object] = {
        "user": view.username,
        "user_id": view.id,
        "devices_revoked": revoked,
    }
    _log(session, AuditAction.USER_DISABLE, now=now, actor=actor, detail=detail)
    return view


def user_view(session: Session, *, username: str) -> UserView:
    """One user as `user list` shows them.

    Raises:
        AccountError: no such user.
    """
    return UserView.of(_user_by_name(session, username))


def list_users(session: Session) -> list[UserView]:
    return [UserView.of(u) for u in session.scalars(select(User).order_by(User.username))]


def list_devices(session: Session) -> list[DeviceView]:
    rows = session.execute(
        select(Device, User.username).join(User).order_by(User.username, Device.created_at)
    )
    return [
        DeviceView(
            id=d.id,
            user_id=d.user_id,
            username=name,
            name=d.name,
            created_at=aware(d.created_at),
            last_seen_at=aware(d.last_seen_at) if d.last_seen_at else None,
            revoked_at=aware(d.revoked_at) if d.revoked_at else None,
            last_device_seq=d.last_device_seq,
        )
        for d, name in rows
    ]


def revoke_device(
    session: Session, *, device_id: str, now: datetime, actor: str | None = None
) -> None:
    """Revoke a device: its tokens stop working and it is told to wipe its data.

    Raises:
        AccountError: no such device.
    """
    device = session.get(Device, device_id)
    if device is None:
        raise AccountError(f"no device {device_id}")
    already = device.revoked_at is not None
    if not already:
        device.revoked_at = now
    session.flush()
    detail: dict[str, object] = {
        "device": device.id,
        "user_id": device.user_id,
        "already_revoked": already,
    }
    _log(session, AuditAction.DEVICE_REVOKE, now=now, actor=actor, detail=detail)


class LoginOutcome(StrEnum):
    OK = "ok"
    REFUSED = "refused"
    RATE_LIMITED = "rate_limited"
    DEVICE_REVOKED = "device_revoked"
    DISABLED = "disabled"


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    token: str | None = None
    device_id: str | None = None
    user: UserView | None = None
    last_device_seq: int = 0
    expires_at: datetime | None = None
    retry_after_seconds: int = 0


@dataclass(frozen=True)
class LoginLimits:
    max_failures_per_user: int
    max_failures_per_client: int
    window: timedelta
    token_ttl: timedelta


def _locked_for(
    session: Session, key: str, limit: int, window: timedelta, now: datetime
) -> int | None:
    row = session.get(LoginAttempts, key)
    if row is None:
        return None
    ends = aware(row.window_start) + window
    if now >= ends or row.failures < limit:
        return None
    return max(1, int((ends - now).total_seconds()))


def _count_failure(session: Session, key: str, window: timedelta, now: datetime) -> None:
    row = session.get(LoginAttempts, key)
    if row is None:
        session.add(LoginAttempts(key=key, window_start=now, failures=1))
    elif now >= aware(row.window_start) + window:
        row.window_start, row.failures = now, 1
    else:
        row.failures += 1
    session.flush()


def login(
    session: Session,
    *,
    username: str,
    password: str,
    device_name: str,
    device_id: str | None,
    client: str,
    limits: LoginLimits,
    passwords: Passwords,
    now: datetime,
) -> LoginResult:
    """Check a password and register (or re-register) a device with a fresh token.

    An unknown user and a wrong password are refused alike. Failures are counted per user
    name and per client address in the database, so every server process shares the limit.
    The caller commits whatever the outcome, so that failures are counted.
    """
    name = username.strip().lower()
    keys = [
        (f"user:{name}", limits.max_failures_per_user),
        (f"client:{client}", limits.max_failures_per_client),
    ]
    for key, limit in keys:
        wait = _locked_for(session, key, limit, limits.window, now)
        if wait is not None:
            return LoginResult(LoginOutcome.RATE_LIMITED, retry_after_seconds=wait)
    user = session.scalar(select(User).where(User.username == name))
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        for key, _limit in keys:
            _count_failure(session, key, limits.window, now)
        return LoginResult(LoginOutcome.REFUSED)
    if user.disabled:
        # Said only to someone who knows the password: it tells them to see an administrator.
        return LoginResult(LoginOutcome.DISABLED)
    session.execute(delete(LoginAttempts).where(LoginAttempts.key == keys[0][0]))
    device = session.get(Device, device_id) if device_id else None
    if device is not None and device.user_id != user.id:
        device = None
    if device is not None and device.revoked_at is not None:
        return LoginResult(LoginOutcome.DEVICE_REVOKED)
    if device is None:
        device = Device(
            id=str(uuid.uuid4()),
            user_id=user.id,
            name=device_name.strip()[:200] or "laptop",
            created_at=now,
            last_device_seq=0,
        )
        session.add(device)
    device.last_seen_at = now
    token = new_token()
    expires = now + limits.token_ttl
    session.add(
        Token(token_hash=token_hash(token), device_id=device.id, created_at=now, expires_at=expires)
    )
    session.flush()
    return LoginResult(
        LoginOutcome.OK,
        token=token,
        device_id=device.id,
        user=UserView.of(user),
        last_device_seq=device.last_device_seq,
        expires_at=expires,
    )


@dataclass(frozen=True)
class SyncMark:
    """The sync clock's row as read: the last commit position handed out, and the top clock."""

    last_seq: int
    max_hlc: str


class AuthFailure(StrEnum):
    INVALID = "invalid"
    DEVICE_REVOKED = "device_revoked"


@dataclass(frozen=True)
class Authenticated:
    """Who a bearer token speaks for."""

    user: UserView
    device_id: str
    token_hash: str
    last_device_seq: int
    #: What the agreements in force today let the user's agency see of other agencies' records.
    grants: tuple[Grant, ...] = ()
    #: Where the device's last pull got to and when, as the lookup read them (a pull in the
    #: same transaction skips rewriting them when nothing moved).
    last_cursor: str | None = None
    last_pull_at: datetime | None = None
    #: The sync clock read in the same statement, when the caller asked for it.
    clock: SyncMark | None = None

    @property
    def principal(self) -> Principal:
        return replace(self.user.principal, grants=self.grants)


_TOKENS = Base.metadata.tables[Token.__tablename__]
_DEVICES = Base.metadata.tables[Device.__tablename__]
_USERS = Base.metadata.tables[User.__tablename__]
_AGREEMENTS = Base.metadata.tables[AgreementRow.__tablename__]
_CLOCK = Base.metadata.tables[SyncClock.__tablename__]


def _token_lookup(*, with_clock: bool) -> Select[Any]:
    """The token, its device and user, and the agreements in force that name the user's agency
    (none: one row with no agreement), as one statement of exactly the columns used.

    Built once at import, with the token and the day as bound parameters: a request only
    binds them (no statement to build, rows read as tuples, no ORM identity map).
    """
    t, d, u, a = _TOKENS.c, _DEVICES.c, _USERS.c, _AGREEMENTS.c
    day = bindparam("day", type_=Date)
    joined = (
        _TOKENS.join(_DEVICES, t.device_id == d.id)
        .join(_USERS, d.user_id == u.id)
        .outerjoin(_AGREEMENTS, in_force_naming(u.agency, day=day))
    )
    extra: list[ColumnElement[Any]] = []
    if with_clock:
        # The clock is one row: joined on true, it rides along with the token's row(s).
        joined = joined.join(_CLOCK, true())
        extra = [_CLOCK.c.last_seq.label("clock_seq"), _CLOCK.c.max_hlc.label("clock_hlc")]
    return (
        select(
            t.revoked_at.label("token_revoked_at"),
            t.expires_at,
            d.id.label("device_id"),
            d.revoked_at.label("device_revoked_at"),
            d.last_seen_at,
            d.last_device_seq,
            d.last_cursor,
            d.last_pull_at,
            u.id.label("user_id"),
            u.username,
            u.display_name,
            u.role,
            u.agency,
            u.districts,
            u.safeguarding,
            u.disabled,
            u.staff_number,
            a.name,
            a.agencies,
            a.types,
            a.categories,
            a.start,
            a.end,
            a.ended_at,
            *extra,
        )
        .select_from(joined)
        .where(t.token_hash == bindparam("token_hash"))
    )


_LOOKUP = _token_lookup(with_clock=False)
#: The same with the sync clock: an empty pull's one statement.
_LOOKUP_WITH_CLOCK = _token_lookup(with_clock=True)
_SEEN = (
    update(_DEVICES)
    .where(_DEVICES.c.id == bindparam("b_device"))
    .values(last_seen_at=bindparam("b_now"))
)


def authenticate(
    db: Session | Connection, *, token: str, now: datetime, with_clock: bool = False
) -> Authenticated | AuthFailure:
    """The user and device behind a bearer token, or why there are none.

    A revoked device, or a disabled user's, is told so (its laptop wipes itself); an unknown,
    expired or logged-out token is simply invalid. One read, and a write only when the device's
    "last seen" stamp is over a minute old.

    Args:
        db: the transaction (or an autocommit connection) to read in.
        token: the bearer token as sent.
        now: server time.
        with_clock: also read the sync clock in the same statement (``Authenticated.clock``).
    """
    hashed = token_hash(token)
    rows = db.execute(
        _LOOKUP_WITH_CLOCK if with_clock else _LOOKUP, {"token_hash": hashed, "day": now.date()}
    ).all()
    if not rows:
        return AuthFailure.INVALID
    row = rows[0]
    if row.device_revoked_at is not None or row.disabled:
        return AuthFailure.DEVICE_REVOKED
    if row.token_revoked_at is not None or aware(row.expires_at) <= now:
        return AuthFailure.INVALID
    if row.last_seen_at is None or now - aware(row.last_seen_at) > timedelta(minutes=1):
        db.execute(_SEEN, {"b_device": row.device_id, "b_now": now})
    view = UserView.from_columns(row, user_id=row.user_id)
    in_force = [r for r in rows if r.name is not None]
    return Authenticated(
        view,
        row.device_id,
        hashed,
        row.last_device_seq,
        grants_from(in_force, agency=view.agency.value, day=now.date()) if in_force else (),
        row.last_cursor,
        aware(row.last_pull_at) if row.last_pull_at is not None else None,
        SyncMark(row.clock_seq, row.clock_hlc) if with_clock else None,
    )


def logout(session: Session, *, hashed_token: str, now: datetime) -> None:
    session.execute(
        update(Token)
        .where(Token.token_hash == hashed_token, Token.revoked_at.is_(None))
        .values(revoked_at=now)
    )
