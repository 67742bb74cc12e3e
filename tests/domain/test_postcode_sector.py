"""Postcode sectors: the outward code and the inward code's digit, written the one normal way."""

from __future__ import annotations

import pytest

from fieldkit.domain.postcode import postcode_sector


@pytest.mark.parametrize(
    ("typed", "sector"),
    [
        ("hd1 1", "HD1 1"),
        ("  wf13   1 ", "WF13 1"),
        ("HD1 1AB", "HD1 1"),  # a whole postcode names its sector
        ("hd11ab", "HD1 1"),
        ("EC1A 1BB", "EC1A 1"),
        ("GIR 0AA", "GIR 0"),
    ],
)
def test_a_sector_is_written_the_normal_way(typed: str, sector: str) -> None:
    assert postcode_sector(typed) == sector


@pytest.mark.parametrize(
    "typed",
    ["", "x", "HD1", "HD11", "EC1A1", "HD1 1A", "1HD 1", "HD1 12", "HD1 A"],
)
def test_what_is_not_a_sector_is_refused(typed: str) -> None:
    # "HD11" could be the sector HD1 1 or the district HD11: a sector needs its space.
    with pytest.raises(ValueError, match="is not a UK postcode sector"):
        postcode_sector(typed)
