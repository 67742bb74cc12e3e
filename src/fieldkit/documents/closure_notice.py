"""Closure notices (s76): the template checked at load for what the Act requires, and the PDF."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
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
from fieldkit.documents.templates import (
    CLOSURE_NOTICE_PREFIX,
    Branding,
    TemplateError,
    bundled_templates_dir,
    placeholders_in,
)
from fieldkit.documents.text import safe_text
from fieldkit.domain.vocabulary import DocumentKind

#: Placeholders a closure notice's sections may use.
NOTICE_PLACEHOLDERS = frozenset(
    {
        "premises",
        "served_at",
        "ends_at",
        "hours",
        "permitted",
        "court",
        "hearing_at",
        "authorised_by",
        "authorised_rank",
        "reference",
    }
)

#: What s76(6) requires a closure notice to do, as (section id, what it is, placeholders it must
#: use), plus who authorised it (s76(1)-(2)): (a) identify the premises; (b) explain the effect
#: of the notice; (c) state that failure to comply is an offence; (d) state that an application
#: will be made for a closure order; (e) say when and where it will be heard; (f) explain the
#: effects of a closure order; (g) give the names of, and means of contacting, people and
#: organisations in the area that give advice about housing and legal matters.
S76_PARTS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("premises", "the premises", frozenset({"premises"})),
    ("effect", "the effect of the notice", frozenset({"ends_at", "permitted"})),
    ("offence", "that failing to comply is an offence", frozenset()),
    ("application", "that an application for a closure order will be made", frozenset()),
    ("hearing", "when and where the application will be heard", frozenset({"court", "hearing_at"})),
    ("order_effects", "the effects of a closure order", frozenset()),
    ("advice", "housing and legal advice contacts", frozenset()),
    ("authorisation", "who authorised the notice", frozenset({"authorised_by", "authorised_rank"})),
)

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True, slots=True)
class NoticeSection:
    """One section of the notice: its title, its text, and fixed contacts listed under it."""

    id: str
    title: str
    text: str
    contacts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClosureNoticeTemplate:
    """The wording of a closure notice, already checked against s76."""

    template_id: str
    version: int
    language: str
    title: str
    subtitle: str
    sections: tuple[NoticeSection, ...]
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ClosureNoticeInput:
    """What one closure notice says (times already in London local time)."""

    reference: str
    premises: str
    served_at: datetime
    ends_at: datetime
    hours: int
    permitted: str
    court: str
    hearing_at: datetime
    authorised_by: str
    authorised_rank: str
    advice: tuple[str, ...] = ()
    language: str = "en"


def _text(data: Mapping[str, Any], key: str, name: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TemplateError(f"{name}: '{key}' must be non-empty text")
    return value


def parse_closure_notice(data: Mapping[str, Any], *, source: str) -> ClosureNoticeTemplate:
    """Check a closure notice template and build it.

    Raises:
        TemplateError: the template is malformed, uses an unknown placeholder, or lacks a part
            s76 requires; the message names the template and the part.
    """
    name = f"closure notice template from {source}"
    if data.get("kind") != DocumentKind.CLOSURE_NOTICE.value:
        raise TemplateError(f"{name}: 'kind' must be closure_notice")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise TemplateError(f"{name}: 'version' must be a whole number from 1")
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list):
        raise TemplateError(f"{name}: 'sections' must be a list")
    sections: list[NoticeSection] = []
    for index, raw in enumerate(raw_sections):
        if not isinstance(raw, Mapping):
            raise TemplateError(f"{name}: section {index} must be an object")
        text = _text(raw, "text", f"{name} section {index}")
        unknown = placeholders_in(text) - NOTICE_PLACEHOLDERS
        if unknown:
            raise TemplateError(
                f"{name}: section {index} uses unknown placeholders "
                + ", ".join(f"{{{u}}}" for u in sorted(unknown))
            )
        contacts = raw.get("contacts", [])
        if not isinstance(contacts, list) or not all(isinstance(c, str) for c in contacts):
            raise TemplateError(f"{name}: section {index} 'contacts' must list text")
        sections.append(
            NoticeSection(
                id=_text(raw, "id", f"{name} section {index}"),
                title=_text(raw, "title", f"{name} section {index}"),
                text=text,
                contacts=tuple(c for c in contacts if c.strip()),
            )
        )
    by_id = {s.id: s for s in sections}
    for section_id, description, needed in S76_PARTS:
        section = by_id.get(section_id)
        if section is None:
            raise TemplateError(f"{name}: is missing {description} (section '{section_id}')")
        missing = needed - placeholders_in(section.text)
        if missing:
            raise TemplateError(
                f"{name}: section '{section_id}' ({description}) must use "
                + ", ".join(f"{{{m}}}" for m in sorted(missing))
            )
    if not by_id["advice"].contacts:
        raise TemplateError(
            f"{name}: section 'advice' must list at least one housing or legal advice contact"
        )
    labels = data.get("labels")
    if not isinstance(labels, Mapping) or not all(
        isinstance(labels.get(k), str) for k in ("reference", "page")
    ):
        raise TemplateError(f"{name}: 'labels' must give 'reference' and 'page'")
    return ClosureNoticeTemplate(
        template_id=_text(data, "template_id", name),
        version=version,
        language=_text(data, "language", name),
        title=_text(data, "title", name),
        subtitle=str(data.get("subtitle") or ""),
        sections=tuple(sections),
        labels={k: str(v) for k, v in labels.items()},
    )


def load_closure_notice_file(path: Path) -> ClosureNoticeTemplate:
    """Load and check one closure notice template file.

    Raises:
        TemplateError: not valid JSON, or it fails the s76 check.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TemplateError(f"closure notice template {path.name}: {type(exc).__name__}") from None
    if not isinstance(data, Mapping):
        raise TemplateError(f"closure notice template {path.name}: must be a JSON object")
    return parse_closure_notice(data, source=path.name)


def shipped_closure_notice(language: str = "en") -> ClosureNoticeTemplate:
    """The closure notice template that ships with Fieldkit (English if none in ``language``)."""
    folder = bundled_templates_dir()
    path = folder / f"{CLOSURE_NOTICE_PREFIX}{language}.v1.json"
    if not path.exists():
        path = folder / f"{CLOSURE_NOTICE_PREFIX}en.v1.json"
    return load_closure_notice_file(path)


def _when(value: datetime) -> str:
    return f"{value:%H:%M} on {value.day} {_MONTHS[value.month - 1]} {value.year}"


def render_closure_notice(
    notice: ClosureNoticeInput, template: ClosureNoticeTemplate, branding: Branding
) -> RenderedDocument:
    """Render a closure notice to PDF.

    Raises:
        DocumentInputError: the notice lacks the hearing or the premises.
    """
    if not notice.premises.strip():
        raise DocumentInputError("a closure notice must name the premises")
    if not notice.court.strip():
        raise DocumentInputError("a closure notice must say where the application is heard")
    values = {
        "premises": notice.premises,
        "served_at": _when(notice.served_at),
        "ends_at": _when(notice.ends_at),
        "hours": str(notice.hours),
        "permitted": notice.permitted or "nobody else",
        "court": notice.court,
        "hearing_at": _when(notice.hearing_at),
        "authorised_by": notice.authorised_by,
        "authorised_rank": notice.authorised_rank,
        "reference": notice.reference,
    }
    style = styles()
    primary = branding.primary_colour
    story: list[Flowable] = [
        Spacer(1, 30 * mm),
        Paragraph(f'<font color="{primary}">{markup(template.title)}</font>', style["h1"]),
        Paragraph(markup(template.subtitle), style["small"]),
        Spacer(1, 3 * mm),
    ]
    for section in template.sections:
        story.append(Paragraph(markup(section.title), style["h2"]))
        story.append(Paragraph(fill_markup(section.text, values, bold_values=True), style["body"]))
        if section.id == "advice":
            for line in (*notice.advice, *section.contacts):
                story.append(Paragraph(markup(line), style["bullet"], bulletText="•"))
    footer_left = f"{template.labels['reference']}: {safe_text(notice.reference)}"

    pdf, pages = build_report_pdf(
        story,
        branding=branding,
        title=template.title,
        footer=footer_left,
        page_text=template.labels["page"],
    )
    return RenderedDocument(
        pdf=pdf,
        kind=DocumentKind.CLOSURE_NOTICE,
        template_id=template.template_id,
        template_version=template.version,
        language=template.language,
        page_count=pages,
    )
