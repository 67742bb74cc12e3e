"""The partnership's duplicate-person report: the laptops' name matcher over every person held."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldkit.domain.name_match import (
    DuplicatePair,
    PersonNames,
    blocking_keys,
    duplicate_pairs,
)
from fieldkit.domain.names import NameRules
from fieldkit_server import audit
from fieldkit_server.models import Record

#: Who the audit log names as having run the report (an administrator at the server's console).
ACTOR = "fieldkit-server people duplicates"


@dataclass(frozen=True)
class DuplicateReport:
    """Pairs of person records that may be one person, and the people they name."""

    pairs: list[DuplicatePair]
    people: Mapping[str, tuple[PersonNames, str | None]]
    compared: int

    def lines(self) -> list[dict[str, Any]]:
        """One JSON object per pair: both people, the score and why they matched."""
        return [
            {
                "first": self._person(pair.first_id),
                "second": self._person(pair.second_id),
                "score": pair.score,
                "reasons": [r.label for r in pair.reasons],
            }
            for pair in self.pairs
        ]

    def _person(self, person_id: str) -> dict[str, Any]:
        names, district = self.people[person_id]
        return {
            "id": person_id,
            "given_name": names.given_name,
            "family_name": names.family_name,
            "aliases": list(names.aliases),
            "date_of_birth": names.date_of_birth.isoformat() if names.date_of_birth else None,
            "district": district,
        }


def find_duplicates(
    session: Session, *, rules: NameRules, district: str | None, now: datetime
) -> DuplicateReport:
    """Compare the live person records (of one district, or all) and log the disclosure.

    Only people sharing a blocking key are compared (domain.name_match.blocking_keys), so the
    work grows with near names rather than with the square of the partnership's people. A
    person already merged into another (``merged_into`` set) is that other person now, and is
    left out. The report discloses the people it names: one audit event lists their record ids.
    """
    query = select(Record.id, Record.fields, Record.district).where(
        Record.type == "person", Record.deleted.is_(False)
    )
    if district is not None:
        query = query.where(Record.district == district)
    people: dict[str, tuple[PersonNames, str | None]] = {}
    blocks: dict[str, list[str]] = {}
    for record_id, fields, held_in in session.execute(query):
        try:
            held = json.loads(fields)
            if held.get("merged_into"):
                continue  # merged: the survivor stands for both
            names = PersonNames.of(record_id, held)
        except (ValueError, TypeError, AttributeError):
            continue  # a record the server could not have accepted; nothing to compare
        people[record_id] = (names, held_in)
        for key in blocking_keys(names, rules):
            blocks.setdefault(key, []).append(record_id)
    pairs = duplicate_pairs([p for p, _ in people.values()], rules, blocking=blocks)
    named = sorted({i for p in pairs for i in (p.first_id, p.second_id)})
    audit.append(
        session,
        [
            audit.server_event(
                at=now,
                action=audit.AuditAction.DISCLOSE,
                user_id=None,
                device_id=None,
                record_type="person",
                reason="duplicate person report",
                actor=ACTOR,
                detail={"district": district, "pairs": len(pairs), "record_ids": named},
            )
        ],
    )
    return DuplicateReport(pairs, people, len(people))


def write_report(report: DuplicateReport, out: TextIO) -> None:
    """The report as JSON Lines."""
    for line in report.lines():
        out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")


def write_report_file(report: DuplicateReport, path: Path) -> None:
    """Write the report to a file readable by its owner only, whole or not at all."""
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=".duplicates-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            write_report(report, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
