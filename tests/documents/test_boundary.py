"""The documents package is the only reportlab user, and uses no Qt."""

from __future__ import annotations

import ast
from pathlib import Path

import fieldkit

SRC = Path(fieldkit.__file__).parent


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_the_documents_package_imports_reportlab() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "reportlab" in _imported_roots(path) and path.parent.name != "documents"
    ]
    assert offenders == []


def test_documents_package_imports_no_qt_and_is_flat() -> None:
    documents = SRC / "documents"
    assert [p for p in documents.iterdir() if p.is_dir() and p.name != "__pycache__"] == []
    for path in documents.glob("*.py"):
        assert "PySide6" not in _imported_roots(path), path.name
