"""Evidence bundles: chronological, indexed, each entry with its record id, hashed on every page."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re

import pytest
from tests.documents.pdf_reading import pdf_pages, pdf_text

from fieldkit.documents import (
    BundleInput,
    TemplateLibrary,
    bundle_content_hash,
    canonical_content,
    render_bundle,
)
from fieldkit.documents.examples import example_bundle


@pytest.fixture(scope="module")
def bundle() -> BundleInput:
    return example_bundle(14)


def test_every_page_footer_has_the_bundle_hash_and_page_n_of_m(
    library: TemplateLibrary, bundle: BundleInput
) -> None:
    doc = render_bundle(bundle, library.bundle("en"))
    pages = pdf_pages(doc.pdf)
    assert len(pages) == doc.page_count > 3
    content_hash = bundle_content_hash(bundle)
    for number, text in enumerate(pages, start=1):
        assert f"Bundle hash (SHA-256): {content_hash}" in text
        assert f"Page {number} of {len(pages)}" in text


def test_every_entry_appears_with_its_record_id_in_time_order(
    library: TemplateLibrary, bundle: BundleInput
) -> None:
    shuffled = dataclasses.replace(bundle, entries=tuple(reversed(bundle.entries)))
    text = pdf_text(render_bundle(shuffled, library.bundle("en")).pdf)
    chronology = text[text.index("Chronology") :]
    positions = [chronology.index(f"Record id: {e.record_id}") for e in bundle.entries]
    assert positions == sorted(positions)
    for step in bundle.closure_steps:
        assert step.record_id in text
        assert step.step in text


def test_index_gives_the_page_each_entry_starts_on(
    library: TemplateLibrary, bundle: BundleInput
) -> None:
    pages = pdf_pages(render_bundle(bundle, library.bundle("en")).pdf)
    index_text = pages[0] + pages[1]
    for entry in bundle.entries:
        # In the index row the record id is followed by the title, then the page number alone.
        after = index_text[index_text.index(entry.record_id) :].splitlines()
        page_number = next(int(line) for line in after[1:] if re.fullmatch(r"\d+", line.strip()))
        starts = next(
            n for n, text in enumerate(pages, start=1) if f"Record id: {entry.record_id}" in text
        )
        assert page_number == starts, entry.record_id


def test_closure_steps_show_their_deadlines(library: TemplateLibrary, bundle: BundleInput) -> None:
    text = pdf_text(render_bundle(bundle, library.bundle("en")).pdf)
    assert "Closure steps and deadlines" in text
    assert "Closure Notice served (s76)" in text
    deadline = bundle.closure_steps[0].deadline
    assert deadline is not None
    assert f"{deadline.day} {deadline:%B %Y, %H:%M}" in text


def test_content_hash_is_sha256_of_the_documented_canonical_json(bundle: BundleInput) -> None:
    raw = canonical_content(bundle)
    assert bundle_content_hash(bundle) == hashlib.sha256(raw).hexdigest()
    data = json.loads(raw)
    assert data["format"] == "fieldkit.evidence-bundle/1"
    assert [e["record_id"] for e in data["entries"]] == [e.record_id for e in bundle.entries]
    assert data["case"]["case_id"] == bundle.case.case_id


def test_content_hash_ignores_input_order_and_language_but_not_content(
    bundle: BundleInput,
) -> None:
    reordered = dataclasses.replace(bundle, entries=tuple(reversed(bundle.entries)))
    polish = dataclasses.replace(bundle, language="pl")
    assert bundle_content_hash(reordered) == bundle_content_hash(bundle)
    assert bundle_content_hash(polish) == bundle_content_hash(bundle)
    edited_entry = dataclasses.replace(bundle.entries[3], body=bundle.entries[3].body + ".")
    edited = dataclasses.replace(
        bundle, entries=(*bundle.entries[:3], edited_entry, *bundle.entries[4:])
    )
    assert bundle_content_hash(edited) != bundle_content_hash(bundle)


def test_same_bundle_gives_identical_bytes(library: TemplateLibrary, bundle: BundleInput) -> None:
    template = library.bundle("en")
    assert render_bundle(bundle, template).sha256 == render_bundle(bundle, template).sha256


def test_polish_bundle_uses_polish_headings_and_page_labels(library: TemplateLibrary) -> None:
    bundle = example_bundle(3, "pl")
    doc = render_bundle(bundle, library.bundle("pl"))
    text = pdf_text(doc.pdf)
    assert "Zbiór dowodów dotyczących najmu" in text
    assert f"Strona 1 z {doc.page_count}" in text
    assert "Skrót zbioru (SHA-256)" in text


def test_empty_chronology_still_renders_an_index(library: TemplateLibrary) -> None:
    bundle = dataclasses.replace(example_bundle(1), entries=(), closure_steps=())
    text = pdf_text(render_bundle(bundle, library.bundle("en")).pdf)
    assert "No entries recorded." in text
