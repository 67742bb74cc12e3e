"""The subject access PDF, read back by text extraction: cover, records, history, log."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from pypdf import PdfReader
from tests.documents.pdf_reading import pdf_pages, pdf_text

from fieldkit.documents import (
    AccessEvent,
    AccessField,
    AccessRecord,
    AccessSection,
    AccessVersion,
    SubjectAccessInput,
    TemplateLibrary,
    render_subject_access,
    scope_statement,
)
from fieldkit.documents.templates import Branding
from fieldkit.domain.legal_clocks import LONDON
from fieldkit.domain.vocabulary import DocumentKind


def _visit(n: int, *, events: int = 1) -> AccessRecord:
    return AccessRecord(
        heading=f"Visit — 10:{n:02d} on Friday 20 November 2026",
        reference=f"00000000-0000-4000-8000-{n:012d}",
        why="Included as a visit involving the person.",
        notes=("Restricted: holds safeguarding information.",) if n == 2 else (),
        fields=(
            AccessField("Narrative", f"Seen at the bus station, visit number {n}."),
            AccessField("People", "This person and 1 other person (not named here)"),
        ),
        events=tuple(
            AccessEvent(f"09:{e % 60:02d} on Friday 27 November 2026", "amy.officer", "Viewed", "")
            for e in range(events)
        ),
    )


def _pack(*sections: AccessSection) -> SubjectAccessInput:
    person = AccessRecord(
        heading="Person record: Zoë O'Brien",
        reference="11111111-1111-4111-8111-111111111111",
        why="Included as the person's own record.",
        notes=(),
        fields=(AccessField("Given name", "Zoë"), AccessField("Flags", "<b>verbal</b> & abuse")),
        versions=(
            AccessVersion(
                "Changed at 09:05 on Friday 27 November 2026; before that it said:",
                (AccessField("Flags", "dog on lead"),),
            ),
        ),
        events=(
            AccessEvent(
                "09:10 on Friday 27 November 2026",
                "sam.supervisor",
                "Printed",
                "letter; to the person",
            ),
        ),
    )
    return SubjectAccessInput(
        reference="SAR-0A1B2C3D",
        person_name="Zoë O'Brien",
        prepared_by="amy.officer",
        prepared_at=datetime(2026, 11, 27, 9, 30, tzinfo=LONDON),
        summary=("1 person record", "2 visits"),
        sections=(AccessSection("The person's record", (person,)), *sections),
    )


@pytest.fixture(scope="module")
def branding() -> Branding:
    return TemplateLibrary.load().bundle("en").branding


def test_the_cover_names_the_person_the_reference_and_the_users_rights(
    branding: Branding,
) -> None:
    rendered = render_subject_access(_pack(), branding)
    first = " ".join(pdf_pages(rendered.pdf)[0].split())
    assert "Subject access export" in first
    assert "Zoë O'Brien" in first
    assert "Reference SAR-0A1B2C3D · prepared by amy.officer on 27 November 2026, 09:30" in first
    assert " ".join(scope_statement("amy.officer").split()) in first
    assert "subject access request" in first
    assert rendered.kind is DocumentKind.SUBJECT_ACCESS
    assert (rendered.template_id, rendered.language) == ("subject_access", "en")


def test_records_print_their_fields_earlier_versions_and_log_literally(
    branding: Branding,
) -> None:
    visits = AccessSection("Visits", (_visit(1), _visit(2)))
    text = pdf_text(render_subject_access(_pack(visits), branding).pdf)
    assert "<b>verbal</b> & abuse" in text  # record text is never markup
    assert "Changed at 09:05 on Friday 27 November 2026; before that it said:" in text
    assert "dog on lead" in text
    assert "sam.supervisor" in text
    assert "letter; to the person" in text
    assert "Visit — 10:01 on Friday 20 November 2026" in text
    assert "Visit — 10:02 on Friday 20 November 2026" in text
    assert "Seen at the bus station, visit number 2." in text
    assert "Restricted: holds safeguarding information." in text
    assert "00000000-0000-4000-8000-000000000002" in text


def test_an_empty_section_says_none_is_held(branding: Branding) -> None:
    text = pdf_text(render_subject_access(_pack(AccessSection("Closures", ())), branding).pdf)
    assert "Closures None held." in text


def test_a_long_log_runs_over_pages_each_numbered_with_the_reference(
    branding: Branding,
) -> None:
    busy = AccessSection("Visits", (_visit(1, events=120),))
    rendered = render_subject_access(_pack(busy), branding)
    pages = pdf_pages(rendered.pdf)
    assert rendered.page_count == len(pages) > 2
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
        assert "SAR-0A1B2C3D" in page
    assert pdf_text(rendered.pdf).count("amy.officer Viewed") == 120


def test_same_input_gives_identical_bytes_and_metadata_names_no_one(
    branding: Branding,
) -> None:
    first = render_subject_access(_pack(), branding)
    assert first.pdf == render_subject_access(_pack(), branding).pdf
    info = PdfReader(io.BytesIO(first.pdf)).metadata
    assert info is not None
    assert info.title == "Subject access export"
    assert "Zoë" not in str(dict(info))
