"""A deterministic, realistic synthetic data set for the four districts, streamed as new records."""

from __future__ import annotations

import bisect
import hashlib
import math
import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from fieldkit.demo import gazetteer as gz
from fieldkit.demo.narratives import (
    THEMES,
    Theme,
    case_note,
    closure_notes,
    signposting_method,
    visit_narrative,
    warning_texts,
)
from fieldkit.demo.patterns import (
    CLOTHES,
    DISTRICT_ORDER,
    FEATURES,
    FLAGS,
    HERITAGE,
    ROLES,
    SERIES,
    TOWNS_BY_NAME,
    VULNERABILITIES,
    special_day_factor,
)
from fieldkit.domain.asb import DISTRICT_PREFIX
from fieldkit.domain.legal_clocks import LONDON, add_calendar_months
from fieldkit.domain.records import RecordType
from fieldkit.domain.retention import add_months, day_of
from fieldkit.domain.vocabulary import District, ServiceNeed
from fieldkit.store.records import NewRecord


def service_id_for(name: str) -> str:
    """The demo directory's id for a service: the same for every seed and every data set.

    A version-4-shaped UUID made from a hash of the name, like every other id Fieldkit makes.
    """
    digest = hashlib.sha256(b"fieldkit demo service\0" + name.encode("utf-8")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


#: The default "today": fixed, so that the same seed always gives the same records.
DEFAULT_TODAY = date(2026, 11, 27)
#: When early interventions with alleged shop thieves began in Huddersfield town centre.
INTERVENTION_START = date(2026, 3, 1)
#: What the intervention leaves of shop theft and theft from the person (a 20% fall).
INTERVENTION_EFFECT = 0.8
#: How far back visits go.
HISTORY_DAYS = 730
#: The last days in which a few people's encounters rise sharply (early-warning examples).
SURGE_DAYS = 21
MIN_PLACES = 60
_DERIVED = -1

_HD, _DW, _BS, _RU = (
    District.HUDDERSFIELD,
    District.DEWSBURY_MIRFIELD,
    District.BATLEY_SPEN,
    District.RURAL,
)


#: Bounded search for a free address, so a very large demo size cannot loop forever.
_MAX_ADDRESS_TRIES = 11_000


@dataclass(frozen=True)
class DemoSize:
    """How much demo data to make; a field left out is derived from ``visits``.

    Attributes:
        visits: visits to make.
        people: people (default ``visits // 5``).
        places: places (default ``max(visits // 20, MIN_PLACES)``).
        tenancy_notes: tenancy notes, closure legal notes included (default ``visits // 20``).
    """

    visits: int
    people: int = _DERIVED
    places: int = _DERIVED
    tenancy_notes: int = _DERIVED

    def __post_init__(self) -> None:
        derived = DemoSize._defaults(self.visits)
        for name, value in derived.items():
            if getattr(self, name) == _DERIVED:
                object.__setattr__(self, name, value)
        for name in ("visits", "people", "places", "tenancy_notes"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")

    @staticmethod
    def _defaults(visits: int) -> dict[str, int]:
        return {
            "people": visits // 5,
            "places": max(visits // 20, MIN_PLACES),
            "tenancy_notes": visits // 20,
        }

    @classmethod
    def for_visits(cls, visits: int) -> DemoSize:
        """A balanced data set around a number of visits.

        Args:
            visits: how many visits to make.

        Returns:
            The size, with people, places and tenancy notes in proportion.
        """
        return cls(visits=visits, **cls._defaults(visits))


def generate(
    size: DemoSize,
    *,
    seed: int = 2026,
    officer_ids: Sequence[str] = ("demo.officer",),
    today: date | None = None,
    plant_retention: bool = False,
) -> Iterator[NewRecord]:
    """Stream a realistic, fictional data set in dependency order.

    Services come first, then places, people, tenancy cases, visits, signposting, warnings,
    tenancy notes and closures, then ASB cases with their parties, assessments and actions;
    every reference points at a record already yielded. The same
    arguments always give the same records, ids included.

    Args:
        size: how many visits, people, places and tenancy notes to make.
        seed: the seed for every random choice.
        officer_ids: who logs visits, in turn.
        today: visits fall in the two years before it; a fixed date if None.
        plant_retention: also yield the records planted for the retention review
            (``planted_records``): old enough to be due two years after ``today``.

    Returns:
        An iterator of new records, each valid under ``validate_fields``.

    Raises:
        ValueError: no officer ids, or tenancy notes asked for with no places to hold cases.
    """
    if not officer_ids:
        raise ValueError("at least one officer id is needed")
    if size.tenancy_notes and not size.places:
        raise ValueError("tenancy notes need at least one place")
    builder = _Builder(size, seed, tuple(officer_ids), today or DEFAULT_TODAY)
    builder.plant = plant_retention
    return builder.records()


# The retention plant ------------------------------------------------------------------------

#: How far on the retention review of an aged demo looks: two years after the demo's today.
AGED_MONTHS = 24


@dataclass(frozen=True)
class PlantedRecord:
    """A record planted so that it falls due for retention review two years on.

    Attributes:
        type: the record type.
        id: its id (the same for every seed and size with the same ``today``).
        word: a made-up word written only into this record, so a test can search a database
            for it after the record is erased.
        why: what starts its clock, in a few words.
    """

    type: RecordType
    id: str
    word: str
    why: str


def _planted_id(today: date, name: str) -> str:
    digest = hashlib.sha256(f"fieldkit demo retention\0{today}\0{name}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def planted_records(today: date | None = None) -> tuple[PlantedRecord, ...]:
    """The records ``generate(..., plant_retention=True)`` plants, due two years on.

    Each one's clock ran out between four and five years before ``today`` ended it: a visit
    recorded four years and two months earlier (72 months, then anonymise), and a tenancy case
    closed four and a half years earlier with its one note (72 months after the closure).

    Args:
        today: the demo's today; the fixed default if None.
    """
    day = today or DEFAULT_TODAY
    return (
        PlantedRecord(RecordType.VISIT, _planted_id(day, "visit"), "Quillonbrackmoss", "recorded"),
        PlantedRecord(
            RecordType.TENANCY_CASE,
            _planted_id(day, "tenancy_case"),
            "Marrowgillfold",
            "case closed",
        ),
        PlantedRecord(
            RecordType.TENANCY_NOTE,
            _planted_id(day, "tenancy_note"),
            "Tarnwhistlecote",
            "case closed",
        ),
    )


def due_when_aged(records: Iterable[NewRecord], *, today: date | None = None) -> set[str]:
    """The ids of a demo's records that are due for retention review two years after today.

    The demo keeps every other clock running two years on: people, places, visits and cases
    are kept 72 months (from the last visit, the visit, the closure), and services 120. What
    the shipped rules end sooner is due: every signposting (12 months after it was given), and
    every warning that had ended by today (24 months after its end). With the plant, its
    records (``planted_records``) are due too. The server's storage days (on or after the
    demo's today) start only 72- and 120-month clocks here; the reviews ``fieldkit demo``
    stages are dated when it runs, after its fixed today, so they are not due two years on
    from it either, and are not counted.

    Args:
        records: the demo's records, as ``generate`` gave them.
        today: the demo's today; the fixed default if None.
    """
    day = today or DEFAULT_TODAY
    aged = add_months(day, AGED_MONTHS)
    planted = {p.id for p in planted_records(day)}
    due: set[str] = set()
    for record in records:
        if record.id is None:
            continue
        if record.id in planted or record.type == RecordType.SIGNPOSTING.value:
            due.add(record.id)
        elif record.type == RecordType.WARNING.value:
            ended = day_of(record.fields.get("expires_at"))
            if ended is not None and add_months(ended, AGED_MONTHS) <= aged:
                due.add(record.id)
    return due


# The generator -----------------------------------------------------------------------------


class _Pool:
    """Items picked with a Zipf-like skew: the first few come up far more often than the rest."""

    def __init__(self, items: list[int], exponent: float = 1.0, offset: float = 1.0) -> None:
        self.items = items
        running = 0.0
        self.cum: list[float] = []
        for rank in range(len(items)):
            running += 1.0 / (rank + offset) ** exponent
            self.cum.append(running)
        self.total = running

    def pick(self, rng: random.Random) -> int:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass
class _Case:
    id: str
    place: int
    tenants: list[int]
    district: District
    opened: date
    address: str
    notes: int = 0
    closure: int = -1  # which closure (0 running, 1 expired), or -1 for none


@dataclass
class _Ladder:
    level: str = ""
    issued: date = date.min
    since: int = 0


@dataclass
class _People:
    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    named: list[bool] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    districts: list[District] = field(default_factory=list)
    born: list[int] = field(default_factory=list)  # ordinal of the date of birth, 0 if unknown


@dataclass
class _Places:
    ids: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    #: The label as said mid-sentence: "the taxi rank near 9 Kirkgate".
    spoken: list[str] = field(default_factory=list)
    towns: list[str] = field(default_factory=list)
    homes: list[int] = field(default_factory=list)


class _Builder:
    """Holds the little state the stream needs: ids to refer to, pools, warning ladders."""

    def __init__(self, size: DemoSize, seed: int, officers: tuple[str, ...], today: date) -> None:
        self.size = size
        self.officers = officers
        self.today = today
        self.start = today - timedelta(days=HISTORY_DAYS)
        # Separate streams, so that ids do not shift when a content choice is added.
        self.rng = random.Random(f"fieldkit-demo:{seed}")  # noqa: S311 - demo data, not secrets
        self.id_rng = random.Random(f"fieldkit-demo-ids:{seed}")  # noqa: S311
        self.services: list[tuple[str, gz.ServiceEntry]] = []
        self.people = _People()
        self.places = _Places()
        self.place_pools: dict[tuple[str, str], _Pool] = {}
        self.person_pools: dict[tuple[str, District | None], _Pool] = {}
        self.cases: list[_Case] = []
        self.case_pool: _Pool | None = None
        self.ladders: dict[tuple[str, int], _Ladder] = {}
        self.cpw_left = max(2, size.visits // 2000)
        self.signposting: list[NewRecord] = []
        self.warnings: list[NewRecord] = []
        self.plant = False

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.id_rng.getrandbits(128), version=4))

    def records(self) -> Iterator[NewRecord]:
        yield from self.make_services()
        yield from self.make_places()
        yield from self.make_people()
        yield from self.make_cases()
        yield from self.make_visits()
        yield from self.signposting
        yield from self.warnings
        yield from self.make_notes_and_closures()
        yield from self.make_asb_cases()
        if self.plant:
            yield from self.make_retention_plant()

    # The retention plant ---------------------------------------------------------------------

    def make_retention_plant(self) -> Iterator[NewRecord]:
        """Records whose retention clocks ran out years ago (``planted_records``).

        They draw nothing from the random streams, so every other record is the same with
        or without them.
        """
        visit, case, note = planted_records(self.today)
        home = self.places.homes[0] if self.places.homes else 0
        district = TOWNS_BY_NAME[self.places.towns[home]].district if self.places.ids else _HD
        seen = add_calendar_months(
            datetime(self.today.year, self.today.month, self.today.day, 14, 30, tzinfo=LONDON),
            -50,
        )
        yield NewRecord(
            RecordType.VISIT.value,
            {
                "occurred_at": seen.isoformat(timespec="seconds"),
                "district": district.value,
                "kind": "patrol",
                "categories": ["noise"],
                "person_ids": [],
                "narrative": f"Old patrol note: music from the {visit.word} yard, turned down "
                "when asked.",
                "actions": ["Words of advice"],
                "officer_id": self.officers[0],
                "sensitivity": "standard",
            },
            visit.id,
        )
        if not self.places.ids:
            return
        closed = add_calendar_months(
            datetime(self.today.year, self.today.month, self.today.day, 11, 0, tzinfo=LONDON),
            -54,
        )
        yield NewRecord(
            RecordType.TENANCY_CASE.value,
            {
                "place_id": self.places.ids[home],
                "tenant_ids": [],
                "landlord": "Kirklees Homes",
                "tenancy_ref": f"KH/{closed.year - 1}/00001",
                "district": district.value,
                "status": "closed",
                "sensitivity": "standard",
                "outcome": f"Resolved: the {case.word} dispute ended when the tenant moved.",
                "closed_at": closed.isoformat(timespec="seconds"),
            },
            case.id,
        )
        yield NewRecord(
            RecordType.TENANCY_NOTE.value,
            {
                "case_id": case.id,
                "written_at": (closed - timedelta(days=40)).isoformat(timespec="seconds"),
                "kind": "visit",
                "body": f"Visited about the {note.word} complaint; tenant plans to move.",
                "district": district.value,
                "sensitivity": "standard",
            },
            note.id,
        )

    # Services --------------------------------------------------------------------------------

    def make_services(self) -> Iterator[NewRecord]:
        for number, entry in enumerate(gz.SERVICES):
            # One directory, one id per service: two data sets generated with different seeds
            # (the team's laptops, the screens' vault) name the same service by the same id,
            # so it is listed once. The random id is still drawn, so other records keep theirs.
            self.new_id()
            service_id = service_id_for(entry.name)
            self.services.append((service_id, entry))
            slug = "-".join(entry.name.lower().replace(",", "").replace("&", "and").split())
            yield NewRecord(
                RecordType.SERVICE.value,
                {
                    "name": entry.name,
                    "categories": [need.value for need in entry.needs],
                    "description": entry.description,
                    # Ofcom keeps 01632 960000-960999 for drama: no real line can be rung.
                    "phone": f"01632 960{100 + number * 7:03d}",
                    "address": f"{10 + number * 3} {entry.street}, {entry.town} {entry.sector}"
                    + self.unit(),
                    "opening_hours": entry.hours,
                    "website": f"https://example.org/kirklees/{slug}",
                    "districts": [d.value for d in entry.districts],
                },
                service_id,
            )

    def services_for(self, needs: Sequence[ServiceNeed], district: District) -> list[str]:
        wanted = list(needs)
        self.rng.shuffle(wanted)
        chosen: list[str] = []
        for need in wanted[: self.rng.choice((1, 2, 2, 3))]:
            options = [
                sid for sid, e in self.services if need in e.needs and district in e.districts
            ]
            if options:
                pick = self.rng.choice(options)
                if pick not in chosen:
                    chosen.append(pick)
        return chosen or [self.services[0][0]]

    # Places ----------------------------------------------------------------------------------

    def unit(self) -> str:
        letters = "ABDEFGHJLNPQRSTUWXYZ"
        return self.rng.choice(letters) + self.rng.choice(letters)

    def make_places(self) -> Iterator[NewRecord]:
        rng, total = self.rng, self.size.places
        by_use: dict[tuple[str, str], list[int]] = {}
        anchors: dict[tuple[str, str], tuple[float, float]] = {}
        for town in gz.TOWNS:
            for street in town.centre:
                anchors[town.name, street.name] = (
                    town.lat + rng.uniform(-0.0025, 0.0025),
                    town.lon + rng.uniform(-0.004, 0.004),
                )
            for street in town.residential:
                anchors[town.name, street.name] = (
                    town.lat + rng.uniform(-0.012, 0.012),
                    town.lon + rng.uniform(-0.02, 0.02),
                )
        for landmark in gz.LANDMARKS[:total]:
            index = self.add_place(landmark.label, landmark.town, landmark.label)
            for use in landmark.uses:
                by_use.setdefault((landmark.town, use), []).append(index)
            yield self.place_record(
                index,
                label=landmark.label,
                address=f"{landmark.street}, {landmark.town}",
                postcode=f"{landmark.sector}{self.unit()}",
                uprn=None,
                district=TOWNS_BY_NAME[landmark.town].district,
                at=(landmark.lat, landmark.lon),
            )
        remaining = max(0, total - len(gz.LANDMARKS))
        premises = remaining * 3 // 10
        towns = list(gz.TOWNS)
        centre_weights = [t.weight * len(t.centre) for t in towns]
        home_weights = [t.weight for t in towns]
        taken: set[tuple[str, str]] = set()
        for made in range(remaining):
            is_home = made >= premises
            town = rng.choices(towns, weights=home_weights if is_home else centre_weights)[0]
            street = rng.choice(town.residential if is_home else town.centre)
            for attempt in range(_MAX_ADDRESS_TRIES):
                if attempt and attempt % 40 == 0:  # this street is full: try another in town
                    street = rng.choice(town.residential if is_home else town.centre)
                # Past a few hundred tries the town is crowded: use lettered numbers (12A).
                suffix = "" if attempt < 400 else chr(ord("A") + (attempt // 400 - 1) % 26)
                number = rng.randint(1, 180 if is_home else 90)
                line = f"{number}{suffix} {street.name}"
                if is_home and rng.random() < 0.25:
                    line = f"Flat {rng.randint(1, 12)}, {line}"
                if (town.name, line) not in taken:
                    taken.add((town.name, line))
                    break
            else:
                raise ValueError(f"too many places for the gazetteer of {town.name}")
            if is_home:
                label, uses, uprn = line, frozenset({"home"}), True
            else:
                kind, uses = rng.choice(gz.PREMISES)
                uprn = kind not in ("Cash machine", "Shop doorway", "Car park", "Taxi rank")
                label = f"{kind}, {line}" if uprn else f"{kind} near {line}"
            locality = f"{street.locality}, " if street.locality else ""
            lat, lon = anchors[town.name, street.name]
            spoken = label if is_home else f"the {label[0].lower()}{label[1:]}"
            index = self.add_place(label, town.name, spoken)
            if is_home:
                self.places.homes.append(index)
            for use in uses:
                by_use.setdefault((town.name, use), []).append(index)
            yield self.place_record(
                index,
                label=label,
                address=f"{line}, {locality}{town.name}",
                postcode=f"{street.sector}{self.unit()}",
                uprn=f"{831_000_000_000 + index * 97 + rng.randrange(97)}" if uprn else None,
                district=town.district,
                at=(lat + rng.uniform(-0.0006, 0.0006), lon + rng.uniform(-0.0009, 0.0009)),
            )
        for key, items in by_use.items():
            # Landmarks lead their pools: the bus station and the market are the hotspots.
            lead = [i for i in items if i < len(gz.LANDMARKS)]
            tail = [i for i in items if i >= len(gz.LANDMARKS)]
            rng.shuffle(tail)
            self.place_pools[key] = _Pool(lead + tail, exponent=1.0, offset=1.5)

    def add_place(self, label: str, town: str, spoken: str) -> int:
        self.places.ids.append(self.new_id())
        self.places.labels.append(label)
        self.places.spoken.append(spoken)
        self.places.towns.append(town)
        return len(self.places.ids) - 1

    def place_record(
        self,
        index: int,
        *,
        label: str,
        address: str,
        postcode: str,
        uprn: str | None,
        district: District,
        at: tuple[float, float],
    ) -> NewRecord:
        fields: dict[str, object] = {
            "label": label,
            "address": address,
            "postcode": postcode,
            "district": district.value,
            "lat": round(at[0], 6),
            "lon": round(at[1], 6),
        }
        if uprn:
            fields["uprn"] = uprn
        return NewRecord(RecordType.PLACE.value, fields, self.places.ids[index])

    def pick_place(self, town: str, spots: Sequence[str]) -> int | None:
        use = spots[0] if len(spots) == 1 else self.rng.choice(spots)
        for key in ((town, use), (town, "centre"), (town, "home")):
            pool = self.place_pools.get(key)
            if pool is not None:
                return pool.pick(self.rng)
        return self.rng.randrange(len(self.places.ids)) if self.places.ids else None

    # People ----------------------------------------------------------------------------------

    def make_people(self) -> Iterator[NewRecord]:
        rng, people = self.rng, self.people
        role_names = list(ROLES)
        role_weights = [ROLES[r].share for r in role_names]
        for _ in range(self.size.people):
            role_name = rng.choices(role_names, weights=role_weights)[0]
            role = ROLES[role_name]
            district = rng.choices(DISTRICT_ORDER, weights=role.districts)[0]
            male = rng.random() < role.male
            fields: dict[str, object] = {"district": district.value}
            age = rng.randint(*role.ages)
            born = 0
            if rng.random() < role.unknown:
                decade = max(age // 10 * 10, 20)
                sex = "male" if male else "female"
                fields["description"] = (
                    f"{sex}, {decade}s, {rng.choice(CLOTHES)}, {rng.choice(FEATURES)}, "
                    f"usually near {self.haunt(district)}"
                )
                name = f"an unknown {'man' if male else 'woman'}"
            else:
                given, family = self.name(district, male)
                fields["given_name"], fields["family_name"] = given, family
                name = f"{given} {family}"
                if rng.random() < 0.1:
                    fields["aliases"] = [self.alias(given, family)]
                if rng.random() < 0.87:
                    birthday = self.today - timedelta(days=age * 365 + rng.randrange(360) + 1)
                    fields["date_of_birth"] = birthday.isoformat()
                    born = birthday.toordinal()
            if rng.random() < 0.03 or (role_name in ("drinker", "drugs") and rng.random() < 0.04):
                fields["flags"] = [rng.choices(*zip(*FLAGS, strict=True))[0]]
            person_id = self.new_id()
            people.ids.append(person_id)
            people.names.append(name)
            people.named.append("given_name" in fields)
            people.roles.append(role_name)
            people.districts.append(district)
            people.born.append(born)
            yield NewRecord(RecordType.PERSON.value, fields, person_id)
        grouped: dict[tuple[str, District | None], list[int]] = {}
        for index, (role_name, district) in enumerate(
            zip(people.roles, people.districts, strict=True)
        ):
            grouped.setdefault((role_name, district), []).append(index)
            grouped.setdefault((role_name, None), []).append(index)
        for key, items in grouped.items():
            rng.shuffle(items)
            self.person_pools[key] = _Pool(items, exponent=1.05, offset=2.0)

    def haunt(self, district: District) -> str:
        spots = {
            _HD: ("the bus station", "St George's Square", "the Open Market", "Kirkgate"),
            _DW: ("the market", "the bus station", "the Minster", "Northgate"),
            _BS: ("Batley bus station", "the market", "Heckmondwike Green"),
            _RU: ("the bus station", "the park", "the canal"),
        }[district]
        return self.rng.choice(spots)

    def name(self, district: District, male: bool) -> tuple[str, str]:
        rng = self.rng
        south_asian, eastern = HERITAGE[district]
        roll = rng.random()
        if roll < south_asian:
            given = rng.choice(gz.SOUTH_ASIAN_MALE if male else gz.SOUTH_ASIAN_FEMALE)
            return given, rng.choice(gz.SOUTH_ASIAN_FAMILY)
        if roll < south_asian + eastern:
            males, females, families = rng.choice(gz.EASTERN_EUROPEAN)
            pair = rng.choice(families)
            return rng.choice(males if male else females), pair[0 if male else 1]
        given = rng.choice(gz.BRITISH_MALE if male else gz.BRITISH_FEMALE)
        return given, rng.choice(gz.BRITISH_FAMILY)

    def alias(self, given: str, family: str) -> str:
        nickname = gz.NICKNAMES.get(given)
        if nickname and self.rng.random() < 0.7:
            return nickname
        if family.startswith("Mo") or given in ("Muhammad", "Mohammed"):
            return f"Mohammad {family}"
        return self.rng.choice((f"{given} {self.rng.choice(gz.BRITISH_FAMILY)}", f"{given[0]}."))

    def pick_people(self, role: str, district: District, count: int) -> list[int]:
        pool = self.person_pools.get((role, district)) or self.person_pools.get((role, None))
        if pool is None:
            if not self.people.ids:
                return []
            pool = next(iter(self.person_pools.values()))
        chosen: list[int] = []
        for _ in range(count):
            index = pool.pick(self.rng)
            if index not in chosen:
                chosen.append(index)
        return chosen

    # Tenancy cases ---------------------------------------------------------------------------

    def make_cases(self) -> Iterator[NewRecord]:
        rng, notes = self.rng, self.size.tenancy_notes
        if not notes:
            return
        homes = self.places.homes or list(range(len(self.places.ids)))
        count = min(len(homes), max(1, notes // 12))
        closures = 2 if notes >= 60 and count >= 4 else 1 if notes >= 30 and count >= 2 else 0
        for number, place in enumerate(rng.sample(homes, count)):
            district = TOWNS_BY_NAME[self.places.towns[place]].district
            closure = number if number < closures else -1
            tenants = self.pick_tenants(district)
            opened = self.today - timedelta(days=rng.randint(45, HISTORY_DAYS - 20))
            if closure >= 0:
                opened = self.today - timedelta(days=rng.randint(150, 200) + closure * 240)
            landlord = rng.choices(*zip(*gz.LANDLORDS, strict=True))[0]
            prefix = "".join(word[0] for word in landlord.split() if word[0].isupper())[:3]
            status = rng.choices(("open", "monitoring", "closed"), weights=(5, 3, 2))[0]
            if closure == 0:
                status = "closure_in_progress"
            elif closure == 1:
                status = "monitoring"
            fields: dict[str, object] = {
                "place_id": self.places.ids[place],
                "tenant_ids": [self.people.ids[t] for t in tenants],
                "landlord": landlord,
                "tenancy_ref": f"{prefix}/{opened.year}/{rng.randrange(1, 99999):05d}",
                "district": district.value,
                "status": status,
                "sensitivity": "restricted" if rng.random() < 0.06 else "standard",
            }
            if closure >= 0 or rng.random() < 0.55:
                fields["vulnerability"] = rng.sample(VULNERABILITIES, rng.randint(1, 2))
            case = _Case(self.new_id(), place, tenants, district, opened, "", closure=closure)
            case.address = self.places.labels[place]
            self.cases.append(case)
            yield NewRecord(RecordType.TENANCY_CASE.value, fields, case.id)
        # Every case gets a note, closure cases enough for their legal steps; the rest skew.
        for case in self.cases:
            case.notes = 8 if case.closure >= 0 else 1
        spare = notes - sum(case.notes for case in self.cases)
        weights = [4.0 if c.closure >= 0 else 1.0 / (i % 17 + 1) for i, c in enumerate(self.cases)]
        for chosen in rng.choices(range(len(self.cases)), weights=weights, k=max(spare, 0)):
            self.cases[chosen].notes += 1
        order = list(range(len(self.cases)))
        weights_for_visits = [3.0 if c.closure >= 0 else 1.0 for c in self.cases]
        rng.shuffle(order)
        self.case_pool = _Pool(sorted(order, key=lambda i: -weights_for_visits[i]), offset=2.0)

    def pick_tenants(self, district: District) -> list[int]:
        pool = self.person_pools.get(("resident", district)) or self.person_pools.get(
            ("resident", None)
        )
        if pool is None:
            return []
        first = self.rng.choice(pool.items)
        if self.rng.random() < 0.2:
            second = self.rng.choice(pool.items)
            if second != first:
                return [first, second]
        return [first]

    # Visits ----------------------------------------------------------------------------------

    def day_counts(self, visits: int) -> list[list[int]]:
        """How many visits of each series fall on each day: exact totals, realistic shapes."""
        rng, days = self.rng, [self.start + timedelta(days=n) for n in range(HISTORY_DAYS)]
        total_share = sum(s.share for s in SERIES)
        wanted = _spread(visits, [s.share / total_share for s in SERIES], rng)
        counts: list[list[int]] = []
        for series, n in zip(SERIES, wanted, strict=True):
            weights = []
            for day in days:
                season = 1 + series.season_amp * math.cos(
                    2 * math.pi * (day.timetuple().tm_yday - series.season_peak) / 365.25
                )
                weight = series.week[day.weekday()] * season * special_day_factor(series.theme, day)
                if series.intervention and day >= INTERVENTION_START:
                    weight *= INTERVENTION_EFFECT
                weights.append(weight * rng.lognormvariate(0, 0.25))
            counts.append(_spread(n, weights, rng))
        return counts

    def surge_plan(self) -> list[int]:
        """People seen rarely until their encounters rise sharply in the last weeks: one entry
        per visit, so the list's length is how many visits they take from the total."""
        rng = self.rng
        candidates = [
            i
            for role in _SURGE_THEMES
            for i in (self.person_pools.get((role, None)) or _Pool([])).items[-40:]
            if self.people.named[i]
        ]
        people = min(5, max(1, self.size.people // 200), len(candidates))
        chosen = rng.sample(candidates, people) if candidates else []
        plan = [p for p in chosen for _ in range(rng.randint(9, 14))]
        return plan[: self.size.visits // 25]

    def make_visits(self) -> Iterator[NewRecord]:
        rng = self.rng
        surge = self.surge_plan()
        counts = self.day_counts(self.size.visits - len(surge))
        surge_days = _spread(len(surge), [float(n + 1) for n in range(SURGE_DAYS)], rng)
        surge_at = HISTORY_DAYS - SURGE_DAYS
        hour_range = range(28)
        cum_hours = [list(_accumulate(s.hours)) for s in SERIES]
        officer = 0
        for day_index in range(HISTORY_DAYS):
            day = self.start + timedelta(days=day_index)
            last_day = day_index == HISTORY_DAYS - 1
            slots: list[tuple[int, int, int]] = []
            for series_index, series_counts in enumerate(counts):
                for _ in range(series_counts[day_index]):
                    hour = rng.choices(hour_range, cum_weights=cum_hours[series_index])[0]
                    if last_day and hour >= 24:
                        hour -= 4
                    slots.append((hour * 60 + rng.randrange(60), series_index, -1))
            if day_index >= surge_at:
                for _ in range(surge_days[day_index - surge_at]):
                    person = surge.pop()
                    slots.append((rng.randint(10 * 60, 20 * 60), -1, person))
            slots.sort()
            midnight = datetime(day.year, day.month, day.day, tzinfo=LONDON)
            for minute, series_index, person in slots:
                at = (midnight + timedelta(minutes=minute)).astimezone(UTC).astimezone(LONDON)
                yield self.visit(at, series_index, person, self.officers[officer])
                officer = (officer + 1) % len(self.officers)

    def visit(self, at: datetime, series_index: int, forced: int, officer: str) -> NewRecord:
        rng = self.rng
        if forced >= 0:
            district = self.people.districts[forced]
            role = self.people.roles[forced]
            theme_name = _SURGE_THEMES[role]
            town = _DISTRICT_TOWNS[district]
            spots: tuple[str, ...] = ("centre",) if role != "resident" else ("home",)
        else:
            series = SERIES[series_index]
            theme_name = series.theme
            town = series.towns[0] if len(series.towns) == 1 else self.pick_town(series.towns)
            district = TOWNS_BY_NAME[town].district
            spots = series.spots
        theme = THEMES[theme_name]
        visit_id = self.new_id()
        people: list[int]
        if spots == ("case",) and self.cases and self.case_pool is not None:
            case = self.cases[self.case_pool.pick(rng)]
            place: int | None = case.place
            district = case.district
            people = list(case.tenants)
        else:
            place = self.pick_place(town, spots)
            lo, hi = theme.people
            count = lo + int((hi - lo + 1) * rng.random() ** 2)
            people = self.pick_people(theme.role, district, count)
        if forced >= 0 and forced not in people:
            people.insert(0, forced)
        categories = [theme.categories[0]]
        for category, chance in theme.extra:
            if rng.random() < chance and category not in categories:
                categories.append(category)
        fields: dict[str, object] = {
            "occurred_at": at.isoformat(timespec="seconds"),
            "district": district.value,
            "kind": rng.choices(theme.kinds, weights=theme.kind_weights)[0],
            "categories": categories,
            "person_ids": [self.people.ids[p] for p in people],
            "narrative": visit_narrative(
                rng,
                theme,
                place=self.places.spoken[place] if place is not None else town,
                town=town,
                district=district,
                who=[self.people.names[p] for p in people],
            ),
            "actions": rng.sample(theme.actions, rng.randint(1, min(3, len(theme.actions)))),
            "officer_id": officer,
            "sensitivity": "restricted" if theme.restricted else "standard",
        }
        if place is not None:
            fields["place_id"] = self.places.ids[place]
        if rng.random() < theme.follow_up:
            fields["follow_up_due"] = (
                at.date() + timedelta(days=rng.choice((7, 14, 28)))
            ).isoformat()
        self.after_visit(visit_id, at, theme, district, place, people)
        return NewRecord(RecordType.VISIT.value, fields, visit_id)

    def pick_town(self, towns: tuple[str, ...]) -> str:
        return self.rng.choices(towns, weights=[TOWNS_BY_NAME[t].weight for t in towns])[0]

    # Warnings and signposting ----------------------------------------------------------------

    def after_visit(
        self,
        visit_id: str,
        at: datetime,
        theme: Theme,
        district: District,
        place: int | None,
        people: list[int],
    ) -> None:
        rng = self.rng
        for person in people:
            if not self.people.named[person] or theme.ladder is None:
                continue
            if theme.ladder == "street_drinking_vagrancy" and district not in (_HD, _DW):
                continue
            level = self.climb(theme.ladder, person, at.date())
            if level:
                signposting_id = self.signpost(visit_id, at, theme, district, person, True)
                self.warn(visit_id, signposting_id, at, theme, district, place, person, level)
                return
        if people and rng.random() < theme.signpost:
            self.signpost(visit_id, at, theme, district, people[0], False)

    def climb(self, scheme: str, person: int, day: date) -> str:
        """Move a person up a scheme's ladder if this encounter is the breach that does it."""
        rng = self.rng
        ladder = self.ladders.setdefault((scheme, person), _Ladder())
        if ladder.level and (day - ladder.issued).days >= 365:
            ladder.level, ladder.since = "", 0
        ladder.since += 1
        days = (day - ladder.issued).days
        if scheme == "street_drinking_vagrancy":
            if not ladder.level and ladder.since >= 3 and rng.random() < 0.45:
                level = "yellow"
            elif ladder.level == "yellow" and ladder.since >= 2 and days >= 10:
                level = "red" if rng.random() < 0.3 else ""
            else:
                level = ""
        else:
            born = self.people.born[person]
            adult = born and day.toordinal() - born >= 16 * 366
            if not adult:
                level = ""
            elif not ladder.level and ladder.since >= 4 and self.cpw_left and rng.random() < 0.25:
                level, self.cpw_left = "cpw", self.cpw_left - 1
            elif ladder.level == "cpw" and ladder.since >= 2 and days >= 28:
                level = "cpn" if rng.random() < 0.2 else ""
            else:
                level = ""
        if level:
            ladder.level, ladder.issued, ladder.since = level, day, 0
        return level

    def signpost(
        self,
        visit_id: str,
        at: datetime,
        theme: Theme,
        district: District,
        person: int,
        with_warning: bool,
    ) -> str:
        rng = self.rng
        method = signposting_method(rng, with_warning)
        signposting_id = self.new_id()
        given = at + timedelta(minutes=rng.randint(3, 12))
        self.signposting.append(
            NewRecord(
                RecordType.SIGNPOSTING.value,
                {
                    "person_id": self.people.ids[person],
                    "service_ids": self.services_for(theme.needs, district),
                    "consent_to_referral": method == "referral" or rng.random() < 0.25,
                    "given_at": given.isoformat(timespec="seconds"),
                    "method": method,
                    "visit_id": visit_id,
                    "district": district.value,
                },
                signposting_id,
            )
        )
        return signposting_id

    def warn(
        self,
        visit_id: str,
        signposting_id: str,
        at: datetime,
        theme: Theme,
        district: District,
        place: int | None,
        person: int,
        level: str,
    ) -> None:
        issued = at + timedelta(minutes=self.rng.randint(5, 20))
        ladder = self.ladders[(str(theme.ladder), person)]
        behaviour, conditions = warning_texts(
            self.rng,
            level,
            place=self.places.labels[place] if place is not None else "the town centre",
            issued=issued,
            since=ladder.issued,
        )
        fields: dict[str, object] = {
            "person_id": self.people.ids[person],
            "scheme": str(theme.ladder),
            "level": level,
            "issued_at": issued.isoformat(timespec="seconds"),
            "district": district.value,
            "behaviour": behaviour,
            "conditions": conditions,
            "expires_at": add_calendar_months(issued, 12).isoformat(timespec="seconds"),
            "status": "issued",
            "visit_id": visit_id,
            "signposting_id": signposting_id,
        }
        if place is not None:
            fields["place_id"] = self.places.ids[place]
        self.warnings.append(NewRecord(RecordType.WARNING.value, fields, self.new_id()))

    # Tenancy notes and closures --------------------------------------------------------------

    def make_notes_and_closures(self) -> Iterator[NewRecord]:
        rng = self.rng
        closures: list[NewRecord] = []
        for case in self.cases:
            notes: list[tuple[datetime, str, str]] = []
            end = self.today - timedelta(days=1)
            if case.closure >= 0:
                legal, closure = self.closure(case)
                closures.append(closure)
                notes.extend(legal)
            span = max((end - case.opened).days, 1)
            tenant = self.people.names[case.tenants[0]] if case.tenants else "the tenant"
            while len(notes) < case.notes:
                day = case.opened + timedelta(days=rng.randrange(span))
                if day.weekday() >= 5 and rng.random() < 0.85:
                    day -= timedelta(days=day.weekday() - 4)
                written = datetime(
                    day.year, day.month, day.day, rng.randint(9, 16), rng.randrange(60),
                    tzinfo=LONDON,
                )  # fmt: skip
                kind, body = case_note(rng, tenant=tenant, address=case.address)
                notes.append((written, kind, body))
            notes.sort(key=lambda note: note[0])
            for written, kind, body in notes:
                yield NewRecord(
                    RecordType.TENANCY_NOTE.value,
                    {
                        "case_id": case.id,
                        "written_at": written.astimezone(UTC)
                        .astimezone(LONDON)
                        .isoformat(timespec="seconds"),
                        "kind": kind,
                        "body": body,
                        "district": case.district.value,
                        "sensitivity": "standard",
                    },
                    self.new_id(),
                )
        yield from closures

    def closure(self, case: _Case) -> tuple[list[tuple[datetime, str, str]], NewRecord]:
        """A closure on a problem tenancy: notice, hearing next day, three-month order."""
        rng = self.rng
        back = rng.randint(30, 45) if case.closure == 0 else rng.randint(180, 260)
        served_day = self.today - timedelta(days=back)
        while served_day.weekday() > 2 or (served_day.month, served_day.day) >= (12, 18):
            served_day -= timedelta(days=1)
        served = datetime(
            served_day.year, served_day.month, served_day.day, rng.randint(10, 14),
            rng.choice((0, 15, 30, 45)), tzinfo=LONDON,
        )  # fmt: skip
        next_day = served_day + timedelta(days=1)
        hearing = datetime(next_day.year, next_day.month, next_day.day, 10, 0, tzinfo=LONDON)
        made = hearing + timedelta(minutes=rng.randint(70, 130))
        expired = add_calendar_months(made, 3).date() < self.today
        tenant = self.people.names[case.tenants[0]] if case.tenants else "the tenant"
        legal = closure_notes(
            served=served, hearing=hearing, made=made, expired=expired,
            address=case.address, tenant=tenant,
        )  # fmt: skip
        record = NewRecord(
            RecordType.CLOSURE.value,
            {
                "case_id": case.id,
                "district": case.district.value,
                "notice_served_at": served.isoformat(timespec="seconds"),
                "notice_hours": 48 if case.closure == 0 else 24,
                "hearing_at": hearing.isoformat(timespec="seconds"),
                "order_made_at": made.isoformat(timespec="seconds"),
                "order_months": 3,
                "status": "expired" if expired else "order_made",
            },
            self.new_id(),
        )
        return [(at, "legal", body) for at, body in legal], record

    # ASB cases --------------------------------------------------------------------------------

    def make_asb_cases(self) -> Iterator[NewRecord]:
        """A few ASB cases in every district, with parties, risk assessments and actions.

        Drawn from their own random stream, after everything else, so that adding them moved
        no other record.
        """
        rng = random.Random(f"fieldkit-demo-asb:{self.rng.random()}")  # noqa: S311 - demo data
        per_district = max(2, self.size.visits // 1500)
        for district in DISTRICT_ORDER:
            local = [
                i
                for i, d in enumerate(self.people.districts)
                if d is district and self.people.named[i]
            ]
            if not local:
                continue
            for number in range(1, per_district + 1):
                yield from self.asb_case(rng, district, number, local)

    def asb_case(
        self, rng: random.Random, district: District, number: int, local: list[int]
    ) -> Iterator[NewRecord]:
        case_id = self.new_id()
        title, category = rng.choice(_ASB_TITLES)
        opened = self.today - timedelta(days=rng.randrange(10, 200))
        closed = number % 4 == 0
        owner = self.officers[number % len(self.officers)]
        reference = f"{DISTRICT_PREFIX[district]}-{opened.year}-DEM0K1-{number:04d}"
        review = self.today + timedelta(days=rng.randrange(-10, 28))
        yield NewRecord(
            RecordType.ASB_CASE.value,
            {
                "reference": reference,
                "title": title,
                "category": category,
                "district": district.value,
                "owner": owner,
                "lead_agency": rng.choice(("council", "police", "housing")),
                "status": "closed" if closed else rng.choice(("open", "open", "monitoring")),
                "outcome": "Behaviour stopped after an ABC and mediation." if closed else None,
                "opened_on": opened.isoformat(),
                "closed_on": (opened + timedelta(days=60)).isoformat() if closed else None,
                "next_review_on": review.isoformat(),
            },
            case_id,
        )
        victim = rng.choice(local)
        others = [i for i in local if i != victim]
        parties = [(victim, "victim")]
        if others:
            parties.append((rng.choice(others), "alleged_perpetrator"))
        for person, role in parties:
            contacts = ["Victim Support: duty worker"] if role == "victim" else []
            yield NewRecord(
                RecordType.ASB_PARTY.value,
                {
                    "case_id": case_id,
                    "person_id": self.people.ids[person],
                    "role": role,
                    "agency_contacts": contacts,
                    "added_on": opened.isoformat(),
                    "district": district.value,
                },
                self.new_id(),
            )
        # The first case in each district is high risk, so every district has one to discuss.
        band, score = ("high", 26) if number == 1 else rng.choice(_DEMO_BANDS)
        assessed = opened + timedelta(days=1)
        days = {"high": 7, "medium": 14, "standard": 28}[band]
        yield NewRecord(
            RecordType.ASB_RISK.value,
            {
                "case_id": case_id,
                "person_id": self.people.ids[victim],
                "matrix_id": "asb_victim_risk",
                "matrix_version": 1,
                "score": score,
                "band": band,
                "assessed_at": f"{assessed.isoformat()}T10:00:00+00:00",
                "assessed_by": owner,
                "reassess_by": (assessed + timedelta(days=days)).isoformat(),
                "district": district.value,
            },
            self.new_id(),
        )
        for what in rng.sample(_ASB_ACTIONS, 2):
            due = self.today + timedelta(days=rng.randrange(-7, 21))
            yield NewRecord(
                RecordType.ASB_ACTION.value,
                {
                    "case_id": case_id,
                    "what": what,
                    "assignee": self.officers[rng.randrange(len(self.officers))],
                    "due_on": due.isoformat(),
                    "status": "done" if closed else "open",
                    "outcome": "Done." if closed else None,
                    "case_reference": reference,
                    "case_title": title,
                    "district": district.value,
                },
                self.new_id(),
            )


_SURGE_THEMES = {
    "drinker": "street_drinking",
    "beggar": "begging",
    "youth": "youth",
    "drugs": "drugs",
    "resident": "neighbour",
}
_DISTRICT_TOWNS = {_HD: "Huddersfield", _DW: "Dewsbury", _BS: "Batley", _RU: "Holmfirth"}


def _accumulate(weights: Sequence[float]) -> Iterator[float]:
    running = 0.0
    for weight in weights:
        running += weight
        yield running


def _spread(total: int, weights: Sequence[float], rng: random.Random) -> list[int]:
    """Share ``total`` out over ``weights`` by systematic rounding: exact, with little noise."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    counts: list[int] = []
    running = rng.random()
    before = 0
    for weight in weights:
        running += total * weight / whole
        after = int(running)
        counts.append(after - before)
        before = after
    counts[-1] += total - sum(counts)
    return counts


_ASB_TITLES = (
    ("Loud music from the flat above, late at night", "nuisance"),
    ("Youths gathering at the bus station", "nuisance"),
    ("Neighbour dispute: verbal abuse over parking", "personal"),
    ("Fly-tipping behind the shops", "environmental"),
    ("Graffiti on the underpass", "environmental"),
    ("Intimidation of an older resident", "personal"),
    ("Street drinking outside the off-licence", "nuisance"),
)
_ASB_ACTIONS = (
    "Deliver diary sheets to the victim",
    "Letter drop to neighbouring houses",
    "Refer to mediation",
    "Joint visit with the housing officer",
    "Check CCTV for the last weekend",
    "Offer Victim Support referral",
)
_DEMO_BANDS = (("standard", 4), ("standard", 7), ("medium", 13), ("medium", 16))
