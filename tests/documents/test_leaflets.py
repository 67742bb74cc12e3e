"""Signposting leaflets: every chosen service with its details, under its need, with a QR code."""

from __future__ import annotations

import pytest
from reportlab.graphics.barcode.qr import QrCodeWidget
from tests.documents.pdf_reading import pdf_text

from fieldkit.documents import LeafletInput, SupportService, TemplateLibrary, render_leaflet
from fieldkit.documents.examples import example_leaflet, example_services
from fieldkit.documents.leaflets import group_by_need, qr_code
from fieldkit.domain.vocabulary import ServiceNeed


@pytest.mark.parametrize("language", ["en", "pl"])
def test_leaflet_lists_every_service_with_its_details(
    library: TemplateLibrary, language: str
) -> None:
    leaflet = example_leaflet(8, language)
    doc = render_leaflet(leaflet, library.leaflet(language))
    text = pdf_text(doc.pdf)
    for service in leaflet.services:
        for value in (service.name, service.phone, service.opening_hours, service.website):
            assert value in text, value
        if service.address:
            assert service.address in text
    assert doc.template_id == "kirklees.signposting_leaflet"


def test_leaflet_heads_services_by_need_in_the_template_language(
    library: TemplateLibrary,
) -> None:
    text = pdf_text(render_leaflet(example_leaflet(8, "pl"), library.leaflet("pl")).pdf)
    for heading in ("Alkohol i narkotyki", "Mieszkanie i bezdomność", "Zdrowie psychiczne"):
        assert heading in text
    assert "Wręczono dnia 27 listopada 2026" in text


def test_services_are_grouped_under_their_first_need_in_vocabulary_order() -> None:
    other = SupportService(name="General advice")
    services = (other, *example_services(8))
    groups = group_by_need(services)
    needs = [need for need, _ in groups]
    assert needs[-1] is None
    assert needs[:-1] == [n for n in ServiceNeed if n in needs]
    housing = dict(groups)[ServiceNeed.HOUSING]
    assert [s.name for s in housing] == ["Kirklees Housing Solutions", "Dewsbury Resettlement Hub"]


def test_each_website_gets_a_qr_code_and_a_missing_one_none() -> None:
    assert qr_code("https://www.kirklees.gov.uk/housing") is not None
    assert qr_code("") is None
    assert qr_code("https://x.test/" + "a" * 400) is None


def test_qr_code_draws_the_modules_reportlab_encodes_for_the_address() -> None:
    url = "https://www.changegrowlive.org/kirklees"
    code = qr_code(url)
    assert code is not None
    encoder = QrCodeWidget(url, barLevel="M").qr
    encoder.make()
    assert code.modules == [[bool(m) for m in row] for row in encoder.modules]
    other = qr_code(url + "/other")
    assert other is not None
    assert other.modules != code.modules


def test_same_leaflet_gives_identical_bytes(library: TemplateLibrary) -> None:
    template = library.leaflet("en")
    first = render_leaflet(example_leaflet(), template)
    assert first.sha256 == render_leaflet(example_leaflet(), template).sha256


def test_leaflet_needs_a_service() -> None:
    with pytest.raises(ValueError, match="at least one service"):
        LeafletInput(services=(), issued_on=example_leaflet().issued_on)
