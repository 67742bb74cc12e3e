"""Demo data through the `fieldkit.demo` entry points: present only with the demo extra."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, cast

from fieldkit.store.records import NewRecord

#: The entry point group the demo extra fills (pyproject.toml); `records` makes the data.
ENTRY_POINT_GROUP = "fieldkit.demo"

NOT_INSTALLED = (
    "Demo data is not part of this installation. Install Fieldkit with its demo extra "
    "(pip install 'fieldkit[demo]', as scripts/setup does) to use it."
)


class DemoNotInstalled(Exception):
    """The demo extra is not installed: no `fieldkit.demo` entry point to make data with."""


class RecordMaker(Protocol):
    """The `records` entry point's signature."""

    def __call__(
        self,
        visits: int,
        *,
        seed: int = ...,
        officer_ids: Sequence[str] = ...,
        plant_retention: bool = ...,
    ) -> Iterator[NewRecord]: ...


def demo_available() -> bool:
    """Whether the demo extra is installed.

    Returns:
        True when the `fieldkit.demo` group has a `records` entry point.
    """
    return any(ep.name == "records" for ep in entry_points(group=ENTRY_POINT_GROUP))


def _entry(name: str) -> object:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return ep.load()
    raise DemoNotInstalled(NOT_INSTALLED)


def demo_records(
    visits: int,
    *,
    seed: int = 2026,
    officer_ids: Sequence[str] = ("demo.officer",),
    plant_retention: bool = False,
) -> Iterator[NewRecord]:
    """Synthetic records from the demo extra's generator.

    Args:
        visits: how many visits to make; people, places and notes are in proportion.
        seed: the seed for every random choice (the same seed gives the same records).
        officer_ids: who logs visits, in turn.
        plant_retention: add the records planted for the retention review, whose clocks ran
            out years ago (their ids: ``planted_ids``).

    Returns:
        An iterator of new records in dependency order.

    Raises:
        DemoNotInstalled: the demo extra is not installed (the message says how to add it).
    """
    maker = cast(RecordMaker, _entry("records"))
    return maker(visits, seed=seed, officer_ids=officer_ids, plant_retention=plant_retention)


def planted_ids() -> frozenset[str]:
    """The ids of the demo's records planted for the retention review.

    Raises:
        DemoNotInstalled: the demo extra is not installed.
    """
    return cast(Callable[[], frozenset[str]], _entry("planted_ids"))()


def write_demo_gazetteer(path: Path) -> int:
    """Write the demo's synthetic address gazetteer as an import file at ``path``.

    Returns:
        How many addresses it holds.

    Raises:
        DemoNotInstalled: the demo extra is not installed.
    """
    return cast(Callable[[Path], int], _entry("gazetteer_csv"))(path)
