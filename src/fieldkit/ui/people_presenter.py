"""What the People screen shows about a profile, decided without a display."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from fieldkit.services.people import PersonProfile, PersonRow, TimelineEntry
from fieldkit.services.subject_access import SubjectAccessExport


def standing_html(profile: PersonProfile) -> str:
    """The warning standing under each scheme, as rich text."""
    parts = []
    for s in profile.standings:
        window = f" · stands until {escape(s.window_ends)}" if s.window_ends else ""
        parts.append(
            f"<p><b>{escape(s.scheme_name)}</b>: {escape(s.stage)}{window}<br>"
            f"Next step: <b>{escape(s.next_step)}</b><br><i>{escape(s.reason)}</i></p>"
        )
    return "".join(parts)


def same_as_html(rows: list[PersonRow]) -> str:
    """Other records that may be the same person, as links with why, or "" if none."""
    if not rows:
        return ""
    links = "; ".join(
        f'<a href="person:{escape(r.id)}">{escape(r.name)}</a>'
        + (f" ({escape(r.detail)})" if r.detail else "")
        + f" — {escape(r.reason)}"
        for r in rows
    )
    return f"<p><b>May be the same person as:</b> {links}. Check before recording more.</p>"


def flags_line(profile: PersonProfile) -> str:
    """Risk markers first ("RISK: …"), then each flag with ⚠, on one line; "" if none."""
    shown = [
        *(("RISK: " + "  ·  ".join(profile.risk_markers),) if profile.risk_markers else ()),
        *("⚠ " + f for f in profile.flags),
    ]
    return "  ·  ".join(shown)


def identity_lines(profile: PersonProfile) -> list[str]:
    """Aliases, date of birth (or that it is not recorded) and description, a line each.

    The regime the record is processed under is added by the view (its words are translated).
    """
    lines = []
    if profile.aliases:
        lines.append("Also known as " + ", ".join(profile.aliases))
    lines.append(
        f"Born {profile.date_of_birth}" if profile.date_of_birth else "Date of birth not recorded"
    )
    if profile.description:
        lines.append(profile.description)
    return lines


@dataclass(frozen=True)
class ProfileActions:
    """Which of the profile's buttons can be pressed."""

    warn: bool
    edit: bool
    risk_markers: bool
    open_case: bool
    export: bool


def profile_actions(profile: PersonProfile | None, *, exporting: bool) -> ProfileActions:
    """The profile's buttons: all need a person shown; an export runs one at a time.

    Args:
        profile: the person shown, if any.
        exporting: a subject access export is under way.
    """
    shown = profile is not None
    return ProfileActions(
        warn=shown,
        edit=shown,
        risk_markers=shown,
        open_case=shown,
        export=shown and not exporting,
    )


@dataclass(frozen=True)
class WarningActions:
    """What can be done to the warning selected in the timeline."""

    reprint: bool
    withdraw: bool
    serve: bool
    review: bool


def warning_actions(entry: TimelineEntry | None, *, can_print: bool) -> WarningActions:
    """Reprint an issued letter; withdraw one issued or awaiting countersignature; serve one
    awaiting countersignature; review one whose review is open.

    Args:
        entry: the selected timeline entry, if it is a warning.
        can_print: printing is set up (reprints need it).
    """
    status = entry.warning_status if entry is not None else ""
    return WarningActions(
        reprint=can_print and status == "issued",
        withdraw=status in ("issued", "awaiting_countersignature"),
        serve=status == "awaiting_countersignature",
        review=bool(entry and entry.review_open),
    )


def export_saved(result: SubjectAccessExport) -> str:
    """The sentence shown once a subject access export is saved."""
    return (
        f"Saved {result.pdf_path.name} and {result.json_path.name} "
        f"({result.records} records, {result.pages} pages). The export is logged and the "
        "PDF is kept in the vault."
    )
