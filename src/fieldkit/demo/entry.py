"""The demo extra's entry point: synthetic records for a number of visits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from fieldkit.demo.addresses import synthetic_addresses, write_gazetteer_csv
from fieldkit.demo.generator import DemoSize, generate, planted_records
from fieldkit.store.records import NewRecord


def records(
    visits: int,
    *,
    seed: int = 2026,
    officer_ids: Sequence[str] = ("demo.officer",),
    plant_retention: bool = False,
) -> Iterator[NewRecord]:
    """A balanced synthetic data set around a number of visits (`fieldkit.demo` entry point).

    Args:
        visits: how many visits to make; people, places and notes are in proportion.
        seed: the seed for every random choice (the same seed gives the same records).
        officer_ids: who logs visits, in turn.
        plant_retention: add the records planted for the retention review (``planted_ids``).

    Returns:
        An iterator of new records in dependency order.
    """
    return generate(
        DemoSize.for_visits(visits),
        seed=seed,
        officer_ids=officer_ids,
        plant_retention=plant_retention,
    )


def planted_ids() -> frozenset[str]:
    """The ids of the records planted for the retention review (`fieldkit.demo` entry point)."""
    return frozenset(p.id for p in planted_records())


def gazetteer_csv(path: Path) -> int:
    """Write the demo's synthetic address gazetteer as an import file (`fieldkit.demo` entry
    point); returns how many addresses it holds."""
    return write_gazetteer_csv(path, synthetic_addresses())
