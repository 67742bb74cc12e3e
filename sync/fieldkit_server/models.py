"""The server's tables, typed SQLAlchemy 2 models; constraint names follow one convention."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite keeps 64-bit integers only in INTEGER PRIMARY KEY columns as rowid aliases.
_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")
_UUID = String(36)
_STAMP = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A person who signs in: officer, housing officer, supervisor or administrator."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    #: Staff or collar number, printed beside the display name on letters ("" when none).
    staff_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    role: Mapped[str] = mapped_column(String(16))
    agency: Mapped[str] = mapped_column(String(16))
    #: JSON list of district ids.
    districts: Mapped[str] = mapped_column(Text)
    safeguarding: Mapped[bool] = mapped_column(Boolean)
    disabled: Mapped[bool] = mapped_column(Boolean)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(_STAMP)


class Device(Base):
    """A laptop a user signed in from; revoking it makes it wipe its data."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(_STAMP)
    last_seen_at: Mapped[datetime | None] = mapped_column(_STAMP)
    revoked_at: Mapped[datetime | None] = mapped_column(_STAMP)
    #: The highest local change number the laptop has pushed (detects a laptop restored from an
    #: old backup: it would push numbers the server has already seen).
    last_device_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_pull_at: Mapped[datetime | None] = mapped_column(_STAMP)
    #: The cursor most recently handed to this device, for support and monitoring.
    last_cursor: Mapped[str | None] = mapped_column(String(200))
    #: The clock node the laptop stamped changes with before its first sign-in (its vault id),
    #: bound to this device by the first push that carries it; no other device may use it.
    vault_node: Mapped[str | None] = mapped_column(String(100), unique=True)


class Token(Base):
    """A bearer token, held only as its SHA-256 hash."""

    __tablename__ = "tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(_STAMP)
    expires_at: Mapped[datetime] = mapped_column(_STAMP)
    revoked_at: Mapped[datetime | None] = mapped_column(_STAMP)


class LoginAttempts(Base):
    """Failed logins per key (a user name or a client address) in the current window."""

    __tablename__ = "login_attempts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(_STAMP)
    failures: Mapped[int] = mapped_column(Integer)


class SyncClock(Base):
    """The single-row commit counter: the last commit position handed out, and the top clock.

    Every push takes its positions from this row as the last thing before it commits, so the
    row lock orders commits and positions identically (see docs/sync-protocol.md).
    """

    __tablename__ = "sync_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    max_hlc: Mapped[str] = mapped_column(String(100))


class Record(Base):
    """The server's current copy of one record, or its tombstone."""

    __tablename__ = "records"

    id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    #: Scope, copied out of the fields so that pulls filter in SQL. Null for reference data.
    district: Mapped[str | None] = mapped_column(String(32))
    restricted: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str | None] = mapped_column(_UUID)
    #: The user the record is addressed to (a review: the officer whose work it decides), who
    #: sees it as its creator does. Null when it names no one, or no user by that name.
    addressee: Mapped[str | None] = mapped_column(_UUID)
    deleted: Mapped[bool] = mapped_column(Boolean)
    deleted_hlc: Mapped[str | None] = mapped_column(String(100))
    #: JSON text, sent to pullers as it is stored.
    fields: Mapped[str] = mapped_column(Text)
    versions: Mapped[str] = mapped_column(Text)
    #: `fieldkit.domain.digest.record_digest` of the record's version, for anti-entropy.
    digest: Mapped[int | None] = mapped_column(BigInteger)
    #: A data subject's restriction of processing covers it: it syncs to information governance
    #: only, until the restriction is lifted (see fieldkit_server.rights).
    #: (Only a server default: inserts that do not name it, old schemas' included, read false.)
    processing_restricted: Mapped[bool] = mapped_column(Boolean, server_default=false())
    #: Commit position of the last change to the record; pulls page by it.
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(_STAMP)
    updated_at: Mapped[datetime] = mapped_column(_STAMP)
    #: The owning agency: its creator's agency when it was created. Null for the server's own
    #: records (reference data), which every agency's users may see as their role allows.
    agency: Mapped[str | None] = mapped_column(String(16))
    #: The record's categories as ``,a,b,`` (policy.category_text), for agreements that share
    #: only some categories; null for a record without categories.
    categories: Mapped[str | None] = mapped_column(Text)
    #: The agency a record is sent to (a referral's ``to_agency``): its users in district see it.
    to_agency: Mapped[str | None] = mapped_column(String(16))
    #: The commit position from which the record's scope columns (those ``pull.visible`` reads)
    #: have held their present values. Kept by database triggers (never written by the server's
    #: code), as are the ``record_scopes`` rows that keep the values before.
    scope_seq: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_records_district_seq", "district", "seq"),)


class RecordScope(Base):
    """A record's scope columns as they were over a stretch of its commit positions.

    Written by a trigger on ``records`` whenever a change moves a record's scope (district,
    restriction, addressee, agency, categories, ...): the old values, and the first and last
    positions the record had with them. With ``HoldingRange`` it answers "may this device
    have been sent this record?" without a row per record sent.
    """

    __tablename__ = "record_scopes"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(_UUID, index=True)
    #: First and last commit positions of the record with these values (inclusive).
    from_seq: Mapped[int] = mapped_column(BigInteger)
    to_seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    district: Mapped[str | None] = mapped_column(String(32))
    restricted: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[str | None] = mapped_column(_UUID)
    addressee: Mapped[str | None] = mapped_column(_UUID)
    processing_restricted: Mapped[bool] = mapped_column(Boolean)
    agency: Mapped[str | None] = mapped_column(String(16))
    categories: Mapped[str | None] = mapped_column(Text)
    to_agency: Mapped[str | None] = mapped_column(String(16))


class Change(Base):
    """Every change a push carried, applied or not: what makes a replay a duplicate."""

    __tablename__ = "changes"

    change_id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    device_id: Mapped[str | None] = mapped_column(_UUID)
    user_id: Mapped[str | None] = mapped_column(_UUID)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(_UUID, index=True)
    op: Mapped[str] = mapped_column(String(8))
    hlc: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(_STAMP)


class Conflict(Base):
    """Two writers changed one field without seeing each other's value: for supervisor review."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(_UUID, index=True)
    district: Mapped[str | None] = mapped_column(String(32), index=True)
    field: Mapped[str] = mapped_column(String(64))
    #: JSON text of each value.
    kept_value: Mapped[str] = mapped_column(Text)
    kept_hlc: Mapped[str] = mapped_column(String(100))
    other_value: Mapped[str] = mapped_column(Text)
    other_hlc: Mapped[str] = mapped_column(String(100))
    change_id: Mapped[str] = mapped_column(_UUID)
    device_id: Mapped[str | None] = mapped_column(_UUID)
    user_id: Mapped[str | None] = mapped_column(_UUID)
    detected_at: Mapped[datetime] = mapped_column(_STAMP)
    resolved_at: Mapped[datetime | None] = mapped_column(_STAMP)
    resolved_by: Mapped[str | None] = mapped_column(_UUID)


class RecordLink(Base):
    """A record's link to other work whose restriction it inherits (see policy.LINK_FIELDS).

    Kept while the link is in the record's fields, whether or not the linked record has arrived,
    so that the server finds a record's dependents when the work they link to changes.
    """

    __tablename__ = "record_links"

    record_id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    target_id: Mapped[str] = mapped_column(_UUID, primary_key=True, index=True)


class Holding(Base):
    """One record disclosed to a device outside a pull's pages (an anti-entropy fetch), or
    before holdings were kept as ranges: what the device may hold, so purges can be listed."""

    __tablename__ = "holdings"

    device_id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    record_id: Mapped[str] = mapped_column(_UUID, primary_key=True)


class HoldingRange(Base):
    """The commit positions a device was served under one scope, and who it served them to.

    A pull page widens its scope's range (one row per device and scope, not one per record):
    the device may hold any record that had a position in the range while the policy, for the
    principal kept here, let it see the record. Purges are found from these ranges, the
    record's scope history (``RecordScope``) and the per-record ``Holding`` rows.
    """

    __tablename__ = "holding_ranges"

    device_id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: The principal the scope digest stands for, as JSON (pull.principal_text).
    principal: Mapped[str] = mapped_column(Text)
    #: Positions after ``after_seq`` up to ``upto_seq`` (inclusive) were served.
    after_seq: Mapped[int] = mapped_column(BigInteger)
    upto_seq: Mapped[int] = mapped_column(BigInteger)


class AuditEvent(Base):
    """The s62 log: append-only (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    #: The client's id for a client event (idempotent); null for server events.
    event_id: Mapped[str | None] = mapped_column(_UUID, unique=True)
    at: Mapped[datetime] = mapped_column(_STAMP)
    received_at: Mapped[datetime] = mapped_column(_STAMP, index=True)
    source: Mapped[str] = mapped_column(String(8))
    action: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(_UUID)
    device_id: Mapped[str | None] = mapped_column(_UUID)
    actor: Mapped[str | None] = mapped_column(String(200))
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(_UUID, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    recipient: Mapped[str | None] = mapped_column(Text)
    #: JSON text: field names altered, record ids disclosed, a refusal's reason. Never values.
    detail: Mapped[str | None] = mapped_column(Text)


# Device attestation: what the server acknowledged of each laptop, and what did not add up ----


class DeviceHead(Base):
    """The laptop state the server last acknowledged for a device: audit chain head and counter.

    At its next sync the laptop must show a chain that extends this head (its own entry number
    ``audit_count`` has ``audit_hash``) and a change counter not below ``change_seq``.
    """

    __tablename__ = "device_heads"

    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    audit_count: Mapped[int] = mapped_column(BigInteger)
    audit_hash: Mapped[str] = mapped_column(String(64))
    change_seq: Mapped[int] = mapped_column(BigInteger)
    acknowledged_at: Mapped[datetime] = mapped_column(_STAMP)


class AuditChainLink(Base):
    """Where a laptop's audit event sits in its hash chain, as the laptop numbered it."""

    __tablename__ = "audit_chain_links"

    event_id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    device_id: Mapped[str] = mapped_column(_UUID)
    position: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_chain_links_device_position", "device_id", "position"),)


class DeviceAlert(Base):
    """A rolled-back laptop or a gap in its numbered audit events, for supervisors to see.

    ``acknowledged_*`` is what the server expected (the head it acknowledged, or the audit
    position it held); ``shown_*`` is what the laptop showed instead. Never record data.
    """

    __tablename__ = "device_alerts"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    device_id: Mapped[str] = mapped_column(_UUID, index=True)
    user_id: Mapped[str] = mapped_column(_UUID, index=True)
    detected_at: Mapped[datetime] = mapped_column(_STAMP)
    acknowledged_count: Mapped[int | None] = mapped_column(BigInteger)
    acknowledged_hash: Mapped[str | None] = mapped_column(String(64))
    acknowledged_seq: Mapped[int | None] = mapped_column(BigInteger)
    shown_count: Mapped[int | None] = mapped_column(BigInteger)
    shown_hash: Mapped[str | None] = mapped_column(String(64))
    shown_seq: Mapped[int | None] = mapped_column(BigInteger)


# Data protection: retention decisions -------------------------------------------------------


class RetentionDecision(Base):
    """A governance decision on a record whose retention period was up: keep, anonymise, erase.

    Never record data: the record's type and id, the decision, the reason given (why, never the
    data itself) and, for a record kept, when it is to be reviewed again.
    """

    __tablename__ = "retention_decisions"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(_UUID, index=True)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    review_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(_STAMP)


class RightsRequest(Base):
    """A data subject's request: access, rectification or restriction, with its deadline.

    ``detail`` (what is asked or disputed) and ``decision`` are the governance officer's words;
    the s62 log names the request, never them.
    """

    __tablename__ = "rights_requests"

    id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[str] = mapped_column(_UUID, index=True)
    received_on: Mapped[date] = mapped_column(Date)
    extended_reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(_STAMP)
    #: For a restriction: when the person's records were restricted, and when it was lifted.
    restricted_from: Mapped[datetime | None] = mapped_column(_STAMP)
    lifted_at: Mapped[datetime | None] = mapped_column(_STAMP)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(_STAMP)


class GazetteerAddress(Base):
    """An address from the partnership's gazetteer (reference data: no personal data in it).

    ``version`` is the change number of the row's last change, unique across the table, so a
    laptop asks for what changed after the number it holds. A removed address stays as a
    tombstone (``removed``, its text emptied) for the laptops that still hold it.
    """

    __tablename__ = "gazetteer_address"

    uprn: Mapped[str] = mapped_column(String(12), primary_key=True)
    address: Mapped[str] = mapped_column(Text)
    postcode: Mapped[str] = mapped_column(String(10))
    landmark: Mapped[str] = mapped_column(String(120), default="", server_default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    version: Mapped[int] = mapped_column(BigInteger, index=True, unique=True)
    removed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# Information sharing between agencies ----------------------------------------------------------


class Agreement(Base):
    """An information-sharing agreement: which agencies share which record types, why and when.

    ``agencies``, ``types`` and ``categories`` are JSON lists (no categories: every category
    of the types). In force from ``start`` to ``end`` inclusive, unless ended early.
    """

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    agencies: Mapped[str] = mapped_column(Text)
    types: Mapped[str] = mapped_column(Text)
    categories: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(_STAMP)
    created_by: Mapped[str] = mapped_column(String(200))
    #: Ended before its end date (``agreement end``): from then on it shares nothing.
    ended_at: Mapped[datetime | None] = mapped_column(_STAMP)
    ended_by: Mapped[str | None] = mapped_column(String(200))


class CrimeMonth(Base):
    """One police force's month of recorded crime, as last imported; ``seq`` orders imports."""

    __tablename__ = "crime_months"

    force: Mapped[str] = mapped_column(String(200), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    #: Raised on every import that touches the month, so laptops fetch only what changed.
    seq: Mapped[int] = mapped_column(_BIG_ID, index=True)
    rows: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(_STAMP)


class RecordedCrime(Base):
    """A crime as the police publish it: month, type, and a street-centre point (or none)."""

    __tablename__ = "recorded_crime"
    __table_args__ = (Index("ix_recorded_crime_force_month", "force", "month"),)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    force: Mapped[str] = mapped_column(String(200))
    month: Mapped[str] = mapped_column(String(7))
    crime_type: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    lsoa_code: Mapped[str] = mapped_column(String(9))
    crime_id: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(200))


class FileBlob(Base):
    """An evidence file the server holds (or is receiving), named by its SHA-256.

    Its chunks live in the blob store (``fieldkit_server.blobs``); ``complete`` is set once
    every chunk is in and the whole file's hash checked.
    """

    __tablename__ = "file_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    chunk_size: Mapped[int] = mapped_column(Integer)
    chunk_count: Mapped[int] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(_STAMP)


class FileName(Base):
    """A live attachment record naming an evidence file (its file or its thumbnail).

    Kept in step by the push path, so a file request finds the records naming its file by index.
    """

    __tablename__ = "file_names"

    record_id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class FileChunk(Base):
    """One chunk of a file the blob store holds, with its SHA-256."""

    __tablename__ = "file_chunks"

    sha256: Mapped[str] = mapped_column(
        ForeignKey("file_blobs.sha256", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
