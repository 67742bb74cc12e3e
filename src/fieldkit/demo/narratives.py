"""The demo's kinds of encounter, and the plain-English text officers would write about them."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fieldkit.domain.legal_clocks import add_calendar_months, format_date, format_datetime
from fieldkit.domain.vocabulary import District, ServiceNeed

_N = ServiceNeed


@dataclass(frozen=True)
class Theme:
    """A kind of encounter: what it is filed as, who is involved and what gets written."""

    categories: tuple[str, ...]
    #: Further categories, each with the chance it is added.
    extra: tuple[tuple[str, float], ...]
    #: Which people it involves (a role in the generator's ROLES).
    role: str
    #: Fewest and most people named on the visit.
    people: tuple[int, int]
    kinds: tuple[str, ...]
    kind_weights: tuple[float, ...]
    needs: tuple[ServiceNeed, ...]
    #: Chance a visit ends with signposting (without a warning).
    signpost: float
    #: Who is seen, and what was done about it.
    seen: tuple[str, ...]
    done: tuple[str, ...]
    actions: tuple[str, ...]
    #: Who, when nobody is named.
    nobody: str = "an unidentified person"
    follow_up: float = 0.1
    #: The warning scheme whose ladder a further breach climbs, if any.
    ladder: str | None = None
    restricted: bool = False


_PATROL = (("patrol", "welfare_check", "joint_visit"), (0.85, 0.1, 0.05))
_WELFARE = (("welfare_check", "joint_visit", "patrol"), (0.6, 0.25, 0.15))
_JOINT = (("joint_visit", "welfare_check"), (0.6, 0.4))

THEMES: dict[str, Theme] = {
    "street_drinking": Theme(
        ("street_drinking",), (("begging", 0.1), ("criminal_damage", 0.03)), "drinker", (1, 3),
        *_PATROL, (_N.ALCOHOL_DRUGS, _N.HOUSING, _N.FOOD, _N.MENTAL_HEALTH, _N.BENEFITS), 0.12,
        seen=(
            "{who} drinking cans of strong cider on the benches at {place}.",
            "{who} sitting with open bottles of wine outside {place}; shoppers stepping round.",
            "{who} intoxicated & shouting at passers-by near {place}.",
            "{who} in the doorway at {place} with a carrier bag of empties; litter left behind.",
            "{who} drinking at {place} again, this time with a dog on a rope lead.",
        ),
        done=(
            "Reminded of the town-centre PSPO; alcohol surrendered and poured away.",
            "Asked to stop drinking in public; complied after some argument.",
            "Talked about the support on offer and gave a leaflet.",
            "Refused to hand over the alcohol and moved off towards the bus station.",
            "Calm and polite today; said they're waiting for a flat through Housing Options.",
        ),
        actions=("words of advice", "alcohol surrendered and poured away", "moved on",
                 "PSPO explained", "support offered"),
        ladder="street_drinking_vagrancy",
    ),
    "begging": Theme(
        ("begging",), (("street_drinking", 0.15), ("rough_sleeping", 0.1)), "beggar", (1, 2),
        *_PATROL, (_N.FOOD, _N.BENEFITS, _N.HOUSING, _N.ALCOHOL_DRUGS), 0.25,
        seen=(
            "{who} sitting by the cash machine at {place} asking people for change.",
            "{who} approaching shoppers for money outside {place}; store staff asked us to attend.",
            "{who} begging with a paper cup & a cardboard sign near {place}.",
            "{who} following people from {place} asking for bus fare.",
        ),
        done=(
            "Explained that begging is an offence and asked them to stop.",
            "Offered a hot drink and talked about what's available at the food pantry.",
            "Directed to the rough sleeper outreach team, who know them.",
            "Moved on without fuss.",
        ),
        actions=("words of advice", "moved on", "support offered", "outreach informed"),
        ladder="street_drinking_vagrancy",
    ),
    "rough_sleeping": Theme(
        ("rough_sleeping",), (("street_drinking", 0.2),), "beggar", (1, 2), *_WELFARE,
        (_N.HOUSING, _N.FOOD, _N.MENTAL_HEALTH, _N.ALCOHOL_DRUGS), 0.45,
        seen=(
            "{who} found bedded down in the doorway of {place} at first light.",
            "Sleeping bag and belongings at {place}; {who} woken and checked on.",
            "{who} sleeping rough near {place}; a cold night and no tent.",
        ),
        done=(
            "Welfare check done: no injuries, declined an ambulance.",
            "Outreach team called and came out within the hour.",
            "Offered a bed for tonight through Housing Options and accepted.",
            "Declined help today but took the leaflet.",
        ),
        actions=("welfare check", "outreach informed", "emergency accommodation offered"),
        nobody="a rough sleeper who wouldn't give a name",
        follow_up=0.3,
    ),
    "shop_theft": Theme(
        ("shoplifting",), (), "thief", (0, 1), *_PATROL,
        (_N.ALCOHOL_DRUGS, _N.BENEFITS, _N.FOOD), 0.08,
        seen=(
            "Called to {place} by staff: {who} seen on CCTV filling a bag with meat & cheese "
            "and leaving without paying.",
            "{who} detained by security at {place} after taking razor blades and perfume.",
            "Report from {place} of spirits taken earlier today; {who} identified from CCTV.",
            "{who} stopped at the door of {place} with unpaid-for baby formula.",
        ),
        done=(
            "Goods recovered (about £{money}); details passed to the police.",
            "Early-intervention conversation held: the store's ban explained & support offered.",
            "Store will send the CCTV; statement taken from the manager.",
            "Shared the description on the retailers' radio network.",
        ),
        actions=("goods recovered", "early intervention", "CCTV requested", "police informed"),
        nobody="an unknown male",
    ),
    "theft_person": Theme(
        ("theft_from_person",), (), "thief", (0, 1), *_PATROL, (_N.VICTIM_SUPPORT,), 0.03,
        seen=(
            "A shopper reported her purse taken from a handbag at {place}; {who} seen nearby.",
            "Phone snatched from a student's hand near {place}; the suspect ran off.",
            "Pickpocketing reported at {place} in the afternoon rush; {who} hanging around.",
        ),
        done=(
            "Victim given a crime reference and referred to the victim care service.",
            "CCTV request made; description circulated to town-centre retailers.",
            "Patrols stepped up around {place} for the rest of the day.",
        ),
        actions=("crime reported", "CCTV requested", "victim referred"),
        nobody="an unknown male",
    ),
    "nte": Theme(
        ("alcohol_nte",), (("criminal_damage", 0.08), ("theft_from_person", 0.03)), "nte",
        (0, 2), *_PATROL, (_N.ALCOHOL_DRUGS,), 0.03,
        seen=(
            "Disorder outside {place} at closing time: {who} shouting and squaring up.",
            "{who} too drunk to stand near {place}; friends had gone home.",
            "Door staff at {place} asked for help with {who}, refused entry and abusive.",
            "Glass smashed outside {place}; a crowd of about {n} gathered.",
        ),
        done=(
            "Dispersal direction given for 48 hours.",
            "Taxi arranged home with a friend.",
            "Ambulance called as a precaution; no injuries.",
            "Words of advice; left the area.",
        ),
        actions=("dispersal direction", "words of advice", "taxi arranged", "first aid"),
        nobody="a drunk male who wouldn't give details",
        follow_up=0.02,
    ),
    "youth": Theme(
        ("asb_youth",), (("criminal_damage", 0.1), ("drugs", 0.05)), "youth", (0, 4), *_PATROL,
        (_N.YOUTH,), 0.05,
        seen=(
            "Group of {n} youths gathering at {place}, throwing stones at windows.",
            "{who} riding an off-road bike across {place}.",
            "Youths setting off fireworks near {place}; residents' complaints.",
            "{who} shouting at staff & customers at {place}.",
        ),
        done=(
            "Names and addresses taken; letters to parents to follow.",
            "Youth workers told about the group for their next session.",
            "Group dispersed without trouble.",
            "Spoke with parents at home later that evening.",
        ),
        actions=("dispersed", "parents contacted", "youth service informed", "words of advice"),
        nobody="a group of youths",
    ),
    "neighbour": Theme(
        ("asb_neighbour",), (("noise", 0.35),), "resident", (1, 2),
        ("patrol", "welfare_check", "joint_visit"), (0.5, 0.2, 0.3),
        (_N.MENTAL_HEALTH, _N.ALCOHOL_DRUGS, _N.HOUSING), 0.06,
        seen=(
            "Neighbour at {place} reported loud music and banging until 3am from next door.",
            "{who} in a dispute with the neighbours at {place} over parking and bins.",
            "Complaint of shouting, slammed doors & visitors at all hours at {place}.",
            "{who} said the people upstairs at {place} had been threatening them.",
        ),
        done=(
            "Spoke with {who}; agreed to keep the noise down.",
            "Diary sheets left with the complainant.",
            "Noise monitoring equipment to be installed next week.",
            "Mediation offered to both households.",
        ),
        actions=("words of advice", "diary sheets issued", "mediation offered"),
        follow_up=0.3,
        ladder="community_protection",
    ),
    "noise": Theme(
        ("noise",), (("asb_youth", 0.3), ("criminal_damage", 0.05)), "resident", (0, 2),
        *_PATROL, (_N.ALCOHOL_DRUGS, _N.MENTAL_HEALTH), 0.03,
        seen=(
            "Report of a loud party with a sound system at {place}, heard across the valley.",
            "Cars revving and doing doughnuts at {place} late at night.",
            "Quad bikes on the footpaths near {place}, churning up the moor.",
            "{who} playing music from a car at {place} until the early hours.",
        ),
        done=(
            "Asked to turn it down; complied.",
            "Registration numbers noted and passed to the roads policing team.",
            "Landowner & parish council informed.",
            "Left before we arrived; residents' details taken.",
        ),
        actions=("words of advice", "vehicle details noted", "landowner informed"),
        follow_up=0.15,
        ladder="community_protection",
    ),
    "drugs": Theme(
        ("drugs",), (("asb_neighbour", 0.2),), "drugs", (0, 2), *_PATROL,
        (_N.ALCOHOL_DRUGS, _N.MENTAL_HEALTH), 0.1,
        seen=(
            "Strong smell of cannabis and frequent short visits at {place}.",
            "{who} seen passing small packages to people in cars at {place}.",
            "Discarded needles found near {place}.",
        ),
        done=(
            "Intelligence submitted to the police.",
            "Needles disposed of in a sharps box.",
            "Harm-reduction information given.",
        ),
        actions=("intelligence submitted", "sharps removed", "harm-reduction advice"),
    ),
    "welfare": Theme(
        ("other",), (("rough_sleeping", 0.1),), "resident", (1, 1), *_WELFARE,
        (_N.MENTAL_HEALTH, _N.FOOD, _N.BENEFITS), 0.25,
        seen=(
            "Welfare check on {who} at {place} after family hadn't heard from them for days.",
            "{who} found confused and cold near {place}; lives alone.",
            "{who} flagged down the patrol at {place}, upset about letters from the DWP.",
        ),
        done=(
            "Safe and well; GP contact details given.",
            "Adult social care referral made.",
            "Helped to ring the welfare rights line.",
        ),
        actions=("welfare check", "referral made"),
        follow_up=0.25,
    ),
    "damage": Theme(
        ("criminal_damage",), (("asb_youth", 0.3),), "youth", (0, 2), *_PATROL, (_N.YOUTH,),
        0.01,
        seen=(
            "Bus shelter glass smashed at {place}.",
            "Graffiti tags sprayed across the shutters at {place}.",
            "Bins set alight behind {place}; fire service attended.",
        ),
        done=(
            "Reported to the council for repair & clean-up.",
            "Photos taken for evidence.",
            "House-to-house enquiries for witnesses.",
        ),
        actions=("photographed", "repair requested", "witness enquiries"),
        nobody="persons unknown",
    ),
    "tenancy": Theme(
        ("asb_neighbour",), (("drugs", 0.3), ("noise", 0.3)), "resident", (1, 2),
        ("tenancy_visit", "joint_visit"), (0.8, 0.2),
        (_N.HOUSING, _N.ALCOHOL_DRUGS, _N.MENTAL_HEALTH, _N.BENEFITS), 0.15,
        seen=(
            "Tenancy visit to {place} with the housing officer: {who} at home.",
            "Joint visit to {place}; several visitors in the flat who wouldn't give names.",
            "Checked on {who} at {place} after neighbours reported more callers overnight.",
        ),
        done=(
            "Discussed the tenancy conditions and the support on offer.",
            "Property in poor condition; repairs reported.",
            "Signs of drug use; harm-reduction advice given.",
        ),
        actions=("tenancy conditions explained", "repairs reported", "support offered"),
        follow_up=0.5,
    ),
    "domestic_abuse": Theme(
        ("domestic_abuse",), (), "resident", (1, 2), *_JOINT, (_N.DOMESTIC_ABUSE, _N.HOUSING),
        0.6,
        seen=(
            "Called to {place} after a neighbour heard screaming; {who} present.",
            "Follow-up visit to {place} after a reported domestic incident.",
        ),
        done=(
            "DASH risk assessment completed; referred to the IDVA service.",
            "Safety planning discussed; police informed.",
        ),
        actions=("DASH completed", "IDVA referral", "police informed"),
        follow_up=0.8,
        restricted=True,
    ),
    "hate_incident": Theme(
        ("hate_incident",), (("criminal_damage", 0.3),), "resident", (1, 1), *_JOINT,
        (_N.VICTIM_SUPPORT,), 0.5,
        seen=(
            "{who} reported being racially abused by a man near {place}.",
            "Offensive graffiti aimed at a family found at {place}.",
        ),
        done=(
            "Recorded as a hate incident; victim referred to the victim care service.",
            "Graffiti photographed and removed the same day.",
        ),
        actions=("hate incident recorded", "victim referred"),
        follow_up=0.6,
        restricted=True,
    ),
    "cse_concern": Theme(
        ("cse_concern",), (), "youth", (1, 1), *_JOINT, (_N.YOUTH,), 0.3,
        seen=(
            "{who} seen getting into a car with older men at {place}; concerns shared.",
            "Young person found at {place} late at night with an adult not known to family.",
        ),
        done=(
            "Referred to children's services and the police exploitation team.",
            "Details passed to the safeguarding lead.",
        ),
        actions=("safeguarding referral", "police informed"),
        follow_up=0.8,
        restricted=True,
    ),
}  # fmt: skip

_OPENERS = (
    "On foot patrol in {town} town centre.",
    "Patrol of {place} with a PCSO.",
    "Attended {place}.",
    "Called to {place} by {caller}.",
    "Seen during a routine patrol of {town}.",
    "Joint patrol with the outreach team in {town}.",
    "",
)
_CALLERS = (
    "a shop's security guard", "a resident", "CCTV control", "bus station staff",
    "a member of the public", "the town-centre warden",
)  # fmt: skip
_CLOSERS = (
    "Shared with the {district} problem-solving group.",
    "Will check again on the next patrol.",
    "Details passed to the neighbourhood policing team.",
    "No further action needed today.",
    "",
    "",
)
_GROUPS = {
    District.HUDDERSFIELD: "Huddersfield",
    District.DEWSBURY_MIRFIELD: "Dewsbury & Mirfield",
    District.BATLEY_SPEN: "Batley & Spen",
    District.RURAL: "Kirklees Rural",
}


def visit_narrative(
    rng: random.Random, theme: Theme, *, place: str, town: str, district: District, who: list[str]
) -> str:
    """A few sentences about an encounter, as an officer would type them.

    Args:
        rng: the generator's random stream.
        theme: the kind of encounter.
        place: where, as its label.
        town: the town it was in.
        district: the district, for the problem-solving group's name.
        who: the names (or "an unknown man") of the people there.

    Returns:
        The narrative.
    """
    if len(who) > 2:
        others = len(who) - 2
        names = f"{who[0]}, {who[1]} and {others} other{'s' if others > 1 else ''}"
    else:
        names = " and ".join(who)
    values = {
        "who": names or theme.nobody,
        "place": place,
        "town": town,
        "n": rng.randint(3, 12),
        "money": rng.choice((12, 18, 25, 40, 65, 120)),
        "caller": rng.choice(_CALLERS),
        "district": _GROUPS[district],
    }
    parts = (
        rng.choice(_OPENERS),
        rng.choice(theme.seen),
        rng.choice(theme.done),
        rng.choice(_CLOSERS),
    )
    return " ".join(_sentence(part.format_map(values)) for part in parts if part)


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def signposting_method(rng: random.Random, with_warning: bool) -> str:
    """How support was offered: with a warning it is usually the printed leaflet."""
    weights = (0.55, 0.15, 0.3) if with_warning else (0.35, 0.4, 0.25)
    return rng.choices(("leaflet", "verbal", "referral"), weights=weights)[0]


_DRINKING = (
    "leaving cans and litter by the benches",
    "shouting at passers-by",
    "asking people for money near the cash machines",
    "urinating in a shop doorway",
    "sleeping across the entrance to the market",
)
_NUISANCE = (
    "loud amplified music late at night",
    "shouting and banging doors at all hours",
    "visitors gathering outside and revving cars",
    "a dog left barking for hours in the yard",
)


def warning_texts(
    rng: random.Random, level: str, *, place: str, issued: datetime, since: date
) -> tuple[str, str]:
    """The behaviour and conditions written on a warning at a level of its scheme's ladder.

    Args:
        rng: the generator's random stream.
        level: ``yellow``, ``red``, ``cpw`` or ``cpn``.
        place: where the behaviour happened.
        issued: when this warning is given.
        since: when the step before it was given (for Red and CPN).

    Returns:
        The behaviour and the conditions.
    """
    comply_by = format_date(issued + timedelta(days=7))
    until = format_date(add_calendar_months(issued, 12))
    if level == "yellow":
        return (
            f"Drinking alcohol in a public place at {place}, against the town-centre street "
            f"drinking protocol, and {rng.choice(_DRINKING)}.",
            "Do not drink alcohol in a public place in the town centre. Do not beg. Take up the "
            f"support offered. A further breach before {until} will bring a Red warning.",
        )
    if level == "red":
        return (
            f"A further breach at {place} after the Yellow warning given on "
            f"{format_date(since)}: {rng.choice(_DRINKING)}.",
            "Do not drink alcohol in a public place in the town centre. Do not beg. A further "
            f"breach before {until} will be referred for enforcement: a Community Protection "
            "Warning or Notice, a PSPO fixed penalty, or a Criminal Behaviour Order.",
        )
    if level == "cpw":
        return (
            f"Persistent {rng.choice(_NUISANCE)} at {place}, which is having a detrimental, "
            "persistent effect on the quality of life of those in the locality.",
            f"From {comply_by}: stop the conduct described. If it carries on after that date, a "
            "Community Protection Notice may be issued; breach of a notice is an offence.",
        )
    return (
        f"The conduct in the Community Protection Warning of {format_date(since)} has carried "
        f"on at {place}: {rng.choice(_NUISANCE)}.",
        f"From {comply_by} you must stop the conduct described and must not allow visitors to "
        "gather outside the property. You may appeal to the magistrates' court within 21 days. "
        "Failing to comply is an offence: a fixed penalty of £100 or prosecution.",
    )


_NOTE_KINDS = ("visit", "incident", "evidence", "support", "legal")
_NOTE_WEIGHTS = (0.35, 0.3, 0.15, 0.15, 0.05)
_NOTES = {
    "visit": (
        "Home visit to {address}. {tenant} at home, engaged well; flat tidy.",
        "Home visit to {address}. No answer; card left asking {tenant} to ring.",
        "Visited with the support worker. {tenant} says friends have been staying and won't "
        "leave; several mattresses in the living room.",
        "Visit to {address}: door damaged and repaired with boards; {tenant} couldn't say how.",
    ),
    "incident": (
        "Neighbour at No. {n} reported shouting & banging from {address} until about 2am.",
        "Police attended {address} overnight after reports of a fight on the landing.",
        "Caller reported {n} visitors in an hour at {address}, most staying a few minutes.",
        "Report of a smashed window at {address}; {tenant} says it wasn't them.",
    ),
    "evidence": (
        "Diary sheets received from {n} neighbours covering the last fortnight.",
        "CCTV stills saved from the block's camera: {n} visitors between 22:00 and midnight.",
        "Police incident log obtained for {address}: {n} calls in three months.",
        "Noise recording from the monitoring kit reviewed; music audible at 03:10.",
    ),
    "support": (
        "Referral to the tenancy sustainment team for {tenant}; first appointment booked.",
        "{tenant} attended the recovery hub with the support worker.",
        "Budget plan agreed; arrears payment of £{n}0 a month set up.",
        "Talked with {tenant} about cuckooing; they're frightened of the visitors.",
    ),
    "legal": (
        "Warning letter for breach of tenancy (clause 4: nuisance & annoyance) hand delivered.",
        "Acceptable Behaviour Contract signed by {tenant} for 6 months; review at 3 months.",
        "Case reviewed with legal services: more evidence needed before any court action.",
    ),
}


def case_note(rng: random.Random, *, tenant: str, address: str) -> tuple[str, str]:
    """One everyday tenancy note: its kind and its text."""
    kind = rng.choices(_NOTE_KINDS, weights=_NOTE_WEIGHTS)[0]
    body = rng.choice(_NOTES[kind]).format(tenant=tenant, address=address, n=rng.randint(2, 9))
    return kind, _sentence(body)


def closure_notes(
    *,
    served: datetime,
    hearing: datetime,
    made: datetime,
    expired: bool,
    address: str,
    tenant: str,
) -> Sequence[tuple[datetime, str]]:
    """The legal notes a closure leaves in the tenancy's chronology.

    Args:
        served: when the closure notice was served.
        hearing: when the court heard the application.
        made: when the closure order was made.
        expired: whether the three-month order has run out.
        address: the premises.
        tenant: the resident, who alone may still enter.

    Returns:
        Each note's time and text, in order.
    """
    ends = add_calendar_months(made, 3)
    notes = [
        (
            served - timedelta(days=1),
            f"Closure notice for {address} authorised by the police inspector & the council's "
            "ASB lead after review of the evidence file.",
        ),
        (
            served + timedelta(minutes=10),
            f"Closure notice served at {address} at {served:%H:%M}. Copies handed to {tenant} "
            "and fixed to the front door. The notice says only the resident may enter, that "
            "breach is an offence, when and where the hearing is, and gives housing and legal "
            "advice contacts.",
        ),
        (
            served + timedelta(hours=2),
            "Application for a closure order made; hearing listed at the magistrates' court at "
            f"{format_datetime(hearing)}.",
        ),
        (
            made + timedelta(minutes=20),
            f"Closure order made for 3 months, until {format_date(ends)}. Nobody but {tenant} "
            f"may enter {address}. Support plan agreed with the recovery hub & tenancy "
            "sustainment team.",
        ),
    ]
    if expired:
        notes.append(
            (
                ends + timedelta(hours=2),
                "Closure order expired with no breaches recorded. Neighbours say it's been "
                f"quiet; {tenant}'s tenancy continues with support.",
            )
        )
    return notes
