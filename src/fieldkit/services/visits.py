"""Logging a visit: places and people to pick from or add inline, and the officer's visit list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fieldkit.domain.gazetteer import GazetteerEntry
from fieldkit.domain.geo import district_at
from fieldkit.domain.legal_clocks import format_datetime
from fieldkit.domain.records import RecordType, is_restricted
from fieldkit.domain.vocabulary import District
from fieldkit.services.gazetteer import GazetteerService
from fieldkit.services.maps import held_outlines
from fieldkit.services.people import PeopleService, PersonRow, category_label, parse_moment
from fieldkit.services.records import RecordService
from fieldkit.store.records import StoredRecord
from fieldkit.store.vault import Vault
from fieldkit.store.visit_lists import VisitCursor, latest_visited_place_ids, visits_newest_first

#: The districts a place may name: outlines with other codes never set one.
_KNOWN_DISTRICTS = frozenset(d.value for d in District)


@dataclass(frozen=True)
class PlaceChoice:
    """A place an officer can pick for a visit."""

    id: str
    label: str
    detail: str
    district: str


@dataclass(frozen=True)
class VisitRow:
    """One visit in a list."""

    id: str
    when: datetime
    when_text: str
    place: str
    categories: str
    summary: str
    officer: str
    restricted: bool


@dataclass(frozen=True)
class Pin:
    """A point pinned on the map, and what is there: the nearest address and the district."""

    lat: float
    lon: float
    #: The gazetteer address near the pin (within about 300 metres), if there is one.
    address: GazetteerEntry | None
    #: The district whose outline holds the pin, if one does.
    district: str | None


#: Where the next page of a visit list starts: the last row's (occurred_at, id).
PageCursor = VisitCursor


def _place_choice(record: StoredRecord) -> PlaceChoice:
    f = record.fields
    detail = ", ".join(str(p) for p in (f["address"], f["postcode"]) if p)
    return PlaceChoice(record.id, str(f["label"]), detail, str(f["district"]))


class VisitService:
    """Everything the Log-a-visit screen and visit lists need.

    Args:
        vault: the unlocked vault.
        records: record use cases for the same user.
        people: person search, shared with the People screen.
    """

    def __init__(
        self,
        vault: Vault,
        records: RecordService,
        people: PeopleService,
        gazetteer: GazetteerService | None = None,
    ) -> None:
        self._vault = vault
        self._records = records
        self._people = people
        self._gazetteer = gazetteer or GazetteerService(vault)

    # Places ----------------------------------------------------------------------------------

    def recent_places(self, *, limit: int = 8) -> list[PlaceChoice]:
        """The places of the officer's latest visits (anyone's, if they have none yet)."""
        return self._recent_places(limit, mine=True) or self._recent_places(limit, mine=False)

    def _recent_places(self, limit: int, *, mine: bool) -> list[PlaceChoice]:
        officer_id = self._vault.username if mine else None
        with self._vault.read() as conn:
            ids = latest_visited_place_ids(conn, officer_id=officer_id, limit=limit)
            places = self._vault.records(conn).get_many(RecordType.PLACE, ids)
        return [_place_choice(p) for p in places]

    def search_places(self, text: str, *, limit: int = 20) -> list[PlaceChoice]:
        """Places whose label, address or postcode match every word typed."""
        hits = self._records.search(text=text, types=["place"], limit=limit)
        if not hits:
            return []
        with self._vault.read() as conn:
            found = self._vault.records(conn).get_many(RecordType.PLACE, [h.id for h in hits])
        return [_place_choice(p) for p in found]

    def search_addresses(self, text: str, *, limit: int = 8) -> list[GazetteerEntry]:
        """Gazetteer addresses matching what was typed, typos and all (the CLI's search too)."""
        return self._gazetteer.search(text, limit=limit)

    def add_place(
        self,
        *,
        label: str,
        address: str = "",
        postcode: str = "",
        district: str,
        uprn: str = "",
        lat: float | None = None,
        lon: float | None = None,
    ) -> PlaceChoice:
        """Add a place typed in on the form, picked from the gazetteer, or pinned on a map.

        Args:
            label: what officers call the place.
            address: its address, if it has one.
            postcode: its postcode.
            district: the district it is in, as the form has it; a place with a point takes
                its district from the district outlines instead, when the point falls in one.
            uprn: its UPRN when it came from the gazetteer ("" when typed by hand).
            lat: its WGS84 latitude (with ``lon``), from the gazetteer or a pin.
            lon: its WGS84 longitude.

        Raises:
            ValidationError: naming the fields that are wrong.
        """
        if lat is not None and lon is not None:
            district = self.district_at(lat=lat, lon=lon) or district
        fields: dict[str, object] = {
            "label": label,
            "address": address,
            "postcode": postcode,
            "district": district,
        }
        if uprn:
            fields["uprn"] = uprn
        if lat is not None or lon is not None:
            fields["lat"], fields["lon"] = lat, lon
        view = self._records.create(record_type="place", fields=fields)
        f = view.fields
        detail = ", ".join(str(p) for p in (f["address"], f["postcode"]) if p)
        return PlaceChoice(view.id, str(f["label"]), detail, str(f["district"]))

    def pin(self, *, lat: float, lon: float) -> Pin:
        """What is at a point pinned on the map: the nearest address, if near, and the district.

        Args:
            lat: WGS84 latitude of the pin.
            lon: WGS84 longitude of the pin.
        """
        return Pin(
            lat,
            lon,
            self._gazetteer.nearest(lat=lat, lon=lon),
            self.district_at(lat=lat, lon=lon),
        )

    def add_pinned_place(self, pin: Pin, *, label: str, district: str = "") -> PlaceChoice:
        """Add the place at a pin: the nearest address's details and point when one is near,
        else the pin's own point with only the label the officer gave.

        Args:
            pin: what :meth:`pin` found.
            label: what officers call the place.
            district: the district chosen, used when the point is in no district's outline.

        Raises:
            ValidationError: naming the fields that are wrong (a missing label, say).
        """
        entry = pin.address
        if entry is not None:
            return self.add_place(
                label=label,
                address=entry.address,
                postcode=entry.postcode,
                district=district,
                uprn=entry.uprn,
                lat=entry.lat,
                lon=entry.lon,
            )
        return self.add_place(label=label, district=district, lat=pin.lat, lon=pin.lon)

    def district_at(self, *, lat: float, lon: float) -> str | None:
        """The district whose outline holds a point (a gazetteer address or a pin), if one does.

        Args:
            lat: WGS84 latitude.
            lon: WGS84 longitude.

        Returns:
            The district's value, or None when the point is outside every district or on the
            line between two.
        """
        return district_at((lon, lat), held_outlines(self._vault), known=_KNOWN_DISTRICTS)

    # People ----------------------------------------------------------------------------------

    def search_people(self, text: str, *, limit: int = 20) -> list[PersonRow]:
        """People matching every word typed (names, aliases, description, date of birth)."""
        return self._people.search(text, limit=limit)

    def possible_duplicates(
        self,
        *,
        given_name: str = "",
        family_name: str = "",
        date_of_birth: str = "",
        aliases: Sequence[str] = (),
        place_id: str = "",
    ) -> list[PersonRow]:
        """People already in the vault who may be the person about to be added (with the
        visit's place, also people seen there with similar names)."""
        return self._people.possible_duplicates(
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth,
            aliases=aliases,
            place_id=place_id,
        )

    def add_person(
        self,
        *,
        given_name: str = "",
        family_name: str = "",
        date_of_birth: str = "",
        aliases: Sequence[str] = (),
        description: str = "",
        district: str,
    ) -> PersonRow:
        """Add a person typed in on the form ("unknown person" is a description only).

        Raises:
            ValidationError: naming the fields that are wrong.
        """
        view = self._records.create(
            record_type="person",
            fields={
                "given_name": given_name,
                "family_name": family_name,
                "date_of_birth": date_of_birth,
                "aliases": list(aliases),
                "description": description,
                "district": district,
            },
        )
        return self._people.row(view.id)

    # Visits ----------------------------------------------------------------------------------

    def log(self, *, fields: Mapping[str, object]) -> str:
        """Store a visit by this officer; returns its id.

        Raises:
            ValidationError: naming each field that is wrong; nothing is stored.
        """
        view = self._records.create(
            record_type="visit", fields={**fields, "officer_id": self._vault.username}
        )
        return view.id

    def visits_page(
        self, *, after: PageCursor | None = None, limit: int = 200, mine_only: bool = True
    ) -> list[VisitRow]:
        """A page of visits, newest first (keyset paging, so page 500 is as fast as page 1)."""
        officer_id = self._vault.username if mine_only else None
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            visits = visits_newest_first(conn, officer_id=officer_id, after=after, limit=limit)
            place_ids = list({str(v.fields["place_id"]) for v in visits if v.fields["place_id"]})
            places = {
                p.id: str(p.fields["label"]) for p in repo.get_many(RecordType.PLACE, place_ids)
            }
        return [self._visit_row(v.id, v.fields, places) for v in visits]

    def _visit_row(
        self, visit_id: str, row: Mapping[str, object], places: Mapping[str, str]
    ) -> VisitRow:
        restricted = is_restricted(row)
        hidden = restricted and row["officer_id"] != self._vault.username
        when = parse_moment(row["occurred_at"])
        narrative = str(row["narrative"] or "").replace("\n", " ")
        cats = row["categories"] or []
        assert isinstance(cats, list)
        return VisitRow(
            id=visit_id,
            when=when,
            when_text=format_datetime(when),
            place=places.get(str(row["place_id"]), ""),
            categories=", ".join(category_label(str(c)) for c in cats),
            summary="Restricted record" if hidden else narrative[:120],
            officer=str(row["officer_id"]),
            restricted=restricted,
        )


def cursor_after(row: VisitRow) -> PageCursor:
    """The cursor for the page after the one ending with ``row``."""
    return (row.when.astimezone(UTC).isoformat(timespec="seconds"), row.id)
