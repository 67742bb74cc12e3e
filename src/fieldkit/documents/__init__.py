"""Letters, leaflets and evidence bundles as PDF, and printing them (the only reportlab user).

Nothing happens on import: fonts are registered and templates read when first used.
"""

from fieldkit.documents.bundles import bundle_content_hash, canonical_content, render_bundle
from fieldkit.documents.inputs import (
    BundleEntry,
    BundleExhibit,
    BundleInput,
    CaseHeader,
    ClosureStep,
    DocumentInputError,
    LeafletInput,
    LetterInput,
    SupportService,
)
from fieldkit.documents.layout import RenderedDocument
from fieldkit.documents.leaflets import render_leaflet
from fieldkit.documents.letters import render_letter
from fieldkit.documents.meeting_pack import (
    MeetingPackInput,
    PackChart,
    PackTable,
    render_meeting_pack,
)
from fieldkit.documents.printing import (
    JOB_TITLE,
    TRAY_LABELS,
    PaperTray,
    PrintError,
    PrinterUnavailableError,
    PrintJob,
    PrintOptions,
    PrintSystem,
    SpoolerPrinting,
    check_print_options,
    default_printer,
    list_printers,
    print_pdf,
)
from fieldkit.documents.subject_access import (
    AccessEvent,
    AccessField,
    AccessRecord,
    AccessSection,
    AccessVersion,
    SubjectAccessInput,
    render_subject_access,
    scope_statement,
)
from fieldkit.documents.templates import (
    BundleTemplate,
    LeafletTemplate,
    LetterTemplate,
    Template,
    TemplateError,
    TemplateLibrary,
    TemplateNotFoundError,
    load_template_file,
    parse_template,
)

__all__ = [
    "JOB_TITLE",
    "TRAY_LABELS",
    "AccessEvent",
    "AccessField",
    "AccessRecord",
    "AccessSection",
    "AccessVersion",
    "BundleEntry",
    "BundleExhibit",
    "BundleInput",
    "BundleTemplate",
    "CaseHeader",
    "ClosureStep",
    "DocumentInputError",
    "LeafletInput",
    "LeafletTemplate",
    "LetterInput",
    "LetterTemplate",
    "MeetingPackInput",
    "PackChart",
    "PackTable",
    "PaperTray",
    "PrintError",
    "PrintJob",
    "PrintOptions",
    "PrintSystem",
    "PrinterUnavailableError",
    "RenderedDocument",
    "SpoolerPrinting",
    "SubjectAccessInput",
    "SupportService",
    "Template",
    "TemplateError",
    "TemplateLibrary",
    "TemplateNotFoundError",
    "bundle_content_hash",
    "canonical_content",
    "check_print_options",
    "default_printer",
    "list_printers",
    "load_template_file",
    "parse_template",
    "print_pdf",
    "render_bundle",
    "render_leaflet",
    "render_letter",
    "render_meeting_pack",
    "render_subject_access",
    "scope_statement",
]
