"""Tenancy cases: the list, a case with its notes timeline, and the closure tracker's clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fieldkit.domain.legal_clocks import closure_clocks, closure_facts, format_datetime
from fieldkit.domain.records import RecordType, is_restricted
from fieldkit.domain.vocabulary import ClosureStatus, District, NoteKind
from fieldkit.services.people import parse_moment, person_name
from fieldkit.services.records import RecordService
from fieldkit.store import case_list
from fieldkit.store.vault import Vault


@dataclass(frozen=True)
class CaseRow:
    """A tenancy case in the list."""

    id: str
    reference: str
    place: str
    status: str
    district: str


@dataclass(frozen=True)
class NoteEntry:
    id: str
    when: datetime
    when_text: str
    kind: str
    body: str


@dataclass(frozen=True)
class ClockEntry:
    """One legal clock on a closure: its deadline and what is due."""

    name: str
    deadline_text: str
    due: str


@dataclass(frozen=True)
class ClosureEntry:
    id: str
    status: str
    clocks: tuple[ClockEntry, ...]
    problem: str


@dataclass(frozen=True)
class CaseView:
    """Everything the case screen shows."""

    id: str
    reference: str
    place: str
    landlord: str
    status: str
    district: str
    tenants: tuple[str, ...]
    vulnerability: tuple[str, ...]
    restricted: bool
    notes: tuple[NoteEntry, ...]
    closures: tuple[ClosureEntry, ...]


NOTE_KINDS = tuple(k.value for k in NoteKind)


def _status_text(value: object) -> str:
    return str(value or "").replace("_", " ")


class TenancyService:
    """Tenancy cases for housing officers.

    Args:
        vault: the unlocked vault.
        records: record use cases (opening a case is logged).
    """

    def __init__(self, vault: Vault, records: RecordService) -> None:
        self._vault = vault
        self._records = records

    def cases(self, *, offset: int = 0, limit: int = 500) -> list[CaseRow]:
        """Open and closed cases, open ones first, then by reference."""
        with self._vault.read() as conn:
            listed = case_list.cases(conn, offset=offset, limit=limit)
        return [
            CaseRow(
                c.id,
                str(c.tenancy_ref or "—"),
                str(c.place_label or ""),
                _status_text(c.status),
                District(str(c.district)).label
                if c.district in District.__members__.values()
                else str(c.district),
            )
            for c in listed
        ]

    def case(self, case_id: str) -> CaseView:
        """Open a case, logging the consultation (s62).

        Raises:
            RecordNotFoundError: no such case.
        """
        case = self._records.view(record_type="tenancy_case", record_id=case_id)
        f = case.fields
        now = self._vault.now()
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            place = repo.get(RecordType.PLACE, str(f["place_id"]))
            tenant_ids = [str(t) for t in f["tenant_ids"] or []]  # type: ignore[attr-defined]
            tenants = repo.get_many(RecordType.PERSON, tenant_ids)
            notes = repo.where(RecordType.TENANCY_NOTE, "case_id", [case_id])
            closures = repo.where(RecordType.CLOSURE, "case_id", [case_id])
        place_text = ""
        if place is not None:
            pf = place.fields
            place_text = ", ".join(
                str(p) for p in (pf["label"], pf["address"], pf["postcode"]) if p
            )
        note_entries = sorted(
            (
                NoteEntry(
                    n.id,
                    parse_moment(n.fields["written_at"]),
                    format_datetime(parse_moment(n.fields["written_at"])),
                    str(n.fields["kind"]),
                    str(n.fields["body"]),
                )
                for n in notes
            ),
            key=lambda e: e.when,
        )
        return CaseView(
            id=case.id,
            reference=str(f["tenancy_ref"] or "—"),
            place=place_text,
            landlord=str(f["landlord"] or ""),
            status=_status_text(f["status"]),
            district=str(f["district"]),
            tenants=tuple(person_name(t.fields) for t in tenants),
            vulnerability=tuple(str(v) for v in f["vulnerability"] or []),  # type: ignore[attr-defined]
            restricted=is_restricted(f),
            notes=tuple(note_entries),
            closures=tuple(_closure_entry(c.id, c.fields, now) for c in closures),
        )

    def add_note(self, *, case_id: str, kind: str, body: str) -> NoteEntry:
        """Add a note to a case's chronology, stamped now.

        Raises:
            ValidationError: the kind or body is not valid.
        """
        with self._vault.read() as conn:
            case = self._vault.records(conn).require(RecordType.TENANCY_CASE, case_id)
        view = self._records.create(
            record_type="tenancy_note",
            fields={
                "case_id": case_id,
                "written_at": self._vault.now().isoformat(timespec="seconds"),
                "kind": kind,
                "body": body,
                "district": case.fields["district"],
                "sensitivity": case.fields.get("sensitivity") or "standard",
            },
        )
        when = parse_moment(view.fields["written_at"])
        return NoteEntry(view.id, when, format_datetime(when), kind, str(view.fields["body"]))


def _closure_entry(closure_id: str, f: object, now: datetime) -> ClosureEntry:
    assert isinstance(f, dict) or hasattr(f, "get")
    fields = dict(f)  # type: ignore[call-overload]
    status = ClosureStatus(fields["status"] or "planned")
    try:
        facts = closure_facts(fields)
    except ValueError as exc:
        return ClosureEntry(closure_id, _status_text(status), (), f"The closure's dates: {exc}.")
    clocks = tuple(
        ClockEntry(c.name.value.replace("_", " ").capitalize(), format_datetime(c.deadline), c.due)
        for c in closure_clocks(facts, now=now)
    )
    return ClosureEntry(closure_id, _status_text(status), clocks, "")
