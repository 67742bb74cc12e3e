"""A synthetic address gazetteer for the four districts: numbered houses along the demo streets."""

from __future__ import annotations

import csv
import math
import os
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fieldkit.demo import gazetteer as gz
from fieldkit.domain.gazetteer import GazetteerEntry

#: Letters a postcode's unit may end with (Royal Mail leaves out C, I, K, M, O and V).
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
#: Houses that share one postcode unit, as a run of numbers along one side of a street.
_HOUSES_PER_UNIT = 14
#: Metres between neighbouring house numbers on one side, and from the middle of the road.
_FRONTAGE = 9.0
_SETBACK = 8.0
_METRES_PER_DEGREE = 111_320.0
#: The first demo UPRN; real ones are issued by the council, so these stay clear of them.
FIRST_UPRN = 900_000_000_000


def _unit(index: int) -> str:
    letters = len(_UNIT_LETTERS)
    return _UNIT_LETTERS[(index // letters) % letters] + _UNIT_LETTERS[index % letters]


def _street_start(rng: random.Random, town: gz.Town, centre: bool) -> tuple[float, float, float]:
    """Where a street starts, and its bearing: near the centre for town-centre streets."""
    spread_lat, spread_lon = (0.0025, 0.004) if centre else (0.012, 0.02)
    lat = town.lat + rng.uniform(-spread_lat, spread_lat)
    lon = town.lon + rng.uniform(-spread_lon, spread_lon)
    return lat, lon, rng.uniform(0, math.pi)


def synthetic_addresses(
    *, houses_per_street: int = 60, flats_every: int = 0, seed: int = 16
) -> Iterator[GazetteerEntry]:
    """Addresses for every demo street, laid out along it, plus the landmarks officers name.

    Odd numbers run up one side of a straight street and even numbers the other; each run of
    `_HOUSES_PER_UNIT` houses shares a postcode unit in the street's sector, so postcodes agree
    with the sectors the demo records use.

    Args:
        houses_per_street: house numbers per street (1 to N).
        flats_every: every Nth house is split into flats 1-6 (0: no flats), for larger sets.
        seed: the same seed gives the same gazetteer.
    """
    rng = random.Random(seed)  # noqa: S311 - made-up data, not secrets
    uprn = FIRST_UPRN
    for landmark in gz.LANDMARKS:
        uprn += 1
        yield GazetteerEntry(
            str(uprn),
            f"{landmark.label}, {landmark.street}, {landmark.town}",
            f"{landmark.sector}{_unit(uprn % 400)}",
            round(landmark.lat, 7),
            round(landmark.lon, 7),
            landmark.label,
        )
    units: dict[str, int] = {}
    for town in gz.TOWNS:
        streets = [(s, True) for s in town.centre] + [(s, False) for s in town.residential]
        for street, centre in streets:
            lat0, lon0, bearing = _street_start(rng, town, centre)
            metres_lon = _METRES_PER_DEGREE * math.cos(math.radians(lat0))
            locality = f"{street.locality}, " if street.locality else ""
            first_unit = units.get(street.sector, 0)
            units[street.sector] = first_unit + houses_per_street // _HOUSES_PER_UNIT + 2
            for number in range(1, houses_per_street + 1):
                along = ((number + 1) // 2) * _FRONTAGE
                side = _SETBACK if number % 2 else -_SETBACK
                north = along * math.cos(bearing) - side * math.sin(bearing)
                east = along * math.sin(bearing) + side * math.cos(bearing)
                lat = lat0 + north / _METRES_PER_DEGREE
                lon = lon0 + east / metres_lon
                unit = _unit(first_unit + (number - 1) // _HOUSES_PER_UNIT)
                postcode = f"{street.sector}{unit}"
                line = f"{number} {street.name}, {locality}{town.name}"
                flats = 6 if flats_every and number % flats_every == 0 else 0
                if not flats:
                    uprn += 1
                    yield GazetteerEntry(str(uprn), line, postcode, round(lat, 7), round(lon, 7))
                for flat in range(1, flats + 1):
                    uprn += 1
                    yield GazetteerEntry(
                        str(uprn), f"Flat {flat}, {line}", postcode, round(lat, 7), round(lon, 7)
                    )


def write_gazetteer_csv(path: Path, entries: Iterator[GazetteerEntry]) -> int:
    """Write entries as an import file (``uprn, address, postcode, lat, lon, landmark``).

    Written beside its destination and renamed into place, so a reader never sees half a file.

    Returns:
        How many addresses were written.
    """
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=".gazetteer-", suffix=".part")
    count = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["uprn", "address", "postcode", "lat", "lon", "landmark"])
            for entry in entries:
                writer.writerow(entry.wire())
                count += 1
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return count
