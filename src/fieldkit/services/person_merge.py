"""Merging two records of one person: a supervisor's synced, audited repointing of every link."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from fieldkit.domain.person_merge import PERSON_LINK_FIELDS, repointed
from fieldkit.domain.records import FieldError, RecordType, ValidationError
from fieldkit.store import replica
from fieldkit.store.records import RecordRepository, StoredRecord
from fieldkit.store.vault import Vault

#: How a merge's edits are explained in the vault's s62 log and in each version's note.
MERGE_REASON_PREFIX = "Merge of two records of one person"
#: How many ``merged_into`` hops are followed before giving up (a loop made by two laptops
#: merging each into the other at once is cut there).
MAX_REDIRECTS = 8


@dataclass(frozen=True)
class MergePlan:
    """What a merge moves: for each record type, how many records will name the survivor."""

    duplicate_id: str
    into_id: str
    moves: tuple[tuple[RecordType, int], ...]

    @property
    def total(self) -> int:
        """How many records move."""
        return sum(n for _, n in self.moves)

    @property
    def summary(self) -> str:
        """The moves in words ("3 visits, 1 warning"), or that nothing links the record."""
        if not self.moves:
            return "no other records name this person"
        return ", ".join(f"{n} × {record_type.label}" for record_type, n in self.moves)


def _bad(field: str, reason: str) -> ValidationError:
    return ValidationError([FieldError(field, reason)])


def survivor_of(repo: RecordRepository, person_id: str) -> str:
    """The person a record redirects to through ``merged_into`` (itself if not merged)."""
    seen = {person_id}
    current = person_id
    for _ in range(MAX_REDIRECTS):
        record = repo.get(RecordType.PERSON, current)
        target = record.fields.get("merged_into") if record and not record.deleted else None
        if not isinstance(target, str) or not target or target in seen:
            return current
        if repo.get(RecordType.PERSON, target) is None:
            # Merged into someone this laptop does not hold: show the record as it is.
            return current
        seen.add(target)
        current = target
    return current


def linking_records(repo: RecordRepository, person_id: str) -> list[StoredRecord]:
    """Every live record on this laptop that names the person in a link field."""
    found: dict[str, StoredRecord] = {}
    for record_type, names in PERSON_LINK_FIELDS.items():
        if record_type is RecordType.VISIT:
            candidates = repo.get_many(record_type, repo.visit_ids_with_person(person_id))
        elif record_type is RecordType.TENANCY_CASE:
            candidates = list(repo.iter_all(record_type))
        else:
            candidates = [r for name in names for r in repo.where(record_type, name, [person_id])]
        for record in candidates:
            if repointed(record.type, record.fields, duplicate=person_id, survivor="-"):
                found[record.id] = record
    return sorted(found.values(), key=lambda r: (r.type.value, r.id))


class PersonMergeService:
    """Merge a duplicate person record into the record kept (supervisors only).

    Args:
        vault: the unlocked vault.
    """

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def is_supervisor(self) -> bool:
        """Whether the server last said this laptop's user is a supervisor."""
        with self._vault.read() as conn:
            user = replica.get_state(conn, "user")
        return isinstance(user, dict) and user.get("role") == "supervisor"

    def plan(self, *, duplicate_id: str, into_id: str) -> MergePlan:
        """What merging would move, without changing anything (for the confirmation).

        Raises:
            ValidationError: the merge is not possible (see `merge`).
        """
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            self._check(repo, duplicate_id, into_id)
            return self._plan(repo, duplicate_id, into_id)

    def merge(self, *, duplicate_id: str, into_id: str, reason: str) -> MergePlan:
        """Merge ``duplicate_id`` into ``into_id`` in one transaction.

        The duplicate keeps its fields and history and gains ``merged_into``; every record on
        this laptop that names it is changed to name the survivor instead. Each is an ordinary
        synced change (the duplicate's first, so that the server sees the merge before the
        repointing it allows), logged with the reason.

        Raises:
            ValidationError: not a supervisor, no reason, unknown id, the same id twice, not a
                person, or either record already merged; nothing is changed.
        """
        if not reason.strip():
            raise _bad("reason", "say why the two records are one person")
        if not self.is_supervisor():
            raise _bad("role", "only a supervisor merges people")
        note = f"{MERGE_REASON_PREFIX}: {reason.strip()}"
        with self._vault.write() as conn:
            repo = self._vault.records(conn)
            self._check(repo, duplicate_id, into_id)
            plan = self._plan(repo, duplicate_id, into_id)
            repo.update(RecordType.PERSON, duplicate_id, {"merged_into": into_id}, reason=note)
            for record in linking_records(repo, duplicate_id):
                changes = repointed(
                    record.type, record.fields, duplicate=duplicate_id, survivor=into_id
                )
                repo.update(record.type, record.id, changes, reason=note)
        return plan

    def _check(self, repo: RecordRepository, duplicate_id: str, into_id: str) -> None:
        if duplicate_id == into_id:
            raise _bad("into", "a record cannot be merged into itself")
        for field, record_id in (("duplicate", duplicate_id), ("into", into_id)):
            record = repo.get(RecordType.PERSON, record_id)
            if record is None or record.deleted:
                others = (t for t in RecordType if t is not RecordType.PERSON)
                other = any(repo.get(t, record_id) for t in others)
                raise _bad(field, "not a person" if other else "no such person")
            if record.fields.get("merged_into"):
                raise _bad(field, "already merged into another record")

    def _plan(self, repo: RecordRepository, duplicate_id: str, into_id: str) -> MergePlan:
        counts = Counter(r.type for r in linking_records(repo, duplicate_id))
        moves = tuple((t, counts[t]) for t in PERSON_LINK_FIELDS if counts[t])
        return MergePlan(duplicate_id, into_id, moves)
