"""People: search-as-you-type, and a profile with flags, timeline and warning standing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from fieldkit.domain.escalation import Outcome, WarningFact, next_step
from fieldkit.domain.legal_clocks import format_date, format_datetime
from fieldkit.domain.name_match import (
    NameMatch,
    NameQuery,
    PersonNames,
    parse_query,
    query_for,
    rank,
    same_person,
    same_place_person,
)
from fieldkit.domain.names import name_words
from fieldkit.domain.records import RecordType, is_restricted
from fieldkit.domain.retention import record_regime
from fieldkit.domain.schemes import Scheme
from fieldkit.domain.vocabulary import (
    Category,
    DocumentKind,
    ServedHow,
    SignpostingMethod,
    WarningStatus,
    risk_marker_label,
)
from fieldkit.services.person_merge import survivor_of
from fieldkit.services.records import RecordService
from fieldkit.store import name_index, search
from fieldkit.store.records import RecordRepository, StoredRecord
from fieldkit.store.vault import Vault

#: Flags containing any of these words warn officers before they approach (shown in red).
RISK_WORDS = ("risk", "violen", "weapon", "aggress", "danger")
TIMELINE_LIMIT = 300
#: How many of the surest name candidates the duplicate check compares with the newcomer.
DUPLICATE_CANDIDATES = 30
#: Fewest letters of name (without a date of birth) the duplicate check looks for anyone with.
MIN_DUPLICATE_LETTERS = 3
#: Most people seen at the places compared by the same-place duplicate check.
SAME_PLACE_CANDIDATES = 200


#: A warning's status as the timeline says it.
WARNING_STATUS_WORDS = {
    "issued": "issued",
    "withdrawn": "withdrawn",
    "superseded": "superseded",
    "awaiting_countersignature": "awaiting countersignature",
}


def person_name(fields: Mapping[str, object]) -> str:
    """How a person is named on screen: their name, else their description."""
    name = " ".join(str(p) for p in (fields.get("given_name"), fields.get("family_name")) if p)
    return name or str(fields.get("description") or "Unknown person")


def parse_moment(value: object) -> datetime:
    """A stored ISO 8601 date-time as an aware datetime."""
    return datetime.fromisoformat(str(value))


def category_label(value: str) -> str:
    """A category's wire name as words ("street_drinking" → "Street drinking")."""
    return Category.label_for(value)


@dataclass(frozen=True)
class PersonRow:
    """A person in a search list."""

    id: str
    name: str
    detail: str
    has_risk_flag: bool
    #: Why the person was found ("spelling variant", "born the same day"); empty if not found
    #: by a search.
    reason: str = ""
    #: Risk markers (labels, then the free-text note): shown wherever the person is added.
    risk_markers: tuple[str, ...] = ()

    @property
    def risk_text(self) -> str:
        """The risk markers on one line, or empty."""
        return "  ·  ".join(self.risk_markers)

    @property
    def line(self) -> str:
        """Name, details and why it matched, as one line of a picker list."""
        text = f"{self.name} — {self.detail}" if self.detail else self.name
        return f"{text}  [{self.reason}]" if self.reason else text


@dataclass(frozen=True)
class TimelineEntry:
    """One dated thing in a person's or case's history."""

    when: datetime
    kind: str
    title: str
    detail: str
    restricted: bool = False
    #: The warning an entry is about ("Warning" entries), for reprinting, withdrawing, serving.
    warning_id: str = ""
    #: The warning's status ("issued", "withdrawn", "awaiting_countersignature").
    warning_status: str = ""
    #: The record the row shows, which the record editor opens (empty: none to open, e.g. a
    #: restricted visit this user may not see).
    record_type: str = ""
    record_id: str = ""
    #: An Acceptable Behaviour Contract whose review is due and not yet recorded.
    review_open: bool = False
    #: The regime the record is processed under, in words ("UK GDPR"); empty when hidden.
    regime: str = ""


@dataclass(frozen=True)
class WarningStanding:
    """Where a person stands under one scheme and what the engine proposes next."""

    scheme_id: str
    scheme_name: str
    stage: str
    next_step: str
    reason: str
    window_ends: str
    can_issue: bool


@dataclass(frozen=True)
class PersonProfile:
    """Everything the profile screen shows about a person."""

    id: str
    name: str
    aliases: tuple[str, ...]
    date_of_birth: str
    description: str
    district: str
    flags: tuple[str, ...]
    risk_flags: tuple[str, ...]
    timeline: tuple[TimelineEntry, ...]
    standings: tuple[WarningStanding, ...]
    #: The person's risk markers as labels, with the free-text note last (if any).
    risk_markers: tuple[str, ...] = ()
    #: Records merged into this one (their links now name this person; their history stays).
    merged_from: tuple[str, ...] = ()
    #: The regime the person's own record is processed under, in words.
    regime: str = ""


def risk_markers_of(fields: Mapping[str, object]) -> tuple[str, ...]:
    """A person's risk markers as people read them: each marker's label, then the note."""
    markers = [risk_marker_label(str(m)) for m in fields.get("risk_markers") or []]  # type: ignore[attr-defined]
    note = str(fields.get("risk_notes") or "").strip()
    return (*markers, *([note] if note else []))


def _row(record_id: str, fields: Mapping[str, object], reason: str = "") -> PersonRow:
    flags = [str(f) for f in fields.get("flags") or []]  # type: ignore[attr-defined]
    bits: list[str] = []
    if fields.get("date_of_birth"):
        bits.append(f"born {format_date(date.fromisoformat(str(fields['date_of_birth'])))}")
    aliases = fields.get("aliases") or []
    if aliases:
        bits.append("also known as " + ", ".join(str(a) for a in aliases))  # type: ignore[attr-defined]
    markers = risk_markers_of(fields)
    return PersonRow(
        record_id,
        person_name(fields),
        "; ".join(bits),
        any(_is_risk(f) for f in flags) or bool(markers),
        reason,
        markers,
    )


def _is_risk(flag: str) -> bool:
    lowered = flag.lower()
    return any(word in lowered for word in RISK_WORDS)


def warning_facts(records: Sequence[StoredRecord], scheme_id: str) -> list[WarningFact]:
    """The engine's view of a person's warnings under one scheme."""
    facts: list[WarningFact] = []
    for record in records:
        f = record.fields
        if f["scheme"] != scheme_id:
            continue
        expires = parse_moment(f["expires_at"]) if f.get("expires_at") else None
        facts.append(
            WarningFact(
                level=str(f["level"]),
                issued_at=parse_moment(f["issued_at"]),
                status=WarningStatus(str(f["status"] or "issued")),
                expires_at=expires,
            )
        )
    return facts


def standing(
    scheme: Scheme, history: Sequence[WarningFact], *, now: datetime, dob: date | None
) -> WarningStanding:
    """A person's standing under a scheme, in words."""
    proposal = next_step(scheme, history, now=now, date_of_birth=dob)
    if proposal.outcome is Outcome.ISSUE_WARNING and proposal.proposed_level is not None:
        step = proposal.proposed_level.name
    elif proposal.outcome is Outcome.REFER_FOR_ENFORCEMENT and proposal.enforcement is not None:
        step = proposal.enforcement.name
    elif proposal.outcome is Outcome.NEEDS_DATE_OF_BIRTH:
        step = "Record their date of birth"
    else:
        step = "Not eligible"
    return WarningStanding(
        scheme.id,
        scheme.name,
        proposal.current_stage.name if proposal.current_stage else "No warning standing",
        step,
        proposal.reason,
        format_date(proposal.window_ends_at) if proposal.window_ends_at else "",
        proposal.outcome is Outcome.ISSUE_WARNING,
    )


class PeopleService:
    """Find people and open their profiles (opening one is logged as a consultation).

    Args:
        vault: the unlocked vault.
        records: record use cases for the same user.
        schemes: the warning schemes in force, by id.
    """

    def __init__(self, vault: Vault, records: RecordService, schemes: Mapping[str, Scheme]) -> None:
        self._vault = vault
        self._records = records
        self._schemes = schemes

    def search(self, text: str, *, limit: int = 30) -> list[PersonRow]:
        """People answering what was typed, surest first, each saying why it matched.

        Names match whatever the spelling (variants, sound, a typing error or two, either
        order, either part of a double-barrelled name, aliases); a date of birth typed in any
        common form narrows and confirms; description words are found as before. Listing is
        not a consultation; opening a profile is.
        """
        query = parse_query(text, today=self._vault.now().date())
        if query.empty:
            return []
        with self._vault.read() as conn:
            ids = name_index.candidates(conn, query, self._vault.name_rules)
            # Words of a description ("Unknown male, red jacket") are in the full-text index.
            # A description match ranks below every name match, so it is looked for only when
            # the names leave room for it.
            if len(ids) < limit:
                known = set(ids)
                ids += [
                    h.record_id
                    for h in search.find(conn, text, types=[RecordType.PERSON], limit=limit)
                    if h.record_id not in known
                ]
            found = name_index.listed(conn, ids)
            redirects = self._redirects(self._vault.records(conn), found)
        return self._followed(self._ranked(query, found, limit=limit), redirects)

    @staticmethod
    def _redirects(
        repo: RecordRepository, found: Sequence[tuple[str, Mapping[str, object]]]
    ) -> dict[str, PersonRow]:
        """For each merged person found, the row of the person it was merged into."""
        out: dict[str, PersonRow] = {}
        for person_id, fields in found:
            if not fields.get("merged_into"):
                continue
            target = survivor_of(repo, person_id)
            if target != person_id:
                record = repo.require(RecordType.PERSON, target)
                out[person_id] = _row(record.id, record.fields)
        return out

    @staticmethod
    def _followed(rows: Sequence[PersonRow], redirects: Mapping[str, PersonRow]) -> list[PersonRow]:
        """Rows with merged people shown as the person they were merged into, each once."""
        out: list[PersonRow] = []
        seen: set[str] = set()
        for row in rows:
            if row.id in redirects:
                into = redirects[row.id]
                reason = f"{row.reason}; merged record" if row.reason else "merged record"
                row = PersonRow(
                    into.id, into.name, into.detail, into.has_risk_flag, reason, into.risk_markers
                )
            if row.id not in seen:
                seen.add(row.id)
                out.append(row)
        return out

    def possible_duplicates(
        self,
        *,
        given_name: str = "",
        family_name: str = "",
        date_of_birth: str = "",
        aliases: Sequence[str] = (),
        place_id: str = "",
        limit: int = 5,
    ) -> list[PersonRow]:
        """People already in the vault who may be the person about to be added.

        With ``place_id`` (the place of the visit the person is added to), people seen at that
        place with similar names are offered too ("seen at the same place"): people have no
        address of their own, so a shared place is the address check.

        Same matcher as the search: a name that answers theirs both ways, and no date of birth
        that rules them out. Nothing is logged (nothing is opened). This is the duplicate check
        for any form that adds someone (the visit form's *Add person*; an ASB case form's
        parties should call it the same way before creating a person).
        """
        typed = "".join(name_words(f"{given_name} {family_name}"))
        if len(typed) < MIN_DUPLICATE_LETTERS and not date_of_birth:
            # One or two letters name too many people to call anyone a likely duplicate.
            return []
        newcomer = PersonNames(
            "",
            given_name,
            family_name,
            tuple(aliases),
            date.fromisoformat(date_of_birth) if date_of_birth else None,
        )
        return self._same_as(newcomer, places=[place_id] if place_id else [], limit=limit)

    def likely_same_as(self, person_id: str, *, limit: int = 5) -> list[PersonRow]:
        """Other records that may be this person: merge suggestions for their profile.

        By name and date of birth, and by similar names among the people seen at the places
        this person was seen at.
        """
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            record = repo.require(RecordType.PERSON, person_id)
            visits = repo.get_many(RecordType.VISIT, repo.visit_ids_with_person(person_id))
        places = sorted({str(v.fields["place_id"]) for v in visits if v.fields.get("place_id")})
        return self._same_as(PersonNames.of(record.id, record.fields), places=places, limit=limit)

    @staticmethod
    def _seen_at(repo: RecordRepository, places: Sequence[str]) -> list[str]:
        """The people named by visits at these places, most recently listed first, bounded."""
        if not places:
            return []
        people: dict[str, None] = {}
        for v in repo.where(RecordType.VISIT, "place_id", list(places)):
            for p in v.fields.get("person_ids") or []:  # type: ignore[attr-defined]
                people[str(p)] = None
        return list(people)[:SAME_PLACE_CANDIDATES]

    def _same_place(
        self, person: PersonNames, places: Sequence[str], known: set[str]
    ) -> list[tuple[NameMatch, str, Mapping[str, object]]]:
        rules = self._vault.name_rules
        with self._vault.read() as conn:
            ids = [
                i
                for i in self._seen_at(self._vault.records(conn), places)
                if i != person.id and i not in known
            ]
            found = name_index.listed(conn, ids)
        query = query_for(person)
        matches: list[tuple[NameMatch, str, Mapping[str, object]]] = []
        for person_id, fields in found:
            if fields.get("merged_into"):
                continue
            match = same_place_person(
                person, PersonNames.of(person_id, fields), rules, forward=query
            )
            if match is not None:
                matches.append((match, person_id, fields))
        matches.sort(key=lambda m: (-m[0].score, m[1]))
        return matches

    def _same_as(
        self, person: PersonNames, *, places: Sequence[str] = (), limit: int
    ) -> list[PersonRow]:
        query = query_for(person)
        if not query.words:
            return []
        rules = self._vault.name_rules
        with self._vault.read() as conn:
            # A likely duplicate answers the typed name strongly, so it is among the surest
            # candidates; comparing only those keeps the check within a keystroke's time.
            ids = [i for i in name_index.candidates(conn, query, rules) if i != person.id]
            found = name_index.listed(conn, ids[:DUPLICATE_CANDIDATES])
        matches: list[tuple[NameMatch, str, Mapping[str, object]]] = []
        for person_id, fields in found:
            if fields.get("merged_into"):
                # Already merged: its survivor is the one to suggest (if it answers).
                continue
            match = same_person(person, PersonNames.of(person_id, fields), rules, forward=query)
            if match is not None:
                matches.append((match, person_id, fields))
        matches.sort(key=lambda m: (-m[0].score, m[1]))
        if places and len(matches) < limit:
            matches += self._same_place(person, places, {i for _, i, _ in matches})
        return [_row(i, f, m.reason_text) for m, i, f in matches[:limit]]

    def _ranked(
        self, query: NameQuery, found: Sequence[tuple[str, Mapping[str, object]]], *, limit: int
    ) -> list[PersonRow]:
        by_id = dict(found)
        people = [PersonNames.of(i, f) for i, f in found]
        matches = rank(query, people, self._vault.name_rules, limit=limit)
        return [_row(m.person_id, by_id[m.person_id], m.reason_text) for m in matches]

    def row(self, person_id: str) -> PersonRow:
        """One person as a list row (no consultation is logged)."""
        with self._vault.read() as conn:
            record = self._vault.records(conn).require(RecordType.PERSON, person_id)
        return _row(record.id, record.fields)

    def profile(self, person_id: str) -> PersonProfile:
        """Open a person's profile, logging the consultation (s62).

        Raises:
            RecordNotFoundError: no such person.
        """
        with self._vault.read() as conn:
            # A merged record opens as the person it was merged into.
            person_id = survivor_of(self._vault.records(conn), person_id)
        person = self._records.view(record_type="person", record_id=person_id)
        f = person.fields
        me = self._vault.username
        now = self._vault.now()
        with self._vault.read() as conn:
            repo = self._vault.records(conn)
            # Records merged into this one whose links have not all moved yet (an officer's
            # offline visit naming the duplicate) still belong on this timeline.
            merged_from = sorted(
                r.id
                for r in repo.where(RecordType.PERSON, "merged_into", [person_id])
                if r.id != person_id
            )
            ids = [person_id, *merged_from]
            visit_ids = list(dict.fromkeys(v for i in ids for v in repo.visit_ids_with_person(i)))
            visits = repo.get_many(RecordType.VISIT, visit_ids[-TIMELINE_LIMIT:])
            warnings = repo.where(RecordType.WARNING, "person_id", ids)
            signposts = repo.where(RecordType.SIGNPOSTING, "person_id", ids)
            documents = repo.where(
                RecordType.DOCUMENT,
                "subject_id",
                [*ids, *(w.id for w in warnings)],
            )
        timeline: list[TimelineEntry] = []
        for v in visits:
            vf = v.fields
            hidden = is_restricted(vf) and vf["officer_id"] != me
            cats = ", ".join(category_label(str(c)) for c in vf["categories"] or [])  # type: ignore[attr-defined]
            timeline.append(
                TimelineEntry(
                    parse_moment(vf["occurred_at"]),
                    "Visit",
                    "Restricted record" if hidden else (cats or "Visit"),
                    "Safeguarding record: ask your supervisor for access."
                    if hidden
                    else str(vf["narrative"] or ""),
                    restricted=is_restricted(vf),
                    record_type="" if hidden else RecordType.VISIT.value,
                    record_id="" if hidden else v.id,
                    regime="" if hidden else record_regime(RecordType.VISIT, vf).label,
                )
            )
        for w in warnings:
            wf = w.fields
            scheme = self._schemes.get(str(wf["scheme"]))
            level = str(wf["level"])
            if scheme is not None:
                level = scheme.levels[scheme.rank(level)].name
            timeline.append(
                TimelineEntry(
                    parse_moment(wf["issued_at"]),
                    "Warning",
                    f"{level} ({WARNING_STATUS_WORDS.get(str(wf['status']), wf['status'])})",
                    str(wf["behaviour"]),
                    warning_id=w.id,
                    warning_status=str(wf["status"] or "issued"),
                    review_open=bool(wf.get("review_due")) and not wf.get("reviewed_at"),
                    record_type=RecordType.WARNING.value,
                    record_id=w.id,
                    regime=record_regime(RecordType.WARNING, wf).label,
                )
            )
            if wf.get("status") == WarningStatus.WITHDRAWN.value and wf.get("withdrawn_at"):
                timeline.append(
                    TimelineEntry(
                        parse_moment(wf["withdrawn_at"]),
                        "Warning withdrawn",
                        f"{level}, withdrawn by {wf.get('withdrawn_by') or 'unknown'}",
                        str(wf.get("withdrawal_reason") or ""),
                        record_type=RecordType.WARNING.value,
                        record_id=w.id,
                        regime=record_regime(RecordType.WARNING, wf).label,
                    )
                )
        for s in signposts:
            sf = s.fields
            consent = "consented to referral" if sf["consent_to_referral"] else "no referral"
            count = len(sf["service_ids"] or [])  # type: ignore[arg-type]
            timeline.append(
                TimelineEntry(
                    parse_moment(sf["given_at"]),
                    "Signposting",
                    f"{count} service{'s' if count != 1 else ''}, "
                    f"{SignpostingMethod.label_for(sf['method']).lower()}",
                    consent,
                    record_type=RecordType.SIGNPOSTING.value,
                    record_id=s.id,
                    regime=record_regime(RecordType.SIGNPOSTING, sf).label,
                )
            )
        for d in documents:
            df = d.fields
            timeline.append(
                TimelineEntry(
                    parse_moment(df["printed_at"]),
                    "Document",
                    DocumentKind.label_for(df["kind"]),
                    f"{ServedHow.label_for(df['served_how'])}; template "
                    f"{df['template_id']} v{df['template_version']}",
                    record_type=RecordType.DOCUMENT.value,
                    record_id=d.id,
                    regime=record_regime(RecordType.DOCUMENT, df).label,
                )
            )
        timeline.sort(key=lambda e: e.when, reverse=True)
        dob = date.fromisoformat(str(f["date_of_birth"])) if f.get("date_of_birth") else None
        standings = tuple(
            standing(scheme, warning_facts(warnings, scheme.id), now=now, dob=dob)
            for scheme in self._schemes.values()
        )
        flags = tuple(str(x) for x in f.get("flags") or [])  # type: ignore[attr-defined]
        return PersonProfile(
            id=person.id,
            name=person_name(f),
            aliases=tuple(str(a) for a in f.get("aliases") or []),  # type: ignore[attr-defined]
            date_of_birth=format_date(dob) if dob else "",
            description=str(f.get("description") or ""),
            district=str(f.get("district") or ""),
            flags=flags,
            risk_flags=tuple(x for x in flags if _is_risk(x)),
            risk_markers=risk_markers_of(f),
            timeline=tuple(timeline),
            standings=standings,
            merged_from=tuple(merged_from),
            regime=record_regime(RecordType.PERSON, f).label,
        )


def when_text(moment: datetime) -> str:
    """A moment in London time as people read it."""
    return format_datetime(moment)
