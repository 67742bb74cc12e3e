"""Closure notices: the template is refused at load without what s76 requires; the PDF says it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.documents.pdf_reading import pdf_text

from fieldkit.documents.closure_notice import (
    S76_PARTS,
    ClosureNoticeInput,
    load_closure_notice_file,
    render_closure_notice,
    shipped_closure_notice,
)
from fieldkit.documents.templates import TemplateError, TemplateLibrary, bundled_templates_dir
from fieldkit.domain.legal_clocks import LONDON

SHIPPED = bundled_templates_dir()


def _shipped_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (SHIPPED / "closure_notice.en.v1.json").read_text(encoding="utf-8")
    )
    return data


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "closure_notice.en.v1.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(("section", "description", "_needed"), S76_PARTS)
def test_a_closure_notice_template_without_an_s76_part_is_refused_at_load(
    tmp_path: Path, section: str, description: str, _needed: frozenset[str]
) -> None:
    data = _shipped_data()
    data["sections"] = [s for s in data["sections"] if s["id"] != section]
    with pytest.raises(TemplateError) as caught:
        load_closure_notice_file(_write(tmp_path, data))
    assert description in str(caught.value)
    assert f"'{section}'" in str(caught.value)


def test_a_hearing_section_that_does_not_say_when_and_where_is_refused(tmp_path: Path) -> None:
    data = _shipped_data()
    for s in data["sections"]:
        if s["id"] == "hearing":
            s["text"] = "The application will be heard soon."
    with pytest.raises(TemplateError, match=r"\{court\}, \{hearing_at\}"):
        load_closure_notice_file(_write(tmp_path, data))


def test_a_notice_with_no_advice_contacts_is_refused(tmp_path: Path) -> None:
    data = _shipped_data()
    for s in data["sections"]:
        if s["id"] == "advice":
            s["contacts"] = []
    with pytest.raises(TemplateError, match="advice contact"):
        load_closure_notice_file(_write(tmp_path, data))


def test_the_closure_notice_says_the_premises_hearing_offence_and_advice() -> None:
    template = shipped_closure_notice("en")
    branding = TemplateLibrary.load().bundle("en").branding
    served = datetime(2026, 11, 27, 10, 0, tzinfo=LONDON)
    rendered = render_closure_notice(
        ClosureNoticeInput(
            reference="HUD-017",
            premises="Flat 3, 14 Hill Street, HD1 3AB",
            served_at=served,
            ends_at=datetime(2026, 11, 28, 10, 0, tzinfo=LONDON),
            hours=24,
            permitted="the tenant and her carers",
            court="Kirklees Magistrates' Court",
            hearing_at=datetime(2026, 11, 28, 14, 0, tzinfo=LONDON),
            authorised_by="A. Khan",
            authorised_rank="Inspector",
            advice=("Kirklees Housing Solutions — 01484 414 818",),
        ),
        template,
        branding,
    )
    text = pdf_text(rendered.pdf)
    assert "Flat 3, 14 Hill Street, HD1 3AB" in text
    assert "Kirklees Magistrates' Court at 14:00 on 28 November 2026" in text
    assert "commits an offence" in text
    assert "application will be made" in text
    assert "Kirklees Housing Solutions" in text
    assert "Civil Legal Advice" in text
    assert "A. Khan, Inspector" in text
    assert rendered.kind.value == "closure_notice"
