"""The demo extra's entry point: synthetic records for a number of visits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from fieldkit.demo.generator import DemoSize, generate
from fieldkit.store.records import NewRecord


def records(
    visits: int, *, seed: int = 2026, officer_ids: Sequence[str] = ("demo.officer",)
) -> Iterator[NewRecord]:
    """A balanced synthetic data set around a number of visits (`fieldkit.demo` entry point).

    Args:
        visits: how many visits to make; people, places and notes are in proportion.
        seed: the seed for every random choice (the same seed gives the same records).
        officer_ids: who logs visits, in turn.

    Returns:
        An iterator of new records in dependency order.
    """
    return generate(DemoSize.for_visits(visits), seed=seed, officer_ids=officer_ids)
