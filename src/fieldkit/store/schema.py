"""The vault's tables: one per record type (columns from the domain specs) plus the journals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from fieldkit.domain.records import SPECS, FieldKind, FieldSpec, RecordType

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Meta(Base):
    """Facts about the vault itself: its id, owner, clock and audit head."""

    __tablename__ = "vault_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


#: The outbox operation of a local creation. Its row holds no fields: they are the record's
#: first version, which the record row (or, once it has changed, its history) keeps anyway, and
#: `replica.pending_changes` reads them from there and sends the change as an ``upsert``. An
#: import then writes each record's content once, not twice, and the outbox holds no second
#: copy of personal data.
CREATED = "create"


class Change(Base):
    """The outbox: every local create, update and delete, in the order it happened.

    ``op`` is ``upsert`` (``fields`` are the changed fields, ``base`` the versions they
    replaced), ``delete``, or `CREATED` (``fields`` and ``base`` empty: see there).
    """

    __tablename__ = "change_log"
    # AUTOINCREMENT: a local change number is never reused, even after the outbox is compacted.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    change_id: Mapped[str] = mapped_column(String(36), unique=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    op: Mapped[str] = mapped_column(String(8))
    hlc: Mapped[str] = mapped_column(String(96))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    base: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(32))
    pushed_at: Mapped[str | None] = mapped_column(String(32), index=True)


class HistoryEntry(Base):
    """A record's state before each change: nothing is overwritten without trace."""

    __tablename__ = "record_history"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    change_id: Mapped[str] = mapped_column(String(36))
    replaced_at: Mapped[str] = mapped_column(String(32))
    hlc: Mapped[str] = mapped_column(String(96))
    op: Mapped[str] = mapped_column(String(8))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    versions: Mapped[dict[str, str]] = mapped_column(JSON)


class VersionNote(Base):
    """Who made each version of a record, when and why (migration 0009); no field values.

    ``hlc`` is the record's ``updated_hlc`` once the change was applied: the state it names is
    the ``record_history`` row with that clock (or the record itself while it is current).
    """

    __tablename__ = "record_version"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    hlc: Mapped[str] = mapped_column(String(96))
    op: Mapped[str] = mapped_column(String(8))
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """An s62 log entry, chained to the one before by hash."""

    __tablename__ = "audit_log"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(String(36), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    recipient: Mapped[str | None] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[str | None] = mapped_column(String(32))


_COLUMN_TYPES: dict[FieldKind, Any] = {
    FieldKind.TEXT: Text,
    FieldKind.CHOICE: String(64),
    FieldKind.ID: String(36),
    FieldKind.DATE: String(10),
    FieldKind.DATETIME: String(32),
    FieldKind.BOOL: Boolean,
    FieldKind.INT: Integer,
    FieldKind.FLOAT: Float,
    FieldKind.POSTCODE: String(8),
    FieldKind.URL: Text,
    FieldKind.SHA256: String(64),
}

#: Columns queried by screens and analytics; everything else is read by id.
_INDEXED: dict[RecordType, tuple[str, ...]] = {
    RecordType.PERSON: ("district", "date_of_birth"),
    RecordType.PLACE: ("district", "postcode"),
    RecordType.VISIT: ("occurred_at", "place_id", "district", "follow_up_due"),
    RecordType.WARNING: ("person_id", "district"),
    RecordType.SIGNPOSTING: ("person_id",),
    RecordType.TENANCY_CASE: ("place_id", "district"),
    RecordType.TENANCY_NOTE: ("case_id", "written_at"),
    RecordType.CLOSURE: ("case_id",),
    RecordType.DOCUMENT: ("subject_id",),
    RecordType.SERVICE: (),
    RecordType.REVIEW: ("subject_id", "decided_at", "officer"),
    RecordType.ASB_CASE: ("district", "status", "owner", "next_review_on"),
    RecordType.ASB_PARTY: ("case_id", "person_id"),
    RecordType.ASB_RISK: ("case_id",),
    RecordType.ASB_ACTION: ("case_id", "assignee", "due_on", "meeting_id"),
    RecordType.COMMUNITY_TRIGGER: ("applicant_id", "district", "decision_due"),
    RecordType.MEETING: ("district", "held_on"),
    RecordType.REFERRAL: ("source_id", "person_id", "district", "status"),
    RecordType.ATTACHMENT: ("owner_id", "sha256"),
}


def _column(spec: FieldSpec) -> Column[Any]:
    kind = JSON if spec.is_list else _COLUMN_TYPES[spec.kind]
    return Column(spec.name, kind, nullable=True)


def _record_table(record_type: RecordType) -> Table:
    spec = SPECS[record_type]
    table = Table(
        record_type.value,
        Base.metadata,
        Column("id", String(36), primary_key=True),
        *(_column(f) for f in spec.fields),
        Column("versions", JSON, nullable=False),
        Column("deleted", Boolean, nullable=False, default=False),
        Column("updated_hlc", String(96), nullable=False),
    )
    for name in _INDEXED[record_type]:
        Index(f"ix_{record_type.value}_{name}", table.c[name])
    return table


RECORD_TABLES: dict[RecordType, Table] = {t: _record_table(t) for t in RecordType}

# High-risk ASB cases without reading the assessments (store/asb_cases.py; migration 0012).
Index(
    "ix_asb_risk_assessment_band",
    *(
        RECORD_TABLES[RecordType.ASB_RISK].c[name]
        for name in ("band", "deleted", "case_id", "person_id", "assessed_at", "updated_hlc")
    ),
)
# For the intelligence pictures (store/analytics.py; migration 0004).
Index("ix_warning_issued_at", RECORD_TABLES[RecordType.WARNING].c.issued_at)
Index("ix_closure_status", RECORD_TABLES[RecordType.CLOSURE].c.status)
# Covering: a year of visits is counted from the index alone, without reading the rows.
Index(
    "ix_visit_analytics",
    *(
        RECORD_TABLES[RecordType.VISIT].c[name]
        for name in (
            "occurred_at",
            "district",
            "deleted",
            "sensitivity",
            "place_id",
            "categories",
            "person_ids",
        )
    ),
)
# Dates a person's visits (found through visit_person) without reading the visit rows.
Index(
    "ix_visit_id_occurred_at",
    RECORD_TABLES[RecordType.VISIT].c.id,
    RECORD_TABLES[RecordType.VISIT].c.occurred_at,
    RECORD_TABLES[RecordType.VISIT].c.deleted,
)

# "My recent visits" on Today: an officer's visits, newest first, without scanning everyone's
# (migration 0005).
Index(
    "ix_visit_officer_occurred",
    RECORD_TABLES[RecordType.VISIT].c.officer_id,
    RECORD_TABLES[RecordType.VISIT].c.occurred_at,
)

#: Which people a visit involved, so a person's timeline is an index look-up, not a scan.
visit_person = Table(
    "visit_person",
    Base.metadata,
    Column("visit_id", String(36), ForeignKey("visit.id"), primary_key=True),
    Column("person_id", String(36), primary_key=True, index=True),
)

#: Work with no decision since its latest version arrived. Both times are UTC ISO 8601 text, one
#: to the second and one to the millisecond: compared to the second, so a decision made in the
#: same second as an arrival counts as following it.
WAITING = (
    "(record_origin.decided_at IS NULL OR "
    "substr(record_origin.decided_at, 1, 19) < substr(record_origin.changed_at, 1, 19))"
)

#: Who wrote each record that arrived by sync, and when it first arrived: what a supervisor's
#: review queue is made of (migration 0006). Records written on this laptop have no row.
record_origin = Table(
    "record_origin",
    Base.metadata,
    Column("record_id", String(36), primary_key=True),
    Column("record_type", String(32), nullable=False),
    Column("author", String(100), nullable=True),
    Column("received_at", String(32), nullable=False),
    #: When a version newer than the one last reviewed arrived (the first arrival, at first).
    Column("changed_at", String(32), nullable=False),
    # What the review queue filters and counts on, so that it reads one table: copied from the
    # record when it arrives (store/review_queue.py, `described`): district, the work's own
    # date, its categories (a warning's or signposting's through its visit), whether it is
    # deleted; and the newest decision about it, kept by triggers on `review` (migration 0006).
    Column("district", String(64), nullable=True),
    Column("dated", String(32), nullable=True),
    Column("categories", JSON, nullable=True),
    Column("deleted", Boolean, nullable=True),
    Column("decided_at", String(32), nullable=True),
    Index("ix_record_origin_changed", "changed_at"),
    Index("ix_record_origin_author", "author"),
    # The waiting work alone, newest first, with what the queue filters on: listing and counting
    # read this index, not the table (store/review_queue.py uses WAITING word for word).
    Index(
        "ix_record_origin_waiting",
        "changed_at",
        "record_type",
        "deleted",
        "author",
        "district",
        "dated",
        "categories",
        sqlite_where=text(WAITING),
    ),
)

#: Maps full-text index rows to records (FTS5 rows need a stable integer id).
search_doc = Table(
    "search_doc",
    Base.metadata,
    Column("rowid", Integer, primary_key=True, autoincrement=True),
    Column("record_type", String(32), nullable=False),
    Column("record_id", String(36), nullable=False, unique=True),
)

#: The keys each person is found by (their words, spelling-variant keys, name groups, sounds;
#: see domain/names.py): a typed name is looked up by key instead of reading every person.
person_name_key = Table(
    "person_name_key",
    Base.metadata,
    Column("key", String(100), primary_key=True),
    Column("person_id", String(36), primary_key=True, index=True),
    sqlite_with_rowid=False,
)


class Draft(Base):
    """A form in progress, kept in the vault so nothing is lost when the app closes or locks."""

    __tablename__ = "draft"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[str] = mapped_column(String(32))


class DocumentFile(Base):
    """A printed document's PDF, kept inside the encrypted vault to reprint or print later."""

    __tablename__ = "document_file"
    document_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[str] = mapped_column(String(32))


#: The address gazetteer: reference data from the server, searched by `gazetteer_search_index`
#: (FTS5, kept in step by triggers; migration 0017). Not a record table: not sealed, not synced up.
gazetteer_address = Table(
    "gazetteer_address",
    Base.metadata,
    Column("uprn", String(12), primary_key=True),
    Column("address", Text, nullable=False),
    Column("postcode", String(10), nullable=False),
    Column("landmark", String(120), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Index("ix_gazetteer_address_lat", "lat", "lon"),
)


class Blob(Base):
    """An evidence file held in the vault, named by its SHA-256 (migration 0019).

    Its content is in ``blob_chunk``. ``complete`` is set only once every chunk is present and
    the whole file's hash checked: until then (a file still arriving by sync) nothing reads it.
    """

    __tablename__ = "blob"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    chunk_size: Mapped[int] = mapped_column(Integer)
    chunk_count: Mapped[int] = mapped_column(Integer)
    complete: Mapped[bool] = mapped_column(Boolean)
    #: The server holds it whole (it was uploaded, or it came from there).
    uploaded: Mapped[bool] = mapped_column(Boolean)
    added_at: Mapped[str] = mapped_column(String(32))


class BlobChunk(Base):
    """One piece of an evidence file, with its own SHA-256 (so a download resumes per piece)."""

    __tablename__ = "blob_chunk"
    sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("blob.sha256", ondelete="CASCADE"), primary_key=True
    )
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
