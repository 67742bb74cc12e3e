"""When, where and how often the demo's encounters happen, and who the people in them are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fieldkit.demo import gazetteer as gz
from fieldkit.domain.vocabulary import District

# Shapes of activity ------------------------------------------------------------------------


def _hours(*spans: tuple[int, int, float]) -> tuple[float, ...]:
    # Hours 24 to 27 are after midnight: night-time economy work belongs to the evening before.
    weights = [0.0] * 28
    for start, end, weight in spans:
        for hour in range(start, end):
            weights[hour] += weight
    return tuple(weights)


DAYTIME = _hours((8, 10, 1), (10, 17, 3), (17, 21, 1.5))
SHOPPING = _hours((9, 12, 2), (12, 18, 3), (18, 20, 1))
EVENING = _hours((15, 18, 1.5), (18, 22, 3), (22, 24, 1))
NIGHT = _hours((20, 22, 1), (22, 24, 3), (24, 27, 2.5))
LATE = _hours((19, 23, 2), (23, 26, 3))
EARLY = _hours((6, 9, 3), (9, 12, 1))
OFFICE = _hours((9, 12, 2), (12, 13, 1), (13, 17, 2))
BROAD = _hours((8, 23, 1))

FLAT = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
WORKDAYS = (1.1, 1.1, 1.1, 1.1, 1.0, 0.3, 0.15)
SHOP_WEEK = (0.9, 0.9, 0.9, 1.0, 1.1, 1.4, 0.7)
WEEKEND = (0.7, 0.7, 0.7, 0.8, 1.2, 1.5, 1.3)
WEEKEND_NIGHTS = (0.05, 0.05, 0.1, 0.25, 1.0, 1.0, 0.1)
YOUTH_WEEK = (0.8, 0.8, 0.8, 0.9, 1.3, 1.3, 1.0)

TOWNS_BY_NAME = {town.name: town for town in gz.TOWNS}
_HD, _DW, _BS, _RU = (
    District.HUDDERSFIELD,
    District.DEWSBURY_MIRFIELD,
    District.BATLEY_SPEN,
    District.RURAL,
)
_BS_TOWNS = ("Batley", "Heckmondwike", "Cleckheaton", "Birstall")
_RU_TOWNS = ("Holmfirth", "Kirkburton", "Marsden", "Slaithwaite")
_ALL_TOWNS = tuple(TOWNS_BY_NAME)


@dataclass(frozen=True)
class Series:
    """One recurring kind of encounter: where, when, how often and how it changes over time."""

    theme: str
    share: float
    towns: tuple[str, ...]
    spots: tuple[str, ...]
    hours: tuple[float, ...]
    week: tuple[float, ...]
    #: Day of the year of the seasonal peak, and the peak's height as a fraction.
    season_peak: int = 196
    season_amp: float = 0.0
    #: Whether the town-centre early-intervention work cuts this series.
    intervention: bool = False


SERIES: tuple[Series, ...] = (
    # Huddersfield town centre.
    Series("street_drinking", 7.0, ("Huddersfield",), ("centre",), DAYTIME, FLAT, 196, 0.25),
    Series("begging", 3.5, ("Huddersfield",), ("centre", "shop"), DAYTIME, SHOP_WEEK, 350, 0.1),
    Series("rough_sleeping", 2.0, ("Huddersfield",), ("centre",), EARLY, FLAT, 15, 0.35),
    Series("shop_theft", 8.0, ("Huddersfield",), ("shop",), SHOPPING, SHOP_WEEK, 350, 0.1, True),
    Series("theft_person", 3.5, ("Huddersfield",), ("centre", "night"), SHOPPING, SHOP_WEEK,
           350, 0.1, True),
    Series("nte", 5.0, ("Huddersfield",), ("night",), NIGHT, WEEKEND_NIGHTS, 350, 0.15),
    Series("youth", 4.5, ("Huddersfield",), ("outdoor", "centre", "home"), EVENING, YOUTH_WEEK,
           200, 0.3),
    Series("neighbour", 3.5, ("Huddersfield",), ("home",), EVENING, WEEKEND, 200, 0.15),
    Series("drugs", 2.0, ("Huddersfield",), ("home", "centre"), BROAD, FLAT),
    Series("welfare", 1.5, ("Huddersfield",), ("centre", "home"), DAYTIME, FLAT, 15, 0.2),
    Series("damage", 1.0, ("Huddersfield",), ("centre", "outdoor"), LATE, WEEKEND),
    # Dewsbury & Mirfield.
    Series("street_drinking", 7.0, ("Dewsbury",), ("centre",), DAYTIME, FLAT, 196, 0.25),
    Series("begging", 2.0, ("Dewsbury",), ("centre", "shop"), DAYTIME, SHOP_WEEK, 350, 0.1),
    Series("rough_sleeping", 1.0, ("Dewsbury",), ("centre",), EARLY, FLAT, 15, 0.35),
    Series("shop_theft", 2.0, ("Dewsbury",), ("shop",), SHOPPING, SHOP_WEEK, 350, 0.1),
    Series("nte", 2.0, ("Dewsbury",), ("night",), NIGHT, WEEKEND_NIGHTS, 350, 0.15),
    Series("youth", 4.0, ("Dewsbury", "Mirfield"), ("outdoor", "centre", "home"), EVENING,
           YOUTH_WEEK, 200, 0.3),
    Series("neighbour", 3.0, ("Dewsbury", "Mirfield"), ("home",), EVENING, WEEKEND, 200, 0.15),
    Series("drugs", 2.0, ("Dewsbury",), ("home", "centre"), BROAD, FLAT),
    Series("welfare", 1.0, ("Dewsbury", "Mirfield"), ("centre", "home"), DAYTIME, FLAT, 15, 0.2),
    # Batley & Spen.
    Series("youth", 4.5, _BS_TOWNS, ("outdoor", "centre", "home"), EVENING, YOUTH_WEEK, 200, 0.3),
    Series("neighbour", 3.5, _BS_TOWNS, ("home",), EVENING, WEEKEND, 200, 0.15),
    Series("shop_theft", 2.0, ("Batley", "Birstall"), ("shop",), SHOPPING, SHOP_WEEK, 350, 0.1),
    Series("nte", 1.2, ("Batley", "Cleckheaton"), ("night",), NIGHT, WEEKEND_NIGHTS, 350, 0.15),
    Series("street_drinking", 1.0, ("Batley",), ("centre",), DAYTIME, FLAT, 196, 0.25),
    Series("drugs", 1.5, _BS_TOWNS, ("home", "centre"), BROAD, FLAT),
    Series("damage", 1.0, _BS_TOWNS, ("centre", "outdoor"), LATE, WEEKEND),
    Series("welfare", 1.0, _BS_TOWNS, ("centre", "home"), DAYTIME, FLAT, 15, 0.2),
    # Rural: noise and ASB in the villages, busier on summer weekends.
    Series("noise", 3.0, _RU_TOWNS, ("outdoor", "home"), LATE, WEEKEND, 196, 0.45),
    Series("youth", 2.0, _RU_TOWNS, ("outdoor", "centre"), EVENING, YOUTH_WEEK, 196, 0.4),
    Series("neighbour", 1.0, _RU_TOWNS, ("home",), EVENING, WEEKEND, 200, 0.15),
    Series("damage", 1.0, _RU_TOWNS, ("outdoor",), LATE, WEEKEND, 196, 0.3),
    # Everywhere: tenancy visits and the rare safeguarding (restricted) categories.
    Series("tenancy", 3.0, _ALL_TOWNS, ("case",), OFFICE, WORKDAYS),
    Series("domestic_abuse", 0.6, _ALL_TOWNS, ("home",), LATE, WEEKEND, 358, 0.2),
    Series("hate_incident", 0.4, _ALL_TOWNS, ("centre", "home"), BROAD, FLAT),
    Series("cse_concern", 0.2, _ALL_TOWNS, ("outdoor", "centre"), EVENING, YOUTH_WEEK),
)  # fmt: skip


def special_day_factor(theme: str, day: date) -> float:
    """Dates that bring their own trouble: mischief and bonfire nights, the summer holidays,
    Christmas and New Year's Eve."""
    month, dom = day.month, day.day
    if theme in ("youth", "damage") and ((month == 10 and dom >= 30) or (month == 11 and dom <= 6)):
        return 2.5
    if theme == "youth" and ((month == 7 and dom >= 22) or month == 8):
        return 1.3
    if theme == "nte" and month == 12:
        return 2.0 if dom == 31 else 1.3
    if theme == "domestic_abuse" and month == 12 and dom in (25, 26, 31):
        return 2.0
    return 1.0


# People ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    """Who a person is to the partnership, which shapes where they are seen and how old they are."""

    share: float
    districts: tuple[float, float, float, float]  # HD, DW, BS, RU
    ages: tuple[int, int]
    male: float
    #: Chance of being known only by description.
    unknown: float


DISTRICT_ORDER = (_HD, _DW, _BS, _RU)

ROLES: dict[str, Role] = {
    "drinker": Role(0.10, (0.45, 0.45, 0.1, 0.0), (28, 66), 0.8, 0.08),
    "beggar": Role(0.06, (0.55, 0.4, 0.05, 0.0), (20, 60), 0.75, 0.12),
    "thief": Role(0.14, (0.6, 0.2, 0.2, 0.0), (17, 55), 0.65, 0.06),
    "nte": Role(0.14, (0.55, 0.25, 0.2, 0.0), (18, 40), 0.75, 0.03),
    "youth": Role(0.18, (0.35, 0.25, 0.25, 0.15), (16, 19), 0.7, 0.0),
    "resident": Role(0.28, (0.35, 0.25, 0.25, 0.15), (18, 70), 0.5, 0.0),
    "drugs": Role(0.10, (0.4, 0.3, 0.25, 0.05), (18, 50), 0.75, 0.04),
}

#: Chance of South Asian and Eastern European names by district; the rest are British.
HERITAGE = {_HD: (0.25, 0.12), _DW: (0.35, 0.1), _BS: (0.3, 0.1), _RU: (0.04, 0.06)}

CLOTHES = (
    "green parka", "grey tracksuit", "black puffer jacket", "red beanie hat", "navy hoodie",
    "camouflage jacket", "hi-vis vest", "long brown coat", "white trainers, black joggers",
)  # fmt: skip
FEATURES = (
    "walks with a stick", "ginger beard", "tattoo on left hand", "Scottish accent",
    "speaks Polish", "carries a rucksack", "shaved head", "glasses", "limps slightly",
)  # fmt: skip
FLAGS = (
    ("risk to officers: violence", 4.0),
    ("dog", 3.0),
    ("needs interpreter: Polish", 1.0),
    ("hard of hearing", 1.0),
    ("known to carry needles", 1.5),
    ("vulnerable adult", 2.0),
)
VULNERABILITIES = (
    "mental health", "substance misuse", "learning disability", "cuckooing risk",
    "physical disability", "care leaver", "hoarding", "English not first language",
)  # fmt: skip
