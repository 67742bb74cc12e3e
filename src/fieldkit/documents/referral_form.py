"""The referral form: a referral on the letterhead, for a partner without an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer

from fieldkit.documents.inputs import DocumentInputError
from fieldkit.documents.layout import RenderedDocument, build_report_pdf, markup, styles
from fieldkit.documents.templates import Branding
from fieldkit.documents.text import safe_text
from fieldkit.domain.legal_clocks import format_date
from fieldkit.domain.vocabulary import DocumentKind

TEMPLATE_ID = "referral_form"
TEMPLATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class ReferralForm:
    """What the form says: who is referred, to whom, why, with what consent, by when."""

    reference: str
    person: str
    to: str
    reason: str
    urgency: str
    consent: str
    #: The lawful exception relied on when consent was refused ("" otherwise).
    exception: str
    referred_by: str
    sent_on: date
    respond_by: date | None


def render_referral_form(form: ReferralForm, branding: Branding) -> RenderedDocument:
    """Render the referral form to PDF.

    Raises:
        DocumentInputError: the form has no reason, or refused consent with no exception.
    """
    if not form.reason.strip():
        raise DocumentInputError("a referral form must say why the person is referred")
    if form.consent == "Consent refused" and not form.exception.strip():
        raise DocumentInputError("a referral made without consent must name the lawful exception")
    style = styles()
    primary = branding.primary_colour
    rows = [
        ("Person referred", form.person),
        ("Referred to", form.to),
        ("Urgency", form.urgency),
        ("Consent", form.consent),
        *((("Lawful exception relied on", form.exception),) if form.exception else ()),
        ("Referred by", form.referred_by),
        ("Sent on", format_date(form.sent_on)),
        *((("Please answer by", format_date(form.respond_by)),) if form.respond_by else ()),
    ]
    story: list[Flowable] = [
        Spacer(1, 30 * mm),
        Paragraph(f'<font color="{primary}">Referral</font>', style["h1"]),
        Paragraph(markup(f"Reference {form.reference}"), style["small"]),
        Spacer(1, 3 * mm),
    ]
    for label, value in rows:
        story.append(Paragraph(f"<b>{markup(label)}:</b> {markup(value)}", style["body"]))
    story.append(Paragraph("Why we are referring", style["h2"]))
    story.append(Paragraph(markup(form.reason), style["body"]))
    story.append(Paragraph("Your answer", style["h2"]))
    story.append(
        Paragraph(
            markup(
                "Please tell the officer named above whether you accept the referral, "
                "and if not why, quoting the reference. This form holds personal data: "
                "keep it securely and only for as long as you need it."
            ),
            style["body"],
        )
    )
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(markup(branding.partnership_name), style["body"]))
    pdf, pages = build_report_pdf(
        story,
        branding=branding,
        title="Referral",
        footer=f"Reference: {safe_text(form.reference)}",
    )
    return RenderedDocument(
        pdf=pdf,
        kind=DocumentKind.REFERRAL_FORM,
        template_id=TEMPLATE_ID,
        template_version=TEMPLATE_VERSION,
        language="en",
        page_count=pages,
    )
