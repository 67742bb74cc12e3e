"""Record use cases: each call is one transaction, and every view, change and export is logged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fieldkit.domain.records import RecordType, record_spec
from fieldkit.store import audit, search
from fieldkit.store.records import StoredRecord
from fieldkit.store.vault import Vault


@dataclass(frozen=True)
class RecordView:
    """A record as handed to a screen or the command line: plain, frozen data."""

    type: str
    id: str
    fields: Mapping[str, object]

    @classmethod
    def of(cls, record: StoredRecord) -> RecordView:
        return cls(record.type.value, record.id, dict(record.fields))


@dataclass(frozen=True)
class SearchResult:
    """One search hit with the words to show for it."""

    type: str
    id: str
    title: str
    detail: str


class RecordService:
    """Create, change, view and find records as one user.

    Args:
        vault: an unlocked vault.
        actor: who is acting (the vault's user by default).
    """

    def __init__(self, vault: Vault, *, actor: str | None = None) -> None:
        self._vault = vault
        self._actor = actor or vault.username

    def create(self, *, record_type: str, fields: Mapping[str, object]) -> RecordView:
        """Store a new record.

        Raises:
            ValidationError: naming each bad field; nothing is written.
        """
        with self._vault.write() as conn:
            return RecordView.of(
                self._vault.records(conn, actor=self._actor).create(record_type, fields)
            )

    def update(
        self, *, record_type: str, record_id: str, changes: Mapping[str, object]
    ) -> RecordView:
        """Change fields of a record; its prior state goes to the history.

        Raises:
            RecordNotFoundError: no such record.
            ValidationError: naming each bad field; nothing is written.
        """
        spec = record_spec(record_type)
        with self._vault.write() as conn:
            repo = self._vault.records(conn, actor=self._actor)
            return RecordView.of(repo.update(spec.type, record_id, changes))

    def delete(self, *, record_type: str, record_id: str, reason: str | None = None) -> None:
        """Erase a record: a tombstone that syncs; its earlier versions go with it.

        The file is compacted afterwards, so the freed pages no longer hold its content.
        """
        spec = record_spec(record_type)
        with self._vault.write() as conn:
            self._vault.records(conn, actor=self._actor).delete(spec.type, record_id, reason=reason)
        self._vault.compact()

    def view(self, *, record_type: str, record_id: str, reason: str | None = None) -> RecordView:
        """Open a record to look at it, logging the consultation (s62).

        Raises:
            RecordNotFoundError: no such record.
        """
        spec = record_spec(record_type)
        with self._vault.write() as conn:
            record = self._vault.records(conn, actor=self._actor).require(spec.type, record_id)
            audit.append(
                conn,
                [
                    audit.new_event(
                        at=self._vault.now().isoformat(timespec="milliseconds"),
                        actor=self._actor,
                        action=audit.AuditAction.VIEW,
                        record_type=spec.type.value,
                        record_id=record_id,
                        reason=reason,
                    )
                ],
            )
            return RecordView.of(record)

    def search(
        self, *, text: str, types: Sequence[str] | None = None, limit: int = 50
    ) -> list[SearchResult]:
        """Find people, places, visits and notes by words, names, postcodes or dates of birth.

        Any text is taken literally. Listing hits is not a consultation; opening one is.
        """
        wanted = [record_spec(t).type for t in types] if types else None
        with self._vault.read() as conn:
            hits = search.find(conn, text, types=wanted, limit=limit)
            repo = self._vault.records(conn, actor=self._actor)
            by_type: dict[RecordType, list[str]] = {}
            for hit in hits:
                by_type.setdefault(RecordType(hit.record_type), []).append(hit.record_id)
            found = {
                r.id: r
                for record_type, ids in by_type.items()
                for r in repo.get_many(record_type, ids)
            }
        return [_summary(found[h.record_id]) for h in hits if h.record_id in found]


def _summary(record: StoredRecord) -> SearchResult:
    f = record.fields
    match record.type:
        case RecordType.PERSON:
            name = " ".join(str(p) for p in (f["given_name"], f["family_name"]) if p)
            title = name or str(f["description"] or "Unknown person")
            detail = f"born {f['date_of_birth']}" if f["date_of_birth"] else ""
        case RecordType.PLACE:
            title = str(f["label"])
            detail = ", ".join(str(p) for p in (f["address"], f["postcode"]) if p)
        case RecordType.VISIT:
            title = f"Visit {str(f['occurred_at'])[:16].replace('T', ' ')}"
            detail = str(f["narrative"] or "")[:80]
        case RecordType.TENANCY_NOTE:
            title = f"Tenancy note ({f['kind']}) {str(f['written_at'])[:10]}"
            detail = str(f["body"])[:80]
        case RecordType.TENANCY_CASE:
            title = f"Tenancy case {f['tenancy_ref'] or ''}".strip()
            detail = str(f["landlord"] or "")
        case _:
            title = str(f.get("name") or record.type.value)
            detail = str(f.get("description") or "")[:80]
    return SearchResult(record.type.value, record.id, title, detail)
