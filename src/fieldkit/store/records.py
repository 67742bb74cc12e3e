"""Reading and writing records: each write also keeps history, the change log, audit and search."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import InitVar, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    RowMapping,
    delete,
    insert,
    select,
    text,
    update,
)

from fieldkit.domain import corrections
from fieldkit.domain.hlc import Hlc, HlcClock
from fieldkit.domain.names import NameRules, shipped_name_rules
from fieldkit.domain.records import (
    SPECS,
    FieldError,
    RecordType,
    ValidationError,
    new_id,
    new_ordered_id,
    new_ordered_ids,
    normalise_id,
    record_spec,
    validate_fields,
)
from fieldkit.store import audit, blobs, name_index, search
from fieldkit.store.errors import RecordNotFoundError
from fieldkit.store.schema import (
    CREATED,
    RECORD_TABLES,
    AuditEntry,
    Change,
    DocumentFile,
    HistoryEntry,
    VersionNote,
    record_origin,
    visit_person,
)
from fieldkit.store.transaction import Transaction, connection
from fieldkit.wire import json_text


@dataclass(frozen=True)
class StoredRecord:
    """A record as the vault holds it: fields plus the clock version of each field."""

    type: RecordType
    id: str
    fields: Mapping[str, object]
    versions: Mapping[str, str]
    deleted: bool
    updated_hlc: str


@dataclass(frozen=True)
class NewRecord:
    """A record to create: its type, its id (or None for a fresh one) and its wire fields."""

    type: str
    fields: Mapping[str, object]
    id: str | None = None


#: Only `check_record` holds this: a `CheckedRecord` cannot be made by accident.
_CHECKED = object()


@dataclass(frozen=True)
class CheckedRecord:
    """A new record whose fields `check_record` validated and normalised.

    The store writes it as it is, without validating again (an import checks every line first,
    then stores them). Made only by `check_record`: constructing one directly raises.
    """

    type: RecordType
    fields: Mapping[str, object]
    id: str | None
    checked_on: date
    # Not a field: `dataclasses.replace` cannot carry it over to a copy with other fields.
    token: InitVar[object] = None

    def __post_init__(self, token: object) -> None:
        if token is not _CHECKED:
            raise TypeError("a CheckedRecord is made by check_record only")


def check_record(new: NewRecord, *, today: date) -> CheckedRecord:
    """Validate and normalise a new record once, for `RecordRepository.create_many` to trust.

    Args:
        new: the record as read (wire type name, wire fields, id or None).
        today: the date future dates of birth are refused against (the vault's clock).

    Raises:
        ValidationError: naming every wrong field (or the type, or the id).
    """
    record_type = record_spec(new.type).type
    fields = validate_fields(record_type.value, new.fields, today=today)
    try:
        record_id = normalise_id(new.id) if new.id is not None else None
    except ValueError as exc:
        raise ValidationError([FieldError("id", str(exc))]) from None
    return CheckedRecord(record_type, fields, record_id, today, _CHECKED)


class RecordRepository:
    """Record access within one transaction; the caller owns the transaction and commits.

    Args:
        tx: a write (or, for reads, any) transaction from the vault.
        clock: the vault's hybrid logical clock.
        actor: who is acting, for the audit log.
        now: the wall clock, as an aware datetime.
        name_rules: the spelling-variant rules people's name keys are made with.
    """

    def __init__(
        self,
        tx: Transaction,
        *,
        clock: HlcClock,
        actor: str,
        now: Callable[[], datetime],
        name_rules: NameRules | None = None,
    ) -> None:
        self._tx = tx
        self._conn = connection(tx)
        self._clock = clock
        self._actor = actor
        self._now = now
        self._name_rules = name_rules or shipped_name_rules()

    # Reading ---------------------------------------------------------------------------------

    def get(self, record_type: RecordType, record_id: str) -> StoredRecord | None:
        table = RECORD_TABLES[record_type]
        row = self._conn.execute(select(table).where(table.c.id == record_id)).mappings().first()
        return to_record(record_type, row) if row is not None else None

    def require(self, record_type: RecordType, record_id: str) -> StoredRecord:
        record = self.get(record_type, record_id)
        if record is None or record.deleted:
            raise RecordNotFoundError(record_type.value)
        return record

    def get_many(self, record_type: RecordType, ids: Sequence[str]) -> list[StoredRecord]:
        table = RECORD_TABLES[record_type]
        rows = self._conn.execute(select(table).where(table.c.id.in_(list(ids)))).mappings()
        by_id = {r["id"]: to_record(record_type, r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def fields_of(
        self, record_type: RecordType, ids: Sequence[str], names: Sequence[str]
    ) -> dict[str, dict[str, object]]:
        """Only the named fields of records (deleted ones too, as `get_many`), by id.

        For a screen that shows a few columns of many records: no versions, nothing else read.
        """
        table = RECORD_TABLES[record_type]
        out: dict[str, dict[str, object]] = {}
        wanted = list(ids)
        for start in range(0, len(wanted), 500):
            query = select(table.c.id, *(table.c[n] for n in names)).where(
                table.c.id.in_(wanted[start : start + 500])
            )
            for row in self._conn.execute(query):
                out[row[0]] = dict(zip(names, row[1:], strict=True))
        return out

    def where(
        self, record_type: RecordType, column: str, values: Sequence[str]
    ) -> list[StoredRecord]:
        """Live records whose `column` holds one of `values` (an indexed column, ideally)."""
        table = RECORD_TABLES[record_type]
        rows = self._conn.execute(
            select(table).where(table.c[column].in_(list(values))).where(table.c.deleted.is_(False))
        ).mappings()
        return [to_record(record_type, r) for r in rows]

    def iter_all(
        self, record_type: RecordType, *, include_deleted: bool = False
    ) -> Iterable[StoredRecord]:
        table = RECORD_TABLES[record_type]
        query = select(table).order_by(table.c.id)
        if not include_deleted:
            query = query.where(table.c.deleted.is_(False))
        for row in self._conn.execute(query).mappings():
            yield to_record(record_type, row)

    def visit_ids_with_person(self, person_id: str) -> list[str]:
        """Ids of the live visits that involved a person, in the order they were linked."""
        query = select(visit_person.c.visit_id).where(visit_person.c.person_id == person_id)
        return [row[0] for row in self._conn.execute(query)]

    # Writing ---------------------------------------------------------------------------------

    def create(
        self, record_type: str, fields: Mapping[str, object], *, record_id: str | None = None
    ) -> StoredRecord:
        """Validate and store a new record.

        Raises:
            ValidationError: the fields are not valid, or the id is taken; nothing is written.
        """
        return self.create_many([NewRecord(record_type, fields, record_id)])[0]

    def create_many(self, records: Sequence[NewRecord | CheckedRecord]) -> list[StoredRecord]:
        """Validate and store new records in bulk (import); all or nothing.

        A `CheckedRecord` (validated by `check_record` against the same date) is stored as
        it is; a `NewRecord` is validated here.

        Raises:
            ValidationError: for the first invalid record; nothing is written.
        """
        if not records:
            return []  # an executemany of no rows would run its statement once, unbound
        prepared: list[StoredRecord] = []
        millis: list[int] = []  # each record's clock time, for its outbox entry's id
        today = self._now().date()
        clock = self._clock
        for new in records:
            if not isinstance(new, CheckedRecord) or new.checked_on != today:
                new = check_record(
                    new if isinstance(new, NewRecord) else _unchecked(new), today=today
                )
            stamp = clock.now()
            hlc = str(stamp)
            millis.append(stamp.millis)
            fields = new.fields
            prepared.append(
                StoredRecord(
                    new.type,
                    new.id if new.id is not None else new_id(),
                    fields,
                    dict.fromkeys(fields, hlc),
                    False,
                    hlc,
                )
            )
        self._reject_taken_ids(prepared)
        at = self._stamp()
        by_type: dict[RecordType, list[StoredRecord]] = {}
        for record in prepared:
            by_type.setdefault(record.type, []).append(record)
        for record_type, group in by_type.items():
            _insert_new_rows(self._conn, record_type, group)
            if record_type is RecordType.VISIT:
                self._link_people(group)
            if record_type in search.SEARCHABLE_TYPES:
                search.insert_new(
                    self._conn,
                    record_type,
                    ((r.id, search.index_text(record_type, r.fields)) for r in group),
                )
            if record_type is RecordType.PERSON:
                name_index.put(self._conn, self._name_rules, ((r.id, r.fields) for r in group))
        self._conn.exec_driver_sql(
            _INSERT_CHANGE,
            [
                _created_change(r, change_id, at)
                for r, change_id in zip(prepared, new_ordered_ids(millis), strict=True)
            ],
        )
        self._audit(audit.AuditAction.CREATE, [(r.type, r.id) for r in prepared], at)
        return prepared

    def update(
        self,
        record_type: RecordType,
        record_id: str,
        changes: Mapping[str, object],
        *,
        reason: str | None = None,
    ) -> StoredRecord:
        """Change some fields of a record, keeping its prior state in the history.

        ``reason`` (why it was changed) goes into the audit entry and the version's note.

        Raises:
            RecordNotFoundError: no such live record.
            ValidationError: the record would be invalid; nothing is written.
        """
        current = self.require(record_type, record_id)
        unknown = [
            FieldError(n, "unknown field") for n in changes if n not in SPECS[record_type].by_name
        ]
        if unknown:
            raise ValidationError(unknown)
        merged = validate_fields(
            record_type.value, {**current.fields, **changes}, today=self._now().date()
        )
        changed = {k: v for k, v in merged.items() if current.fields.get(k) != v}
        if not changed:
            return current
        hlc = str(self._clock.now())
        at = self._stamp()
        versions = {**current.versions, **dict.fromkeys(changed, hlc)}
        record = StoredRecord(record_type, record_id, merged, versions, False, hlc)
        change = _change(
            record, "upsert", changed, {k: current.versions.get(k, "") for k in changed}, at
        )
        self._keep_history(current, change)
        table = RECORD_TABLES[record_type]
        self._conn.execute(update(table).where(table.c.id == record_id).values(_row(record)))
        if record_type is RecordType.VISIT and "person_ids" in changed:
            self._conn.execute(visit_person.delete().where(visit_person.c.visit_id == record_id))
            self._link_people([record])
        if record_type in search.SEARCHABLE_TYPES:
            search.upsert(
                self._conn, record_type, record_id, search.index_text(record_type, merged)
            )
        if record_type is RecordType.PERSON:
            name_index.put(self._conn, self._name_rules, [(record_id, merged)])
        self._log_changes([change])
        self._note([(record_type, record_id, hlc)], "update", at, reason=reason)
        self._audit(audit.AuditAction.UPDATE, [(record_type, record_id)], at, reason=reason)
        return record

    def delete(self, record_type: RecordType, record_id: str, *, reason: str | None = None) -> None:
        """Erase a record: it becomes a tombstone that keeps only its scope.

        Its earlier versions (history), the content of its changes in the outbox, its version
        notes, its search entry and name keys, a document's stored file and a visit's links go
        with it. The delete goes to the server unless the server never had the record. What
        is left is the tombstone (id, scope, clock) and the audit entry saying it was erased,
        with ``reason``. The caller should `Vault.compact` after committing, so that freed
        pages holding the old content are rewritten.

        Raises:
            RecordNotFoundError: no such live record.
        """
        current = self.require(record_type, record_id)
        hlc = str(self._clock.now())
        at = self._stamp()
        sent = self._server_may_hold(record_id)
        forget(self._conn, record_type, record_id)
        table = RECORD_TABLES[record_type]
        self._conn.execute(
            update(table)
            .where(table.c.id == record_id)
            .values(
                **corrections.tombstone_fields(record_type, current.fields),
                versions={},
                deleted=True,
                updated_hlc=hlc,
            )
        )
        if sent:
            self._log_changes([_change(current, "delete", {}, dict(current.versions), at, hlc=hlc)])
        self._note([(record_type, record_id, hlc)], "delete", at, reason=reason)
        self._audit(audit.AuditAction.DELETE, [(record_type, record_id)], at, reason=reason)
        if record_type is not RecordType.ATTACHMENT:
            # Photos and files go with the record they belong to, each erased everywhere.
            for attachment_id in blobs.attachments_of(self._conn, [record_id]):
                self.delete(RecordType.ATTACHMENT, attachment_id, reason=reason)

    def history(self, record_type: RecordType, record_id: str) -> list[corrections.Version]:
        """Every version of a record this vault keeps, oldest first (a tombstone's is empty).

        Raises:
            RecordNotFoundError: no such record, live or erased.
        """
        current = self.get(record_type, record_id)
        if current is None:
            raise RecordNotFoundError(record_type.value)
        rows = self._conn.execute(
            select(HistoryEntry.hlc, HistoryEntry.fields)
            .where(HistoryEntry.record_id == record_id)
            .where(HistoryEntry.record_type == record_type.value)
            .order_by(HistoryEntry.seq)
        ).all()
        states = [corrections.State(hlc, fields) for hlc, fields in rows]
        states.append(corrections.State(current.updated_hlc, current.fields, current.deleted))
        notes = [
            corrections.Note(hlc, op, at, actor, reason)
            for hlc, op, at, actor, reason in self._conn.execute(
                select(
                    VersionNote.hlc,
                    VersionNote.op,
                    VersionNote.at,
                    VersionNote.actor,
                    VersionNote.reason,
                )
                .where(VersionNote.record_id == record_id)
                .order_by(VersionNote.seq)
            ).all()
        ]
        # A creation has no note (imports and first syncs write many): its audit entry, or
        # for a record that came by sync its origin, says who and when.
        created = self._conn.execute(
            select(AuditEntry.at, AuditEntry.actor)
            .where(AuditEntry.record_id == record_id)
            .where(AuditEntry.action == audit.AuditAction.CREATE.value)
            .order_by(AuditEntry.seq)
            .limit(1)
        ).first()
        if created is None:
            created = self._conn.execute(
                select(record_origin.c.received_at, record_origin.c.author).where(
                    record_origin.c.record_id == record_id
                )
            ).first()
        if created is not None and states:
            notes.append(corrections.Note(states[0].hlc, "create", created[0], created[1], None))
        return corrections.versions(states, notes)

    # Internals -------------------------------------------------------------------------------

    def _audit(
        self,
        action: audit.AuditAction,
        records: Sequence[tuple[RecordType, str]],
        at: str,
        *,
        reason: str | None = None,
    ) -> None:
        audit.append_records(
            self._tx,
            at=at,
            actor=self._actor,
            action=action,
            records=[(record_type.value, record_id) for record_type, record_id in records],
            reason=reason,
        )

    def _note(
        self,
        records: Sequence[tuple[RecordType, str, str]],
        op: str,
        at: str,
        *,
        reason: str | None = None,
    ) -> None:
        if records:
            self._conn.execute(
                insert(VersionNote),
                [
                    {
                        "record_type": t.value,
                        "record_id": i,
                        "hlc": h,
                        "op": op,
                        "at": at,
                        "actor": self._actor,
                        "reason": reason,
                    }
                    for t, i, h in records
                ],
            )

    def _server_may_hold(self, record_id: str) -> bool:
        """Whether the record came by sync or any change to it has gone up."""
        pushed = self._conn.execute(
            select(Change.seq)
            .where(Change.record_id == record_id, Change.pushed_at.is_not(None))
            .limit(1)
        ).first()
        pulled = self._conn.execute(
            select(record_origin.c.record_id).where(record_origin.c.record_id == record_id)
        ).first()
        return pushed is not None or pulled is not None

    def _stamp(self) -> str:
        return self._now().isoformat(timespec="milliseconds")

    def _reject_taken_ids(self, records: Sequence[StoredRecord]) -> None:
        ids = [r.id for r in records]
        if len(set(ids)) != len(ids):
            raise ValidationError([FieldError("id", "appears more than once")])
        for record_type in {r.type for r in records}:
            wanted = [r.id for r in records if r.type is record_type]
            # One statement for the lot: the ids as one JSON array, probed on the primary key.
            taken = self._conn.exec_driver_sql(_FIRST_TAKEN[record_type], (_dumps(wanted),)).first()
            if taken is not None:
                # A record id is a random UUID, not personal data: naming it lets an
                # importer find the line.
                raise ValidationError([FieldError("id", f"{taken[0]} is already in the vault")])

    def _link_people(self, visits: Sequence[StoredRecord]) -> None:
        links = [
            (v.id, p)
            for v in visits
            for p in v.fields.get("person_ids") or []  # type: ignore[attr-defined]
        ]
        if links:
            self._conn.exec_driver_sql(_INSERT_LINK, links)

    def _keep_history(self, prior: StoredRecord, change: dict[str, Any]) -> None:
        self._conn.execute(
            insert(HistoryEntry).values(
                record_type=prior.type.value,
                record_id=prior.id,
                change_id=change["change_id"],
                replaced_at=change["created_at"],
                hlc=prior.updated_hlc,
                op=change["op"],
                fields=dict(prior.fields),
                versions=pack_versions(prior.versions, SPECS[prior.type].by_name),
            )
        )

    def _log_changes(self, changes: list[dict[str, Any]]) -> None:
        if changes:
            self._conn.execute(insert(Change), changes)


#: Per record table, the first of some ids already taken (built once: every save asks).
_FIRST_TAKEN = {
    record_type: f'SELECT id FROM "{table.name}" '  # noqa: S608 - names from the schema
    "WHERE id IN (SELECT value FROM json_each(?)) LIMIT 1"
    for record_type, table in RECORD_TABLES.items()
}


def _unchecked(record: CheckedRecord) -> NewRecord:
    # Checked against another day (an import that ran past midnight): check it again.
    return NewRecord(record.type.value, record.fields, record.id)


# The bulk write path (import): plain driver statements with parameters built as tuples,
# each JSON column encoded once, exactly as SQLAlchemy's JSON type would (`json.dumps`), so a
# row is byte for byte what the ORM path stores (tests/store/test_bulk_rows.py). The seal
# triggers fire on these inserts as on any other.


def _insert_sql(table: str, names: Sequence[str]) -> str:
    columns = ", ".join(f'"{n}"' for n in names)
    marks = ", ".join("?" for _ in names)
    return f'INSERT INTO "{table}" ({columns}) VALUES ({marks})'  # noqa: S608 - names from the schema


@dataclass(frozen=True)
class _RowShape:
    """How a record table's row is written in bulk: the statement and which fields are JSON."""

    sql: str
    fields: tuple[tuple[str, bool], ...]


def _row_shape(record_type: RecordType) -> _RowShape:
    table = RECORD_TABLES[record_type]
    names = list(SPECS[record_type].by_name)
    fields = tuple((n, isinstance(table.c[n].type, JSON)) for n in names)
    assert isinstance(table.c.deleted.type, Boolean)
    return _RowShape(
        _insert_sql(table.name, ["id", *names, "versions", "deleted", "updated_hlc"]), fields
    )


_ROW_SHAPES = {record_type: _row_shape(record_type) for record_type in RECORD_TABLES}
_INSERT_CHANGE = _insert_sql(
    Change.__tablename__,
    [
        "change_id",
        "record_type",
        "record_id",
        "op",
        "hlc",
        "fields",
        "base",
        "created_at",
        "pushed_at",
    ],
)
_INSERT_LINK = _insert_sql(visit_person.name, ["visit_id", "person_id"])
_dumps = json_text.encoder()  # json.dumps, the encoder made once


def _insert_new_rows(
    conn: Connection, record_type: RecordType, group: Sequence[StoredRecord]
) -> None:
    """Insert new records' rows, one `executemany` for the lot."""
    shape = _ROW_SHAPES[record_type]
    names = SPECS[record_type].by_name
    rows = []
    for record in group:
        values = record.fields
        row: list[object] = [record.id]
        for name, is_json in shape.fields:
            value = values[name]
            row.append(("[]" if value == [] else _dumps(value)) if is_json else value)
        # A new record has one version (its clock) for every field: packed, that is {"*": it},
        # written as json.dumps writes that dict (one key, so no per-record dict to encode).
        hlc = record.updated_hlc
        versions = (
            f'{{"*": {_dumps(hlc)}}}'
            if record.versions == dict.fromkeys(names, hlc)
            else _dumps(pack_versions(record.versions, names))
        )
        row += (versions, 1 if record.deleted else 0, hlc)
        rows.append(tuple(row))
    conn.exec_driver_sql(shape.sql, rows)


def _created_change(record: StoredRecord, change_id: str, at: str) -> tuple[object, ...]:
    """A new record's outbox row, as a tuple: a `CREATED` entry, naming its first version."""
    hlc = record.updated_hlc
    return (change_id, record.type.value, record.id, CREATED, hlc, "{}", "{}", at, None)


def _change(
    record: StoredRecord,
    op: str,
    fields: dict[str, object],
    base: dict[str, str],
    at: str,
    *,
    hlc: str | None = None,
) -> dict[str, Any]:
    return {
        "change_id": new_ordered_id(Hlc.parse(hlc or record.updated_hlc).millis),
        "record_type": record.type.value,
        "record_id": record.id,
        "op": op,
        "hlc": hlc or record.updated_hlc,
        "fields": fields,
        "base": {k: v for k, v in base.items() if v},
        "created_at": at,
        "pushed_at": None,
    }


def pack_versions(versions: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """Field versions as stored: the commonest under ``"*"``, only the others by name.

    A record created in one go has one version for every field; spelling it out per field made
    the versions column the largest part of a visit row. Packed only when every field of the
    type has a version, so unpacking gives back exactly what was packed.
    """
    if not versions or set(versions) != set(names):
        return dict(versions)
    values = list(versions.values())
    first = values[0]
    if values.count(first) == len(values):  # one version for every field (a new record)
        return {"*": first}
    common = max(set(values), key=values.count)
    return {"*": common, **{k: v for k, v in versions.items() if v != common}}


def unpack_versions(stored: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """The per-field versions of a stored record (every field when ``"*"`` is present)."""
    common = stored.get("*")
    if common is None:
        return dict(stored)
    return {name: stored.get(name, common) for name in names}


def _row(record: StoredRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        **record.fields,
        "versions": pack_versions(record.versions, SPECS[record.type].by_name),
        "deleted": record.deleted,
        "updated_hlc": record.updated_hlc,
    }


def to_record(record_type: RecordType, row: RowMapping) -> StoredRecord:
    """A record table's row as the record it holds."""
    names = SPECS[record_type].by_name
    return StoredRecord(
        record_type,
        row["id"],
        {k: row[k] for k in names},
        unpack_versions(row["versions"], names),
        bool(row["deleted"]),
        row["updated_hlc"],
    )


def forget(conn: Connection, record_type: RecordType, record_id: str) -> None:
    """Remove everything that holds an erased record's content, except the record row itself.

    Its history, version notes, outbox entries (their fields are its content), search entry
    and name keys, a document's stored file and a visit's links. The search index is then
    merged, so the erased words are not left in its older segments.
    """
    conn.execute(delete(HistoryEntry).where(HistoryEntry.record_id == record_id))
    conn.execute(delete(VersionNote).where(VersionNote.record_id == record_id))
    conn.execute(delete(Change).where(Change.record_id == record_id))
    if record_type is RecordType.VISIT:
        conn.execute(visit_person.delete().where(visit_person.c.visit_id == record_id))
    if record_type is RecordType.DOCUMENT:
        conn.execute(delete(DocumentFile).where(DocumentFile.document_id == record_id))
    if record_type is RecordType.ATTACHMENT:
        blobs.release(conn, record_id)
    name_index.remove(conn, record_id)
    search.remove(conn, record_id)
    if record_type in search.SEARCHABLE_TYPES:
        conn.execute(text("INSERT INTO search_index(search_index) VALUES ('optimize')"))
