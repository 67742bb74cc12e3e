"""Document templates as data: loading, legal-content validation and placeholder filling."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from fieldkit.documents.inputs import LETTER_KINDS
from fieldkit.documents.text import safe_text
from fieldkit.domain.vocabulary import DocumentKind, ServiceNeed


class TemplateError(ValueError):
    """A template is malformed or lacks content the law or the scheme requires."""


class TemplateNotFoundError(LookupError):
    """No template of that id or kind exists in that language (and version)."""


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
# A logo is a bare file name in a branding directory: never a path, never a URL.
_LOGO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}\.png")

#: Placeholders a letter's heading, sections and closing may use.
LETTER_PLACEHOLDERS = frozenset(
    {
        "person",
        "place",
        "place_address",
        "occurred_on",
        "occurred_time",
        "behaviour",
        "scheme_name",
        "next_step",
        "power",
        "deadline",
        "officer_name",
        "officer_number",
        "reference",
        "issued_on",
        "authority_name",
        "appeal_days",
        "review_date",
    }
)
#: Lists a letter section may print under its text.
LETTER_LISTS = frozenset({"conditions", "support"})


@dataclass(frozen=True, slots=True)
class _Part:
    """A part of a letter the template must contain, and what it must use to say it."""

    section: str
    description: str
    placeholders: frozenset[str] = frozenset()
    list_name: str | None = None


_WARNING_PARTS = (
    _Part("behaviour", "the behaviour", frozenset({"behaviour"})),
    _Part("must_stop", "what must stop", list_name="conditions"),
    _Part(
        "next_step", "what happens next and under which power", frozenset({"next_step", "power"})
    ),
    _Part("support", "the support offered", list_name="support"),
)
#: What each kind of letter must contain (DOMAIN.md: a CPW states the conduct, what must change,
#: by when, and the consequences).
REQUIRED_PARTS: Mapping[DocumentKind, tuple[_Part, ...]] = {
    DocumentKind.YELLOW_LETTER: _WARNING_PARTS,
    DocumentKind.RED_LETTER: _WARNING_PARTS,
    DocumentKind.CPW_LETTER: (
        _Part("conduct", "the conduct", frozenset({"behaviour"})),
        _Part("must_change", "what must change", list_name="conditions"),
        _Part("deadline", "by when", frozenset({"deadline"})),
        _Part("consequences", "the consequences"),
    ),
    # ASBCPA 2014 s43-46: the conduct, the requirements, the period they run for, what a
    # breach leads to, and the right to appeal to the magistrates' court within 21 days.
    DocumentKind.CPN_NOTICE: (
        _Part("conduct", "the conduct", frozenset({"behaviour"})),
        _Part("requirements", "the requirements", list_name="conditions"),
        _Part("period", "the period the requirements run for", frozenset({"deadline"})),
        _Part("breach", "the consequences of breach"),
        _Part("appeal", "the right to appeal and within how long", frozenset({"appeal_days"})),
    ),
    # An ABC is voluntary: what was agreed, the help given to keep to it, how long it runs and
    # when it is reviewed, with both parties' signatures (the labels below).
    DocumentKind.ABC_CONTRACT: (
        _Part("behaviours", "the behaviours agreed", list_name="conditions"),
        _Part("support", "the support offered", list_name="support"),
        _Part("term", "the term", frozenset({"issued_on", "deadline"})),
        _Part("review", "the review date", frozenset({"review_date"})),
    ),
}

#: Labels a kind of letter needs beyond every letter's: an ABC is signed by both parties.
EXTRA_LABELS: Mapping[DocumentKind, tuple[str, ...]] = {
    DocumentKind.ABC_CONTRACT: ("person_signature", "officer_signature"),
}

_LETTER_LABELS = (
    "date",
    "reference",
    "to",
    "where",
    "when",
    "officer",
    "officer_number",
    "signature",
    "person_described",
    "page",
)
_LEAFLET_LABELS = ("phone", "address", "opening_hours", "website", "scan", "reference", "page")
_BUNDLE_LABELS = (
    "case_reference",
    "case_id",
    "property",
    "tenant",
    "court",
    "prepared_by",
    "prepared_at",
    "index",
    "chronology",
    "closure_steps",
    "record_id",
    "when",
    "kind",
    "title",
    "entry_page",
    "author",
    "deadline",
    "status",
    "content_hash",
    "hash_note",
    "page",
    "no_entries",
)
_PAGE_PLACEHOLDERS = frozenset({"page", "pages"})


@dataclass(frozen=True, slots=True)
class Branding:
    """Who the document comes from and how it looks."""

    authority_name: str
    partnership_name: str
    address_lines: tuple[str, ...]
    contact: str
    primary_colour: str
    accent_colour: str
    logo_path: Path | None


@dataclass(frozen=True, slots=True)
class LetterSection:
    """A titled paragraph of a letter, optionally followed by a list (conditions or support)."""

    id: str
    title: str
    text: str
    list_name: str | None


@dataclass(frozen=True, slots=True)
class _TemplateBase:
    template_id: str
    version: int
    kind: DocumentKind
    language: str
    branding: Branding
    months: tuple[str, ...]
    labels: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class LetterTemplate(_TemplateBase):
    """A Yellow, Red or CPW letter's wording, colour band and branding."""

    heading: str
    band_colour: str
    band_text_colour: str
    subheading: str
    salutation: str
    sections: tuple[LetterSection, ...]
    closing: str


@dataclass(frozen=True, slots=True)
class LeafletTemplate(_TemplateBase):
    """A signposting leaflet's headings and labels."""

    title: str
    intro: str
    need_headings: Mapping[ServiceNeed, str]
    other_heading: str
    footer: str


@dataclass(frozen=True, slots=True)
class BundleTemplate(_TemplateBase):
    """A tenancy evidence bundle's headings and labels."""

    title: str
    intro: str
    kind_labels: Mapping[str, str]


Template = LetterTemplate | LeafletTemplate | BundleTemplate


def fill(text: str, values: Mapping[str, str], *, bold_values: bool = False) -> str:
    """Fill a template string's ``{name}`` placeholders, returning reportlab Paragraph markup.

    Both the template's own words and every value are escaped, so nothing in either can become
    markup (an ``<img>`` in a name prints as text). Placeholders were checked at load time.
    """
    out: list[str] = []
    pos = 0
    for match in _PLACEHOLDER.finditer(text):
        out.append(escape(safe_text(text[pos : match.start()])))
        value = escape(safe_text(values.get(match.group(1), "")))
        out.append(f"<b>{value}</b>" if bold_values and value else value)
        pos = match.end()
    out.append(escape(safe_text(text[pos:])))
    return "".join(out)


def without_placeholders(text: str) -> str:
    """A template string as plain text with its placeholders left out (for PDF metadata)."""
    return " ".join(_PLACEHOLDER.sub("", text).split())


def placeholders_in(text: str) -> frozenset[str]:
    """The placeholder names a template string uses."""
    return frozenset(_PLACEHOLDER.findall(text))


class _Reader:
    """Reads one template's JSON, naming the template and the field in every error."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.data = data
        self.name = f"template {source}"

    def error(self, message: str) -> TemplateError:
        return TemplateError(f"{self.name}: {message}")

    def text(
        self,
        key: str,
        allowed: frozenset[str] = frozenset(),
        *,
        data: Mapping[str, Any] | None = None,
        where: str = "",
        optional: bool = False,
    ) -> str:
        value = (self.data if data is None else data).get(key, "" if optional else None)
        field_name = f"{where}{key}"
        if not isinstance(value, str) or (not optional and not value.strip()):
            raise self.error(f"'{field_name}' must be non-empty text")
        unknown = placeholders_in(value) - allowed
        if unknown:
            raise self.error(f"'{field_name}' uses unknown placeholder(s) {sorted(unknown)}")
        stray = _PLACEHOLDER.sub("", value)
        if "{" in stray or "}" in stray:
            raise self.error(f"'{field_name}' has a brace that is not a {{placeholder}}")
        return value

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.data.get(key)
        if not isinstance(value, Mapping):
            raise self.error(f"'{key}' must be an object")
        return value

    def colour(self, value: object, field_name: str) -> str:
        if not isinstance(value, str) or not _HEX_COLOUR.fullmatch(value):
            raise self.error(f"'{field_name}' must be a colour like #1F4E79")
        return value

    def labels(self, required: Iterable[str]) -> dict[str, str]:
        raw = self.mapping("labels")
        labels: dict[str, str] = {}
        for key in required:
            allowed = _PAGE_PLACEHOLDERS if key == "page" else frozenset()
            labels[key] = self.text(key, allowed, data=raw, where="labels.")
        return labels


def parse_template(
    data: Mapping[str, Any], *, source: str, branding_dirs: Iterable[Path] = ()
) -> Template:
    """Validate one template's data and build it.

    Args:
        data: the template's JSON object.
        source: where it came from (a file name), used in error messages.
        branding_dirs: directories to find the template's logo in, first match wins.

    Returns:
        A letter, leaflet or bundle template.

    Raises:
        TemplateError: the template is malformed, uses an unknown placeholder, or lacks a part
            the law or the scheme requires (for a CPW: the conduct, what must change, by when,
            and the consequences). The message names the template and what is wrong.
    """
    reader = _Reader(data, source)
    template_id = reader.text("template_id")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise reader.error("'version' must be a whole number from 1")
    language = reader.text("language")
    reader.name = f"template {template_id!r} ({language}, version {version}) from {source}"
    try:
        kind = DocumentKind(str(data.get("kind")))
    except ValueError:
        raise reader.error(f"'kind' {data.get('kind')!r} is not a document kind") from None
    months = data.get("months")
    if (
        not isinstance(months, list)
        or len(months) != 12
        or not all(isinstance(m, str) and m for m in months)
    ):
        raise reader.error("'months' must list the twelve month names")
    common = {
        "template_id": template_id,
        "version": version,
        "kind": kind,
        "language": language,
        "branding": _branding(reader, branding_dirs),
        "months": tuple(months),
    }
    if kind in LETTER_KINDS:
        return _letter(reader, common)
    if kind is DocumentKind.SIGNPOSTING_LEAFLET:
        return _leaflet(reader, common)
    if kind is DocumentKind.EVIDENCE_BUNDLE:
        return _bundle(reader, common)
    raise reader.error(f"documents of kind {kind} have no template format")


def _branding(reader: _Reader, branding_dirs: Iterable[Path]) -> Branding:
    raw = reader.mapping("branding")
    address = raw.get("address_lines", [])
    if not isinstance(address, list) or not all(isinstance(line, str) for line in address):
        raise reader.error("'branding.address_lines' must be a list of text")
    logo = raw.get("logo")
    logo_path: Path | None = None
    if logo is not None:
        if not isinstance(logo, str) or not _LOGO_NAME.fullmatch(logo):
            raise reader.error("'branding.logo' must be a bare .png file name")
        found = [d / logo for d in branding_dirs if (d / logo).is_file()]
        if not found:
            raise reader.error(f"logo file {logo!r} is not in the branding directory")
        logo_path = found[0]
    return Branding(
        authority_name=reader.text("authority_name", data=raw, where="branding."),
        partnership_name=reader.text(
            "partnership_name", data=raw, where="branding.", optional=True
        ),
        address_lines=tuple(address),
        contact=reader.text("contact", data=raw, where="branding.", optional=True),
        primary_colour=reader.colour(raw.get("primary_colour"), "branding.primary_colour"),
        accent_colour=reader.colour(raw.get("accent_colour"), "branding.accent_colour"),
        logo_path=logo_path,
    )


def _letter(reader: _Reader, common: dict[str, Any]) -> LetterTemplate:
    allowed = LETTER_PLACEHOLDERS
    raw_sections = reader.data.get("sections")
    if not isinstance(raw_sections, list):
        raise reader.error("'sections' must be a list")
    sections: list[LetterSection] = []
    for index, raw in enumerate(raw_sections):
        if not isinstance(raw, Mapping):
            raise reader.error(f"section {index} must be an object")
        where = f"sections[{index}]."
        list_name = raw.get("list")
        if list_name is not None and list_name not in LETTER_LISTS:
            raise reader.error(f"'{where}list' must be one of {sorted(LETTER_LISTS)}")
        sections.append(
            LetterSection(
                id=reader.text("id", data=raw, where=where),
                title=reader.text("title", data=raw, where=where),
                text=reader.text("text", allowed, data=raw, where=where),
                list_name=list_name,
            )
        )
    by_id = {section.id: section for section in sections}
    if len(by_id) != len(sections):
        raise reader.error("two sections share an id")
    for part in REQUIRED_PARTS[common["kind"]]:
        section = by_id.get(part.section)
        what = f"the part '{part.description}' (section '{part.section}'"
        if section is None:
            raise reader.error(f"is missing {what})")
        missing = part.placeholders - placeholders_in(section.text)
        if missing:
            names = ", ".join(f"{{{name}}}" for name in sorted(missing))
            raise reader.error(f"is missing {what} must use {names})")
        if part.list_name is not None and section.list_name != part.list_name:
            raise reader.error(f"is missing {what} must list the {part.list_name})")
    return LetterTemplate(
        **common,
        labels=reader.labels((*_LETTER_LABELS, *EXTRA_LABELS.get(common["kind"], ()))),
        heading=reader.text("heading", allowed),
        band_colour=reader.colour(reader.data.get("band_colour"), "band_colour"),
        band_text_colour=reader.colour(reader.data.get("band_text_colour"), "band_text_colour"),
        subheading=reader.text("subheading", allowed, optional=True),
        salutation=reader.text("salutation", allowed),
        sections=tuple(sections),
        closing=reader.text("closing", allowed),
    )


def _leaflet(reader: _Reader, common: dict[str, Any]) -> LeafletTemplate:
    raw = reader.mapping("need_headings")
    headings = {
        need: reader.text(need.value, data=raw, where="need_headings.") for need in ServiceNeed
    }
    return LeafletTemplate(
        **common,
        labels=reader.labels(_LEAFLET_LABELS),
        title=reader.text("title"),
        intro=reader.text("intro", frozenset({"issued_on"})),
        need_headings=headings,
        other_heading=reader.text("other_heading"),
        footer=reader.text("footer", optional=True),
    )


def _bundle(reader: _Reader, common: dict[str, Any]) -> BundleTemplate:
    raw = reader.data.get("kind_labels", {})
    if not isinstance(raw, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise reader.error("'kind_labels' must map record kinds to text")
    return BundleTemplate(
        **common,
        labels=reader.labels(_BUNDLE_LABELS),
        title=reader.text("title"),
        intro=reader.text("intro", optional=True),
        kind_labels=dict(raw),
    )


#: File names of closure notice templates, which have their own format (s76 contents).
CLOSURE_NOTICE_PREFIX = "closure_notice."


def bundled_templates_dir() -> Path:
    """The templates that ship with Fieldkit (``resources/templates``)."""
    return Path(str(files("fieldkit.resources"))) / "templates"


def bundled_branding_dir() -> Path:
    """The logos that ship with Fieldkit (``resources/branding``)."""
    return Path(str(files("fieldkit.resources"))) / "branding"


class TemplateLibrary:
    """Every template version found in some directories, looked up by id or kind and language.

    Old versions stay loadable so that a reprint uses exactly the version first printed. A newer
    version delivered by the server's reference data is a JSON file in an extra directory.
    """

    def __init__(self, templates: Iterable[Template]) -> None:
        self._templates: dict[tuple[str, str, int], Template] = {}
        for template in templates:
            key = (template.template_id, template.language, template.version)
            if key in self._templates:
                raise TemplateError(
                    f"template {template.template_id!r} ({template.language}, "
                    f"version {template.version}) is defined twice"
                )
            self._templates[key] = template

    @classmethod
    def load(
        cls, template_dirs: Iterable[Path] = (), branding_dirs: Iterable[Path] = ()
    ) -> TemplateLibrary:
        """Load the bundled templates plus every ``*.json`` in ``template_dirs``.

        Raises:
            TemplateError: a template file is not valid JSON or fails validation.
        """
        dirs = [bundled_templates_dir(), *template_dirs]
        logos = [*branding_dirs, bundled_branding_dir()]
        templates: list[Template] = []
        for directory in dirs:
            for path in sorted(directory.glob("*.json")):
                if path.name.startswith(CLOSURE_NOTICE_PREFIX):
                    # Checked against s76 by its own reader, at load like the letters.
                    from fieldkit.documents.closure_notice import load_closure_notice_file

                    load_closure_notice_file(path)
                    continue
                templates.append(load_template_file(path, branding_dirs=logos))
        return cls(templates)

    def get(self, template_id: str, language: str, version: int | None = None) -> Template:
        """One template by id and language: the given version, or else the newest.

        Raises:
            TemplateNotFoundError: there is no such template (or version).
        """
        if version is not None:
            found = self._templates.get((template_id, language, version))
            if found is None:
                raise TemplateNotFoundError(
                    f"no template {template_id!r} in {language!r} at version {version}"
                )
            return found
        versions = [
            t for (i, lang, _), t in self._templates.items() if (i, lang) == (template_id, language)
        ]
        if not versions:
            raise TemplateNotFoundError(f"no template {template_id!r} in {language!r}")
        return max(versions, key=lambda t: t.version)

    def for_kind(self, kind: DocumentKind, language: str) -> Template:
        """The newest template of a kind in a language (lowest id first if several ids exist).

        Raises:
            TemplateNotFoundError: no template of that kind exists in that language.
        """
        candidates = [
            t for t in self._templates.values() if (t.kind, t.language) == (kind, language)
        ]
        if not candidates:
            raise TemplateNotFoundError(f"no {kind} template in {language!r}")
        first_id = min(t.template_id for t in candidates)
        return self.get(first_id, language)

    def letter(self, kind: DocumentKind, language: str) -> LetterTemplate:
        """The newest letter template of a kind in a language."""
        template = self.for_kind(kind, language)
        assert isinstance(template, LetterTemplate)
        return template

    def leaflet(self, language: str) -> LeafletTemplate:
        """The newest signposting leaflet template in a language."""
        template = self.for_kind(DocumentKind.SIGNPOSTING_LEAFLET, language)
        assert isinstance(template, LeafletTemplate)
        return template

    def bundle(self, language: str) -> BundleTemplate:
        """The newest evidence bundle template in a language."""
        template = self.for_kind(DocumentKind.EVIDENCE_BUNDLE, language)
        assert isinstance(template, BundleTemplate)
        return template

    def languages(self) -> frozenset[str]:
        """Every language some template is written in."""
        return frozenset(lang for (_, lang, _) in self._templates)


def load_template_file(path: Path, *, branding_dirs: Iterable[Path] = ()) -> Template:
    """Read and validate one template file.

    Raises:
        TemplateError: the file is unreadable, not JSON, or fails validation.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TemplateError(f"template {path.name}: cannot be read as JSON ({exc})") from exc
    if not isinstance(data, Mapping):
        raise TemplateError(f"template {path.name}: must be a JSON object")
    dirs = list(branding_dirs) or [bundled_branding_dir()]
    return parse_template(data, source=path.name, branding_dirs=dirs)
