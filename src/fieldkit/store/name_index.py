"""The name keys each person is found by, kept with the record, and the candidates for a query."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Connection, delete, insert, select

from fieldkit.domain.birth_dates import BirthDateQuery
from fieldkit.domain.name_match import MIN_SOUND_TYPED, NameQuery, close_spellings
from fieldkit.domain.names import MIN_VARIANT_KEY, NameRules, person_keys, sound_codes
from fieldkit.domain.records import RecordType
from fieldkit.store.schema import RECORD_TABLES, Meta, person_name_key
from fieldkit.store.transaction import Transaction, connection

_RULES_META = "name_rules"
#: At most this many people are read and ranked for one query: the surest candidates first.
MAX_CANDIDATES = 80
_CHUNK = 500
#: A person's keys, as the driver takes them (an import writes tens of thousands).
_INSERT_KEY = "INSERT OR IGNORE INTO person_name_key (key, person_id) VALUES (?, ?)"


def put(
    conn: Connection, rules: NameRules, people: Iterable[tuple[str, Mapping[str, object]]]
) -> None:
    """Replace the name keys of people (created, changed or pulled), in bulk.

    Args:
        conn: a write transaction.
        rules: the spelling-variant rules in force.
        people: (person id, fields) pairs; a deleted person is passed to `remove` instead.
    """
    batch = list(people)
    if not batch:
        return
    ids = [person_id for person_id, _ in batch]
    for start in range(0, len(ids), _CHUNK):
        conn.execute(
            delete(person_name_key).where(
                person_name_key.c.person_id.in_(ids[start : start + _CHUNK])
            )
        )
    rows = [
        (key[:100], person_id)
        for person_id, fields in batch
        for key in sorted(person_keys(fields, rules))
    ]
    if rows:
        conn.exec_driver_sql(_INSERT_KEY, rows)


def remove(conn: Connection, person_id: str) -> None:
    """Forget a person's name keys (deleted or purged)."""
    conn.execute(delete(person_name_key).where(person_name_key.c.person_id == person_id))


def ensure_current(tx: Transaction, rules: NameRules) -> bool:
    """Re-key every person if the rules changed since the keys were made (or never were).

    Args:
        conn: a write transaction.
        rules: the rules in force.

    Returns:
        True if the keys were remade.
    """
    conn = connection(tx)
    held = conn.execute(select(Meta.value).where(Meta.key == _RULES_META)).scalar()
    if held == rules.fingerprint:
        return False
    conn.execute(delete(person_name_key))
    table = RECORD_TABLES[RecordType.PERSON]
    names = ("given_name", "family_name", "aliases")
    result = conn.execute(
        select(table.c.id, *(table.c[n] for n in names)).where(table.c.deleted.is_(False))
    )
    put(conn, rules, ((row[0], dict(zip(names, row[1:], strict=True))) for row in result))
    conn.execute(delete(Meta).where(Meta.key == _RULES_META))
    conn.execute(insert(Meta).values(key=_RULES_META, value=rules.fingerprint))
    return True


def candidates(tx: Transaction, query: NameQuery, rules: NameRules) -> list[str]:
    """Ids of the people who may answer a query, the likeliest first, at most MAX_CANDIDATES.

    Every typed word must meet one of a person's keys (its word, a word it begins, its name
    group, variant key or sound, or a word within its typing errors); a date of birth must be
    the person's, the swapped one, or unrecorded. Ranking is the matcher's job: this only
    narrows the vault down to those worth ranking.
    """
    conn = connection(tx)
    tiers: dict[str, float] | None = None
    # A letter typed after a name ("Shabana C") narrows nothing yet: the ranking checks it.
    words = [w for w in query.words if len(w) > 1] or list(query.words)
    for word in words:
        found = _word_candidates(conn, word, rules)
        if tiers is None:
            tiers = found
        else:
            tiers = {pid: tiers[pid] + tier for pid, tier in found.items() if pid in tiers}
        if not tiers:
            return []
    if query.birth is not None:
        born = _born(conn, query.birth, None if tiers is None else list(tiers))
        if tiers is None:
            tiers = born
        else:
            unrecorded = _unrecorded_births(conn, list(tiers))
            tiers = {
                p: t + born.get(p, 0.0) for p, t in tiers.items() if p in born or p in unrecorded
            }
    if not tiers:
        return []
    ordered = sorted(tiers.items(), key=lambda item: (-item[1], item[0]))
    return [person_id for person_id, _ in ordered[:MAX_CANDIDATES]]


def _word_candidates(conn: Connection, word: str, rules: NameRules) -> dict[str, float]:
    """People with a key the word meets, each with how well (3 word, 2 variant, 1 loose)."""
    exact: list[str] = [f"t:{word}"]
    loose: list[str] = []
    group = rules.group_of(word)
    if group is not None:
        exact.append(f"g:{group}")
    variant = rules.variant_key(word)
    if len(variant) >= MIN_VARIANT_KEY:
        exact.append(f"v:{variant}")
    if len(word) >= MIN_SOUND_TYPED:
        loose.extend(f"s:{code}" for code in sound_codes(word))
    tier_of = {**dict.fromkeys(loose, 1.0), **dict.fromkeys(exact, 2.0), exact[0]: 3.0}
    found: dict[str, float] = {}
    for key, person_id in conn.execute(
        select(person_name_key.c.key, person_name_key.c.person_id).where(
            person_name_key.c.key.in_(list(tier_of))
        )
    ):
        found[person_id] = max(found.get(person_id, 0.0), tier_of[key])
    # Search as you type: the word so far begins a name (or a longer variant key).
    # One letter is matched as a whole word (an initial), as the full-text search does.
    ranges = [(f"t:{word}", 2.5)] if len(word) >= 2 else []
    if len(variant) > MIN_VARIANT_KEY:
        ranges.append((f"v:{variant}", 1.5))
    for start, tier in ranges:
        for (person_id,) in conn.execute(
            select(person_name_key.c.person_id)
            .where(person_name_key.c.key > start, person_name_key.c.key < start + "\uffff")
            .limit(MAX_CANDIDATES * 4)
        ):
            found[person_id] = max(found.get(person_id, 0.0), tier)
    # A typing error is looked for only when the word is not already a name many people have:
    # its near misses would rank below them all, and reading the vocabulary costs most.
    if sum(1 for tier in found.values() if tier >= 2.0) < MAX_CANDIDATES:
        near = [f"t:{w}" for w in close_spellings(word, _vocabulary(conn, word)) if w != word]
        if near:
            for (person_id,) in conn.execute(
                select(person_name_key.c.person_id).where(person_name_key.c.key.in_(near))
            ):
                found[person_id] = max(found.get(person_id, 0.0), 1.0)
    return found


#: What a search list shows, risk markers included: they show wherever the person is added.
LISTED = (
    "given_name",
    "family_name",
    "aliases",
    "date_of_birth",
    "description",
    "flags",
    "risk_markers",
    "risk_notes",
    "merged_into",
)


def listed(tx: Transaction, ids: Sequence[str]) -> list[tuple[str, dict[str, object]]]:
    """(id, fields) of live people, in the order asked, with only the columns a list shows.

    Lighter than reading whole records: a search reads up to MAX_CANDIDATES of them at every
    key press.
    """
    conn = connection(tx)
    table = RECORD_TABLES[RecordType.PERSON]
    rows: dict[str, dict[str, object]] = {}
    for start in range(0, len(ids), _CHUNK):
        query = select(table.c.id, *(table.c[n] for n in LISTED)).where(
            table.c.id.in_(list(ids[start : start + _CHUNK])), table.c.deleted.is_(False)
        )
        for row in conn.execute(query):
            rows[row[0]] = dict(zip(LISTED, row[1:], strict=True))
    return [(i, rows[i]) for i in ids if i in rows]


def _vocabulary(conn: Connection, word: str) -> list[str]:
    """The indexed words sharing the typed word's first letter (typing errors keep it, mostly)."""
    if len(word) < 5:
        return []
    start = f"t:{word[0]}"
    rows = conn.execute(
        select(person_name_key.c.key)
        .where(person_name_key.c.key >= start, person_name_key.c.key < start + "\uffff")
        .distinct()
    )
    return [row[0][2:] for row in rows]


def _born(conn: Connection, birth: BirthDateQuery, among: Sequence[str] | None) -> dict[str, float]:
    table = RECORD_TABLES[RecordType.PERSON]
    days = {birth.date.isoformat(): 2.0}
    if birth.swapped is not None:
        days[birth.swapped.isoformat()] = 1.0
    query = select(table.c.id, table.c.date_of_birth).where(
        table.c.date_of_birth.in_(list(days)), table.c.deleted.is_(False)
    )
    wanted = None if among is None else set(among)
    return {
        person_id: days[str(born)]
        for person_id, born in conn.execute(query)
        if wanted is None or person_id in wanted
    }


def _unrecorded_births(conn: Connection, among: Sequence[str]) -> set[str]:
    table = RECORD_TABLES[RecordType.PERSON]
    out: set[str] = set()
    for start in range(0, len(among), _CHUNK):
        out.update(
            row[0]
            for row in conn.execute(
                select(table.c.id).where(
                    table.c.id.in_(among[start : start + _CHUNK]), table.c.date_of_birth.is_(None)
                )
            )
        )
    return out
