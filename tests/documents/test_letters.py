"""Warning letters: what they say, how Yellow and Red differ, and that reprints are identical."""

from __future__ import annotations

import dataclasses
import hashlib
import io

import pytest
from pypdf import PdfReader
from tests.documents.pdf_reading import pdf_text

from fieldkit.documents import DocumentInputError, TemplateLibrary, render_letter
from fieldkit.documents.examples import example_letter
from fieldkit.domain.vocabulary import DocumentKind

LETTER_KINDS = (DocumentKind.YELLOW_LETTER, DocumentKind.RED_LETTER, DocumentKind.CPW_LETTER)


@pytest.mark.parametrize("language", ["en", "pl"])
@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_letter_states_every_fact_of_the_warning(
    library: TemplateLibrary, kind: DocumentKind, language: str
) -> None:
    letter = example_letter(kind, language)
    doc = render_letter(letter, library.letter(kind, language))
    text = pdf_text(doc.pdf)
    for expected in (
        "Kirklees Council",
        letter.reference,
        "Jan Kowalski",
        "Market Place, Dewsbury",
        "13:40",
        letter.behaviour,
        *letter.conditions,
        "Sam Whitaker",
        "PCSO 1234",
        *(service.name for service in letter.support),
    ):
        assert expected in text, expected
    if kind is not DocumentKind.CPW_LETTER:
        assert letter.next_step in text
        assert letter.next_step_power in text
    assert doc.kind is kind
    assert doc.template_id == f"kirklees.{kind.value}"
    assert doc.template_version == 1
    assert doc.language == language


def test_english_letter_prints_dates_in_words(library: TemplateLibrary) -> None:
    doc = render_letter(example_letter(), library.letter(DocumentKind.YELLOW_LETTER, "en"))
    text = pdf_text(doc.pdf)
    assert "27 November 2026" in text
    assert "26 November 2026" in text


def test_polish_letter_prints_polish_words_with_diacritics(library: TemplateLibrary) -> None:
    kind = DocumentKind.CPW_LETTER
    doc = render_letter(example_letter(kind, "pl"), library.letter(kind, "pl"))
    text = pdf_text(doc.pdf)
    assert "OSTRZEŻENIE W CELU OCHRONY SPOŁECZNOŚCI" in text
    assert "11 grudnia 2026" in text
    assert "Konsekwencje" in text
    assert "Strona 1 z" in text


def test_cpw_letter_states_conduct_change_deadline_and_consequences(
    library: TemplateLibrary,
) -> None:
    kind = DocumentKind.CPW_LETTER
    doc = render_letter(example_letter(kind), library.letter(kind, "en"))
    text = pdf_text(doc.pdf)
    for heading in ("The conduct", "What must change", "By when", "The consequences"):
        assert heading in text
    assert "11 December 2026" in text
    assert "Community Protection Notice" in text


def test_yellow_and_red_letters_have_different_headings_and_colour_bands(
    library: TemplateLibrary,
) -> None:
    yellow_template = library.letter(DocumentKind.YELLOW_LETTER, "en")
    red_template = library.letter(DocumentKind.RED_LETTER, "en")
    yellow = render_letter(example_letter(DocumentKind.YELLOW_LETTER), yellow_template)
    red = render_letter(example_letter(DocumentKind.RED_LETTER), red_template)
    assert "YELLOW WARNING LETTER" in pdf_text(yellow.pdf)
    assert "RED WARNING LETTER" in pdf_text(red.pdf)
    assert "RED WARNING LETTER" not in pdf_text(yellow.pdf)
    yellow_fills = _fill_colours(yellow.pdf)
    red_fills = _fill_colours(red.pdf)
    assert _rgb(yellow_template.band_colour) in yellow_fills
    assert _rgb(yellow_template.band_colour) not in red_fills
    assert _rgb(red_template.band_colour) in red_fills
    assert _rgb(red_template.band_colour) not in yellow_fills


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    value = int(hex_colour[1:], 16)
    return (
        round((value >> 16 & 255) / 255, 2),
        round((value >> 8 & 255) / 255, 2),
        round((value & 255) / 255, 2),
    )


def _fill_colours(pdf: bytes) -> set[tuple[float, float, float]]:
    """Every RGB fill colour the first page's content stream sets (``r g b rg``)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    tokens = page.get_contents().get_data().decode("latin-1").split()
    return {
        (
            round(float(tokens[i - 3]), 2),
            round(float(tokens[i - 2]), 2),
            round(float(tokens[i - 1]), 2),
        )
        for i, token in enumerate(tokens)
        if token == "rg"
    }


def test_person_known_only_by_description_is_described(library: TemplateLibrary) -> None:
    letter = dataclasses.replace(
        example_letter(),
        person_name=None,
        person_description="man, about 40, grey beard, green parka",
    )
    text = pdf_text(render_letter(letter, library.letter(letter.kind, "en")).pdf)
    assert "Name not known, described as: man, about 40, grey beard, green parka" in text


@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_same_letter_and_template_version_give_identical_bytes(
    library: TemplateLibrary, kind: DocumentKind
) -> None:
    template = library.letter(kind, "en")
    first = render_letter(example_letter(kind), template)
    second = render_letter(example_letter(kind), template)
    assert hashlib.sha256(first.pdf).hexdigest() == hashlib.sha256(second.pdf).hexdigest()
    assert first.sha256 == hashlib.sha256(second.pdf).hexdigest()


def test_a_different_letter_gives_a_different_hash(library: TemplateLibrary) -> None:
    template = library.letter(DocumentKind.YELLOW_LETTER, "en")
    first = render_letter(example_letter(), template)
    other = render_letter(
        dataclasses.replace(example_letter(), reference="DEW-2026-0043"), template
    )
    assert first.sha256 != other.sha256


def test_pdf_metadata_holds_no_personal_data(library: TemplateLibrary) -> None:
    doc = render_letter(example_letter(), library.letter(DocumentKind.YELLOW_LETTER, "en"))
    metadata = PdfReader(io.BytesIO(doc.pdf)).metadata
    assert metadata is not None
    assert "Kowalski" not in " ".join(str(v) for v in metadata.values())
    assert metadata["/CreationDate"].startswith("D:2000")


def test_template_of_another_kind_is_refused(library: TemplateLibrary) -> None:
    with pytest.raises(DocumentInputError, match="not a red_letter"):
        render_letter(
            example_letter(DocumentKind.RED_LETTER),
            library.letter(DocumentKind.YELLOW_LETTER, "en"),
        )


def test_template_in_another_language_is_refused(library: TemplateLibrary) -> None:
    with pytest.raises(DocumentInputError, match="'pl'"):
        render_letter(example_letter(), library.letter(DocumentKind.YELLOW_LETTER, "pl"))


def test_cpw_without_a_deadline_cannot_be_made() -> None:
    with pytest.raises(DocumentInputError, match="by when"):
        dataclasses.replace(example_letter(DocumentKind.CPW_LETTER), deadline=None)


def test_letter_without_name_or_description_cannot_be_made() -> None:
    with pytest.raises(DocumentInputError, match="name or a description"):
        dataclasses.replace(example_letter(), person_name="  ", person_description=None)


def test_naive_datetime_is_refused() -> None:
    letter = example_letter()
    with pytest.raises(DocumentInputError, match="timezone-aware"):
        dataclasses.replace(letter, occurred_at=letter.occurred_at.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Drinking from an open can", "drinking from an open can"),
        ("drinking", "drinking"),
        ("CCTV showed him begging", "CCTV showed him begging"),
        ("I", "I"),
        ("", ""),
    ],
)
def test_behaviour_typed_as_a_sentence_reads_inside_the_letters_sentence(
    typed: str, printed: str
) -> None:
    from fieldkit.documents.letters import mid_sentence

    assert mid_sentence(typed) == printed
