"""Serving a pull: records in commit order, scoped by policy, with purges and disclosure logs."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    Select,
    String,
    Table,
    Update,
    and_,
    bindparam,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable

from fieldkit.domain.records import RecordType
from fieldkit.wire import HLC_PATTERN
from fieldkit_server import audit
from fieldkit_server.accounts import SyncMark
from fieldkit_server.audit import AuditAction
from fieldkit_server.clock import aware, server_hlc
from fieldkit_server.db import at_commit
from fieldkit_server.models import (
    AuditEvent,
    Base,
    Device,
    Holding,
    HoldingRange,
    Record,
    RecordScope,
    SyncClock,
    User,
)
from fieldkit_server.policy import (
    ADDRESSED,
    CATEGORY_FIELDS,
    KNOWN_CATEGORIES,
    OWN_AGENCY,
    REFERENCE_TYPES,
    ROLE_SEES,
    Grant,
    Principal,
    Role,
    Scope,
    sharing_basis,
)

_RECORDS = Base.metadata.tables[Record.__tablename__]
# The pull's statements name tables, not ORM classes: a Core statement skips the ORM's compile
# and row-loading steps.
_USERS = Base.metadata.tables[User.__tablename__]
_CLOCK = Base.metadata.tables[SyncClock.__tablename__]
_HOLDINGS = Base.metadata.tables[Holding.__tablename__]
_DEVICES = Base.metadata.tables[Device.__tablename__]
_RANGES = Base.metadata.tables[HoldingRange.__tablename__]
_SCOPES = Base.metadata.tables[RecordScope.__tablename__]
_AUDIT = Base.metadata.tables[AuditEvent.__tablename__]
#: The clock, and whether the device holds ranges under other scopes than the puller's (rare:
#: only until a pull under a new scope has reached the clock); built once.
_CLOCK_READ = select(
    _CLOCK.c.last_seq,
    _CLOCK.c.max_hlc,
    select(func.count())
    .select_from(_RANGES)
    .where(_RANGES.c.device_id == bindparam("device"), _RANGES.c.scope != bindparam("scope"))
    .scalar_subquery()
    .label("others"),
)
#: PostgreSQL: the same read, and no sorting for the rest of the pull's transaction. A page must
#: walk the records' position index in order and stop at its limit. With statistics that lag a
#: burst of pushes (autovacuum analyses later), the planner took the visibility rule to match a
#: row or two, read the whole rest of the range and sorted it on disk (37 MB for 25,000 records
#: left): every page cost as much as the rest of the pull, and a full pull grew with the square
#: of its size. Nothing else in a pull's transaction needs a sort (bench/results/server.md).
_CLOCK_READ_UNSORTED = _CLOCK_READ.add_columns(
    func.set_config("enable_sort", "off", True).label("unsorted")
)
_CURSOR = re.compile(r"^c1\.(\d{1,18})\.([0-9a-f]{16})$")
_HLC_TEXT = re.compile(HLC_PATTERN)
# A page's columns, in the order ``PullPage.render`` and ``disclosure_event`` unpack them: the
# rows are read as tuples (a named attribute of a row costs more than the rest of its render).
_PAGE_COLUMNS = (
    _RECORDS.c.id,
    _RECORDS.c.type,
    _RECORDS.c.deleted,
    _RECORDS.c.deleted_hlc,
    _RECORDS.c.fields,
    _RECORDS.c.versions,
    _RECORDS.c.seq,
    _RECORDS.c.agency,
    _RECORDS.c.categories,
    _RECORDS.c.to_agency,
    _RECORDS.c.addressee,
    _USERS.c.username.label("author"),
)
_AUTHOR = 11
# (A page's rows may carry more columns after these: ``_catch_up``'s do.)


class BadCursor(ValueError):
    """A cursor this server did not issue (or that was damaged on the way)."""


@dataclass(frozen=True)
class Cursor:
    """Where a device's pull got to: a commit position and the scope it was served under.

    When the user's scope changes (a district gained or lost, safeguarding granted or
    withdrawn), the scope no longer matches and the next pull starts over from the beginning,
    listing for purge whatever the device holds that it may no longer see.
    """

    seq: int
    scope: str

    def encode(self) -> str:
        raw = f"c1.{self.seq}.{self.scope}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Read a cursor from the wire.

        Raises:
            BadCursor: not a cursor this server issues.
        """
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise BadCursor("not a cursor") from None
        match = _CURSOR.match(raw)
        if not match:
            raise BadCursor("not a cursor")
        return cls(int(match[1]), match[2])


def scope_key(principal: Principal) -> str:
    """A short digest of everything that decides what a user sees."""
    text = json.dumps(
        [
            principal.user_id,
            principal.role.value,
            sorted(principal.districts),
            principal.safeguarding,
            principal.agency,
            # An agreement ending or narrowing changes the scope: the next pull walks what the
            # device holds and lists for purge what no agreement shares any more.
            [[g.agreement, g.agency, list(g.types), list(g.categories)] for g in principal.grants],
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_CODE_WORD = re.compile(r"^[a-z][a-z0-9_]*$")


def _types(values: Iterable[str]) -> list[ColumnElement[Any]]:
    """A list of record types for ``IN``, written into the SQL text rather than bound.

    The types are the code's own words (a role's types, the reference types, the types an
    agreement names, all of them ``RecordType`` values), never a client's text; anything else
    is bound. Bound, each was one parameter: a pull's purge query had over a hundred, past
    which the driver parses the statement again on every execution. Written in when the
    statement is compiled (not at each execution, as ``literal_execute`` would): the compiled
    statement is cached, and a pull only binds its few values.
    """
    return [
        literal_column(f"'{v}'", String) if _CODE_WORD.match(v) else literal(v, String)
        for v in sorted(values)
    ]


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _granted(grant: Grant, table: Table) -> ColumnElement[bool]:
    """``policy.covers`` as SQL: the grant's agency and types, and (if it lists any) categories."""
    c = table.c
    rule = and_(c.agency == grant.agency, c.type.in_(_types(grant.types)))
    if not grant.categories:
        return rule
    with_categories = sorted(t.value for t in CATEGORY_FIELDS if t.value in grant.types)
    # Every category the record carries is listed: it carries none of the others.
    outside = [
        not_(func.coalesce(c.categories, "").like(f"%,{_like_escaped(x)},%", escape="\\"))
        for x in sorted(KNOWN_CATEGORIES - set(grant.categories))
    ]
    return and_(
        rule,
        or_(
            c.type.not_in(_types(with_categories)),
            and_(func.coalesce(c.categories, "") != "", *outside),
        ),
    )


def shared(principal: Principal, table: Table = _RECORDS) -> ColumnElement[bool]:
    """``policy.sharing_basis(...) is not None`` as SQL (never NULL), over ``table``'s scope
    columns (``records``, or a record's earlier scope in ``record_scopes``)."""
    if principal.agency is None:
        return true()
    c = table.c
    return or_(
        c.agency.is_(None),
        c.agency == principal.agency,
        func.coalesce(c.addressee, "") == principal.user_id,
        and_(
            c.type == RecordType.REFERRAL.value,
            func.coalesce(c.to_agency, "") == principal.agency,
        ),
        *(_granted(g, table) for g in principal.grants),
    )


def basis_of(principal: Principal, row: Any) -> str:
    """The basis a pulled row was disclosed on (``policy.sharing_basis``) for the s62 log."""
    if row.type in {t.value for t in REFERENCE_TYPES}:
        return OWN_AGENCY
    scope = Scope.of(
        row.type,
        [],
        restricted=False,
        created_by=None,
        addressee=row.addressee,
        agency=row.agency,
        categories=[x for x in (row.categories or "").split(",") if x],
        to_agency=row.to_agency,
    )
    return sharing_basis(principal, scope) or ADDRESSED


def visible(principal: Principal, table: Table = _RECORDS) -> ColumnElement[bool]:
    """The policy's ``can_see`` as SQL, so that pulls filter in the database.

    Never NULL for any row (NOT of it must list exactly the records the user may not see).
    ``table`` is ``records`` or ``record_scopes`` (a record's scope as it was, same columns).
    Built once per principal (an expression is immutable): building it was a sixth of an
    incremental pull's CPU, and a laptop pulls under the same principal all day.
    """
    return _visible(principal, table)


@functools.lru_cache(maxsize=1024)
def _visible(principal: Principal, table: Table) -> ColumnElement[bool]:
    c = table.c
    reference = c.type.in_(_types(t.value for t in REFERENCE_TYPES))
    if principal.role is Role.GOVERNANCE:
        # Information governance holds the records under a restriction of processing, only.
        return or_(reference, c.processing_restricted == true())
    types = ROLE_SEES[principal.role]
    if not types or not principal.districts:
        return reference
    case = and_(
        c.type.in_(_types(t.value for t in types)),
        # One bound value each (not an expanding list, which is rewritten at every execution).
        func.coalesce(c.district, "").in_(
            [literal(d, String) for d in sorted(principal.districts)]
        ),
        c.processing_restricted == false(),
    )
    if not principal.sees_restricted:
        case = and_(
            case,
            or_(
                c.restricted == false(),
                func.coalesce(c.created_by, "") == principal.user_id,
                func.coalesce(c.addressee, "") == principal.user_id,
                and_(
                    c.type == RecordType.REFERRAL.value,
                    func.coalesce(c.to_agency, "") == (principal.agency or ""),
                    func.coalesce(c.agency, "") != (principal.agency or ""),
                ),
            ),
        )
    return or_(reference, and_(case, shared(principal, table)))


@dataclass(frozen=True)
class PullMark:
    """Where a device's last pull got to, and when, as read in the pull's own transaction."""

    cursor: str | None
    at: datetime | None


@dataclass(frozen=True)
class Reader:
    principal: Principal
    device_id: str
    #: The device's pull mark when the caller read it in this transaction (None: read it here).
    mark: PullMark | None = None


@dataclass(frozen=True)
class PullPage:
    """One page of a pull, ready to render."""

    records: list[Any]
    next: str
    more: bool
    purge: list[tuple[str, str]]
    server_hlc: str

    def render(self, *, compact: bool = False) -> bytes:
        """The page as JSON; records' fields go out as stored, without decoding them.

        Args:
            compact: the compact form a laptop asks for (``form=compact``): each record's
                stamp once, as ``hlc``, and in ``versions`` an empty string for every field
                whose version is that stamp (see docs/sync-protocol.md, *Pull*).
        """
        records = self.records
        # A page's records come from few writers: encode each writer's name once.
        authors = {a: json.dumps(a) for a in {r[_AUTHOR] for r in records}}
        # Pieces joined once at the end: formatting each record's ~1 KB into a string of its
        # own first copied every record twice and was most of a full pull's CPU.
        parts: list[str] = ['{"records":[']
        extend = parts.extend
        for rid, rtype, deleted, deleted_hlc, fields, versions, *rest in records:
            author = rest[_AUTHOR - 6]
            extend(
                (
                    '{"type":"',
                    rtype,
                    '","id":"',
                    rid,
                    '","deleted":true,"fields":' if deleted else '","deleted":false,"fields":',
                    fields,
                )
            )
            stamp = _stamp(versions) if compact else None
            if stamp is None:
                extend((',"versions":', versions))
            else:
                extend((',"hlc":"', stamp, '","versions":', versions.replace(f'"{stamp}"', '""')))
            extend(
                (
                    ',"author":',
                    authors[author],
                    f',"deleted_hlc":{json.dumps(deleted_hlc)}}},' if deleted else "},",
                )
            )
        if records:
            parts[-1] = parts[-1][:-1]  # no comma after the last record
        tail = json.dumps(
            {
                "next": self.next,
                "more": self.more,
                "purge": [{"type": t, "id": i} for t, i in self.purge],
                "server_hlc": self.server_hlc,
            }
        )
        parts.append("]," + tail[1:])
        return "".join(parts).encode()


def _stamp(versions: str) -> str | None:
    """The first version in a record's stored ``versions`` text, read without decoding it:
    the compact form's record stamp. None when there is none (a tombstone's ``{}``) or the
    text is not the server's own (a field name then an HLC, which holds no quote or escape).

    In the common case every field of a record carries one stamp (the change that created
    it); fields changed later keep their own version in the compact form.
    """
    colon = versions.find('":"')
    if colon < 0:
        return None
    start = colon + 3
    end = versions.find('"', start)
    stamp = versions[start:end]
    return stamp if end > start and _HLC_TEXT.fullmatch(stamp) else None


#: How stale a device's "last pulled" stamp may get before an unchanged pull rewrites it.
_PULL_STAMP_EVERY = timedelta(minutes=1)


def _hold(session: Session, device_id: str, record_ids: list[str]) -> None:
    """Note that the device holds these records (a fetch's few)."""
    if not record_ids:
        return
    rows = [{"device_id": device_id, "record_id": rid} for rid in record_ids]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(_HOLDINGS).on_conflict_do_nothing(), rows)


def principal_text(principal: Principal) -> str:
    """The principal as JSON, kept with a holding range (``principal_from_text`` reads it)."""
    return json.dumps(
        {
            "user_id": principal.user_id,
            "role": principal.role.value,
            "districts": sorted(principal.districts),
            "safeguarding": principal.safeguarding,
            "agency": principal.agency,
            "grants": [
                [g.agreement, g.agency, list(g.types), list(g.categories)] for g in principal.grants
            ],
        },
        separators=(",", ":"),
    )


def principal_from_text(text: str) -> Principal:
    """Read back a principal written by ``principal_text``."""
    data = json.loads(text)
    return Principal(
        user_id=data["user_id"],
        role=Role(data["role"]),
        districts=frozenset(data["districts"]),
        safeguarding=bool(data["safeguarding"]),
        agency=data["agency"],
        grants=tuple(Grant(a, g, tuple(t), tuple(c)) for a, g, t, c in data["grants"]),
    )


@dataclass(frozen=True)
class Served:
    """A device's holding range: positions after ``after`` up to ``upto`` served under
    ``scope`` to ``principal``."""

    scope: str
    principal: Principal
    after: int
    upto: int


def served_ranges(session: Session, device_id: str, *, besides: str | None = None) -> list[Served]:
    """The device's holding ranges, one per scope it has pulled under (but ``besides``)."""
    query = select(
        _RANGES.c.scope, _RANGES.c.principal, _RANGES.c.after_seq, _RANGES.c.upto_seq
    ).where(_RANGES.c.device_id == device_id)
    if besides is not None:
        query = query.where(_RANGES.c.scope != besides)
    rows = session.execute(query.order_by(_RANGES.c.scope))
    return [
        Served(r.scope, principal_from_text(r.principal), r.after_seq, r.upto_seq) for r in rows
    ]


def held(device_id: str, ranges: list[Served], *, scope: str) -> ColumnElement[bool]:
    """Whether the device may hold a ``records`` row (it was, or may have been, sent it).

    True when the device was sent the record outside a pull's pages (a ``holdings`` row), or
    when, for one of its ranges, some version of the record with a position in the range was
    visible to the range's principal: an earlier scope of the record (``record_scopes``) or,
    for a range served under another scope than ``scope`` (the puller's present one), its
    present scope. (The present scope under the present principal is left out: the callers
    ask only about records the device may not see now.) Never misses a record the device was
    sent; it may name one the device's range passed while the record was one the principal
    could see, but that a page did not carry (the record moved on before the page was read).
    """
    c = _RECORDS.c
    h = _SCOPES.c
    cases: list[ColumnElement[bool]] = [
        exists().where(_HOLDINGS.c.device_id == device_id, _HOLDINGS.c.record_id == c.id)
    ]
    for served in ranges:
        cases.append(
            exists().where(
                h.record_id == c.id,
                h.from_seq <= served.upto,
                h.to_seq > served.after,
                visible(served.principal, _SCOPES),
            )
        )
        if served.scope != scope:
            cases.append(
                and_(
                    func.coalesce(c.scope_seq, 0) <= served.upto,
                    c.seq > served.after,
                    visible(served.principal),
                )
            )
    return or_(*cases)


def _hold_range(
    session: Session,
    *,
    reader: Reader,
    scope: str,
    after: int,
    upto: int,
    complete: bool,
    ranges: list[Served],
    writes: list[Write],
) -> None:
    """Widen the device's holding range for ``scope`` to cover ``after``..``upto``: one row
    per device and scope, whatever the number of records sent. The upsert joins ``writes``
    (sent with the page's other writes, ``_write``).

    When the device has pulled under this scope from the beginning to the clock
    (``complete``), every record it held under an earlier scope and may still see was sent
    again under this one, and the rest was listed for purge: the earlier scopes' ranges go.
    """
    writes.append(_range_write(reader, scope, after, upto))
    mine = next((r for r in ranges if r.scope == scope), None)
    others = [r.scope for r in ranges if r.scope != scope]
    if complete and others and min(after, mine.after if mine else after) == 0:
        session.execute(
            delete(_RANGES).where(
                _RANGES.c.device_id == reader.device_id, _RANGES.c.scope.in_(others)
            )
        )


def _range_write(reader: Reader, scope: str, after: int, upto: int) -> Write:
    """The upsert widening the device's holding range for ``scope`` to ``after``..``upto``."""
    return Write(
        "range",
        {
            "r_device": reader.device_id,
            "r_scope": scope,
            "r_principal": principal_text(reader.principal),
            "r_after": after,
            "r_upto": upto,
        },
    )


def disclosure_event(
    *, reader: Reader, scope: str, after: int, upto: int, rows: list[Any], now: datetime
) -> dict[str, Any]:
    """One s62 disclosure row for a whole page: who, which device, when, under which scope,
    the commit range served, and the id of every live record sent, by type.

    ``rows`` are a page's rows (``pull_page``'s columns). ``audit.disclosures_of`` and the
    export read the row back record by record.
    """
    records: dict[str, list[str]] = {}
    bases: dict[str, list[str]] = {}
    # A page's records share a handful of scopes (type, agency, addressee, categories,
    # referral's agency): each one's basis is worked out once per page.
    basis: dict[tuple[Any, ...], list[str]] = {}
    principal = reader.principal
    for r in rows:
        rid, rtype, deleted, _hlc, _fields, _versions, _seq, agency, categories, to_agency = r[:10]
        addressee = r[10]
        if deleted:
            continue
        records.setdefault(rtype, []).append(rid)
        key = (rtype, agency, addressee, categories, to_agency)
        ids = basis.get(key)
        if ids is None:
            ids = basis[key] = bases.setdefault(basis_of(principal, r), [])
        ids.append(rid)
    return audit.server_event(
        at=now,
        action=AuditAction.DISCLOSE,
        user_id=reader.principal.user_id,
        device_id=reader.device_id,
        detail={
            audit.PAGE_RECORDS: records,
            audit.PAGE_AGREEMENTS: bases,
            "scope": scope,
            "from_seq": after,
            "to_seq": upto,
        },
    )


def _stamped(mark: PullMark, next_cursor: str, now: datetime) -> bool:
    """Whether the device's pull mark already says ``next_cursor``, recently enough."""
    return (
        mark.cursor == next_cursor
        and mark.at is not None
        and aware(mark.at) >= now - _PULL_STAMP_EVERY
    )


def unchanged_page(
    *, reader: Reader, since: Cursor, clock: SyncMark, now: datetime
) -> PullPage | None:
    """The page of a pull that has nothing to send and nothing to write, or None.

    Nothing committed after the cursor, under the scope it was served under, and the device's
    mark already says so recently enough: the pull is answered from the token's row and the
    clock read with it (one statement, its own snapshot), with no transaction to commit. In any
    other case the caller serves the pull with ``pull_page`` in a transaction.

    Args:
        reader: who is pulling, with the device's mark as read with the token.
        since: where the device got to.
        clock: the sync clock, read in the same statement as the token.
        now: server time.
    """
    if reader.mark is None or clock.last_seq > since.seq:
        return None
    scope = scope_key(reader.principal)
    if since.scope != scope:
        return None
    next_cursor = Cursor(clock.last_seq, scope).encode()
    if not _stamped(reader.mark, next_cursor, now):
        return None
    return PullPage([], next_cursor, False, [], server_hlc(now, clock.max_hlc))


@functools.lru_cache(maxsize=1024)
def _catch_up(principal: Principal) -> Select[Any]:
    """A device catching up to the clock in one statement: the clock, and every record with a
    position after the cursor (``p_after``) up to the clock and to ``p_most`` that the device
    may see (``shown``) or may hold but no longer see (a purge), in position order.

    Exactly the two reads ``pull_page`` would make for a page that ends at the clock, the
    device holding ranges under its present scope only (``others`` counts the rest; when there
    are any, the caller reads the purge again with them). A record's present scope under the
    present principal is left out of what the device may hold, as ``held`` leaves it out.
    One statement reads one snapshot, and it is the transaction's first: the clock and the
    records are seen as of the same moment. Built once per principal; a pull only binds.
    """
    c = _RECORDS.c
    h = _SCOPES.c
    rule = visible(principal)
    may_hold = or_(
        exists().where(
            _HOLDINGS.c.device_id == bindparam("p_device"), _HOLDINGS.c.record_id == c.id
        ),
        # The device's range under this scope: from the beginning to the cursor.
        exists().where(
            h.record_id == c.id,
            h.from_seq <= bindparam("p_after"),
            h.to_seq > 0,
            visible(principal, _SCOPES),
        ),
    )
    page = _RECORDS.outerjoin(_USERS, _USERS.c.id == c.created_by)
    others = (
        select(func.count())
        .select_from(_RANGES)
        .where(
            _RANGES.c.device_id == bindparam("p_device"), _RANGES.c.scope != bindparam("p_scope")
        )
        .scalar_subquery()
    )
    return (
        select(
            *_PAGE_COLUMNS,
            rule.label("shown"),
            _CLOCK.c.last_seq.label("clock_seq"),
            _CLOCK.c.max_hlc.label("clock_hlc"),
            others.label("others"),
        )
        .select_from(
            _CLOCK.outerjoin(
                page,
                and_(
                    c.seq > bindparam("p_after"),
                    c.seq <= bindparam("p_most"),
                    c.seq <= _CLOCK.c.last_seq,
                    or_(rule, may_hold),
                ),
            )
        )
        .order_by(c.seq)
    )


@functools.lru_cache(maxsize=1024)
def _page_query(principal: Principal) -> Select[Any]:
    """A page's records after ``p_after`` up to ``p_upto``, at most ``p_limit``: built once
    per principal (building it, and working out its cache key, was a fifth of a pull's CPU)."""
    c = _RECORDS.c
    return (
        select(*_PAGE_COLUMNS)
        .outerjoin(_USERS, _USERS.c.id == c.created_by)
        .where(visible(principal), c.seq > bindparam("p_after"), c.seq <= bindparam("p_upto"))
        .order_by(c.seq)
        .limit(bindparam("p_limit"))
    )


def pull_page(
    session: Session,
    *,
    reader: Reader,
    since: Cursor | None,
    limit: int,
    now: datetime,
    clock: SyncMark | None = None,
    seen: int | None = None,
) -> PullPage:
    """Serve one page of records after a cursor, inside the caller's transaction.

    The caller runs this in one snapshot (REPEATABLE READ on PostgreSQL): the clock row read
    here and the records read after it are seen as of the same moment.

    A device at most ``limit`` positions behind the clock (as ``clock`` or ``seen`` says) is
    served by one statement, the clock, records and purge together (``_catch_up``): its page
    cannot be cut short by the limit, so it ends at the clock. Any other page takes the clock,
    the records and then the purge, in turn.

    Args:
        session: the transaction.
        reader: who is pulling, on which device.
        since: where the device got to; None to start from the beginning.
        limit: the most records in the page.
        now: server time.
        clock: the sync clock if the caller already read it in this transaction (with the
            token, ``accounts.authenticate(with_clock=True)``); None to read it here.
        seen: the clock's position as the caller read it before this transaction (the pull's
            look at the token), if it did: only to choose how to read the page.
    """
    principal = reader.principal
    scope = scope_key(principal)
    rescoped = since is not None and since.scope != scope
    after = 0 if since is None or rescoped else since.seq
    if since is not None and not rescoped:
        known = clock.last_seq if clock is not None else seen
        if known is not None and known - after <= limit and (clock is None or known > after):
            return _caught_up(
                session, reader=reader, scope=scope, after=after, limit=limit, now=now
            )
    if since is None:
        # A device pulling from the beginning holds nothing yet.
        session.execute(delete(_HOLDINGS).where(_HOLDINGS.c.device_id == reader.device_id))
        session.execute(delete(_RANGES).where(_RANGES.c.device_id == reader.device_id))
    # Whether the device holds ranges under other scopes than this one (rare: only until a
    # pull under a new scope has reached the clock); None: not asked yet.
    others: int | None = None
    if clock is None:
        # Read with the clock, without a round trip more.
        postgres = session.get_bind().dialect.name == "postgresql"
        read = _CLOCK_READ_UNSORTED if postgres else _CLOCK_READ
        row = session.execute(read, {"device": reader.device_id, "scope": scope}).one()
        clock, others = SyncMark(row.last_seq, row.max_hlc), row.others
    # Every position up to the clock's committed value is committed: a push takes positions
    # only after the one before it has committed (see push.store.write).
    if not rescoped and clock.last_seq <= after:
        # Nothing committed since the cursor: no records and nothing to purge, without asking.
        return _served(session, reader, scope, [], False, clock.last_seq, [], clock.max_hlc, now)
    # Fetched in one call (iterating a result fetches row by row, a driver call per record).
    rows: list[Any] = list(
        session.execute(
            _page_query(principal),
            {"p_after": after, "p_upto": clock.last_seq, "p_limit": limit + 1},
        ).all()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    upto = rows[-1].seq if more else clock.last_seq
    if since is None:
        ranges: list[Served] = []
    elif rescoped:
        ranges = served_ranges(session, reader.device_id)
    else:
        # This scope's range is read as "from the beginning to the cursor": it can only be
        # wider than the row (a device pulls under a scope from 0, page after page).
        ranges = [Served(scope, principal, 0, after)]
        if others is None or others:
            ranges += served_ranges(session, reader.device_id, besides=scope)
    purge: list[tuple[str, str]] = []
    if since is not None:
        # Rescoped, everything the device holds is in question (every record it may hold);
        # otherwise only records changed in this page's range.
        span = None if rescoped else (after, upto)
        purge = _purged(session, reader, ranges, scope=scope, span=span)
    return _page_served(
        session, reader, scope, rows, more, upto, purge, clock.max_hlc, now, after, ranges
    )


def _purged(
    session: Session,
    reader: Reader,
    ranges: list[Served],
    *,
    scope: str,
    span: tuple[int, int] | None,
) -> list[tuple[str, str]]:
    """What the device may hold (``ranges``) but may no longer see: with positions in
    ``span`` (after, upto], or anywhere (None: a rescoped pull), in position order."""
    c = _RECORDS.c
    where = and_(not_(visible(reader.principal)), held(reader.device_id, ranges, scope=scope))
    if span is not None:
        where = and_(c.seq > span[0], c.seq <= span[1], where)
    query = select(c.type, c.id).where(where).order_by(c.seq)
    return [(row.type, row.id) for row in session.execute(query)]


def _page_served(
    session: Session,
    reader: Reader,
    scope: str,
    rows: list[Any],
    more: bool,
    upto: int,
    purge: list[tuple[str, str]],
    max_hlc: str,
    now: datetime,
    after: int,
    ranges: list[Served],
) -> PullPage:
    """A page with records: its holding range joins its writes, then ``_served``."""
    writes: list[Write] = []
    if rows:
        _hold_range(
            session,
            reader=reader,
            scope=scope,
            after=after,
            upto=upto,
            complete=not more,
            ranges=ranges,
            writes=writes,
        )
    return _served(session, reader, scope, rows, more, upto, purge, max_hlc, now, after, writes)


def _catch_up_params(reader: Reader, scope: str, after: int, limit: int) -> dict[str, Any]:
    return {
        "p_after": after,
        "p_most": after + limit,
        "p_device": reader.device_id,
        "p_scope": scope,
    }


def _caught_up_page(
    found: Sequence[Any], *, after: int, limit: int
) -> tuple[SyncMark, bool, int, list[Any], list[tuple[str, str]]]:
    """The clock, ``more``, the page's end, its rows and its purge, from ``_catch_up``'s rows.

    The page ends at the clock, or (when pushes moved the clock on since the caller looked)
    at ``after + limit``, with ``more``.
    """
    head = found[0]
    clock = SyncMark(head.clock_seq, head.clock_hlc)
    most = after + limit
    more = clock.last_seq > most
    upto = most if more else clock.last_seq
    rows = [r for r in found if r.id is not None and r.shown]
    purge = [(r.type, r.id) for r in found if r.id is not None and not r.shown]
    return clock, more, upto, rows, purge


T = TypeVar("T")

#: Threads that render a page while its writes commit (``catch_up_now``).
_ANSWERING = ThreadPoolExecutor(max_workers=8, thread_name_prefix="pull-answer")


def catch_up_now(
    conn: Connection,
    *,
    reader: Reader,
    since: Cursor,
    limit: int,
    now: datetime,
    seen: int,
    answer: Callable[[PullPage], T] | None = None,
) -> tuple[PullPage, Future[T] | None] | None:
    """A page for a device close behind the clock, served without a transaction (PostgreSQL,
    ``conn`` in autocommit); None when this path does not apply: the caller serves the pull
    with ``pull_page`` in a transaction, as before.

    ``answer`` (the page's render and compression), if given, runs on another thread while
    the writes are sent and committed (the wait for the WAL flush releases the interpreter
    lock): its future is returned only once the writes have committed; if they fail, it is
    cancelled or left unread, and the failure raised. None in its place: nothing to wait for
    (no writes, or no ``answer``); the caller answers the page itself.

    Applies when the device pulls under the scope its cursor was served under, at most
    ``limit`` positions behind the clock as the look (``seen``) read it, and holds no ranges
    under other scopes. Then the page is two statements, each its own transaction: the one
    read (``_catch_up``: the clock and the records, one snapshot) and the page's writes as
    one statement (``_together``: atomic; its commit, with the WAL flush, is done before the
    statement returns, so the page is given only once its disclosure row is durable). The
    writes' conditions do not depend on a snapshot shared with the read: the range upsert
    widens (least / greatest), the mark's UPDATE keeps its own condition.

    Raises:
        DBAPIError: the read or the writes failed; nothing was written, and no page given.
    """
    principal = reader.principal
    scope = scope_key(principal)
    after = since.seq
    if since.scope != scope or reader.mark is None or seen - after > limit:
        return None
    found = _numbered_rows(conn, principal, _catch_up_params(reader, scope, after, limit))
    if found[0].others:
        return None  # ranges under other scopes (rare): the purge needs them all
    clock, more, upto, rows, purge = _caught_up_page(found, after=after, limit=limit)
    writes = [_range_write(reader, scope, after, upto)] if rows else []
    page = _page_out(
        reader, scope, rows, more, upto, purge, clock.max_hlc, now, after, writes, reader.mark
    )
    if not writes:
        return page, None
    statement, params = _postgres_write(writes)
    answering = _ANSWERING.submit(answer, page) if answer is not None else None
    try:
        conn.execute(statement, params)
    except BaseException:
        if answering is not None:
            answering.cancel()  # (or, already running, its result is never read)
        raise
    return page, answering


@functools.lru_cache(maxsize=64)
def _catch_up_numbered(
    principal: Principal, dialect: Dialect
) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """``_catch_up`` compiled, with numbered parameters (``$1``): its text, the name of each
    parameter in turn, and the values of those it binds whatever the pull. Built once per
    principal."""
    compiled = _catch_up(principal).compile(dialect=dialect)
    bound = dict(compiled.construct_params(_check=False))  # (a pull's own are bound per pull)
    names: dict[str, int] = {}

    def numbered(match: re.Match[str]) -> str:
        if match[0] == "%%":
            return "%"
        return f"${names.setdefault(match[1], len(names) + 1)}"

    return _NAMED.sub(numbered, compiled.string), tuple(names), bound


_NAMED = re.compile(r"%\((\w+)\)s|%%")


def _numbered_rows(conn: Connection, principal: Principal, params: dict[str, Any]) -> list[Any]:
    """``_catch_up``'s rows, read on ``conn`` (PostgreSQL) through a raw cursor.

    With named parameters the driver reads the statement's text again at every execution
    once it is over 4,096 characters or 50 parameters (it keeps its reading of shorter ones
    only): for a user whose agency has agreements in force it is ~9,000 characters and ~100
    parameters, 0.2 ms of CPU a pull. Numbered, a raw cursor sends the text as it is.
    """
    import psycopg  # the PostgreSQL driver: only installed where it is used

    text, names, bound = _catch_up_numbered(principal, conn.dialect)
    values = tuple(params[n] if n in params else bound[n] for n in names)
    driver = conn.connection.driver_connection
    assert driver is not None  # checked out for this work
    factory = driver.cursor_factory
    driver.cursor_factory = psycopg.RawCursor
    try:
        return list(conn.exec_driver_sql(text, values).all())
    finally:
        driver.cursor_factory = factory


def _caught_up(
    session: Session, *, reader: Reader, scope: str, after: int, limit: int, now: datetime
) -> PullPage:
    """``pull_page`` for a device at most ``limit`` positions behind the clock: the clock, the
    page and its purge in one statement (``_catch_up``), then the page's writes.

    The page ends at the clock, or (when pushes moved the clock on since the caller looked)
    at ``after + limit``, with ``more``: no more than ``limit`` records have positions in that
    range, so the page is never cut inside it.
    """
    principal = reader.principal
    found = session.execute(
        _catch_up(principal), _catch_up_params(reader, scope, after, limit)
    ).all()
    head = found[0]
    clock, more, upto, rows, purge = _caught_up_page(found, after=after, limit=limit)
    ranges = [Served(scope, principal, 0, after)]
    if head.others:
        # Ranges served under other scopes (rare): the device may hold more than the
        # statement asked about, so the purge is read again with every range.
        ranges += served_ranges(session, reader.device_id, besides=scope)
        purge = _purged(session, reader, ranges, scope=scope, span=(after, upto))
    return _page_served(
        session, reader, scope, rows, more, upto, purge, clock.max_hlc, now, after, ranges
    )


def _served(
    session: Session,
    reader: Reader,
    scope: str,
    rows: list[Any],
    more: bool,
    upto: int,
    purge: list[tuple[str, str]],
    max_hlc: str,
    now: datetime,
    after: int = 0,
    writes: list[Write] | None = None,
) -> PullPage:
    """Log the page's disclosure, note where the device got to, and give the page.

    The page's writes (``writes``: its holding range; then the disclosure row and the device's
    mark) go to the database together (``_write``).
    """
    writes = [] if writes is None else writes
    # The token's lookup in this transaction read the device's mark (no statement then).
    mark = reader.mark
    if mark is None:
        device = session.get(Device, reader.device_id)
        mark = PullMark(device.last_cursor, device.last_pull_at) if device else PullMark(None, None)
    page = _page_out(reader, scope, rows, more, upto, purge, max_hlc, now, after, writes, mark)
    _write(session, writes)
    return page


def _page_out(
    reader: Reader,
    scope: str,
    rows: list[Any],
    more: bool,
    upto: int,
    purge: list[tuple[str, str]],
    max_hlc: str,
    now: datetime,
    after: int,
    writes: list[Write],
    mark: PullMark,
) -> PullPage:
    """The page, with its disclosure row and the device's new mark added to ``writes``."""
    if any(not r.deleted for r in rows):
        # One row per page, not one per record: the page's ids are in its detail.
        event = disclosure_event(
            reader=reader, scope=scope, after=after, upto=upto, rows=rows, now=now
        )
        writes.append(Write("disclose", {f"d_{k}": v for k, v in event.items()}))
    next_cursor = Cursor(upto, scope).encode()
    # An empty pull that changes nothing writes nothing (the stamp is refreshed once a minute).
    # The UPDATE keeps its own condition for concurrent pulls.
    if _stamped(mark, next_cursor, now):
        return PullPage(rows, next_cursor, more, purge, server_hlc(now, max_hlc))
    writes.append(
        Write(
            "mark",
            {
                "m_device": reader.device_id,
                "m_cursor": next_cursor,
                "m_now": now,
                "m_stale": now - _PULL_STAMP_EVERY,
            },
        )
    )
    return PullPage(rows, next_cursor, more, purge, server_hlc(now, max_hlc))


@dataclass(frozen=True)
class Write:
    """One of a page's writes: which (``_WRITES``) and its parameters."""

    name: str
    params: dict[str, Any]


def _page_writes(dialect: str) -> dict[str, Insert | Update]:
    """A page's writes for a dialect, with bound parameters: built once, bound per page."""
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    lower, upper = (func.least, func.greatest) if dialect == "postgresql" else (func.min, func.max)
    held_range = upsert(_RANGES).values(
        device_id=bindparam("r_device"),
        scope=bindparam("r_scope"),
        principal=bindparam("r_principal"),
        after_seq=bindparam("r_after"),
        upto_seq=bindparam("r_upto"),
    )
    held_range = held_range.on_conflict_do_update(
        index_elements=[_RANGES.c.device_id, _RANGES.c.scope],
        set_={
            "principal": held_range.excluded.principal,
            "after_seq": lower(_RANGES.c.after_seq, held_range.excluded.after_seq),
            "upto_seq": upper(_RANGES.c.upto_seq, held_range.excluded.upto_seq),
        },
    )
    d = _DEVICES.c
    mark = (
        update(_DEVICES)
        .where(
            d.id == bindparam("m_device"),
            # Its own condition, for concurrent pulls: only a moved cursor or a stale stamp.
            or_(
                d.last_cursor.is_(None),
                d.last_cursor != bindparam("m_cursor"),
                d.last_pull_at.is_(None),
                d.last_pull_at < bindparam("m_stale"),
            ),
        )
        .values(last_pull_at=bindparam("m_now"), last_cursor=bindparam("m_cursor"))
    )
    # The disclosure row's columns are ``audit.server_event``'s keys (bound as ``d_<key>``).
    keys = audit.server_event(
        at=datetime.now(UTC), action=AuditAction.DISCLOSE, user_id=None, device_id=None
    )
    disclose = insert(_AUDIT).values({key: bindparam(f"d_{key}") for key in keys})
    return {"range": held_range, "disclose": disclose, "mark": mark}


_WRITES = {dialect: _page_writes(dialect) for dialect in ("postgresql", "sqlite")}


@functools.cache
def _together(names: tuple[str, ...]) -> Select[Any]:
    """PostgreSQL: the named writes as one statement, each a data-modifying ``WITH`` clause of
    a ``SELECT 1`` (each runs exactly once, to completion, whether or not it is read)."""
    writes = _WRITES["postgresql"]
    ctes = [writes[name].cte(f"w_{name}") for name in names]
    return select(literal(1)).add_cte(*ctes)


def _postgres_write(writes: list[Write]) -> tuple[Executable, dict[str, Any]]:
    """A page's writes (at least one) as one PostgreSQL statement and its parameters."""
    if len(writes) == 1:
        return _WRITES["postgresql"][writes[0].name], writes[0].params
    params: dict[str, Any] = {}
    for write in writes:
        params.update(write.params)
    return _together(tuple(w.name for w in writes)), params


def _write(session: Session, writes: list[Write]) -> None:
    """Run a page's writes (each touching its own table) in the transaction, in order.

    On PostgreSQL they go as one statement (``_together``): one round trip where there were up
    to three. Elsewhere, one statement each. Every statement is built once; a page only binds.
    """
    dialect = session.get_bind().dialect.name
    if writes and dialect == "postgresql":
        # The page's last statement: sent with the transaction's COMMIT (``db.at_commit``).
        at_commit(session, *_postgres_write(writes))
        return
    for write in writes:
        session.execute(_WRITES[dialect][write.name], write.params)
