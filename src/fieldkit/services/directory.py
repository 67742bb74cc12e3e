"""The support-services directory, filtered by need and district, for signposting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fieldkit.documents.inputs import SupportService
from fieldkit.domain.records import RecordType
from fieldkit.domain.vocabulary import District, ServiceNeed
from fieldkit.store import replica
from fieldkit.store.records import StoredRecord
from fieldkit.store.transaction import Transaction
from fieldkit.store.vault import Vault

#: Each need in words (from the vocabulary).
NEED_LABELS = {need: need.label for need in ServiceNeed}


@dataclass(frozen=True)
class ServiceRow:
    """A support service as listed in the directory."""

    id: str
    name: str
    needs: tuple[str, ...]
    needs_text: str
    districts_text: str
    phone: str
    address: str
    opening_hours: str
    website: str
    description: str


def service_row(record: StoredRecord) -> ServiceRow:
    """A stored service as the directory lists it."""
    f = record.fields
    needs = tuple(str(n) for n in f["categories"] or [])  # type: ignore[attr-defined]
    districts = [str(d) for d in f["districts"] or []]  # type: ignore[attr-defined]
    return ServiceRow(
        id=record.id,
        name=str(f["name"]),
        needs=needs,
        needs_text=", ".join(NEED_LABELS.get(ServiceNeed(n), n) for n in needs),
        districts_text=", ".join(District(d).label for d in districts) or "All districts",
        phone=str(f["phone"] or ""),
        address=str(f["address"] or ""),
        opening_hours=str(f["opening_hours"] or ""),
        website=str(f["website"] or ""),
        description=str(f["description"] or ""),
    )


def as_support_service(row: ServiceRow) -> SupportService:
    """The form a leaflet or letter prints a service in."""
    return SupportService(
        name=row.name,
        description=row.description,
        phone=row.phone,
        address=row.address,
        opening_hours=row.opening_hours,
        website=row.website,
        needs=tuple(ServiceNeed(n) for n in row.needs),
    )


def serving(
    records: Iterable[StoredRecord], *, need: str | None = None, district: str | None = None
) -> list[StoredRecord]:
    """The services among ``records`` that meet a need in a district, by name.

    A service with no districts serves all of them; no need or district given means any.
    """
    out: list[StoredRecord] = []
    for record in records:
        needs = record.fields["categories"] or []
        districts = record.fields["districts"] or []
        assert isinstance(needs, list)
        assert isinstance(districts, list)
        if need and need not in needs:
            continue
        if district and districts and district not in districts:
            continue
        out.append(record)
    return sorted(out, key=lambda r: str(r.fields["name"]).lower())


class DirectoryService:
    """Lists support services (reference data: a few hundred at most, read whole).

    Args:
        vault: the unlocked vault.
    """

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def services(self, *, need: str | None = None, district: str | None = None) -> list[ServiceRow]:
        """Services meeting a need in a district (a service with no districts serves all)."""
        with self._vault.read() as conn:
            records = list(self._vault.records(conn).iter_all(RecordType.SERVICE))
        return [service_row(r) for r in serving(records, need=need, district=district)]

    def by_ids(self, ids: list[str]) -> list[ServiceRow]:
        """Services by id, in the order given."""
        with self._vault.read() as conn:
            return [
                service_row(r) for r in self._vault.records(conn).get_many(RecordType.SERVICE, ids)
            ]


def colleague_names(conn: Transaction) -> dict[str, str]:
    """User name → display name, from the server's users directory (synced reference data).

    Other people are shown by the name colleagues know them by; the user name only where an
    administrator needs it. A user the directory does not list (yet) keeps their user name.
    """
    reference = replica.get_state(conn, "reference")
    users = reference.get("users") if isinstance(reference, dict) else None
    names: dict[str, str] = {}
    for user in users if isinstance(users, list) else []:
        if not isinstance(user, dict):
            continue
        username, name = user.get("username"), user.get("display_name")
        if isinstance(username, str) and isinstance(name, str) and name.strip():
            names[username.lower()] = name.strip()
    return names


def shown_as(names: dict[str, str], username: str | None) -> str:
    """How a colleague is named on screen: their display name when the directory has it."""
    if not username:
        return "unknown"
    return names.get(username.lower(), username)
