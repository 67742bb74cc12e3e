"""The support-services directory lists each service once, however many data sets named it."""

from __future__ import annotations

from collections import Counter

from fieldkit.demo.generator import DemoSize, generate
from fieldkit.domain.hlc import Hlc
from fieldkit.domain.records import RecordType, validate_fields
from fieldkit.services.directory import DirectoryService
from fieldkit.services.transfer import import_records
from fieldkit.store import replica
from fieldkit.store.vault import Vault


def _services(seed: int) -> list[tuple[str, str]]:
    return [
        (r.id or "", str(r.fields["name"]))
        for r in generate(DemoSize.for_visits(40), seed=seed)
        if r.type == RecordType.SERVICE.value
    ]


def test_the_demo_directory_gives_a_service_the_same_id_whatever_the_seed() -> None:
    assert _services(7) == _services(11)


def test_a_service_synced_in_from_another_laptops_data_is_listed_once(vault: Vault) -> None:
    """The screens' vault: its own demo data, then a team's (another seed) pulled in."""
    import_records(vault, generate(DemoSize.for_visits(40), seed=7))
    team = [
        r for r in generate(DemoSize.for_visits(40), seed=11) if r.type == RecordType.SERVICE.value
    ]
    stamp = str(Hlc(1_790_000_000_000, 0, "team-laptop"))
    pulled = []
    for record in team:
        clean = validate_fields(record.type, dict(record.fields))
        assert record.id is not None
        pulled.append(
            replica.PulledRecord(
                record.type, record.id, False, clean, dict.fromkeys(clean, stamp), None
            )
        )
    with vault.write() as conn:
        replica.apply_pulled(conn, pulled, at="2026-11-27T09:00:00+00:00")
    names = Counter(row.name for row in DirectoryService(vault).services())
    assert names["Batley & Birstall food bank"] == 1
    assert [n for n, count in names.items() if count > 1] == []
