"""Shared fixtures for the documents tests: the bundled templates."""

from __future__ import annotations

import pytest

from fieldkit.documents import TemplateLibrary


@pytest.fixture(scope="session")
def library() -> TemplateLibrary:
    return TemplateLibrary.load()
