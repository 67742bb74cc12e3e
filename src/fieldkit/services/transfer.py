"""Import and export of records as JSON Lines: `{"type", "id", "regime", "fields"}` per line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO

from fieldkit.domain.records import RecordType, ValidationError, record_spec
from fieldkit.domain.retention import load_rules
from fieldkit.services import disclosure
from fieldkit.store import audit, bulk
from fieldkit.store.records import CheckedRecord, NewRecord, check_record
from fieldkit.store.vault import Vault

#: Records are written in this order so that anything a record refers to comes first.
TYPE_ORDER: tuple[RecordType, ...] = (
    RecordType.SERVICE,
    RecordType.PLACE,
    RecordType.PERSON,
    RecordType.TENANCY_CASE,
    RecordType.ASB_CASE,
    RecordType.VISIT,
    RecordType.SIGNPOSTING,
    RecordType.WARNING,
    RecordType.TENANCY_NOTE,
    RecordType.CLOSURE,
    RecordType.COMMUNITY_TRIGGER,
    RecordType.MEETING,
    RecordType.REFERRAL,
    RecordType.DOCUMENT,
    RecordType.REVIEW,
    RecordType.ASB_PARTY,
    RecordType.ASB_RISK,
    RecordType.ASB_ACTION,
    RecordType.ATTACHMENT,
)
BATCH = 2_000
#: Records an export logs, then writes, at a time: the most it can over-report if cut short.
EXPORT_BATCH = 200


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


def parse_lines(
    lines: Iterable[str | bytes], *, today: date
) -> tuple[list[CheckedRecord], list[LineError]]:
    """Read and check every line, collecting every problem rather than stopping at the first.

    Each good line is validated here, once: the store writes the checked records as they are.

    Args:
        lines: the file's lines, as text or as the bytes read (which must be UTF-8).
        today: the vault's date (a date of birth after it is refused).

    Returns:
        The records of the good lines, and a problem per bad line (never quoting its content).
    """
    records: list[CheckedRecord] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        doc, problem = _read_line(raw, first=number == 1)
        if problem is not None:
            errors.append(LineError(number, "-", problem))
            continue
        # "regime" is what an export says the record is processed under; import derives it.
        if not isinstance(doc, dict) or set(doc) - {"type", "id", "fields", "regime"}:
            errors.append(LineError(number, "-", 'must be an object with "type", "id", "fields"'))
            continue
        record_type, record_id, fields = doc.get("type"), doc.get("id"), doc.get("fields")
        if not isinstance(fields, dict):
            errors.append(LineError(number, "fields", "must be an object"))
            continue
        if not isinstance(record_type, str):
            errors.append(LineError(number, "type", "unknown record type"))
            continue
        try:
            record = check_record(NewRecord(record_type, fields, record_id), today=today)
        except ValidationError as exc:
            errors.extend(LineError(number, e.field, e.reason) for e in exc.errors)
            continue
        if record.id is not None:
            if record.id in seen:
                errors.append(LineError(number, "id", f"repeats line {seen[record.id]}"))
                continue
            seen[record.id] = number
        records.append(record)
    return records, errors


def _read_line(raw: str | bytes, *, first: bool) -> tuple[object, str | None]:
    """One line's JSON value, or why it cannot be read."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig" if first else "utf-8")
        except UnicodeDecodeError:
            return None, "not valid UTF-8 text"
    try:
        return json.loads(raw), None
    except json.JSONDecodeError:
        return None, "not valid JSON"
    except RecursionError:
        return None, "nested too deeply to read"
    except ValueError:  # Python's limit on the digits of an integer (CVE-2020-10735)
        return None, "holds a number with too many digits"


def import_records(
    vault: Vault,
    records: Iterable[NewRecord | CheckedRecord],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Store new records in one transaction: all of them, or (on any error) none.

    Records from `parse_lines` (checked) are stored as they are; any others are validated.

    Raises:
        ValidationError: a record is invalid or its id is taken; nothing is written.
    """
    pending = list(records)
    count = 0
    with vault.write() as conn:
        repo = vault.records(conn)
        # A large import into a small vault builds its tables' indexes after the rows
        # (store/bulk.py); inside this transaction, so a failure leaves them as they were.
        with bulk.large_import(conn, bulk.rows_added(pending)):
            for start in range(0, len(pending), BATCH):
                count += len(repo.create_many(pending[start : start + BATCH]))
                if on_progress:
                    on_progress(count)
    return count


def import_file(vault: Vault, stream: IO[str] | IO[bytes]) -> int:
    """Import a JSON Lines file: every line checked first; any bad line and nothing is stored.

    Args:
        vault: the unlocked vault to import into.
        stream: the file, opened as text or (so that a line that is not UTF-8 is reported
            rather than stopping the read) as bytes.

    Raises:
        ImportRejected: listing every bad line (line number, field, reason).
    """
    lines: list[str | bytes] = list(stream)
    records, errors = parse_lines(lines, today=vault.now().date())
    if errors:
        raise ImportRejected(errors)
    try:
        return import_records(vault, _dependency_order(records))
    except ValidationError as exc:  # an id already in the vault
        raise ImportRejected(
            [LineError(_line_naming(lines, e.reason), e.field, e.reason) for e in exc.errors]
        ) from None


def _line_naming(lines: list[str | bytes], reason: str) -> int:
    """The number of the first line that holds the id a reason names (0 if none does)."""
    record_id = reason.split(" ", 1)[0]
    texts = (x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in lines)
    return next((n for n, line in enumerate(texts, start=1) if record_id in line), 0)


def _dependency_order(records: list[CheckedRecord]) -> Iterator[CheckedRecord]:
    rank = {t: i for i, t in enumerate(TYPE_ORDER)}
    return iter(sorted(records, key=lambda r: rank[r.type]))


def export_records(
    vault: Vault,
    out: IO[str],
    *,
    record_type: str | None = None,
    reason: str = "export",
    batch: int = EXPORT_BATCH,
) -> int:
    """Write live records as JSON Lines, each logged as disclosed by export (s62) before it goes.

    Records go in batches: a batch's ``export`` entries are committed, then its lines are
    written and flushed. A reader that stops early, or a process killed mid-export, leaves
    every record written logged, and at most one batch logged but not written. A ``complete``
    entry with the count is logged once every line is out; without it, the export never
    finished.

    Args:
        vault: the unlocked vault.
        out: where the lines go.
        record_type: only records of this type (all types if None).
        reason: the entries' reason, e.g. ``command-line export``.
        batch: records logged, then written, at a time.

    Returns:
        The number of records written.

    Raises:
        OSError: the output could not be written (``BrokenPipeError`` when the reader left);
            the records written so far are logged, and no ``complete`` entry is.
    """
    types = [record_spec(record_type).type] if record_type else list(TYPE_ORDER)
    rules = load_rules()
    count = 0
    with vault.read() as conn:
        repo = vault.records(conn)
        pending: list[str] = []
        named: list[disclosure.Disclosed] = []
        for t in types:
            for record in repo.iter_all(t):
                line = {
                    "type": t.value,
                    "id": record.id,
                    # The regime the record is processed under (DPA 2018 Part 3 or UK GDPR).
                    "regime": rules[t].regime_of(record.fields).value,
                    "fields": dict(record.fields),
                }
                pending.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
                named.append((t.value, record.id))
                if len(pending) >= batch:
                    count += _disclose_lines(vault, out, pending, named, reason)
                    pending, named = [], []
        if pending:
            count += _disclose_lines(vault, out, pending, named, reason)
    disclosure.log_completion(vault, what=reason, count=count)
    return count


def _disclose_lines(
    vault: Vault, out: IO[str], lines: list[str], named: list[disclosure.Disclosed], reason: str
) -> int:
    # The log is committed before the first byte of these lines can reach the reader.
    disclosure.log_disclosure(vault, action=audit.AuditAction.EXPORT, records=named, reason=reason)
    out.writelines(lines)
    out.flush()
    return len(lines)
