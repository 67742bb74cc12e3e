"""Templates are data: the bundled ones load, and ones lacking legal content are refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fieldkit.documents import (
    LetterTemplate,
    TemplateError,
    TemplateLibrary,
    TemplateNotFoundError,
    load_template_file,
    parse_template,
)
from fieldkit.documents.templates import bundled_branding_dir, bundled_templates_dir, fill
from fieldkit.domain.vocabulary import DocumentKind

TEMPLATED_KINDS = (
    DocumentKind.YELLOW_LETTER,
    DocumentKind.RED_LETTER,
    DocumentKind.CPW_LETTER,
    DocumentKind.SIGNPOSTING_LEAFLET,
    DocumentKind.EVIDENCE_BUNDLE,
)


def _raw(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((bundled_templates_dir() / name).read_text("utf-8"))
    return data


def _parse(data: dict[str, Any]) -> object:
    return parse_template(data, source="test.json", branding_dirs=[bundled_branding_dir()])


@pytest.mark.parametrize("language", ["en", "pl"])
@pytest.mark.parametrize("kind", TEMPLATED_KINDS)
def test_every_document_kind_has_a_bundled_template_in_english_and_polish(
    library: TemplateLibrary, kind: DocumentKind, language: str
) -> None:
    template = library.for_kind(kind, language)
    assert template.kind is kind
    assert template.language == language
    assert template.version >= 1
    assert template.branding.logo_path is not None
    assert template.branding.logo_path.is_file()


@pytest.mark.parametrize(
    ("section", "part"),
    [
        ("conduct", "the conduct"),
        ("must_change", "what must change"),
        ("deadline", "by when"),
        ("consequences", "the consequences"),
    ],
)
def test_cpw_template_missing_a_legal_part_is_refused_naming_template_and_part(
    section: str, part: str
) -> None:
    data = _raw("cpw_letter.en.v1.json")
    data["sections"] = [s for s in data["sections"] if s["id"] != section]
    with pytest.raises(TemplateError) as raised:
        _parse(data)
    message = str(raised.value)
    assert "'kirklees.cpw_letter'" in message
    assert f"'{part}'" in message


@pytest.mark.parametrize(
    ("section", "placeholder"), [("conduct", "{behaviour}"), ("deadline", "{deadline}")]
)
def test_cpw_section_that_leaves_out_its_fact_is_refused(section: str, placeholder: str) -> None:
    data = _raw("cpw_letter.en.v1.json")
    for raw in data["sections"]:
        if raw["id"] == section:
            raw["text"] = raw["text"].replace(placeholder, "soon")
    with pytest.raises(TemplateError, match=f"must use {placeholder}"):
        _parse(data)


def test_cpw_what_must_change_without_the_list_of_conditions_is_refused() -> None:
    data = _raw("cpw_letter.en.v1.json")
    for raw in data["sections"]:
        if raw["id"] == "must_change":
            del raw["list"]
    with pytest.raises(TemplateError, match=r"what must change.*must list the conditions"):
        _parse(data)


def test_cpw_consequences_that_are_blank_are_refused() -> None:
    data = _raw("cpw_letter.en.v1.json")
    for raw in data["sections"]:
        if raw["id"] == "consequences":
            raw["text"] = "   "
    with pytest.raises(TemplateError, match="must be non-empty text"):
        _parse(data)


def test_cpw_template_file_missing_a_part_is_refused_when_the_library_loads(
    tmp_path: Path,
) -> None:
    data = _raw("cpw_letter.pl.v1.json")
    data["version"] = 2
    data["sections"] = [s for s in data["sections"] if s["id"] != "deadline"]
    (tmp_path / "cpw_letter.pl.v2.json").write_text(json.dumps(data), "utf-8")
    with pytest.raises(TemplateError, match=r"'kirklees.cpw_letter' \(pl, version 2\).*'by when'"):
        TemplateLibrary.load([tmp_path])


@pytest.mark.parametrize("kind", ["yellow_letter", "red_letter"])
def test_warning_letter_template_without_next_step_power_is_refused(kind: str) -> None:
    data = _raw(f"{kind}.en.v1.json")
    for raw in data["sections"]:
        if raw["id"] == "next_step":
            raw["text"] = raw["text"].replace("{power}", "the law")
    with pytest.raises(TemplateError, match=r"under which power.*\{power\}"):
        _parse(data)


def test_unknown_placeholder_is_refused() -> None:
    data = _raw("yellow_letter.en.v1.json")
    data["closing"] = "Regards, {officer_name.__class__}"
    with pytest.raises(TemplateError, match="brace"):
        _parse(data)
    data["closing"] = "Regards, {date_of_birth}"
    with pytest.raises(TemplateError, match="unknown placeholder"):
        _parse(data)


@pytest.mark.parametrize(
    "logo", ["../../etc/passwd.png", "/etc/logo.png", "https://evil.example/logo.png", "logo.svg"]
)
def test_logo_must_be_a_bare_png_name_in_the_branding_directory(logo: str) -> None:
    data = _raw("yellow_letter.en.v1.json")
    data["branding"]["logo"] = logo
    with pytest.raises(TemplateError, match=r"bare \.png file name"):
        _parse(data)


def test_missing_logo_file_is_refused() -> None:
    data = _raw("yellow_letter.en.v1.json")
    data["branding"]["logo"] = "no-such-logo.png"
    with pytest.raises(TemplateError, match="not in the branding directory"):
        _parse(data)


def test_bad_colour_and_bad_version_are_refused() -> None:
    data = _raw("red_letter.en.v1.json")
    bad_colour = copy.deepcopy(data)
    bad_colour["band_colour"] = "red"
    with pytest.raises(TemplateError, match="band_colour"):
        _parse(bad_colour)
    data["version"] = "2"
    with pytest.raises(TemplateError, match="version"):
        _parse(data)


def test_leaflet_template_must_head_every_need() -> None:
    data = _raw("signposting_leaflet.en.v1.json")
    del data["need_headings"]["housing"]
    with pytest.raises(TemplateError, match=r"need_headings\.housing"):
        _parse(data)


def test_file_that_is_not_json_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", "utf-8")
    with pytest.raises(TemplateError, match=r"broken\.json"):
        load_template_file(path)


def test_newer_version_from_reference_data_wins_and_old_version_stays_for_reprints(
    tmp_path: Path,
) -> None:
    data = _raw("yellow_letter.en.v1.json")
    data["version"] = 2
    data["heading"] = "YELLOW WARNING LETTER (revised)"
    (tmp_path / "yellow_letter.en.v2.json").write_text(json.dumps(data), "utf-8")
    library = TemplateLibrary.load([tmp_path])
    newest = library.letter(DocumentKind.YELLOW_LETTER, "en")
    assert newest.version == 2
    assert "revised" in newest.heading
    old = library.get("kirklees.yellow_letter", "en", version=1)
    assert isinstance(old, LetterTemplate)
    assert "revised" not in old.heading


def test_same_version_defined_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "copy.json").write_text(
        (bundled_templates_dir() / "red_letter.en.v1.json").read_text("utf-8"), "utf-8"
    )
    with pytest.raises(TemplateError, match="defined twice"):
        TemplateLibrary.load([tmp_path])


def test_unknown_language_or_version_is_not_found(library: TemplateLibrary) -> None:
    with pytest.raises(TemplateNotFoundError):
        library.letter(DocumentKind.YELLOW_LETTER, "cy")
    with pytest.raises(TemplateNotFoundError):
        library.get("kirklees.yellow_letter", "en", version=99)
    assert {"en", "pl"} <= library.languages()


def test_fill_escapes_template_words_and_values_alike() -> None:
    assert fill("A & {person}", {"person": "<b>x</b>"}) == "A &amp; &lt;b&gt;x&lt;/b&gt;"
    assert fill("{person}", {"person": "Jo"}, bold_values=True) == "<b>Jo</b>"
