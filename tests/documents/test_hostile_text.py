"""Text from users and records prints literally: never markup, never an image, never an error."""

from __future__ import annotations

import dataclasses
import io
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from tests.documents.pdf_reading import pdf_text

from fieldkit.documents import (
    BundleEntry,
    LeafletInput,
    SupportService,
    TemplateLibrary,
    render_bundle,
    render_leaflet,
    render_letter,
)
from fieldkit.documents.examples import example_bundle, example_letter
from fieldkit.documents.text import FALLBACK_GLYPH, safe_text
from fieldkit.domain.vocabulary import DocumentKind

LOCAL_DATE = example_letter().issued_at.date()

# Text that must come out of the PDF exactly as typed.
LITERAL = [
    '<font color="red" size="40">BIG</font>',
    '<img src="https://evil.example/track.png" width="500" height="500"/>',
    '<img src="/etc/passwd"/>',
    "<b>unclosed bold <i> and </para> stray",
    "Fish & Chips &amp; &lt;b&gt; &#x41; &nosuch;",
    'O\'Brien "Quotes" \\ backslash',
    "Zażółć gęślą jaźń ŻÓŁĆ",
    "Emoji 🍺😀",
    "שלום עולם",
    "مرحبا بالعالم",
]


def _count_printed(pdf_text: str, text: str) -> int:
    """How often the text appears in a PDF's text layer, as typed or with fallback glyphs.

    Right-to-left text is printed in logical order, left to right; pypdf reads such a run back
    reversed, so the reversed form counts too.
    """
    printed = " ".join(safe_text(text).split())
    count = pdf_text.count(printed)
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in printed):
        count += pdf_text.count(printed[::-1])
    return count


def test_markup_and_scripts_the_font_has_print_unchanged() -> None:
    for text in LITERAL:
        if "Emoji" not in text:
            assert safe_text(text) == text


def test_emoji_print_as_the_fallback_glyph() -> None:
    assert safe_text("Emoji 🍺😀") == f"Emoji {FALLBACK_GLYPH}{FALLBACK_GLYPH}"


def _image_count(pdf: bytes) -> int:
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        count += sum(1 for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image")
    return count


@pytest.mark.parametrize("hostile", LITERAL)
def test_hostile_text_in_a_letter_prints_literally(library: TemplateLibrary, hostile: str) -> None:
    letter = dataclasses.replace(
        example_letter(),
        person_name=hostile,
        behaviour=hostile,
        conditions=(hostile,),
        place_label=hostile,
        officer_name=hostile,
        reference=hostile,
    )
    doc = render_letter(letter, library.letter(DocumentKind.YELLOW_LETTER, "en"))
    text = pdf_text(doc.pdf)
    assert _count_printed(text, hostile) >= 5
    assert _image_count(doc.pdf) == 1  # the logo only: nothing loaded from user text


@pytest.mark.parametrize("hostile", LITERAL)
def test_hostile_text_in_a_leaflet_prints_literally(library: TemplateLibrary, hostile: str) -> None:
    service = SupportService(
        name=hostile,
        description=hostile,
        phone=hostile,
        address=hostile,
        opening_hours=hostile,
        website=hostile,
    )
    leaflet = LeafletInput(services=(service,), issued_on=LOCAL_DATE, reference=hostile)
    doc = render_leaflet(leaflet, library.leaflet("en"))
    assert _count_printed(pdf_text(doc.pdf), hostile) >= 5
    assert _image_count(doc.pdf) == 1


@pytest.mark.parametrize("hostile", LITERAL)
def test_hostile_text_in_a_bundle_prints_literally(library: TemplateLibrary, hostile: str) -> None:
    bundle = example_bundle(2)
    entry = BundleEntry(
        record_id=hostile, when=bundle.entries[0].when, kind=hostile, title=hostile, body=hostile
    )
    case = dataclasses.replace(bundle.case, tenant_name=hostile, case_reference=hostile)
    doc = render_bundle(
        dataclasses.replace(bundle, case=case, entries=(entry,)), library.bundle("en")
    )
    assert _count_printed(pdf_text(doc.pdf), hostile) >= 4
    assert _image_count(doc.pdf) == 0


def test_five_hundred_character_name_wraps_without_error(library: TemplateLibrary) -> None:
    name = "Bartholomew-" * 41 + "Smithson"  # 500 characters, hyphens but no spaces
    assert len(name) == 500
    letter = dataclasses.replace(example_letter(), person_name=name)
    doc = render_letter(letter, library.letter(DocumentKind.YELLOW_LETTER, "en"))
    assert name in pdf_text(doc.pdf).replace(" ", "")


def test_five_hundred_character_unbroken_word_splits_without_error(
    library: TemplateLibrary,
) -> None:
    word = "A" * 500
    letter = dataclasses.replace(example_letter(), person_name=word, place_label=word)
    doc = render_letter(letter, library.letter(DocumentKind.YELLOW_LETTER, "en"))
    assert pdf_text(doc.pdf).replace(" ", "").count(word) >= 2


def test_characters_the_font_lacks_become_a_visible_fallback_glyph(
    library: TemplateLibrary,
) -> None:
    # U+1F9FF (nazar amulet) is not in DejaVu Sans; a lone surrogate cannot be encoded at all.
    letter = dataclasses.replace(example_letter(), person_name="Ann \U0001f9ff \ud800 Lee")
    doc = render_letter(letter, library.letter(DocumentKind.YELLOW_LETTER, "en"))
    assert f"Ann {FALLBACK_GLYPH} {FALLBACK_GLYPH} Lee" in pdf_text(doc.pdf)


def test_safe_text_keeps_newlines_and_drops_invisible_joiners() -> None:
    assert safe_text("a\r\nb\tc\x00d") == "a\nb c d"
    assert safe_text("A\u200d\ufe0f\u200fB") == "AB"


def test_very_long_bundle_entry_runs_over_pages(library: TemplateLibrary) -> None:
    bundle = example_bundle(1)
    entry = dataclasses.replace(bundle.entries[0], body="word " * 6000)
    doc = render_bundle(dataclasses.replace(bundle, entries=(entry,)), library.bundle("en"))
    assert doc.page_count > 3


def test_very_long_service_description_runs_over_pages(library: TemplateLibrary) -> None:
    service = SupportService(name="Long", description="help " * 3000, website="https://x.test")
    leaflet = LeafletInput(services=(service,), issued_on=LOCAL_DATE)
    doc = render_leaflet(leaflet, library.leaflet("en"))
    assert doc.page_count > 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(min_size=1, max_size=120), behaviour=st.text(max_size=300))
def test_any_text_at_all_renders_a_letter(
    library: TemplateLibrary, name: str, behaviour: str
) -> None:
    letter = dataclasses.replace(
        example_letter(), person_name=name, person_description="described", behaviour=behaviour
    )
    doc = render_letter(letter, library.letter(DocumentKind.YELLOW_LETTER, "en"))
    assert doc.pdf.startswith(b"%PDF")
    assert doc.page_count >= 1
