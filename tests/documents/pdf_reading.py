"""Reading back what a PDF says, with pypdf, for the documents tests."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, extracted with pypdf."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    """All the text of a PDF, whitespace collapsed so that wrapped lines read as one."""
    return " ".join(" ".join(pdf_pages(pdf)).split())
