"""The embedded font, and making any text from users or records printable with it."""

from __future__ import annotations

import functools
import unicodedata
from importlib.resources import files
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

#: reportlab font names; prefixed so they cannot clash with another registration in the process.
REGULAR = "FieldkitSans"
BOLD = "FieldkitSans-Bold"
#: Printed in place of a character the font cannot draw (a lone surrogate, an unknown emoji).
FALLBACK_GLYPH = "\ufffd"


def fonts_dir() -> Path:
    """The TrueType fonts that ship with Fieldkit (``resources/fonts``): DejaVu Sans."""
    return Path(str(files("fieldkit.resources"))) / "fonts"


@functools.cache
def register_fonts() -> frozenset[int]:
    """Register DejaVu Sans (regular and bold) with reportlab, once per process.

    Returns:
        The code points both faces can draw.
    """
    regular = TTFont(REGULAR, str(fonts_dir() / "DejaVuSans.ttf"))
    bold = TTFont(BOLD, str(fonts_dir() / "DejaVuSans-Bold.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold)
    # So that <b> inside a Paragraph picks the bold face, and <i> falls back to upright.
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
    return frozenset(regular.face.charToGlyph) & frozenset(bold.face.charToGlyph)


def safe_text(value: str) -> str:
    """Make text printable with the embedded font, without changing what it says.

    Control characters become spaces (newlines are kept); invisible formatting characters
    (zero-width joiners, bidi marks, variation selectors) are dropped; any character the font
    cannot draw, a lone surrogate, or a character beyond the Basic Multilingual Plane (most emoji)
    becomes U+FFFD. Right-to-left text is kept in its logical order and printed left to right,
    unshaped: reportlab does no bidi or Arabic shaping without extra libraries. The result is
    still plain text: escape it before putting it into Paragraph markup (``templates.fill`` does
    both).
    """
    covered = register_fonts()
    out: list[str] = []
    for char in value.replace("\r\n", "\n").replace("\r", "\n"):
        category = unicodedata.category(char)
        if char == "\n":
            out.append(char)
        elif category == "Cc":
            out.append(" ")
        elif category == "Cf" or "\ufe00" <= char <= "\ufe0f":
            # Joiners, bidi marks and variation selectors only steer shaping, which reportlab
            # does not do; printed alone they would be stray boxes.
            continue
        elif ord(char) > 0xFFFF:
            # reportlab writes a wrong ToUnicode entry for characters beyond the BMP (U+1F600
            # reads back as U+1F60), so the PDF's text would misstate what was printed.
            out.append(FALLBACK_GLYPH)
        elif ord(char) in covered:
            out.append(char)
        else:
            out.append(FALLBACK_GLYPH)
    return "".join(out)
