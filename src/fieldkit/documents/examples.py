"""Worked-example inputs (Dewsbury and Huddersfield) for template previews, tests and benchmarks."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from fieldkit.documents.inputs import (
    BundleEntry,
    BundleInput,
    CaseHeader,
    ClosureStep,
    LeafletInput,
    LetterInput,
    SupportService,
)
from fieldkit.domain.vocabulary import DocumentKind, ServiceNeed

#: Fixed local time (GMT, no daylight saving) so examples render identically everywhere.
LOCAL = timezone(timedelta(0), "GMT")

_SERVICES = (
    SupportService(
        name="Change Grow Live — Kirklees Recovery Service",
        description="Free, confidential help with alcohol and drug use: drop-in, "
        "key workers and needle exchange.",
        phone="0300 555 0101",
        address="Northumberland Street, Huddersfield HD1 1RL",
        opening_hours="Mon–Fri 9:00–17:00",
        website="https://www.changegrowlive.org/kirklees",
        needs=(ServiceNeed.ALCOHOL_DRUGS,),
    ),
    SupportService(
        name="Kirklees Housing Solutions",
        description="Advice if you are homeless or at risk of losing your home.",
        phone="01484 414 000",
        address="Civic Centre 3, Market Street, Huddersfield HD1 2TG",
        opening_hours="Mon–Fri 8:30–17:00; out of hours 01484 414 000",
        website="https://www.kirklees.gov.uk/housing",
        needs=(ServiceNeed.HOUSING,),
    ),
    SupportService(
        name="The Welcome Centre",
        description="Food parcels and support for people in crisis.",
        phone="01484 421 102",
        address="Wakefield Road, Huddersfield HD1 3AS",
        opening_hours="Mon–Fri 10:00–14:00",
        website="https://www.thewelcomecentre.org.uk",
        needs=(ServiceNeed.FOOD,),
    ),
    SupportService(
        name="Kirklees Single Point of Access (mental health)",
        description="Mental health assessment and crisis support, 24 hours a day.",
        phone="0800 183 0558",
        address="Folly Hall Mills, St Thomas Road, Huddersfield HD1 3LT",
        opening_hours="24 hours",
        website="https://www.swyt.nhs.uk",
        needs=(ServiceNeed.MENTAL_HEALTH,),
    ),
    SupportService(
        name="Citizens Advice Kirklees",
        description="Help with benefits, debts and money.",
        phone="0808 278 7896",
        address="Crown Court Buildings, Princess Street, Huddersfield HD1 2TT",
        opening_hours="Mon–Fri 9:30–16:30",
        website="https://www.citizensadvicekirklees.org.uk",
        needs=(ServiceNeed.BENEFITS,),
    ),
    SupportService(
        name="Pennine Domestic Abuse Partnership",
        description="Support and safe accommodation for anyone affected by domestic abuse.",
        phone="0800 052 7222",
        address="(address not published)",
        opening_hours="Mon–Fri 9:00–17:00; helpline 24 hours",
        website="https://www.pdap.co.uk",
        needs=(ServiceNeed.DOMESTIC_ABUSE,),
    ),
    SupportService(
        name="Dewsbury Resettlement Hub",
        description="Day centre: showers, laundry, hot meals and a housing worker.",
        phone="01924 325 100",
        address="Union Street, Dewsbury WF13 1AL",
        opening_hours="Daily 8:00–12:00",
        website="https://example.org/dewsbury-hub",
        needs=(ServiceNeed.HOUSING, ServiceNeed.FOOD),
    ),
    SupportService(
        name="Victim Support West Yorkshire",
        description="Free help for anyone affected by crime.",
        phone="0300 303 1971",
        address="",
        opening_hours="24/7 supportline",
        website="https://www.victimsupport.org.uk",
        needs=(ServiceNeed.VICTIM_SUPPORT,),
    ),
)


def example_services(count: int = 8) -> tuple[SupportService, ...]:
    """``count`` support services (up to 8), one or two for each need."""
    return _SERVICES[:count]


def example_letter(
    kind: DocumentKind = DocumentKind.YELLOW_LETTER, language: str = "en"
) -> LetterInput:
    """A Dewsbury street-drinking letter of the given kind."""
    next_step = {
        DocumentKind.YELLOW_LETTER: "a Red warning letter",
        DocumentKind.RED_LETTER: "a Community Protection Warning",
        DocumentKind.CPW_LETTER: "a Community Protection Notice",
    }[kind]
    return LetterInput(
        kind=kind,
        reference="DEW-2026-0042",
        issued_at=datetime(2026, 11, 27, 14, 5, tzinfo=LOCAL),
        person_name="Jan Kowalski",
        person_description=None,
        place_label="Market Place, Dewsbury",
        place_address="outside 12 Market Place, Dewsbury WF13 1AB",
        occurred_at=datetime(2026, 11, 26, 13, 40, tzinfo=LOCAL),
        behaviour="drinking alcohol from an open can and shouting at passers-by",
        conditions=(
            "drink alcohol in a public place in Dewsbury town centre",
            "shout at, follow or ask members of the public for money",
        ),
        scheme_name="Dewsbury Town Centre Street Drinking and Vagrancy Protocol",
        next_step=next_step,
        next_step_power="the Anti-social Behaviour, Crime and Policing Act 2014, section 43",
        officer_name="Sam Whitaker",
        officer_number="PCSO 1234",
        support=example_services(3),
        deadline=date(2026, 12, 11),
        language=language,
    )


def example_leaflet(count: int = 8, language: str = "en") -> LeafletInput:
    """A signposting leaflet with ``count`` services."""
    return LeafletInput(
        services=example_services(count),
        issued_on=date(2026, 11, 27),
        reference="DEW-2026-0042",
        language=language,
    )


_KINDS = ("visit", "incident", "evidence", "support", "letter")


def example_bundle(entries: int = 12, language: str = "en", body_sentences: int = 6) -> BundleInput:
    """A Huddersfield problem-tenancy chronology with ``entries`` entries and closure steps."""
    start = datetime(2026, 6, 1, 9, 30, tzinfo=LOCAL)
    sentence = (
        "Officers attended the property following reports from neighbours of people coming and "
        "going through the night, loud music and a smell of cannabis on the shared landing. "
    )
    items = tuple(
        BundleEntry(
            record_id=f"note-{n:05d}",
            when=start + timedelta(days=n, hours=n % 7),
            kind=_KINDS[n % len(_KINDS)],
            title=f"Entry {n + 1}: {_KINDS[n % len(_KINDS)]} at Flat 3, 14 Hill Street",
            body=sentence * body_sentences,
            author="Priya Shah, Tenancy Sustainment Officer",
        )
        for n in range(entries)
    )
    notice = start + timedelta(days=entries + 1)
    steps = (
        ClosureStep(
            record_id="closure-0001",
            step="Closure Notice served (s76)",
            when=notice,
            deadline=notice + timedelta(hours=48),
            status="notice_served",
        ),
        ClosureStep(
            record_id="closure-0002",
            step="Closure Order hearing, Kirklees Magistrates' Court",
            when=notice + timedelta(hours=40),
            deadline=None,
            status="planned",
        ),
    )
    return BundleInput(
        case=CaseHeader(
            case_id="case-7f3a9c",
            case_reference="HUD-TEN-2026-017",
            property_address="Flat 3, 14 Hill Street, Huddersfield HD1 5AB",
            tenant_name="Alex Smith",
            prepared_by="Priya Shah, Tenancy Sustainment Officer",
            prepared_at=datetime(2026, 11, 27, 16, 0, tzinfo=LOCAL),
            court="Kirklees Magistrates' Court",
        ),
        entries=items,
        closure_steps=steps,
        language=language,
    )
