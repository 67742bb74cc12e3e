"""Import and export of records as JSON Lines: `{"type": ..., "id": ..., "fields": {...}}`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from fieldkit.domain.records import (
    RecordType,
    ValidationError,
    normalise_id,
    record_spec,
    validate_fields,
)
from fieldkit.store import audit
from fieldkit.store.records import NewRecord
from fieldkit.store.vault import Vault

#: Records are written in this order so that anything a record refers to comes first.
TYPE_ORDER: tuple[RecordType, ...] = (
    RecordType.SERVICE,
    RecordType.PLACE,
    RecordType.PERSON,
    RecordType.TENANCY_CASE,
    RecordType.VISIT,
    RecordType.SIGNPOSTING,
    RecordType.WARNING,
    RecordType.TENANCY_NOTE,
    RecordType.CLOSURE,
    RecordType.DOCUMENT,
    RecordType.REVIEW,
)
BATCH = 2_000


@dataclass(frozen=True)
class LineError:
    """One problem in an import file: the line, the field (or `-`), and why."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


class ImportRejected(Exception):
    """The file had bad lines; nothing was imported."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) found; nothing was imported")


def parse_lines(lines: Iterable[str]) -> tuple[list[NewRecord], list[LineError]]:
    """Read and check every line, collecting every problem rather than stopping at the first."""
    records: list[NewRecord] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            doc = json.loads(raw)
        except json.JSONDecodeError:
            errors.append(LineError(number, "-", "not valid JSON"))
            continue
        if not isinstance(doc, dict) or set(doc) - {"type", "id", "fields"}:
            errors.append(LineError(number, "-", 'must be an object with "type", "id", "fields"'))
            continue
        record_type, record_id, fields = doc.get("type"), doc.get("id"), doc.get("fields")
        if not isinstance(fields, dict):
            errors.append(LineError(number, "fields", "must be an object"))
            continue
        try:
            record_spec(str(record_type))
            validate_fields(str(record_type), fields)
        except ValidationError as exc:
            errors.extend(LineError(number, e.field, e.reason) for e in exc.errors)
            continue
        if record_id is not None:
            try:
                record_id = normalise_id(record_id)
            except ValueError as exc:
                errors.append(LineError(number, "id", str(exc)))
                continue
            if record_id in seen:
                errors.append(LineError(number, "id", f"repeats line {seen[record_id]}"))
                continue
            seen[record_id] = number
        records.append(NewRecord(str(record_type), fields, record_id))
    return records, errors


def import_records(
    vault: Vault,
    records: Iterable[NewRecord],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Store new records in one transaction: all of them, or (on any error) none.

    Raises:
        ValidationError: a record is invalid or its id is taken; nothing is written.
    """
    count = 0
    with vault.write() as conn:
        repo = vault.records(conn)
        batch: list[NewRecord] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                count += len(repo.create_many(batch))
                batch = []
                if on_progress:
                    on_progress(count)
        if batch:
            count += len(repo.create_many(batch))
            if on_progress:
                on_progress(count)
    return count


def import_file(vault: Vault, stream: IO[str]) -> int:
    """Import a JSON Lines file: every line checked first; any bad line and nothing is stored.

    Raises:
        ImportRejected: listing every bad line (line number, field, reason).
    """
    lines = list(stream)
    records, errors = parse_lines(lines)
    if errors:
        raise ImportRejected(errors)
    try:
        return import_records(vault, _dependency_order(records))
    except ValidationError as exc:  # an id already in the vault
        raise ImportRejected(
            [LineError(_line_naming(lines, e.reason), e.field, e.reason) for e in exc.errors]
        ) from None


def _line_naming(lines: list[str], reason: str) -> int:
    """The number of the first line that holds the id a reason names (0 if none does)."""
    record_id = reason.split(" ", 1)[0]
    return next((n for n, line in enumerate(lines, start=1) if record_id in line), 0)


def _dependency_order(records: list[NewRecord]) -> Iterator[NewRecord]:
    rank = {t.value: i for i, t in enumerate(TYPE_ORDER)}
    return iter(sorted(records, key=lambda r: rank[r.type]))


def export_records(
    vault: Vault,
    out: IO[str],
    *,
    record_type: str | None = None,
    reason: str = "export",
) -> int:
    """Write live records as JSON Lines and log each one as disclosed by export (s62)."""
    types = [record_spec(record_type).type] if record_type else list(TYPE_ORDER)
    count = 0
    with vault.write() as conn:
        repo = vault.records(conn)
        at = vault.now().isoformat(timespec="milliseconds")
        events: list[audit.AuditEvent] = []
        for t in types:
            for record in repo.iter_all(t):
                line = {"type": t.value, "id": record.id, "fields": dict(record.fields)}
                out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                events.append(
                    audit.new_event(
                        at=at,
                        actor=vault.username,
                        action=audit.AuditAction.EXPORT,
                        record_type=t.value,
                        record_id=record.id,
                        reason=reason,
                    )
                )
                count += 1
        audit.append(conn, events)
    return count
