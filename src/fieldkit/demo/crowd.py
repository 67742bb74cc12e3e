"""Many synthetic people with West Yorkshire names, for the name-search test and benchmark."""

from __future__ import annotations

import random
from datetime import date, timedelta

from fieldkit.demo import gazetteer as gz

DISTRICTS = ("huddersfield", "dewsbury_mirfield", "batley_spen", "rural")


def crowd(count: int, *, seed: int = 7) -> list[dict[str, object]]:
    """Person fields for `count` fictional people, deterministic for a seed.

    The mix follows the demo generator: British, South Asian and Eastern European names, with
    many people sharing a family name (as they do), some double-barrelled names, some aliases
    and most dates of birth recorded.
    """
    rng = random.Random(f"fieldkit-crowd:{seed}")  # noqa: S311 - test data, not secrets
    people: list[dict[str, object]] = []
    for _ in range(count):
        male = rng.random() < 0.6
        roll = rng.random()
        if roll < 0.4:
            given = rng.choice(gz.SOUTH_ASIAN_MALE if male else gz.SOUTH_ASIAN_FEMALE)
            family = rng.choice(gz.SOUTH_ASIAN_FAMILY)
        elif roll < 0.6:
            males, females, families = rng.choice(gz.EASTERN_EUROPEAN)
            pair = rng.choice(families)
            given, family = rng.choice(males if male else females), pair[0 if male else 1]
        else:
            given = rng.choice(gz.BRITISH_MALE if male else gz.BRITISH_FEMALE)
            family = rng.choice(gz.BRITISH_FAMILY)
            if rng.random() < 0.05:
                family = f"{family}-{rng.choice(gz.BRITISH_FAMILY)}"
        fields: dict[str, object] = {
            "given_name": given,
            "family_name": family,
            "district": rng.choice(DISTRICTS),
        }
        if rng.random() < 0.85:
            born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 58))
            fields["date_of_birth"] = born.isoformat()
        nickname = gz.NICKNAMES.get(given)
        if nickname and rng.random() < 0.3:
            fields["aliases"] = [nickname]
        people.append(fields)
    return people
