"""The Community Trigger outcome letter: a template checked at load for what it must say."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from fieldkit.documents.inputs import DocumentInputError
from fieldkit.documents.layout import (
    RenderedDocument,
    build_report_pdf,
    fill_markup,
    markup,
    styles,
)
from fieldkit.documents.templates import Branding, TemplateError, placeholders_in
from fieldkit.documents.text import safe_text
from fieldkit.domain.legal_clocks import format_date
from fieldkit.domain.vocabulary import DocumentKind

#: Placeholders the letter's salutation and sections may use.
OUTCOME_PLACEHOLDERS = frozenset(
    {"applicant", "received_on", "threshold", "meeting_on", "outcome", "reference"}
)

#: What the letter must tell the applicant, as (section id, what it is, placeholders it must
#: use): when the application was received, whether the threshold was met, what the review
#: recommends (listed under the section), what happens now, and how to ask for the handling
#: to be looked at again (the partnership's published escalation route, s104(3)).
REQUIRED_PARTS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("application", "when the application was received", frozenset({"received_on"})),
    ("threshold", "whether the threshold was met", frozenset({"threshold"})),
    ("review", "the review and its recommendations", frozenset()),
    ("outcome", "what happens now", frozenset({"outcome"})),
    ("escalation", "how to ask for the handling to be looked at again", frozenset()),
)


@dataclass(frozen=True, slots=True)
class OutcomeSection:
    id: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class OutcomeTemplate:
    """The wording of an outcome letter, already checked for what it must say."""

    template_id: str
    version: int
    language: str
    title: str
    subtitle: str
    salutation: str
    sections: tuple[OutcomeSection, ...]
    closing: str
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class OutcomeInput:
    """What one outcome letter says."""

    reference: str
    applicant: str
    received_on: date
    threshold: str
    meeting_on: date | None
    recommendations: tuple[str, ...]
    outcome: str
    written_on: date


def _text(data: Mapping[str, Any], key: str, name: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TemplateError(f"{name}: '{key}' must be non-empty text")
    unknown = placeholders_in(value) - OUTCOME_PLACEHOLDERS
    if unknown:
        raise TemplateError(
            f"{name}: '{key}' uses unknown placeholders "
            + ", ".join(f"{{{u}}}" for u in sorted(unknown))
        )
    return value


def parse_outcome_template(data: Mapping[str, Any], *, source: str) -> OutcomeTemplate:
    """Check an outcome letter template and build it.

    Raises:
        TemplateError: malformed, an unknown placeholder, or a required part missing; the
            message names the template and the part.
    """
    name = f"Community Trigger outcome template from {source}"
    if data.get("kind") != DocumentKind.COMMUNITY_TRIGGER_OUTCOME.value:
        raise TemplateError(f"{name}: 'kind' must be community_trigger_outcome")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TemplateError(f"{name}: 'version' must be a whole number from 1")
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list):
        raise TemplateError(f"{name}: 'sections' must be a list")
    sections: list[OutcomeSection] = []
    for index, raw in enumerate(raw_sections):
        if not isinstance(raw, Mapping):
            raise TemplateError(f"{name}: section {index} must be an object")
        where = f"{name} section {index}"
        sections.append(
            OutcomeSection(
                _text(raw, "id", where), _text(raw, "title", where), _text(raw, "text", where)
            )
        )
    by_id = {s.id: s for s in sections}
    if len(by_id) != len(sections):
        raise TemplateError(f"{name}: two sections share an id")
    for section_id, description, needed in REQUIRED_PARTS:
        section = by_id.get(section_id)
        if section is None:
            raise TemplateError(f"{name}: is missing {description} (section '{section_id}')")
        missing = needed - placeholders_in(section.text)
        if missing:
            raise TemplateError(
                f"{name}: section '{section_id}' ({description}) must use "
                + ", ".join(f"{{{m}}}" for m in sorted(missing))
            )
    labels = data.get("labels")
    if not isinstance(labels, Mapping) or not all(
        isinstance(labels.get(k), str) for k in ("reference", "date", "page")
    ):
        raise TemplateError(f"{name}: 'labels' must give 'reference', 'date' and 'page'")
    return OutcomeTemplate(
        template_id=_text(data, "template_id", name),
        version=version,
        language=_text(data, "language", name),
        title=_text(data, "title", name),
        subtitle=str(data.get("subtitle") or ""),
        salutation=_text(data, "salutation", name),
        sections=tuple(sections),
        closing=_text(data, "closing", name),
        labels={k: str(v) for k, v in labels.items()},
    )


def load_outcome_template_file(path: Path) -> OutcomeTemplate:
    """Load and check one outcome letter template file.

    Raises:
        TemplateError: not valid JSON, or it fails the check.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TemplateError(f"outcome template {path.name}: {type(exc).__name__}") from None
    if not isinstance(data, Mapping):
        raise TemplateError(f"outcome template {path.name}: must be a JSON object")
    return parse_outcome_template(data, source=path.name)


def shipped_outcome_template(language: str = "en") -> OutcomeTemplate:
    """The shipped template (``resources/templates/community_trigger``; English if none)."""
    folder = Path(str(files("fieldkit.resources"))) / "templates" / "community_trigger"
    path = folder / f"outcome_letter.{language}.v1.json"
    if not path.exists():
        path = folder / "outcome_letter.en.v1.json"
    return load_outcome_template_file(path)


def render_outcome_letter(
    letter: OutcomeInput, template: OutcomeTemplate, branding: Branding
) -> RenderedDocument:
    """Render the outcome letter to PDF.

    Raises:
        DocumentInputError: no outcome or no recommendation to tell the applicant.
    """
    if not letter.outcome.strip():
        raise DocumentInputError("an outcome letter must say what happens now")
    if not any(r.strip() for r in letter.recommendations):
        raise DocumentInputError("an outcome letter must list the review's recommendations")
    values = {
        "applicant": letter.applicant,
        "received_on": format_date(letter.received_on),
        "threshold": letter.threshold,
        "meeting_on": format_date(letter.meeting_on) if letter.meeting_on else "",
        "outcome": letter.outcome,
        "reference": letter.reference,
    }
    style = styles()
    primary = branding.primary_colour
    story: list[Flowable] = [
        Spacer(1, 30 * mm),
        Paragraph(f'<font color="{primary}">{markup(template.title)}</font>', style["h1"]),
        Paragraph(markup(template.subtitle), style["small"]),
        Paragraph(
            f"{markup(template.labels['date'])}: {markup(format_date(letter.written_on))}",
            style["small"],
        ),
        Spacer(1, 3 * mm),
        Paragraph(fill_markup(template.salutation, values), style["body"]),
    ]
    for section in template.sections:
        story.append(Paragraph(markup(section.title), style["h2"]))
        story.append(Paragraph(fill_markup(section.text, values), style["body"]))
        if section.id == "review":
            for line in letter.recommendations:
                if line.strip():
                    story.append(Paragraph(markup(line), style["bullet"], bulletText="•"))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(markup(template.closing), style["body"]))
    story.append(Paragraph(markup(branding.partnership_name), style["body"]))
    footer_left = f"{template.labels['reference']}: {safe_text(letter.reference)}"

    pdf, pages = build_report_pdf(
        story,
        branding=branding,
        title=template.title,
        footer=footer_left,
        page_text=template.labels["page"],
    )
    return RenderedDocument(
        pdf=pdf,
        kind=DocumentKind.COMMUNITY_TRIGGER_OUTCOME,
        template_id=template.template_id,
        template_version=template.version,
        language=template.language,
        page_count=pages,
    )
