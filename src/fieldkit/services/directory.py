"""The support-services directory, filtered by need and district, for signposting."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fieldkit.documents.inputs import SupportService
from fieldkit.domain.records import RecordType
from fieldkit.domain.vocabulary import District, ServiceNeed
from fieldkit.store.records import StoredRecord
from fieldkit.store.vault import Vault

NEED_LABELS = {
    ServiceNeed.ALCOHOL_DRUGS: "Alcohol and drugs",
    ServiceNeed.HOUSING: "Housing",
    ServiceNeed.MENTAL_HEALTH: "Mental health",
    ServiceNeed.FOOD: "Food",
    ServiceNeed.BENEFITS: "Benefits and money",
    ServiceNeed.DOMESTIC_ABUSE: "Domestic abuse",
    ServiceNeed.VICTIM_SUPPORT: "Victim support",
    ServiceNeed.YOUTH: "Young people",
}


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
