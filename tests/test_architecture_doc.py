"""docs/ARCHITECTURE.md names only modules, functions and files that exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "ARCHITECTURE.md"

_CODE = re.compile(r"`([^`\n]+)`")
_DOTTED = re.compile(r"(?:fieldkit|fieldkit_server)(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_PATH = re.compile(r"(?:src|sync|core|tests|docs|scripts|packaging|resources)/[\w./-]*")


def cited_names(text: str) -> list[str]:
    """Every `fieldkit...` or `fieldkit_server...` dotted name in backticks."""
    return sorted({m for m in _CODE.findall(text) if _DOTTED.fullmatch(m)})


def cited_paths(text: str) -> list[str]:
    """Every repository path in backticks (a folder or a file)."""
    return sorted({m for m in _CODE.findall(text) if _PATH.fullmatch(m)})


def resolves(name: str) -> bool:
    """Whether a dotted name is a module, or an attribute reached from the longest module."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


TEXT = DOC.read_text(encoding="utf-8")


def test_the_map_cites_both_flows_through_real_functions() -> None:
    names = cited_names(TEXT)
    assert "fieldkit.services.visits.VisitService.log" in names
    assert "fieldkit.services.sync_engine.SyncEngine.run" in names
    assert len(names) > 40


@pytest.mark.parametrize("name", cited_names(TEXT))
def test_every_cited_name_exists(name: str) -> None:
    assert resolves(name), f"docs/ARCHITECTURE.md cites {name}, which does not exist"


@pytest.mark.parametrize("path", cited_paths(TEXT))
def test_every_cited_path_exists(path: str) -> None:
    assert (ROOT / path).exists(), f"docs/ARCHITECTURE.md cites {path}, which does not exist"


@pytest.mark.parametrize(
    "name",
    [
        "fieldkit.store.records.no_such_function",
        "fieldkit.services.visits.VisitService.no_such_method",
        "fieldkit_server.no_such_module.push",
        "fieldkit.no_such_package",
    ],
)
def test_a_name_that_does_not_exist_is_caught(name: str) -> None:
    assert not resolves(name)
