"""Fixed, plausible-but-fictional data for the demo: towns, streets, landmarks, services, names."""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.domain.vocabulary import District, ServiceNeed


@dataclass(frozen=True)
class Street:
    """A street and the postcode sector its addresses fall in (``"HD1 2"``)."""

    name: str
    sector: str
    #: The neighbourhood written in addresses, where it is not the town itself.
    locality: str = ""


@dataclass(frozen=True)
class Town:
    """A town in a district: its centre, its town-centre streets and some residential streets."""

    name: str
    district: District
    lat: float
    lon: float
    centre: tuple[Street, ...]
    residential: tuple[Street, ...]
    #: How much of the district's activity happens here, relative to its other towns.
    weight: float = 1.0


@dataclass(frozen=True)
class Landmark:
    """A described spot officers name rather than address: a bus station, a square, a market."""

    label: str
    town: str
    street: str
    sector: str
    lat: float
    lon: float
    #: What goes on there, so that encounters of each kind find their usual spots.
    uses: frozenset[str]


@dataclass(frozen=True)
class ServiceEntry:
    """A support service in the directory (fictional names; phones in Ofcom's drama range)."""

    name: str
    needs: tuple[ServiceNeed, ...]
    districts: tuple[District, ...]
    town: str
    street: str
    sector: str
    hours: str
    description: str


_HD, _DW, _BS, _RU = (
    District.HUDDERSFIELD,
    District.DEWSBURY_MIRFIELD,
    District.BATLEY_SPEN,
    District.RURAL,
)

TOWNS: tuple[Town, ...] = (
    Town(
        "Huddersfield",
        _HD,
        53.6458,
        -1.7850,
        centre=(
            Street("New Street", "HD1 2"),
            Street("John William Street", "HD1 1"),
            Street("Kirkgate", "HD1 1"),
            Street("Westgate", "HD1 1"),
            Street("King Street", "HD1 2"),
            Street("Market Street", "HD1 2"),
            Street("Northumberland Street", "HD1 1"),
            Street("Byram Street", "HD1 1"),
            Street("Upperhead Row", "HD1 2"),
            Street("Cross Church Street", "HD1 2"),
            Street("Ramsden Street", "HD1 2"),
            Street("Cloth Hall Street", "HD1 2"),
        ),
        residential=(
            Street("Bradford Road", "HD2 2", "Fartown"),
            Street("Halifax Old Road", "HD2 2", "Birkby"),
            Street("Birkby Road", "HD2 2", "Birkby"),
            Street("Blacker Road", "HD1 5", "Birkby"),
            Street("Lockwood Road", "HD1 3", "Lockwood"),
            Street("Manchester Road", "HD4 5", "Longroyd Bridge"),
            Street("Fitzwilliam Street", "HD1 5"),
            Street("Trinity Street", "HD1 4"),
            Street("Wakefield Road", "HD5 9", "Moldgreen"),
            Street("Leeds Road", "HD2 1", "Bradley"),
            Street("Newsome Road", "HD4 6", "Newsome"),
            Street("Almondbury Bank", "HD5 8", "Almondbury"),
            Street("Deighton Road", "HD2 1", "Deighton"),
            Street("Brackenhall Road", "HD2 1", "Sheepridge"),
        ),
        weight=1.0,
    ),
    Town(
        "Dewsbury",
        _DW,
        53.6910,
        -1.6320,
        centre=(
            Street("Northgate", "WF13 1"),
            Street("Westgate", "WF13 1"),
            Street("Foundry Street", "WF13 1"),
            Street("Market Place", "WF13 1"),
            Street("Corporation Street", "WF13 1"),
            Street("Daisy Hill", "WF13 1"),
            Street("Crackenedge Lane", "WF13 1"),
            Street("Bond Street", "WF13 1"),
            Street("Union Street", "WF13 1"),
        ),
        residential=(
            Street("Halifax Road", "WF13 2"),
            Street("Bradford Road", "WF13 2"),
            Street("Boothroyd Lane", "WF13 2"),
            Street("Ravensthorpe Road", "WF13 3", "Ravensthorpe"),
            Street("Huddersfield Road", "WF13 3", "Ravensthorpe"),
            Street("Ings Road", "WF12 9", "Savile Town"),
            Street("Thornhill Road", "WF12 9", "Thornhill Lees"),
            Street("Wakefield Road", "WF12 8"),
            Street("Leeds Road", "WF12 7"),
            Street("Chickenley Lane", "WF12 8", "Chickenley"),
        ),
        weight=0.8,
    ),
    Town(
        "Mirfield",
        _DW,
        53.6745,
        -1.6930,
        centre=(
            Street("Huddersfield Road", "WF14 8"),
            Street("Station Road", "WF14 8"),
            Street("Church Lane", "WF14 9"),
        ),
        residential=(
            Street("Knowl Road", "WF14 9"),
            Street("Towngate", "WF14 8"),
            Street("Leeds Road", "WF14 0"),
            Street("Hopton Lane", "WF14 8", "Hopton"),
        ),
        weight=0.25,
    ),
    Town(
        "Batley",
        _BS,
        53.7160,
        -1.6350,
        centre=(
            Street("Commercial Street", "WF17 5"),
            Street("Branch Road", "WF17 5"),
            Street("Market Place", "WF17 5"),
            Street("Station Road", "WF17 5"),
            Street("Hick Lane", "WF17 5"),
        ),
        residential=(
            Street("Bradford Road", "WF17 8"),
            Street("Healey Lane", "WF17 8"),
            Street("Track Road", "WF17 7"),
            Street("Purlwell Lane", "WF17 7"),
            Street("Mayman Lane", "WF17 7"),
            Street("Carlinghow Lane", "WF17 8", "Carlinghow"),
        ),
        weight=0.45,
    ),
    Town(
        "Heckmondwike",
        _BS,
        53.7080,
        -1.6700,
        centre=(
            Street("Market Street", "WF16 0"),
            Street("Westgate", "WF16 0"),
            Street("Union Street", "WF16 0"),
        ),
        residential=(
            Street("High Street", "WF16 0"),
            Street("Walkley Lane", "WF16 0"),
            Street("Jeremy Lane", "WF16 9"),
        ),
        weight=0.2,
    ),
    Town(
        "Cleckheaton",
        _BS,
        53.7250,
        -1.7130,
        centre=(
            Street("Northgate", "BD19 5"),
            Street("Market Street", "BD19 5"),
            Street("Bradford Road", "BD19 3"),
        ),
        residential=(
            Street("Westgate", "BD19 5"),
            Street("Whitcliffe Road", "BD19 3"),
            Street("Scholes Lane", "BD19 6", "Scholes"),
        ),
        weight=0.2,
    ),
    Town(
        "Birstall",
        _BS,
        53.7330,
        -1.6600,
        centre=(
            Street("Market Place", "WF17 9"),
            Street("Kirkgate", "WF17 9"),
        ),
        residential=(
            Street("Low Lane", "WF17 9"),
            Street("Leeds Road", "WF17 0"),
            Street("Smithies Moor Lane", "WF17 9"),
        ),
        weight=0.15,
    ),
    Town(
        "Holmfirth",
        _RU,
        53.5700,
        -1.7870,
        centre=(
            Street("Huddersfield Road", "HD9 3"),
            Street("Victoria Street", "HD9 7"),
            Street("Towngate", "HD9 1"),
            Street("Hollowgate", "HD9 2"),
        ),
        residential=(
            Street("Dunford Road", "HD9 2"),
            Street("Station Road", "HD9 1"),
            Street("Woodhead Road", "HD9 2"),
            Street("Cinderhills Road", "HD9 1"),
        ),
        weight=0.4,
    ),
    Town(
        "Marsden",
        _RU,
        53.6010,
        -1.9300,
        centre=(
            Street("Peel Street", "HD7 6"),
            Street("Station Road", "HD7 6"),
        ),
        residential=(
            Street("Manchester Road", "HD7 6"),
            Street("Towngate", "HD7 6"),
        ),
        weight=0.15,
    ),
    Town(
        "Kirkburton",
        _RU,
        53.6100,
        -1.7020,
        centre=(
            Street("North Road", "HD8 0"),
            Street("George Street", "HD8 0"),
        ),
        residential=(
            Street("Penistone Road", "HD8 0"),
            Street("Riley Lane", "HD8 0"),
            Street("Shelley Lane", "HD8 0"),
        ),
        weight=0.25,
    ),
    Town(
        "Slaithwaite",
        _RU,
        53.6230,
        -1.8820,
        centre=(
            Street("Carr Lane", "HD7 5"),
            Street("Britannia Road", "HD7 5"),
        ),
        residential=(
            Street("Manchester Road", "HD7 5"),
            Street("Royd Street", "HD7 5"),
            Street("Nabbs Lane", "HD7 5"),
        ),
        weight=0.2,
    ),
)

_CENTRE = frozenset({"centre"})
_TRANSPORT = frozenset({"centre", "transport", "night"})
_SQUARE = frozenset({"centre", "night"})
_MARKET = frozenset({"centre", "shop"})
_OUTDOOR = frozenset({"outdoor"})

LANDMARKS: tuple[Landmark, ...] = (
    Landmark(
        "Huddersfield bus station",
        "Huddersfield",
        "Upperhead Row",
        "HD1 2",
        53.6466,
        -1.7854,
        _TRANSPORT,
    ),
    Landmark(
        "St George's Square",
        "Huddersfield",
        "St George's Square",
        "HD1 1",
        53.6484,
        -1.7841,
        _SQUARE,
    ),
    Landmark(
        "Huddersfield railway station",
        "Huddersfield",
        "St George's Square",
        "HD1 1",
        53.6487,
        -1.7846,
        _TRANSPORT,
    ),
    Landmark(
        "Huddersfield Open Market",
        "Huddersfield",
        "Brook Street",
        "HD1 1",
        53.6479,
        -1.7806,
        _MARKET,
    ),
    Landmark(
        "Queensgate Market",
        "Huddersfield",
        "Princess Alexandra Walk",
        "HD1 2",
        53.6449,
        -1.7812,
        _MARKET,
    ),
    Landmark(
        "Kingsgate shopping centre",
        "Huddersfield",
        "King Street",
        "HD1 2",
        53.6442,
        -1.7806,
        _MARKET,
    ),
    Landmark(
        "St Peter's churchyard", "Huddersfield", "Kirkgate", "HD1 1", 53.6468, -1.7808, _CENTRE
    ),
    Landmark(
        "Piazza, Princess Alexandra Walk",
        "Huddersfield",
        "Princess Alexandra Walk",
        "HD1 2",
        53.6455,
        -1.7820,
        _CENTRE,
    ),
    Landmark("Greenhead Park", "Huddersfield", "Park Drive", "HD1 4", 53.6487, -1.7984, _OUTDOOR),
    Landmark(
        "Dewsbury market", "Dewsbury", "Corporation Street", "WF13 1", 53.6904, -1.6316, _MARKET
    ),
    Landmark(
        "Dewsbury bus station", "Dewsbury", "Bradford Road", "WF13 1", 53.6912, -1.6305, _TRANSPORT
    ),
    Landmark(
        "Dewsbury railway station",
        "Dewsbury",
        "Wellington Road",
        "WF13 1",
        53.6922,
        -1.6335,
        _TRANSPORT,
    ),
    Landmark(
        "Dewsbury Minster gardens", "Dewsbury", "Church Street", "WF13 1", 53.6891, -1.6288, _CENTRE
    ),
    Landmark(
        "Princess of Wales Precinct",
        "Dewsbury",
        "Foundry Street",
        "WF13 1",
        53.6909,
        -1.6322,
        _MARKET,
    ),
    Landmark(
        "Crow Nest Park", "Dewsbury", "Heckmondwike Road", "WF13 2", 53.6982, -1.6432, _OUTDOOR
    ),
    Landmark(
        "Mirfield railway station",
        "Mirfield",
        "Station Road",
        "WF14 8",
        53.6722,
        -1.6925,
        _TRANSPORT,
    ),
    Landmark(
        "Batley bus station", "Batley", "Bradford Road", "WF17 5", 53.7172, -1.6340, _TRANSPORT
    ),
    Landmark("Batley market", "Batley", "Market Place", "WF17 5", 53.7165, -1.6347, _MARKET),
    Landmark("Wilton Park", "Batley", "Upper Batley Lane", "WF17 0", 53.7195, -1.6380, _OUTDOOR),
    Landmark(
        "Heckmondwike Green", "Heckmondwike", "Market Place", "WF16 0", 53.7078, -1.6740, _CENTRE
    ),
    Landmark(
        "Cleckheaton bus station",
        "Cleckheaton",
        "Albion Street",
        "BD19 3",
        53.7246,
        -1.7117,
        _TRANSPORT,
    ),
    Landmark(
        "Birstall Market Place", "Birstall", "Market Place", "WF17 9", 53.7327, -1.6598, _CENTRE
    ),
    Landmark(
        "Holmfirth bus station",
        "Holmfirth",
        "Huddersfield Road",
        "HD9 3",
        53.5709,
        -1.7868,
        _TRANSPORT,
    ),
    Landmark(
        "Victoria Park, Holmfirth",
        "Holmfirth",
        "Huddersfield Road",
        "HD9 3",
        53.5736,
        -1.7851,
        _OUTDOOR,
    ),
    Landmark(
        "Digley Reservoir car park",
        "Holmfirth",
        "Fiddle Street",
        "HD9 2",
        53.5533,
        -1.8340,
        _OUTDOOR,
    ),
    Landmark(
        "Marsden railway station", "Marsden", "Station Road", "HD7 6", 53.6031, -1.9302, _TRANSPORT
    ),
    Landmark(
        "Kirkburton recreation ground",
        "Kirkburton",
        "North Road",
        "HD8 0",
        53.6112,
        -1.7041,
        _OUTDOOR,
    ),
    Landmark(
        "Slaithwaite canal towpath",
        "Slaithwaite",
        "Britannia Road",
        "HD7 5",
        53.6237,
        -1.8814,
        _OUTDOOR,
    ),
)

#: Kinds of town-centre premises, and what goes on at each.
PREMISES: tuple[tuple[str, frozenset[str]], ...] = (
    ("Supermarket", frozenset({"shop"})),
    ("Pharmacy", frozenset({"shop"})),
    ("Phone shop", frozenset({"shop"})),
    ("Discount store", frozenset({"shop"})),
    ("Off-licence", frozenset({"shop", "centre"})),
    ("Convenience store", frozenset({"shop"})),
    ("Clothes shop", frozenset({"shop"})),
    ("Cash machine", frozenset({"centre"})),
    ("Bookmaker", frozenset({"centre"})),
    ("Bakery", frozenset({"shop"})),
    ("Pub", frozenset({"night"})),
    ("Bar", frozenset({"night"})),
    ("Nightclub", frozenset({"night"})),
    ("Takeaway", frozenset({"night"})),
    ("Taxi rank", frozenset({"night", "centre"})),
    ("Shop doorway", frozenset({"centre"})),
    ("Car park", frozenset({"centre", "outdoor"})),
)

LANDLORDS: tuple[tuple[str, float], ...] = (
    ("Kirklees Homes", 0.7),
    ("Pennine Vale Housing Association", 0.12),
    ("Spen Valley Homes", 0.08),
    ("Calder & Colne Housing Trust", 0.1),
)

_ALL = (_HD, _DW, _BS, _RU)

SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry(
        "Kirklees Recovery Hub, Huddersfield",
        (ServiceNeed.ALCOHOL_DRUGS,),
        (_HD, _RU),
        "Huddersfield",
        "Lord Street",
        "HD1 1",
        "Mon–Fri 9:00–17:00; drop-in Tue & Thu 10:00–13:00",
        "Free, confidential help with alcohol and drugs: assessment, prescribing & groups.",
    ),
    ServiceEntry(
        "Kirklees Recovery Hub, Dewsbury",
        (ServiceNeed.ALCOHOL_DRUGS,),
        (_DW, _BS),
        "Dewsbury",
        "Wellington Road",
        "WF13 1",
        "Mon–Fri 9:00–17:00; late clinic Wed until 19:00",
        "Alcohol and drug treatment and recovery support for Dewsbury, Mirfield, Batley & Spen.",
    ),
    ServiceEntry(
        "Needle exchange and harm reduction",
        (ServiceNeed.ALCOHOL_DRUGS,),
        _ALL,
        "Huddersfield",
        "Lord Street",
        "HD1 1",
        "Mon–Sat 10:00–16:00",
        "Clean equipment, naloxone and safer-use advice, no appointment needed.",
    ),
    ServiceEntry(
        "Kirklees Housing Options",
        (ServiceNeed.HOUSING,),
        _ALL,
        "Huddersfield",
        "Market Street",
        "HD1 2",
        "Mon–Fri 9:00–17:00; out of hours by phone",
        "Advice for anyone homeless or at risk of losing their home; emergency accommodation.",
    ),
    ServiceEntry(
        "Rough sleeper outreach team",
        (ServiceNeed.HOUSING, ServiceNeed.MENTAL_HEALTH),
        (_HD, _DW),
        "Huddersfield",
        "Northumberland Street",
        "HD1 1",
        "Street outreach daily from 6:30; phone line 24 hours",
        "Finds and supports people sleeping rough; can arrange a bed the same night.",
    ),
    ServiceEntry(
        "Dewsbury night shelter",
        (ServiceNeed.HOUSING, ServiceNeed.FOOD),
        (_DW, _BS),
        "Dewsbury",
        "Bond Street",
        "WF13 1",
        "Every night 20:00–8:00 (November to March)",
        "Winter night shelter with an evening meal and breakfast; walk-in or referral.",
    ),
    ServiceEntry(
        "Tenancy sustainment team",
        (ServiceNeed.HOUSING, ServiceNeed.BENEFITS),
        _ALL,
        "Batley",
        "Commercial Street",
        "WF17 5",
        "Mon–Fri 8:30–16:30",
        "Helps tenants keep their home: budgeting, repairs, neighbour disputes and support plans.",
    ),
    ServiceEntry(
        "Kirklees Wellbeing Line",
        (ServiceNeed.MENTAL_HEALTH,),
        _ALL,
        "Huddersfield",
        "New Street",
        "HD1 2",
        "24 hours, every day",
        "Talk to someone now about how you're feeling; urgent mental-health advice and referral.",
    ),
    ServiceEntry(
        "Safe Space crisis café",
        (ServiceNeed.MENTAL_HEALTH,),
        (_HD, _RU),
        "Huddersfield",
        "Byram Street",
        "HD1 1",
        "Thu–Mon 18:00–23:00",
        "An evening alternative to A&E for people in emotional crisis; no referral needed.",
    ),
    ServiceEntry(
        "Talking therapies, North Kirklees",
        (ServiceNeed.MENTAL_HEALTH,),
        (_DW, _BS),
        "Dewsbury",
        "Daisy Hill",
        "WF13 1",
        "Mon–Fri 9:00–17:00",
        "Self-referral talking therapies for anxiety, low mood and stress.",
    ),
    ServiceEntry(
        "Huddersfield community pantry",
        (ServiceNeed.FOOD,),
        (_HD,),
        "Huddersfield",
        "Cross Church Street",
        "HD1 2",
        "Mon, Wed & Fri 11:00–14:00",
        "Low-cost food shopping and free hot drinks; no referral needed.",
    ),
    ServiceEntry(
        "Dewsbury food bank",
        (ServiceNeed.FOOD,),
        (_DW,),
        "Dewsbury",
        "Northgate",
        "WF13 1",
        "Tue & Fri 10:00–13:00",
        "Emergency food parcels; voucher from any support worker or officer.",
    ),
    ServiceEntry(
        "Batley & Birstall food bank",
        (ServiceNeed.FOOD,),
        (_BS,),
        "Batley",
        "Branch Road",
        "WF17 5",
        "Wed 12:00–15:00; Sat 10:00–12:00",
        "Emergency food parcels and toiletries for Batley, Birstall & Heckmondwike.",
    ),
    ServiceEntry(
        "Holme Valley food share",
        (ServiceNeed.FOOD,),
        (_RU,),
        "Holmfirth",
        "Victoria Street",
        "HD9 7",
        "Thu 13:00–16:00",
        "Food share for the Holme Valley; delivery for people who can't travel.",
    ),
    ServiceEntry(
        "Colne Valley community larder",
        (ServiceNeed.FOOD,),
        (_RU, _HD),
        "Slaithwaite",
        "Carr Lane",
        "HD7 5",
        "Sat 10:00–12:30",
        "Community larder and warm space for Slaithwaite, Marsden and the Colne Valley.",
    ),
    ServiceEntry(
        "Kirklees welfare rights advice",
        (ServiceNeed.BENEFITS,),
        _ALL,
        "Huddersfield",
        "Ramsden Street",
        "HD1 2",
        "Mon–Thu 9:30–16:00",
        "Help with benefit claims, sanctions, appeals and Universal Credit.",
    ),
    ServiceEntry(
        "Money & debt advice drop-in",
        (ServiceNeed.BENEFITS,),
        (_DW, _BS),
        "Dewsbury",
        "Market Place",
        "WF13 1",
        "Tue 10:00–14:00; Thu 14:00–18:00",
        "Free debt and money advice, including priority debts and rent arrears.",
    ),
    ServiceEntry(
        "Kirklees domestic abuse helpline",
        (ServiceNeed.DOMESTIC_ABUSE,),
        _ALL,
        "Huddersfield",
        "King Street",
        "HD1 2",
        "24 hours, every day",
        "Confidential support, safety planning and refuge referrals after domestic abuse.",
    ),
    ServiceEntry(
        "Independent domestic violence advisers",
        (ServiceNeed.DOMESTIC_ABUSE, ServiceNeed.VICTIM_SUPPORT),
        _ALL,
        "Dewsbury",
        "Crackenedge Lane",
        "WF13 1",
        "Mon–Fri 9:00–17:00",
        "Advocacy for high-risk victims through the courts, housing and MARAC.",
    ),
    ServiceEntry(
        "Kirklees victim care service",
        (ServiceNeed.VICTIM_SUPPORT,),
        _ALL,
        "Huddersfield",
        "Westgate",
        "HD1 1",
        "Mon–Fri 8:00–20:00; Sat 9:00–17:00",
        "Practical and emotional support for victims of crime, including hate crime.",
    ),
    ServiceEntry(
        "Hate incident reporting centre",
        (ServiceNeed.VICTIM_SUPPORT,),
        (_DW, _BS),
        "Batley",
        "Commercial Street",
        "WF17 5",
        "Mon–Fri 10:00–16:00",
        "Report a hate incident in person, with an interpreter if you need one.",
    ),
    ServiceEntry(
        "Kirklees youth engagement team",
        (ServiceNeed.YOUTH,),
        _ALL,
        "Huddersfield",
        "Kirkgate",
        "HD1 1",
        "Mon–Fri 15:00–21:00",
        "Detached youth work, diversionary activities and mentoring for 11–19s.",
    ),
    ServiceEntry(
        "Dewsbury detached youth project",
        (ServiceNeed.YOUTH,),
        (_DW, _BS),
        "Dewsbury",
        "Union Street",
        "WF13 1",
        "Tue–Sat 16:00–22:00",
        "Youth workers on the streets and in parks in the evenings; sports sessions.",
    ),
    ServiceEntry(
        "Holme Valley youth bus",
        (ServiceNeed.YOUTH,),
        (_RU,),
        "Holmfirth",
        "Towngate",
        "HD9 1",
        "Fri & Sat 18:00–22:00",
        "A mobile youth club that visits the villages; games, advice and a warm space.",
    ),
)

# Names ------------------------------------------------------------------------------------------
# Given and family names common in Kirklees; the people made from them are fictional.

BRITISH_MALE = (
    "Jack", "Harry", "Oliver", "George", "Liam", "Kyle", "Ryan", "Dean", "Craig", "Lee",
    "Darren", "Wayne", "Gary", "Paul", "Mark", "Stephen", "Jamie", "Connor", "Callum", "Tyler",
    "Kieran", "Shane", "Nathan", "Daniel", "Michael", "David", "Andrew", "Carl", "Scott", "Jordan",
)  # fmt: skip
BRITISH_FEMALE = (
    "Chloe", "Jade", "Kirsty", "Leanne", "Gemma", "Stacey", "Michelle", "Donna", "Sarah", "Emma",
    "Lauren", "Amy", "Rebecca", "Nicola", "Kelly", "Zoë", "Chelsea", "Courtney", "Demi", "Tracey",
    "Julie", "Karen", "Lisa", "Hayley", "Siobhan", "Niamh", "Chloé", "Bethany", "Megan", "Sophie",
)  # fmt: skip
BRITISH_FAMILY = (
    "Smith", "Taylor", "Brown", "Wilson", "Walker", "Wood", "Robinson", "Thompson", "Wright",
    "Hirst", "Haigh", "Sykes", "Holroyd", "Armitage", "Crowther", "Beaumont", "Schofield",
    "Lockwood", "Brook", "Kaye", "Firth", "Dyson", "Senior", "Hinchliffe", "Broadbent", "Booth",
    "Shaw", "Pearson", "Ramsden", "O'Brien", "O'Neill", "McDonald", "Hall", "Marsden", "Whiteley",
)  # fmt: skip
SOUTH_ASIAN_MALE = (
    "Muhammad", "Mohammed", "Imran", "Asif", "Tariq", "Bilal", "Hamza", "Zain", "Adil", "Faisal",
    "Yusuf", "Amir", "Arif", "Sajid", "Irfan", "Zubair", "Naveed", "Kashif", "Ravi", "Hitesh",
)  # fmt: skip
SOUTH_ASIAN_FEMALE = (
    "Aisha", "Fatima", "Maryam", "Sana", "Zainab", "Nadia", "Ayesha", "Shazia", "Samina",
    "Rubina", "Hina", "Noor", "Safiya", "Amina", "Priya", "Nisha",
)  # fmt: skip
SOUTH_ASIAN_FAMILY = (
    "Hussain", "Khan", "Ahmed", "Ali", "Patel", "Mahmood", "Iqbal", "Akhtar", "Shah", "Rashid",
    "Malik", "Butt", "Mirza", "Chaudhry", "Qureshi", "Bashir", "Mistry", "Lad", "Desai", "Sheikh",
)  # fmt: skip
#: (male given, female given, (male family, female family)) per language, so surnames agree.
NameSet = tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, str], ...]]
EASTERN_EUROPEAN: tuple[NameSet, ...] = (
    (
        ("Łukasz", "Bartłomiej", "Piotr", "Krzysztof", "Tomasz", "Paweł", "Michał", "Jakub"),
        ("Agnieszka", "Małgorzata", "Katarzyna", "Joanna", "Zofia", "Ewa"),
        (("Kowalski", "Kowalska"), ("Nowak", "Nowak"), ("Wiśniewski", "Wiśniewska"),
         ("Wójcik", "Wójcik"), ("Kamiński", "Kamińska"), ("Lewandowski", "Lewandowska"),
         ("Zieliński", "Zielińska"), ("Szymański", "Szymańska")),
    ),
    (
        ("Ionuț", "Andrei", "Florin", "Mihai", "Alexandru", "Ștefan"),
        ("Ioana", "Elena", "Andreea", "Mihaela"),
        (("Popescu", "Popescu"), ("Ionescu", "Ionescu"), ("Dumitru", "Dumitru"), ("Stan", "Stan")),
    ),
    (
        ("Tomas", "Mindaugas", "Darius", "Jonas"),
        ("Rūta", "Eglė", "Aistė"),
        (
            ("Kazlauskas", "Kazlauskienė"),
            ("Petrauskas", "Petrauskienė"),
            ("Jankauskas", "Jankauskienė"),
        ),
    ),
    (
        ("Ján", "Marek", "Tibor", "Dušan"),
        ("Jana", "Zuzana", "Monika"),
        (("Horváth", "Horváthová"), ("Kováč", "Kováčová"), ("Balog", "Balogová")),
    ),
)  # fmt: skip

NICKNAMES = {
    "Gary": "Gaz", "Darren": "Daz", "Michael": "Mick", "David": "Dave", "Muhammad": "Mo",
    "Mohammed": "Mo", "Stephen": "Steve", "Andrew": "Andy", "Łukasz": "Łuki", "Jamie": "Jay",
    "Shazia": "Shaz", "Sarah": "Saz", "Thomas": "Tommo", "Bartłomiej": "Bartek", "Paul": "Pob",
    "Nathan": "Nate", "Ionuț": "Johnny", "Kieran": "Kez", "Wayne": "Wazza", "Lee": "Leeroy",
    "Rebecca": "Becky", "Jordan": "Jord", "Krzysztof": "Chris", "Małgorzata": "Gosia",
}  # fmt: skip
